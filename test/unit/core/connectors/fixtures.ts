import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from '../../../support/fixtures.ts';
import type { ConnectEnv } from '../../../../src/core/connectors/connect.ts';

/**
 * A stand-in for Belay's CLI (a test double: the real `belay hook` is another
 * module's work): it records its arguments, stdin and the environment
 * variables that matter into $STUB_RECORD, then answers what $STUB_STDOUT and
 * $STUB_EXIT say.
 */
const STUB = `import fs from 'node:fs';
const chunks = [];
for await (const c of process.stdin) chunks.push(c);
const record = { argv: process.argv.slice(2), stdin: Buffer.concat(chunks).toString('utf8'), electronRunAsNode: process.env.ELECTRON_RUN_AS_NODE ?? null };
if (process.env.STUB_RECORD) fs.appendFileSync(process.env.STUB_RECORD, JSON.stringify(record) + '\\n');
if (process.env.STUB_STDOUT) process.stdout.write(process.env.STUB_STDOUT);
if (process.env.STUB_STDERR) process.stderr.write(process.env.STUB_STDERR);
process.exitCode = Number(process.env.STUB_EXIT ?? 0);
`;

export interface Sandbox {
  workspace: string;
  home: string;
  /** a folder whose name holds a space, a single quote and a dollar sign */
  awkward: string;
  env: ConnectEnv;
  /** where the stub CLI records its calls */
  record: string;
}

/**
 * A workspace, a HOME, and a runtime and CLI at paths with spaces, quotes and
 * `$` in them (the runtime is a symlink to this Node), so quoting is tested
 * for real.
 */
export function sandbox(): Sandbox {
  const root = tempDir('connect');
  const workspace = path.join(root, 'my project');
  const home = path.join(root, 'home');
  const awkward = path.join(root, "it's a $HOME dir");
  fs.mkdirSync(workspace, { recursive: true });
  fs.mkdirSync(home, { recursive: true });
  fs.mkdirSync(awkward, { recursive: true });
  const runtime = path.join(awkward, 'node runtime');
  fs.symlinkSync(process.execPath, runtime);
  const cli = path.join(awkward, 'belay "stub".mjs');
  fs.writeFileSync(cli, STUB);
  return { workspace, home, awkward, env: { workspace, home, command: { runtime, cli }, platform: 'linux' }, record: path.join(root, 'calls.jsonl') };
}

export function readRecords(file: string): Array<{ argv: string[]; stdin: string; electronRunAsNode: string | null }> {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l));
}

/** Runs a hook command as the agents on Linux and macOS do: `<shell> -c <command>` with the hook document on stdin. */
export function runLikeAgent(shell: 'sh' | 'bash', command: string, input: string, env: NodeJS.ProcessEnv, cwd: string) {
  const r = spawnSync(shell, ['-c', command], { input, env, cwd, encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function write(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
}

export function read(file: string): string | undefined {
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;
}
