import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fsckStore, lines, makeUserRepo, openStore, read, rm, snapshot, write } from './helpers.ts';

const DAY = 86_400_000;

test('gc keeps the newest, referenced and undo-needed checkpoints, drops the rest by count and age', async () => {
  const ws = makeUserRepo();
  const { store, storeDir } = await openStore(ws, { retention: { maxCount: 4, maxAgeDays: 30 } });
  try {
    const ids: string[] = [];
    for (let i = 0; i < 8; i++) {
      write(ws, 'src/app.ts', lines(`v${i}`, 10));
      ids.push((await store.create({ scope: i % 2 ? 'paths' : 'full', paths: ['src/app.ts'] })).id);
    }
    const referenced = ids[1]!;
    const r = await store.gc({ referenced: new Set([referenced]) });
    assert.equal(r.kept, 5, 'four newest plus the referenced one');
    assert.equal(r.removed, 3);
    assert.ok(await store.get(referenced));
    assert.equal(await store.get(ids[0]!), undefined);
    const size = await store.sizeReport();
    assert.equal(size.checkpoints, 5);
    assert.ok(size.bytes > 0 && Math.abs(r.bytesAfter - size.bytes) < 4096);

    // age: everything older than 30 days goes, except the newest and what a restore record needs
    const restored = await store.restore(ids[5]!);
    const aged = await store.gc({ referenced: new Set(), now: new Date(Date.now() + 31 * DAY) });
    const left = (await store.list()).map((c) => c.id);
    assert.ok(left.includes(restored.restoreId), 'the newest checkpoint is kept');
    assert.ok(left.includes(restored.safetyCheckpoint), 'the safety checkpoint its undo needs is kept');
    assert.ok(aged.removed >= 4);
    const before = snapshot(ws);
    await store.undoRestore(restored.restoreId);
    assert.notDeepEqual(snapshot(ws), before);
    assert.ok(await store.gc({ referenced: new Set() }));
    fsckStore(storeDir);
  } finally {
    await store.close();
    rm(ws, path.dirname(storeDir));
  }
});

test('after gc the store no longer depends on the user repository', async () => {
  const ws = makeUserRepo({ 'lib/data.txt': 'committed content\n' });
  const { store, storeDir } = await openStore(ws);
  try {
    const c = await store.create({ scope: 'full' });
    assert.ok(fs.existsSync(path.join(storeDir, 'belay-borrow')), 'a seeded store borrows objects');
    await store.gc({ referenced: new Set([c.id]) });
    assert.ok(!fs.existsSync(path.join(storeDir, 'belay-borrow')));
    fs.rmSync(path.join(ws, '.git'), { recursive: true, force: true });
    fs.rmSync(path.join(ws, 'lib/data.txt'));
    await store.create({ scope: 'full' });
    await store.restore(c.id);
    assert.equal(read(ws, 'lib/data.txt'), 'committed content\n');
    fsckStore(storeDir);
  } finally {
    await store.close();
    rm(ws, path.dirname(storeDir));
  }
});

test('the size limit drops the oldest checkpoints until the store fits', async () => {
  const ws = makeUserRepo();
  const { store, storeDir } = await openStore(ws, { retention: { maxSizeBytes: 1, maxCount: 1000 } });
  try {
    for (let i = 0; i < 6; i++) {
      write(ws, `blob${i}.bin`, Buffer.from(Array.from({ length: 20_000 }, (_, j) => (i * 7 + j * 13) % 251)));
      await store.create({ scope: 'full' });
    }
    const r = await store.gc({ referenced: new Set() });
    assert.equal(r.kept, 1, 'only the newest is protected');
    assert.ok(r.bytesAfter < r.bytesBefore);
  } finally {
    await store.close();
    rm(ws, path.dirname(storeDir));
  }
});
