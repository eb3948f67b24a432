/**
 * The warm hook server (`belay serve`): a per-user process that answers hook
 * calls with the policy engine, receipt store and checkpoint store already
 * loaded, so an agent's hook process only starts Node, hands over its
 * document and prints the answer. It runs exactly the in-process hook
 * command (one implementation), listens on a Unix socket (a named pipe on
 * Windows) in the user's private run directory, accepts only requests that
 * carry the token from its 0600 endpoint file and come from the same build,
 * and exits when idle, when another server takes over, or when its state
 * directory goes away.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import { PassThrough, Readable } from 'node:stream';
import { belayHome, canonicalWorkspace } from '../../core/config/paths.ts';
import { ensurePrivateDir, isPidAlive, runDir, writePrivateJson } from '../../core/config/private.ts';
import { Guard } from '../../core/actions/guard.ts';
import type { HookHost } from '../cliTypes.ts';
import { HOOK_PROTOCOL, MAX_REQUEST_BYTES, buildId, hookEndpointFile, hookSocketPath, readHookEndpoint, type HookEndpoint, type HookReply, type HookRequest } from './endpoint.ts';

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

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

function unlinkQuietly(p: string): void {
  try {
    fs.unlinkSync(p);
  } catch {
    // already gone
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
  const endpointPath = hookSocketPath(env, process.pid);
  if (process.platform !== 'win32') unlinkQuietly(endpointPath);
  const endpoint: HookEndpoint = {
    v: HOOK_PROTOCOL,
    pid: process.pid,
    endpoint: endpointPath,
    token: crypto.randomBytes(32).toString('hex'),
    build: buildId(),
    startedAt: new Date().toISOString(),
  };
  const pool = new GuardPool();
  const { run: runHook } = await import('../commands/hook.ts');
  let inFlight = 0;
  let lastRequest = Date.now();
  let closing: string | undefined;
  let resolveClosed: (why: string) => void = () => undefined;
  const closed = new Promise<string>((r) => (resolveClosed = r));

  const handle = async (req: HookRequest, reply: (r: HookReply) => void): Promise<void> => {
    const stdout: string[] = [];
    const stderr: string[] = [];
    const sink = (into: string[]) =>
      new PassThrough().on('data', (c: Buffer | string) => {
        into.push(typeof c === 'string' ? c : c.toString('utf8'));
      });
    const out = sink(stdout);
    const err = sink(stderr);
    const host: HookHost = {
      guard: (workspace, e) => pool.acquire(workspace, e),
      extend: (ms) => reply({ t: 'extend', ms }),
    };
    const exitCode = await runHook(req.argv.slice(1), {
      stdin: Readable.from([req.stdin]),
      stdout: out,
      stderr: err,
      env: req.env,
      cwd: req.cwd,
      hookHost: host,
    });
    reply({ t: 'answer', exitCode, stdout: stdout.join(''), stderr: stderr.join('') });
  };

  const server = net.createServer((socket) => {
    let buffered = '';
    let taken = false;
    socket.setEncoding('utf8');
    const reply = (r: HookReply) => {
      if (!socket.destroyed) socket.write(JSON.stringify(r) + '\n');
    };
    socket.on('error', () => undefined);
    socket.on('data', (chunk: string) => {
      if (taken) return;
      buffered += chunk;
      if (buffered.length > MAX_REQUEST_BYTES) {
        taken = true;
        reply({ t: 'retry', reason: 'request too large' });
        socket.end();
        return;
      }
      const nl = buffered.indexOf('\n');
      if (nl < 0) return;
      taken = true;
      let req: HookRequest;
      try {
        req = JSON.parse(buffered.slice(0, nl)) as HookRequest;
      } catch {
        reply({ t: 'retry', reason: 'malformed request' });
        socket.end();
        return;
      }
      if (typeof req !== 'object' || req === null || typeof req.token !== 'string' || !safeEqual(req.token, endpoint.token)) {
        log('refused a request with a wrong token');
        reply({ t: 'retry', reason: 'unauthorized' });
        socket.end();
        return;
      }
      if (req.v !== HOOK_PROTOCOL || req.build !== endpoint.build) {
        reply({ t: 'retry', reason: 'build' });
        socket.end();
        return;
      }
      if (
        closing ||
        !Array.isArray(req.argv) ||
        req.argv[0] !== 'hook' ||
        !req.argv.every((a) => typeof a === 'string') ||
        typeof req.cwd !== 'string' ||
        typeof req.stdin !== 'string' ||
        typeof req.env !== 'object' ||
        req.env === null
      ) {
        reply({ t: 'retry', reason: closing ? 'shutting down' : 'not a hook request' });
        socket.end();
        return;
      }
      inFlight++;
      lastRequest = Date.now();
      handle(req, reply)
        .catch((e: unknown) => reply({ t: 'retry', reason: `internal error: ${(e as Error).message.split('\n')[0]}` }))
        .finally(() => {
          inFlight--;
          lastRequest = Date.now();
          socket.end();
        });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(endpointPath, () => {
      server.off('error', reject);
      resolve();
    });
  });
  if (process.platform !== 'win32') fs.chmodSync(endpointPath, 0o600);
  writePrivateJson(hookEndpointFile(env), endpoint);
  log(`hook server ${process.pid} listening on ${endpointPath}`);

  const close = async (why = 'closed'): Promise<void> => {
    if (closing) return;
    closing = why;
    clearInterval(ticker);
    await new Promise<void>((r) => server.close(() => r()));
    while (inFlight > 0) await new Promise((r) => setTimeout(r, 20));
    await pool.sweep(0);
    if (process.platform !== 'win32') unlinkQuietly(endpointPath);
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
    void pool.maintain(5 * 60_000, log).then(() => pool.sweep(guardIdleMs));
  }, opts.checkEveryMs ?? Math.min(5000, idleMs));

  return { endpoint, closed, close };
}
