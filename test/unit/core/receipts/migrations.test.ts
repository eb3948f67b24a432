import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { openSqlite } from '../../../../src/core/config/sqlite.ts';
import { docText } from '../../../../src/core/receipts/chain.ts';
import { SCHEMA_VERSION } from '../../../../src/core/receipts/schema.ts';
import { ReceiptStoreError } from '../../../../src/core/receipts/store.ts';
import { editReceipt, sandbox } from './helpers.ts';
import type { Sandbox } from './helpers.ts';

/**
 * Schema v1 as the walking skeleton wrote it: one flat table, no chain.
 * Kept here verbatim as a fixture so the migration is tested against the
 * real shape, not against the current code's idea of it.
 */
const V1_SCHEMA = `
CREATE TABLE receipts (
  id TEXT PRIMARY KEY,
  time TEXT NOT NULL,
  agent TEXT NOT NULL,
  session TEXT,
  tool TEXT NOT NULL,
  action TEXT,
  decision TEXT NOT NULL,
  rule TEXT NOT NULL,
  reason TEXT NOT NULL,
  checkpoint_before TEXT,
  checkpoint_after TEXT,
  rollback_of TEXT
);
CREATE INDEX receipts_time ON receipts(time);
`;

const secret = 'ghp_' + 'Z9y8X7w6V5u4T3s2R1q0P9o8N7m6L5k4J3i2';

function writeV1(file: string, userVersion: 0 | 1): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = openSqlite(file);
  db.exec(V1_SCHEMA);
  const ins = db.prepare('INSERT INTO receipts (id, time, agent, session, tool, action, decision, rule, reason, checkpoint_before, checkpoint_after, rollback_of) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
  // inserted out of time order on purpose: the migration chains them by time
  ins.run('7c1f0b9e-0000-4000-8000-000000000002', '2025-02-01T10:05:00.000Z', 'claude-code', 'sess-a', 'Write', JSON.stringify({ kind: 'write', paths: ['.env'], content: `TOKEN=${secret}` }), 'deny', 'secrets/env', 'writes to .env are denied', null, null, null);
  ins.run('7c1f0b9e-0000-4000-8000-000000000001', '2025-02-01T10:00:00.000Z', 'claude-code', 'sess-a', 'Edit', JSON.stringify({ kind: 'edit', paths: ['src/a.ts'] }), 'allow', 'default', 'allowed', 'cp-before-1', 'cp-after-1', null);
  ins.run('7c1f0b9e-0000-4000-8000-000000000003', '2025-02-01T10:10:00.000Z', 'user', null, 'belay.rollback', '{not json', 'allow', 'user', 'rollback', 'cp-after-1', 'cp-before-1', '7c1f0b9e-0000-4000-8000-000000000001');
  db.pragma(`user_version = ${userVersion}`);
  db.close();
}

let sb: Sandbox;
beforeEach(() => {
  sb = sandbox();
});
afterEach(() => sb.cleanup());

describe('schema migrations', () => {
  for (const userVersion of [1, 0] as const) {
    it(`migrates a v1 file (user_version ${userVersion}) into a verifying chain, keeping ids, times and meaning`, () => {
      writeV1(sb.file, userVersion);
      const store = sb.open({ abandonAfterMs: 0 });
      try {
        const v = store.verify();
        assert.equal(v.ok, true, JSON.stringify(v.firstBad));
        assert.equal(v.receipts, 3);
        const page = store.list({ order: 'oldest' });
        assert.deepEqual(page.items.map((r) => r.id.slice(-1)), ['1', '2', '3'], 'chained in time order');
        const [edit, denied, rollback] = page.items;
        assert.ok(edit && denied && rollback);
        assert.equal(edit.time, '2025-02-01T10:00:00.000Z');
        assert.equal(edit.checkpointBefore, 'cp-before-1');
        assert.equal(edit.outcome, 'rolled_back', 'the v1 rollback link is kept');
        assert.equal(edit.rolledBackBy, rollback.id);
        assert.equal(edit.migratedFrom, 1);
        assert.equal(denied.outcome, 'blocked');
        assert.equal(denied.decision, 'deny');
        assert.equal(denied.redacted, true, 'old payloads are redacted on the way in');
        assert.ok(!JSON.stringify(denied).includes(secret));
        assert.equal(rollback.kind, 'rollback');
        assert.equal(rollback.action, '{not json', 'an unreadable old action is kept as text');
        assert.equal(store.getSession('sess-a')?.agent, 'claude-code');
        // new receipts continue the chain
        const next = store.append(editReceipt());
        assert.equal(next.seq, 4);
        assert.equal(store.verify().ok, true);
      } finally {
        store.close();
      }
      const db = openSqlite(sb.file);
      assert.equal(db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
      const tables = db.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'").all().map((t) => t.name);
      assert.ok(!tables.includes('receipts_v1'));
      assert.ok(!JSON.stringify(db.prepare<[], { body: Buffer; tail: string }>('SELECT body, tail FROM events').all().map(docText)).includes(secret));
      db.close();
      // opening again changes nothing
      const again = sb.open({ abandonAfterMs: 0 });
      assert.equal(again.stats().total, 4);
      again.close();
    });
  }

  it('migrates an empty v1 file', () => {
    fs.mkdirSync(path.dirname(sb.file), { recursive: true });
    const db = openSqlite(sb.file);
    db.exec(V1_SCHEMA);
    db.pragma('user_version = 1');
    db.close();
    const store = sb.open();
    assert.equal(store.stats().total, 0);
    assert.equal(store.verify().ok, true);
    store.close();
  });

  it('refuses a newer schema with a clear message and leaves the file untouched', () => {
    fs.mkdirSync(path.dirname(sb.file), { recursive: true });
    const db = openSqlite(sb.file);
    db.exec('CREATE TABLE events (seq INTEGER PRIMARY KEY, doc TEXT); CREATE TABLE future_things (x);');
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    const before = crypto.createHash('sha256').update(fs.readFileSync(sb.file)).digest('hex');
    assert.throws(() => sb.open(), (e: unknown) => {
      assert.ok(e instanceof ReceiptStoreError);
      assert.equal(e.code, 'schema_too_new');
      assert.match(e.message, new RegExp(`schema version ${SCHEMA_VERSION + 1}, newer than this Belay understands \\(${SCHEMA_VERSION}\\); update Belay`));
      return true;
    });
    assert.equal(crypto.createHash('sha256').update(fs.readFileSync(sb.file)).digest('hex'), before);
  });

  it('refuses a database that is not Belay’s', () => {
    fs.mkdirSync(path.dirname(sb.file), { recursive: true });
    const db = openSqlite(sb.file);
    db.exec('CREATE TABLE something_else (x)');
    db.close();
    assert.throws(() => sb.open(), (e: unknown) => e instanceof ReceiptStoreError && e.code === 'schema_unknown');
  });

  it('a read-only open does not migrate', () => {
    writeV1(sb.file, 1);
    assert.throws(() => sb.open({ readonly: true }), /older schema; open it once read-write/);
    assert.throws(() => sb.open({ readonly: true, file: sb.file + '.missing' }), (e: unknown) => e instanceof ReceiptStoreError && e.code === 'not_found');
  });

  it('processes racing to create or migrate one file all end up on one chain', async () => {
    writeV1(sb.file, 1);
    const { spawn } = await import('node:child_process');
    const script = path.join(import.meta.dirname, 'fixtures', 'writer.ts');
    const runs = Array.from({ length: 4 }, (_, i) =>
      new Promise<number>((resolve) => {
        const child = spawn(process.execPath, [script, sb.file, sb.workspace, sb.home, `racer${i}`, '5', '0'], { stdio: ['ignore', 'ignore', 'inherit'] });
        child.on('exit', (code) => resolve(code ?? -1));
      }),
    );
    assert.deepEqual(await Promise.all(runs), [0, 0, 0, 0]);
    const store = sb.open({ abandonAfterMs: 0 });
    const v = store.verify();
    assert.equal(v.ok, true, JSON.stringify(v.firstBad));
    assert.equal(v.receipts, 3 + 20);
    store.close();
  });
});
