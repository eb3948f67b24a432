import crypto from 'node:crypto';
import zlib from 'node:zlib';
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

/**
 * An event row. The document text is stored in two parts, `body` (the body's
 * canonical JSON) and `tail` (the rest of the document after it), so that
 * the document is `{"body":` + body + tail, and both parts are stored
 * compacted (see compactText): the frequent keys and fixed fragments of
 * receipt JSON become one control character each, which valid JSON never
 * holds raw. A large body (a long tool input) is instead stored as raw
 * DEFLATE with BODY_DICTIONARY, a BLOB. Either way the text comes back byte
 * for byte: that text is what is hashed and what an export carries.
 */
export interface StoredEvent {
  seq: number;
  receipt: string | null;
  body: string | Buffer;
  tail: string;
  hash: Buffer;
  mac: Buffer;
}

/** Columns of an event row, for SELECTs. */
export const EVENT_COLUMNS = 'seq, receipt, body, tail, hash, mac';

/** Bodies from this many characters of JSON on are stored deflated rather than compacted. */
export const DEFLATE_FROM = 2048;

/**
 * Bodies a hook call waits for are stored compacted up to this many
 * characters, and deflated later by ReceiptStore.packBodies: setting up
 * zlib for one body cost a served call 0.1-0.3 ms, more than the rest of
 * storing it. Larger bodies are deflated at once (their text would make
 * the commit write and sync much more).
 */
export const DEFER_DEFLATE_UP_TO = 16 * 1024;

/**
 * The compaction table (version 1; changing it needs a new schema version):
 * entry i is written as the character U+0001 + i. Canonical JSON escapes
 * every character below U+0020, so these never occur in a document.
 */
export const COMPACT_TOKENS: readonly string[] = [
  ',"key":"',
  '","prev":"',
  '","receipt":"',
  ',"seq":',
  ',"time":"20',
  '","type":"create","v":1}',
  '","type":"complete","v":1}',
  '{"action":{"kind":"',
  '"paths":[{"access":"write","path":"',
  '"}]},"agent":"',
  '","checkpointBefore":"',
  '","decision":"allow","',
  'harness":"',
  '"input":{"file_path":"',
  '","new_string":"',
  '","old_string":"',
  '"},"kind":"action","outcome":"',
  '","paths":["',
  '"],"policyHash":"',
  '","reason":"',
  '","rule":"',
  '","sessionId":"',
  '","target":"',
  '","tool":"',
  '","toolUseId":"',
  '","turn":"',
  '{"changedPaths":[{"path":"',
  ',"status":"modified"}],"checkpointAfter":"',
  '","durationMs":',
  ',"outcome":"done"',
  '"input":{"command":"',
];

const COMPACT_RE = new RegExp(
  [...COMPACT_TOKENS].sort((a, b) => b.length - a.length).map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'),
  'g',
);
const COMPACT_CODE = new Map(COMPACT_TOKENS.map((t, i) => [t, String.fromCharCode(i + 1)]));
const EXPAND_RE = /[\u0001-\u001f]/g;

/** Replaces the table's fragments by their one-character codes. */
export function compactText(text: string): string {
  return text.replace(COMPACT_RE, (m) => COMPACT_CODE.get(m) ?? m);
}

/** The inverse of compactText (any mix of codes expands the same way). */
export function expandText(text: string): string {
  return text.replace(EXPAND_RE, (c) => COMPACT_TOKENS[c.charCodeAt(0) - 1] ?? c);
}

/**
 * The preset dictionary for deflating large bodies (version 1; changing it
 * needs a new schema version): common keys and values of receipt bodies.
 */
export const BODY_DICTIONARY = Buffer.from(
  [
    '"rollbackData":{"checkpoint":"","files":[""]},"rollbackOf":"","idempotencyKey":"","approver":"","evaluated":"ask","truncated":true,',
    '"matches":[{"effect":"deny","fragment":"","reason":"","rule":"secrets/"}],"redacted":true,"redactions":[{"at":"input.content","kind":"secret_assignment"}],',
    '"response":"","note":"","rolledBackBy":"","outcome":"rolled_back","outcome":"abandoned","outcome":"failed","outcome":"blocked","decision":"deny",',
    '"tool":"run_in_terminal","tool":"replace_string_in_file","tool":"create_file","tool":"Write","tool":"Read","tool":"Bash","agent":"cursor","agent":"copilot",',
    '"input":{"command":"","description":"","explanation":"","goal":"","isBackground":false,"mode":"","filePath":"","content":"","oldString":"","newString":""},',
    '"action":{"command":"","commands":[{"args":[""],"name":""}],"cwd":".","kind":"shell","paths":[{"access":"read","path":"src/"}]},',
    '"changedPaths":[{"path":"src/","size":1,"status":"modified"}],"checkpointAfter":"","durationMs":1,"outcome":"done","paths":["src/"]}',
    '{"action":{"kind":"edit","paths":[{"access":"write","path":"src/"}]},"agent":"claude-code","checkpointBefore":"","decision":"allow","harness":"claude",',
    '"input":{"file_path":"/home/","new_string":"","old_string":""},"kind":"action","outcome":"pending","paths":["src/"],"policyHash":"",',
    '"reason":"no rule matched","rule":"default","sessionId":"","target":"src/","tool":"Edit","toolUseId":"toolu_01","turn":""}',
  ].join(''),
  'utf8',
);

export function packBody(json: string): Buffer {
  return zlib.deflateRawSync(Buffer.from(json, 'utf8'), { dictionary: BODY_DICTIONARY, level: 6 });
}

export function unpackBody(z: Buffer): string {
  return zlib.inflateRawSync(z, { dictionary: BODY_DICTIONARY }).toString('utf8');
}

/** How a body is stored: deflated when large, compacted otherwise (or for now, see DEFER_DEFLATE_UP_TO). */
export function storeBody(json: string, deferDeflate = false): string | Buffer {
  if (json.length < DEFLATE_FROM || (deferDeflate && json.length < DEFER_DEFLATE_UP_TO)) return compactText(json);
  return packBody(json);
}

/** The document text of a stored event (throws when a deflated body cannot be inflated). */
export function docText(row: { body: string | Buffer; tail: string }): string {
  return '{"body":' + (typeof row.body === 'string' ? expandText(row.body) : unpackBody(row.body)) + expandText(row.tail);
}

/** Length of the text before the body's JSON in a document. */
const BODY_PREFIX = '{"body":'.length;

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
  // the one-shot form: no Hash object per call
  return crypto.hash('sha256', text, 'hex');
}

export function macHex(key: Buffer | crypto.KeyObject, hashHex: string): string {
  return crypto.createHmac('sha256', key).update(hashHex, 'utf8').digest('hex');
}

/**
 * HMAC-SHA-256 of event hashes (64 hex characters) with one key, as two
 * one-shot SHA-256 calls over buffers prepared once (RFC 2104:
 * H((K ^ opad) || H((K ^ ipad) || m)) with K zero-padded to the 64-byte
 * block): the same value as `macHex(key, hashHex)`, without an HMAC object
 * per event.
 */
export class EventSigner {
  readonly #inner = Buffer.alloc(128);
  readonly #outer = Buffer.alloc(96);

  constructor(key: Buffer) {
    if (key.length > 64) throw new Error('an HMAC key longer than the SHA-256 block is not supported here');
    this.#inner.fill(0x36, 0, 64);
    this.#outer.fill(0x5c, 0, 64);
    for (let i = 0; i < key.length; i++) {
      this.#inner[i] = 0x36 ^ (key[i] as number);
      this.#outer[i] = 0x5c ^ (key[i] as number);
    }
  }

  /** HMAC-SHA-256(key, hashHex) as lower-case hex; hashHex must be 64 hex characters. */
  sign(hashHex: string): string {
    if (this.#inner.write(hashHex, 64, 'latin1') !== 64 || hashHex.length !== 64) throw new Error('an event hash is 64 hex characters');
    // the inner digest as a binary string: an output Buffer costs more than the hash
    this.#outer.write(crypto.hash('sha256', this.#inner, 'binary'), 64, 'latin1');
    return crypto.hash('sha256', this.#outer, 'hex');
  }
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

/** An event body with its canonical JSON and its stored form: computed once, outside the write lock. */
export class PreparedBody {
  readonly body: Record<string, unknown>;
  readonly json: string;
  readonly stored: string | Buffer;
  constructor(body: Record<string, unknown>, deferDeflate = false) {
    this.body = body;
    this.json = canonicalJson(body);
    this.stored = storeBody(this.json, deferDeflate);
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
  readonly #signer: EventSigner;
  readonly #lastEvent;
  readonly #lastAnchor;
  readonly #insert;
  readonly #lastSeq;
  #txHead: Head | undefined;
  #seen: Head | undefined;

  constructor(db: SqliteDatabase, key: SecretKey) {
    this.#db = db;
    this.#key = key;
    this.#signer = new EventSigner(key.key);
    // The tail of the document holds its top-level time (see docTime).
    this.#lastEvent = db.prepare<[], { seq: number; hash: Buffer; tail: string }>('SELECT seq, hash, tail FROM events ORDER BY seq DESC LIMIT 1');
    this.#lastAnchor = db.prepare<[], StoredAnchor>('SELECT seq, doc, hash, mac FROM anchors ORDER BY seq DESC LIMIT 1');
    this.#insert = db.prepare('INSERT INTO events (seq, receipt, body, tail, hash, mac) VALUES (?, ?, ?, ?, ?, ?)');
    this.#lastSeq = db.prepare<[], { seq: number }>('SELECT seq FROM events ORDER BY seq DESC LIMIT 1');
  }

  get keyId(): string {
    return this.#key.id;
  }

  /**
   * Forgets the head remembered from this connection's last append. The store
   * calls it at the start and end of every write transaction: inside one, no
   * other connection can append, so the remembered head stays true.
   */
  forgetHead(): void {
    this.#txHead = undefined;
  }

  /** Forgets every remembered head: after a rolled-back transaction, what it appended never happened. */
  forgetAll(): void {
    this.#txHead = undefined;
    this.#seen = undefined;
  }

  /**
   * The chain's head. `lastSeq`, when the caller has just read the last
   * event position inside this transaction (null: no events), saves reading
   * it again.
   */
  head(lastSeq?: number | null): Head {
    if (this.#txHead) return this.#txHead;
    // The head this connection saw last is still the head when the last
    // position has not moved (positions only grow, one writer at a time).
    if (this.#seen && (lastSeq === undefined ? this.#lastSeq.get()?.seq : lastSeq) === this.#seen.seq) return this.#seen;
    const last = this.#lastEvent.get();
    if (last) {
      this.#seen = { seq: last.seq, hash: last.hash.toString('hex'), time: docTime(expandText(last.tail)) ?? '' };
      return this.#seen;
    }
    const anchor = this.#lastAnchor.get();
    if (anchor) {
      const a = JSON.parse(anchor.doc) as AnchorDoc;
      return { seq: a.throughSeq, hash: a.throughHash, time: a.throughTime };
    }
    return { seq: 0, hash: GENESIS_PREV, time: '' };
  }

  /** The time the next event after `head` gets when appended at `now` (what append() writes). */
  static timeAfter(head: Head, now: Date): string {
    return nextTime(now, head.time === '' ? undefined : head.time);
  }

  /**
   * Appends one event after the current head; returns it with its hash.
   * `body` may come already serialised (canonical JSON of the same object),
   * so the costly part is done before the write lock is taken.
   */
  append(type: EventType, receipt: string | undefined, body: Record<string, unknown> | PreparedBody, now: Date = new Date(), head: Head = this.head(), n?: number, at?: string): AppendedEvent {
    const seq = head.seq + 1;
    // `at`: ChainWriter.timeAfter(head, now), when the caller has it already
    const time = at ?? ChainWriter.timeAfter(head, now);
    const prepared = body instanceof PreparedBody ? body : new PreparedBody(body);
    const doc: EventDoc = { v: CHAIN_VERSION, seq, prev: head.hash, time, type, key: this.#key.id, body: prepared.body };
    if (receipt !== undefined) doc.receipt = receipt;
    if (n !== undefined) doc.n = n;
    const text = eventText(doc, prepared.json);
    const hash = sha256Hex(text);
    const mac = this.#signer.sign(hash);
    const tail = compactText(text.slice(BODY_PREFIX + prepared.json.length));
    this.#insert.run(seq, receipt ?? null, prepared.stored, tail, Buffer.from(hash, 'hex'), Buffer.from(mac, 'hex'));
    this.#txHead = { seq, hash, time };
    this.#seen = this.#txHead;
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
