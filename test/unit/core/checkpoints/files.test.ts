import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fsckStore, makePlainWorkspace, openStore, rm } from './helpers.ts';

test('binary and large files are captured byte-exact and restored', async () => {
  const ws = makePlainWorkspace({ 'text.txt': 'crlf line\r\nlast\r\n' });
  const big = crypto.randomBytes(40 * 1024 * 1024); // above the streaming threshold
  fs.writeFileSync(path.join(ws, 'big.bin'), big);
  const bin = crypto.randomBytes(100_000);
  fs.writeFileSync(path.join(ws, 'small.bin'), bin);
  const { store, storeDir } = await openStore(ws, { maxFileSizeBytes: 64 * 1024 * 1024 });
  try {
    const c = await store.create({ scope: 'full' });
    assert.ok(c.changed.some((x) => x.path === 'big.bin' && x.size === big.length));
    fs.writeFileSync(path.join(ws, 'big.bin'), Buffer.from('truncated by an agent'));
    fs.writeFileSync(path.join(ws, 'small.bin'), Buffer.from([1, 2, 3]));
    fs.writeFileSync(path.join(ws, 'text.txt'), 'lf only\n');
    await store.create({ scope: 'full' });
    const r = await store.restore(c.id);
    assert.equal(r.restored.length, 3);
    assert.ok(fs.readFileSync(path.join(ws, 'big.bin')).equals(big));
    assert.ok(fs.readFileSync(path.join(ws, 'small.bin')).equals(bin));
    assert.equal(fs.readFileSync(path.join(ws, 'text.txt'), 'utf8'), 'crlf line\r\nlast\r\n', 'line endings are kept byte for byte');
    // a large file an action touches is captured even above the threshold
    const pre = await store.create({ scope: 'paths', paths: ['big.bin'], kind: 'pre' });
    fs.rmSync(path.join(ws, 'big.bin'));
    const post = await store.create({ scope: 'paths', paths: ['big.bin'], kind: 'post' });
    const rb = await store.rollback({ before: pre.id, after: post.id });
    assert.equal(rb.ok, true);
    assert.ok(fs.readFileSync(path.join(ws, 'big.bin')).equals(big));
    fsckStore(storeDir);
  } finally {
    await store.close();
    rm(ws, path.dirname(storeDir));
  }
});

test('files above the size threshold are left out of full scans but kept when an action names them', async () => {
  const ws = makePlainWorkspace({ 'a.txt': 'a\n' });
  fs.writeFileSync(path.join(ws, 'model.bin'), Buffer.alloc(300_000, 1));
  const { store, storeDir } = await openStore(ws, { maxFileSizeBytes: 100_000 });
  try {
    const c = await store.create({ scope: 'full' });
    assert.deepEqual(c.skipped, [{ path: 'model.bin', reason: 'too_large', size: 300_000 }]);
    const shPre = await store.create({ scope: 'full', paths: ['model.bin'], kind: 'pre' });
    assert.ok(!shPre.skipped);
    fs.rmSync(path.join(ws, 'model.bin'));
    await store.create({ scope: 'full', kind: 'post' });
    await store.restore(shPre.id);
    assert.equal(fs.statSync(path.join(ws, 'model.bin')).size, 300_000);
  } finally {
    await store.close();
    rm(ws, path.dirname(storeDir));
  }
});

test('a large file an action touched keeps being followed by later full scans', async () => {
  const ws = makePlainWorkspace({ 'a.txt': 'a\n' });
  fs.writeFileSync(path.join(ws, 'data.bin'), Buffer.alloc(300_000, 1));
  const { store, storeDir } = await openStore(ws, { maxFileSizeBytes: 100_000 });
  try {
    await store.create({ scope: 'full' });
    const pre = await store.create({ scope: 'paths', paths: ['data.bin'], kind: 'pre' });
    fs.writeFileSync(path.join(ws, 'data.bin'), Buffer.alloc(300_000, 2));
    const post = await store.create({ scope: 'paths', paths: ['data.bin'], kind: 'post' });
    const full = await store.create({ scope: 'full' });
    assert.deepEqual(await store.changes(post.id, full.id), [], 'the scan sees the same content the action recorded');
    const r = await store.restore(pre.id);
    assert.deepEqual(r.restored.map((c) => c.path), ['data.bin']);
    assert.equal(fs.readFileSync(path.join(ws, 'data.bin'))[0], 1);
    const after = await store.create({ scope: 'full' });
    assert.deepEqual(await store.changes(r.restoreId, after.id), [], 'and the restored content afterwards');
    fs.writeFileSync(path.join(ws, 'data.bin'), Buffer.alloc(300_000, 3));
    const later = await store.create({ scope: 'full' });
    assert.deepEqual((await store.changes(after.id, later.id)).map((c) => c.path), ['data.bin']);
  } finally {
    await store.close();
    rm(ws, path.dirname(storeDir));
  }
});
