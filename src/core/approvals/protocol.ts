/**
 * The approval channel's wire protocol, shared by the hook side (client) and
 * the extension side (server). No `vscode` import.
 *
 * One request per connection, newline-delimited JSON over a Unix domain
 * socket (a named pipe on Windows):
 *
 *   client → server   {"v":1,"token":"<64 hex>","request":{…ApprovalRequest}}\n
 *   server → client   {"v":1,"type":"accepted","id":"…"}\n          a person is being asked
 *                     {"v":1,"type":"answer","id":"…","answer":{…}}\n then the server closes
 *              or     {"v":1,"type":"refused","code":"…","message":"…"}\n
 *
 * The client keeps its side open while it waits: closing it means "I gave
 * up", and the server aborts the prompt. Every inbound line is size-capped and
 * parsed with the zod schemas below on both sides.
 */
import { z } from 'zod';

export const PROTOCOL_VERSION = 1;

/** Largest line either side accepts, in bytes (the request carries a diff). */
export const MAX_LINE_BYTES = 1024 * 1024;
/** Longest `detail` (a command or a unified diff) the server accepts, in characters. */
export const MAX_DETAIL_CHARS = 256 * 1024;
/** Longest one-line `summary`, in characters. */
export const MAX_SUMMARY_CHARS = 2000;
/** Longest time a request may ask a person to answer in (one hour). */
export const MAX_TIMEOUT_MS = 60 * 60 * 1000;

export interface ApprovalRequest {
  /** correlation id, chosen by the client */
  id: string;
  /** the workspace the action happens in; the server must serve it */
  workspace: string;
  /** which agent asks, e.g. 'claude-code' */
  agent: string;
  /** the agent's tool, e.g. 'Bash' or 'Write' */
  tool: string;
  /** one line: the command or the path */
  summary: string;
  /** the command, or a unified diff of the write */
  detail?: string;
  /** the policy rule that said `ask` */
  rule: string;
  /** why the rule asks */
  reason: string;
  /** how long a person has to answer; no answer by then is a deny */
  timeoutMs: number;
}

export type ApprovalAnswer = {
  answer: 'approve' | 'deny' | 'always';
  /** who answered, e.g. 'user'; 'belay' when Belay answered on its own (timeout, failure) */
  by: string;
  reason?: string;
};

/** Why a server refused a connection; reported to the client and to `onEvent`. */
export type RefusalCode =
  | 'unauthorized'
  | 'malformed'
  | 'invalid'
  | 'unsupported-version'
  | 'too-large'
  | 'wrong-workspace'
  | 'busy'
  | 'handshake-timeout'
  | 'closing';

const text = (max: number) => z.string().max(max);
const nonEmpty = (max: number) => z.string().min(1).max(max);

export const approvalRequestSchema = z.strictObject({
  id: nonEmpty(200).regex(/^[A-Za-z0-9_.:-]+$/, 'not an id'),
  workspace: nonEmpty(4096),
  agent: nonEmpty(200),
  tool: nonEmpty(200),
  summary: nonEmpty(MAX_SUMMARY_CHARS).refine((s) => !/[\r\n]/.test(s), 'must be one line'),
  detail: text(MAX_DETAIL_CHARS).optional(),
  rule: text(500),
  reason: text(4000),
  timeoutMs: z.number().int().positive().max(MAX_TIMEOUT_MS),
}) satisfies z.ZodType<ApprovalRequest>;

export const approvalAnswerSchema = z.strictObject({
  answer: z.enum(['approve', 'deny', 'always']),
  by: nonEmpty(200),
  reason: text(4000).optional(),
}) satisfies z.ZodType<ApprovalAnswer>;

/** The one line a client sends. The token is checked before the rest is validated. */
export const clientMessageSchema = z.strictObject({
  v: z.literal(PROTOCOL_VERSION),
  token: z.string().regex(/^[0-9a-f]{64}$/),
  request: approvalRequestSchema,
});
export type ClientMessage = z.infer<typeof clientMessageSchema>;

const refusalCodes = [
  'unauthorized',
  'malformed',
  'invalid',
  'unsupported-version',
  'too-large',
  'wrong-workspace',
  'busy',
  'handshake-timeout',
  'closing',
] as const satisfies readonly RefusalCode[];

export const serverMessageSchema = z.discriminatedUnion('type', [
  z.strictObject({ v: z.literal(PROTOCOL_VERSION), type: z.literal('accepted'), id: nonEmpty(200) }),
  z.strictObject({ v: z.literal(PROTOCOL_VERSION), type: z.literal('answer'), id: nonEmpty(200), answer: approvalAnswerSchema }),
  z.strictObject({ v: z.literal(PROTOCOL_VERSION), type: z.literal('refused'), code: z.enum(refusalCodes), message: text(2000) }),
]);
export type ServerMessage = z.infer<typeof serverMessageSchema>;

/**
 * What a server writes to its endpoint file (`<belayHome>/run/approvals-<pid>-<id>.json`,
 * mode 0600): where to connect, the bearer token, the owning process and the
 * workspaces it served when the file was last written.
 */
export const endpointFileSchema = z.strictObject({
  v: z.literal(PROTOCOL_VERSION),
  id: z.string().regex(/^[0-9a-f]{8,64}$/),
  pid: z.number().int().positive(),
  endpoint: nonEmpty(4096),
  token: z.string().regex(/^[0-9a-f]{64}$/),
  workspaces: z.array(nonEmpty(4096)).max(1000),
  startedAt: z.string(),
});
export type EndpointFile = z.infer<typeof endpointFileSchema>;

/** A short, single-line account of a zod failure (paths and messages, no values). */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`)
    .join('; ');
}

/** Collapses whitespace and control characters into single spaces and caps the length. */
export function oneLine(s: string, max = MAX_SUMMARY_CHARS): string {
  const flat = s.replace(/[\u0000-\u001f\u007f\s]+/g, ' ').trim();
  return flat.length > max ? flat.slice(0, max - 1) + '…' : flat;
}

/**
 * Makes agent-supplied text safe to show a person: control characters (other
 * than newline and tab) and bidirectional overrides, which can make a command
 * read differently from what runs, are shown as visible `\u{…}` escapes.
 * Render the result as plain text, never as Markdown or HTML.
 */
export function displayText(s: string): string {
  return s.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u{${c.codePointAt(0)!.toString(16)}}`);
}
