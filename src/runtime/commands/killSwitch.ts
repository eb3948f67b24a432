import { parseArgs } from 'node:util';
import { readKillSwitch } from '../../core/actions/killSwitch.ts';
import { CliError, resolveWorkspace, writeJson, type CliIO } from '../cliTypes.ts';

/**
 * `belay kill-switch on|off|status`: while on, every hook of every agent denies
 * mutating actions. Turning it on or off is recorded as a receipt of the
 * workspace.
 */
export async function run(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { workspace: { type: 'string' }, json: { type: 'boolean', default: false } },
    allowPositionals: true,
    strict: true,
  });
  const verb = positionals[0] ?? 'status';
  if (verb === 'status') {
    const state = readKillSwitch(io.env);
    if (values.json) writeJson(io.stdout, state);
    else io.stdout.write(state.on ? `kill switch: ON${state.by ? ` (by ${state.by} at ${state.since ?? '?'})` : ''}${state.reason ? ` — ${state.reason}` : ''}\n` : 'kill switch: off\n');
    return 0;
  }
  if (verb !== 'on' && verb !== 'off') throw new CliError(`usage: belay kill-switch on|off|status (not '${verb}')`, 2);
  const workspace = resolveWorkspace(values.workspace, io);
  const { Guard } = await import('../../core/actions/guard.ts');
  const guard = await Guard.open({ workspace, env: io.env, actor: `cli:${io.env.USER ?? 'user'}` });
  try {
    const { state, receipt } = guard.setKillSwitch(verb === 'on');
    if (values.json) writeJson(io.stdout, { ...state, receipt: receipt.id });
    else io.stdout.write(`kill switch: ${state.on ? 'ON — every agent is denied mutating actions' : 'off'} (receipt ${receipt.id})\n`);
    return 0;
  } finally {
    await guard.close();
  }
}
