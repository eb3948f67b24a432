/**
 * Where approval servers live and how clients find them: one endpoint file per
 * VS Code window in `<belayHome>/run/` (a directory of mode 0700 owned by the
 * user), each naming its socket (or named pipe), its bearer token, its owning
 * pid and the workspaces it serves.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { canonicalWorkspace } from '../config/paths.ts';
import { MAX_SOCKET_PATH, currentUid, ensurePrivateDir, isPidAlive, privateDirProblem, readPrivateJson, runDir, socketProblem, userTag, writePrivateJson } from '../config/private.ts';
import { PROTOCOL_VERSION, describeIssues, endpointFileSchema } from './protocol.ts';
import type { EndpointFile } from './protocol.ts';

const isWindows = process.platform === 'win32';

/** `approvals-<pid>-<id>.json|.sock|.json.tmp` */
const ENTRY = /^approvals-(\d+)-([0-9a-f]{8,64})\.(json|sock|json\.tmp)$/;

/** The per-user directory holding endpoint files and sockets. */
export function approvalsRunDir(env: NodeJS.ProcessEnv = process.env): string {
  return runDir(env);
}

export function endpointFileName(pid: number, id: string): string {
  return `approvals-${pid}-${id}.json`;
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

/** Writes an endpoint file atomically with mode 0600 (through `<file>.tmp`, which removeStaleEndpoints knows). */
export function writeEndpointFile(file: string, data: EndpointFile): void {
  writePrivateJson(file, data, `${file}.tmp`);
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
  for (const name of names.sort()) {
    const m = ENTRY.exec(name);
    if (!m || m[3] !== 'json') continue;
    const file = path.join(dir, name);
    const pid = Number(m[1]);
    if (!isPidAlive(pid)) {
      out.stale.push(file);
      continue;
    }
    try {
      const parsed = endpointFileSchema.safeParse(readPrivateJson(file));
      if (!parsed.success) throw new Error(describeIssues(parsed.error));
      if (parsed.data.pid !== pid || parsed.data.id !== m[2]) throw new Error('its name does not match its content');
      if (parsed.data.v !== PROTOCOL_VERSION) throw new Error('unsupported version');
      out.live.push({ file, info: parsed.data });
    } catch (err) {
      out.skipped.push(`${name}: ${(err as Error).message}`);
    }
  }
  return out;
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

export { ensurePrivateDir, isPidAlive, privateDirProblem, socketProblem };
