/**
 * dist/belay-hook.js: the shipped launcher's general path (see launcher.ts),
 * loaded only when the common path does not apply or does not get its answer
 * at once: any platform and state directory, a server found through its
 * endpoint file, a server that declines, is gone or takes long, and deciding
 * in-process (starting a server for the next call). A file of its own, so a
 * hook process on the common path does not parse it.
 */
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { awaitReply, callHookServer, type HookCallResult } from './hookServer/client.ts';
import { hookEndpointFile } from './hookServer/endpoint.ts';
import { failClosedAnswer } from './hooks/answers.ts';
import { hookBudgetMs } from './hooks/dialects.ts';
import { loadCli, write } from './launcherIo.ts';
import type { Dialect } from '../core/policy/action.ts';

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
    // (the launcher, dist/belay.js, beside this file)
    const child = spawn(process.execPath, [join(dirname(__filename), 'belay.js'), 'serve', '--quiet'], {
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

/** The call, read from a non-blocking standard input. */
export async function hookFromStream(argv: string[], started: number): Promise<void> {
  handOver(argv, await readStdin(), started);
}

/** The call, through callHookServer. */
export function handOver(argv: string[], stdin: string, started: number): void {
  const env = process.env;
  const budget = hookBudgetMs(env);
  finish(argv, stdin, started, callHookServer({ argv, stdin, env, cwd: process.cwd(), budgetMs: budget + 1000 }));
}

/** A call the common path handed over already, waited for as callHookServer would. */
export function awaitHandedOver(argv: string[], stdin: string, started: number, f: { req: string; ext: string; out: string }, budgetMs: number): void {
  finish(argv, stdin, started, awaitReply(f, { env: process.env, budgetMs }, undefined, started));
}

/** Prints the server's answer, or the fail-closed deny of a timeout, or decides in-process. */
function finish(argv: string[], stdin: string, started: number, result: HookCallResult): void {
  const env = process.env;
  const budget = hookBudgetMs(env);
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
