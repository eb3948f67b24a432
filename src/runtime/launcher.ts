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
 * Everything this file reaches imports Node's built-ins by name
 * (`import { readFileSync } from 'node:fs'`): a default import is bundled
 * through a helper that copies every export of the module at start, about
 * 2 ms for the built-ins this file needs (a test checks the bundle); node:os
 * (0.4 ms to load), node:module (0.2 ms) and node:child_process are loaded
 * only where they are needed, and the common path joins its file names
 * without node:path (its first call costs a few tenths of a millisecond).
 */
import { mkdirSync, readFileSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { callHookServer } from './hookServer/client.ts';
import { hookEndpointFile } from './hookServer/endpoint.ts';
import { failClosedAnswer } from './hooks/answers.ts';
import { hookBudgetMs, hookDialect } from './hooks/dialects.ts';
import type { Dialect } from '../core/policy/action.ts';

function loadCli(argv: string[], opts: { stdin?: string; env?: NodeJS.ProcessEnv } = {}): void {
  // (node:module is loaded only here: requiring it costs a hook process about 0.2 ms)
  const { createRequire, enableCompileCache } = process.getBuiltinModule('node:module');
  // The compile cache pays off for the 2 MB CLI, not for this small file.
  try {
    enableCompileCache?.();
  } catch {
    // an old Node without the compile cache
  }
  const req = createRequire(__filename);
  (req('./belay-cli.js') as { start: (argv: string[], opts: { stdin?: string; env?: NodeJS.ProcessEnv }) => void }).start(argv, opts);
}

/**
 * Reads all of standard input. A blocking read of fd 0 costs far less than
 * building process.stdin (a stream and a socket); a non-blocking descriptor
 * (EAGAIN) falls back to the stream.
 */
function readStdin(): Promise<string> {
  try {
    return Promise.resolve(readFileSync(0, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') return Promise.reject(err as Error);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    process.stdin.on('data', (c: Buffer) => chunks.push(c));
    process.stdin.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    process.stdin.on('error', reject);
  });
}

/** Starts `belay serve` detached, at most once every few seconds per state directory. */
function startServer(env: NodeJS.ProcessEnv): void {
  try {
    const marker = `${hookEndpointFile(env)}.starting`;
    try {
      if (Date.now() - statSync(marker).mtimeMs < 10_000) return;
    } catch {
      // no recent start
    }
    try {
      mkdirSync(dirname(marker), { recursive: true, mode: 0o700 });
      writeFileSync(marker, String(process.pid), { mode: 0o600 });
    } catch {
      return;
    }
    // loaded here, not at start: only the call that starts a server pays for it
    const { spawn } = process.getBuiltinModule('node:child_process');
    const child = spawn(process.execPath, [__filename, 'serve', '--quiet'], {
      detached: true,
      stdio: 'ignore',
      env,
      cwd: dirname(marker),
      windowsHide: true,
    });
    child.on('error', () => undefined);
    child.unref();
  } catch {
    // the hook still answers in-process
  }
}

/** Writes to stdout (1) or stderr (2) without building the process's stream objects. */
function write(fd: 1 | 2, text: string): void {
  let buf = Buffer.from(text, 'utf8');
  while (buf.length > 0) {
    try {
      const n = writeSync(fd, buf);
      buf = buf.subarray(n);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
    }
  }
}

async function hook(argv: string[]): Promise<void> {
  const env = process.env;
  const started = Date.now();
  const budget = hookBudgetMs(env);
  const stdin = await readStdin();
  const result = callHookServer({ argv, stdin, env, cwd: process.cwd(), budgetMs: budget + 1000 });
  const trace = env.BELAY_HOOK_TRACE === '1' ? (line: string) => write(2, `belay: ${line}\n`) : () => undefined;
  if (result.kind === 'answer') {
    trace(`answered by the hook server (pid ${result.pid})`);
    write(2, result.stderr);
    write(1, result.stdout);
    process.exit(result.exitCode);
  }
  if (result.kind === 'timeout') {
    trace('the hook server did not answer within the budget');
    const a = failClosedAnswer(argv[1] as Dialect, 'belay.timeout', 'Belay could not decide within its time budget; denied to stay safe');
    write(2, a.stderr);
    write(1, a.stdout);
    process.exit(a.exitCode);
  }
  trace(`decided in-process: ${result.reason}`);
  if (result.start && env.BELAY_HOOK_SERVER !== 'manual') startServer(env);
  // Decide in-process within what is left of the budget.
  const left = Math.max(1000, budget - (Date.now() - started));
  loadCli(argv, { stdin, env: { ...env, BELAY_HOOK_BUDGET_MS: String(left) } });
}

const argv = process.argv.slice(2);
if (argv[0] === 'hook' && hookDialect(argv[1]) && process.env.BELAY_HOOK_SERVER !== 'off') {
  hook(argv).catch(() => loadCli(argv));
} else {
  loadCli(argv);
}
