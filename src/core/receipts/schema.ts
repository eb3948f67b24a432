import type { SqliteDatabase } from '../config/sqlite.ts';

/**
 * Schema history of the receipts database (`PRAGMA user_version`):
 *
 * - v1 — the walking skeleton: one flat `receipts` table, no chain, no
 *   sessions. (Files from before versioning have user_version 0 and that
 *   table; they are read as v1.)
 * - v2 — this store: the hash-chained `events` log, the `receipts` projection
 *   (with the chain positions of each receipt's events) and its indexes, `receipt_paths`, `sessions`, `approvals`,
 *   `checkpoints`, `anchors` (signed checkpoints of pruned prefixes) and a
 *   small `state` table.
 *
 * Opening an older file migrates it step by step, each step in one write
 * transaction; a newer file is refused untouched.
 */
export const SCHEMA_VERSION = 2;

export const SCHEMA_V2 = `
-- document = '{"body":' || body || tail, each stored compacted (or the body deflated): see chain.ts (StoredEvent)
CREATE TABLE events (
  seq     INTEGER PRIMARY KEY,
  receipt TEXT,
  body    NOT NULL,
  tail    TEXT NOT NULL,
  hash    BLOB NOT NULL,
  mac     BLOB NOT NULL
);

CREATE TABLE receipts (
  seq               INTEGER PRIMARY KEY,
  id                TEXT NOT NULL UNIQUE,
  create_seq        INTEGER NOT NULL,
  head_seq          INTEGER NOT NULL,
  events            TEXT NOT NULL,
  time              TEXT NOT NULL,
  kind              TEXT NOT NULL,
  session_id        TEXT,
  agent             TEXT NOT NULL,
  tool              TEXT NOT NULL,
  tool_use_id       TEXT,
  decision          TEXT NOT NULL,
  outcome           TEXT NOT NULL,
  checkpoint_before TEXT,
  checkpoint_after  TEXT,
  idempotency_key   TEXT,
  rollback_of       TEXT,
  rolled_back_by    TEXT,
  approver          TEXT,
  redacted          INTEGER NOT NULL
);
-- Every index costs a page in the WAL, and so fsync time, on each durable
-- append: the common values (allow, done, action) are left out of the partial
-- indexes (filters on them scan the table in seq order, where they are
-- dense), and pending receipts are found through receipts_open.
CREATE INDEX receipts_session  ON receipts(session_id, seq) WHERE session_id IS NOT NULL;
CREATE INDEX receipts_agent    ON receipts(agent, seq);
CREATE INDEX receipts_open     ON receipts(outcome, seq, tool_use_id) WHERE outcome IN ('pending', 'abandoned');
CREATE INDEX receipts_outcome  ON receipts(outcome, seq) WHERE outcome NOT IN ('done', 'pending');
CREATE INDEX receipts_decision ON receipts(decision, seq) WHERE decision <> 'allow';
CREATE INDEX receipts_kind     ON receipts(kind, seq) WHERE kind <> 'action';
CREATE UNIQUE INDEX receipts_idempotency ON receipts(idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX receipts_rollback_of ON receipts(rollback_of) WHERE rollback_of IS NOT NULL;

CREATE TABLE receipt_paths (
  path        TEXT NOT NULL,
  receipt_seq INTEGER NOT NULL,
  PRIMARY KEY (path, receipt_seq)
) WITHOUT ROWID;

CREATE TABLE sessions (
  id         TEXT PRIMARY KEY,
  agent      TEXT NOT NULL,
  harness    TEXT,
  started_at TEXT NOT NULL,
  ended_at   TEXT,
  workspace  TEXT NOT NULL
);

CREATE TABLE approvals (
  id         INTEGER PRIMARY KEY,
  receipt_id TEXT,
  approver   TEXT NOT NULL,
  decision   TEXT NOT NULL,
  scope      TEXT,
  reason     TEXT,
  time       TEXT NOT NULL,
  event_seq  INTEGER NOT NULL
);
CREATE INDEX approvals_receipt ON approvals(receipt_id);

CREATE TABLE checkpoints (
  id         TEXT PRIMARY KEY,
  receipt_id TEXT,
  kind       TEXT NOT NULL,
  time       TEXT NOT NULL,
  parent     TEXT,
  label      TEXT,
  event_seq  INTEGER NOT NULL
);
CREATE INDEX checkpoints_receipt ON checkpoints(receipt_id);
CREATE INDEX checkpoints_time ON checkpoints(time);

CREATE TABLE anchors (
  seq  INTEGER PRIMARY KEY,
  doc  TEXT NOT NULL,
  hash BLOB NOT NULL,
  mac  BLOB NOT NULL
);

CREATE TABLE state (
  key        TEXT PRIMARY KEY,
  value      TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
`;

/** The v1 (walking skeleton) receipts table, as its files hold it. */
export interface LegacyReceiptV1 {
  id: string;
  time: string;
  agent: string;
  session: string | null;
  tool: string;
  action: string | null;
  decision: string;
  rule: string;
  reason: string;
  checkpoint_before: string | null;
  checkpoint_after: string | null;
  rollback_of: string | null;
}

export function tableNames(db: SqliteDatabase): Set<string> {
  const rows = db.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'").all();
  return new Set(rows.map((r) => r.name));
}

/**
 * The file's schema version: user_version, or — for an unversioned file —
 * 1 when it holds the skeleton's receipts table, 0 when it is empty.
 */
export function schemaVersion(db: SqliteDatabase): number {
  const v = db.pragma('user_version', { simple: true }) as number;
  if (v !== 0) return v;
  const tables = tableNames(db);
  if (tables.size === 0) return 0;
  if (tables.has('receipts') && !tables.has('events')) return 1;
  return -1;
}
