import type { GithubOp } from '../action.ts';
import { durationMs } from '../matchers.ts';
import { NONE, type PackContext } from './context.ts';

/** GitHub: merges, protections, repositories, secrets. */
export function checkGithub(pc: PackContext): void {
  for (const g of pc.action.githubOps) {
    const op = g.op.toLowerCase();
    const frag = g.text;
    const before = pc.out.matches.length;
    if (op === 'api') {
      // a raw API call (gh api, curl to api.github.com): judged by its method and endpoint alone
      apiCall(pc, g);
      if (g.admin && g.method !== 'GET' && pc.out.matches.length === before) pc.add('github.admin', 'ask', `uses admin rights for ${g.method} ${g.endpoint ?? ''}, which bypass branch protection`, frag);
      continue;
    }
    if (/merge_?pr|merge_pull_request|pr\.merge/.test(op)) {
      if (g.admin) pc.add('github.admin-merge', 'deny', 'merges with --admin, bypassing branch protection', frag);
      else pc.add('github.merge', 'ask', `merges a pull request${g.number !== undefined ? ` (#${g.number})` : ''} into ${g.branch ?? 'its base branch'}`, frag);
    }
    if (/delete_?branch|branch_delete|delete_ref/.test(op) || op.includes('+delete-branch')) {
      const b = g.branch;
      if (b && pc.protectedBranch(b)) pc.add('github.delete-protected', 'deny', `deletes the protected branch ${b} on GitHub`, frag);
      else if (!op.includes('+delete-branch')) pc.add('github.delete-branch', 'ask', `deletes ${b !== undefined ? `the branch ${b}` : 'branches'} on GitHub`, frag);
    }
    if (/push_files?|create_or_update_file|delete_file|update_file/.test(op) && g.branch && pc.protectedBranch(g.branch)) {
      pc.add('github.push-protected', 'ask', `commits directly to the protected branch ${g.branch}`, frag);
    }
    if (/repo_delete|delete_repo/.test(op)) pc.add('github.delete-repo', 'deny', 'deletes a repository', frag);
    if (/protection|ruleset|bypass/.test(op) && !/^(get|list|view)/.test(op)) pc.add('github.protection', 'deny', `changes branch protection (${op})`, frag);
    if (/repo_make_public|make_public/.test(op)) pc.add('github.make-public', 'deny', 'makes a repository public', frag);
    if (/repo_(archive|rename|transfer)|transfer_repo/.test(op)) pc.add('github.repo-admin', 'ask', `changes the repository (${op})`, frag);
    if (/^(secret|variable)_(set|delete|remove)/.test(op)) pc.add('github.secrets', 'ask', `changes GitHub ${op.split('_')[0]}s`, frag);
    if (/^(ssh-key|gpg-key)_(add|delete)/.test(op) || /^deploy-key/.test(op)) pc.add('github.keys', 'ask', 'changes access keys', frag);
    if (/^release_delete/.test(op)) pc.add('github.release-delete', 'ask', 'deletes a release', frag);
    if (/^run_delete|^run_cancel|^workflow_disable/.test(op)) pc.add('github.actions-admin', 'ask', `changes GitHub Actions (${op})`, frag);
    if (/^(update_ref|git_update_ref|ref\.update)$/.test(op)) {
      const b = g.branch?.replace(/^(refs\/)?heads\//, '');
      if (b && pc.protectedBranch(b)) pc.add(g.force ? 'github.force-protected' : 'github.push-protected', g.force ? 'deny' : 'ask', `${g.force ? 'moves by force' : 'moves'} the protected branch ${b} on GitHub`, frag);
      else if (g.force) pc.add('github.ref-change', 'ask', `moves ${b ?? 'a ref'} on GitHub by force`, frag);
    }
    if (/^update_repo$|^repo_edit$|^repo\.edit$/.test(op)) pc.add('github.repo-admin', 'ask', `changes the repository's settings (${op})`, frag);
    // a tool none of the checks above knows that grants access or sets secrets (`add_collaborator`, `create_deploy_key`)
    if (pc.out.matches.length === before && /collaborator|deploy_key|secret|visibility|transfer|archive/.test(op) && !/^(get|list|view|search)/.test(op)) {
      pc.add('github.repo-admin', 'ask', `changes who can reach the repository or what it holds (${op})`, frag);
    }
    // admin rights on anything that changes GitHub: branch protection may be bypassed
    if (g.admin && !READ_OPS.test(op) && pc.out.matches.length === before) pc.add('github.admin', 'ask', `uses admin rights for ${op || 'a GitHub change'}, which bypass branch protection`, frag);
  }
}

function apiCall(pc: PackContext, g: GithubOp): void {
  const ep = (g.endpoint ?? '').replace(/^\/+/, '').replace(/^https:\/\/api\.github\.com\//, '');
  const m = g.method ?? 'GET';
  if (m === 'GET') return;
  if (g.makesPublic && (/^repos\/[^/]+\/[^/]+\/?$/.test(ep) || m === 'MUTATION')) {
    pc.add('github.make-public', 'deny', `makes a repository public (${m} ${ep})`, g.text);
    return;
  }
  for (const name of g.mutations ?? NONE) {
    if (/^deleteRepository$/.test(name)) pc.add('github.delete-repo', 'deny', 'deletes a repository (GraphQL deleteRepository)', g.text);
    else if (/Protection|Ruleset/.test(name)) pc.add('github.protection', 'deny', `changes branch protection (GraphQL ${name})`, g.text);
    else if (/^(deleteRef|archiveRepository|transferRepository|updateRepository)$/.test(name)) pc.add('github.repo-admin', 'ask', `changes the repository (GraphQL ${name})`, g.text);
  }
  if (/\/branches\/[^/]+\/protection|\/rulesets|\/rules\/branches/.test(ep)) {
    pc.add('github.protection', 'deny', `${m} on branch protection (${ep})`, g.text);
    return;
  }
  if (m === 'DELETE' && /^repos\/[^/]+\/[^/]+\/?$/.test(ep)) {
    pc.add('github.delete-repo', 'deny', `deletes the repository ${ep.replace(/^repos\//, '')}`, g.text);
    return;
  }
  const ref = /^repos\/[^/]+\/[^/]+\/git\/refs\/heads\/(.+)$/.exec(ep);
  if (ref && (m === 'DELETE' || m === 'PATCH')) {
    const b = ref[1]!;
    pc.add(pc.protectedBranch(b) ? 'github.delete-protected' : 'github.ref-change', pc.protectedBranch(b) ? 'deny' : 'ask', `${m} on the branch ${b}`, g.text);
    return;
  }
  if (/\/merges$|\/pulls\/\d+\/merge$/.test(ep)) {
    pc.add('github.merge', 'ask', `merges through the API (${ep})`, g.text);
    return;
  }
  if (/\/(collaborators|keys|hooks|actions\/secrets|environments|actions\/permissions|teams)/.test(ep) || m === 'PATCH' && /^repos\/[^/]+\/[^/]+\/?$/.test(ep)) {
    pc.add('github.repo-admin', 'ask', `${m} on ${ep}`, g.text);
    return;
  }
  if (m === 'DELETE' || m === 'MUTATION') pc.add('github.api-write', 'ask', `${m === 'MUTATION' ? 'a GraphQL mutation' : 'DELETE'} on ${ep}`, g.text);
}

const READ_OPS = /^(api|view|list|status|get|search|read|diff|checks|browse|clone|fork|download|watch)|_(view|list|status|diff|checks|get)$|^(pr|issue|repo|run|release|workflow)\.(view|list|status|diff|checks|download|watch)$/;

/** Rate limits: bulk GitHub changes. */
export function checkRateLimits(pc: PackContext): void {
  const limits = pc.policy.rateLimits;
  let n = 0;
  for (const g of pc.action.githubOps) {
    if (READ_OPS.test(g.op) && !(g.op === 'api' && g.method !== 'GET')) continue;
    const cmd = pc.commands().find((c) => c.github === g);
    // creates and comments count toward the window; in a loop of unknown length (`for i in {1..100}`, `while read`) they are bulk
    if (/create_pr|create_issue|comment|review/.test(g.op) && !g.bulk && cmd?.openArgs !== true) {
      n += g.count;
      continue;
    }
    const bulk = g.bulk || cmd?.openArgs === true;
    if (g.count > limits.bulkItems * 5) pc.add('rate-limit.bulk', 'deny', `changes ${g.count} GitHub items in one go (${g.op}), far above the limit of ${limits.bulkItems}`, g.text);
    else if (bulk || g.count > limits.bulkItems) pc.add('rate-limit.bulk', 'ask', `changes ${bulk && g.count <= 1 ? 'an open-ended number of' : g.count} GitHub items in one go (${g.op})`, g.text);
    n += g.count;
  }
  if (n === 0) return;
  const windowMs = durationMs(limits.githubMutations.window);
  const key = 'builtin:github-mutations';
  const max = limits.githubMutations.max;
  pc.out.memo.counters.push({ key, n, windowMs, max });
  const past = countInWindow(pc.ctx.memory.counters?.[key], pc.ctx.now.getTime(), windowMs, max - n);
  if (past + n > max) {
    pc.add('rate-limit.github', 'ask', `more than ${limits.githubMutations.max} GitHub changes within ${limits.githubMutations.window}`, pc.action.githubOps[0]?.text);
  }
}

/**
 * The count of the entries within the window before `now`. Newest first,
 * and no further than needed: once the count passes `enough` the answer to
 * "more than enough?" is known, and that count is returned.
 */
export function countInWindow(entries: readonly { t: number; n: number }[] | undefined, now: number, windowMs: number, enough = Infinity): number {
  if (entries === undefined) return 0;
  let sum = 0;
  for (let i = entries.length - 1; i >= 0; i--) {
    const e = entries[i]!;
    if (now - e.t < windowMs && e.t <= now) {
      sum += e.n;
      if (sum > enough) return sum;
    }
  }
  return sum;
}
