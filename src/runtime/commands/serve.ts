import { parseArgs } from 'node:util';
import { isPidAlive } from '../../core/config/private.ts';
import { CliError, writeJson, type CliIO } from '../cliTypes.ts';
import { buildId, hookEndpointFile, readHookEndpoint } from '../hookServer/endpoint.ts';

const usage = 'usage: belay serve [--idle-minutes N] [--quiet] | belay serve status [--json] | belay serve stop';

/**
 * `belay serve`: the warm hook server. Hook processes hand their documents to
 * it and print its answer, so an agent's hook costs little more than
 * starting Node. `belay hook` starts it on its own when none runs (unless
 * BELAY_HOOK_SERVER is `off` or `manual`); it exits after being idle.
 */
export async function run(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      'idle-minutes': { type: 'string' },
      quiet: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
    allowPositionals: true,
    strict: true,
  });
  const verb = positionals[0] ?? 'run';
  if (verb === 'status') {
    const ep = readHookEndpoint(io.env);
    const running = ep !== undefined && isPidAlive(ep.pid);
    const state = {
      running,
      pid: running ? ep.pid : undefined,
      spool: running ? ep.spool : undefined,
      startedAt: running ? ep.startedAt : undefined,
      sameBuild: running ? ep.build === buildId() : undefined,
      endpointFile: hookEndpointFile(io.env),
    };
    if (values.json) writeJson(io.stdout, state);
    else io.stdout.write(running ? `hook server: running (pid ${ep.pid}, since ${ep.startedAt}${state.sameBuild ? '' : ', another build'})\n` : 'hook server: not running (hooks decide in-process and start one)\n');
    return 0;
  }
  if (verb === 'stop') {
    const ep = readHookEndpoint(io.env);
    if (!ep || !isPidAlive(ep.pid)) {
      io.stdout.write('hook server: not running\n');
      return 0;
    }
    process.kill(ep.pid, 'SIGTERM');
    io.stdout.write(`hook server: stopping pid ${ep.pid}\n`);
    return 0;
  }
  if (verb !== 'run') throw new CliError(usage, 2);
  const idle = values['idle-minutes'] ?? io.env.BELAY_HOOK_SERVER_IDLE_MINUTES;
  const idleMinutes = idle === undefined ? 30 : Number(idle);
  if (!Number.isFinite(idleMinutes) || idleMinutes <= 0) throw new CliError(`--idle-minutes must be a positive number (not '${idle}')`, 2);
  const log = values.quiet ? () => undefined : (line: string) => io.stderr.write(`belay: ${line}\n`);
  const { startHookServer } = await import('../hookServer/server.ts');
  let server;
  try {
    server = await startHookServer({ env: io.env, idleMs: idleMinutes * 60_000, log });
  } catch (err) {
    if ((err as { code?: string }).code === 'ALREADY_RUNNING') {
      if (!values.quiet) io.stderr.write(`belay: ${(err as Error).message}\n`);
      return 0;
    }
    throw err;
  }
  const stop = () => void server.close('signal');
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  await server.closed;
  return 0;
}
