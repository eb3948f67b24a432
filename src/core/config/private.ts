/**
 * Files and folders only this user may touch: the per-user run directory of
 * Belay's local servers (approvals, hooks), their endpoint files and sockets.
 * No dependencies beyond Node, so the small hook client can use it too.
 */
import { createHash } from 'node:crypto';
import { type Stats, chmodSync, closeSync, constants as fsConstants, fstatSync, lstatSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { belayHome, joinName } from './paths.ts';

const isWindows = process.platform === 'win32';

/**
 * Longest Unix socket path we bind: `sun_path` holds 108 bytes on Linux and
 * 104 on macOS and the BSDs, including the terminating NUL.
 */
export const MAX_SOCKET_PATH = 100;

/** The per-user directory holding endpoint files and sockets of Belay's local servers. */
export function runDir(env: NodeJS.ProcessEnv = process.env): string {
  return joinName(belayHome(env), 'run');
}

export function currentUid(): number | undefined {
  return typeof process.getuid === 'function' ? process.getuid() : undefined;
}

/**
 * Checks that `dir` is a real directory (not a symlink), owned by this user,
 * with no permission bits for group or others. Returns what is wrong, or
 * undefined. Always fine on Windows, where the user profile's ACLs apply.
 */
export function privateDirProblem(dir: string): string | undefined {
  if (isWindows) return undefined;
  let st: Stats;
  try {
    st = lstatSync(dir);
  } catch (err) {
    return `${dir} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`;
  }
  if (st.isSymbolicLink()) return `${dir} is a symbolic link`;
  if (!st.isDirectory()) return `${dir} is not a directory`;
  const uid = currentUid();
  if (uid !== undefined && st.uid !== uid) return `${dir} belongs to uid ${st.uid}, not to this user (uid ${uid})`;
  if ((st.mode & 0o077) !== 0) return `${dir} is open to other users (mode ${(st.mode & 0o777).toString(8)})`;
  return undefined;
}

/**
 * Creates `dir` (mode 0700) or tightens an existing one the user owns; throws
 * when it is a symlink, not a directory or someone else's.
 */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (isWindows) return;
  const st = lstatSync(dir);
  if (st.isSymbolicLink() || !st.isDirectory()) throw new Error(`${dir} must be a directory, not a link or a file`);
  const uid = currentUid();
  if (uid !== undefined && st.uid !== uid) throw new Error(`${dir} belongs to uid ${st.uid}, not to this user (uid ${uid})`);
  if ((st.mode & 0o077) !== 0) chmodSync(dir, 0o700);
  const problem = privateDirProblem(dir);
  if (problem) throw new Error(problem);
}

/** A short per-user, per-state-dir tag for names in shared namespaces (named pipes, /tmp). */
export function userTag(env: NodeJS.ProcessEnv): string {
  let user = '';
  try {
    user = process.getBuiltinModule('node:os').userInfo().username; // (loaded only here: see belayHome)
  } catch {
    user = env.USERNAME ?? env.USER ?? '';
  }
  return createHash('sha256').update(`${user}\0${currentUid() ?? ''}\0${belayHome(env)}`).digest('hex').slice(0, 16);
}

/** Whether a process with this pid exists (EPERM: it exists but is someone else's). */
export function isPidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Checks, before a token is sent, that a Unix socket endpoint is a socket
 * owned by this user in a private directory. Returns what is wrong, or undefined.
 */
export function socketProblem(endpoint: string): string | undefined {
  if (isWindows) return undefined;
  const dirProblem = privateDirProblem(dirname(endpoint));
  if (dirProblem) return dirProblem;
  let st: Stats;
  try {
    st = lstatSync(endpoint);
  } catch (err) {
    return `${endpoint} is gone (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`;
  }
  if (!st.isSocket()) return `${endpoint} is not a socket`;
  const uid = currentUid();
  if (uid !== undefined && st.uid !== uid) return `${endpoint} belongs to uid ${st.uid}`;
  return undefined;
}

/**
 * Reads a small JSON file only this user can have written: a regular file
 * (no symlink) owned by the user with no group/other bits. Throws with what
 * is wrong (the message does not repeat the file's name).
 */
export function readPrivateJson(file: string, maxBytes = 64 * 1024): unknown {
  let fd: number | undefined;
  try {
    fd = openSync(file, fsConstants.O_RDONLY | (fsConstants.O_NOFOLLOW ?? 0));
    const st = fstatSync(fd);
    if (!st.isFile()) throw new Error('not a regular file');
    if (!isWindows) {
      const uid = currentUid();
      if (uid !== undefined && st.uid !== uid) throw new Error(`owned by uid ${st.uid}`);
      if ((st.mode & 0o077) !== 0) throw new Error(`mode ${(st.mode & 0o777).toString(8)} is open to other users`);
    }
    if (st.size > maxBytes) throw new Error('too large');
    return JSON.parse(readFileSync(fd, 'utf8'));
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Writes a JSON file atomically with mode 0600, through `tmp` (default: a name of this process's beside it). */
export function writePrivateJson(file: string, data: unknown, tmp = `${file}.${process.pid}.tmp`): void {
  writeFileSync(tmp, JSON.stringify(data, null, 2) + '\n', { mode: 0o600, flag: 'w' });
  if (!isWindows) chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}
