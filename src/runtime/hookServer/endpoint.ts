/**
 * Where the warm hook server listens and how a hook process finds it: one
 * endpoint file `<belayHome>/run/hooks.json` (mode 0600 in the user's 0700
 * run directory) naming the server's pid, socket (or named pipe), bearer
 * token and build. Node built-ins only: the hook client loads this before
 * anything else, so it must stay small.
 */
import os from 'node:os';
import path from 'node:path';
import { MAX_SOCKET_PATH, currentUid, ensurePrivateDir, readPrivateJson, runDir, userTag } from '../../core/config/private.ts';

declare const __BELAY_BUILD__: string | undefined;

/** Hook server protocol version; a client and server that differ do not talk. */
export const HOOK_PROTOCOL = 1;

/** This build's id: a client only uses a server of the very same build. */
export function buildId(): string {
  return typeof __BELAY_BUILD__ !== 'undefined' ? __BELAY_BUILD__ : 'source';
}

export interface HookEndpoint {
  v: number;
  pid: number;
  /** Unix socket path or Windows named pipe */
  endpoint: string;
  token: string;
  build: string;
  startedAt: string;
}

export function hookEndpointFile(env: NodeJS.ProcessEnv): string {
  return path.join(runDir(env), 'hooks.json');
}

/** The socket (or pipe) a hook server with this pid listens on. */
export function hookSocketPath(env: NodeJS.ProcessEnv, pid: number): string {
  if (process.platform === 'win32') return `\\\\.\\pipe\\belay-hooks-${userTag(env)}-${pid}`;
  const inRun = path.join(runDir(env), `hooks-${pid}.sock`);
  if (Buffer.byteLength(inRun) <= MAX_SOCKET_PATH) return inRun;
  const dir = path.join(os.tmpdir(), `belay-${currentUid() ?? 'user'}`);
  ensurePrivateDir(dir);
  const short = path.join(dir, `${userTag(env).slice(0, 8)}-hooks-${pid}.sock`);
  if (Buffer.byteLength(short) > MAX_SOCKET_PATH) throw new Error(`no socket path short enough for ${inRun}`);
  return short;
}

/**
 * The endpoint file, read only when it is a private file of this user with
 * the expected shape; otherwise undefined (no server, or one not to trust).
 */
export function readHookEndpoint(env: NodeJS.ProcessEnv): HookEndpoint | undefined {
  let raw: unknown;
  try {
    raw = readPrivateJson(hookEndpointFile(env));
  } catch {
    return undefined;
  }
  if (!raw || typeof raw !== 'object') return undefined;
  const e = raw as Record<string, unknown>;
  if (
    e.v !== HOOK_PROTOCOL ||
    typeof e.pid !== 'number' ||
    typeof e.endpoint !== 'string' ||
    typeof e.token !== 'string' ||
    e.token.length < 32 ||
    typeof e.build !== 'string' ||
    typeof e.startedAt !== 'string'
  ) {
    return undefined;
  }
  return { v: e.v, pid: e.pid, endpoint: e.endpoint, token: e.token, build: e.build, startedAt: e.startedAt };
}

/** One request per connection, one JSON line. */
export interface HookRequest {
  v: number;
  token: string;
  build: string;
  /** the CLI arguments, starting with `hook` */
  argv: string[];
  cwd: string;
  env: Record<string, string>;
  stdin: string;
}

/** What the server writes back, one JSON line each. */
export type HookReply =
  /** a person is being asked: the client waits this much longer */
  | { t: 'extend'; ms: number }
  /** the hook's answer, exactly what the in-process CLI would have printed */
  | { t: 'answer'; exitCode: number; stdout: string; stderr: string }
  /** not served here (another build, shutting down, refused): the client decides in-process */
  | { t: 'retry'; reason: string };

/** Largest request a server reads (hook documents carry file contents). */
export const MAX_REQUEST_BYTES = 64 * 1024 * 1024;
