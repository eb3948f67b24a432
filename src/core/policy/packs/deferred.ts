import type { FileEdit, NormalizedAction, ShellAnalysis } from '../action.ts';
import { execConfigKey, execSettingKey, LIFECYCLE_SCRIPTS } from '../content.ts';
import { editRole } from '../normalize.ts';
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
  for (const e of a.edits) {
    editCheck(pc, e, inner);
    // a submodule URL git runs as a command (`ext::sh -c …`) or passes as an option (`-u…`, `--upload-pack=…`)
    if (e.path.endsWith('/.gitmodules') && /^\s*url\s*=\s*["']?(?:ext::|fd::|-)/im.test(e.new)) pc.add('deferred.submodule-url', 'deny', 'writes a submodule URL that runs a command when submodules are fetched', e.path);
  }
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
  // `npm config set script-shell …`: every later run of the package manager goes through the program it names
  for (const c of pc.commands()) {
    if (!PACKAGE_MANAGER_CONFIG.has(c.name)) continue;
    // `npm config set k v`, `npm set k v`, `pip config set k v`
    const at = c.args[0] === 'config' && c.args[1] === 'set' ? 2 : c.args[0] === 'set' && c.name !== 'pip' && c.name !== 'pip3' ? 1 : -1;
    if (at < 0) continue;
    const rest = c.args.slice(at).filter((x) => !x.startsWith('-'));
    const [key = '', ...inline] = (rest[0] ?? '').split('=');
    const file = c.name === 'yarn' ? '.yarnrc.yml' : c.name.startsWith('pip') ? 'pip.conf' : '.npmrc';
    if (execConfigKey(file, key, inline.length > 0 ? inline.join('=') : rest.slice(1).join(' ')) === 'deny') pc.add('deferred.exec-config', 'deny', `sets the ${c.name} config key ${key}, which every later ${c.name} run starts`, c.text);
    else if (PACKAGE_SOURCE_KEY.test(key) && !officialSource(pc, key, inline.length > 0 ? inline.join('=') : rest[1] ?? '')) pc.add('deferred.package-source', 'ask', `sets the ${c.name} config key ${key}: where packages come from or are installed, for every later ${c.name} run`, c.text);
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
  const role = editRole(pc.role(e.path), e);
  let danger: { verdict: 'deny' | 'ask' | undefined; reason: string } = { verdict: undefined, reason: '' };
  for (const an of e.commands ?? NONE) {
    const r = inner(an);
    if (r.verdict === 'deny' || r.verdict === 'ask' && danger.verdict === undefined) danger = r;
    if (danger.verdict === 'deny') break;
  }
  if (role === 'settings') {
    for (const k of e.keys ?? NONE) {
      const key = k.path[0] ?? '';
      // a new object value (`"…extraEnv": {"RUSTC_WRAPPER": …}`) sets its keys too
      const sub = typeof k.value === 'object' && k.value !== null && !Array.isArray(k.value) ? Object.keys(k.value) : NONE;
      if (execSettingKey(key) || k.path.some((seg) => execSettingKey(`${key}.${seg}`)) || sub.some((seg) => execSettingKey(`${key}.${seg}`))) pc.add('deferred.exec-setting', 'deny', `sets \`${key}\`, which makes the editor run a program`, e.path);
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
  if (role !== 'script') return;
  const base = e.path.slice(e.path.lastIndexOf('/') + 1);
  for (const k of e.keys ?? NONE) {
    const exec = execConfigKey(base.toLowerCase(), k.path[0] ?? '', String(k.value));
    if (exec === 'deny' || exec === 'ask' && danger.verdict === 'deny') pc.add('deferred.exec-config', 'deny', `sets ${k.path[0]} in ${base}, which makes every later run of the tool start ${danger.verdict === 'deny' ? `a command that ${danger.reason}` : 'that program'}`, e.path);
    else if (exec === 'ask') pc.add('deferred.exec-config', 'ask', `sets ${k.path[0]} in ${base}, which names a program the tool runs`, e.path);
  }
  if (danger.verdict !== 'deny') return;
  // a container image or CI runner is where vendor installers (`curl … | sh`) normally run: no download there reaches this machine
  if (ELSEWHERE.test(e.path)) {
    const local = localDanger(e, inner);
    if (local) pc.add('deferred.script-content', 'deny', `writes a script that ${local}`, e.path);
    else pc.add('deferred.remote-install', 'ask', `writes a container or CI step that ${danger.reason}`, e.path);
    return;
  }
  pc.add('deferred.script-content', 'deny', `writes a script that ${danger.reason}`, e.path);
}

const PACKAGE_MANAGER_CONFIG = new Set(['npm', 'pnpm', 'yarn', 'pip', 'pip3']);
/** a registry or index set to a host the policy trusts (`npm config set registry https://registry.npmjs.org/`) */
function officialSource(pc: PackContext, key: string, value: string): boolean {
  return /registry|index-url|find-links/i.test(key) && /^https:\/\//i.test(value) && pc.trustedHost(value);
}

/** config keys that change where packages are fetched from, how they are verified, or where they are installed */
const PACKAGE_SOURCE_KEY = /^(?:(?:@[^:]+:)?registry|prefix|globalconfig|userconfig|strict-ssl|cafile|ca|proxy|https-proxy|noproxy|npmregistryserver|unsafehttpwhitelist|enablestrictssl|(?:global|install|download)\.(?:index-url|extra-index-url|trusted-host|find-links|cert|proxy)|index-url|extra-index-url|trusted-host)$/i;

/** Files whose commands run in a container build or on a CI runner, not on this machine. */
const ELSEWHERE = /\/(?:[^/]*\.)?(?:dockerfile|containerfile)(?:\.[^/]*)?$|\/\.github\/workflows\/[^/]+$|\/\.gitlab-ci\.ya?ml$/i;

/** Signals of running downloaded code, which in a container or on a CI runner stays there. */
const REMOTE_RUN = new Set(['remote.pipe-to-interpreter', 'exec.remote-script', 'remote.inline-eval']);

/** Why the commands of an edit are still denied once running downloaded code is set aside (secrets sent away, deletes), if they are. */
function localDanger(e: FileEdit, inner: (analysis: ShellAnalysis) => { verdict: 'deny' | 'ask' | undefined; reason: string }): string | undefined {
  for (const an of e.commands ?? NONE) {
    const rest: ShellAnalysis = { ...an, signals: an.signals.filter((s) => !REMOTE_RUN.has(s.code)), commands: an.commands.map((c) => (c.downloads.length > 0 ? { ...c, downloads: [] } : c)) };
    const r = inner(rest);
    if (r.verdict === 'deny') return r.reason;
  }
  return undefined;
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
