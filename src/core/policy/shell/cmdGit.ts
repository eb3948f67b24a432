import type { GitOp, ShellCommandInfo, Signal } from '../action.ts';
import { has, parseArgs, value, values } from './args.ts';
import { joinPath, looksLikeUrl, patchEffects, stdinFileOf, w, type CommandCtx, type Handler } from './commandKit.ts';
import type { ArgWord } from './expand.ts';

/**
 * git: the operation, its targets, and the settings that make it run commands.
 */
// ---------------------------------------------------------------- git

const GIT_EXEC_CONFIG = /^(core\.(fsmonitor|hookspath|sshcommand|pager|editor|askpass|gitproxy|alternaterefscommand)|alias\..*|protocol\..*\.allow|protocol\.allow|uploadpack\.packobjectshook|credential\.(helper|.*\.helper)|diff\..*\.(textconv|command)|merge\..*\.driver|filter\..*\.(clean|smudge|process)|sequence\.editor|gpg\.(program|.*\.program)|remote\..*\.(receivepack|uploadpack|vcs)|url\..*\.insteadof|include\.path|includeif\..*|submodule\..*\.update|http\.proxy|core\.worktree|init\.templatedir|sendemail\..*|difftool\..*\.cmd|mergetool\..*\.cmd|pager\..*|browser\..*\.cmd|web\.browser|instaweb\..*)$/i;

export function isExecGitConfig(key: string): boolean {
  return GIT_EXEC_CONFIG.test(key);
}

function refBranch(ref: string): string {
  return ref.replace(/^refs\/heads\//, '').replace(/^heads\//, '');
}

/** Parses a push refspec: `+src:dst`, `:dst` (delete), `src` (same name). */
export function parseRefspec(spec: string): { dst: string; force: boolean; delete: boolean; src: string } {
  let s = spec;
  let force = false;
  if (s.startsWith('+')) {
    force = true;
    s = s.slice(1);
  }
  const colon = s.indexOf(':');
  if (colon < 0) return { src: s, dst: refBranch(s), force, delete: false };
  const src = s.slice(0, colon);
  const dst = refBranch(s.slice(colon + 1) || src);
  return { src, dst, force, delete: src === '' };
}

const GIT_GLOBAL_VALUES = new Set(['-C', '-c', '--git-dir', '--work-tree', '--namespace', '--exec-path', '--config-env', '--super-prefix', '--list-cmds', '--attr-source']);

export const git: Handler = (args, ctx, info, signals) => {
  const config: { key: string; value: string }[] = [];
  let i = 0;
  let cwd = ctx.cwd;
  for (; i < args.length; i++) {
    const a = args[i]!.v;
    if (!a.startsWith('-')) break;
    const eq = a.indexOf('=');
    const flag = eq > 0 ? a.slice(0, eq) : a;
    if (GIT_GLOBAL_VALUES.has(flag)) {
      const v = eq > 0 ? a.slice(eq + 1) : args[++i]?.v ?? '';
      if (flag === '-c') {
        const e = v.indexOf('=');
        config.push({ key: (e >= 0 ? v.slice(0, e) : v).toLowerCase(), value: e >= 0 ? v.slice(e + 1) : 'true' });
      } else if (flag === '-C') cwd = ctx.resolve(v, cwd);
      else if (flag === '--config-env') config.push({ key: v.split('=')[0]!.toLowerCase(), value: '$' + (v.split('=')[1] ?? '') });
    }
  }
  const sub = args[i]?.v ?? '';
  const rest = args.slice(i + 1);
  const op: GitOp = { op: sub, args: rest.map((a) => a.v), branches: [], force: false, deleteBranch: false, config, skipsHooks: false, text: info.text };
  info.git = op;
  const local: CommandCtx = cwd === ctx.cwd ? ctx : { ...ctx, cwd, resolve: (wd, dir) => ctx.resolve(wd, dir ?? cwd) };
  if (config.some((c) => c.key === 'core.hookspath')) op.skipsHooks = true;
  (GIT_SUBCOMMANDS.get(sub) ?? (sub.startsWith('credential-') ? gitCredential : undefined))?.({ sub, rest, op, info, signals, ctx, local, cwd });
  for (const c of op.config) {
    if (c.key === 'core.hookspath') op.skipsHooks = true;
  }
};

/** What the reader of one git subcommand gets: the call's parts, as git() worked them out. */
interface GitCall {
  sub: string;
  rest: ArgWord[];
  op: GitOp;
  info: ShellCommandInfo;
  signals: Signal[];
  ctx: CommandCtx;
  /** ctx with the cwd `-C` gave */
  local: CommandCtx;
  cwd: string;
}

/*
 * One function per subcommand (a table rather than one switch in git()):
 * each is compiled on its own once it is used often, and the code compiled
 * for every git line stays small.
 */
/** git push */
function gitPush({ rest, op, info, signals }: GitCall): void {
  const p = parseArgs(rest, { values: ['o', '--push-option', '--repo', '--receive-pack', '--exec'] });
  op.force = has(p, '-f', '--force', '--force-with-lease', '--force-if-includes', '--mirror');
  op.allBranches = has(p, '--all', '--mirror', '--branches');
  op.skipsHooks = op.skipsHooks || has(p, '--no-verify');
  const del = has(p, '-d', '--delete');
  // --prune deletes every remote branch with no local counterpart
  if (has(p, '--prune')) op.prunes = true;
  const exec = value(p, '--receive-pack', '--exec');
  if (exec) signals.push({ code: 'git.exec-config', fragment: info.text, detail: `--receive-pack ${exec}` });
  const [remote, ...refspecs] = p.positionals.map((a) => a.v);
  const repo = value(p, '--repo');
  op.remote = remote ?? repo ?? 'origin';
  op.remoteIsUrl = /:\/\/|^[^/\s]+@[^:\s]+:|\.git$|^\.{0,2}\//.test(op.remote);
  if (refspecs.length === 0 && !op.allBranches && !has(p, '--tags')) op.branches.push('HEAD');
  for (const r of refspecs) {
    const rs = parseRefspec(r);
    if (rs.force) op.force = true;
    if (rs.delete || del) op.deleteBranch = true;
    if (rs.dst.startsWith('refs/tags/')) continue;
    op.branches.push(rs.dst === 'HEAD' || rs.dst === '@' ? 'HEAD' : rs.dst);
  }
  info.network = true;
}
/** git branch */
function gitBranch({ rest, op }: GitCall): void {
  const p = parseArgs(rest, { values: ['u', '--set-upstream-to', '--contains', '--merged', '--no-merged', '--format', '--sort', '--points-at'] });
  const del = has(p, '-d', '-D', '--delete');
  if (del) {
    op.op = 'branch-delete';
    op.deleteBranch = true;
    op.forceDelete = has(p, '-D', '-f', '--force');
    op.branches.push(...p.positionals.map((a) => a.v));
  } else if (has(p, '-f', '--force', '-M', '-C') && p.positionals.length > 0) {
    op.op = 'branch-force';
    op.force = true;
    // `-M/-C old new` overwrites new; `-M new` the current branch's new name; `-f b start` moves b
    const renames = has(p, '-M', '-C');
    op.branches.push(p.positionals[renames && p.positionals.length > 1 ? 1 : 0]!.v);
    if (has(p, '-M') && p.positionals.length > 1) op.branches.push(p.positionals[0]!.v);
  } else if (has(p, '-m', '--move') && p.positionals.length > 1) {
    // `git branch -m old new`: old is gone under its name
    op.op = 'branch-rename';
    op.branches.push(p.positionals[0]!.v);
  }
}
/** git reset */
function gitReset({ rest, op }: GitCall): void {
  const p = parseArgs(rest, {});
  if (has(p, '--hard')) op.op = 'reset-hard';
  else if (has(p, '--keep', '--merge')) op.op = 'reset-keep';
}
/** git clean */
function gitClean({ rest, op, info, local }: GitCall): void {
  const p = parseArgs(rest, { values: ['e', '--exclude'] });
  const dry = has(p, '-n', '--dry-run');
  if (!dry && has(p, '-f', '--force')) {
    op.op = has(p, '-x', '-X') ? 'clean-ignored' : has(p, '-d') ? 'clean-dirs' : 'clean';
    const paths = p.positionals.length > 0 ? p.positionals : [w('.')];
    for (const a of paths) info.deletes.push({ path: local.resolve(a), recursive: true, via: 'git clean', filtered: true });
  } else op.op = dry ? 'clean-dry-run' : 'clean-interactive';
}
/** git checkout / restore / switch */
function gitCheckout({ sub, rest, op, info, local, cwd }: GitCall): void {
  const p = parseArgs(rest, { values: ['b', 'B', 's', '--source', '-c', '-C', '--conflict', '--orphan', '--pathspec-from-file'] });
  const dashdash = rest.findIndex((a) => a.v === '--');
  const force = has(p, '-f', '--force', '--discard-changes');
  let paths: ArgWord[] = [];
  if (sub === 'restore') {
    if (!has(p, '--staged', '-S') || has(p, '--worktree', '-W')) paths = p.positionals;
  } else if (sub === 'checkout') {
    if (dashdash >= 0) paths = rest.slice(dashdash + 1);
    else if (p.positionals.length === 1 && (p.positionals[0]!.v === '.' || p.positionals[0]!.v === ':/' || p.positionals[0]!.glob)) paths = p.positionals;
    else if (p.positionals.length > 1) paths = p.positionals.slice(1);
  }
  if (force || paths.some((a) => a.v === '.' || a.v === ':/' || a.v === '*' || a.v === ':(top)' || local.resolve(a) === cwd && /^\.\/?$/.test(a.v))) {
    op.op = 'discard-all';
  } else if (paths.length > 0) {
    op.op = 'discard-paths';
    op.discards = paths.map((a) => local.resolve(a));
    info.writes.push(...op.discards);
  }
  if (has(p, '-B')) op.force = true;
}
/** git stash */
function gitStash({ rest, op, info, local }: GitCall): void {
  const verb = rest[0]?.v ?? 'push';
  // `git stash show -p [stash] -- .env` prints the stashed changes of those files
  if (verb === 'show' && rest.some((a) => a.v === '-p' || a.v === '--patch' || a.v === '-u' || a.v === '--include-untracked')) {
    const dashes = rest.findIndex((a) => a.v === '--');
    if (dashes >= 0) for (const a of rest.slice(dashes + 1)) info.reads.push(local.resolve(a));
  }
  if (verb === 'clear') op.op = 'stash-clear';
  else if (verb === 'drop') op.op = 'stash-drop';
  else if (verb === 'push' || verb === 'save' || verb.startsWith('-')) {
    op.op = 'stash-push';
    // `git stash push [--] PATHS`: those files go back to what HEAD has, as a checkout of them would
    if (verb === 'push' || verb === '--' || verb.startsWith('-')) {
      const p = parseArgs(verb === 'push' ? rest.slice(1) : rest, { values: ['m', '--message', '--pathspec-from-file'] });
      for (const a of p.positionals) info.writes.push(local.resolve(a));
    }
  }
}
/** git filter-branch / filter-repo */
function gitFilterBranch({ op }: GitCall): void {
  op.op = 'rewrite-history';
}
/** git reflog */
function gitReflog({ rest, op }: GitCall): void {
  if (rest[0]?.v === 'expire' || rest[0]?.v === 'delete') op.op = 'reflog-expire';
}
/** git gc */
function gitGc({ rest, op }: GitCall): void {
  if (rest.some((a) => /^--prune(=now|=all)?$/.test(a.v) && a.v !== '--prune=2.weeks.ago') || rest.some((a) => a.v === '--aggressive')) op.op = 'gc-prune';
}
/** git prune */
function gitPrune({ op }: GitCall): void {
  op.op = 'gc-prune';
}
/** git update-ref */
function gitUpdateRef({ rest, op }: GitCall): void {
  const ref = rest.filter((a) => !a.v.startsWith('-'))[0]?.v;
  if (rest.some((a) => a.v === '-d')) {
    op.op = 'update-ref-delete';
    op.deleteBranch = true;
    if (ref !== undefined) op.branches.push(refBranch(ref));
  } else if (ref !== undefined && /^(refs\/)?heads\//.test(ref)) {
    // `git update-ref refs/heads/main HEAD~10`: moves a branch wherever it likes, as `git branch -f` does
    op.op = 'branch-force';
    op.branches.push(refBranch(ref));
  }
}
/** git read-tree */
function gitReadTree({ rest, op }: GitCall): void {
  // -u with --reset (or -m) writes the tree over the working files: uncommitted work is lost, as with reset --hard
  if (rest.some((a) => a.v === '-u') && rest.some((a) => a.v === '--reset' || a.v === '-m')) op.op = 'discard-all';
}
/** git commit */
function gitCommit({ rest, op, info, local }: GitCall): void {
  const p = parseArgs(rest, { values: ['m', 'F', 'C', 'c', '--message', '--file', '--author', '--date', '--fixup', '--squash', '-t', '--template', '--trailer'] });
  if (has(p, '-n', '--no-verify')) op.skipsHooks = true;
  for (const f of values(p, '-F', '--file')) if (f !== '-') info.reads.push(local.resolve(f));
}
/** git merge / rebase / cherry-pick / revert / pull / am */
function gitMerge(call: GitCall): void {
  const { sub, rest, op, info, ctx } = call;
  const p = parseArgs(rest, { values: ['s', 'X', 'm', 'x', '--exec', '--strategy', '--strategy-option', '--onto', '-F', '--file'] });
  if (has(p, '--no-verify')) op.skipsHooks = true;
  for (const x of values(p, '-x', '--exec')) ctx.nested(x, `git ${sub} --exec`);
  if (sub === 'pull') info.network = true;
  // every commit of the branch rewritten, from the first
  if (sub === 'rebase' && has(p, '--root')) op.op = 'rebase-root';
  // git am applies mailbox patches: the files they change are read from them now, as for git apply
  if (sub === 'am' && !has(p, '--abort', '--skip', '--continue', '--quit', '--show-current-patch')) gitApply({ ...call, rest: rest.filter((a) => !a.v.startsWith('-')) });
}
/** git config */
function gitConfig({ rest, op, info, local }: GitCall): void {
  const p = parseArgs(rest, { values: ['f', '--file', '--blob', '--type', '--default', '--comment'] });
  const reading = has(p, '--get', '--get-all', '--get-regexp', '-l', '--list', '--get-urlmatch', '--show-origin', '--name-only', '-e', '--edit');
  const unset = has(p, '--unset', '--unset-all', '--remove-section', '--rename-section');
  const pos = p.positionals.map((a) => a.v);
  let key = pos[0];
  let val = pos[1];
  if (key === 'set' || key === 'unset' || key === 'get' || key === 'list') {
    const verb = key;
    key = pos[1];
    val = pos[2];
    if (verb === 'get' || verb === 'list') return;
  }
  if (!reading && key && (val !== undefined || unset || has(p, '--add', '--replace-all'))) {
    op.op = 'config-set';
    op.config.push({ key: key.toLowerCase(), value: val ?? '' });
    if (has(p, '--global', '--system')) op.args.push('--global');
    const file = value(p, '-f', '--file');
    if (file) info.writes.push(local.resolve(file));
  }
  if (has(p, '-e', '--edit')) op.op = 'config-edit';
}
/** git clone / submodule / fetch / ls-remote / remote */
function gitClone({ sub, rest, op, info, signals, ctx, local }: GitCall): void {
  const p = parseArgs(rest, { values: ['c', '--config', '-u', '--upload-pack', '-b', '--branch', '-o', '--origin', '--depth', '--reference', '--template', '--separate-git-dir', '-j', '--jobs', '--filter'] });
  for (const c of values(p, '-c', '--config')) {
    const e = c.indexOf('=');
    op.config.push({ key: (e >= 0 ? c.slice(0, e) : c).toLowerCase(), value: e >= 0 ? c.slice(e + 1) : 'true' });
  }
  const up = value(p, '-u', '--upload-pack');
  if (up) signals.push({ code: 'git.exec-config', fragment: info.text, detail: `--upload-pack ${up}` });
  for (const a of p.positionals) {
    if (/^ext::/i.test(a.v) || /^fd::/i.test(a.v)) signals.push({ code: 'git.exec-config', fragment: a.v, detail: 'the ext:: transport runs a command' });
    if (looksLikeUrl(a.v)) info.urls.push(a.v);
  }
  if (sub === 'clone' && p.positionals[1]) info.writes.push(local.resolve(p.positionals[1]));
  if (sub === 'submodule' && p.positionals[0]?.v === 'foreach') {
    const script = p.positionals.slice(1).map((a) => a.v).join(' ');
    if (script) ctx.nested(script, 'git submodule foreach');
  }
  // `git submodule deinit -f`: the submodules' working trees go, uncommitted changes with them
  if (sub === 'submodule' && p.positionals[0]?.v === 'deinit' && rest.some((a) => a.v === '-f' || a.v === '--force')) op.op = 'submodule-deinit';
  if (sub === 'remote' && (p.positionals[0]?.v === 'set-url' || p.positionals[0]?.v === 'add')) {
    op.op = `remote-${p.positionals[0]!.v}`;
    op.args = p.positionals.map((a) => a.v);
  }
  info.network = sub !== 'remote' && sub !== 'submodule' || info.network;
}
/** git bisect */
function gitBisect({ rest, ctx }: GitCall): void {
  if (rest[0]?.v === 'run') ctx.nested(rest.slice(1).map((a) => a.v).join(' '), 'git bisect run');
}
/**
 * How a subcommand that can print what files hold treats its arguments:
 * `prints` says whether it prints (or, as archive and checkout-index do,
 * writes out) file content always, unless an option asks for names or
 * counts only (`default`), or only when an option asks for a patch
 * (`asked`: log prints commit messages unless given -p).
 */
interface GitContentSpec {
  prints: 'always' | 'default' | 'asked';
  /** options that take a value (so their value is no path) */
  values: readonly string[];
  /** options whose value is a file the command reads */
  files?: readonly string[];
  /** plain arguments are objects or types, never paths (cat-file): only `rev:path` names a file */
  blobsOnly?: boolean;
  /** the first argument is the pattern unless -e or -f gives it (grep) */
  pattern?: boolean;
}

const DIFF_VALUES = ['n', 'L', 'S', 'G', 'O', '--max-count', '--skip', '--author', '--committer', '--grep', '--since', '--until', '--after', '--before', '--output'];

const GIT_CONTENT = new Map<string, GitContentSpec>([
  ['show', { prints: 'default', values: DIFF_VALUES }],
  ['diff', { prints: 'default', values: DIFF_VALUES }],
  ['difftool', { prints: 'default', values: ['t', 'x', '--tool', '--extcmd'] }],
  ['log', { prints: 'asked', values: DIFF_VALUES }],
  ['whatchanged', { prints: 'asked', values: DIFF_VALUES }],
  ['diff-tree', { prints: 'asked', values: DIFF_VALUES }],
  ['diff-index', { prints: 'asked', values: DIFF_VALUES }],
  ['diff-files', { prints: 'asked', values: DIFF_VALUES }],
  ['cat-file', { prints: 'always', values: [], files: ['--path'], blobsOnly: true }],
  ['blame', { prints: 'always', values: ['L', 'S', '--contents', '--ignore-rev', '--ignore-revs-file'], files: ['--contents', '--ignore-revs-file'] }],
  ['annotate', { prints: 'always', values: ['L', 'S', '--contents'], files: ['--contents'] }],
  ['grep', { prints: 'always', values: ['e', 'f', 'A', 'B', 'C', 'm', '--max-count', '--max-depth', '--threads', '--context', '--after-context', '--before-context'], files: ['-f'], pattern: true }],
  ['archive', { prints: 'always', values: ['o', '--output', '--remote', '--prefix', '--format', '--add-file', '--exec'], files: ['--add-file'] }],
  ['format-patch', { prints: 'always', values: ['o', 'v', '--output-directory', '--subject-prefix', '--to', '--cc', '--in-reply-to', '--reroll-count', '--start-number', '--signature-file', '--base', '--interdiff', '--range-diff', '--add-header', '--suffix', '--description-file'], files: ['--signature-file', '--description-file'] }],
  ['checkout-index', { prints: 'always', values: ['--prefix', '--stage'] }],
]);

/** options that print the changed lines (patch, word diff, function context, combined diffs of merges) */
const PATCH_FLAGS = ['-p', '-u', '--patch', '--patch-with-stat', '--patch-with-raw', '-c', '--cc', '--word-diff', '--color-words', '-W', '--function-context', '-L', '--check'];
/** options that print names, counts or commit headers only */
const NO_PATCH_FLAGS = ['-s', '--no-patch', '--stat', '--numstat', '--shortstat', '--name-only', '--name-status', '--raw', '--summary', '--dirstat', '--compact-summary', '--quiet'];

/**
 * The file a git argument names, or undefined when it names none: `rev:path`,
 * `:path` and `:2:path` (a blob in a commit or the index, always printed
 * whole), a pathspec with its magic (`:(top)path`, `:/path`), or a plain
 * argument (a path, or a revision that is no file). Excluding pathspecs
 * (`:!path`, `:^path`, `:(exclude)path`) name what is left out.
 */
function gitArgPath(v: string): { path: string; blob: boolean } | undefined {
  if (v.charCodeAt(0) === 58) {
    if (v.charCodeAt(1) === 40) {
      const close = v.indexOf(')');
      if (close < 0 || /(^|,)(exclude|!|\^)/.test(v.slice(2, close))) return undefined;
      return { path: v.slice(close + 1), blob: false };
    }
    const m = /^:([/!^]*):?(?:[0-3]:)?(.*)$/.exec(v)!;
    if (/[!^]/.test(m[1]!) || m[2] === '') return undefined;
    return { path: m[2]!, blob: m[1] === '' };
  }
  const colon = v.indexOf(':');
  if (colon > 0 && !looksLikeUrl(v) && v.charCodeAt(0) !== 45) return colon + 1 < v.length ? { path: v.slice(colon + 1), blob: true } : undefined;
  return { path: v, blob: false };
}

/**
 * git show / diff / log -p / blame / grep / archive / format-patch /
 * cat-file / checkout-index: the files they print are read, named as
 * pathspecs, `rev:path` or `:path` (`git show :.env`, `git blame .env`,
 * `git log -p -- .env`). Forms that print names or messages only
 * (`git log --oneline -- .env`, `git diff --stat`) read nothing.
 */
function gitContent({ sub, rest, info, local, cwd }: GitCall): void {
  const spec = GIT_CONTENT.get(sub)!;
  const p = parseArgs(rest, { values: spec.values });
  const patch = spec.prints === 'always' || has(p, ...PATCH_FLAGS) || spec.prints === 'default' && !has(p, ...NO_PATCH_FLAGS);
  let words = p.positionals;
  if (spec.pattern && !has(p, '-e', '-f')) words = words.slice(1);
  for (const a of words) {
    const named = gitArgPath(a.v);
    if (!named || (spec.blobsOnly || !patch) && !named.blob) continue;
    info.reads.push(named.path === a.v ? local.resolve(a) : local.resolve(named.path, cwd));
  }
  if (patch) for (const e of p.list) if (e.flag === '-L' && typeof e.value === 'string' && e.value.includes(':')) info.reads.push(local.resolve(e.value.slice(e.value.lastIndexOf(':') + 1), cwd));
  for (const f of spec.files ? values(p, ...spec.files) : []) if (f !== '-') info.reads.push(local.resolve(f));
  // `git grep --untracked` / `--no-index` with no pathspec searches every file below, ignored ones (.env) included
  if (sub === 'grep' && words.length === 0 && has(p, '--untracked', '--no-index')) (info.treeReads ??= []).push(cwd);
  if (sub === 'archive') {
    const out = value(p, '-o', '--output');
    if (out) info.writes.push(local.resolve(out));
    if (value(p, '--remote')) info.network = true;
  }
}
/** git credential fill, git credential-<helper> get: print the stored credentials */
function gitCredential({ sub, rest, info, signals }: GitCall): void {
  const verb = rest.find((a) => !a.v.startsWith('-'))?.v;
  if (verb === 'get' || sub === 'credential' && verb === 'fill') signals.push({ code: 'secrets.cli-token', fragment: info.text, detail: 'prints the credentials git stores' });
}
/** git rm */
function gitRm({ rest, info, local }: GitCall): void {
  const p = parseArgs(rest, { values: ['--pathspec-from-file'] });
  if (!has(p, '--cached')) {
    const recursive = has(p, '-r');
    for (const a of p.positionals) info.deletes.push({ path: local.resolve(a), recursive, via: 'git rm' });
  }
}
/** git add: the files named go into the index, and with the next commit into the history */
function gitAdd({ rest, op, local }: GitCall): void {
  const p = parseArgs(rest, { values: ['--pathspec-from-file', '--chmod'] });
  if (has(p, '-n', '--dry-run')) return;
  const staged = p.positionals.filter((a) => a.v !== '.' && a.v !== ':/' && !a.v.startsWith(':(')).map((a) => local.resolve(a));
  if (staged.length > 0) op.stages = staged;
}
/** git mv */
function gitMv({ rest, info, local }: GitCall): void {
  const p = parseArgs(rest, {});
  const pos = p.positionals;
  if (pos.length >= 2) {
    const dest = local.resolve(pos[pos.length - 1]!);
    for (const s of pos.slice(0, -1)) info.moves.push({ from: local.resolve(s), to: dest });
  }
}
/** git apply */
function gitApply({ rest, info, local, cwd }: GitCall): void {
  // --check, --stat and the like only report
  if (rest.some((a) => /^--(check|stat|numstat|summary)$/.test(a.v)) && !rest.some((a) => a.v === '--apply')) {
    for (const a of rest) if (!a.v.startsWith('-')) info.reads.push(local.resolve(a));
    return;
  }
  let known = true;
  let any = false;
  for (const a of rest) {
    if (a.v.startsWith('-')) continue;
    any = true;
    const path = local.resolve(a);
    info.reads.push(path);
    // the files the patch names, read from it now; unreadable, unknown files in the working tree
    const text = a.dyn ? undefined : local.readText?.(path);
    if (text === undefined || !patchEffects(text, cwd, local, info, 'git apply')) known = false;
  }
  // `git apply < f`, `git am < f`: the patch is the file on stdin (already counted as read), or a known here-document
  const stdinFile = stdinFileOf(info);
  if (!any && (stdinFile !== undefined || local.stdin?.text !== undefined && !local.stdin.dynamic)) {
    any = true;
    const text = stdinFile !== undefined ? local.readText?.(stdinFile) : local.stdin?.text;
    if (text === undefined || !patchEffects(text, cwd, local, info, 'git apply')) known = false;
  }
  if (!any || !known) info.writes.push(joinPath(cwd, '*'));
}
/** git hash-object: reads the files it hashes (and with -w stores them, to print with cat-file) */
function gitHashObject({ rest, info, local }: GitCall): void {
  const p = parseArgs(rest, { values: ['t', '--path'] });
  for (const a of p.positionals) info.reads.push(local.resolve(a));
}
/** git replace: what history shows from now on */
function gitReplace({ rest, op }: GitCall): void {
  if (!rest.some((a) => a.v === '-l' || a.v === '--list' || a.v === '-d' || a.v === '--delete')) op.op = 'replace-object';
}
/** git worktree */
function gitWorktree({ rest, info, local }: GitCall): void {
  if (rest[0]?.v === 'remove' && rest.some((a) => a.v === '-f' || a.v === '--force')) {
    const target = rest.filter((a) => !a.v.startsWith('-'))[1];
    if (target) info.deletes.push({ path: local.resolve(target), recursive: true, via: 'git worktree remove --force' });
  }
}
/** git send-email */
function gitSendEmail({ rest, info, local }: GitCall): void {
  info.network = true;
  for (const a of rest) if (!a.v.startsWith('-')) {
    const path = local.resolve(a);
    info.reads.push(path);
    info.uploads.push(path);
  }
}

/** subcommand -> its reader (a Map: names come from the command line, never from Object.prototype) */
const GIT_SUBCOMMANDS = new Map<string, (g: GitCall) => void>([
  ['push', gitPush],
  ['branch', gitBranch],
  ['reset', gitReset],
  ['clean', gitClean],
  ['checkout', gitCheckout],
  ['restore', gitCheckout],
  ['switch', gitCheckout],
  ['stash', gitStash],
  ['filter-branch', gitFilterBranch],
  ['filter-repo', gitFilterBranch],
  ['reflog', gitReflog],
  ['gc', gitGc],
  ['prune', gitPrune],
  ['update-ref', gitUpdateRef],
  ['read-tree', gitReadTree],
  ['commit', gitCommit],
  ['merge', gitMerge],
  ['rebase', gitMerge],
  ['cherry-pick', gitMerge],
  ['revert', gitMerge],
  ['pull', gitMerge],
  ['am', gitMerge],
  ['config', gitConfig],
  ['clone', gitClone],
  ['submodule', gitClone],
  ['fetch', gitClone],
  ['ls-remote', gitClone],
  ['remote', gitClone],
  ['bisect', gitBisect],
  ...[...GIT_CONTENT.keys()].map((sub): [string, (g: GitCall) => void] => [sub, gitContent]),
  ['credential', gitCredential],
  ['rm', gitRm],
  ['add', gitAdd],
  ['mv', gitMv],
  ['apply', gitApply],
  ['worktree', gitWorktree],
  ['send-email', gitSendEmail],
  ['hash-object', gitHashObject],
  ['replace', gitReplace],
]);

