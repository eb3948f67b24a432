import { spawn } from 'node:child_process';
import type { ChildProcess, SpawnOptions } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { ApprovalRequest, ApprovalAnswer } from '../../../../src/core/approvals/protocol.ts';
import type { ApprovalServerEvent } from '../../../../src/core/approvals/server.ts';

export const ASK_CLIENT = path.join(import.meta.dirname, 'fixtures', 'askClient.ts');
export const SERVE_WINDOW = path.join(import.meta.dirname, 'fixtures', 'serveWindow.ts');

export interface WindowProcess {
  endpoint: string;
  endpointFile: string;
  id: string;
  pid: number;
  child: ChildProcess;
  /** closes the server cleanly (stdin end) and waits for the process */
  close(): Promise<void>;
}

/** Starts an approval server in another process, as another VS Code window would. */
export function startWindowProcess(env: NodeJS.ProcessEnv, name: string, folders: string[], limitMs = 10_000): Promise<WindowProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SERVE_WINDOW], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    process.on('exit', () => child.kill('SIGKILL'));
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`window process did not start; stderr: ${err}`));
    }, limitMs);
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl === -1) return;
      clearTimeout(timer);
      const info = JSON.parse(out.slice(0, nl)) as Omit<WindowProcess, 'child' | 'close'>;
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      resolve({
        ...info,
        child,
        close: async () => {
          child.stdin!.end();
          const t = setTimeout(() => child.kill('SIGKILL'), limitMs);
          await exited;
          clearTimeout(t);
        },
      });
    });
    child.on('error', reject);
    child.stdin!.write(JSON.stringify({ name, folders }) + '\n');
  });
}

/**
 * A temp root (mode 0755, so another user could traverse it and only Belay's
 * own modes keep them out) with BELAY_HOME inside; removed at exit.
 */
export function tempBelay(): { root: string; home: string; env: NodeJS.ProcessEnv } {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'bap-')));
  fs.chmodSync(root, 0o755);
  process.on('exit', () => fs.rmSync(root, { recursive: true, force: true }));
  const home = path.join(root, 'belay');
  return { root, home, env: { ...process.env, BELAY_HOME: home } };
}

/** A workspace folder under `root`. */
export function workspace(root: string, name: string): string {
  const dir = path.join(root, name);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

export function sampleRequest(ws: string, extra: Partial<ApprovalRequest> = {}): Omit<ApprovalRequest, 'id'> {
  return {
    workspace: ws,
    agent: 'claude-code',
    tool: 'Bash',
    summary: 'rm -rf build',
    detail: 'rm -rf build',
    rule: 'ask-destructive-shell',
    reason: 'deleting files needs a person',
    timeoutMs: 5000,
    ...extra,
  };
}

export interface ClientRun {
  result: ApprovalAnswer & { via?: string };
  ms: number;
  code: number | null;
  stderr: string;
}

/** Runs requestApproval in a child process (a real hook process); bounded by `limitMs`. */
export function runClient(
  env: NodeJS.ProcessEnv,
  req: Omit<ApprovalRequest, 'id'>,
  opts: Record<string, number> = {},
  spawnOpts: SpawnOptions & { execPath?: string; limitMs?: number; onSpawn?: (pid: number) => void } = {},
): Promise<ClientRun> {
  const { execPath = process.execPath, limitMs = 20_000, onSpawn, ...rest } = spawnOpts;
  return new Promise((resolve, reject) => {
    const child = spawn(execPath, [ASK_CLIENT], { env, stdio: ['pipe', 'pipe', 'pipe'], ...rest });
    child.stdin!.on('error', () => {});
    child.stdin!.end(JSON.stringify({ req, opts }));
    if (child.pid) onSpawn?.(child.pid);
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const kill = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`client did not finish within ${limitMs} ms; stderr: ${err}`));
    }, limitMs);
    child.on('error', (e) => {
      clearTimeout(kill);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(kill);
      const line = out.trim().split('\n').pop() ?? '';
      try {
        const parsed = JSON.parse(line) as { result: ClientRun['result']; ms: number };
        resolve({ ...parsed, code, stderr: err });
      } catch {
        reject(new Error(`client printed no result (exit ${code}); stdout: ${out}; stderr: ${err}`));
      }
    });
  });
}

/** Sends raw bytes to an endpoint from this process; resolves with the reply lines once the server closes. */
export function rawExchange(endpoint: string, payload: string | Buffer | undefined, limitMs = 5000, end = false): Promise<{ lines: unknown[]; error?: string }> {
  return new Promise((resolve) => {
    const sock = net.createConnection({ path: endpoint });
    let buf = '';
    let error: string | undefined;
    const timer = setTimeout(() => {
      error = 'timeout';
      sock.destroy();
    }, limitMs);
    sock.on('connect', () => {
      if (payload !== undefined) sock.write(payload);
      if (end) sock.end();
    });
    sock.on('data', (d: Buffer) => (buf += d.toString()));
    sock.on('error', (e: NodeJS.ErrnoException) => (error = e.code ?? e.message));
    sock.on('close', () => {
      clearTimeout(timer);
      const lines = buf
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => {
          try {
            return JSON.parse(l) as unknown;
          } catch {
            return l;
          }
        });
      resolve({ lines, error });
    });
  });
}

/** Collects server events; `waitFor` resolves when one matches (bounded). */
export function eventLog(): { events: ApprovalServerEvent[]; onEvent: (e: ApprovalServerEvent) => void; waitFor: (pred: (e: ApprovalServerEvent) => boolean, limitMs?: number) => Promise<ApprovalServerEvent> } {
  const events: ApprovalServerEvent[] = [];
  const waiters: { pred: (e: ApprovalServerEvent) => boolean; resolve: (e: ApprovalServerEvent) => void }[] = [];
  return {
    events,
    onEvent: (e) => {
      events.push(e);
      for (const w of [...waiters]) {
        if (w.pred(e)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(e);
        }
      }
    },
    waitFor: (pred, limitMs = 10_000) => {
      const found = events.find(pred);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('event did not happen in time')), limitMs);
        waiters.push({ pred, resolve: (e) => (clearTimeout(timer), resolve(e)) });
      });
    },
  };
}

/** Resolves when `signal` aborts (bounded). */
export function aborted(signal: AbortSignal, limitMs = 10_000): Promise<unknown> {
  if (signal.aborted) return Promise.resolve(signal.reason);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('signal did not abort in time')), limitMs);
    signal.addEventListener('abort', () => (clearTimeout(timer), resolve(signal.reason)), { once: true });
  });
}

/** A promise with its resolve function (lib ES2023 has no Promise.withResolvers). */
export function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}
