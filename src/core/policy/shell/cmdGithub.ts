import type { GithubOp } from '../action.ts';
import { has, parseArgs, value, values } from './args.ts';
import { w, type Handler } from './commandKit.ts';

/**
 * The GitHub CLI: which GitHub operation a `gh` command is.
 */
// ---------------------------------------------------------------- GitHub CLI

export const gh: Handler = (args, ctx, info, signals) => {
  const group = args[0]?.v ?? '';
  const verb = args[1]?.v ?? '';
  const rest = args.slice(2);
  const p = parseArgs(rest, {
    values: ['R', '--repo', 'X', '--method', 'f', 'F', '--field', '--raw-field', 'H', '--header', '--input', 'q', '--jq', 't', '--template', 'b', '--body', 'B', '--base', 'H', '--head', 'c', '--comment', 'r', '--ref', '--title', '--visibility', '-T', '-L', '--limit', '-s', '--state', '--json', '-l', '--label', '-a', '--assignee', '-m', '--milestone', '-F', '--body-file', '--reason', '-d', '--desc', '--notes', '--notes-file', '-n', '--target'],
  });
  const repo = value(p, '-R', '--repo');
  const num = p.positionals.find((a) => /^#?\d+$/.test(a.v));
  const op: GithubOp = { op: `${group}.${verb}`, count: 1, bulk: false, admin: false, text: info.text, ...(repo ? { repo } : {}), ...(num ? { number: Number(num.v.replace('#', '')) } : {}) };
  info.github = op;
  info.network = true;
  if (group === 'api') {
    const endpoint = args.slice(1).find((a) => !a.v.startsWith('-') && (a.v.includes('/') || a.v === 'graphql'))?.v ?? verb;
    const all = parseArgs(args.slice(1), { values: ['X', '--method', 'f', 'F', '--field', '--raw-field', 'H', '--header', '--input', 'q', '--jq', 't', '--template', '--cache', '--hostname', '-p', '--preview'] });
    const fields = [...values(all, '-f', '--raw-field'), ...values(all, '-F', '--field')];
    const input = value(all, '--input');
    let method = (value(all, '-X', '--method') ?? (fields.length > 0 || input ? 'POST' : 'GET')).toUpperCase();
    if (endpoint === 'graphql' && fields.some((f) => /mutation/i.test(f))) {
      method = 'MUTATION';
      const names = graphqlMutations(fields);
      if (names.length > 0) op.mutations = names;
    }
    op.op = 'api';
    op.method = method;
    op.endpoint = endpoint;
    if (fields.some((f) => MAKES_PUBLIC.test(f))) op.makesPublic = true;
    for (const f of values(all, '-F', '--field')) {
      const m = /^[^=]+=@(.+)$/.exec(f);
      if (m && m[1] !== '-') {
        const path = ctx.resolve(m[1]!);
        info.reads.push(path);
        info.uploads.push(path);
      }
    }
    if (input && input !== '-') {
      const path = ctx.resolve(input);
      info.reads.push(path);
      info.uploads.push(path);
    }
    return;
  }
  if (group === 'pr' && verb === 'merge') {
    op.op = 'merge_pr';
    op.admin = has(p, '--admin');
  } else if (group === 'issue' || group === 'pr') {
    op.op = `${verb}_${group === 'pr' ? 'pr' : 'issue'}`;
  } else if (group === 'repo') {
    op.op = `repo_${verb}`;
    const vis = value(p, '--visibility');
    if (verb === 'edit' && vis) op.op = vis === 'public' ? 'repo_make_public' : 'repo_edit';
    if (verb === 'create' || verb === 'clone' || verb === 'fork') {
      const target = p.positionals[1] ?? (verb === 'clone' ? p.positionals[0] && w(p.positionals[0].v.split('/').pop() ?? '') : undefined);
      if (target && verb === 'clone') info.writes.push(ctx.resolve(target));
    }
  } else if (group === 'release') {
    op.op = `release_${verb}`;
    if (verb === 'upload' || verb === 'create') for (const a of p.positionals.slice(1)) if (!/^v?\d/.test(a.v)) {
      const path = ctx.resolve(a.v.replace(/#.*$/, ''));
      info.reads.push(path);
      info.uploads.push(path);
    }
  } else if (group === 'gist' && (verb === 'create' || verb === 'new' || verb === 'edit')) {
    op.op = 'gist_create';
    for (const a of p.positionals) if (a.v !== '-') {
      const path = ctx.resolve(a);
      info.reads.push(path);
      info.uploads.push(path);
    }
  } else if (group === 'auth' && (verb === 'token' || (verb === 'status' && has(p, '-t', '--show-token')))) {
    op.op = 'auth_token';
    signals.push({ code: 'secrets.cli-token', fragment: info.text, detail: 'prints the GitHub token' });
  } else if (group === 'secret' || group === 'variable') {
    op.op = `${group}_${verb}`;
  } else if (group === 'workflow' || group === 'run') {
    op.op = `${group}_${verb}`;
  } else if (group === 'extension' || group === 'ext') {
    op.op = `extension_${verb}`;
  } else if (group === 'ssh-key' || group === 'gpg-key') {
    op.op = `${group}_${verb}`;
  }
  const branch = value(p, '-B', '--base');
  if (branch) op.branch = branch;
  if (has(p, '-d', '--delete-branch') && group === 'pr') op.op += '+delete-branch';
  for (const f of values(p, '-F', '--body-file', '--notes-file')) if (f !== '-') {
    const path = ctx.resolve(f);
    info.reads.push(path);
    info.uploads.push(path);
  }
};

/** a request body that makes a repository public: REST fields (`private=false`, `visibility=public`, JSON too) or GraphQL's `visibility: PUBLIC` */
export const MAKES_PUBLIC = /^\s*private\s*=\s*false\s*$|^\s*visibility\s*=\s*public\s*$|["']?private["']?\s*:\s*false\b|["']?visibility["']?\s*:\s*["']?public\b/i;

/** GraphQL mutations that delete, or change a repository or its protection */
const ADMIN_MUTATION = /\b(delete\w+|update\w*(?:Protection|Ruleset)\w*|create\w*(?:Protection|Ruleset)\w*|archiveRepository|transferRepository|updateRepository|mergePullRequest)\s*\(/g;

/** The mutations a GraphQL request names (`deleteRepository`, `updateBranchProtectionRule`), from `gh api graphql` fields or a raw request's body. */
export function graphqlMutations(texts: readonly string[]): string[] {
  return texts.flatMap((t) => [...t.matchAll(ADMIN_MUTATION)].map((m) => m[1]!));
}
