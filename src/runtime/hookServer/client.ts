/**
 * The hook process's side of the warm hook server: hands the hook document to
 * the server and returns its answer. Everything that can go wrong before the
 * server has taken the request (no server, another build, a stale socket) is
 * "unavailable", and the caller decides in-process instead; a server that
 * took the request but does not answer within the budget is a timeout, which
 * the caller answers with a fail-closed deny.
 */
import net from 'node:net';
import { isPidAlive, socketProblem } from '../../core/config/private.ts';
import { HOOK_PROTOCOL, buildId, readHookEndpoint, type HookReply, type HookRequest } from './endpoint.ts';

export type HookCallResult =
  | { kind: 'answer'; exitCode: number; stdout: string; stderr: string; /** the server's pid */ pid: number }
  | { kind: 'unavailable'; reason: string; /** whether starting a server would help */ start: boolean }
  | { kind: 'timeout' };

export interface HookCall {
  argv: string[];
  stdin: string;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** how long the server may take before the caller fails closed */
  budgetMs: number;
}

function plainEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (typeof v === 'string') out[k] = v;
  return out;
}

export function callHookServer(call: HookCall): Promise<HookCallResult> {
  const ep = readHookEndpoint(call.env);
  if (!ep) return Promise.resolve({ kind: 'unavailable', reason: 'no hook server', start: true });
  if (ep.build !== buildId()) return Promise.resolve({ kind: 'unavailable', reason: `the hook server runs another build (${ep.build})`, start: true });
  if (!isPidAlive(ep.pid)) return Promise.resolve({ kind: 'unavailable', reason: 'the hook server is gone', start: true });
  const unsafe = socketProblem(ep.endpoint);
  if (unsafe) return Promise.resolve({ kind: 'unavailable', reason: unsafe, start: false });

  return new Promise<HookCallResult>((resolve) => {
    let settled = false;
    let accepted = false;
    let buffered = '';
    const socket = net.connect(ep.endpoint);
    const finish = (r: HookCallResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(r);
    };
    let timer = setTimeout(() => finish({ kind: 'timeout' }), call.budgetMs);
    socket.setEncoding('utf8');
    socket.on('connect', () => {
      accepted = true;
      const req: HookRequest = { v: HOOK_PROTOCOL, token: ep.token, build: buildId(), argv: call.argv, cwd: call.cwd, env: plainEnv(call.env), stdin: call.stdin };
      socket.write(JSON.stringify(req) + '\n');
    });
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        let reply: HookReply;
        try {
          reply = JSON.parse(line) as HookReply;
        } catch {
          finish({ kind: 'unavailable', reason: 'the hook server sent a malformed reply', start: false });
          return;
        }
        if (reply.t === 'extend' && typeof reply.ms === 'number') {
          clearTimeout(timer);
          timer = setTimeout(() => finish({ kind: 'timeout' }), reply.ms);
        } else if (reply.t === 'answer' && typeof reply.exitCode === 'number') {
          finish({ kind: 'answer', exitCode: reply.exitCode, stdout: String(reply.stdout ?? ''), stderr: String(reply.stderr ?? ''), pid: ep.pid });
          return;
        } else if (reply.t === 'retry') {
          finish({ kind: 'unavailable', reason: `the hook server declined: ${String(reply.reason)}`, start: reply.reason === 'build' });
          return;
        }
      }
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      // refused or reset before an answer: decide in-process
      finish({ kind: 'unavailable', reason: `hook server unreachable (${err.code ?? err.message})`, start: !accepted });
    });
    socket.on('close', () => finish({ kind: 'unavailable', reason: 'the hook server closed the connection without an answer', start: false }));
  });
}
