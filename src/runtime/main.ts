import module from 'node:module';
import { main } from './cli.ts';

// Entry of the `belay` CLI (bundled to dist/belay-cli.js and loaded by the
// dist/belay.js launcher, which turns the compile cache on first). Running
// from sources, the cache still serves the modules loaded after this one.
module.enableCompileCache?.();

main(process.argv.slice(2), {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
}).then(
  (code) => exit(code),
  (err: unknown) => {
    process.stderr.write(`belay: ${err instanceof Error ? err.message : String(err)}\n`);
    exit(1);
  },
);

/** Exits once stdout is flushed: a hook answer is final even if work is still running. */
function exit(code: number): void {
  process.exitCode = code;
  process.stdout.write('', () => process.exit(code));
}
