import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { AGENTS } from './agents.ts';
import type { HookProgram } from './commands.ts';
import { connectText, disconnectText, findBelayHooks, matchesEntries, type FoundHook } from './hooksFile.ts';
import { ConnectError, parseConfig, splitBom } from './jsonEdit.ts';
import { unifiedDiff } from './unifiedDiff.ts';

/**
 * `belay connect`: installs, checks and removes Belay's hooks in the
 * configuration files of the agents that are not VS Code's own agent mode
 * (which the extension guards through its agent plugin). Planning is pure
 * reading; nothing is written until `applyChanges`, which refuses a file that
 * changed in between.
 */

export { ConnectError } from './jsonEdit.ts';

export type AgentId = 'claude-code' | 'cursor' | 'codex' | 'copilot-cli' | 'vscode-workspace';
export const AGENT_IDS: readonly AgentId[] = ['claude-code', 'cursor', 'codex', 'copilot-cli', 'vscode-workspace'];

export function isAgentId(value: string): value is AgentId {
  return (AGENT_IDS as readonly string[]).includes(value);
}

export interface ConnectEnv {
  workspace: string;
  home: string;
  command: {
    /** absolute path of a Node >= 22 or Electron binary */
    runtime: string;
    /** absolute path of belay.js */
    cli: string;
  };
  /** the platform the hooks will run on (default: this process's) */
  platform?: NodeJS.Platform;
  /** Copilot CLI's home directory (`COPILOT_HOME`; default `<home>/.copilot`) */
  copilotHome?: string;
}

export interface PlannedChange {
  agent: AgentId;
  file: string;
  /** the file's text when planned; undefined: the file does not exist */
  before: string | undefined;
  /** the text to write; undefined: delete the file */
  after: string | undefined;
  /** unified diff */
  diff: string;
}

export interface AgentStatus {
  agent: AgentId;
  file: string;
  connected: boolean;
  detail: string;
}

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new ConnectError(`cannot read ${file}: ${(err as Error).message}`, file);
  }
}

/** How a file is named in diffs: relative to the workspace, `~/…` in the home folder, else absolute. */
export function displayPath(file: string, env: Pick<ConnectEnv, 'workspace' | 'home'>): string {
  const inside = (root: string): string | undefined => {
    const rel = path.relative(root, file);
    return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel.split(path.sep).join('/') : undefined;
  };
  const ws = inside(env.workspace);
  if (ws !== undefined) return ws;
  const home = inside(env.home);
  if (home !== undefined) return `~/${home}`;
  return file;
}

function unique(agents: AgentId[]): AgentId[] {
  const out: AgentId[] = [];
  for (const a of agents) {
    if (!isAgentId(a)) throw new ConnectError(`unknown agent '${String(a)}' (one of: ${AGENT_IDS.join(', ')})`);
    if (!out.includes(a)) out.push(a);
  }
  return out;
}

function checkCommand(env: ConnectEnv): void {
  const paths = (env.platform ?? process.platform) === 'win32' ? path.win32 : path.posix;
  for (const [what, p] of [
    ['runtime', env.command.runtime],
    ['CLI', env.command.cli],
  ] as const) {
    if (!paths.isAbsolute(p)) throw new ConnectError(`the hook ${what} path must be absolute: ${p}`);
    if (/[\r\n\0]/.test(p)) throw new ConnectError(`the hook ${what} path holds a line break or NUL: ${JSON.stringify(p)}`);
  }
}

function change(agent: AgentId, file: string, before: string | undefined, after: string | undefined, env: ConnectEnv): PlannedChange {
  return { agent, file, before, after, diff: unifiedDiff(displayPath(file, env), before, after) };
}

/**
 * What connecting `agents` would change: one entry per file that differs.
 * An agent already connected with the same command yields nothing. A
 * malformed configuration file is a ConnectError (and nothing is planned).
 */
export function planConnect(agents: AgentId[], env: ConnectEnv): PlannedChange[] {
  checkCommand(env);
  const changes: PlannedChange[] = [];
  for (const id of unique(agents)) {
    const spec = AGENTS[id];
    const why = spec.unsupported?.(env);
    if (why) throw new ConnectError(why);
    const file = spec.file(env);
    const before = readText(file);
    const after = connectText(before, spec.entries(env), spec.format, file);
    if (after !== before) changes.push(change(id, file, before, after, env));
  }
  return changes;
}

/**
 * Repair after an update: the agents whose Belay hooks run a runtime or CLI
 * that no longer exists, or one `stale` says is superseded (an older
 * version of the extension), with the changes that point them at
 * `env.command`. Agents without Belay hooks, and hooks that run `belay` from
 * PATH, are left alone; unreadable files are skipped (status reports them).
 */
export function planRepair(env: ConnectEnv, stale: (program: HookProgram) => boolean = () => false): PlannedChange[] {
  const agents: AgentId[] = [];
  for (const id of AGENT_IDS) {
    const spec = AGENTS[id];
    if (spec.unsupported?.(env)) continue;
    const file = spec.file(env);
    let found: FoundHook[];
    try {
      const text = readText(file);
      if (text === undefined) continue;
      found = findBelayHooks(parseConfig(splitBom(text).body, file) as Record<string, unknown>, spec.format.layout, file);
    } catch {
      continue;
    }
    const programs = found.map((f) => spec.program(f.handler)).filter((p) => p !== undefined);
    const current = (p: HookProgram) => p.runtime === env.command.runtime && p.cli === env.command.cli;
    if (programs.some((p) => !current(p) && (!fs.existsSync(p.runtime) || !fs.existsSync(p.cli) || stale(p)))) agents.push(id);
  }
  return agents.length > 0 ? planConnect(agents, env) : [];
}

/** What removing Belay's hooks for `agents` would change; the user's own hooks and settings stay. */
export function planDisconnect(agents: AgentId[], env: ConnectEnv): PlannedChange[] {
  const changes: PlannedChange[] = [];
  for (const id of unique(agents)) {
    const spec = AGENTS[id];
    const file = spec.file(env);
    const before = readText(file);
    const after = disconnectText(before, spec.format, file);
    if (after !== before) changes.push(change(id, file, before, after, env));
  }
  return changes;
}

/**
 * Writes the planned changes. Every file is first checked to still hold what
 * it held when planned (else nothing is written); each file is then replaced
 * atomically (a temporary file in the same folder, renamed over it), keeping
 * its permissions.
 */
export function applyChanges(changes: PlannedChange[]): void {
  for (const c of changes) {
    if (readText(c.file) !== c.before) {
      throw new ConnectError(`${c.file} changed since the changes were planned; nothing was written — run belay connect again`, c.file);
    }
  }
  for (const c of changes) {
    if (c.after === undefined) {
      fs.rmSync(c.file, { force: true });
      continue;
    }
    const dir = path.dirname(c.file);
    fs.mkdirSync(dir, { recursive: true });
    let mode = 0o644;
    try {
      mode = fs.statSync(c.file).mode & 0o7777;
    } catch {
      // a new file
    }
    const tmp = path.join(dir, `.${path.basename(c.file)}.belay-${process.pid}-${crypto.randomBytes(4).toString('hex')}.tmp`);
    try {
      fs.writeFileSync(tmp, c.after, { mode, flag: 'wx' });
      fs.chmodSync(tmp, mode);
      fs.renameSync(tmp, c.file);
    } catch (err) {
      fs.rmSync(tmp, { force: true });
      throw new ConnectError(`cannot write ${c.file}: ${(err as Error).message}`, c.file);
    }
  }
}

/** Why the agent cannot be connected in this environment, if it cannot. */
export function agentUnsupported(agent: AgentId, env: ConnectEnv): string | undefined {
  return AGENTS[agent].unsupported?.(env);
}

/** What a person should know about an agent once it is connected (fail-closed behaviour, trust steps). */
export function agentNote(agent: AgentId): string {
  return AGENTS[agent].note;
}

/** The agent's display name. */
export function agentName(agent: AgentId): string {
  return AGENTS[agent].name;
}

/** The vendor documentation the agent's hook format follows. */
export function agentDocs(agent: AgentId): string[] {
  return [...AGENTS[agent].docs];
}

/** The configuration file `belay connect` writes for the agent. */
export function agentFile(agent: AgentId, env: ConnectEnv): string {
  return AGENTS[agent].file(env);
}

/** Whether Belay's hooks are in place for each agent, and why not when they are not. */
export function connectionStatus(env: ConnectEnv): Array<{ agent: AgentId; file: string; connected: boolean; detail: string }> {
  return AGENT_IDS.map((id) => statusOf(id, env));
}

function statusOf(id: AgentId, env: ConnectEnv): AgentStatus {
  const spec = AGENTS[id];
  const file = spec.file(env);
  const why = spec.unsupported?.(env);
  if (why) return { agent: id, file, connected: false, detail: why };
  let text: string | undefined;
  let found: FoundHook[];
  try {
    text = readText(file);
    if (text === undefined) return { agent: id, file, connected: false, detail: 'not connected (no hooks file)' };
    found = findBelayHooks(parseConfig(splitBom(text).body, file) as Record<string, unknown>, spec.format.layout, file);
  } catch (err) {
    return { agent: id, file, connected: false, detail: err instanceof Error ? err.message : String(err) };
  }
  if (found.length === 0) return { agent: id, file, connected: false, detail: 'not connected' };

  const entries = spec.entries(env);
  const missing = [...new Set(entries.map((e) => e.event))].filter((event) => !found.some((f) => f.event === event));
  const problems: string[] = [];
  if (missing.length > 0) problems.push(`no Belay hook for ${missing.join(', ')}`);
  const wrongDialect = [...new Set(found.filter((f) => f.dialect !== spec.dialect).map((f) => f.dialect))];
  if (wrongDialect.length > 0) problems.push(`a hook asks for the ${wrongDialect.join(', ')} dialect instead of ${spec.dialect}`);
  const programs = found.map((f) => spec.program(f.handler)).filter((p) => p !== undefined);
  const gone = new Set<string>();
  for (const p of programs) {
    if (!fs.existsSync(p.runtime)) gone.add(`runtime ${p.runtime}`);
    if (!fs.existsSync(p.cli)) gone.add(`CLI ${p.cli}`);
  }
  if (gone.size > 0) problems.push(`the hooks run a ${[...gone].join(' and a ')} that no longer exists`);

  const connected = problems.length === 0;
  const current = matchesEntries(found, entries, spec.format.layout);
  const first = programs[0];
  const what = first ? `runs ${first.runtime} ${first.cli}` : `runs belay hook ${spec.dialect}`;
  const detail = connected
    ? `${found.length} hooks, ${what}${current ? '' : ' (differs from what belay connect writes now; run belay connect to update)'}`
    : `Belay's hooks are there but will not work: ${problems.join('; ')} — run belay connect to repair`;
  return { agent: id, file, connected, detail };
}

/**
 * The agents that look installed for this user or workspace (their
 * configuration folder exists): the default of `belay connect`. The team file
 * (vscode-workspace) is never chosen by default.
 */
export function detectAgents(env: ConnectEnv): AgentId[] {
  const has = (...p: string[]): boolean => fs.existsSync(path.join(...p));
  const found: AgentId[] = [];
  if (has(env.home, '.claude') || has(env.workspace, '.claude')) found.push('claude-code');
  if (has(env.home, '.cursor') || has(env.workspace, '.cursor')) found.push('cursor');
  if (has(env.home, '.codex') || has(env.workspace, '.codex')) found.push('codex');
  if (fs.existsSync(env.copilotHome ?? path.join(env.home, '.copilot'))) found.push('copilot-cli');
  return found;
}
