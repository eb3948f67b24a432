/**
 * How a hook process finds the warm hook server and hands it a call. The
 * server names itself in `<belayHome>/run/hooks.json` (mode 0600 in the
 * user's 0700 run directory): its pid, build and spool folder. A call is a
 * file dropped into the spool folder (itself 0700); the answer comes back as
 * a file beside it. Files rather than a socket: a hook process then needs
 * nothing beyond `fs`, which Node has loaded before any user code runs,
 * where a socket client first loads and compiles Node's net and stream
 * modules — more time than the rest of a served call.
 *
 * Node built-ins only: the hook client loads this before anything else.
 */
import { joinName } from '../../core/config/paths.ts';
import { readPrivateJson, runDir } from '../../core/config/private.ts';

import { HOOK_PROTOCOL } from './protocol.ts';

export { HOOK_PROTOCOL, buildId } from './protocol.ts';

export interface HookEndpoint {
  v: number;
  pid: number;
  /** the folder calls are dropped into */
  spool: string;
  build: string;
  startedAt: string;
}

export function hookEndpointFile(env: NodeJS.ProcessEnv): string {
  return joinName(runDir(env), 'hooks.json');
}

export function hookSpoolDir(env: NodeJS.ProcessEnv): string {
  return joinName(runDir(env), 'hook-calls');
}

/**
 * The spool files of one call `<id>`: the client writes `<id>.req` (through
 * `<id>.req.tmp`), the server claims it by renaming it to `<id>.work`, may
 * write `<id>.ext` (wait this much longer: a person is being asked) and
 * finally `<id>.out` (through `<id>.out.tmp`).
 */
export function spoolFiles(spool: string, id: string) {
  const base = joinName(spool, id);
  return { tmp: `${base}.req.tmp`, req: `${base}.req`, work: `${base}.work`, ext: `${base}.ext`, out: `${base}.out`, outTmp: `${base}.out.tmp` };
}

/**
 * A named pipe in the spool folder the server reads (POSIX): a client that
 * writes a byte into it after dropping its call wakes the server at once,
 * where a change notification on the folder can take milliseconds.
 */
export function spoolWakePipe(spool: string): string {
  return joinName(spool, 'wake');
}

/** A call id: the client's pid and randomness, safe in a file name. */
export const CALL_ID = /^[0-9]+-[0-9a-f]{16}$/;

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
  if (e.v !== HOOK_PROTOCOL || typeof e.pid !== 'number' || typeof e.spool !== 'string' || typeof e.build !== 'string' || typeof e.startedAt !== 'string') {
    return undefined;
  }
  return { v: e.v, pid: e.pid, spool: e.spool, build: e.build, startedAt: e.startedAt };
}

/** One call: what the in-process hook command would have been given. */
export interface HookRequest {
  v: number;
  build: string;
  /** the CLI arguments, starting with `hook` */
  argv: string[];
  cwd: string;
  env: Record<string, string>;
  stdin: string;
}

/** The server's answer (`<id>.out`). */
export type HookReply =
  /** the hook's answer, exactly what the in-process CLI would have printed */
  | { t: 'answer'; exitCode: number; stdout: string; stderr: string; /** the server's pid */ pid?: number }
  /** not served here (another build, shutting down, refused): the client decides in-process */
  | { t: 'retry'; reason: string };

/** Largest request a server reads (hook documents carry file contents). */
export const MAX_REQUEST_BYTES = 64 * 1024 * 1024;
