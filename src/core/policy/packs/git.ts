import type { GitOp } from '../action.ts';
import { analyzeShellValue } from './valueCheck.ts';
import { NONE, type PackContext } from './context.ts';

/** Git safety: history and work that cannot be recovered, protected branches, hooks skipped. */
export function checkGit(pc: PackContext): void {
  let branchNow = pc.ctx.branch;
  let addedRemotes: Map<string, string> | undefined;
  const current = (b: string): string | undefined => (b === 'HEAD' || b === '@' ? branchNow : b);
  let stashed = false;
  for (const g of pc.action.gitOps) {
    const frag = g.text;
    // the line may switch branches or add remotes before it pushes
    if ((g.op === 'checkout' || g.op === 'switch') && !g.args.includes('--')) {
      const bIdx = g.args.findIndex((a) => a === '-b' || a === '-B' || a === '-c' || a === '-C' || a === '--orphan');
      const target = bIdx >= 0 ? g.args[bIdx + 1] : g.args.find((a) => !a.startsWith('-'));
      if (target && target !== '.' && !target.includes('*')) branchNow = target;
    }
    if (g.op === 'remote-add' && g.args[1] && g.args[2]) (addedRemotes ??= new Map()).set(g.args[1], g.args[2]);
    switch (g.op) {
      case 'push': {
        const targets = g.branches.map((b) => current(b));
        const dynamic = targets.filter((b) => b !== undefined && b.includes('*'));
        if (dynamic.length > 0 && branchNow !== undefined && pc.protectedBranch(branchNow)) pc.add('git.push-protected', 'ask', `pushes to a branch named at run time while on the protected branch ${branchNow}`, frag);
        const addedUrl = g.remote ? addedRemotes?.get(g.remote) : undefined;
        if (addedUrl && !pc.trustedHost(addedUrl.replace(/^[^@]+@([^:]+):/, 'ssh://$1/'))) pc.add('exfiltration.git-remote-url', 'ask', `pushes to ${addedUrl}, a remote added in the same command`, frag, 'exfiltration');
        const prot = targets.filter((b): b is string => b !== undefined && pc.protectedBranch(b));
        if (g.args.includes('--mirror')) pc.add('git.force-push', 'deny', 'git push --mirror overwrites and deletes every remote branch', frag);
        if (g.prunes) pc.add('git.delete-remote-branch', 'ask', `deletes every branch on ${g.remote ?? 'the remote'} that does not exist here (--prune)`, frag);
        if (g.deleteBranch) {
          if (prot.length > 0) pc.add('git.delete-protected', 'deny', `deletes the protected branch ${prot.join(', ')} on ${g.remote ?? 'the remote'}`, frag);
          else pc.add('git.delete-remote-branch', 'ask', `deletes ${targets.join(', ') || 'a branch'} on ${g.remote ?? 'the remote'}`, frag);
        } else if (g.force) {
          if (prot.length > 0) pc.add('git.force-push-protected', 'deny', `force-pushes to the protected branch ${prot.join(', ')}`, frag);
          else if (g.allBranches || targets.some((b) => b !== undefined && b.includes('*'))) pc.add('git.force-push-protected', 'deny', 'force-pushes every branch, protected ones included (rewrites remote history)', frag);
          else pc.add('git.force-push', 'ask', `force-pushes ${targets.filter(Boolean).join(', ') || 'the current branch'} (rewrites remote history)`, frag);
        } else if (prot.length > 0) {
          pc.add('git.push-protected', 'ask', `pushes to the protected branch ${prot.join(', ')}`, frag);
        } else if (g.allBranches) {
          pc.add('git.push-all', 'ask', 'pushes every local branch, protected ones included', frag);
        } else if (targets.some((t) => t === undefined) && branchNow === undefined) {
          // current branch unknown: nothing to compare
        }
        break;
      }
      case 'branch-delete': {
        const names = g.branches.map((b) => current(b)).filter((b): b is string => b !== undefined);
        const prot = names.filter((b) => pc.protectedBranch(b));
        if (prot.length > 0) pc.add('git.delete-protected', 'deny', `deletes the protected branch ${prot.join(', ')}`, frag);
        else if (g.forceDelete) pc.add('git.force-delete-branch', 'ask', `force-deletes ${names.join(', ')} (unmerged work is lost)`, frag);
        if (g.remote && prot.length === 0 && !g.forceDelete) pc.add('git.delete-remote-branch', 'ask', `deletes ${names.join(', ')} on ${g.remote}`, frag);
        break;
      }
      case 'branch-force': {
        const b = g.branches[0];
        if (b && pc.protectedBranch(b)) pc.add('git.reset-protected', 'deny', `moves the protected branch ${b} by force`, frag);
        else if (g.branches[1] && pc.protectedBranch(g.branches[1])) pc.add('git.rename-protected', 'ask', `renames the protected branch ${g.branches[1]}`, frag);
        break;
      }
      case 'branch-rename': {
        const b = current(g.branches[0] ?? '');
        if (b && pc.protectedBranch(b)) pc.add('git.rename-protected', 'ask', `renames the protected branch ${b}`, frag);
        break;
      }
      case 'rebase-root':
        if (branchNow && pc.protectedBranch(branchNow)) pc.add('git.rewrite-history', 'deny', `rewrites every commit of the protected branch ${branchNow}`, frag);
        else pc.add('git.rewrite-history', 'ask', 'rewrites every commit of the branch, from the first', frag);
        break;
      case 'replace-object':
        pc.add('git.replace', 'ask', 'git replace changes what history shows for a commit', frag);
        break;
      case 'submodule-deinit':
        pc.add('git.discard-changes', 'ask', 'removes submodule working trees by force (their uncommitted changes are lost)', frag);
        break;
      case 'discard-paths': {
        const dirs = (g.discards ?? []).filter((p) => pc.fact(p)?.type === 'dir' || pc.fact(p)?.glob === true);
        if (dirs.length > 0) pc.add('git.discard-changes', 'ask', `discards the uncommitted changes under ${dirs.join(', ')}`, frag);
        break;
      }
      case 'stash-push':
        stashed = true;
        break;
      case 'update-ref-delete': {
        const prot = g.branches.filter((b) => pc.protectedBranch(b));
        pc.add(prot.length > 0 ? 'git.delete-protected' : 'git.delete-ref', prot.length > 0 ? 'deny' : 'ask', `deletes the ref ${g.branches.join(', ')}`, frag);
        break;
      }
      case 'reset-hard':
        pc.add('git.reset-hard', 'deny', 'git reset --hard throws away uncommitted work', frag);
        break;
      case 'reset-keep':
        pc.add('git.reset', 'ask', 'moves the branch and may drop work', frag);
        break;
      case 'clean-ignored':
      case 'clean-dirs':
        // limited to build output (`git clean -fdx -- dist/`): what it deletes is made again
        if (cleansOnlyRegenerable(pc, g)) break;
        pc.add('git.clean', 'deny', `git clean ${g.op === 'clean-ignored' ? '-x deletes ignored files (.env, local config) and' : '-d'} deletes untracked work for good`, frag);
        break;
      case 'clean':
        if (cleansOnlyRegenerable(pc, g)) break;
        pc.add('git.clean', 'ask', 'git clean -f deletes untracked files for good', frag);
        break;
      case 'discard-all':
        pc.add('git.discard-changes', 'deny', 'discards every uncommitted change in the working tree', frag);
        break;
      case 'stash-clear':
        pc.add('git.stash-clear', 'deny', 'git stash clear drops every stash for good', frag);
        break;
      case 'stash-drop':
        // stashing and dropping in one line throws the work away
        if (stashed) pc.add('git.stash-drop', 'deny', 'stashes the uncommitted work and drops the stash: the work is lost', frag);
        else pc.add('git.stash-drop', 'ask', 'drops a stash', frag);
        break;
      case 'rewrite-history':
        pc.add('git.rewrite-history', 'deny', `git ${g.args[0] === undefined ? 'filter-branch' : 'filter-*'} rewrites the whole history`, frag);
        break;
      case 'reflog-expire':
      case 'gc-prune':
        pc.add('git.destroy-recovery', 'deny', 'expires the reflog or prunes objects, removing the way back', frag);
        break;
      case 'merge':
      case 'pull':
        if (g.op === 'pull' && !g.args.some((a) => !a.startsWith('-'))) break;
        if (branchNow && pc.protectedBranch(branchNow)) pc.add('git.merge-protected', 'ask', `merges into the protected branch ${branchNow}`, frag);
        break;
      case 'remote-set-url':
        pc.add('git.remote-set-url', 'ask', 'changes where the repository pushes', frag);
        break;
      default:
        break;
    }
    for (const c of g.config) {
      const verdict = gitConfigVerdict(c.key, c.value, pc);
      if (verdict) pc.add('git.exec-config', verdict, `git setting ${c.key}=${c.value} makes git run a command`, frag, 'git');
    }
    if (g.skipsHooks) {
      const protectedPush = g.op === 'push' && g.branches.some((b) => {
        const n = current(b);
        return n !== undefined && pc.protectedBranch(n);
      });
      if (protectedPush) pc.add('git.skip-hooks-protected', 'deny', 'pushes to a protected branch with the repository\'s git hooks switched off', frag);
      else pc.add('git.skip-hooks', 'ask', 'skips the repository\'s git hooks (--no-verify or core.hooksPath)', frag);
    }
  }
  for (const s of pc.action.shell?.signals ?? NONE) {
    if (s.code === 'git.exec-config') pc.add('git.exec-transport', 'deny', s.detail ?? 'makes git run a command', s.fragment);
  }
}

/**
 * Git settings that run programs: deny when the value runs a shell pipeline
 * or a transport that executes (`ext::`), ask for the others.
 */
function gitConfigVerdict(key: string, value: string, pc: PackContext): 'deny' | 'ask' | undefined {
  const k = key.toLowerCase();
  if (k === 'core.hookspath') return undefined; // reported as skipped hooks
  if (/^protocol\.(.*\.)?allow$/.test(k)) return value === 'always' || value === 'user' ? 'deny' : undefined;
  if (k === 'uploadpack.packobjectshook' || k === 'core.fsmonitor' && !/^(true|false|0|1)?$/i.test(value) || k === 'core.alternaterefscommand') return 'deny';
  if (k.startsWith('alias.')) return value.startsWith('!') ? (analyzeShellValue(value.slice(1), pc) ?? 'ask') : undefined;
  if (k === 'credential.helper' || /^credential\..*\.helper$/.test(k)) return /^!|[;&|`$]|\//.test(value) ? 'deny' : undefined;
  if (/^(core\.(sshcommand|pager|editor|askpass|gitproxy)|sequence\.editor|gpg\.(.*\.)?program|diff\..*\.(textconv|command)|merge\..*\.driver|filter\..*\.(clean|smudge|process)|remote\..*\.(receivepack|uploadpack|vcs)|difftool\..*\.cmd|mergetool\..*\.cmd|pager\..*|browser\..*\.cmd|web\.browser|submodule\..*\.update|sendemail\..*)$/.test(k)) {
    const shell = /[;&|`$()<>]/.test(value) || /\b(curl|wget|nc|bash|sh|python|node|perl)\b/.test(value);
    return analyzeShellValue(value, pc) ?? (shell ? 'deny' : 'ask');
  }
  if (/^url\..*\.insteadof$|^include\.path$|^includeif\./.test(k)) return 'ask';
  // hooks copied into every repository made later; a work tree or proxy that sends git elsewhere
  if (/^(init\.templatedir|core\.worktree|https?\.proxy|https?\..*\.proxy)$/.test(k)) return 'ask';
  return undefined;
}

/** A `git clean` given paths, every one of them a build or cache folder. */
function cleansOnlyRegenerable(pc: PackContext, g: GitOp): boolean {
  const c = pc.commands().find((x) => x.git === g);
  const targets = c?.deletes.filter((d) => d.via === 'git clean') ?? [];
  return targets.length > 0 && !targets.some((d) => pc.isWorkspaceRoot(d.path)) && targets.every((d) => pc.regenerable(d.path));
}
