/**
 * dist/belay.js, the `belay` command as shipped: a small file that starts
 * fast. For `belay hook …` it hands the hook document to the warm hook server
 * (`belay serve`, see hookServer/server.ts) and prints its answer; when no
 * server of this build runs, it starts one in the background for the next
 * call and decides this one in-process with the full CLI (dist/belay-cli.js).
 * Every other command goes straight to the full CLI.
 *
 * BELAY_HOOK_SERVER=off never uses or starts a server; =manual uses one that
 * is running but never starts one. BELAY_HOOK_TRACE=1 says on stderr which
 * path answered.
 *
 * The common served call runs in this file alone; everything else is in
 * dist/belay-hook.js (launcherGeneral.ts), loaded only when needed: a hook
 * process parses every line of the file it starts with, which for the
 * general path's code measured about 0.5 ms.
 *
 * Everything this file reaches imports Node's built-ins by name
 * (`import { readFileSync } from 'node:fs'`): a default import is bundled
 * through a helper that copies every export of the module at start, about
 * 2 ms for the built-ins this file needs (a test checks the bundle); node:os
 * (0.4 ms to load), node:module (0.2 ms) and node:child_process are loaded
 * only where they are needed, and the common path joins its file names
 * without node:path (its first call costs a few tenths of a millisecond).
 */
import { closeSync, constants as fsConstants, existsSync, fstatSync, lstatSync, openSync, readFileSync, renameSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { plainStateDir } from '../core/config/plainPath.ts';
import { HOOK_PROTOCOL, buildId, newCallId } from './hookServer/protocol.ts';
import { hookDialect } from './hooks/dialects.ts';
import { loadCli, write } from './launcherIo.ts';
import type * as LauncherGeneral from './launcherGeneral.ts';

type General = typeof LauncherGeneral;

/** The general path (dist/belay-hook.js), loaded when needed. */
function general(): General {
  return process.getBuiltinModule('node:module').createRequire(__filename)('./belay-hook.js') as General;
}

/**
 * `belay hook …`: the call goes to the hook server when one is listening;
 * else it is decided in-process. Synchronous when standard input can be read
 * at once (the common case: a hook's document is piped in whole).
 */
function hook(argv: string[]): void {
  const started = Date.now();
  let stdin: string;
  try {
    stdin = readFileSync(0, 'utf8');
  } catch (err) {
    // a non-blocking descriptor: read it as a stream
    if ((err as NodeJS.ErrnoException).code === 'EAGAIN') general().hookFromStream(argv, started).catch(() => loadCli(argv));
    else loadCli(argv);
    return;
  }
  if (!served(argv, stdin, started)) general().handOver(argv, stdin, started);
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/**
 * The common case of a hook call, in one plain function: a POSIX system, a
 * state directory given as a plain absolute path, a spool folder that is the
 * user's own with mode 0700, a server reading its wake pipe, and an answer
 * within 100 ms. The checks and files are callHookServer's; written out here
 * without the helpers and result objects they go through there, the hook
 * process measured about 1 ms less per call (a hook process runs each
 * function once, and pays for compiling it). Returns false before anything
 * was written when it does not apply; a call not answered within 100 ms, or
 * answered with anything but an answer, goes on through awaitReply as any
 * other.
 */
function served(argv: string[], stdin: string, started: number): boolean {
  const env = process.env;
  const state = plainStateDir(env);
  if (state === undefined) return false;
  const spool = `${state === '/' ? '' : state}/run/hook-calls`;
  const st = lstatSync(spool, { throwIfNoEntry: false });
  if (!st || !st.isDirectory() || (st.mode & 0o077) !== 0 || st.uid !== process.getuid?.()) return false;
  let fd: number;
  try {
    fd = openSync(`${spool}/wake`, fsConstants.O_WRONLY | fsConstants.O_NONBLOCK);
  } catch {
    return false; // no server reading it (ENXIO), or no pipe
  }
  const id = newCallId();
  const base = `${spool}/${id}`;
  const v = Number(env.BELAY_HOOK_BUDGET_MS);
  const budgetMs = (Number.isFinite(v) && v > 0 ? v : 8000) + 1000;
  try {
    if (!fstatSync(fd).isFIFO()) throw new Error('not a named pipe');
    writeFileSync(`${base}.req.tmp`, JSON.stringify({ v: HOOK_PROTOCOL, build: buildId(), argv, cwd: process.cwd(), env, stdin }), { mode: 0o600, flag: 'wx' });
    renameSync(`${base}.req.tmp`, `${base}.req`);
  } catch {
    try {
      unlinkSync(`${base}.req.tmp`);
    } catch {
      // not written
    }
    closeSync(fd);
    return false;
  }
  try {
    writeSync(fd, `${id}\n`);
  } catch {
    // full: the server has wake-ups waiting already
  }
  closeSync(fd);
  const out = `${base}.out`;
  for (let round = 0; Date.now() - started < 100; round++) {
    if (existsSync(out)) {
      let reply: { t?: unknown; exitCode?: unknown; stdout?: unknown; stderr?: unknown; pid?: unknown } | undefined;
      try {
        reply = JSON.parse(readFileSync(out, 'utf8')) as typeof reply;
      } catch {
        reply = undefined;
      }
      if (reply?.t !== 'answer' || typeof reply.exitCode !== 'number') break; // awaitReply says what it is
      try {
        unlinkSync(out);
      } catch {
        // gone
      }
      if (env.BELAY_HOOK_TRACE === '1') write(2, `belay: answered by the hook server (pid ${String(reply.pid)})\n`);
      write(2, String(reply.stderr ?? ''));
      write(1, String(reply.stdout ?? ''));
      process.exit(reply.exitCode);
    }
    Atomics.wait(sleeper, 0, 0, 0.25);
  }
  general().awaitHandedOver(argv, stdin, started, { req: `${base}.req`, ext: `${base}.ext`, out }, budgetMs);
  return true;
}

const argv = process.argv.slice(2);
if (argv[0] === 'hook' && hookDialect(argv[1]) && process.env.BELAY_HOOK_SERVER !== 'off') {
  try {
    hook(argv);
  } catch {
    loadCli(argv);
  }
} else {
  loadCli(argv);
}
