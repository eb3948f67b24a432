/**
 * What both halves of the shipped launcher use (see launcher.ts): writing to
 * standard output and error without building the process's streams, and
 * handing a command to the full CLI.
 */
import { writeSync } from 'node:fs';

/** Writes to stdout (1) or stderr (2) without building the process's stream objects. */
export function write(fd: 1 | 2, text: string): void {
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

/** Runs the full CLI (dist/belay-cli.js) for `argv`. */
export function loadCli(argv: string[], opts: { stdin?: string; env?: NodeJS.ProcessEnv } = {}): void {
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
