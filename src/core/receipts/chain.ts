import crypto from 'node:crypto';
import type { SqliteDatabase } from '../config/sqlite.ts';
import { canonicalJson } from './canonical.ts';
import type { SecretKey } from './secretKey.ts';

/**
 * The append-only, hash-chained event log behind the receipt store.
 *
 * Every change — a receipt created, a receipt completed, a session opened, a
 * prune — is one event. Its document is canonical JSON holding the event's
 * position (`seq`), the previous event's hash (`prev`), the time, the type,
 * the receipt it concerns and the body; the stored text is exactly what is
 * hashed (SHA-256, hex), and the hash is signed with the per-install key
 * (HMAC-SHA-256). The receipts table is a projection of these events.
 */

export const CHAIN_VERSION = 1;
/** `prev` of the very first event of a chain */
export const GENESIS_PREV = '0'.repeat(64);

export type EventType =
  | 'genesis'
  | 'create'
  | 'complete'
  | 'approval'
  | 'session_open'
  | 'session_end'
  | 'checkpoint'
  | 'prune'
  | 'migrate';

export interface EventDoc {
  v: number;
  seq: number;
  prev: string;
  time: string;
  type: EventType;
  receipt?: string;
  /** for `create`: the receipt's number (1, 2, 3… per workspace) */
  n?: number;
  /** id of the signing key (see secretKey.ts) */
  key: string;
  body: Record<string, unknown>;
}

export interface StoredEvent {
  seq: number;
  receipt: string | null;
  doc: string;
  hash: Buffer;
  mac: Buffer;
}

export interface AppendedEvent {
  seq: number;
  hash: string;
  mac: string;
  time: string;
  /** the exact stored (hashed) text */
  doc: string;
  prev: string;
  /** the document as an object (what `doc` parses to) */
  parsed: EventDoc;
}

export interface Head {
  seq: number;
  hash: string;
  time: string;
}

export function sha256Hex(text: string): string {
  return crypto.createHash('sha256').update(text, 'utf8').digest('hex');
}

export function macHex(key: Buffer | crypto.KeyObject, hashHex: string): string {
  return crypto.createHmac('sha256', key).update(hashHex, 'utf8').digest('hex');
}

/** How far back the clock may step and still be smoothed over (NTP corrections). */
export const MAX_CLOCK_SMOOTHING_MS = 10 * 60_000;

/**
 * A time for the next event: now, but not before the previous event when the
 * clock stepped back a little (so times follow the chain and time ranges map
 * to chain ranges). A larger step back is recorded as it is: a clock that was
 * once wrong far in the future must not freeze every later time.
 */
export function nextTime(now: Date, previous: string | undefined): string {
  const iso = now.toISOString();
  if (previous === undefined || previous <= iso) return iso;
  return Date.parse(previous) - now.getTime() <= MAX_CLOCK_SMOOTHING_MS ? previous : iso;
}

/**
 * The top-level time of a stored document without parsing all of it: keys
 * are sorted, so everything after `body` is a top-level scalar and the last
 * `"time":"` is the event's own.
 */
export function docTime(doc: string): string | undefined {
  const at = doc.lastIndexOf('"time":"');
  if (at < 0) return undefined;
  const start = at + 8;
  const end = doc.indexOf('"', start);
  return end < 0 ? undefined : doc.slice(start, end);
}

export interface AnchorDoc {
  v: number;
  type: 'anchor';
  /** events up to and including this seq were pruned */
  throughSeq: number;
  /** hash of the event at throughSeq: `prev` of the first kept event */
  throughHash: string;
  /** time of the event at throughSeq */
  throughTime: string;
  /** highest receipt number pruned (receipt numbers continue after it) */
  throughReceiptSeq: number;
  prunedEvents: number;
  prunedReceipts: number;
  /** hash of the previous anchor, or null for the first prune */
  prevAnchor: string | null;
  workspace: string;
  time: string;
  key: string;
}

export interface StoredAnchor {
  seq: number;
  doc: string;
  hash: Buffer;
  mac: Buffer;
}

/** An event body with its canonical JSON, computed once. */
export class PreparedBody {
  readonly body: Record<string, unknown>;
  readonly json: string;
  constructor(body: Record<string, unknown>) {
    this.body = body;
    this.json = canonicalJson(body);
  }
}

/**
 * The canonical text of an event document whose body is already serialised:
 * the same bytes as `canonicalJson(doc)` (keys in sorted order: body, key, n,
 * prev, receipt, seq, time, type, v), built by concatenation.
 */
export function eventText(doc: EventDoc, bodyJson: string): string {
  let s = '{"body":' + bodyJson + ',"key":' + JSON.stringify(doc.key);
  if (doc.n !== undefined) s += ',"n":' + JSON.stringify(doc.n);
  s += ',"prev":' + JSON.stringify(doc.prev);
  if (doc.receipt !== undefined) s += ',"receipt":' + JSON.stringify(doc.receipt);
  return s + ',"seq":' + JSON.stringify(doc.seq) + ',"time":' + JSON.stringify(doc.time) + ',"type":' + JSON.stringify(doc.type) + ',"v":' + JSON.stringify(doc.v) + '}';
}

/** Writes events; every method must run inside a write (IMMEDIATE) transaction. */
export class ChainWriter {
  readonly #db: SqliteDatabase;
  readonly #key: SecretKey;
  readonly #lastEvent;
  readonly #lastAnchor;
  readonly #insert;

  constructor(db: SqliteDatabase, key: SecretKey) {
    this.#db = db;
    this.#key = key;
    // The tail of the document holds its top-level time (see docTime).
    this.#lastEvent = db.prepare<[], { seq: number; hash: Buffer; doc: string }>('SELECT seq, hash, substr(doc, -400) AS doc FROM events ORDER BY seq DESC LIMIT 1');
    this.#lastAnchor = db.prepare<[], StoredAnchor>('SELECT seq, doc, hash, mac FROM anchors ORDER BY seq DESC LIMIT 1');
    this.#insert = db.prepare('INSERT INTO events (seq, receipt, doc, hash, mac) VALUES (?, ?, ?, ?, ?)');
  }

  get keyId(): string {
    return this.#key.id;
  }

  head(): Head {
    const last = this.#lastEvent.get();
    if (last) return { seq: last.seq, hash: last.hash.toString('hex'), time: docTime(last.doc) ?? '' };
    const anchor = this.#lastAnchor.get();
    if (anchor) {
      const a = JSON.parse(anchor.doc) as AnchorDoc;
      return { seq: a.throughSeq, hash: a.throughHash, time: a.throughTime };
    }
    return { seq: 0, hash: GENESIS_PREV, time: '' };
  }

  /**
   * Appends one event after the current head; returns it with its hash.
   * `body` may come already serialised (canonical JSON of the same object),
   * so the costly part is done before the write lock is taken.
   */
  append(type: EventType, receipt: string | undefined, body: Record<string, unknown> | PreparedBody, now: Date = new Date(), head: Head = this.head(), n?: number): AppendedEvent {
    const seq = head.seq + 1;
    const time = nextTime(now, head.time === '' ? undefined : head.time);
    const prepared = body instanceof PreparedBody ? body : new PreparedBody(body);
    const doc: EventDoc = { v: CHAIN_VERSION, seq, prev: head.hash, time, type, key: this.#key.id, body: prepared.body };
    if (receipt !== undefined) doc.receipt = receipt;
    if (n !== undefined) doc.n = n;
    const text = eventText(doc, prepared.json);
    const hash = sha256Hex(text);
    const mac = macHex(this.#key.keyObject, hash);
    this.#insert.run(seq, receipt ?? null, text, Buffer.from(hash, 'hex'), Buffer.from(mac, 'hex'));
    return { seq, hash, mac, time, doc: text, prev: head.hash, parsed: doc };
  }

  /** Signs and stores an anchor for a pruned prefix. */
  writeAnchor(a: Omit<AnchorDoc, 'v' | 'type' | 'key'>): { hash: string; doc: string } {
    const doc: AnchorDoc = { v: CHAIN_VERSION, type: 'anchor', key: this.#key.id, ...a };
    const text = canonicalJson(doc);
    const hash = sha256Hex(text);
    const mac = macHex(this.#key.keyObject, hash);
    this.#db.prepare('INSERT INTO anchors (doc, hash, mac) VALUES (?, ?, ?)').run(text, Buffer.from(hash, 'hex'), Buffer.from(mac, 'hex'));
    return { hash, doc: text };
  }

  lastAnchor(): StoredAnchor | undefined {
    return this.#lastAnchor.get();
  }
}
