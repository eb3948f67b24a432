import fs from 'node:fs';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import type { Guard } from '../core/actions/guard.ts';

/** The process surface a CLI command may use; injected so tests can run commands in-process. */
export interface CliIO {
  stdin: Readable;
  /** all of standard input, when the caller has it already (the hook server): read instead of `stdin` */
  input?: string;
  stdout: Writable;
  stderr: Writable;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** set when the hook command runs inside the warm hook server */
  hookHost?: HookHost;
}

/**
 * What the warm hook server lends the hook command: workspace guards that
 * stay open between calls, and a way to tell the waiting hook process that
 * its time budget grew (a person is being asked).
 */
export interface HookHost {
  guard(workspace: string, env: NodeJS.ProcessEnv): Promise<{ guard: Guard; release: () => void }>;
  extend(ms: number): void;
}

/**
 * An expected failure: printed as one line `belay: <message>` on stderr with
 * the given exit code, never a stack trace.
 */
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

/** Every command module exports `run(argv, io)` and returns the exit code. */
export type CommandRun = (argv: string[], io: CliIO) => Promise<number>;

/** `--workspace DIR` (default: the current directory), checked to exist. */
export function resolveWorkspace(value: string | undefined, io: CliIO): string {
  const dir = path.resolve(io.cwd, value ?? '.');
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dir);
  } catch {
    throw new CliError(`workspace not found: ${dir}`, 2);
  }
  if (!stat.isDirectory()) throw new CliError(`workspace is not a directory: ${dir}`, 2);
  return dir;
}

/** Reads all of stdin as UTF-8. */
export async function readAll(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/** Reads stdin line by line (for JSON-lines input), skipping blank lines. */
export async function* readLines(stream: Readable): AsyncGenerator<string> {
  let buffered = '';
  for await (const chunk of stream) {
    buffered += typeof chunk === 'string' ? chunk : (chunk as Buffer).toString('utf8');
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl).replace(/\r$/, '');
      buffered = buffered.slice(nl + 1);
      if (line.trim() !== '') yield line;
    }
  }
  if (buffered.trim() !== '') yield buffered.replace(/\r$/, '');
}

export function writeLine(stream: Writable, line: string): void {
  stream.write(line + '\n');
}

export function writeJson(stream: Writable, value: unknown, pretty = false): void {
  stream.write(JSON.stringify(value, null, pretty ? 2 : undefined) + '\n');
}
