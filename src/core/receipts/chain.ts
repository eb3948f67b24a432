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

export interface Head {
  seq: number;
  hash: string;
  time: string;
}

export function sha256Hex(text: string): string {
  return crypto.createHash('sha256').update(text, 'utf8').digest('hex');
}

export function macHex(key: Buffer, hashHex: string): string {
  return crypto.createHmac('sha256', key).update(hashHex, 'utf8').digest('hex');
}

/** A time for the next event: now, but never before the previous event (clock steps back). */
export function nextTime(now: Date, previous: string | undefined): string {
  const iso = now.toISOString();
  return previous !== undefined && previous > iso ? previous : iso;
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
    this.#lastEvent = db.prepare<[], { seq: number; hash: Buffer; doc: string }>('SELECT seq, hash, doc FROM events ORDER BY seq DESC LIMIT 1');
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

  /** Appends one event after the current head; returns it with its hash. */
  append(type: EventType, receipt: string | undefined, body: Record<string, unknown>, now: Date = new Date(), head: Head = this.head()): { seq: number; hash: string; mac: string; time: string; doc: string; prev: string } {
    const seq = head.seq + 1;
    const time = nextTime(now, head.time === '' ? undefined : head.time);
    const doc: EventDoc = { v: CHAIN_VERSION, seq, prev: head.hash, time, type, key: this.#key.id, body };
    if (receipt !== undefined) doc.receipt = receipt;
    const text = canonicalJson(doc);
    const hash = sha256Hex(text);
    const mac = macHex(this.#key.key, hash);
    this.#insert.run(seq, receipt ?? null, text, Buffer.from(hash, 'hex'), Buffer.from(mac, 'hex'));
    return { seq, hash, mac, time, doc: text, prev: head.hash };
  }

  /** Signs and stores an anchor for a pruned prefix. */
  writeAnchor(a: Omit<AnchorDoc, 'v' | 'type' | 'key'>): { hash: string; doc: string } {
    const doc: AnchorDoc = { v: CHAIN_VERSION, type: 'anchor', key: this.#key.id, ...a };
    const text = canonicalJson(doc);
    const hash = sha256Hex(text);
    const mac = macHex(this.#key.key, hash);
    this.#db.prepare('INSERT INTO anchors (doc, hash, mac) VALUES (?, ?, ?)').run(text, Buffer.from(hash, 'hex'), Buffer.from(mac, 'hex'));
    return { hash, doc: text };
  }

  lastAnchor(): StoredAnchor | undefined {
    return this.#lastAnchor.get();
  }
}
