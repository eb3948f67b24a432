import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { lines, makePlainWorkspace, openStore, read, rm, snapshot, write } from './helpers.ts';

const base = lines('line', 20);
const edit = (text: string, n: number, to: string): string => text.replace(`line line ${n}\n`, `${to}\n`);

async function action(store: Awaited<ReturnType<typeof openStore>>['store'], ws: string, files: Record<string, string | null>, receiptId = 'r') {
  const paths = Object.keys(files);
  const pre = await store.create({ scope: 'paths', paths, kind: 'pre' });
  for (const [rel, content] of Object.entries(files)) {
    if (content === null) fs.rmSync(path.join(ws, rel));
    else write(ws, rel, content);
  }
  const post = await store.create({ scope: 'paths', paths, kind: 'post', receiptId });
  return { pre, post };
}

test('three-way rollback undoes the action and keeps a later user edit', async () => {
  const ws = makePlainWorkspace({ 'f.txt': base, 'other.txt': 'o\n' });
  const { store, storeDir } = await openStore(ws);
  try {
    await store.create({ scope: 'full' });
    const a = await action(store, ws, { 'f.txt': edit(base, 3, 'AGENT 3') });
    write(ws, 'f.txt', edit(edit(base, 3, 'AGENT 3'), 15, 'USER 15'));
    write(ws, 'other.txt', 'user changed another file\n');
    const r = await store.rollback({ before: a.pre.id, after: a.post.id });
    assert.equal(r.ok, true);
    assert.equal(read(ws, 'f.txt'), edit(base, 15, 'USER 15'));
    assert.equal(read(ws, 'other.txt'), 'user changed another file\n');
    assert.ok(r.ok && r.tookMs >= 0 && r.changed.length === 1);
  } finally {
    await store.close();
    rm(ws, path.dirname(storeDir));
  }
});

test('overlapping edits are reported as a conflict and nothing changes; resolve picks a side', async () => {
  const ws = makePlainWorkspace({ 'f.txt': base, 'g.txt': base });
  const { store, storeDir } = await openStore(ws);
  try {
    await store.create({ scope: 'full' });
    const a = await action(store, ws, { 'f.txt': edit(base, 5, 'AGENT 5'), 'g.txt': edit(base, 9, 'AGENT 9') });
    write(ws, 'f.txt', edit(base, 5, 'USER 5'));
    const before = snapshot(ws);
    const listed = (await store.list()).length;
    const r = await store.rollback({ before: a.pre.id, after: a.post.id });
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.code, 'conflict');
    assert.ok(!r.ok && r.conflicts.length === 1 && r.conflicts[0]!.path === 'f.txt');
    assert.match(!r.ok ? r.conflicts[0]!.hunks : '', /<<<<<<< current\nUSER 5\n\|\|\|\|\|\|\| after the action\nAGENT 5\n=======\nline line 5\n>>>>>>> before the action/);
    assert.deepEqual(snapshot(ws), before, 'nothing changed, not even the non-conflicting g.txt');
    assert.equal((await store.list()).length, listed, 'no safety checkpoint for a refused rollback');

    const keep = await store.rollback({ before: a.pre.id, after: a.post.id, resolve: 'keep-current' });
    assert.equal(keep.ok, true);
    assert.equal(read(ws, 'f.txt'), edit(base, 5, 'USER 5'));
    assert.equal(read(ws, 'g.txt'), base);

    write(ws, 'g.txt', edit(base, 9, 'AGENT 9'));
    const take = await store.rollback({ before: a.pre.id, after: a.post.id, resolve: 'take-before' });
    assert.equal(take.ok, true);
    assert.equal(read(ws, 'f.txt'), base);
    assert.equal(read(ws, 'g.txt'), base);
  } finally {
    await store.close();
    rm(ws, path.dirname(storeDir));
  }
});

test('rollback of a created file deletes it only if unchanged; of a deleted file re-creates it', async () => {
  const ws = makePlainWorkspace({ 'keep.txt': 'k\n', 'gone.txt': 'was here\n' });
  const { store, storeDir } = await openStore(ws);
  try {
    await store.create({ scope: 'full' });
    const created = await action(store, ws, { 'new.txt': 'created\n' });
    const deleted = await action(store, ws, { 'gone.txt': null });
    let r = await store.rollback({ before: deleted.pre.id, after: deleted.post.id });
    assert.equal(r.ok, true);
    assert.equal(read(ws, 'gone.txt'), 'was here\n');
    write(ws, 'new.txt', 'created\nand edited by the user\n');
    r = await store.rollback({ before: created.pre.id, after: created.post.id });
    assert.equal(!r.ok && r.code, 'conflict');
    assert.equal(read(ws, 'new.txt'), 'created\nand edited by the user\n');
    write(ws, 'new.txt', 'created\n');
    r = await store.rollback({ before: created.pre.id, after: created.post.id });
    assert.equal(r.ok, true);
    assert.ok(!fs.existsSync(path.join(ws, 'new.txt')));
  } finally {
    await store.close();
    rm(ws, path.dirname(storeDir));
  }
});

test('a rollback is undoable (undoRestore of its record), and rollbackMany undoes several actions newest first', async () => {
  const ws = makePlainWorkspace({ 'f.txt': base });
  const { store, storeDir } = await openStore(ws);
  try {
    await store.create({ scope: 'full' });
    const a1 = await action(store, ws, { 'f.txt': edit(base, 2, 'A1') }, 'r1');
    const a2 = await action(store, ws, { 'f.txt': edit(edit(base, 2, 'A1'), 18, 'A2') }, 'r2');
    const s = snapshot(ws);
    const r = await store.rollback({ before: a2.pre.id, after: a2.post.id });
    assert.equal(r.ok, true);
    assert.equal(read(ws, 'f.txt'), edit(base, 2, 'A1'));
    await store.undoRestore(r.ok ? r.restoreId : '');
    assert.deepEqual(snapshot(ws), s);
    const many = await store.rollbackMany([
      { before: a2.pre.id, after: a2.post.id },
      { before: a1.pre.id, after: a1.post.id },
    ]);
    assert.equal(many.ok, true);
    assert.equal(read(ws, 'f.txt'), base);
  } finally {
    await store.close();
    rm(ws, path.dirname(storeDir));
  }
});

test('binary files roll back whole; changed again later they conflict', async () => {
  const ws = makePlainWorkspace({});
  fs.writeFileSync(path.join(ws, 'img.bin'), Buffer.from([0, 1, 2, 3, 4]));
  const { store, storeDir } = await openStore(ws);
  try {
    await store.create({ scope: 'full' });
    const pre = await store.create({ scope: 'paths', paths: ['img.bin'], kind: 'pre' });
    fs.writeFileSync(path.join(ws, 'img.bin'), Buffer.from([0, 9, 9]));
    const post = await store.create({ scope: 'paths', paths: ['img.bin'], kind: 'post' });
    fs.writeFileSync(path.join(ws, 'img.bin'), Buffer.from([0, 7]));
    const r = await store.rollback({ before: pre.id, after: post.id });
    assert.equal(!r.ok && r.code, 'conflict');
    fs.writeFileSync(path.join(ws, 'img.bin'), Buffer.from([0, 9, 9]));
    const ok = await store.rollback({ before: pre.id, after: post.id });
    assert.equal(ok.ok, true);
    assert.deepEqual([...fs.readFileSync(path.join(ws, 'img.bin'))], [0, 1, 2, 3, 4]);
  } finally {
    await store.close();
    rm(ws, path.dirname(storeDir));
  }
});

test('a shell action rolled back leaves changes of other recorded actions made meanwhile', async () => {
  const ws = makePlainWorkspace({ 'a.txt': 'a\n', 'b.txt': 'b\n' });
  const { store, storeDir } = await openStore(ws);
  try {
    await store.create({ scope: 'full' });
    const pre = await store.create({ scope: 'full', kind: 'pre' });
    write(ws, 'a.txt', 'shell changed a\n');
    // another agent edits b.txt while the command runs
    await action(store, ws, { 'b.txt': 'other agent\n' }, 'other');
    const post = await store.create({ scope: 'full', kind: 'post', receiptId: 'shell' });
    const r = await store.rollback({ before: pre.id, after: post.id });
    assert.equal(r.ok, true);
    assert.equal(read(ws, 'a.txt'), 'a\n');
    assert.equal(read(ws, 'b.txt'), 'other agent\n');
  } finally {
    await store.close();
    rm(ws, path.dirname(storeDir));
  }
});
