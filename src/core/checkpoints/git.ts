import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { simpleGit, type SimpleGit } from 'simple-git';

/**
 * Running git against the shadow store.
 *
 * Every call gets a clean environment: inherited GIT_* variables (a hook may
 * run inside the user's own `git commit`, with GIT_DIR / GIT_INDEX_FILE set)
 * are dropped, system and global config are not read (no user hooks,
 * fsmonitor hooks, filters, textconv drivers or signing), and GIT_DIR,
 * GIT_WORK_TREE and GIT_INDEX_FILE always name the store, so git never looks
 * at the user's repository while working for the store.
 *
 * Hot paths spawn git directly: they feed stdin (update-index --stdin,
 * cat-file --batch) and must not pay simple-git's fixed settle delay after
 * commands that print nothing. Maintenance commands (init, config, repack,
 * prune) go through simple-git.
 */

export interface GitContext {
  /** the shadow store (GIT_DIR) */
  gitDir: string;
  /** GIT_WORK_TREE; undefined for object-only commands */
  workTree?: string;
  /** GIT_INDEX_FILE; undefined for object-only commands */
  indexFile?: string;
  /**
   * Object folders of the user's repository to read from
   * (GIT_ALTERNATE_OBJECT_DIRECTORIES). Given only to commands that read
   * objects: a command that writes objects with alternates visible would
   * "freshen" (touch the mtime of) the user's object files.
   */
  borrow?: string[];
}

/** The context of commands that look at the workspace: never borrowing objects. */
export interface WorkContext {
  gitDir: string;
  workTree: string;
  indexFile: string;
}

export class GitCommandError extends Error {
  readonly args: string[];
  readonly exitCode: number | null;
  readonly stderr: string;
  constructor(args: string[], exitCode: number | null, stderr: string) {
    super(`git ${args.slice(0, 3).join(' ')} failed (${exitCode ?? 'signal'}): ${stderr.trim().split('\n').slice(-3).join(' | ') || 'no output'}`);
    this.name = 'GitCommandError';
    this.args = args;
    this.exitCode = exitCode;
    this.stderr = stderr;
  }
}

/** Config every store command runs with, whatever the store's own config file says. */
const FORCED_CONFIG: Array<[string, string]> = [
  ['core.hooksPath', '/dev/null'],
  ['core.fsmonitor', 'false'],
  ['core.autocrlf', 'false'],
  ['core.safecrlf', 'false'],
  ['core.quotePath', 'false'],
  ['core.sparseCheckout', 'false'],
  ['gc.auto', '0'],
  ['maintenance.auto', 'false'],
  ['commit.gpgSign', 'false'],
  ['diff.external', ''],
  ['advice.detachedHead', 'false'],
  ['status.showUntrackedFiles', 'all'],
];

const STRIPPED_ENV = new Set(['EDITOR', 'VISUAL', 'PAGER', 'SSH_ASKPASS', 'SSH_ASKPASS_REQUIRE']);

const launches = new Map<string, number>();

/**
 * How many git commands this process has prepared for the store at `gitDir`
 * (every store command gets its environment from gitEnv): a lock holder that
 * ran none cannot have left a git lock file behind.
 */
export function gitLaunches(gitDir: string): number {
  return launches.get(gitDir) ?? 0;
}

export function gitEnv(ctx: GitContext, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  launches.set(ctx.gitDir, (launches.get(ctx.gitDir) ?? 0) + 1);
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(base)) {
    const key = k.toUpperCase();
    // The store never runs an editor, pager or askpass; the user's choices
    // (npm and many shells export EDITOR) would only make simple-git refuse.
    if (key.startsWith('GIT_') || STRIPPED_ENV.has(key)) continue;
    env[k] = v;
  }
  env.GIT_DIR = ctx.gitDir;
  if (ctx.workTree !== undefined) env.GIT_WORK_TREE = ctx.workTree;
  if (ctx.indexFile !== undefined) env.GIT_INDEX_FILE = ctx.indexFile;
  if (ctx.borrow && ctx.borrow.length > 0) env.GIT_ALTERNATE_OBJECT_DIRECTORIES = ctx.borrow.join(':');
  env.GIT_CONFIG_NOSYSTEM = '1';
  env.GIT_CONFIG_GLOBAL = '/dev/null';
  env.GIT_TERMINAL_PROMPT = '0';
  env.LC_ALL = 'C';
  env.GIT_CONFIG_COUNT = String(FORCED_CONFIG.length);
  FORCED_CONFIG.forEach(([k, v], i) => {
    env[`GIT_CONFIG_KEY_${i}`] = k;
    env[`GIT_CONFIG_VALUE_${i}`] = v;
  });
  return env;
}

export interface RunOptions {
  input?: string | Buffer;
  /** exit codes that are not failures (default [0]) */
  okCodes?: number[];
  /** extra environment (e.g. GIT_OPTIONAL_LOCKS=1 for status' index refresh) */
  env?: Record<string, string>;
  cwd?: string;
}

export interface RunResult {
  stdout: Buffer;
  stderr: string;
  code: number;
}

/** Runs one git command in the store context; rejects with GitCommandError on failure. */
export function runGit(ctx: GitContext, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, {
      cwd: opts.cwd ?? ctx.workTree ?? ctx.gitDir,
      env: { ...gitEnv(ctx), ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.stdin.on('error', () => {
      /* git may exit before reading all input; the exit code tells */
    });
    child.on('close', (code) => {
      const stderr = Buffer.concat(err).toString('utf8');
      const ok = opts.okCodes ?? [0];
      if (code === null || !ok.includes(code)) reject(new GitCommandError(args, code, stderr));
      else resolve({ stdout: Buffer.concat(out), stderr, code });
    });
    if (opts.input !== undefined) child.stdin.end(opts.input);
    else child.stdin.end();
  });
}

export async function gitText(ctx: GitContext, args: string[], opts: RunOptions = {}): Promise<string> {
  return (await runGit(ctx, args, opts)).stdout.toString('utf8');
}

/** The object folders a store borrows from (see GitContext.borrow). */
export const BORROW_FILE = 'belay-borrow';

export function readBorrow(gitDir: string): string[] {
  try {
    return fs
      .readFileSync(path.join(gitDir, BORROW_FILE), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && fs.existsSync(l));
  } catch {
    return [];
  }
}

/** Splits NUL-terminated output (`-z`) into records. */
export function splitZ(buf: Buffer | string): string[] {
  const s = typeof buf === 'string' ? buf : buf.toString('utf8');
  const parts = s.split('\0');
  if (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts;
}

/** simple-git bound to the store, for maintenance commands where latency does not matter. */
export function storeGit(ctx: GitContext): SimpleGit {
  const env = gitEnv(ctx);
  return simpleGit({
    baseDir: ctx.gitDir,
    allowEnvironment: Object.keys(env).filter((k) => k.toUpperCase().startsWith('GIT_')),
    // The store's environment sets config through GIT_CONFIG_* to switch
    // hooks, fsmonitor and external diff *off*; simple-git's guard cannot
    // tell that from switching them on, so it is told these are intended.
    unsafe: {
      allowUnsafeConfigPaths: true,
      allowUnsafeConfigEnvCount: true,
      allowUnsafeHooksPath: true,
      allowUnsafeFsMonitor: true,
      allowUnsafeDiffExternal: true,
    },
  }).env(env);
}
