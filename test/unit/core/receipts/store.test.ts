import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { openSqlite } from '../../../../src/core/config/sqlite.ts';
import { ReceiptStore, ReceiptStoreError } from '../../../../src/core/receipts/store.ts';
import type { NewReceipt, Receipt } from '../../../../src/core/receipts/store.ts';
import { editReceipt, sandbox } from './helpers.ts';
import type { Sandbox } from './helpers.ts';

let sb: Sandbox;
let store: ReceiptStore;

beforeEach(() => {
  sb = sandbox();
  store = sb.open();
});
afterEach(() => {
  store.close();
  sb.cleanup();
});

describe('opening', () => {
  it('creates the file (0600), the key (0600) under BELAY_HOME, in WAL mode', () => {
    assert.ok(fs.existsSync(sb.file));
    const keyFile = path.join(sb.home, 'secret.key');
    assert.match(fs.readFileSync(keyFile, 'utf8'), /^[0-9a-f]{64}\n$/);
    if (process.platform !== 'win32') {
      assert.equal(fs.statSync(keyFile).mode & 0o777, 0o600);
      assert.equal(fs.statSync(sb.file).mode & 0o777, 0o600);
    }
    assert.ok(fs.existsSync(sb.file + '-wal'), 'WAL mode');
    assert.equal(store.keyId.length, 8);
    assert.equal(store.verify().ok, true);
  });

  it('refuses a key file or database inside the workspace', () => {
    assert.throws(() => ReceiptStore.open({ file: sb.file, workspace: sb.workspace, keyFile: path.join(sb.workspace, 'k') }), (e: unknown) => e instanceof ReceiptStoreError && e.code === 'key');
    assert.throws(() => ReceiptStore.open({ file: path.join(sb.workspace, 'r.sqlite'), workspace: sb.workspace, env: sb.env }), /outside the workspace/);
  });

  it('two stores of one install share the key', () => {
    const other = sb.open();
    assert.equal(other.keyId, store.keyId);
    other.close();
  });
});

describe('lifecycle', () => {
  it('writes a pending receipt, finds it by tool-use id, completes it with a new event', () => {
    const pre = store.append(editReceipt({ toolUseId: 'toolu_1' }));
    assert.equal(pre.outcome, 'pending');
    assert.match(pre.id, /^[0-9a-hjkmnp-tv-z]{10}$/);
    assert.equal(pre.seq, 1);
    assert.equal(pre.workspace, sb.workspace);
    assert.deepEqual(pre.paths, ['src/app.ts']);
    assert.equal(pre.target, 'src/app.ts');
    const found = store.findPending({ sessionId: 'sess-1', toolUseId: 'toolu_1' });
    assert.equal(found?.id, pre.id);
    assert.equal(store.findPending({ sessionId: 'other', toolUseId: 'toolu_1' }), undefined);
    // a call id seen twice (a retried call): the newest of its pending receipts
    const again = store.append(editReceipt({ toolUseId: 'toolu_twice' }));
    const newest = store.append(editReceipt({ toolUseId: 'toolu_twice' }));
    assert.ok(newest.seq > again.seq);
    assert.equal(store.findPending({ sessionId: 'sess-1', toolUseId: 'toolu_twice' })?.id, newest.id);
    assert.equal(store.findPending({ toolUseId: 'toolu_twice', abandoned: false })?.id, newest.id);
    store.complete(newest.id, { outcome: 'done' });
    assert.equal(store.findPending({ toolUseId: 'toolu_twice' })?.id, again.id);
    store.complete(again.id, { outcome: 'done' });

    const post = store.complete(pre.id, { outcome: 'done', checkpointAfter: 'd'.repeat(40), changedPaths: [{ path: path.join(sb.workspace, 'src/app.ts'), status: 'modified', size: 42 }, { path: 'src/new.ts', status: 'added' }], durationMs: 37, response: '' });
    assert.equal(post.outcome, 'done');
    assert.equal(post.checkpointAfter, 'd'.repeat(40));
    assert.equal(post.durationMs, 37);
    assert.ok(post.completedAt);
    assert.deepEqual(post.paths.sort(), ['src/app.ts', 'src/new.ts']);
    assert.equal(post.eventSeqs.length, 2);
    assert.equal(post.hash, pre.hash, 'the create event is not rewritten');
    assert.notEqual(post.headHash, pre.headHash);
    assert.equal(store.findPending({ toolUseId: 'toolu_1' }), undefined);
    assert.equal(store.verify().ok, true);
    assert.deepEqual(store.verifyReceipt(pre.id), { ok: true });
  });

  it('a blocked action gets its final receipt at once', () => {
    const r = store.append(editReceipt({ decision: 'deny', rule: 'secrets/env', reason: 'writes to .env are denied', outcome: 'blocked' }));
    assert.equal(r.outcome, 'blocked');
    assert.equal(r.eventSeqs.length, 1);
  });

  it('completing twice with nothing new is a no-op; a later outcome is another event', () => {
    const r = store.append(editReceipt());
    const a = store.complete(r.id, { outcome: 'done' });
    const b = store.complete(r.id, { outcome: 'done' });
    assert.deepEqual(a.eventSeqs, b.eventSeqs);
    const c = store.complete(r.id, { outcome: 'failed', note: 'tool reported an error' });
    assert.equal(c.outcome, 'failed');
    assert.equal(c.note, 'tool reported an error');
    assert.equal(c.eventSeqs.length, 3);
  });

  it('rejects bad input with a clear error', () => {
    assert.throws(() => store.append(editReceipt({ decision: 'maybe' as 'allow' })), /decision must be one of allow, ask, deny/);
    assert.throws(() => store.append(editReceipt({ outcome: 'finished' as 'done' })), /outcome must be one of/);
    assert.throws(() => store.append(editReceipt({ agent: '' })), /'agent' must be a non-empty string/);
    assert.throws(() => store.complete('nope000000', { outcome: 'done' }), (e: unknown) => e instanceof ReceiptStoreError && e.code === 'not_found');
    const r = store.append(editReceipt());
    assert.throws(() => store.complete(r.id, { outcome: 'pending' }), /cannot be completed as pending/);
  });

  it('an idempotency key returns the first receipt instead of writing a second', () => {
    const a = store.append(editReceipt({ idempotencyKey: 'sess-1/toolu_x/pre' }));
    const b = store.append(editReceipt({ idempotencyKey: 'sess-1/toolu_x/pre' }));
    assert.equal(a.id, b.id);
    assert.equal(store.stats().total, 1);
  });

  it('appendMany honours idempotency keys as append does: taken before, or earlier in the same batch', () => {
    const first = store.append(editReceipt({ idempotencyKey: 'k-before' }));
    const ids = store.appendMany([editReceipt({ idempotencyKey: 'k-before' }), editReceipt({ idempotencyKey: 'k-batch' }), editReceipt(), editReceipt({ idempotencyKey: 'k-batch' })]);
    assert.equal(ids[0], first.id);
    assert.equal(ids[3], ids[1]);
    assert.equal(new Set(ids).size, 3);
    assert.equal(store.stats().total, 3);
    for (const id of ids) assert.equal(store.get(id)?.id, id);
    assert.equal(store.verify().ok, true);
  });

  it('a completed rollback marks the receipt it undoes rolled back, keeping both in the chain', () => {
    const edit = store.append(editReceipt({ outcome: 'done' }));
    const rb = store.append({ kind: 'rollback', agent: 'user', tool: 'belay.rollback', decision: 'allow', rule: 'user', reason: 'rollback requested from the timeline', outcome: 'pending', rollbackOf: edit.id, rollbackData: { checkpoint: 'c'.repeat(40), files: ['src/app.ts'] } });
    assert.equal(store.get(edit.id)?.outcome, 'done', 'not before the rollback is done');
    store.complete(rb.id, { outcome: 'done' });
    const undone = store.get(edit.id) as Receipt;
    assert.equal(undone.outcome, 'rolled_back');
    assert.equal(undone.rolledBackBy, rb.id);
    assert.equal(store.get(rb.id)?.rollbackOf, edit.id);
    assert.equal(store.verify().ok, true);
  });

  it('sessions open idempotently, end once, and are opened implicitly by a receipt', () => {
    store.openSession({ id: 's1', agent: 'copilot', harness: 'vscode', startedAt: '2025-01-01T10:00:00Z' });
    store.openSession({ id: 's1', agent: 'copilot', harness: 'vscode' });
    store.endSession('s1', '2025-01-01T11:00:00Z');
    store.endSession('s1');
    store.endSession('unknown');
    assert.deepEqual(store.getSession('s1'), { id: 's1', agent: 'copilot', harness: 'vscode', startedAt: '2025-01-01T10:00:00.000Z', endedAt: '2025-01-01T11:00:00.000Z', workspace: sb.workspace });
    store.append(editReceipt({ sessionId: 's2' }));
    assert.equal(store.getSession('s2')?.agent, 'claude-code');
    assert.equal(store.stats().sessions, 2);
    assert.equal(store.verify().ok, true);
  });

  it('records approvals and checkpoints in the chain', () => {
    const r = store.append(editReceipt({ decision: 'ask', evaluated: 'ask' }));
    store.recordApproval({ receiptId: r.id, approver: 'alice', decision: 'allow', scope: 'once', reason: 'looks fine' });
    assert.equal(store.get(r.id)?.approver, 'alice');
    store.recordCheckpoint({ id: 'e'.repeat(40), receiptId: r.id, kind: 'safety' });
    store.recordCheckpoint({ id: 'e'.repeat(40), receiptId: r.id, kind: 'safety' });
    assert.ok(store.referencedCheckpoints('2000-01-01T00:00:00Z').has('e'.repeat(40)));
    assert.equal(store.verify().ok, true);
  });

  it('keeps small state values', () => {
    assert.equal(store.getState('killSwitch'), undefined);
    store.setState('killSwitch', 'on');
    store.setState('killSwitch', 'off');
    assert.equal(store.getState('killSwitch'), 'off');
    store.deleteState('killSwitch');
    assert.equal(store.getState('killSwitch'), undefined);
  });
});

describe('abandoned pending receipts', () => {
  it('marks pending receipts older than the timeout abandoned, with a note, and lets a late PostToolUse complete them', () => {
    let now = new Date('2025-03-01T10:00:00Z');
    store.close();
    sb.cleanup();
    sb = sandbox();
    store = sb.open({ clock: () => now });
    const old = store.append(editReceipt({ toolUseId: 'toolu_old' }));
    now = new Date('2025-03-01T10:20:00Z');
    const recent = store.append(editReceipt({ toolUseId: 'toolu_new' }));
    const finished = store.append(editReceipt({ outcome: 'done' }));
    now = new Date('2025-03-01T10:40:00Z');
    assert.equal(store.markAbandoned(30 * 60_000), 1);
    assert.equal(store.markAbandoned(30 * 60_000), 0, 'idempotent');
    const a = store.get(old.id) as Receipt;
    assert.equal(a.outcome, 'abandoned');
    assert.match(a.note ?? '', /no completion within 30 min/);
    assert.equal(store.get(recent.id)?.outcome, 'pending');
    assert.equal(store.get(finished.id)?.outcome, 'done');
    // A late PostToolUse still finds and completes it; history keeps the abandonment.
    assert.equal(store.findPending({ toolUseId: 'toolu_old', abandoned: false }), undefined, 'pending receipts only');
    assert.equal(store.findPending({ toolUseId: 'toolu_new', abandoned: false })?.id, recent.id);
    const late = store.findPending({ toolUseId: 'toolu_old' });
    assert.equal(late?.id, old.id);
    const done = store.complete(old.id, { outcome: 'done' });
    assert.equal(done.outcome, 'done');
    assert.equal(done.eventSeqs.length, 3);
    assert.equal(store.verify().ok, true);
  });

  it('opening a store marks pending receipts older than an hour abandoned by default', () => {
    store.close();
    sb.cleanup();
    sb = sandbox();
    const t0 = new Date('2025-03-01T10:00:00Z');
    store = sb.open({ clock: () => t0 });
    const r = store.append(editReceipt());
    store.close();
    store = sb.open({ clock: () => new Date(t0.getTime() + 61 * 60_000) });
    assert.equal(store.get(r.id)?.outcome, 'abandoned');
  });
});

describe('reading', () => {
  function fill(n: number): Receipt[] {
    const out: Receipt[] = [];
    const agents = ['claude-code', 'copilot', 'cursor'];
    for (let i = 0; i < n; i++) {
      out.push(store.append(editReceipt({
        agent: agents[i % 3] as string,
        sessionId: `s${i % 4}`,
        decision: i % 5 === 0 ? 'deny' : 'allow',
        outcome: i % 5 === 0 ? 'blocked' : 'done',
        kind: i % 7 === 0 ? 'prompt' : 'action',
        input: { file_path: `src/dir${i % 3}/f${i}.ts`, old_string: 'a', new_string: 'b' },
        action: { kind: 'edit', paths: [{ path: `src/dir${i % 3}/f${i}.ts` }] },
      })));
    }
    return out;
  }

  it('pages newest first and oldest first with cursors, without gaps or repeats', () => {
    const all = fill(23);
    const seen: string[] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = store.list({ limit: 5, ...(cursor ? { cursor } : {}) });
      seen.push(...page.items.map((r) => r.id));
      if (!page.hasMore) break;
      assert.ok(page.nextCursor);
      cursor = page.nextCursor;
    }
    assert.deepEqual(seen, all.map((r) => r.id).reverse());
    const oldest = store.list({ order: 'oldest', limit: 10 });
    assert.deepEqual(oldest.items.map((r) => r.seq), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const next = store.list({ order: 'oldest', limit: 10, cursor: oldest.nextCursor as string });
    assert.equal(next.items[0]?.seq, 11);
    assert.throws(() => store.list({ cursor: oldest.nextCursor as string }), /bad cursor/);
    assert.throws(() => store.list({ limit: 0 }), /limit/);
  });

  it('filters by session, agent, decision, outcome, kind, path and time', () => {
    fill(30);
    const bySession = store.list({ sessionId: 's1', limit: 100 }).items;
    assert.ok(bySession.length > 0 && bySession.every((r) => r.sessionId === 's1'));
    assert.ok(store.list({ agent: 'copilot', limit: 100 }).items.every((r) => r.agent === 'copilot'));
    const denied = store.list({ decision: 'deny', limit: 100 }).items;
    assert.equal(denied.length, 6);
    assert.ok(denied.every((r) => r.decision === 'deny' && r.outcome === 'blocked'));
    assert.equal(store.list({ outcome: 'done', limit: 100 }).items.length, 24);
    assert.ok(store.list({ kind: 'prompt', limit: 100 }).items.every((r) => r.kind === 'prompt'));
    assert.deepEqual(store.list({ path: 'src/dir1/f4.ts' }).items.map((r) => r.seq), [5]);
    assert.deepEqual(store.list({ path: path.join(sb.workspace, 'src/dir1/f4.ts') }).items.map((r) => r.seq), [5], 'absolute paths inside the workspace match');
    const dir = store.list({ path: 'src/dir2/', limit: 100 }).items;
    assert.equal(dir.length, 10);
    assert.ok(dir.every((r) => r.paths.some((p) => p.startsWith('src/dir2/'))));
    // combined filters
    assert.ok(store.list({ agent: 'claude-code', decision: 'deny', limit: 100 }).items.every((r) => r.agent === 'claude-code' && r.decision === 'deny'));
    assert.equal(store.list({ path: 'src/dir0/', decision: 'deny', limit: 100 }).items.length, 2);
  });

  it('filters by time range using the chain order', () => {
    let now = new Date('2025-05-01T00:00:00Z');
    store.close();
    sb.cleanup();
    sb = sandbox();
    store = sb.open({ clock: () => now });
    for (let i = 0; i < 10; i++) {
      store.append(editReceipt({ outcome: 'done' }));
      now = new Date(now.getTime() + 60_000);
    }
    const page = store.list({ since: '2025-05-01T00:03:00Z', until: '2025-05-01T00:06:00Z', order: 'oldest' });
    assert.deepEqual(page.items.map((r) => r.seq), [4, 5, 6]);
    assert.equal(store.list({ since: '2030-01-01' }).items.length, 0);
    assert.throws(() => store.list({ since: 'yesterday-ish' }), /is not a time/);
  });

  it('gets a receipt by id, unique prefix, forgiving case and i/l/o, or #number; reports an ambiguous prefix', () => {
    const rs = fill(40);
    const r = rs[7] as Receipt;
    assert.equal(store.get(r.id)?.id, r.id);
    assert.equal(store.get(r.id.slice(0, 7).toUpperCase())?.id, r.id);
    assert.equal(store.get('#8')?.id, r.id);
    assert.equal(store.get('#999'), undefined);
    assert.equal(store.get('zzzzzzzzzz'), undefined);
    // a one-character prefix shared by several receipts
    const counts = new Map<string, number>();
    for (const x of rs) counts.set(x.id[0] as string, (counts.get(x.id[0] as string) ?? 0) + 1);
    const shared = [...counts].find(([, n]) => n > 1)?.[0] as string;
    assert.throws(() => store.get(shared), (e: unknown) => e instanceof ReceiptStoreError && e.code === 'ambiguous' && (e.candidates?.length ?? 0) > 1);
  });

  it('counts by decision, agent, outcome and kind', () => {
    fill(15);
    const s = store.stats();
    assert.equal(s.total, 15);
    assert.deepEqual(s.byDecision, { allow: 12, deny: 3 });
    assert.deepEqual(s.byAgent, { 'claude-code': 5, copilot: 5, cursor: 5 });
    assert.deepEqual(s.byOutcome, { blocked: 3, done: 12 });
    assert.equal(s.byKind.prompt, 3);
    assert.ok(s.first && s.last && s.first <= s.last);
    // counted again only for what was added since; outcomes follow completions
    const more = store.append(editReceipt({ agent: 'newcomer', decision: 'ask', kind: 'rollback' }));
    store.complete(more.id, { outcome: 'failed' });
    const t = store.stats();
    assert.equal(t.total, 16);
    assert.deepEqual(t.byDecision, { allow: 12, deny: 3, ask: 1 });
    assert.equal(t.byAgent.newcomer, 1);
    assert.equal(t.byKind.rollback, 1);
    assert.deepEqual(t.byOutcome, { done: 12, blocked: 3, failed: 1 });
    // another process's appends are seen too
    const other = sb.open();
    other.append(editReceipt({ agent: 'elsewhere' }));
    other.close();
    assert.equal(store.stats().byAgent.elsewhere, 1);
    assert.equal(store.stats().total, 17);
  });

  it('referencedCheckpoints keeps recent receipts and every pending one', () => {
    let now = new Date('2025-01-01T00:00:00Z');
    store.close();
    sb.cleanup();
    sb = sandbox();
    store = sb.open({ clock: () => now, abandonAfterMs: 0 });
    store.append(editReceipt({ outcome: 'done', checkpointBefore: 'old-before', checkpointAfter: 'old-after' }));
    store.append(editReceipt({ outcome: 'pending', checkpointBefore: 'old-pending' }));
    now = new Date('2025-02-01T00:00:00Z');
    store.append(editReceipt({ outcome: 'done', checkpointBefore: 'new-before', checkpointAfter: 'new-after' }));
    const refs = store.referencedCheckpoints('2025-01-15T00:00:00Z');
    assert.deepEqual([...refs].sort(), ['new-after', 'new-before', 'old-pending']);
  });
});

describe('change feed', () => {
  it('sees this store’s and another process’s appends and completions, in order', async () => {
    const seen: Array<[string, string]> = [];
    const unsubscribe = store.subscribe((r) => seen.push([r.id, r.outcome]), { pollMs: 20 });
    const mine = store.append(editReceipt());
    const other = sb.open();
    const theirs = other.append(editReceipt({ agent: 'copilot' }));
    other.complete(theirs.id, { outcome: 'done' });
    other.close();
    const deadline = Date.now() + 3000;
    while (seen.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    unsubscribe();
    assert.deepEqual(seen[0], [mine.id, 'pending']);
    assert.deepEqual(seen[1], [theirs.id, 'done']);
    store.append(editReceipt());
    await new Promise((r) => setTimeout(r, 80));
    assert.equal(seen.length, 2, 'nothing after unsubscribing');
  });
});

describe('a failed write', () => {
  it('is rolled back whole, and the store chains onto the real head afterwards', () => {
    const r = store.append(editReceipt());
    // make the receipts insert fail inside the transaction, after the event was appended
    const db = openSqlite(sb.file);
    db.exec("CREATE TRIGGER boom BEFORE INSERT ON receipts WHEN NEW.agent = 'boom' BEGIN SELECT RAISE(ABORT, 'boom'); END");
    db.close();
    assert.throws(() => store.append(editReceipt({ agent: 'boom' })), /boom/);
    // another process appends exactly one event at the position the failed write had used
    const other = sb.open();
    other.append(editReceipt({ agent: 'other', sessionId: 'sess-1' }));
    other.close();
    store.append(editReceipt());
    store.complete(r.id, { outcome: 'done' });
    const v = store.verify();
    assert.equal(v.ok, true, JSON.stringify(v.firstBad));
    assert.equal(store.stats().byAgent.boom, undefined);
  });
});

describe('group commit (appendGrouped)', () => {
  /** Frames in the WAL since it was last emptied: the pages the commits wrote. */
  const walFrames = (): number => {
    const db = openSqlite(sb.file);
    try {
      return (db.pragma('wal_checkpoint(PASSIVE)') as Array<{ log: number }>)[0]!.log;
    } finally {
      db.close();
    }
  };
  const emptyWal = (): void => {
    const db = openSqlite(sb.file);
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
  };

  it('writes the appends of one turn in one transaction, in call order, each resolved once written', async () => {
    store.append(editReceipt());
    emptyWal();
    const grouped = await Promise.all(Array.from({ length: 40 }, (_, i) => store.appendGrouped(editReceipt({ toolUseId: `toolu_g${i}` }))));
    const groupFrames = walFrames();
    emptyWal();
    for (let i = 0; i < 40; i++) store.append(editReceipt({ toolUseId: `toolu_s${i}` }));
    const singleFrames = walFrames();
    assert.ok(groupFrames * 4 < singleFrames, `one commit for the group: ${groupFrames} WAL frames, against ${singleFrames} for 40 commits`);
    assert.deepEqual(grouped.map((r) => r.toolUseId), Array.from({ length: 40 }, (_, i) => `toolu_g${i}`));
    const seqs = grouped.map((r) => r.seq);
    assert.deepEqual(seqs, Array.from({ length: 40 }, (_, i) => seqs[0]! + i));
    for (const r of grouped) assert.deepEqual(JSON.parse(JSON.stringify(store.get(r.id))), JSON.parse(JSON.stringify(r)), 'what resolved is what was stored');
    assert.equal(store.verify().ok, true);
  });

  it('a receipt that cannot be written fails alone; the others of its group are written', async () => {
    const db = openSqlite(sb.file);
    db.exec("CREATE TRIGGER boom BEFORE INSERT ON receipts WHEN NEW.agent = 'boom' BEGIN SELECT RAISE(ABORT, 'boom'); END");
    db.close();
    const results = await Promise.allSettled([
      store.appendGrouped(editReceipt({ toolUseId: 'toolu_a' })),
      store.appendGrouped(editReceipt({ agent: 'boom' })),
      store.appendGrouped(editReceipt({ toolUseId: 'toolu_c' })),
    ]);
    assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
    assert.match(String((results[1] as PromiseRejectedResult).reason), /boom/);
    assert.equal(store.stats().total, 2);
    assert.equal(store.verify().ok, true);
    // an invalid receipt is refused before it joins a group
    await assert.rejects(store.appendGrouped(editReceipt({ decision: 'maybe' as never })), ReceiptStoreError);
  });

  it('an idempotency key repeated within a group gives the first receipt', async () => {
    const [a, b] = await Promise.all([store.appendGrouped(editReceipt({ idempotencyKey: 'k1' })), store.appendGrouped(editReceipt({ idempotencyKey: 'k1' }))]);
    assert.equal(a!.id, b!.id);
    assert.equal(store.stats().total, 1);
  });

  it('completions join groups too (completeGrouped): one transaction, a missing receipt fails alone', async () => {
    const pending = Array.from({ length: 20 }, (_, i) => store.append(editReceipt({ toolUseId: `toolu_p${i}` })));
    emptyWal();
    const results = await Promise.allSettled([
      ...pending.map((r) => store.completeGrouped(r.id, { outcome: 'done', checkpointAfter: 'd'.repeat(40), changedPaths: [{ path: 'src/app.ts', status: 'modified' }], durationMs: 3 })),
      store.completeGrouped('nosuchreceipt', { outcome: 'done' }),
      store.appendGrouped(editReceipt({ toolUseId: 'toolu_new' })),
    ]);
    assert.deepEqual(results.map((r) => r.status), [...pending.map(() => 'fulfilled'), 'rejected', 'fulfilled']);
    assert.equal(((results[20] as PromiseRejectedResult).reason as ReceiptStoreError).code, 'not_found');
    for (const r of pending) assert.equal(store.get(r.id)?.outcome, 'done');
    assert.equal((results[0] as PromiseFulfilledResult<Receipt>).value.checkpointAfter, 'd'.repeat(40));
    assert.equal(store.verify().ok, true);
    // and as one commit when nothing fails
    const more = Array.from({ length: 20 }, (_, i) => store.append(editReceipt({ toolUseId: `toolu_q${i}` })));
    emptyWal();
    await Promise.all(more.map((r) => store.completeGrouped(r.id, { outcome: 'done', durationMs: 1 })));
    const grouped = walFrames();
    const single = Array.from({ length: 20 }, (_, i) => store.append(editReceipt({ toolUseId: `toolu_s${i}` })));
    emptyWal();
    for (const r of single) store.complete(r.id, { outcome: 'done', durationMs: 1 });
    assert.ok(grouped * 4 < walFrames(), 'one commit for the group');
    await assert.rejects(store.completeGrouped(more[0]!.id, { outcome: 'pending' as never }), ReceiptStoreError);
  });

  it('bodies a hook call waits for are stored compacted and deflated later, each event reading and verifying as before', async () => {
    const stored = (): Map<number, string> => {
      const db = openSqlite(sb.file, { readonly: true });
      try {
        return new Map(db.prepare<[], { seq: number; body: string | Buffer }>('SELECT seq, body FROM events').all().map((r) => [r.seq, typeof r.body === 'string' ? 'text' : 'deflated']));
      } finally {
        db.close();
      }
    };
    const command = `npm test -- --grep "${'a long shell line '.repeat(200)}"`;
    const big = (id: string, over: Partial<NewReceipt> = {}) => editReceipt({ toolUseId: id, tool: 'Bash', input: { command }, action: { kind: 'shell', command }, ...over });
    const plain = store.append(big('toolu_plain'));
    const waited = await store.appendGrouped(big('toolu_waited'));
    const huge = await store.appendGrouped(big('toolu_huge', { input: { command, description: command, a: command, b: command, c: command } }));
    const completed = await store.completeGrouped(waited.id, { outcome: 'done', response: 'output line\n'.repeat(300) });
    const small = await store.appendGrouped(editReceipt({ toolUseId: 'toolu_small' }));
    let forms = stored();
    assert.equal(forms.get(plain.eventSeqs[0]!), 'deflated', 'an append nobody waits for is deflated at once');
    assert.equal(forms.get(waited.eventSeqs[0]!), 'text', 'deflating waits');
    assert.equal(forms.get(completed.eventSeqs.at(-1)!), 'text');
    assert.equal(forms.get(huge.eventSeqs[0]!), 'deflated', 'a body too large to wait is deflated at once');
    assert.equal(forms.get(small.eventSeqs[0]!), 'text', 'small bodies are compacted, as ever');
    const before = [plain, waited, huge, small].map((r) => JSON.stringify(store.get(r.id)));
    assert.equal(store.packBodies(), 2);
    forms = stored();
    assert.equal(forms.get(waited.eventSeqs[0]!), 'deflated');
    assert.equal(forms.get(completed.eventSeqs.at(-1)!), 'deflated');
    assert.equal(forms.get(small.eventSeqs[0]!), 'text');
    assert.deepEqual([plain, waited, huge, small].map((r) => JSON.stringify(store.get(r.id))), before, 'every receipt reads the same');
    assert.equal(store.verify().ok, true, 'hashes and signatures are of the documents, not of how they are stored');
    assert.deepEqual(store.verifyReceipt(waited.id), { ok: true });
    // it goes on from where it stopped, and a limit is kept
    assert.equal(store.packBodies(), 0);
    const more = await Promise.all([1, 2, 3].map((i) => store.appendGrouped(big(`toolu_more${i}`))));
    assert.equal(store.packBodies({ maxPacks: 2 }), 2);
    assert.equal(stored().get(more[2]!.eventSeqs[0]!), 'text');
    assert.equal(store.packBodies(), 1);
    assert.equal(stored().get(more[2]!.eventSeqs[0]!), 'deflated');
    assert.equal(store.verify().ok, true);
    // a run looks at a bounded number of events, and the next goes on from there
    const eight = await Promise.all(Array.from({ length: 8 }, (_, i) => store.appendGrouped(big(`toolu_eight${i}`))));
    assert.deepEqual([store.packBodies({ maxScan: 3 }), store.packBodies({ maxScan: 3 }), store.packBodies({ maxScan: 3 }), store.packBodies()], [3, 3, 2, 0]);
    assert.ok(eight.every((r) => stored().get(r.eventSeqs[0]!) === 'deflated'));
    // a store it never ran on (bodies wait only since this version): looked at from maxScan events before its end
    const other = sandbox();
    const fresh = other.open();
    try {
      const waited = await Promise.all(Array.from({ length: 6 }, (_, i) => fresh.appendGrouped(big(`toolu_fresh${i}`))));
      assert.equal(fresh.packBodies({ maxScan: 2 }), 2);
      const db = openSqlite(other.file, { readonly: true });
      const forms = waited.map((r) => typeof (db.prepare<[number], { body: string | Buffer }>('SELECT body FROM events WHERE seq = ?').get(r.eventSeqs[0]!)!.body) === 'string');
      db.close();
      assert.deepEqual(forms, [true, true, true, true, false, false]);
      assert.equal(fresh.packBodies(), 0, 'and it goes on from there');
      assert.equal(fresh.verify().ok, true);
    } finally {
      fresh.close();
      other.cleanup();
    }
  });

  it('closing the store writes what is waiting', async () => {
    const waiting = store.appendGrouped(editReceipt({ toolUseId: 'toolu_late' }));
    store.close();
    const r = await waiting;
    const again = sb.open();
    try {
      assert.equal(again.get(r.id)?.toolUseId, 'toolu_late');
    } finally {
      again.close();
    }
    await assert.rejects(store.appendGrouped(editReceipt()), /closed/);
  });
});
