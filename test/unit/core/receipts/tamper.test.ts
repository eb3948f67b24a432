import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { openSqlite } from '../../../../src/core/config/sqlite.ts';
import type { SqliteDatabase } from '../../../../src/core/config/sqlite.ts';
import { compactText, docText, expandText, storeBody } from '../../../../src/core/receipts/chain.ts';
import type { Receipt, VerifyResult } from '../../../../src/core/receipts/store.ts';
import { editReceipt, sandbox } from './helpers.ts';
import type { Sandbox } from './helpers.ts';

let sb: Sandbox;
let receipts: Receipt[];

/** Ten receipts, the odd ones completed: events are genesis, session, then create/complete. */
beforeEach(() => {
  sb = sandbox();
  const store = sb.open();
  receipts = [];
  for (let i = 0; i < 10; i++) {
    const r = store.append(editReceipt({ decision: i === 4 ? 'deny' : 'allow', outcome: i === 4 ? 'blocked' : 'pending', input: { file_path: `src/f${i}.ts`, old_string: 'a', new_string: 'b' } }));
    receipts.push(i % 2 === 1 ? store.complete(r.id, { outcome: 'done', changedPaths: [{ path: `src/f${i}.ts`, status: 'modified' }] }) : r);
  }
  assert.equal(store.verify().ok, true);
  store.close();
});
afterEach(() => sb.cleanup());

function raw<T>(fn: (db: SqliteDatabase) => T): T {
  const db = openSqlite(sb.file);
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

function verify(): VerifyResult {
  const store = sb.open({ abandonAfterMs: 0 });
  try {
    return store.verify();
  } finally {
    store.close();
  }
}

function verifyOne(id: string): { ok: boolean; problem?: string } {
  const store = sb.open({ abandonAfterMs: 0 });
  try {
    return store.verifyReceipt(id);
  } finally {
    store.close();
  }
}

const sha = (s: string): Buffer => crypto.createHash('sha256').update(s).digest();

/** The first (create) event of a receipt: its position, document text and stored tail. */
function createEvent(db: SqliteDatabase, id: string): { seq: number; doc: string; tail: string } {
  const ev = db.prepare<[string], { seq: number; body: string | Buffer; tail: string }>('SELECT seq, body, tail FROM events WHERE receipt = ? ORDER BY seq LIMIT 1').get(id);
  assert.ok(ev);
  return { seq: ev.seq, doc: docText(ev), tail: expandText(ev.tail) };
}

/** Stores a new document text for an event whose tail (the part after the body) is unchanged, the way the store does. */
function storeDoc(db: SqliteDatabase, ev: { seq: number; tail: string }, doc: string, extra: { hash?: Buffer; mac?: Buffer } = {}): void {
  assert.ok(doc.endsWith(ev.tail));
  const body = storeBody(doc.slice('{"body":'.length, doc.length - ev.tail.length));
  db.prepare('UPDATE events SET body = ?, hash = coalesce(?, hash), mac = coalesce(?, mac) WHERE seq = ?').run(body, extra.hash ?? null, extra.mac ?? null, ev.seq);
}

describe('chain verification catches tampering', () => {
  it('an edited field in the receipts table (decision deny → allow)', () => {
    const target = receipts[4] as Receipt;
    raw((db) => db.prepare("UPDATE receipts SET decision = 'allow' WHERE id = ?").run(target.id));
    const v = verify();
    assert.equal(v.ok, false);
    assert.equal(v.firstBad?.id, target.id);
    assert.equal(v.firstBad?.seq, 5);
    assert.match(v.firstBad?.problem ?? '', /stored decision .* differs from its signed events/);
    assert.equal(verifyOne(target.id).ok, false);
    assert.equal(verifyOne((receipts[3] as Receipt).id).ok, true, 'other receipts still check out');
  });

  it('an edited event document (the signed text itself)', () => {
    const target = receipts[6] as Receipt;
    raw((db) => {
      const ev = createEvent(db, target.id);
      storeDoc(db, ev, ev.doc.replace('"decision":"allow"', '"decision":"deny"'));
    });
    const v = verify();
    assert.equal(v.ok, false);
    assert.equal(v.firstBad?.id, target.id);
    assert.match(v.firstBad?.problem ?? '', /does not match its hash/);
    assert.match(verifyOne(target.id).problem ?? '', /does not match its hash/);
  });

  it('an edited time in the stored tail, and a corrupted compressed body', () => {
    const a = receipts[1] as Receipt;
    const b = receipts[8] as Receipt;
    raw((db) => {
      const tail = db.prepare<[number], { tail: string }>('SELECT tail FROM events WHERE seq = ?').get(a.eventSeqs[0] as number)?.tail ?? '';
      db.prepare('UPDATE events SET tail = ? WHERE seq = ?').run(compactText(expandText(tail).replace('"time":"20', '"time":"19')), a.eventSeqs[0]);
      db.prepare('UPDATE events SET body = ? WHERE seq = ?').run(crypto.randomBytes(40), b.eventSeqs[0]);
    });
    const v = verify();
    assert.equal(v.firstBad?.id, a.id);
    assert.match(v.firstBad?.problem ?? '', /does not match its hash/);
    assert.match(verifyOne(b.id).problem ?? '', /does not match its hash/);
    const store = sb.open({ abandonAfterMs: 0 });
    try {
      assert.match(store.get(b.id)?.reason ?? '', /unverifiable/, 'an unreadable receipt is shown as such, not thrown');
    } finally {
      store.close();
    }
  });

  it('an edited event re-hashed without the key (a forged hash)', () => {
    const target = receipts[2] as Receipt;
    raw((db) => {
      const ev = createEvent(db, target.id);
      const doc = ev.doc.replace('"agent":"claude-code"', '"agent":"someone-else"');
      storeDoc(db, ev, doc, { hash: sha(doc) });
      db.prepare("UPDATE receipts SET agent = 'someone-else' WHERE id = ?").run(target.id);
    });
    const v = verify();
    assert.equal(v.firstBad?.id, target.id);
    assert.match(v.firstBad?.problem ?? '', /signature does not check out/);
  });

  it('an edited event re-hashed and re-signed with the stolen key still breaks the link of the next event', () => {
    const target = receipts[2] as Receipt;
    const key = Buffer.from(fs.readFileSync(path.join(sb.home, 'secret.key'), 'utf8').trim(), 'hex');
    raw((db) => {
      const ev = createEvent(db, target.id);
      const doc = ev.doc.replace('"agent":"claude-code"', '"agent":"someone-else"');
      const hash = crypto.createHash('sha256').update(doc).digest('hex');
      const mac = crypto.createHmac('sha256', key).update(hash).digest();
      storeDoc(db, ev, doc, { hash: Buffer.from(hash, 'hex'), mac });
      db.prepare("UPDATE receipts SET agent = 'someone-else' WHERE id = ?").run(target.id);
    });
    const v = verify();
    assert.equal(v.ok, false);
    assert.match(v.firstBad?.problem ?? '', /does not link to the event before it/);
    assert.match(verifyOne(target.id).problem ?? '', /does not link to it/);
  });

  it('a deleted receipt (its events and its row)', () => {
    const target = receipts[5] as Receipt;
    raw((db) => {
      db.prepare('DELETE FROM events WHERE receipt = ?').run(target.id);
      db.prepare('DELETE FROM receipts WHERE id = ?').run(target.id);
    });
    const v = verify();
    assert.equal(v.ok, false);
    assert.match(v.firstBad?.problem ?? '', /missing \(deleted\?\)/);
    assert.equal(v.firstBad?.id, (receipts[6] as Receipt).id, 'named at the first receipt after the gap');
  });

  it('a deleted completion event (hiding that an action ran)', () => {
    const target = receipts[3] as Receipt;
    raw((db) => {
      db.prepare('DELETE FROM events WHERE seq = ?').run(target.eventSeqs[1]);
      db.prepare("UPDATE receipts SET outcome = 'pending', head_seq = create_seq, events = CAST(create_seq AS TEXT) WHERE id = ?").run(target.id);
    });
    const v = verify();
    assert.equal(v.ok, false);
    assert.match(v.firstBad?.problem ?? '', /event \d+ before it is missing/);
    assert.match(verifyOne(target.id).problem ?? '', /is missing/);
  });

  it('a deleted row of the receipts table only', () => {
    const target = receipts[7] as Receipt;
    raw((db) => db.prepare('DELETE FROM receipts WHERE id = ?').run(target.id));
    const v = verify();
    assert.equal(v.firstBad?.id, target.id);
    assert.match(v.firstBad?.problem ?? '', /row is missing from the receipts table/);
  });

  it('reordered events (two receipts swapped in the chain)', () => {
    const a = receipts[2] as Receipt;
    const b = receipts[4] as Receipt;
    raw((db) => {
      const sa = a.eventSeqs[0] as number;
      const sbq = b.eventSeqs[0] as number;
      db.prepare('UPDATE events SET seq = -1 WHERE seq = ?').run(sa);
      db.prepare('UPDATE events SET seq = ? WHERE seq = ?').run(sa, sbq);
      db.prepare('UPDATE events SET seq = ? WHERE seq = -1').run(sbq);
    });
    const v = verify();
    assert.equal(v.ok, false);
    assert.equal(v.firstBad?.id, b.id, 'named at the first position that does not check out');
    assert.match(v.firstBad?.problem ?? '', /stored at position \d+ but was written as event \d+ \(reordered\?\)/);
  });

  it('reordered rows of the receipts table (numbers swapped)', () => {
    raw((db) => {
      db.prepare('UPDATE receipts SET seq = -1 WHERE seq = 3').run();
      db.prepare('UPDATE receipts SET seq = 3 WHERE seq = 4').run();
      db.prepare('UPDATE receipts SET seq = 4 WHERE seq = -1').run();
    });
    const v = verify();
    assert.equal(v.ok, false);
    assert.match(v.firstBad?.problem ?? '', /stored seq .* differs/);
  });

  it('a row added with a forged hash at the end of the chain', () => {
    raw((db) => {
      const last = db.prepare<[], { seq: number; hash: Buffer }>('SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1').get();
      assert.ok(last);
      const body = JSON.stringify({ agent: 'ghost', decision: 'allow', kind: 'action', outcome: 'done', paths: [], reason: 'x', rule: 'x', tool: 'Bash' });
      const tail = JSON.stringify({ key: 'deadbeef', n: 11, prev: last.hash.toString('hex'), receipt: 'ghost00000', seq: last.seq + 1, time: new Date().toISOString(), type: 'create', v: 1 }).replace(/^\{/, ',');
      const doc = '{"body":' + body + tail;
      db.prepare('INSERT INTO events (seq, receipt, body, tail, hash, mac) VALUES (?, ?, ?, ?, ?, ?)').run(last.seq + 1, 'ghost00000', storeBody(body), compactText(tail), sha(doc), crypto.randomBytes(32));
      db.prepare("INSERT INTO receipts (seq, id, create_seq, head_seq, events, time, kind, agent, tool, decision, outcome, redacted) VALUES (11, 'ghost00000', ?, ?, ?, ?, 'action', 'ghost', 'Bash', 'allow', 'done', 0)").run(last.seq + 1, last.seq + 1, String(last.seq + 1), new Date().toISOString());
    });
    const v = verify();
    assert.equal(v.ok, false);
    assert.equal(v.firstBad?.id, 'ghost00000');
    assert.match(v.firstBad?.problem ?? '', /signed with another key|signature does not check out/);
  });

  it('a row added to the receipts table with no events behind it', () => {
    raw((db) => db.prepare("INSERT INTO receipts (seq, id, create_seq, head_seq, events, time, kind, agent, tool, decision, outcome, redacted) VALUES (99, 'handmade00', 999, 999, '999', '2030-01-01T00:00:00.000Z', 'action', 'x', 'Bash', 'allow', 'done', 0)").run());
    const v = verify();
    assert.equal(v.firstBad?.id, 'handmade00');
    assert.match(v.firstBad?.problem ?? '', /its event 999 is missing from the chain/);
    // or one that claims an event of another receipt
    raw((db) => db.prepare("UPDATE receipts SET events = ? WHERE id = 'handmade00'").run(String((receipts[0] as Receipt).eventSeqs[0])));
    assert.match(verify().firstBad?.problem ?? '', /belongs to receipt/);
  });

  it('a completion hidden from its row (event list edited)', () => {
    const target = receipts[3] as Receipt;
    raw((db) => db.prepare("UPDATE receipts SET outcome = 'pending', head_seq = create_seq, events = CAST(create_seq AS TEXT) WHERE id = ?").run(target.id));
    const v = verify();
    assert.equal(v.firstBad?.id, target.id);
    assert.match(v.firstBad?.problem ?? '', /missing from its row's event list/);
  });

  it('a hidden path (the path index edited so a filter misses a receipt)', () => {
    const target = receipts[1] as Receipt;
    raw((db) => db.prepare('DELETE FROM receipt_paths WHERE receipt_seq = ?').run(target.seq));
    const v = verify();
    assert.equal(v.firstBad?.id, target.id);
    assert.match(v.firstBad?.problem ?? '', /path index lacks "src\/(app|f1)\.ts"/);
  });

  it('a planted path (the path index edited so a filter shows a receipt that did not touch the file)', () => {
    const target = receipts[6] as Receipt;
    raw((db) => db.prepare("INSERT INTO receipt_paths (path, receipt_seq) VALUES ('secrets/prod.key', ?)").run(target.seq));
    const v = verify();
    assert.equal(v.firstBad?.id, target.id);
    assert.match(v.firstBad?.problem ?? '', /path index holds "secrets\/prod\.key", which its signed events do not name/);
  });

  it('a different install key (the database copied elsewhere, or the key replaced)', () => {
    fs.writeFileSync(path.join(sb.home, 'secret.key'), crypto.randomBytes(32).toString('hex') + '\n', { mode: 0o600 });
    const v = verify();
    assert.equal(v.ok, false);
    assert.match(v.firstBad?.problem ?? '', /signed with another key/);
  });

  it('verify --up-to stops at a receipt and ignores later tampering', () => {
    const later = receipts[8] as Receipt;
    raw((db) => db.prepare("UPDATE receipts SET decision = 'ask' WHERE id = ?").run(later.id));
    const store = sb.open({ abandonAfterMs: 0 });
    try {
      const upTo = store.verify({ upTo: (receipts[5] as Receipt).id });
      assert.equal(upTo.ok, true);
      assert.equal(upTo.receipts, 6);
      assert.equal(store.verify().ok, false);
    } finally {
      store.close();
    }
  });
});
