/**
 * The one message protocol between the Timeline webview and the extension.
 * Compiled by both sides: no `vscode`, no DOM. The extension parses every
 * inbound message with the zod schemas below (webview input is untrusted and
 * rollback is destructive); the webview trusts the extension.
 *
 * - Requests (webview → extension) carry a correlation `id` and get exactly
 *   one `response` with the same id.
 * - Notifications (extension → webview) carry no id.
 * - The webview sends `ready` before the extension posts anything.
 */
import { z } from 'zod';

export type Verdict = 'allow' | 'ask' | 'deny';

/** What the timeline shows of one receipt. */
export interface TimelineItem {
  id: string;
  seq: number;
  time: string;
  kind: string;
  agent: string;
  tool: string;
  /** short description of what the action targets: a path, a command, a URL */
  target: string;
  decision: Verdict;
  outcome: string;
  rule: string;
  reason: string;
  changedPaths: string[];
  checkpointBefore?: string;
  checkpointAfter?: string;
  rollbackOf?: string;
  rolledBackBy?: string;
  /** the action changed files and can be undone on its own */
  canRollback: boolean;
  /** a restore/rollback receipt whose own change can be undone */
  canUndo: boolean;
}

export interface TimelinePage {
  items: TimelineItem[];
  hasMore: boolean;
  nextCursor?: string;
}

export interface ActionResult {
  ok: boolean;
  message: string;
  /** the receipt recorded for the rollback or restore itself */
  receiptId?: string;
}

/** Requests and their results, by method name. */
export interface RequestMap {
  'timeline/load': { params: { cursor?: string }; result: TimelinePage };
  'timeline/rollback': { params: { receiptId: string }; result: ActionResult };
  'timeline/restore': { params: { checkpointId: string }; result: ActionResult };
  'timeline/openDiff': { params: { receiptId: string }; result: ActionResult };
}
export type RequestMethod = keyof RequestMap;

/** Notifications from the extension, by method name. */
export interface NotificationMap {
  'timeline/changed': { reason: string };
  'timeline/status': { guarded: boolean; message: string };
}
export type NotificationMethod = keyof NotificationMap;

export type WebviewToExtension =
  | { type: 'ready' }
  | { [M in RequestMethod]: { type: 'request'; id: number; method: M; params: RequestMap[M]['params'] } }[RequestMethod];

export type ExtensionToWebview =
  | { type: 'response'; id: number; ok: true; result: unknown }
  | { type: 'response'; id: number; ok: false; error: string }
  | { [M in NotificationMethod]: { type: 'notification'; method: M; params: NotificationMap[M] } }[NotificationMethod];

const id = z.string().min(1).max(200).regex(/^[A-Za-z0-9_.:-]+$/, 'not an id');

const requestSchemas = {
  'timeline/load': z.object({ cursor: z.string().max(500).optional() }).strict(),
  'timeline/rollback': z.object({ receiptId: id }).strict(),
  'timeline/restore': z.object({ checkpointId: id }).strict(),
  'timeline/openDiff': z.object({ receiptId: id }).strict(),
} satisfies Record<RequestMethod, z.ZodType>;

const inbound = z.union([
  z.object({ type: z.literal('ready') }).strict(),
  z
    .object({
      type: z.literal('request'),
      id: z.number().int().nonnegative(),
      method: z.enum(Object.keys(requestSchemas) as [RequestMethod, ...RequestMethod[]]),
      params: z.unknown(),
    })
    .strict(),
]);

/** Parses a message from the webview; throws with a short message when it is not one. */
export function parseWebviewMessage(raw: unknown): WebviewToExtension {
  const msg = inbound.parse(raw);
  if (msg.type === 'ready') return msg;
  const params = requestSchemas[msg.method].parse(msg.params ?? {});
  return { type: 'request', id: msg.id, method: msg.method, params } as WebviewToExtension;
}
