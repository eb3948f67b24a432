import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  AGENT_IDS,
  agentName,
  agentNote,
  agentUnsupported,
  applyChanges,
  ConnectError,
  connectionStatus,
  detectAgents,
  displayPath,
  isAgentId,
  planConnect,
  planDisconnect,
  type AgentId,
  type ConnectEnv,
  type PlannedChange,
} from '../../core/connectors/connect.ts';
import { CliError, readLines, resolveWorkspace, writeJson, type CliIO } from '../cliTypes.ts';

const USAGE = `usage: belay connect [--agent AGENT ...] [--remove] [--dry-run] [--yes] [--json]
                     [--workspace DIR] [--runtime PATH] [--cli PATH]
       belay connect --status [--json] [--workspace DIR]

Installs (or with --remove, removes) Belay's hooks in other agents' hook
configuration, so their tool calls go through \`belay hook <dialect>\`. Shows the
diff first and asks before writing (without a terminal, --yes is required).

agents (--agent, repeatable or comma-separated; default: the agents found on
this machine, or with --remove all of them):
  claude-code        <workspace>/.claude/settings.json
  cursor             <workspace>/.cursor/hooks.json
  codex              <workspace>/.codex/hooks.json
  copilot-cli        ~/.copilot/hooks/belay.json (or $COPILOT_HOME/hooks)
  vscode-workspace   <workspace>/.github/hooks/belay.json — a committed team file
                     for teammates without the Belay extension (the extension
                     guards VS Code agent mode by itself); never a default

options:
  --remove       remove Belay's hooks; the user's own hooks and settings stay
  --dry-run      show the diff and write nothing
  --yes, -y      write without asking
  --status       show which agents are guarded
  --json         machine-readable output
  --runtime PATH the Node >= 22 or Electron binary the hooks run (default: this one)
  --cli PATH     Belay's CLI (belay.js) the hooks run (default: this one)

Details per agent: docs/agents.md
`;

function actionOf(c: PlannedChange): 'create' | 'update' | 'delete' {
  if (c.before === undefined) return 'create';
  if (c.after === undefined) return 'delete';
  return 'update';
}

function parseAgents(values: string[]): AgentId[] {
  const out: AgentId[] = [];
  for (const v of values.flatMap((s) => s.split(','))) {
    const name = v.trim();
    if (name === '') continue;
    if (!isAgentId(name)) throw new CliError(`unknown agent '${name}' (one of: ${AGENT_IDS.join(', ')})`, 2);
    if (!out.includes(name)) out.push(name);
  }
  return out;
}

/** Asks a yes/no question on the terminal; anything but y/yes is no. */
async function confirm(io: CliIO, question: string): Promise<boolean> {
  io.stderr.write(`${question} [y/N] `);
  for await (const line of readLines(io.stdin)) return /^\s*y(es)?\s*$/i.test(line);
  return false;
}

function isTerminal(io: CliIO): boolean {
  return (io.stdin as { isTTY?: boolean }).isTTY === true;
}

/**
 * `belay connect`: wires Claude Code, Cursor, Codex and Copilot CLI (and, for
 * a team, VS Code through a committed file) to Belay's hook, shows the diff
 * and asks first; `--remove` takes the hooks out again; `--status` reports.
 */
export async function run(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      agent: { type: 'string', multiple: true, default: [] },
      remove: { type: 'boolean', default: false },
      'dry-run': { type: 'boolean', default: false },
      yes: { type: 'boolean', short: 'y', default: false },
      json: { type: 'boolean', default: false },
      status: { type: 'boolean', default: false },
      workspace: { type: 'string' },
      runtime: { type: 'string' },
      cli: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    io.stdout.write(USAGE);
    return 0;
  }
  const workspace = resolveWorkspace(values.workspace, io);
  const home = io.env.HOME || io.env.USERPROFILE || os.homedir();
  const env: ConnectEnv = {
    workspace,
    home: path.resolve(home),
    command: {
      runtime: path.resolve(io.cwd, values.runtime ?? process.execPath),
      cli: path.resolve(io.cwd, values.cli ?? process.argv[1] ?? 'belay.js'),
    },
    ...(io.env.COPILOT_HOME ? { copilotHome: path.resolve(io.cwd, io.env.COPILOT_HOME) } : {}),
  };

  if (values.status) return status(env, values.json, io);

  const remove = values.remove;
  let agents = parseAgents(values.agent);
  if (agents.length === 0) {
    if (remove) agents = [...AGENT_IDS];
    else {
      const found = detectAgents(env);
      agents = found.filter((a) => !agentUnsupported(a, env));
      for (const a of found.filter((x) => agentUnsupported(x, env))) io.stderr.write(`belay: skipping ${a}: ${agentUnsupported(a, env)}\n`);
      if (agents.length === 0) {
        throw new CliError(`found no agent to connect (no ~/.claude, ~/.cursor, ~/.codex or ~/.copilot); name them with --agent ${AGENT_IDS.join('|')}`, 2);
      }
    }
  }
  if (!remove) {
    if (!fs.existsSync(env.command.runtime)) throw new CliError(`the runtime ${env.command.runtime} does not exist (--runtime PATH)`, 2);
    if (!fs.existsSync(env.command.cli)) throw new CliError(`Belay's CLI ${env.command.cli} does not exist (--cli PATH)`, 2);
  }

  let changes: PlannedChange[];
  try {
    changes = remove ? planDisconnect(agents, env) : planConnect(agents, env);
  } catch (err) {
    if (err instanceof ConnectError) throw new CliError(err.message, 1);
    throw err;
  }

  const report = (applied: boolean): void => {
    writeJson(
      io.stdout,
      {
        workspace,
        action: remove ? 'disconnect' : 'connect',
        agents,
        dryRun: values['dry-run'],
        applied,
        changes: changes.map((c) => ({ agent: c.agent, file: c.file, action: actionOf(c), diff: c.diff })),
        notes: remove ? [] : agents.map((a) => ({ agent: a, note: agentNote(a) })),
      },
      true,
    );
  };

  if (changes.length === 0) {
    if (values.json) report(false);
    else io.stdout.write(remove ? `Nothing to remove: Belay has no hooks for ${agents.join(', ')}.\n` : `Nothing to change: ${agents.join(', ')} already connected.\n`);
    return 0;
  }

  if (!values.json) {
    for (const c of changes) {
      io.stdout.write(`# ${agentName(c.agent)}: ${actionOf(c)} ${displayPath(c.file, env)}\n${c.diff}\n`);
    }
  }
  if (values['dry-run']) {
    if (values.json) report(false);
    else io.stderr.write('Dry run: nothing was written.\n');
    return 0;
  }
  if (!values.yes) {
    if (!isTerminal(io)) {
      if (values.json) report(false);
      io.stderr.write('belay: nothing was written: there is no terminal to confirm on; run again with --yes to apply these changes\n');
      return 1;
    }
    const ok = await confirm(io, `Apply ${changes.length === 1 ? 'this change' : `these ${changes.length} changes`}?`);
    if (!ok) {
      io.stderr.write('Nothing was written.\n');
      return 1;
    }
  }
  try {
    applyChanges(changes);
  } catch (err) {
    if (err instanceof ConnectError) throw new CliError(err.message, 1);
    throw err;
  }
  if (values.json) {
    report(true);
    return 0;
  }
  const touched = [...new Set(changes.map((c) => c.agent))];
  for (const a of touched) {
    const file = changes.find((c) => c.agent === a)?.file ?? '';
    io.stdout.write(`${remove ? 'Disconnected' : 'Connected'} ${agentName(a)} (${displayPath(file, env)}).\n`);
    if (!remove) io.stdout.write(`  ${agentNote(a)}\n`);
  }
  return 0;
}

function status(env: ConnectEnv, json: boolean, io: CliIO): number {
  const all = connectionStatus(env);
  if (json) {
    writeJson(io.stdout, all, true);
    return 0;
  }
  const width = Math.max(...all.map((s) => s.agent.length));
  for (const s of all) {
    io.stdout.write(`${s.agent.padEnd(width)}  ${s.connected ? 'guarded    ' : 'not guarded'}  ${displayPath(s.file, env)}\n${' '.repeat(width + 2)}${s.detail}\n`);
  }
  return 0;
}
