import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { loadWorkspaceSettings } from '../../core/config/workspaceSettings.ts';
import { belayHome, workspaceState } from '../../core/config/paths.ts';
import { loadPolicy } from '../../core/policy/engine.ts';
import { resolveWorkspace, writeJson, type CliIO } from '../cliTypes.ts';
import { readKillSwitch } from '../../core/actions/killSwitch.ts';
import { connectionStatus } from '../../core/connectors/connect.ts';
import { isPidAlive } from '../../core/config/private.ts';
import { readHookEndpoint } from '../hookServer/endpoint.ts';
import os from 'node:os';
import path from 'node:path';

/** `belay status`: the policy in force, where state lives, and what was recorded. */
export async function run(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { workspace: { type: 'string' }, json: { type: 'boolean', default: false } },
    strict: true,
  });
  const workspace = resolveWorkspace(values.workspace, io);
  const state = workspaceState(workspace, io.env);
  const settings = loadWorkspaceSettings(state.workspace);
  const policy = loadPolicy(settings.settings, settings.error);
  let receipts: { total: number; byDecision: Record<string, number> } | undefined;
  if (fs.existsSync(state.receiptsFile)) {
    const { ReceiptStore } = await import('../../core/receipts/store.ts');
    const store = ReceiptStore.open({ file: state.receiptsFile, workspace: state.workspace, env: io.env });
    try {
      const s = store.stats();
      receipts = { total: s.total, byDecision: s.byDecision };
    } finally {
      store.close();
    }
  }
  const kill = readKillSwitch(io.env);
  const agents = [
    { agent: 'vscode-agent-mode', file: '(the Belay extension\'s agent plugin)', connected: true, detail: 'guarded whenever the Belay extension is installed and enabled' },
    ...connectionStatus({
      workspace: state.workspace,
      home: io.env.HOME ?? os.homedir(),
      command: { runtime: process.execPath, cli: path.resolve(process.argv[1] ?? 'belay') },
    }),
  ];
  const ep = readHookEndpoint(io.env);
  const hookServer = ep && isPidAlive(ep.pid) ? { running: true, pid: ep.pid, startedAt: ep.startedAt } : { running: false };
  const report = {
    workspace: state.workspace,
    killSwitch: kill,
    hookServer,
    agents,
    stateDir: state.dir,
    belayHome: belayHome(io.env),
    policy: { ok: policy.ok, hash: policy.hash, errors: policy.errors },
    checkpoints: fs.existsSync(state.checkpointsDir) ? state.checkpointsDir : null,
    receipts: receipts ?? { total: 0, byDecision: {} },
  };
  if (values.json) {
    writeJson(io.stdout, report, true);
  } else {
    const lines = [
      `workspace:   ${report.workspace}`,
      `state:       ${report.stateDir}`,
      `policy:      ${policy.ok ? `valid (${policy.hash.slice(0, 12)})` : 'INVALID — mutating actions are denied until fixed'}`,
      ...policy.errors.map((e) => `  ${e.path}: ${e.message}`),
      `kill switch: ${kill.on ? `ON — every agent is denied mutating actions${kill.reason ? ` (${kill.reason})` : ''}` : 'off'}`,
      `hook server: ${hookServer.running ? `running (pid ${hookServer.pid})` : 'not running (the next hook call starts it)'}`,
      `checkpoints: ${report.checkpoints ?? 'none yet'}`,
      `receipts:    ${report.receipts.total}${Object.entries(report.receipts.byDecision).map(([k, v]) => ` ${k}=${v}`).join('')}`,
      'agents:',
      ...agents.map((a) => `  ${a.connected ? 'guarded    ' : 'not guarded'} ${a.agent.padEnd(18)} ${a.detail}`),
    ];
    io.stdout.write(lines.join('\n') + '\n');
  }
  return policy.ok ? 0 : 1;
}
