import type { Redaction } from './redact.ts';

export type Verdict = 'allow' | 'ask' | 'deny';
export type Outcome = 'pending' | 'done' | 'failed' | 'blocked' | 'rolled_back' | 'abandoned';
export type ReceiptKind = 'action' | 'rollback' | 'restore' | 'prompt' | 'unguarded' | 'kill_switch' | string;

export const VERDICTS: readonly Verdict[] = ['allow', 'ask', 'deny'];
export const OUTCOMES: readonly Outcome[] = ['pending', 'done', 'failed', 'blocked', 'rolled_back', 'abandoned'];

export interface ChangedPath {
  path: string;
  status: string;
  size?: number;
}

export interface RuleMatch {
  rule: string;
  effect: Verdict;
  reason: string;
  fragment?: string;
}

export interface NewReceipt {
  /** default 'action' */
  kind?: ReceiptKind;
  sessionId?: string;
  agent: string;
  harness?: string;
  /** the tool name as the agent sent it */
  tool: string;
  toolUseId?: string;
  turn?: string;
  /** the normalised action (JSON); redacted before storage */
  action?: unknown;
  /** the raw tool input (JSON); redacted before storage */
  input?: unknown;
  decision: Verdict;
  /** what the policy said before a person decided (for `ask`) */
  evaluated?: Verdict;
  rule: string;
  reason: string;
  matches?: RuleMatch[];
  policyHash?: string;
  /** who decided when a person did */
  approver?: string;
  checkpointBefore?: string;
  checkpointAfter?: string;
  changedPaths?: ChangedPath[];
  outcome: Outcome;
  durationMs?: number;
  /** a second append with the same key returns the first receipt instead of writing */
  idempotencyKey?: string;
  /** id of the receipt this one undoes */
  rollbackOf?: string;
  rollbackData?: unknown;
  /** paths the action touches, when the caller knows them better than the action does */
  paths?: string[];
  /** short human description of what was acted on (a path, a command); derived when absent */
  target?: string;
}

export interface Receipt extends NewReceipt {
  id: string;
  /** receipt number in this workspace: 1, 2, 3… in the order receipts were created */
  seq: number;
  /** ISO time the receipt was created */
  time: string;
  workspace: string;
  kind: ReceiptKind;
  /** SHA-256 of the receipt's create event (hex) */
  hash: string;
  /** hash of the event before it in the workspace chain */
  prevHash: string;
  /** HMAC-SHA-256 of `hash` with the install's key */
  mac: string;
  /** hash of the receipt's latest event (its create event until completed) */
  headHash: string;
  /** chain positions of this receipt's events, oldest first */
  eventSeqs: number[];
  /** some value was masked before storage */
  redacted: boolean;
  redactions?: Redaction[];
  /** some long string was cut before storage */
  truncated?: boolean;
  rolledBackBy?: string;
  /** when the receipt reached its current outcome, if it was completed after creation */
  completedAt?: string;
  /** the tool's response as given to complete() (redacted) */
  response?: unknown;
  /** a note from the latest completion, e.g. why it was abandoned */
  note?: string;
  paths: string[];
  /** migrated from an earlier schema (its content was not chained when first written) */
  migratedFrom?: number;
}

export interface CompletePatch {
  outcome: Outcome;
  checkpointAfter?: string;
  changedPaths?: ChangedPath[];
  durationMs?: number;
  response?: unknown;
  rolledBackBy?: string;
  note?: string;
}

export interface ListQuery {
  cursor?: string;
  limit?: number;
  order?: 'newest' | 'oldest';
  sessionId?: string;
  agent?: string;
  decision?: Verdict;
  outcome?: Outcome;
  kind?: ReceiptKind;
  tool?: string;
  /** a workspace-relative (or absolute) path; ending in `/` matches everything under that folder */
  path?: string;
  /** ISO time, inclusive */
  since?: string;
  /** ISO time, exclusive */
  until?: string;
}

export interface ListPage {
  items: Receipt[];
  nextCursor?: string;
  hasMore: boolean;
}

export interface Stats {
  total: number;
  byDecision: Record<string, number>;
  byAgent: Record<string, number>;
  byOutcome: Record<string, number>;
  byKind: Record<string, number>;
  sessions: number;
  first?: string;
  last?: string;
}

export interface VerifyProblem {
  /** the receipt concerned, or `event#<seq>` / `anchor` when no receipt is */
  id: string;
  /** the receipt's number, or the event's chain position when no receipt is concerned */
  seq: number;
  /** the chain position where the problem shows */
  eventSeq?: number;
  problem: string;
}

export interface VerifyResult {
  ok: boolean;
  /** events whose hash, signature and link were checked */
  checked: number;
  /** receipts whose stored row was checked against their events */
  receipts: number;
  firstBad?: VerifyProblem;
  headHash?: string;
}

export interface Session {
  id: string;
  agent: string;
  harness?: string;
  startedAt: string;
  endedAt?: string;
  workspace: string;
}
