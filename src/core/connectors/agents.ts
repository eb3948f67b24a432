import path from 'node:path';
import {
  psHookCommand,
  readPsHookProgram,
  readShHookProgram,
  shGateCopilot,
  shGateExit2,
  shHookCommand,
  shTeamCommand,
  type HookDialect,
  type HookProgram,
} from './commands.ts';
import type { AgentId, ConnectEnv } from './connect.ts';
import type { HookEntry, HooksFileSpec } from './hooksFile.ts';

/**
 * What `belay connect` writes for each agent, and where. Every format below
 * was checked against the vendor's current documentation (URLs at each
 * agent). Belay's hook answers within its own budget, far inside the timeouts
 * set here; the gating (pre-tool) hook gets a longer timeout so a person can
 * answer an `ask` through the extension before the agent gives up.
 */

/** Seconds an agent waits for the gating hook (Belay answers far sooner; an `ask` may wait for a person). */
export const GATE_TIMEOUT_S = 60;
/** Seconds an agent waits for the other hooks. */
export const EVENT_TIMEOUT_S = 15;

export interface AgentSpec {
  id: AgentId;
  name: string;
  dialect: HookDialect;
  /** the vendor documentation this format follows */
  docs: string[];
  file(env: ConnectEnv): string;
  format: HooksFileSpec;
  entries(env: ConnectEnv): HookEntry[];
  /** reads back the runtime and CLI a written handler runs (undefined: not a per-machine command) */
  program(handler: Record<string, unknown>): HookProgram | undefined;
  /** why this agent cannot be connected here, if it cannot */
  unsupported?(env: ConnectEnv): string | undefined;
  /** what a person should know once it is connected */
  note: string;
}

function platformOf(env: ConnectEnv): NodeJS.Platform {
  return env.platform ?? process.platform;
}

function program(env: ConnectEnv): HookProgram {
  return { runtime: env.command.runtime, cli: env.command.cli };
}

function shProgramOf(handler: Record<string, unknown>, key = 'command'): HookProgram | undefined {
  const v = handler[key];
  return typeof v === 'string' ? readShHookProgram(v) : undefined;
}

/**
 * Claude Code: project settings `.claude/settings.json`, matcher groups.
 * https://code.claude.com/docs/en/hooks — events, matcher groups (`*` matches
 * every tool; events without matchers omit it), `type: "command"`, `timeout`
 * in seconds, exit code 2 blocks a PreToolUse call.
 * https://github.com/anthropics/claude-code/blob/main/CHANGELOG.md (2.1.295):
 * `onFailure: "block"` on a command hook entry makes a hook that cannot start,
 * times out or exits with an unexpected code block the action instead of
 * letting it through. Older versions ignore the key (and fail open), which is
 * why the gating command also turns "could not run" into exit 2 itself.
 */
const claudeCode: AgentSpec = {
  id: 'claude-code',
  name: 'Claude Code',
  dialect: 'claude',
  docs: ['https://code.claude.com/docs/en/hooks', 'https://github.com/anthropics/claude-code/blob/main/CHANGELOG.md'],
  file: (env) => path.join(env.workspace, '.claude', 'settings.json'),
  format: { layout: 'grouped' },
  entries(env) {
    const run = shHookCommand(program(env), 'claude');
    const plain = { type: 'command', command: run, timeout: EVENT_TIMEOUT_S };
    return [
      { event: 'SessionStart', handler: plain },
      { event: 'UserPromptSubmit', handler: plain },
      { event: 'PreToolUse', matcher: '*', handler: { type: 'command', command: shGateExit2(run), timeout: GATE_TIMEOUT_S, onFailure: 'block' } },
      { event: 'PostToolUse', matcher: '*', handler: plain },
      { event: 'Stop', handler: plain },
      { event: 'SessionEnd', handler: plain },
    ];
  },
  program: (h) => shProgramOf(h),
  note: 'Fails closed: the PreToolUse hook carries onFailure "block" (Claude Code 2.1.295 or later) and denies on its own when Belay cannot run.',
};

/**
 * Cursor: project hooks `.cursor/hooks.json`, `"version": 1`, flat handler
 * lists, camelCase events. https://cursor.com/docs/hooks — handler fields
 * `command`, `type`, `timeout`, `matcher`, and `failClosed` (default false:
 * a hook that crashes, times out or returns nothing lets the action through;
 * true blocks it). Belay uses the generic `preToolUse`/`postToolUse` layer,
 * which sees every tool (Shell, Read, Write, MCP, Task); adding the
 * per-tool-class hooks (beforeShellExecution, beforeReadFile,
 * beforeMCPExecution, afterFileEdit) as well would decide and record every
 * such call twice.
 */
const cursor: AgentSpec = {
  id: 'cursor',
  name: 'Cursor',
  dialect: 'cursor',
  docs: ['https://cursor.com/docs/hooks'],
  file: (env) => path.join(env.workspace, '.cursor', 'hooks.json'),
  format: { layout: 'flat', header: { version: 1 } },
  entries(env) {
    const run = shHookCommand(program(env), 'cursor');
    const plain = { command: run, timeout: EVENT_TIMEOUT_S };
    return [
      { event: 'sessionStart', handler: plain },
      { event: 'beforeSubmitPrompt', handler: plain },
      { event: 'preToolUse', handler: { command: run, timeout: GATE_TIMEOUT_S, failClosed: true } },
      { event: 'postToolUse', handler: plain },
      { event: 'stop', handler: plain },
      { event: 'sessionEnd', handler: plain },
    ];
  },
  program: (h) => shProgramOf(h),
  unsupported: (env) => (platformOf(env) === 'win32' ? 'connecting Cursor on Windows is not supported yet (see docs/agents.md for the manual setup)' : undefined),
  note: 'Fails closed: the preToolUse hook carries failClosed, so Cursor blocks the action whenever Belay cannot answer.',
};

/**
 * Codex CLI: project hooks `.codex/hooks.json` (plain JSON; the inline
 * `[hooks]` tables of config.toml are the alternative, not needed here).
 * https://developers.openai.com/codex/hooks — events, matcher groups (omit
 * `matcher` to match every tool), `type: "command"`, `timeout` in seconds;
 * project hooks load only in a trusted project, and a new or changed hook runs
 * only after the person trusts it (`/hooks` in Codex).
 * https://github.com/openai/codex/issues/41979 — Codex has no fail-closed
 * option: a crashed or timed-out PreToolUse hook lets the call run, so the
 * gating command turns "could not run" into exit 2 (a block) itself.
 */
const codex: AgentSpec = {
  id: 'codex',
  name: 'Codex',
  dialect: 'codex',
  docs: ['https://developers.openai.com/codex/hooks', 'https://github.com/openai/codex/issues/41979'],
  file: (env) => path.join(env.workspace, '.codex', 'hooks.json'),
  format: { layout: 'grouped' },
  entries(env) {
    const run = shHookCommand(program(env), 'codex');
    const plain = { type: 'command', command: run, timeout: EVENT_TIMEOUT_S };
    return [
      { event: 'SessionStart', handler: plain },
      { event: 'UserPromptSubmit', handler: plain },
      { event: 'PreToolUse', handler: { type: 'command', command: shGateExit2(run), timeout: GATE_TIMEOUT_S } },
      { event: 'PostToolUse', handler: plain },
      { event: 'Stop', handler: plain },
    ];
  },
  program: (h) => shProgramOf(h),
  unsupported: (env) => (platformOf(env) === 'win32' ? 'connecting Codex on Windows is not supported yet (see docs/agents.md for the manual setup)' : undefined),
  note: 'Codex runs a new or changed hook only after you trust it: open /hooks in Codex and trust the Belay hooks (and trust the project). Codex has no fail-closed option; Belay denies on its own when it cannot decide.',
};

/**
 * GitHub Copilot CLI: user hooks `~/.copilot/hooks/belay.json` (or
 * `$COPILOT_HOME/hooks/`), `"version": 1`, flat handler lists, camelCase
 * events (which also select Copilot's camelCase payloads).
 * https://docs.github.com/en/copilot/reference/hooks-reference — `type`,
 * `bash` / `powershell`, `timeoutSec`; a failed or timed-out hook is skipped
 * ("never blocks agent execution") and exit 2 is only a warning, so the
 * decision travels as stdout JSON and the gating command prints a deny itself
 * when Belay cannot run.
 */
const copilotCli: AgentSpec = {
  id: 'copilot-cli',
  name: 'GitHub Copilot CLI',
  dialect: 'copilot-cli',
  docs: ['https://docs.github.com/en/copilot/reference/hooks-reference'],
  file: (env) => path.join(env.copilotHome ?? path.join(env.home, '.copilot'), 'hooks', 'belay.json'),
  format: { layout: 'flat', header: { version: 1 } },
  entries(env) {
    const p = program(env);
    const windows = platformOf(env) === 'win32';
    const handler = (gate: boolean): Record<string, unknown> => {
      if (windows) return { type: 'command', powershell: psHookCommand(p, 'copilot-cli', gate), timeoutSec: gate ? GATE_TIMEOUT_S : EVENT_TIMEOUT_S };
      const run = shHookCommand(p, 'copilot-cli');
      return { type: 'command', bash: gate ? shGateCopilot(run) : run, timeoutSec: gate ? GATE_TIMEOUT_S : EVENT_TIMEOUT_S };
    };
    return [
      { event: 'sessionStart', handler: handler(false) },
      { event: 'userPromptSubmitted', handler: handler(false) },
      { event: 'preToolUse', handler: handler(true) },
      { event: 'postToolUse', handler: handler(false) },
      { event: 'agentStop', handler: handler(false) },
      { event: 'sessionEnd', handler: handler(false) },
    ];
  },
  program: (h) => (typeof h.powershell === 'string' ? readPsHookProgram(h.powershell) : shProgramOf(h, 'bash')),
  note: 'Copilot CLI lets a tool run when a hook fails, so the preToolUse command prints a deny itself when Belay cannot run. VS Code also reads ~/.copilot/hooks, so its agent mode runs this hook too.',
};

/**
 * VS Code agent mode for a team: `.github/hooks/belay.json`, committed with
 * the repository. https://code.visualstudio.com/docs/agent-customization/hooks
 * — PascalCase events, flat handler lists, `command` plus OS overrides
 * (`windows`), `timeout` in seconds, exit 2 blocks. The Belay extension
 * already guards VS Code agent mode through its own agent plugin, so this file
 * is only for teammates who do not have the extension. Being shared, it cannot
 * name one machine's runtime and CLI: it runs `belay` from PATH. `"version": 1`
 * keeps the file valid for Copilot CLI and the Copilot cloud agent, which read
 * `.github/hooks/*.json` too
 * (https://docs.github.com/en/copilot/reference/hooks-reference).
 */
const vscodeWorkspace: AgentSpec = {
  id: 'vscode-workspace',
  name: 'VS Code agent mode (team file)',
  dialect: 'vscode',
  docs: ['https://code.visualstudio.com/docs/agent-customization/hooks', 'https://docs.github.com/en/copilot/reference/hooks-reference'],
  file: (env) => path.join(env.workspace, '.github', 'hooks', 'belay.json'),
  format: { layout: 'flat', headerOnCreate: { version: 1 } },
  entries() {
    const handler = (gate: boolean): Record<string, unknown> => ({
      type: 'command',
      command: shTeamCommand('vscode', gate),
      windows: 'belay hook vscode',
      timeout: gate ? GATE_TIMEOUT_S : EVENT_TIMEOUT_S,
    });
    return [
      { event: 'SessionStart', handler: handler(false) },
      { event: 'UserPromptSubmit', handler: handler(false) },
      { event: 'PreToolUse', handler: handler(true) },
      { event: 'PostToolUse', handler: handler(false) },
      { event: 'Stop', handler: handler(false) },
    ];
  },
  program: () => undefined,
  note: 'For teammates without the Belay extension: the extension already guards VS Code agent mode through its own agent plugin. Each teammate needs the belay command on PATH; without it the file denies every tool call (on macOS and Linux).',
};

export const AGENTS: Record<AgentId, AgentSpec> = {
  'claude-code': claudeCode,
  cursor,
  codex,
  'copilot-cli': copilotCli,
  'vscode-workspace': vscodeWorkspace,
};
