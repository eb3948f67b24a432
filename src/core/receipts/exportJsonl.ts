import crypto from 'node:crypto';
import type { SqliteDatabase } from '../config/sqlite.ts';
import { docText, GENESIS_PREV, macHex, sha256Hex } from './chain.ts';
import type { AnchorDoc, EventDoc, StoredAnchor } from './chain.ts';

/**
 * The JSON-lines export of a receipt chain (format `belay-receipts`, v1):
 *
 *   line 1   {"format":"belay-receipts","version":1,"workspace":…,"exportedAt":…,"key":<key id>,
 *             "startPrev":<prev of the first event>,"anchor":{doc,hash,mac}|null,"from":<first seq>}
 *   then     {"seq":N,"hash":<hex>,"mac":<hex>,"doc":<the exact hashed text of event N>}
 *   last     {"end":true,"events":<count>,"head":<hash of the last event>}
 *
 * Anyone can check it with SHA-256 alone: each `doc` hashes to its `hash`,
 * names its `seq`, and its `prev` is the hash of the line before (the first
 * one's is `startPrev`: 64 zeros for a whole chain, the anchor's
 * `throughHash` after a prune). With the install's key, each `mac` is
 * HMAC-SHA-256(key, hash). docs/receipts.md has a standalone checker.
 */

export const EXPORT_FORMAT = 'belay-receipts';
export const EXPORT_VERSION = 1;

export interface ExportOptions {
  /** start at this chain position (default: the first kept event) */
  fromSeq?: number;
}

export interface ExportHeader {
  format: typeof EXPORT_FORMAT;
  version: number;
  workspace: string;
  exportedAt: string;
  key: string;
  from: number | null;
  startPrev: string;
  anchor: { doc: string; hash: string; mac: string } | null;
}

export function writeExport(
  db: SqliteDatabase,
  keyId: string,
  workspace: string,
  out: { write(chunk: string): unknown },
  opts: ExportOptions,
  now: Date,
): { events: number; head: string } {
  const run = db.transaction(() => {
    const anchorRow = db.prepare<[], StoredAnchor>('SELECT seq, doc, hash, mac FROM anchors ORDER BY seq DESC LIMIT 1').get();
    const first = db.prepare<[number], { seq: number; body: string | Buffer; tail: string }>('SELECT seq, body, tail FROM events WHERE seq >= ? ORDER BY seq LIMIT 1').get(opts.fromSeq ?? 0);
    let startPrev = GENESIS_PREV;
    if (first) startPrev = (JSON.parse(docText(first)) as EventDoc).prev;
    else if (anchorRow) startPrev = (JSON.parse(anchorRow.doc) as AnchorDoc).throughHash;
    const header: ExportHeader = {
      format: EXPORT_FORMAT,
      version: EXPORT_VERSION,
      workspace,
      exportedAt: now.toISOString(),
      key: keyId,
      from: first?.seq ?? null,
      startPrev,
      anchor: anchorRow ? { doc: anchorRow.doc, hash: anchorRow.hash.toString('hex'), mac: anchorRow.mac.toString('hex') } : null,
    };
    let buf = JSON.stringify(header) + '\n';
    const page = db.prepare<[number, number], { seq: number; body: string | Buffer; tail: string; hash: Buffer; mac: Buffer }>('SELECT seq, body, tail, hash, mac FROM events WHERE seq >= ? ORDER BY seq LIMIT ?');
    let next = first?.seq ?? Number.MAX_SAFE_INTEGER;
    let count = 0;
    let head = startPrev;
    for (;;) {
      const rows = page.all(next, 2000);
      if (rows.length === 0) break;
      for (const r of rows) {
        head = r.hash.toString('hex');
        let doc: string;
        try {
          doc = docText(r);
        } catch {
          doc = '(unreadable body)';
        }
        buf += `{"seq":${r.seq},"hash":"${head}","mac":"${r.mac.toString('hex')}","doc":${JSON.stringify(doc)}}\n`;
        count++;
        next = r.seq + 1;
        if (buf.length > 1 << 16) {
          out.write(buf);
          buf = '';
        }
      }
    }
    buf += JSON.stringify({ end: true, events: count, head }) + '\n';
    out.write(buf);
    return { events: count, head };
  });
  return run();
}

export interface ExportCheck {
  ok: boolean;
  events: number;
  head?: string;
  /** signatures were checked too (a key was given and matched the export's key id) */
  signaturesChecked: boolean;
  problem?: string;
  /** 1-based line of the problem */
  line?: number;
}

/**
 * Checks an export the way an outside verifier would (docs/receipts.md), and
 * the signatures too when given the install's key.
 */
export function verifyExportText(text: string, key?: Buffer): ExportCheck {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const fail = (line: number, problem: string, events = 0): ExportCheck => ({ ok: false, events, signaturesChecked: false, problem, line });
  if (lines.length < 2) return fail(1, 'not a Belay receipts export (too short)');
  let header: ExportHeader;
  try {
    header = JSON.parse(lines[0] as string) as ExportHeader;
  } catch {
    return fail(1, 'the header is not JSON');
  }
  if (header.format !== EXPORT_FORMAT) return fail(1, `not a Belay receipts export (format ${JSON.stringify(header.format)})`);
  if (header.version !== EXPORT_VERSION) return fail(1, `export version ${String(header.version)} is not supported`);
  const keyId = key ? crypto.createHash('sha256').update(key).digest('hex').slice(0, 8) : undefined;
  const checkMacs = key !== undefined && keyId === header.key;
  let prev = header.startPrev;
  if (header.anchor) {
    if (sha256Hex(header.anchor.doc) !== header.anchor.hash) return fail(1, 'the anchor does not match its hash');
    if (checkMacs && key && macHex(key, header.anchor.hash) !== header.anchor.mac) return fail(1, 'the anchor signature does not check out');
  }
  let expected = header.from;
  let count = 0;
  for (let i = 1; i < lines.length; i++) {
    let line: { seq?: number; hash?: string; mac?: string; doc?: string; end?: boolean; events?: number; head?: string };
    try {
      line = JSON.parse(lines[i] as string) as typeof line;
    } catch {
      return fail(i + 1, 'not JSON', count);
    }
    if (line.end === true) {
      if (i !== lines.length - 1) return fail(i + 1, 'lines after the end marker', count);
      if (line.events !== count) return fail(i + 1, `the end marker counts ${String(line.events)} events, the export holds ${count} (lines removed or added?)`, count);
      if (line.head !== prev) return fail(i + 1, 'the end marker head is not the last event hash', count);
      return { ok: true, events: count, head: prev, signaturesChecked: checkMacs };
    }
    if (typeof line.doc !== 'string' || typeof line.hash !== 'string' || typeof line.seq !== 'number') return fail(i + 1, 'not an event line', count);
    if (line.seq !== expected) return fail(i + 1, `event ${line.seq} where ${String(expected)} was expected (removed or reordered?)`, count);
    if (sha256Hex(line.doc) !== line.hash) return fail(i + 1, `event ${line.seq} does not match its hash (edited?)`, count);
    let doc: EventDoc;
    try {
      doc = JSON.parse(line.doc) as EventDoc;
    } catch {
      return fail(i + 1, `event ${line.seq} document is not JSON`, count);
    }
    if (doc.seq !== line.seq) return fail(i + 1, `event ${line.seq} was written as event ${String(doc.seq)}`, count);
    if (doc.prev !== prev) return fail(i + 1, `event ${line.seq} does not link to the event before it`, count);
    if (checkMacs && key && macHex(key, line.hash) !== line.mac) return fail(i + 1, `event ${line.seq} signature does not check out`, count);
    prev = line.hash;
    expected = line.seq + 1;
    count++;
  }
  return fail(lines.length, 'the end marker is missing (truncated export?)', count);
}
