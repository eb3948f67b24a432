/**
 * The extension side of the approval channel: a per-window server on a Unix
 * domain socket in `<belayHome>/run/` (mode 0700; a named pipe on Windows),
 * guarded by a random bearer token that only this user can read. The
 * extension plugs its prompt in through `onRequest`; see docs/approvals.md.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { approvalsRunDir, endpointFileName, ensurePrivateDir, removeStaleEndpoints, socketPathFor, workspaceMatch, writeEndpointFile } from './endpoint.ts';
import { MAX_LINE_BYTES, PROTOCOL_VERSION, approvalAnswerSchema, clientMessageSchema, describeIssues } from './protocol.ts';
import type { ApprovalAnswer, ApprovalRequest, RefusalCode, ServerMessage } from './protocol.ts';

const isWindows = process.platform === 'win32';

/** What the server saw, for the extension's log and for tests. */
export type ApprovalServerEvent =
  | { kind: 'refused'; code: RefusalCode; message: string; at: string }
  | { kind: 'request'; request: ApprovalRequest; at: string }
  | { kind: 'answered'; id: string; answer: ApprovalAnswer; at: string }
  | { kind: 'timeout'; id: string; at: string }
  | { kind: 'client-gone'; id: string; at: string }
  | { kind: 'error'; message: string; at: string };

export interface ApprovalServerOptions {
  env?: NodeJS.ProcessEnv;
  /** the workspace folders this window serves, read at every request */
  workspaces: () => string[];
  /**
   * Asks a person. `signal` aborts when the client gave up, the request timed
   * out or the server closes: dismiss the prompt then. A rejection or an
   * invalid answer is answered as a deny.
   */
  onRequest: (req: ApprovalRequest, signal: AbortSignal) => Promise<ApprovalAnswer>;
  /** every refusal, request, answer, timeout and disconnection; must not throw */
  onEvent?: (event: ApprovalServerEvent) => void;
  /** how long a client has to send its request line after connecting (default 5 s) */
  handshakeTimeoutMs?: number;
  /** connections served at once; more are refused as busy (default 32) */
  maxConnections?: number;
}

export interface ApprovalServer {
  /** `<belayHome>/run/approvals-<pid>-<id>.json` */
  endpointFile: string;
  /** the socket path or pipe name */
  endpoint: string;
  /** this server's random id */
  id: string;
  /** rewrites the endpoint file with the current `workspaces()` (call when folders change) */
  refreshEndpointFile(): void;
  /** denies pending requests, stops listening, removes the socket and the endpoint file */
  close(): Promise<void>;
}

const now = () => new Date().toISOString();

/** Constant-time comparison of a presented token with the expected one, whatever their lengths. */
function tokenMatches(presented: string, expected: string): boolean {
  const a = crypto.createHash('sha256').update(presented, 'utf8').digest();
  const b = crypto.createHash('sha256').update(expected, 'utf8').digest();
  return crypto.timingSafeEqual(a, b);
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}

export async function startApprovalServer(opts: ApprovalServerOptions): Promise<ApprovalServer> {
  const env = opts.env ?? process.env;
  const handshakeTimeoutMs = opts.handshakeTimeoutMs ?? 5000;
  const maxConnections = opts.maxConnections ?? 32;
  const emit = (event: ApprovalServerEvent): void => {
    try {
      opts.onEvent?.(event);
    } catch {
      // a broken listener must not break the channel
    }
  };

  const runDir = approvalsRunDir(env);
  ensurePrivateDir(runDir);
  removeStaleEndpoints(env);

  const id = crypto.randomBytes(8).toString('hex');
  const token = crypto.randomBytes(32).toString('hex');
  const endpoint = socketPathFor(env, process.pid, id);
  const endpointFile = path.join(runDir, endpointFileName(process.pid, id));
  const startedAt = now();

  const sockets = new Set<net.Socket>();
  /** finishers of requests waiting for a person, to deny them on close */
  const pending = new Set<(answer: ApprovalAnswer, abortReason?: string) => void>();
  let closing = false;

  const send = (sock: net.Socket, msg: ServerMessage, end: boolean): void => {
    if (sock.destroyed) return;
    const line = JSON.stringify(msg) + '\n';
    if (end) sock.end(line);
    else sock.write(line);
  };

  const refuse = (sock: net.Socket, code: RefusalCode, message: string): void => {
    emit({ kind: 'refused', code, message, at: now() });
    send(sock, { v: PROTOCOL_VERSION, type: 'refused', code, message }, true);
    // do not wait for the client to read: drop it shortly after
    setTimeout(() => sock.destroy(), 1000).unref();
  };

  const handle = (sock: net.Socket): void => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => {
      // EPIPE/ECONNRESET from a client that left: 'close' follows
    });
    if (closing) return refuse(sock, 'closing', 'this Belay window is closing');
    if (sockets.size > maxConnections) return refuse(sock, 'busy', `this Belay window already serves ${maxConnections} connections`);

    const chunks: Buffer[] = [];
    let size = 0;
    let gotLine = false;
    let extra = 0;
    const handshake = setTimeout(() => {
      gotLine = true;
      refuse(sock, 'handshake-timeout', `no request within ${seconds(handshakeTimeoutMs)}`);
    }, handshakeTimeoutMs);

    const onData = (chunk: Buffer): void => {
      if (gotLine) {
        // nothing more is expected; tolerate a little, drop a flood
        extra += chunk.length;
        if (extra > MAX_LINE_BYTES) sock.destroy();
        return;
      }
      const nl = chunk.indexOf(0x0a);
      const part = nl === -1 ? chunk : chunk.subarray(0, nl);
      size += part.length;
      if (size > MAX_LINE_BYTES) {
        gotLine = true;
        clearTimeout(handshake);
        return refuse(sock, 'too-large', `the request exceeds ${MAX_LINE_BYTES} bytes`);
      }
      chunks.push(part);
      if (nl === -1) return;
      gotLine = true;
      clearTimeout(handshake);
      onLine(Buffer.concat(chunks).toString('utf8'));
    };
    sock.on('data', onData);
    sock.on('end', () => {
      if (!gotLine) {
        clearTimeout(handshake);
        gotLine = true;
        emit({ kind: 'refused', code: 'malformed', message: 'the connection ended before a complete request', at: now() });
        sock.destroy();
      }
    });

    const onLine = (line: string): void => {
      let raw: unknown;
      try {
        raw = JSON.parse(line);
      } catch {
        return refuse(sock, 'malformed', 'the request is not JSON');
      }
      // the token first: an unauthenticated client learns nothing about the schema
      const presented = raw !== null && typeof raw === 'object' && typeof (raw as { token?: unknown }).token === 'string' ? (raw as { token: string }).token : undefined;
      if (presented === undefined) return refuse(sock, 'unauthorized', 'no token');
      if (!tokenMatches(presented, token)) return refuse(sock, 'unauthorized', 'wrong token');
      if ((raw as { v?: unknown }).v !== PROTOCOL_VERSION) return refuse(sock, 'unsupported-version', `this Belay window speaks protocol version ${PROTOCOL_VERSION}`);
      const parsed = clientMessageSchema.safeParse(raw);
      if (!parsed.success) return refuse(sock, 'invalid', `invalid request: ${describeIssues(parsed.error)}`);
      const req = parsed.data.request;

      let served: string[];
      try {
        served = opts.workspaces();
      } catch (err) {
        emit({ kind: 'error', message: `workspaces() failed: ${(err as Error).message}`, at: now() });
        served = [];
      }
      if (workspaceMatch(req.workspace, served) < 0) return refuse(sock, 'wrong-workspace', `this Belay window does not serve ${req.workspace}`);

      emit({ kind: 'request', request: req, at: now() });
      send(sock, { v: PROTOCOL_VERSION, type: 'accepted', id: req.id }, false);

      const controller = new AbortController();
      let done = false;
      const finish = (answer: ApprovalAnswer, abortReason?: string): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        pending.delete(finish);
        if (abortReason !== undefined) controller.abort(new Error(abortReason));
        emit({ kind: 'answered', id: req.id, answer, at: now() });
        send(sock, { v: PROTOCOL_VERSION, type: 'answer', id: req.id, answer }, true);
      };
      pending.add(finish);
      const timer = setTimeout(() => {
        if (done) return;
        emit({ kind: 'timeout', id: req.id, at: now() });
        finish({ answer: 'deny', by: 'belay', reason: `no answer within ${seconds(req.timeoutMs)}` }, 'timeout');
      }, req.timeoutMs);
      sock.on('close', () => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        pending.delete(finish);
        emit({ kind: 'client-gone', id: req.id, at: now() });
        controller.abort(new Error('client-gone'));
      });

      let answered: Promise<ApprovalAnswer>;
      try {
        answered = Promise.resolve(opts.onRequest(req, controller.signal));
      } catch (err) {
        answered = Promise.reject(err);
      }
      answered.then(
        (answer) => {
          const ok = approvalAnswerSchema.safeParse(answer);
          if (ok.success) finish(ok.data);
          else finish({ answer: 'deny', by: 'belay', reason: `the prompt gave an invalid answer (${describeIssues(ok.error)})` });
        },
        (err: unknown) => {
          emit({ kind: 'error', message: `onRequest failed: ${err instanceof Error ? err.message : String(err)}`, at: now() });
          finish({ answer: 'deny', by: 'belay', reason: `the approval prompt failed: ${err instanceof Error ? err.message : String(err)}` });
        },
      );
    };
  };

  const server = net.createServer({ allowHalfOpen: false }, handle);
  server.on('error', (err) => emit({ kind: 'error', message: `server: ${err.message}`, at: now() }));

  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen({ path: endpoint, exclusive: true }, () => {
      server.off('error', onError);
      resolve();
    });
  });
  try {
    if (!isWindows) fs.chmodSync(endpoint, 0o600);
  } catch (err) {
    server.close();
    throw err;
  }

  const writeFile = (): void => {
    let workspaces: string[] = [];
    try {
      workspaces = opts.workspaces().slice(0, 1000);
    } catch {
      // the server checks workspaces() again at every request
    }
    writeEndpointFile(endpointFile, { v: PROTOCOL_VERSION, id, pid: process.pid, endpoint, token, workspaces, startedAt });
  };
  try {
    writeFile();
  } catch (err) {
    server.close();
    throw err;
  }

  let closed: Promise<void> | undefined;
  return {
    endpointFile,
    endpoint,
    id,
    refreshEndpointFile: () => {
      if (!closing) writeFile();
    },
    close: () => {
      if (closed) return closed;
      closing = true;
      try {
        fs.unlinkSync(endpointFile);
      } catch {
        // already gone
      }
      for (const finish of [...pending]) finish({ answer: 'deny', by: 'belay', reason: 'the Belay window closed before anyone answered' }, 'server-closed');
      closed = new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const sock of sockets) {
          // answers just written still flush; idle connections go
          if (sock.writableEnded) setTimeout(() => sock.destroy(), 200).unref();
          else sock.destroy();
        }
      }).then(() => {
        // node removes the socket file when it closes; make sure
        if (!isWindows) {
          try {
            fs.unlinkSync(endpoint);
          } catch {
            // already gone
          }
        }
      });
      return closed;
    },
  };
}
