/**
 * The warm hook server (`belay serve`): a per-user process that answers hook
 * calls with the policy engine, receipt store and checkpoint store already
 * loaded, so an agent's hook process only starts Node, hands over its
 * document and prints the answer. It runs exactly the in-process hook
 * command (one implementation). Calls arrive as files in a spool folder
 * inside the user's private run directory (see endpoint.ts); only the user
 * can put them there, and only calls from the same build are served. It
 * exits when idle, when another server takes over, or when its state
 * directory goes away.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { belayHome, canonicalWorkspace } from '../../core/config/paths.ts';
import { ensurePrivateDir, isPidAlive, readPrivateJson, runDir, writePrivateJson } from '../../core/config/private.ts';
import { Guard } from '../../core/actions/guard.ts';
import { useStatusCache } from '../../core/checkpoints/statusCache.ts';
import type { HookHost } from '../cliTypes.ts';
import { CALL_ID, HOOK_PROTOCOL, MAX_REQUEST_BYTES, buildId, hookEndpointFile, hookSpoolDir, readHookEndpoint, spoolFiles, spoolWakePipe, type HookEndpoint, type HookReply, type HookRequest } from './endpoint.ts';

export interface HookServerOptions {
  env: NodeJS.ProcessEnv;
  /** exit after this long without a request (default 30 minutes) */
  idleMs?: number;
  /** how often the server checks it is still the one named by the endpoint file */
  checkEveryMs?: number;
  /** close a workspace's stores after this long unused (default 5 minutes) */
  guardIdleMs?: number;
  log?: (line: string) => void;
}

export interface HookServer {
  endpoint: HookEndpoint;
  /** resolves when the server has shut down, with why */
  closed: Promise<string>;
  close(reason?: string): Promise<void>;
}

/** The hook command's standard input in the server: never read (it is given its input as text). */
const noInput = new Readable({
  read() {
    this.push(null);
  },
});

/** Opened guards, one per state directory and workspace, kept warm between calls. */
class GuardPool {
  private readonly entries = new Map<string, { guard: Promise<Guard>; lastUsed: number; inUse: number }>();
  private maintainedAt = 0;

  async acquire(workspace: string, env: NodeJS.ProcessEnv): Promise<{ guard: Guard; release: () => void }> {
    const key = `${belayHome(env)}\0${env.HOME ?? ''}\0${canonicalWorkspace(workspace)}`;
    let entry = this.entries.get(key);
    if (!entry) {
      const guard = Guard.open({ workspace, env });
      entry = { guard, lastUsed: Date.now(), inUse: 0 };
      this.entries.set(key, entry);
      guard.catch(() => this.entries.delete(key));
    }
    entry.inUse++;
    entry.lastUsed = Date.now();
    const e = entry;
    try {
      const guard = await e.guard;
      return {
        guard,
        release: () => {
          e.inUse--;
          e.lastUsed = Date.now();
        },
      };
    } catch (err) {
      e.inUse--;
      throw err;
    }
  }

  /** Receipt housekeeping for every open guard, at most every `everyMs`. */
  async maintain(everyMs: number, log: (line: string) => void): Promise<void> {
    const now = Date.now();
    if (now - this.maintainedAt < everyMs) return;
    this.maintainedAt = now;
    for (const e of this.entries.values()) {
      try {
        const guard = await e.guard;
        const r = guard.maintain();
        if (r.abandoned > 0 || (r.pruned?.prunedReceipts ?? 0) > 0) log(`${guard.workspace}: ${r.abandoned} receipt(s) marked abandoned, ${r.pruned?.prunedReceipts ?? 0} pruned`);
      } catch (err) {
        log(`receipt maintenance failed: ${(err as Error).message.split('\n')[0]}`);
      }
    }
  }

  /** Closes guards unused for `idleMs`; all of them with 0. */
  async sweep(idleMs: number): Promise<void> {
    const now = Date.now();
    for (const [key, e] of this.entries) {
      if (e.inUse > 0 || now - e.lastUsed < idleMs) continue;
      this.entries.delete(key);
      try {
        await (await e.guard).close();
      } catch {
        // a guard that failed to open has nothing to close
      }
    }
  }

  get size(): number {
    return this.entries.size;
  }
}

function unlinkQuietly(p: string): void {
  try {
    fs.unlinkSync(p);
  } catch {
    // already gone
  }
}

/**
 * The spool's wake pipe, read for as long as the server runs (POSIX; made
 * with mkfifo, mode 0600). Opened read-write so it never reports an end when
 * clients close it. Undefined where there is none: the folder watch serves.
 */
function openWakePipe(spool: string, log: (line: string) => void): net.Socket | undefined {
  if (process.platform === 'win32') return undefined;
  const file = spoolWakePipe(spool);
  try {
    let st = fs.lstatSync(file, { throwIfNoEntry: false });
    if (st && !st.isFIFO()) {
      fs.rmSync(file, { recursive: true, force: true });
      st = undefined;
    }
    if (!st) {
      const made = spawnSync('mkfifo', ['-m', '600', file], { stdio: 'ignore' });
      if (made.status !== 0) return undefined;
    }
    const fd = fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_NONBLOCK);
    const socket = new net.Socket({ fd, readable: true, writable: false });
    socket.on('error', (err) => log(`wake pipe failed: ${err.message}`));
    socket.unref();
    return socket;
  } catch (err) {
    log(`no wake pipe (${(err as Error).message}); the folder watch serves`);
    return undefined;
  }
}

/**
 * Starts the server. Throws when another live server of this build already
 * serves this state directory (its pid is in the message).
 */
export async function startHookServer(opts: HookServerOptions): Promise<HookServer> {
  const env = opts.env;
  const log = opts.log ?? (() => undefined);
  const idleMs = opts.idleMs ?? 30 * 60_000;
  const guardIdleMs = opts.guardIdleMs ?? 5 * 60_000;
  const dir = runDir(env);
  ensurePrivateDir(dir);
  const existing = readHookEndpoint(env);
  if (existing && existing.pid !== process.pid && existing.build === buildId() && isPidAlive(existing.pid)) {
    throw Object.assign(new Error(`a hook server (pid ${existing.pid}) already serves ${belayHome(env)}`), { code: 'ALREADY_RUNNING', pid: existing.pid });
  }
  // A server takes every shell command's full-scan checkpoint: it reuses
  // its last git status while nothing in the workspace changed.
  useStatusCache(true);
  const spool = hookSpoolDir(env);
  ensurePrivateDir(spool);
  const endpoint: HookEndpoint = { v: HOOK_PROTOCOL, pid: process.pid, spool, build: buildId(), startedAt: new Date().toISOString() };
  const pool = new GuardPool();
  const { run: runHook } = await import('../commands/hook.ts');
  let inFlight = 0;
  let lastRequest = Date.now();
  let closing: string | undefined;
  let resolveClosed: (why: string) => void = () => undefined;
  const closed = new Promise<string>((r) => (resolveClosed = r));

  /** calls whose budget was extended (an .ext file of theirs may be waiting) */
  const extended = new Set<string>();
  const writeReply = (id: string, reply: HookReply): void => {
    const f = spoolFiles(spool, id);
    if (extended.delete(id)) unlinkQuietly(f.ext); // the client stops reading it once it has the answer
    try {
      fs.writeFileSync(f.outTmp, JSON.stringify(reply), { mode: 0o600 });
      fs.renameSync(f.outTmp, f.out);
    } catch (err) {
      log(`could not answer call ${id}: ${(err as Error).message}`);
    }
  };

  const handle = async (id: string, req: HookRequest): Promise<HookReply> => {
    const stdout: string[] = [];
    const stderr: string[] = [];
    // (plain collectors: the hook command only writes text to them)
    const sink = (into: string[]) =>
      new Writable({
        decodeStrings: false,
        write(chunk: Buffer | string, _encoding, done) {
          into.push(typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
          done();
        },
      });
    const host: HookHost = {
      guard: (workspace, e) => pool.acquire(workspace, e),
      extend: (ms) => {
        const f = spoolFiles(spool, id);
        extended.add(id);
        try {
          fs.writeFileSync(`${f.ext}.tmp`, String(ms), { mode: 0o600 });
          fs.renameSync(`${f.ext}.tmp`, f.ext);
        } catch {
          // the client keeps its own budget
        }
      },
    };
    const exitCode = await runHook(req.argv.slice(1), {
      stdin: noInput,
      input: req.stdin,
      stdout: sink(stdout),
      stderr: sink(stderr),
      env: req.env,
      cwd: req.cwd,
      hookHost: host,
    });
    return { t: 'answer', exitCode, stdout: stdout.join(''), stderr: stderr.join(''), pid: process.pid };
  };

  /** Reads a claimed call; what is wrong with it as a retry reason. */
  const readCall = (file: string): HookRequest | string => {
    let raw: unknown;
    try {
      raw = readPrivateJson(file, MAX_REQUEST_BYTES);
    } catch (err) {
      return `unreadable request (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`;
    }
    const req = raw as HookRequest;
    if (typeof req !== 'object' || req === null) return 'malformed request';
    if (req.v !== HOOK_PROTOCOL || req.build !== endpoint.build) return 'build';
    if (
      !Array.isArray(req.argv) ||
      req.argv[0] !== 'hook' ||
      !req.argv.every((a) => typeof a === 'string') ||
      typeof req.cwd !== 'string' ||
      typeof req.stdin !== 'string' ||
      typeof req.env !== 'object' ||
      req.env === null
    ) {
      return 'not a hook request';
    }
    return req;
  };

  const take = (id: string): void => {
    const f = spoolFiles(spool, id);
    try {
      fs.renameSync(f.req, f.work); // the claim: the client sees its .req go
    } catch {
      return; // taken back by the client, or by another server
    }
    // The claimed call is removed once answered (one file system call less before the answer).
    const answer = (reply: HookReply): void => {
      writeReply(id, reply);
      unlinkQuietly(f.work);
    };
    const req = readCall(f.work);
    if (typeof req === 'string') {
      if (req !== 'build') log(`refused call ${id}: ${req}`);
      answer({ t: 'retry', reason: req });
      return;
    }
    if (closing) {
      answer({ t: 'retry', reason: 'shutting down' });
      return;
    }
    inFlight++;
    lastRequest = Date.now();
    handle(id, req)
      .catch((e: unknown): HookReply => ({ t: 'retry', reason: `internal error: ${(e as Error).message.split('\n')[0]}` }))
      .then(answer)
      .finally(() => {
        inFlight--;
        lastRequest = Date.now();
      });
  };

  let draining = false;
  let again = false;
  const drain = (): void => {
    if (draining) {
      again = true;
      return;
    }
    draining = true;
    try {
      do {
        again = false;
        let names: string[];
        try {
          names = fs.readdirSync(spool);
        } catch {
          return;
        }
        for (const name of names) {
          if (!name.endsWith('.req')) continue;
          const id = name.slice(0, -4);
          if (CALL_ID.test(id)) take(id);
        }
      } while (again);
    } finally {
      draining = false;
    }
  };

  // Clients nudge the server through the wake pipe. Where there is none
  // (Windows), or once it fails, a watch on the folder sees new calls: only
  // a new call needs a look (answers, temporary files and claims come and go
  // there too); a platform that gives no name gets a look. Not both: a
  // second look at the folder per call would run in the middle of serving it.
  let watcher: fs.FSWatcher | undefined;
  const watchFolder = (): void => {
    if (watcher || closing) return;
    watcher = fs.watch(spool, (_event, name) => {
      if (name === null || String(name).endsWith('.req')) drain();
    });
    watcher.on('error', (err) => log(`spool watch failed: ${err.message}`));
  };
  // A client writes its call's id and a newline into the wake pipe: such a
  // call is claimed at once, without listing the folder. Anything else (a
  // client of another build, a torn or overflowing write) gets a look at the
  // whole folder.
  const WAKE_LOOK_AT_ALL = 32 * 1024;
  const woken = (data: Buffer | string): void => {
    const text = typeof data === 'string' ? data : data.toString('latin1');
    let look = text.length >= WAKE_LOOK_AT_ALL || !text.endsWith('\n');
    let at = 0;
    while (at < text.length) {
      let end = text.indexOf('\n', at);
      if (end < 0) end = text.length;
      const id = text.slice(at, end);
      at = end + 1;
      if (CALL_ID.test(id)) take(id);
      else look = true;
    }
    if (look) drain();
  };
  const wakePipe = openWakePipe(spool, log);
  if (wakePipe) {
    wakePipe.on('data', woken);
    wakePipe.on('error', () => watchFolder());
    wakePipe.on('close', () => watchFolder());
  } else {
    watchFolder();
  }
  const poller = setInterval(drain, 200); // in case a change notification is lost
  writePrivateJson(hookEndpointFile(env), endpoint);
  drain();
  log(`hook server ${process.pid} serving calls in ${spool}`);

  /** Leftovers of clients that died: answers nobody read, temp files, calls never finished. */
  const sweepSpool = (): void => {
    let names: string[];
    try {
      names = fs.readdirSync(spool);
    } catch {
      return;
    }
    const cutoff = Date.now() - 10 * 60_000;
    for (const name of names) {
      if (name.endsWith('.req') || name === path.basename(spoolWakePipe(spool))) continue;
      const file = path.join(spool, name);
      try {
        if (fs.lstatSync(file).mtimeMs < cutoff) fs.unlinkSync(file);
      } catch {
        // gone meanwhile
      }
    }
  };

  const close = async (why = 'closed'): Promise<void> => {
    if (closing) return;
    closing = why;
    clearInterval(ticker);
    clearInterval(poller);
    wakePipe?.destroy();
    watcher?.close();
    drain(); // calls already dropped are answered (with a retry) rather than left waiting
    while (inFlight > 0) await new Promise((r) => setTimeout(r, 20));
    await pool.sweep(0);
    const named = readHookEndpoint(env);
    if (named?.pid === process.pid) unlinkQuietly(hookEndpointFile(env));
    log(`hook server ${process.pid} stopped: ${why}`);
    resolveClosed(why);
  };

  const ticker = setInterval(() => {
    if (!fs.existsSync(dir)) {
      void close('its state directory is gone');
      return;
    }
    const named = readHookEndpoint(env);
    if (named?.pid !== process.pid) {
      void close(named ? `server ${named.pid} took over` : 'its endpoint file is gone');
      return;
    }
    if (inFlight === 0 && Date.now() - lastRequest >= idleMs) {
      void close('idle');
      return;
    }
    sweepSpool();
    void pool.maintain(5 * 60_000, log).then(() => pool.sweep(guardIdleMs));
  }, opts.checkEveryMs ?? Math.min(5000, idleMs));

  return { endpoint, closed, close };
}
