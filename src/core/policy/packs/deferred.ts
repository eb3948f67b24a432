import type { FileEdit, NormalizedAction, ShellAnalysis } from '../action.ts';
import { execSettingKey, LIFECYCLE_SCRIPTS } from '../content.ts';
import { NONE, type PackContext } from './context.ts';
import { analyzeShellValue } from './valueCheck.ts';

/**
 * Deferred execution: code planted now that runs later without a check —
 * git hooks, install scripts, `.envrc`, folder-open tasks, settings that name
 * programs, scheduled jobs.
 */
export function checkDeferred(pc: PackContext, inner: (analysis: ShellAnalysis) => { verdict: 'deny' | 'ask' | undefined; reason: string }): void {
  const a = pc.action;
  const editedPaths = a.edits.length > 0 ? new Set(a.edits.map((e) => e.path)) : undefined;
  for (const p of a.writes) {
    const root = pc.workspaceOf(p);
    if (!root) continue;
    const rel = p.slice(root.length);
    if (/^\/\.git\/(hooks\/|config$|info\/attributes$|modules\/[^/]+\/(hooks|config))/.test(rel)) {
      pc.add('deferred.git-dir', 'deny', 'writes git hooks or git config directly (code that runs on the next git command)', p);
    } else if (/^\/\.git\//.test(rel) && !/^\/\.git\/(info\/exclude|COMMIT_EDITMSG|description)$/.test(rel)) {
      pc.add('deferred.git-dir', 'ask', 'writes inside .git directly', p);
    }
  }
  for (const e of a.edits) editCheck(pc, e, inner);
  // shell writes to files that run by themselves: their content is unknown
  for (const p of a.writes) {
    if (editedPaths?.has(p) || a.kind !== 'shell' || !pc.inWorkspace(p)) continue;
    const role = pc.role(p);
    if (role === 'git-hook' || role === 'autorun') pc.add('deferred.autorun', 'ask', `changes ${p}, which runs commands by itself later`, p);
    if (role === 'package' && a.command && /(pre|post)?install|prepare|prepublish/.test(a.command)) {
      const danger = analyzeShellValue(a.command, pc);
      pc.add('deferred.install-script', danger ? 'deny' : 'ask', danger ? 'puts downloaded or destructive commands into package.json install scripts' : 'changes package.json install scripts from the shell', p);
    }
  }
  for (const s of a.shell?.signals ?? NONE) {
    if (s.code === 'deferred.schedule') pc.add('deferred.schedule', 'ask', s.detail ?? 'schedules commands to run later', s.fragment);
    if (s.code === 'deferred.npm-script') {
      const [key = '', ...rest] = (s.detail ?? '').split('=');
      const value = rest.join('=');
      const danger = analyzeShellValue(value, pc);
      if (danger) pc.add('deferred.install-script', 'deny', `sets the package script ${key} to run downloaded or destructive commands`, s.fragment);
      else if (LIFECYCLE_SCRIPTS.has(key.toLowerCase())) pc.add('deferred.install-script', 'ask', `sets the install-time package script ${key}`, s.fragment);
    }
  }
}

function editCheck(pc: PackContext, e: FileEdit, inner: (analysis: ShellAnalysis) => { verdict: 'deny' | 'ask' | undefined; reason: string }): void {
  const role = pc.role(e.path);
  let danger: { verdict: 'deny' | 'ask' | undefined; reason: string } = { verdict: undefined, reason: '' };
  for (const an of e.commands ?? NONE) {
    const r = inner(an);
    if (r.verdict === 'deny' || r.verdict === 'ask' && danger.verdict === undefined) danger = r;
    if (danger.verdict === 'deny') break;
  }
  if (role === 'settings') {
    for (const k of e.keys ?? NONE) {
      const key = k.path[0] ?? '';
      if (execSettingKey(key) || k.path.some((seg) => execSettingKey(`${key}.${seg}`))) pc.add('deferred.exec-setting', 'deny', `sets \`${key}\`, which makes the editor run a program`, e.path);
    }
    return;
  }
  if (role === 'package') {
    const scriptKeys = (e.keys ?? []).filter((k) => (e.keysUnknown ? true : k.path[0] === 'scripts') && LIFECYCLE_SCRIPTS.has((k.path[k.path.length - 1] ?? '').toLowerCase()));
    const fragmentLifecycle = e.keysUnknown && /"(pre|post)?install"|"prepare"|"prepublish(Only)?"|"(pre|post)pack"/i.test(e.new);
    if (scriptKeys.length > 0 || fragmentLifecycle) {
      if (danger.verdict === 'deny') pc.add('deferred.install-script', 'deny', `adds an install script that ${danger.reason}`, e.path);
      else pc.add('deferred.install-script', 'ask', 'changes a script npm runs on install', e.path);
      return;
    }
    if (danger.verdict === 'deny') pc.add('deferred.script-content', 'deny', `puts a command in package.json scripts that ${danger.reason}`, e.path);
    return;
  }
  if (role === 'git-hook') {
    pc.add('deferred.git-hook', danger.verdict === 'deny' ? 'deny' : 'ask', danger.verdict === 'deny' ? `writes a git hook that ${danger.reason}` : 'writes a git hook (runs on every commit)', e.path);
    return;
  }
  if (role === 'autorun') {
    const folderOpen = /"runOn"\s*:\s*"folderOpen"/.test(e.new);
    if (danger.verdict === 'deny') pc.add('deferred.autorun', 'deny', `writes a file that runs by itself and ${danger.reason}`, e.path);
    else if (folderOpen) pc.add('deferred.folder-open-task', 'deny', 'adds a task that runs when the folder is opened', e.path);
    else pc.add('deferred.autorun', 'ask', 'writes a file whose commands run by themselves (direnv, tasks, shell start-up)', e.path);
    return;
  }
  if (role === 'script' && danger.verdict === 'deny') pc.add('deferred.script-content', 'deny', `writes a script that ${danger.reason}`, e.path);
}

/** A synthetic shell action for checking commands written into files. */
export function syntheticShell(parent: NormalizedAction, analysis: ShellAnalysis): NormalizedAction {
  const reads: string[] = [];
  const writes: string[] = [];
  const deletes: string[] = [];
  const urls: string[] = [];
  const deleteOps = [];
  const moves = [];
  const gitOps = [];
  const githubOps = [];
  for (const c of analysis.commands) {
    reads.push(...c.reads);
    writes.push(...c.writes);
    for (const d of c.deletes) {
      deletes.push(d.path);
      deleteOps.push(d);
    }
    moves.push(...c.moves);
    urls.push(...c.urls);
    if (c.git) gitOps.push(c.git);
    if (c.github) githubOps.push(c.github);
  }
  return {
    ...parent,
    kind: 'shell',
    reads,
    writes,
    deletes,
    urls,
    deleteOps,
    moves,
    gitOps,
    githubOps,
    edits: [],
    shell: analysis,
    signals: [],
    mutating: true,
    pathsKnown: false,
  };
}
