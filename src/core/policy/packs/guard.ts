import picomatch from 'picomatch';
import { protectedSettingKey } from '../content.ts';
import { foldPath, isInside, trimSlashes } from '../paths.ts';
import { changedPaths, NONE, type PackContext } from './context.ts';

/**
 * Self-protection and critical commands. Always on; no allow rule can lift
 * these: an agent must not be able to switch off its own safety line, nor
 * delete the root, the home directory or the workspace.
 */

const SYSTEM_DIRS = /^\/(usr|etc|bin|sbin|lib|lib32|lib64|libx32|boot|var|opt|root|home|Users|System|Library|Applications|private|srv|snap|nix|dev|proc|sys)(\/[^/]+)?\/?$/;
const WINDOWS_CRITICAL = /^[A-Za-z]:\/?((Users|Windows|Program Files( \(x86\))?|ProgramData)(\/[^/]+)?)?\/?$/i;

export function checkGuard(pc: PackContext): void {
  const a = pc.action;
  const ci = pc.ctx.caseInsensitive === true;

  // 1. Belay's own files, hooks, MCP configs, state
  const changed = changedPaths(a, true);
  for (const p of changed) {
    if (pc.isGuardPath(p)) pc.add('guard.self-protection', 'deny', 'changes the hooks, settings or state that guard agents (Belay\'s own files)', p, 'guard');
    else if (GLOB_CHAR.test(p) && !/\/\*{1,2}$/.test(p) && globMayGuard(pc, p)) pc.add('guard.self-protection', 'deny', 'writes through a wildcard that can name the hooks or settings that guard agents', p, 'guard');
  }
  if (pc.ctx.stateDir) {
    for (const p of a.reads) {
      if (isInside(foldPath(p, ci), foldPath(pc.ctx.stateDir, ci))) pc.add('guard.state-read', 'deny', 'reads Belay\'s state directory (receipts and signing key)', p, 'guard');
    }
  }

  // 2. settings files: only guard-relevant keys are protected
  const edited = a.edits.length > 0 ? new Set(a.edits.map((e) => e.path)) : undefined;
  for (const e of a.edits) {
    if (pc.role(e.path) !== 'settings' || pc.isGuardPath(e.path)) continue;
    const workspaceFile = e.path.endsWith('.code-workspace');
    const keys = (e.keys ?? []).flatMap((k) => settingNames(k.path, k.value, workspaceFile));
    const hit = keys.find(protectedSettingKey);
    if (hit !== undefined) pc.add('guard.settings', 'deny', `changes the agent-permission setting \`${hit}\``, e.path, 'guard');
    else if (e.keysUnknown) pc.add('guard.settings-unverified', 'ask', 'edits a settings file where the changed keys cannot be checked', e.path, 'guard');
  }
  for (const p of changed) {
    if (edited?.has(p) || pc.role(p) !== 'settings' || pc.isGuardPath(p)) continue;
    pc.add('guard.settings', 'deny', 'changes a settings file that holds agent permissions, in a way that cannot be checked', p, 'guard');
  }

  // 3. critical deletes and permission changes
  for (const d of a.deleteOps) {
    const fact = pc.fact(d.path);
    // a trailing `*` is a glob only when written as one; from a variable it is one unknown name
    const globbed = d.path.endsWith('/**') || fact?.glob === true && d.path.endsWith('/*');
    if (!d.recursive && !globbed) continue;
    const target = globbed ? d.path.replace(/\/\*{1,2}$/, '') || '/' : d.path;
    if (d.via !== 'git clean' && isCritical(pc, target)) pc.add('guard.critical-delete', 'deny', `${d.via} would delete ${describe(pc, target)}`, d.path, 'guard');
    else if (d.via !== 'git clean' && holdsGuardFiles(pc, target)) pc.add('guard.self-protection', 'deny', `${d.via} would delete ${target}, which holds Belay's hooks or settings`, d.path, 'guard');
  }
  for (const m of a.moves) {
    if (isCritical(pc, m.from)) pc.add('guard.critical-delete', 'deny', `moves ${describe(pc, m.from)} away`, m.from, 'guard');
    else if (holdsGuardFiles(pc, m.from)) pc.add('guard.self-protection', 'deny', `moves ${m.from}, which holds Belay's hooks or settings`, m.from, 'guard');
  }
  for (const c of pc.commands()) {
    if (!c.chmod?.recursive) continue;
    for (const w of c.writes) {
      const target = w.replace(/\/\*{1,2}$/, '') || '/';
      if (isCritical(pc, target)) pc.add('guard.critical-permissions', 'deny', `changes permissions or ownership of ${describe(pc, target)} recursively`, c.text, 'guard');
    }
  }

  // 3b. files copied or unpacked into a guard folder without being named (`cp -r x/. .claude/`, `tar x -C .vscode`)
  for (const c of pc.commands()) {
    if (!CONTENT_COPIERS.has(c.name)) continue;
    const recursive = c.args.some((a) => /^-[a-zA-Z]*[rRaT]/.test(a) || /^--(recursive|archive|no-target-directory)$/.test(a));
    for (const w of c.writes) {
      const target = w.endsWith('/*') ? w.slice(0, -2) : w;
      if (!(w !== target || recursive || pc.fact(w)?.type === 'dir')) continue;
      if (insideGuardDir(pc, target)) pc.add('guard.self-protection', 'deny', `${c.name} puts files it does not name into ${target}, a folder of Belay's hooks or settings`, c.text, 'guard');
    }
  }

  // 4. turning Belay off from inside
  for (const s of a.shell?.signals ?? NONE) {
    if (s.code === 'guard.kill' || s.code === 'guard.editor-extension') pc.add('guard.disable', 'deny', s.detail ?? 'stops Belay', s.fragment, 'guard');
    else if (s.code === 'guard.env') pc.add('guard.env', 'deny', s.detail ?? 'changes how Belay runs', s.fragment, 'guard');
    else if (s.code === 'guard.agent-config') pc.add('guard.self-protection', 'deny', s.detail ?? 'changes the agent\'s own configuration', s.fragment, 'guard');
    else if (s.code === 'guard.agent-bypass') pc.add('guard.agent-bypass', 'ask', s.detail ?? 'starts an agent with its approvals off', s.fragment, 'guard');
    else if (s.code === 'exec.extension-install') pc.add('guard.extension-install', 'ask', s.detail ?? 'installs an editor extension', s.fragment, 'guard');
  }
  for (const c of pc.commands()) {
    if (c.name === 'belay' && /^(kill-switch|killswitch|kill|off|disable|uninstall)$/.test(c.args[0] ?? '')) pc.add('guard.disable', 'deny', 'switches Belay off', c.text, 'guard');
  }
}

/** Folders whose removal takes guard files with them (`rm -rf .github`, `mv ~/.claude x`). */
const GUARD_DIRS_WORKSPACE = ['.github/hooks', '.claude', '.cursor', '.vscode', '.codex'];
const GUARD_DIRS_HOME = ['.claude', '.copilot/hooks', '.cursor', '.codex', '.belay', '.vscode/extensions', '.vscode-server/extensions', '.local/share/code-server', '.config/Code/User'];

/** the guard folders, folded, for the last context seen: a pure function of the roots, home, state directory and case rule */
let guardDirsFor: { roots: readonly string[]; home: string; stateDir: string | undefined; ci: boolean; dirs: string[] } | undefined;

function guardDirs(pc: PackContext, ci: boolean): string[] {
  const { workspaceRoots: roots, home, stateDir } = pc.ctx;
  const last = guardDirsFor;
  if (last && last.home === home && last.stateDir === stateDir && last.ci === ci && last.roots.length === roots.length && last.roots.every((r, i) => r === roots[i])) return last.dirs;
  const dirs = [
    ...roots.flatMap((r) => GUARD_DIRS_WORKSPACE.map((d) => `${r}/${d}`)),
    ...GUARD_DIRS_HOME.map((d) => `${home}/${d}`),
    ...(stateDir ? [stateDir] : []),
  ].map((d) => foldPath(d, ci));
  guardDirsFor = { roots: [...roots], home, stateDir, ci, dirs };
  return dirs;
}

const GLOB_CHAR = /[*?[]/;
/** guard files a wildcard could name, relative to a workspace folder and to the home directory */
const GUARD_SAMPLES_WORKSPACE = ['.claude/settings.json', '.claude/settings.local.json', '.cursor/hooks.json', '.cursor/mcp.json', '.vscode/settings.json', '.vscode/mcp.json', '.mcp.json', '.github/hooks/belay.json', '.codex/hooks.json', '.codex/config.toml', '.gemini/settings.json', '.cursor/cli.json'];
const GUARD_SAMPLES_HOME = ['.claude/settings.json', '.claude.json', '.cursor/hooks.json', '.cursor/mcp.json', '.codex/hooks.json', '.codex/config.toml', '.copilot/hooks/belay.json', '.copilot/config.json', '.copilot/mcp-config.json', '.belay/belay.json', '.gemini/settings.json', '.cursor/cli-config.json'];
/** the names of those files, in lower case */
const GUARD_SAMPLE_NAMES = [...new Set([...GUARD_SAMPLES_WORKSPACE, ...GUARD_SAMPLES_HOME].map((s) => s.slice(s.lastIndexOf('/') + 1).toLowerCase()))];

/**
 * `echo x > .c?aude/settings.json`: the shell expands the wildcard to a
 * guard file. (A folder's `/*` stands for files an archive or copy puts
 * there: the guard-folder check above judges those.)
 */
function globMayGuard(pc: PackContext, p: string): boolean {
  // the literal text around the wildcards of the name must fit a guard file's name before the pattern is worth compiling
  const base = p.slice(p.lastIndexOf('/') + 1).toLowerCase();
  const first = base.search(/[*?[]/);
  const last = Math.max(base.lastIndexOf('*'), base.lastIndexOf('?'), base.lastIndexOf(']'));
  const prefix = first < 0 ? base : base.slice(0, first);
  const suffix = last < 0 ? base : base.slice(last + 1);
  if (!GUARD_SAMPLE_NAMES.some((n) => n.startsWith(prefix) && n.endsWith(suffix))) return false;
  let re: RegExp;
  try {
    re = picomatch.makeRe(p, { dot: true, nocase: true });
  } catch {
    return true; // a pattern that cannot be read could name anything
  }
  for (const r of pc.ctx.workspaceRoots) for (const s of GUARD_SAMPLES_WORKSPACE) if (re.test(`${r}/${s}`)) return true;
  for (const s of GUARD_SAMPLES_HOME) if (re.test(`${pc.ctx.home}/${s}`)) return true;
  return false;
}

/**
 * The settings a changed key path stands for: its first segment, except in
 * a .code-workspace file (settings live under "settings") and in a language
 * block ("[typescript]": {…}), whose settings are the keys inside; a change
 * of the whole block is a change of each key in it.
 */
function settingNames(path: readonly string[], value: unknown, workspaceFile: boolean): string[] {
  const head = path[0];
  if (head === undefined) return [''];
  if (workspaceFile && head === 'settings' || head.startsWith('[') && head.endsWith(']')) {
    if (path.length > 1) return settingNames(path.slice(1), value, false);
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => settingNames([k], v, false));
    return [];
  }
  return [head];
}

/** programs that put files into a folder without naming each one */
const CONTENT_COPIERS: ReadonlySet<string> = new Set(['cp', 'rsync', 'tar', 'bsdtar', 'gtar', 'unzip', '7z', '7za', '7zr', 'ditto', 'mv']);

/** `p` is a guard folder or inside one. */
function insideGuardDir(pc: PackContext, p: string): boolean {
  const ci = pc.ctx.caseInsensitive === true;
  const f = foldPath(trimSlashes(p), ci);
  return guardDirs(pc, ci).some((d) => isInside(f, d));
}

function holdsGuardFiles(pc: PackContext, p: string): boolean {
  const ci = pc.ctx.caseInsensitive === true;
  const f = foldPath(trimSlashes(p), ci);
  return guardDirs(pc, ci).some((d) => isInside(d, f));
}

function isCritical(pc: PackContext, p: string): boolean {
  const ci = pc.ctx.caseInsensitive === true;
  const f = foldPath(trimSlashes(p) || '/', ci);
  if (f === '/' || f === '' || f === '/*') return true;
  if (WINDOWS_CRITICAL.test(p)) return true;
  if (pc.isHome(p)) return true;
  if (pc.isWorkspaceRoot(p)) return true;
  const home = foldPath(pc.ctx.home, ci);
  if (isInside(home, f)) return true;
  for (const r of pc.ctx.workspaceRoots) if (isInside(foldPath(r, ci), f)) return true;
  if (SYSTEM_DIRS.test(p) && !pc.inWorkspace(p)) return true;
  return false;
}

function describe(pc: PackContext, p: string): string {
  if (pc.isWorkspaceRoot(p)) return 'the whole workspace';
  if (pc.isHome(p)) return 'the home directory';
  if (p === '/' || p === '') return 'the root file system';
  return p;
}
