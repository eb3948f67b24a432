import { Readable } from 'node:stream';
import { main } from './cli.ts';

/**
 * Runs the `belay` CLI in this process and exits with its code once stdout is
 * flushed (a hook answer is final even if work is still running). `stdin`
 * replaces the process's standard input when the launcher already read it.
 */
export function start(argv: string[], opts: { stdin?: string; env?: NodeJS.ProcessEnv } = {}): void {
  main(argv, {
    stdin: opts.stdin !== undefined ? Readable.from([opts.stdin]) : process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    env: opts.env ?? process.env,
    cwd: process.cwd(),
  }).then(
    (code) => exit(code),
    (err: unknown) => {
      process.stderr.write(`belay: ${err instanceof Error ? err.message : String(err)}\n`);
      exit(1);
    },
  );
}

function exit(code: number): void {
  process.exitCode = code;
  process.stdout.write('', () => process.exit(code));
}
