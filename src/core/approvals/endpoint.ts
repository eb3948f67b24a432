/**
 * Where approval servers live and how clients find them: one endpoint file per
 * VS Code window in `<belayHome>/run/` (a directory of mode 0700 owned by the
 * user), each naming its socket (or named pipe), its bearer token, its owning
 * pid and the workspaces it serves.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { belayHome, canonicalWorkspace } from '../config/paths.ts';
import { PROTOCOL_VERSION, describeIssues, endpointFileSchema } from './protocol.ts';
import type { EndpointFile } from './protocol.ts';

const isWindows = process.platform === 'win32';

/** `approvals-<pid>-<id>.json|.sock|.json.tmp` */
const ENTRY = /^approvals-(\d+)-([0-9a-f]{8,64})\.(json|sock|json\.tmp)$/;

/**
 * Longest Unix socket path we bind: `sun_path` holds 108 bytes on Linux and
 * 104 on macOS and the BSDs, including the terminating NUL.
 */
const MAX_SOCKET_PATH = 100;

/** The per-user directory holding endpoint files and sockets. */
export function approvalsRunDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(belayHome(env), 'run');
}

export function endpointFileName(pid: number, id: string): string {
  return `approvals-${pid}-${id}.json`;
}

function currentUid(): number | undefined {
  return typeof process.getuid === 'function' ? process.getuid() : undefined;
}

/**
 * Checks that `dir` is a real directory (not a symlink), owned by this user,
 * with no permission bits for group or others. Returns what is wrong, or
 * undefined. Always fine on Windows, where the user profile's ACLs apply.
 */
export function privateDirProblem(dir: string): string | undefined {
  if (isWindows) return undefined;
  let st: fs.Stats;
  try {
    st = fs.lstatSync(dir);
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
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (isWindows) return;
  const st = fs.lstatSync(dir);
  if (st.isSymbolicLink() || !st.isDirectory()) throw new Error(`${dir} must be a directory, not a link or a file`);
  const uid = currentUid();
  if (uid !== undefined && st.uid !== uid) throw new Error(`${dir} belongs to uid ${st.uid}, not to this user (uid ${uid})`);
  if ((st.mode & 0o077) !== 0) fs.chmodSync(dir, 0o700);
  const problem = privateDirProblem(dir);
  if (problem) throw new Error(problem);
}

/** A short per-user, per-state-dir tag for names in shared namespaces (named pipes, /tmp). */
function userTag(env: NodeJS.ProcessEnv): string {
  let user = '';
  try {
    user = os.userInfo().username;
  } catch {
    user = env.USERNAME ?? env.USER ?? '';
  }
  return crypto.createHash('sha256').update(`${user}\0${currentUid() ?? ''}\0${belayHome(env)}`).digest('hex').slice(0, 16);
}

/**
 * Where a server with this pid and id listens. Unix: `<run>/approvals-<pid>-<id>.sock`;
 * when that path is too long for a socket address, a 0700 directory
 * `<tmpdir>/belay-<uid>/` owned by the user instead. Windows: a named pipe
 * whose name carries a per-user hash and the server's random id.
 */
export function socketPathFor(env: NodeJS.ProcessEnv, pid: number, id: string): string {
  if (isWindows) return `\\\\.\\pipe\\belay-approvals-${userTag(env)}-${pid}-${id}`;
  const inRun = path.join(approvalsRunDir(env), `approvals-${pid}-${id}.sock`);
  if (Buffer.byteLength(inRun) <= MAX_SOCKET_PATH) return inRun;
  const dir = path.join(os.tmpdir(), `belay-${currentUid() ?? 'user'}`);
  ensurePrivateDir(dir);
  const short = path.join(dir, `${userTag(env).slice(0, 8)}-${pid}-${id}.sock`);
  if (Buffer.byteLength(short) > MAX_SOCKET_PATH) throw new Error(`no socket path short enough for ${inRun}`);
  return short;
}

/** Is `endpoint` one of the places `socketPathFor` may choose for this pid and id? */
function isOwnSocketPath(env: NodeJS.ProcessEnv, endpoint: string, pid: number, id: string): boolean {
  if (isWindows) return false;
  const inRun = path.join(approvalsRunDir(env), `approvals-${pid}-${id}.sock`);
  const inTmp = path.join(os.tmpdir(), `belay-${currentUid() ?? 'user'}`, `${userTag(env).slice(0, 8)}-${pid}-${id}.sock`);
  return endpoint === inRun || endpoint === inTmp;
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

/** Writes an endpoint file atomically with mode 0600. */
export function writeEndpointFile(file: string, data: EndpointFile): void {
  const tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(data, null, 2) + '\n', { mode: 0o600, flag: 'w' });
  if (!isWindows) fs.chmodSync(tmp, 0o600);
  fs.renameSync(tmp, file);
}

function unlinkQuietly(p: string): void {
  try {
    fs.unlinkSync(p);
  } catch {
    // already gone
  }
}

/**
 * Removes the endpoint files, temp files and sockets of servers whose process
 * is gone (a window that crashed or was killed). Returns what was removed.
 */
export function removeStaleEndpoints(env: NodeJS.ProcessEnv = process.env): string[] {
  const dir = approvalsRunDir(env);
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const m = ENTRY.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid === process.pid || isPidAlive(pid)) continue;
    const full = path.join(dir, name);
    if (m[3] === 'json') {
      // its socket may live in the /tmp fallback directory
      try {
        const parsed = endpointFileSchema.safeParse(JSON.parse(fs.readFileSync(full, 'utf8')));
        if (parsed.success && isOwnSocketPath(env, parsed.data.endpoint, pid, m[2]!)) {
          unlinkQuietly(parsed.data.endpoint);
          removed.push(parsed.data.endpoint);
        }
      } catch {
        // unreadable: the file itself still goes
      }
    }
    unlinkQuietly(full);
    removed.push(full);
  }
  return removed;
}

export interface ListedEndpoint {
  file: string;
  info: EndpointFile;
}

export interface EndpointListing {
  /** endpoint files of live processes that passed every check */
  live: ListedEndpoint[];
  /** endpoint files whose process is gone */
  stale: string[];
  /** files skipped because they are unsafe or malformed, with why */
  skipped: string[];
  /** the run directory itself is missing or unsafe */
  dirProblem?: string;
}

/**
 * Reads every endpoint file in the run directory. Files that are not plain
 * files owned by this user with mode 0600 (or tighter), or that do not parse,
 * are skipped: the client never sends its token to an endpoint it cannot
 * trust. Nothing is deleted here.
 */
export function listEndpoints(env: NodeJS.ProcessEnv = process.env): EndpointListing {
  const dir = approvalsRunDir(env);
  const out: EndpointListing = { live: [], stale: [], skipped: [] };
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (err) {
    out.dirProblem = (err as NodeJS.ErrnoException).code === 'ENOENT' ? `${dir} does not exist` : `${dir} cannot be read (${(err as Error).message})`;
    return out;
  }
  const problem = privateDirProblem(dir);
  if (problem) {
    out.dirProblem = problem;
    return out;
  }
  const uid = currentUid();
  for (const name of names.sort()) {
    const m = ENTRY.exec(name);
    if (!m || m[3] !== 'json') continue;
    const file = path.join(dir, name);
    const pid = Number(m[1]);
    if (!isPidAlive(pid)) {
      out.stale.push(file);
      continue;
    }
    let fd: number | undefined;
    try {
      fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0));
      const st = fs.fstatSync(fd);
      if (!st.isFile()) throw new Error('not a regular file');
      if (!isWindows) {
        if (uid !== undefined && st.uid !== uid) throw new Error(`owned by uid ${st.uid}`);
        if ((st.mode & 0o077) !== 0) throw new Error(`mode ${(st.mode & 0o777).toString(8)} is open to other users`);
      }
      if (st.size > 64 * 1024) throw new Error('too large');
      const parsed = endpointFileSchema.safeParse(JSON.parse(fs.readFileSync(fd, 'utf8')));
      if (!parsed.success) throw new Error(describeIssues(parsed.error));
      if (parsed.data.pid !== pid || parsed.data.id !== m[2]) throw new Error('its name does not match its content');
      if (parsed.data.v !== PROTOCOL_VERSION) throw new Error('unsupported version');
      out.live.push({ file, info: parsed.data });
    } catch (err) {
      out.skipped.push(`${name}: ${(err as Error).message}`);
    } finally {
      if (fd !== undefined) fs.closeSync(fd);
    }
  }
  return out;
}

/**
 * Checks, before the token is sent, that a Unix socket endpoint is a socket
 * owned by this user in a private directory. Returns what is wrong, or undefined.
 */
export function socketProblem(endpoint: string): string | undefined {
  if (isWindows) return undefined;
  const dirProblem = privateDirProblem(path.dirname(endpoint));
  if (dirProblem) return dirProblem;
  let st: fs.Stats;
  try {
    st = fs.lstatSync(endpoint);
  } catch (err) {
    return `${endpoint} is gone (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`;
  }
  if (!st.isSocket()) return `${endpoint} is not a socket`;
  const uid = currentUid();
  if (uid !== undefined && st.uid !== uid) return `${endpoint} belongs to uid ${st.uid}`;
  return undefined;
}

/**
 * How well a server's workspace folders cover `requested`: the length of the
 * longest folder that is `requested` or contains it, or -1 when none does.
 */
export function workspaceMatch(requested: string, served: readonly string[]): number {
  const norm = (p: string) => {
    const c = canonicalWorkspace(p);
    return isWindows ? c.toLowerCase() : c;
  };
  const want = norm(requested);
  let best = -1;
  for (const folder of served) {
    const root = norm(folder);
    const rel = path.relative(root, want);
    const inside = rel === '' || (rel !== '..' && !rel.startsWith('..' + path.sep) && !path.isAbsolute(rel));
    if (inside && root.length > best) best = root.length;
  }
  return best;
}
