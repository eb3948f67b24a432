import crypto from 'node:crypto';
import type { SqliteDatabase } from '../config/sqlite.ts';
import { docText, EVENT_COLUMNS, GENESIS_PREV, macHex, sha256Hex } from './chain.ts';
import type { AnchorDoc, EventDoc, StoredAnchor, StoredEvent } from './chain.ts';
import { diffProjection, foldEvents, parseEventList, projectionOf } from './projection.ts';
import type { ProjectionRow } from './projection.ts';
import type { SecretKey } from './secretKey.ts';
import type { VerifyProblem, VerifyResult } from './types.ts';

/**
 * Verification of a workspace's receipt chain, in two passes over one read
 * snapshot:
 *
 * 1. the event log in chain order: positions are contiguous from the genesis
 *    (or from the latest signed prune anchor), each stored document hashes to
 *    its stored hash, names its own position, links to the previous event's
 *    hash, carries a valid HMAC of this install's key, and time never goes
 *    backwards; each create event has its row in the receipts table and the
 *    next receipt number;
 * 2. the receipts table: every row equals the fold of its signed events
 *    (decision, outcome, checkpoints, links, …) and its path index matches.
 *
 * The first problem in chain order is reported.
 */

interface EventRow {
  seq: number;
  receipt: string | null;
  doc: string;
  hash: Buffer;
  mac: Buffer;
}

const CHUNK = 2000;

/** A stored event with its document text; an unreadable (tampered) body gives a text no hash matches. */
export function decoded(row: StoredEvent): EventRow {
  let doc: string;
  try {
    doc = docText(row);
  } catch {
    doc = '\u0000(unreadable body)';
  }
  return { seq: row.seq, receipt: row.receipt, doc, hash: row.hash, mac: row.mac };
}

function safeEqualHex(a: string, b: Buffer): boolean {
  const bb = Buffer.from(a, 'hex');
  return bb.length === b.length && crypto.timingSafeEqual(bb, b);
}

export interface ChainStart {
  seq: number;
  prev: string;
  time: string;
  receiptSeq: number;
  anchorHashes: Set<string>;
}

/** Checks the signed prune anchors and returns where the kept chain must start. */
export function checkAnchors(db: SqliteDatabase, key: SecretKey): { start: ChainStart } | { problem: VerifyProblem } {
  const anchors = db.prepare<[], StoredAnchor>('SELECT seq, doc, hash, mac FROM anchors ORDER BY seq').all();
  const start: ChainStart = { seq: 1, prev: GENESIS_PREV, time: '', receiptSeq: 1, anchorHashes: new Set() };
  let prevAnchor: string | null = null;
  for (const a of anchors) {
    const bad = (problem: string): { problem: VerifyProblem } => ({ problem: { id: 'anchor', seq: a.seq, problem: `prune anchor ${a.seq}: ${problem}` } });
    const h = sha256Hex(a.doc);
    if (!safeEqualHex(h, a.hash)) return bad('its content does not match its hash (edited?)');
    let d: AnchorDoc;
    try {
      d = JSON.parse(a.doc) as AnchorDoc;
    } catch {
      return bad('not valid JSON');
    }
    if (d.key !== key.id) return bad(`signed with another key (${d.key}), not this install's (${key.id})`);
    if (!safeEqualHex(macHex(key.keyObject, h), a.mac)) return bad('its signature does not check out (forged?)');
    if (d.prevAnchor !== prevAnchor) return bad('does not link to the anchor before it');
    if (d.throughSeq < start.seq - 1) return bad('goes backwards');
    prevAnchor = h;
    start.seq = d.throughSeq + 1;
    start.prev = d.throughHash;
    start.time = d.throughTime;
    start.receiptSeq = d.throughReceiptSeq + 1;
    start.anchorHashes.add(h);
  }
  return { start };
}

export interface VerifyOptions {
  /** verify the chain only up to this event position (inclusive) */
  uptoEventSeq?: number;
  /** verify rows only up to this receipt number (inclusive) */
  uptoReceiptSeq?: number;
}

export function verifyStore(db: SqliteDatabase, key: SecretKey, opts: VerifyOptions = {}): VerifyResult {
  const run = db.transaction(() => verifyInSnapshot(db, key, opts));
  return run();
}

function verifyInSnapshot(db: SqliteDatabase, key: SecretKey, opts: VerifyOptions): VerifyResult {
  const anchorsCheck = checkAnchors(db, key);
  if ('problem' in anchorsCheck) return { ok: false, checked: 0, receipts: 0, firstBad: anchorsCheck.problem };
  const start = anchorsCheck.start;
  const upto = opts.uptoEventSeq ?? Number.MAX_SAFE_INTEGER;

  const pageRows = db.prepare<[number, number], StoredEvent>(`SELECT ${EVENT_COLUMNS} FROM events WHERE seq > ? ORDER BY seq LIMIT ?`);
  const page = { all: (after: number, n: number): EventRow[] => pageRows.all(after, n).map(decoded) };
  const rowById = db.prepare<[string], { seq: number; events: string }>('SELECT seq, events FROM receipts WHERE id = ?');

  let expected = start.seq;
  let prev = start.prev;
  let receiptSeq = start.receiptSeq;
  let checked = 0;
  let chainProblem: VerifyProblem | undefined;
  let after = 0;
  let headHash: string | undefined;

  outer: for (;;) {
    const rows = page.all(after, CHUNK);
    if (rows.length === 0) break;
    for (const row of rows) {
      if (row.seq > upto) break outer;
      after = row.seq;
      const problem = checkEvent(row, expected, prev, key, start);
      const who = (doc?: EventDoc): Pick<VerifyProblem, 'id' | 'seq'> => {
        const rid = row.receipt ?? doc?.receipt;
        if (rid) {
          const r = rowById.get(rid);
          return { id: rid, seq: r?.seq ?? (typeof doc?.n === 'number' ? doc.n : row.seq) };
        }
        return { id: `event#${row.seq}`, seq: row.seq };
      };
      if (typeof problem === 'string') {
        chainProblem = { ...who(), eventSeq: row.seq, problem };
        break outer;
      }
      const doc = problem.doc;
      if (doc.type === 'create') {
        const n = doc.n;
        if (n !== receiptSeq) {
          chainProblem = { ...who(doc), eventSeq: row.seq, problem: `receipt number ${String(n)} is out of order (expected ${receiptSeq}; receipts reordered or removed?)` };
          break outer;
        }
        receiptSeq++;
        if (!rowById.get(doc.receipt ?? '')) {
          chainProblem = { id: doc.receipt ?? `event#${row.seq}`, seq: n, eventSeq: row.seq, problem: 'its row is missing from the receipts table (deleted?)' };
          break outer;
        }
      }
      if (doc.receipt !== undefined) {
        const r = rowById.get(doc.receipt);
        if (!r) {
          chainProblem = { id: doc.receipt, seq: row.seq, eventSeq: row.seq, problem: `event ${row.seq} (${doc.type}) belongs to a receipt with no row (deleted?)` };
          break outer;
        }
        if (!parseEventList(r.events).includes(row.seq)) {
          chainProblem = { id: doc.receipt, seq: r.seq, eventSeq: row.seq, problem: `its event ${row.seq} (${doc.type}) is missing from its row's event list (hidden?)` };
          break outer;
        }
      }
      if (doc.type === 'prune') {
        const a = doc.body.anchor;
        if (typeof a !== 'string' || !start.anchorHashes.has(a)) {
          chainProblem = { ...who(doc), eventSeq: row.seq, problem: 'records a prune whose signed anchor is missing' };
          break outer;
        }
      }
      prev = problem.hash;
      headHash = problem.hash;
      expected = row.seq + 1;
      checked++;
    }
  }

  // Pass 2: rows against the fold of their events, up to where pass 1 found a problem.
  const limitEvent = chainProblem?.eventSeq ?? Number.MAX_SAFE_INTEGER;
  const limitReceipt = opts.uptoReceiptSeq ?? Number.MAX_SAFE_INTEGER;
  const rowsPage = db.prepare<[number, number], ProjectionRow>('SELECT * FROM receipts WHERE seq > ? ORDER BY seq LIMIT ?');
  const eventRow = db.prepare<[number], StoredEvent>(`SELECT ${EVENT_COLUMNS} FROM events WHERE seq = ?`);
  const eventAt = { get: (seq: number): EventRow | undefined => {
    const r = eventRow.get(seq);
    return r ? decoded(r) : undefined;
  } };
  const pathRow = db.prepare<[string, number], { one: number }>('SELECT 1 AS one FROM receipt_paths WHERE path = ? AND receipt_seq = ?');
  let receipts = 0;
  let pathCount = 0;
  let rowProblem: VerifyProblem | undefined;
  let afterSeq = -1;
  outer2: for (;;) {
    const rows = rowsPage.all(afterSeq, CHUNK);
    if (rows.length === 0) break;
    for (const row of rows) {
      afterSeq = row.seq;
      if (row.seq > limitReceipt || row.create_seq >= limitEvent) break outer2;
      const listed = eventsOfRow(row, (seq) => eventAt.get(seq));
      const checked = typeof listed === 'string' ? { problem: listed, paths: 0 } : checkRow(row, listed, (p) => pathRow.get(p, row.seq) !== undefined, upto);
      if (checked.problem !== undefined) {
        rowProblem = { id: row.id, seq: row.seq, eventSeq: row.create_seq, problem: checked.problem };
        break outer2;
      }
      pathCount += checked.paths;
      receipts++;
    }
  }
  // Entries the events do not explain (a receipt slipped into a path filter).
  if (!chainProblem && !rowProblem && opts.uptoEventSeq === undefined && opts.uptoReceiptSeq === undefined) {
    const indexed = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM receipt_paths').get()?.n ?? 0;
    if (indexed !== pathCount) rowProblem = findExtraPath(db, (seq) => eventAt.get(seq)) ?? { id: 'paths', seq: 0, problem: `the path index holds ${indexed} entries where the signed events name ${pathCount} (edited?)` };
  }
  const firstBad = pickFirst(chainProblem, rowProblem);
  const result: VerifyResult = { ok: firstBad === undefined, checked, receipts };
  if (firstBad) result.firstBad = firstBad;
  if (headHash !== undefined) result.headHash = headHash;
  return result;
}

function pickFirst(a: VerifyProblem | undefined, b: VerifyProblem | undefined): VerifyProblem | undefined {
  if (!a) return b;
  if (!b) return a;
  return (b.eventSeq ?? Infinity) < (a.eventSeq ?? Infinity) ? b : a;
}

/** Checks one stored event; returns a problem, or its hash and parsed document. */
export function checkEvent(row: EventRow, expected: number, prev: string, key: SecretKey, start: ChainStart): string | { hash: string; doc: EventDoc } {
  if (row.seq !== expected) {
    if (expected === start.seq && start.seq === 1) return `the chain starts at event ${row.seq}: events 1–${row.seq - 1} are missing and no signed prune anchor covers them (deleted?)`;
    if (expected === start.seq) return `the chain starts at event ${row.seq} but the latest prune anchor ends at ${start.seq - 1} (deleted?)`;
    return row.seq - expected === 1 ? `event ${expected} before it is missing (deleted?)` : `events ${expected}–${row.seq - 1} before it are missing (deleted?)`;
  }
  const hash = sha256Hex(row.doc);
  if (!safeEqualHex(hash, row.hash)) return 'its content does not match its hash (edited?)';
  let doc: EventDoc;
  try {
    doc = JSON.parse(row.doc) as EventDoc;
  } catch {
    return 'its document is not valid JSON';
  }
  if (doc.seq !== row.seq) return `it is stored at position ${row.seq} but was written as event ${String(doc.seq)} (reordered?)`;
  if (doc.prev !== prev) return 'it does not link to the event before it (reordered, inserted or the one before was replaced?)';
  if (doc.key !== key.id) return `it is signed with another key (${String(doc.key)}), not this install's (${key.id})`;
  if (!safeEqualHex(macHex(key.keyObject, hash), row.mac)) return 'its signature does not check out (forged or re-hashed?)';
  if ((doc.receipt ?? null) !== row.receipt) return 'its receipt column does not match its document (edited?)';
  return { hash, doc };
}

/** The events a row lists, each checked to exist and to belong to it; or a problem. */
export function eventsOfRow(row: ProjectionRow, at: (seq: number) => { seq: number; receipt: string | null; doc: string } | undefined): { seq: number; doc: string }[] | string {
  const seqs = parseEventList(row.events);
  if (seqs.length === 0 || seqs.some((n) => !Number.isInteger(n))) return 'its event list is empty or unreadable (edited?)';
  const out: { seq: number; doc: string }[] = [];
  let last = 0;
  for (const seq of seqs) {
    if (seq <= last) return 'its event list is out of order (edited?)';
    last = seq;
    const e = at(seq);
    if (!e) return `its event ${seq} is missing from the chain (deleted?)`;
    if (e.receipt !== row.id) return `its event list names event ${seq}, which belongs to ${e.receipt === null ? 'no receipt' : `receipt ${e.receipt}`} (edited?)`;
    out.push({ seq: e.seq, doc: e.doc });
  }
  return out;
}

/** Checks a receipts row against its signed events; returns a problem or undefined. */
/**
 * Checks a receipts row against its signed events; `hasPath` answers whether
 * the path index holds (path, this receipt). Returns a problem, and how many
 * paths the receipt should have in the index (for the total check).
 */
export function checkRow(row: ProjectionRow, events: { seq: number; doc: string }[], hasPath: (path: string) => boolean, upto = Number.MAX_SAFE_INTEGER): { problem?: string; paths: number } {
  const within = events.filter((e) => e.seq <= upto);
  if (within.length === 0) return { problem: 'it has no events in the chain (row added by hand?)', paths: 0 };
  let docs: EventDoc[];
  try {
    docs = within.map((e) => JSON.parse(e.doc) as EventDoc);
  } catch {
    return { problem: 'one of its events is not valid JSON', paths: 0 };
  }
  if (docs[0]?.type !== 'create') return { problem: 'its first event is not its creation', paths: 0 };
  let folded;
  try {
    folded = foldEvents(docs);
  } catch (err) {
    return { problem: `its events do not fold: ${(err as Error).message}`, paths: 0 };
  }
  const expected = projectionOf(folded);
  const complete = upto === Number.MAX_SAFE_INTEGER || within.length === events.length;
  if (!complete) {
    // The row reflects later events; compare only what cannot change.
    expected.head_seq = row.head_seq;
    expected.events = row.events;
    expected.outcome = row.outcome;
    expected.checkpoint_after = row.checkpoint_after;
    expected.rolled_back_by = row.rolled_back_by;
    expected.approver = row.approver;
    expected.redacted = row.redacted;
  }
  const column = diffProjection(row, expected);
  if (column !== undefined) return { problem: `its stored ${column} (${JSON.stringify(row[column])}) differs from its signed events (${JSON.stringify(expected[column])}) (edited?)`, paths: 0 };
  if (complete) {
    const missing = folded.paths.find((p) => !hasPath(p));
    if (missing !== undefined) return { problem: `its path index lacks ${JSON.stringify(missing)}, which its signed events name (edited?)`, paths: 0 };
  }
  return { paths: folded.paths.length };
}

/**
 * Finds the first receipt with a path-index entry its signed events do not
 * name (only run when the index holds more entries than the events explain).
 */
function findExtraPath(db: SqliteDatabase, eventAt: (seq: number) => EventRow | undefined): VerifyProblem | undefined {
  const rows = db.prepare<[], { path: string; receipt_seq: number }>('SELECT path, receipt_seq FROM receipt_paths ORDER BY receipt_seq, path').iterate();
  const rowOf = db.prepare<[number], ProjectionRow>('SELECT * FROM receipts WHERE seq = ?');
  let current: { seq: number; paths: Set<string>; id: string; create: number } | undefined;
  for (const r of rows) {
    if (!current || current.seq !== r.receipt_seq) {
      const row = rowOf.get(r.receipt_seq);
      if (!row) return { id: `receipt#${r.receipt_seq}`, seq: r.receipt_seq, problem: `the path index names receipt #${r.receipt_seq}, which does not exist (edited?)` };
      const listed = eventsOfRow(row, eventAt);
      const docs = typeof listed === 'string' ? [] : listed.map((e) => JSON.parse(e.doc) as EventDoc);
      current = { seq: row.seq, id: row.id, create: row.create_seq, paths: new Set(docs.length > 0 ? foldEvents(docs).paths : []) };
    }
    if (!current.paths.has(r.path)) return { id: current.id, seq: current.seq, eventSeq: current.create, problem: `its path index holds ${JSON.stringify(r.path)}, which its signed events do not name (edited?)` };
  }
  return undefined;
}

/** Verifies one receipt: its events, their links to their neighbours, and its row. */
export function verifyOneReceipt(db: SqliteDatabase, key: SecretKey, id: string): { ok: boolean; problem?: string } {
  const run = db.transaction((): { ok: boolean; problem?: string } => {
    const row = db.prepare<[string], ProjectionRow>('SELECT * FROM receipts WHERE id = ?').get(id);
    if (!row) return { ok: false, problem: `no receipt ${id}` };
    const byPosRow = db.prepare<[number], StoredEvent>(`SELECT ${EVENT_COLUMNS} FROM events WHERE seq = ?`);
    const byPos = { get: (seq: number): EventRow | undefined => {
      const r = byPosRow.get(seq);
      return r ? decoded(r) : undefined;
    } };
    const listed = eventsOfRow(row, (seq) => byPos.get(seq));
    if (typeof listed === 'string') return { ok: false, problem: listed };
    const events = listed.map((e) => byPos.get(e.seq) as EventRow);
    const laterThan = db.prepare<[number], { m: number | null }>('SELECT min(seq) AS m FROM events WHERE seq > ?');
    const anchors = checkAnchors(db, key);
    if ('problem' in anchors) return { ok: false, problem: anchors.problem.problem };
    const start = anchors.start;
    for (const e of events) {
      let prev: string;
      if (e.seq === start.seq) {
        prev = start.prev;
      } else {
        const before = byPos.get(e.seq - 1);
        if (!before) return { ok: false, problem: `event ${e.seq - 1} before its event ${e.seq} is missing (deleted?)` };
        prev = sha256Hex(before.doc);
        if (!safeEqualHex(prev, before.hash)) return { ok: false, problem: `event ${e.seq - 1} before its event ${e.seq} does not match its hash (edited?)` };
      }
      const checked = checkEvent(e, e.seq, prev, key, start);
      if (typeof checked === 'string') return { ok: false, problem: `event ${e.seq}: ${checked}` };
      const next = byPos.get(e.seq + 1);
      if (!next && laterThan.get(e.seq)?.m != null) return { ok: false, problem: `event ${e.seq + 1} after its event ${e.seq} is missing (deleted?)` };
      if (next) {
        let nd: EventDoc;
        try {
          nd = JSON.parse(next.doc) as EventDoc;
        } catch {
          return { ok: false, problem: `event ${e.seq + 1} after its event ${e.seq} is not valid JSON` };
        }
        if (nd.prev !== checked.hash) return { ok: false, problem: `event ${e.seq + 1} after its event ${e.seq} does not link to it (replaced?)` };
      }
    }
    const pathRow = db.prepare<[string, number], { one: number }>('SELECT 1 AS one FROM receipt_paths WHERE path = ? AND receipt_seq = ?');
    const checked = checkRow(row, events, (p) => pathRow.get(p, row.seq) !== undefined);
    return checked.problem === undefined ? { ok: true } : { ok: false, problem: checked.problem };
  });
  return run();
}
