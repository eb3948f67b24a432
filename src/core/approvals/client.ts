/**
 * The hook side of the approval channel: finds the Belay windows that serve
 * the request's workspace, asks the best one, and waits for a person's answer.
 * Never throws: every failure is a deny with a reason the agent can be shown.
 */
import crypto from 'node:crypto';
import net from 'node:net';
import { listEndpoints, socketProblem, workspaceMatch } from './endpoint.ts';
import type { ListedEndpoint } from './endpoint.ts';
import { MAX_DETAIL_CHARS, MAX_LINE_BYTES, PROTOCOL_VERSION, approvalRequestSchema, describeIssues, oneLine, serverMessageSchema } from './protocol.ts';
import type { ApprovalAnswer, ApprovalRequest, ClientMessage, RefusalCode } from './protocol.ts';

export interface RequestApprovalOptions {
  env?: NodeJS.ProcessEnv;
  /** how long connecting to one window may take (default 1 s) */
  connectTimeoutMs?: number;
  /** how long a window may take to accept or refuse the request (default 2 s) */
  acceptTimeoutMs?: number;
  /** extra time after `timeoutMs` for the window's own timeout answer to arrive (default 2 s) */
  graceMs?: number;
}

export type ApprovalResult = ApprovalAnswer & { via?: string };

type Attempt =
  | { kind: 'answer'; answer: ApprovalAnswer }
  /** the window never accepted the request: try the next one */
  | { kind: 'refused'; code: RefusalCode | 'unreachable' | 'unsafe' | 'protocol'; message: string }
  /** the window accepted, then something failed: a person may have seen it, so stop */
  | { kind: 'failed'; message: string };

const deny = (reason: string, via?: string): ApprovalResult => (via ? { answer: 'deny', by: 'belay', reason, via } : { answer: 'deny', by: 'belay', reason });

function describe(ep: ListedEndpoint): string {
  return `Belay window pid ${ep.info.pid} (${ep.info.id})`;
}

/** Shortens `detail` until the whole line fits under the server's cap. */
function fitLine(token: string, req: ApprovalRequest): string {
  const build = (r: ApprovalRequest) => JSON.stringify({ v: PROTOCOL_VERSION, token, request: r } satisfies ClientMessage);
  let line = build(req);
  let detail = req.detail;
  while (Buffer.byteLength(line) >= MAX_LINE_BYTES && detail !== undefined && detail.length > 0) {
    const keep = Math.floor(detail.length / 2);
    detail = detail.slice(0, keep);
    line = build({ ...req, detail: `${detail}\n… (truncated: the full text is too large to show)` });
  }
  return line;
}

function attempt(ep: ListedEndpoint, req: ApprovalRequest, opts: Required<Omit<RequestApprovalOptions, 'env'>>): Promise<Attempt> {
  const unsafe = socketProblem(ep.info.endpoint);
  if (unsafe) return Promise.resolve({ kind: 'refused', code: 'unsafe', message: `${describe(ep)} was not trusted: ${unsafe}` });
  const line = fitLine(ep.info.token, req);
  if (Buffer.byteLength(line) >= MAX_LINE_BYTES) return Promise.resolve({ kind: 'refused', code: 'too-large', message: 'the request is too large' });

  return new Promise<Attempt>((resolve) => {
    let phase: 'connecting' | 'sent' | 'accepted' = 'connecting';
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const sock = net.createConnection({ path: ep.info.endpoint });
    const settle = (result: Attempt): void => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      sock.destroy();
      resolve(result);
    };
    const arm = (ms: number, onTimeout: () => Attempt): void => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => settle(onTimeout()), ms);
    };
    arm(opts.connectTimeoutMs, () => ({ kind: 'refused', code: 'unreachable', message: `${describe(ep)} did not accept a connection within ${opts.connectTimeoutMs} ms` }));

    sock.on('connect', () => {
      phase = 'sent';
      arm(opts.acceptTimeoutMs, () => ({ kind: 'refused', code: 'unreachable', message: `${describe(ep)} did not take the request within ${opts.acceptTimeoutMs} ms` }));
      sock.write(line + '\n');
    });

    let buffered = '';
    sock.setEncoding('utf8');
    sock.on('data', (chunk: string) => {
      buffered += chunk;
      if (Buffer.byteLength(buffered) > MAX_LINE_BYTES) {
        return settle(phase === 'accepted' ? { kind: 'failed', message: `${describe(ep)} sent an oversize answer` } : { kind: 'refused', code: 'protocol', message: `${describe(ep)} sent an oversize reply` });
      }
      let nl: number;
      while ((nl = buffered.indexOf('\n')) !== -1) {
        const text = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        let raw: unknown;
        try {
          raw = JSON.parse(text);
        } catch {
          raw = undefined;
        }
        const msg = serverMessageSchema.safeParse(raw);
        if (!msg.success) {
          return settle(phase === 'accepted' ? { kind: 'failed', message: `${describe(ep)} sent an invalid answer` } : { kind: 'refused', code: 'protocol', message: `${describe(ep)} sent an invalid reply (${describeIssues(msg.error)})` });
        }
        const m = msg.data;
        if (m.type === 'refused') return settle({ kind: 'refused', code: m.code, message: `${describe(ep)} refused the request (${m.code}: ${m.message})` });
        if (m.id !== req.id) return settle(phase === 'accepted' ? { kind: 'failed', message: `${describe(ep)} answered another request` } : { kind: 'refused', code: 'protocol', message: `${describe(ep)} answered another request` });
        if (m.type === 'accepted') {
          phase = 'accepted';
          arm(req.timeoutMs + opts.graceMs, () => ({ kind: 'failed', message: `no answer from ${describe(ep)} within ${req.timeoutMs} ms` }));
          continue;
        }
        return settle({ kind: 'answer', answer: m.answer });
      }
    });
    const lost = (why: string): void =>
      settle(
        phase === 'accepted'
          ? { kind: 'failed', message: `${describe(ep)} went away before anyone answered (${why})` }
          : { kind: 'refused', code: 'unreachable', message: `${describe(ep)} is not reachable (${why})` },
      );
    sock.on('error', (err: NodeJS.ErrnoException) => lost(err.code ?? err.message));
    sock.on('close', () => lost('connection closed'));
  });
}

async function ask(reqIn: Omit<ApprovalRequest, 'id'>, opts: RequestApprovalOptions): Promise<ApprovalResult> {
  const env = opts.env ?? process.env;
  const timing = {
    connectTimeoutMs: opts.connectTimeoutMs ?? 1000,
    acceptTimeoutMs: opts.acceptTimeoutMs ?? 2000,
    graceMs: opts.graceMs ?? 2000,
  };
  const draft: ApprovalRequest = {
    ...reqIn,
    id: crypto.randomUUID(),
    summary: oneLine(String(reqIn.summary ?? '')),
    detail: typeof reqIn.detail === 'string' && reqIn.detail.length > MAX_DETAIL_CHARS ? `${reqIn.detail.slice(0, MAX_DETAIL_CHARS - 80)}\n… (truncated: the full text is too large to show)` : reqIn.detail,
  };
  if (draft.detail === undefined) delete draft.detail;
  const parsed = approvalRequestSchema.safeParse(draft);
  if (!parsed.success) return deny(`the approval request is invalid (${describeIssues(parsed.error)})`);
  const req = parsed.data;
  const what = `${req.tool} ${JSON.stringify(req.summary.length > 120 ? req.summary.slice(0, 119) + '…' : req.summary)}`;

  const listing = listEndpoints(env);
  if (listing.dirProblem && !/does not exist$/.test(listing.dirProblem)) {
    return deny(`no Belay window can approve ${what}: the approval directory is unsafe (${listing.dirProblem})`);
  }
  if (listing.live.length === 0) {
    const notes: string[] = [];
    if (listing.stale.length) notes.push(`${listing.stale.length} endpoint file(s) of closed windows ignored`);
    if (listing.skipped.length) notes.push(`untrusted endpoint file(s) skipped: ${listing.skipped.join('; ')}`);
    return deny(`no Belay window is open to approve ${what} in ${req.workspace}${notes.length ? ` (${notes.join('; ')})` : ''}`);
  }

  // windows that said they serve the workspace first (most specific folder,
  // then newest); the others after, since folders may have been added since
  // their file was written: each server checks its current folders itself.
  const ranked = listing.live
    .map((ep) => ({ ep, score: workspaceMatch(req.workspace, ep.info.workspaces) }))
    .sort((a, b) => b.score - a.score || b.ep.info.startedAt.localeCompare(a.ep.info.startedAt));

  const refusals: string[] = [];
  let wrongWorkspace = 0;
  for (const { ep } of ranked) {
    const result = await attempt(ep, req, timing);
    if (result.kind === 'answer') return { ...result.answer, via: describe(ep) };
    if (result.kind === 'failed') return deny(`${result.message}; denied`, describe(ep));
    if (result.code === 'wrong-workspace') wrongWorkspace++;
    else refusals.push(result.message);
  }
  if (refusals.length === 0) return deny(`no Belay window is open to approve ${what} in ${req.workspace} (${wrongWorkspace} open window(s) serve other folders)`);
  return deny(`no Belay window could approve ${what} in ${req.workspace}: ${refusals.join('; ')}`);
}

/**
 * Asks a person, through the Belay window serving `req.workspace`, whether the
 * agent may go ahead. Resolves with their answer and `via` (which window); on
 * any failure, refusal or timeout resolves with `{ answer: 'deny', by: 'belay', reason }`.
 * Never throws.
 */
export async function requestApproval(req: Omit<ApprovalRequest, 'id'>, opts?: { env?: NodeJS.ProcessEnv } & RequestApprovalOptions): Promise<ApprovalResult> {
  try {
    return await ask(req, opts ?? {});
  } catch (err) {
    return deny(`the approval request failed: ${err instanceof Error ? err.message : String(err)}`);
  }
}
