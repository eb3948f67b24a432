import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { openSqlite } from '../../../../src/core/config/sqlite.ts';
import type { Receipt, ReceiptStore } from '../../../../src/core/receipts/store.ts';
import { editReceipt, sandbox } from './helpers.ts';
import type { Sandbox } from './helpers.ts';

let sb: Sandbox;
let store: ReceiptStore;
let now: Date;
const DAY = 86_400_000;

beforeEach(() => {
  sb = sandbox();
  now = new Date('2025-01-01T00:00:00Z');
  store = sb.open({ clock: () => now, abandonAfterMs: 0 });
});
afterEach(() => {
  store.close();
  sb.cleanup();
});

function day(n: number): void {
  now = new Date(Date.parse('2025-01-01T00:00:00Z') + n * DAY);
}

function addDone(n: number): Receipt[] {
  const out: Receipt[] = [];
  for (let i = 0; i < n; i++) {
    const r = store.append(editReceipt({ sessionId: `s-${now.toISOString().slice(0, 10)}` }));
    out.push(store.complete(r.id, { outcome: 'done' }));
  }
  return out;
}

describe('retention', () => {
  it('prunes receipts older than the setting and leaves a signed anchor the chain verifies from', () => {
    const old = addDone(5);
    day(40);
    const recent = addDone(3);
    const res = store.prune({ olderThanDays: 30 });
    assert.equal(res.prunedReceipts, 5);
    assert.ok(res.prunedEvents >= 10);
    assert.ok(res.anchorHash && res.throughSeq);
    for (const r of old) assert.equal(store.get(r.id), undefined);
    for (const r of recent) assert.equal(store.get(r.id)?.outcome, 'done');
    const v = store.verify();
    assert.equal(v.ok, true, JSON.stringify(v.firstBad));
    assert.equal(v.receipts, 3);
    assert.equal(store.stats().total, 3);
    // numbering continues after the pruned ones
    assert.equal(store.append(editReceipt()).seq, 9);
    assert.equal(store.verify().ok, true);
    assert.equal(store.prune({ olderThanDays: 30 }).prunedReceipts, 0, 'nothing more to prune');
  });

  it('never separates a receipt from its later events', () => {
    addDone(2);
    const longRunning = store.append(editReceipt({ toolUseId: 'long' }));
    day(40);
    store.complete(longRunning.id, { outcome: 'done' });
    addDone(1);
    const res = store.prune({ olderThanDays: 30 });
    assert.equal(res.prunedReceipts, 2, 'stops before the receipt completed recently');
    assert.equal(store.get(longRunning.id)?.eventSeqs.length, 2);
    assert.equal(store.verify().ok, true);
  });

  it('chains anchors across prunes, and prunes everything when everything is old', () => {
    addDone(3);
    day(40);
    addDone(2);
    assert.equal(store.prune({ olderThanDays: 30 }).prunedReceipts, 3);
    day(80);
    const second = store.prune({ olderThanDays: 30 });
    assert.equal(second.prunedReceipts, 2);
    assert.equal(store.stats().total, 0);
    assert.equal(store.verify().ok, true);
    const next = store.append(editReceipt({ outcome: 'done' }));
    assert.equal(next.seq, 6);
    const v = store.verify();
    assert.equal(v.ok, true, JSON.stringify(v.firstBad));
    const db = openSqlite(sb.file);
    assert.equal(db.prepare<[], { n: number }>('SELECT count(*) AS n FROM anchors').get()?.n, 2);
    db.close();
  });

  it('a pruned prefix without its anchor, or with an edited anchor, does not verify', () => {
    addDone(3);
    day(40);
    addDone(2);
    store.prune({ olderThanDays: 30 });
    const db = openSqlite(sb.file);
    const anchor = db.prepare<[], { seq: number; doc: string }>('SELECT seq, doc FROM anchors').get();
    assert.ok(anchor);
    db.prepare('UPDATE anchors SET doc = ? WHERE seq = ?').run(anchor.doc.replace('"prunedReceipts":3', '"prunedReceipts":1'), anchor.seq);
    db.close();
    assert.match(store.verify().firstBad?.problem ?? '', /prune anchor \d+: its content does not match its hash/);
    const db2 = openSqlite(sb.file);
    db2.prepare('DELETE FROM anchors').run();
    db2.close();
    const v = store.verify();
    assert.equal(v.ok, false);
    assert.match(v.firstBad?.problem ?? '', /chain starts at event \d+: events 1–\d+ are missing and no signed prune anchor covers them/);
  });

  it('rejects a bad setting', () => {
    assert.throws(() => store.prune({ olderThanDays: -1 }), /olderThanDays/);
  });
});
