import { psQuote, shQuote, shSplit } from './shellQuote.ts';

/** The `belay hook <dialect>` dialects an agent's hook command can ask for. */
export type HookDialect = 'claude' | 'cursor' | 'codex' | 'copilot-cli' | 'vscode';

/** What runs Belay's hook: a JavaScript runtime (Node >= 22 or Electron) and the `belay.js` CLI. */
export interface HookProgram {
  runtime: string;
  cli: string;
}

/** The reason an agent is given when Belay's own hook process could not run. */
export const CANNOT_RUN_REASON = 'Belay could not run its guard, so this action was denied to stay safe. Check the connection with: belay connect --status';

/**
 * `ELECTRON_RUN_AS_NODE=1 <runtime> <cli> hook <dialect>` for a POSIX shell.
 * The variable makes an Electron binary (desktop VS Code's runtime) behave as
 * plain Node; Node ignores it.
 */
export function shHookCommand(program: HookProgram, dialect: HookDialect): string {
  return `ELECTRON_RUN_AS_NODE=1 ${shQuote(program.runtime)} ${shQuote(program.cli)} hook ${dialect}`;
}

/**
 * The gating (pre-tool) command for agents that block on exit code 2 (Claude
 * Code, Codex, VS Code): Belay's own answers (0, or 2 for deny) pass through;
 * any other outcome — the runtime or CLI is gone (127), Belay crashed (1) —
 * becomes exit 2 with a reason on stderr, so a broken guard denies instead of
 * letting the tool run. This does not cover the agent killing the hook on its
 * own timeout; Belay answers far inside that timeout (`belay hook` has its own
 * budget).
 */
export function shGateExit2(hookCommand: string): string {
  const reason = CANNOT_RUN_REASON.replace('its guard', 'its guard (exit $s)');
  return `${hookCommand}; s=$?; case $s in 0|2) exit $s;; esac; echo "${reason}" >&2; exit 2`;
}

/** Copilot CLI's deny answer on stdout (its `preToolUse` decision control). */
export function copilotDenyJson(reason = CANNOT_RUN_REASON): string {
  return JSON.stringify({ permissionDecision: 'deny', permissionDecisionReason: reason });
}

/**
 * The gating command for Copilot CLI (`bash` key). Copilot CLI treats exit 2
 * as a warning and a failed hook as "continue", and reads the decision from
 * stdout JSON: Belay's answer (already printed) is kept with exit 0, and any
 * failure prints the deny JSON itself.
 */
export function shGateCopilot(hookCommand: string): string {
  return `${hookCommand}; s=$?; case $s in 0|2) exit 0;; esac; echo ${shQuote(copilotDenyJson())}; exit 0`;
}

/**
 * The same for Copilot CLI's `powershell` key (Windows): stdin is read whole
 * and piped to the runtime, as the extension's own PowerShell hook does.
 */
export function psHookCommand(program: HookProgram, dialect: HookDialect, gate: boolean): string {
  const run = `$in = [Console]::In.ReadToEnd(); $env:ELECTRON_RUN_AS_NODE = '1'; $in | & ${psQuote(program.runtime)} ${psQuote(program.cli)} hook ${dialect}`;
  if (!gate) return `${run}; exit $LASTEXITCODE`;
  return `${run}; $s = $LASTEXITCODE; if ($s -eq 0 -or $s -eq 2) { exit 0 }; Write-Output ${psQuote(copilotDenyJson())}; exit 0`;
}

/**
 * The team file's command (`.github/hooks/belay.json`): it is committed, so it
 * cannot name one person's runtime and CLI; it runs `belay` from PATH. When
 * the CLI is missing, a gating hook denies (exit 2) and any other hook does
 * nothing.
 */
export function shTeamCommand(dialect: HookDialect, gate: boolean): string {
  if (!gate) return `command -v belay >/dev/null 2>&1 || exit 0; exec belay hook ${dialect}`;
  const missing = 'Belay guards this repository (.github/hooks/belay.json), but the belay command is not on PATH, so this action was denied to stay safe. Install the Belay CLI, or remove .github/hooks/belay.json to stop guarding.';
  return `command -v belay >/dev/null 2>&1 || { echo ${shQuote(missing)} >&2; exit 2; }; ${shGateExit2(`belay hook ${dialect}`)}`;
}

const BELAY_HOOK = /(?:^|[\s'"/\\])hook\s+(claude|cursor|codex|copilot-cli|vscode)(?=$|[\s;'"&|)])/;

/**
 * The dialect when `command` runs Belay's hook (`… belay … hook <dialect>`),
 * whoever wrote it: `belay connect` treats every such entry as Belay's, so
 * connecting never adds a second guard and disconnecting removes them all.
 */
export function belayHookDialect(command: string): HookDialect | undefined {
  if (!/belay/i.test(command)) return undefined;
  const m = BELAY_HOOK.exec(command);
  return m ? (m[1] as HookDialect) : undefined;
}

/**
 * The runtime and CLI a POSIX command written by `belay connect` runs, read
 * back (for the status report). Undefined when the command has another shape.
 */
export function readShHookProgram(command: string): HookProgram | undefined {
  const words = shSplit(command);
  if (!words) return undefined;
  const rest = words[0] === 'ELECTRON_RUN_AS_NODE=1' ? words.slice(1) : words;
  const [runtime, cli, verb] = rest;
  if (runtime === undefined || cli === undefined || verb !== 'hook') return undefined;
  return { runtime, cli };
}

/** The same for a PowerShell command written by `belay connect`. */
export function readPsHookProgram(command: string): HookProgram | undefined {
  const m = /&\s+'((?:[^']|'')*)'\s+'((?:[^']|'')*)'\s+hook\s/.exec(command);
  if (!m) return undefined;
  return { runtime: (m[1] as string).replace(/''/g, "'"), cli: (m[2] as string).replace(/''/g, "'") };
}
