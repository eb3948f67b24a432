/**
 * The hook process's side of the warm hook server: drops the call into the
 * server's spool folder and waits for the answer file, blocking (a hook
 * process has nothing else to do). Everything that goes wrong before the
 * server has claimed the call (no server, another build, a server that is
 * gone or does not claim it within a second) is "unavailable", and the
 * caller decides in-process instead; a server that claimed the call but does
 * not answer within the budget is a timeout, which the caller answers with a
 * fail-closed deny.
 */
import { closeSync, constants as fsConstants, existsSync, fstatSync, openSync, readFileSync, renameSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { isPidAlive, privateDirProblem } from '../../core/config/private.ts';
import { newCallId } from './protocol.ts';
import { HOOK_PROTOCOL, buildId, hookSpoolDir, readHookEndpoint, spoolFiles, spoolWakePipe, type HookReply, type HookRequest } from './endpoint.ts';

export type HookCallResult =
  | { kind: 'answer'; exitCode: number; stdout: string; stderr: string; /** the server's pid */ pid: number }
  | { kind: 'unavailable'; reason: string; /** whether starting a server would help */ start: boolean }
  | { kind: 'timeout' };

export interface HookCall {
  argv: string[];
  stdin: string;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** how long the server may take before the caller fails closed */
  budgetMs: number;
  /** how long the server has to claim the call before the caller decides itself (default 1000 ms) */
  claimMs?: number;
}


const sleeper = new Int32Array(new SharedArrayBuffer(4));
function sleep(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}


function unlinkQuietly(p: string): boolean {
  try {
    unlinkSync(p);
    return true;
  } catch {
    return false;
  }
}

/** The file's text, or undefined while it is not there (checked first: a failed read throws, which costs more than the check). */
function readIfThere(p: string): string | undefined {
  if (!existsSync(p)) return undefined;
  try {
    return readFileSync(p, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * Opens the spool's wake pipe for writing, which tells at once whether a
 * server is listening: a named pipe with no reader refuses a non-blocking
 * writer (ENXIO), so a server that died is noticed without reading its
 * endpoint file or probing its pid. Undefined where there is no pipe
 * (Windows, or a server that could not make one): the endpoint file decides.
 */
function openWakePipe(spool: string): { fd: number } | 'no-reader' | undefined {
  if (process.platform === 'win32') return undefined;
  let fd: number;
  try {
    fd = openSync(spoolWakePipe(spool), fsConstants.O_WRONLY | fsConstants.O_NONBLOCK);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENXIO' ? 'no-reader' : undefined;
  }
  try {
    if (fstatSync(fd).isFIFO()) return { fd };
  } catch {
    // not usable
  }
  closeSync(fd);
  return undefined;
}

/**
 * Nudges the server: the call's id and a newline in its wake pipe (one write
 * under PIPE_BUF, so never interleaved with another client's), which lets it
 * claim the call without listing the folder. A full pipe means it has
 * wake-ups waiting already.
 */
function wake(pipe: { fd: number }, id: string): void {
  try {
    writeSync(pipe.fd, `${id}\n`);
  } catch {
    // full: the server has not read earlier nudges yet and will see the call
  } finally {
    closeSync(pipe.fd);
  }
}

export function callHookServer(call: HookCall): HookCallResult {
  // The spool is where this user's server takes calls; a call (its
  // environment and document) goes nowhere another user could read it.
  const spool = hookSpoolDir(call.env);
  const unsafe = privateDirProblem(spool);
  if (unsafe) {
    const missing = !existsSync(spool);
    return { kind: 'unavailable', reason: missing ? 'no hook server' : unsafe, start: missing };
  }
  // The fast path: a listening server's wake pipe. Without one, the
  // endpoint file names a live server of this build or there is none.
  let pipe = openWakePipe(spool);
  let pid: number | undefined;
  if (pipe === undefined || pipe === 'no-reader') {
    const ep = readHookEndpoint(call.env);
    if (!ep) return { kind: 'unavailable', reason: 'no hook server', start: true };
    if (ep.build !== buildId()) return { kind: 'unavailable', reason: `the hook server runs another build (${ep.build})`, start: true };
    if (!isPidAlive(ep.pid)) return { kind: 'unavailable', reason: 'the hook server is gone', start: true };
    if (ep.spool !== spool) return { kind: 'unavailable', reason: 'the hook server serves another spool folder', start: false };
    pid = ep.pid;
    pipe = undefined;
  }

  const id = newCallId();
  const f = spoolFiles(spool, id);
  // The environment goes as it is: JSON leaves out what is not a string
  // (nothing, in process.env), and serialising it directly costs a hook
  // process less than copying it into a plain object first.
  const req = { v: HOOK_PROTOCOL, build: buildId(), argv: call.argv, cwd: call.cwd, env: call.env, stdin: call.stdin } satisfies Omit<HookRequest, 'env'> & { env: NodeJS.ProcessEnv };
  try {
    writeFileSync(f.tmp, JSON.stringify(req), { mode: 0o600, flag: 'wx' });
    renameSync(f.tmp, f.req);
  } catch (err) {
    unlinkQuietly(f.tmp);
    if (pipe) closeSync(pipe.fd);
    return { kind: 'unavailable', reason: `cannot hand the call over (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, start: false };
  }
  if (pipe) wake(pipe, id);
  return awaitReply(f, call, pid);
}

/**
 * Waits for the answer to a call handed over as `f.req` at `started`: the
 * server claims it (the file goes), may ask for more time (`f.ext`) and
 * answers (`f.out`). `known` is the server's pid when the endpoint file was
 * read already.
 */
export function awaitReply(f: { req: string; ext: string; out: string }, call: Pick<HookCall, 'env' | 'budgetMs' | 'claimMs'>, known: number | undefined, started = Date.now()): HookCallResult {
  let pid = known;
  let deadline = started + call.budgetMs;
  const claimBy = started + (call.claimMs ?? 1000);
  let claimed = false;
  let checkedAlive = started;
  // A longer budget (a person is being asked) is looked for now and then
  // and before giving up, not on every round.
  const extension = (now: number): void => {
    const ext = readIfThere(f.ext);
    if (ext === undefined) return;
    const ms = Number(ext);
    if (Number.isFinite(ms) && ms > 0) deadline = Math.max(deadline, now + ms);
    unlinkQuietly(f.ext);
  };
  for (let round = 0; ; round++) {
    const out = readIfThere(f.out);
    if (out !== undefined) {
      unlinkQuietly(f.out); // (a server removes its own .ext before it answers)
      let reply: HookReply;
      try {
        reply = JSON.parse(out) as HookReply;
      } catch {
        return { kind: 'unavailable', reason: 'the hook server wrote a malformed answer', start: false };
      }
      if (reply.t === 'answer' && typeof reply.exitCode === 'number') {
        return { kind: 'answer', exitCode: reply.exitCode, stdout: String(reply.stdout ?? ''), stderr: String(reply.stderr ?? ''), pid: typeof reply.pid === 'number' ? reply.pid : (pid ?? -1) };
      }
      const reason = reply.t === 'retry' ? String(reply.reason) : 'unknown answer';
      return { kind: 'unavailable', reason: `the hook server declined: ${reason}`, start: reason === 'build' };
    }
    const now = Date.now();
    if (!claimed) {
      claimed = !existsSync(f.req);
      // Not claimed in time: take the call back (an unlink that succeeds
      // proves the server never saw it) and decide in-process.
      if (!claimed && now >= claimBy && unlinkQuietly(f.req)) return { kind: 'unavailable', reason: 'the hook server did not take the call', start: false };
    }
    if (now - checkedAlive >= 100) {
      checkedAlive = now;
      extension(now);
      // (read only now: a call answered within 100 ms never needs it)
      pid ??= readHookEndpoint(call.env)?.pid ?? -1;
      if (pid < 0 || !isPidAlive(pid)) {
        if (unlinkQuietly(f.req)) return { kind: 'unavailable', reason: 'the hook server is gone', start: true };
        if (readIfThere(f.out) === undefined) return { kind: 'unavailable', reason: 'the hook server stopped before answering', start: true };
        continue;
      }
    }
    if (now >= deadline) {
      extension(now); // a last look: the budget may have grown
      if (now >= deadline) {
        unlinkQuietly(f.req);
        return { kind: 'timeout' };
      }
    }
    // poll often while an answer is likely soon, then back off (polling
    // every 0.1 ms measured no faster: the polls compete with the server
    // for the CPU)
    sleep(round < 200 ? 0.25 : round < 400 ? 1 : 5);
  }
}
