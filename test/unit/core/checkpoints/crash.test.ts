import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { CheckpointStore } from '../../../../src/core/checkpoints/store.ts';
import { fsckStore, makePlainWorkspace, rm, snapshot, tmpDir, write } from './helpers.ts';

const child = path.join(import.meta.dirname, 'fixtures', 'crashChild.ts');

function runChild(args: string[], failpoint?: string): { signal: NodeJS.Signals | null; status: number | null; out: string } {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.BELAY_CHECKPOINT_FAILPOINT;
  if (failpoint) env.BELAY_CHECKPOINT_FAILPOINT = failpoint;
  const r = spawnSync(process.execPath, [child, ...args], { env, encoding: 'utf8', timeout: 60_000 });
  return { signal: r.signal, status: r.status, out: r.stdout + r.stderr };
}

function workspaceWith(n: number, tag: string): string {
  const files: Record<string, string> = {};
  for (let i = 0; i < n; i++) files[`f${i}.txt`] = `${tag} ${i}\n`;
  return makePlainWorkspace(files);
}

function tempFilesIn(ws: string): string[] {
  return [...snapshot(ws).keys()].filter((p) => /\.belay-[0-9a-f]+$/.test(p));
}

/** Everything a consistent store offers still works. */
async function assertConsistent(ws: string, storeDir: string): Promise<CheckpointStore> {
  const store = await CheckpointStore.open({ workspace: ws, storeDir, lockTimeoutMs: 5_000 });
  const list = await store.list();
  for (const c of list) assert.ok(await store.get(c.id));
  await store.create({ scope: 'full', name: 'after crash' });
  fsckStore(storeDir);
  assert.deepEqual(tempFilesIn(ws), []);
  assert.ok(!fs.existsSync(path.join(storeDir, 'belay-journal.json')));
  return store;
}

for (const point of ['scan:after-update-index', 'capture:pre:before-ref']) {
  test(`killed mid-checkpoint (${point}): no half checkpoint, the lock and git's index lock are recovered`, async () => {
    const ws = workspaceWith(40, 'v1');
    const storeDir = path.join(tmpDir('crash'), 'store');
    const s = await CheckpointStore.open({ workspace: ws, storeDir });
    await s.create({ scope: 'full' });
    const count = (await s.list()).length;
    await s.close();
    // enough changes that the scan writes git's index (few changes are staged in memory)
    for (let i = 0; i < 30; i++) write(ws, `f${i}.txt`, `changed before the crash ${i}\n`);
    const r = runChild(['full', ws, storeDir], point);
    assert.equal(r.signal, 'SIGKILL', r.out);
    assert.ok(fs.existsSync(path.join(storeDir, 'belay.lock')), 'the dead process left its lock behind');
    const store = await assertConsistent(ws, storeDir);
    try {
      const list = await store.list();
      assert.equal(list.length, count + 1, 'only the checkpoint taken after the crash was added');
      assert.ok(list[0]!.changed.some((c) => c.path === 'f3.txt'));
    } finally {
      await store.close();
      rm(ws, path.dirname(storeDir));
    }
  });
}

for (const point of ['apply:after-journal', 'apply:mid', 'apply:before-record']) {
  test(`killed mid-restore (${point}): the next process finishes the restore, records it, and it can be undone`, async () => {
    const ws = workspaceWith(40, 'old');
    const storeDir = path.join(tmpDir('crash'), 'store');
    const s = await CheckpointStore.open({ workspace: ws, storeDir });
    const c1 = await s.create({ scope: 'full' });
    const oldState = snapshot(ws);
    for (let i = 0; i < 40; i++) write(ws, `f${i}.txt`, `new ${i}\n`);
    write(ws, 'created.txt', 'created after c1\n');
    await s.create({ scope: 'full' });
    const newState = snapshot(ws);
    await s.close();
    const r = runChild(['restore', ws, storeDir, c1.id], point);
    assert.equal(r.signal, 'SIGKILL', r.out);
    // every file is whole: either its old or its new content
    for (const [p, h] of snapshot(ws)) {
      if (/\.belay-/.test(p)) continue;
      assert.ok(oldState.get(p) === h || newState.get(p) === h, `${p} is neither old nor new`);
    }
    const store = await assertConsistent(ws, storeDir);
    try {
      assert.deepEqual(snapshot(ws), oldState, 'the interrupted restore was finished');
      const record = (await store.list()).find((c) => c.op !== undefined && c.op.type !== 'undo-restore');
      assert.ok(record, 'the finished restore is recorded');
      await store.undoRestore(record.id);
      assert.deepEqual(snapshot(ws), newState, 'and undoing it returns the pre-restore state');
    } finally {
      await store.close();
      rm(ws, path.dirname(storeDir));
    }
  });
}

test('killed at random moments while checkpointing and restoring in a loop, the store stays consistent', async () => {
  const ws = workspaceWith(20, 'start');
  const storeDir = path.join(tmpDir('crash'), 'store');
  try {
    for (let round = 0; round < 6; round++) {
      const env = { ...process.env };
      delete env.BELAY_CHECKPOINT_FAILPOINT;
      const p = spawn(process.execPath, [child, 'loop', ws, storeDir], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      p.stdout.on('data', (b: Buffer) => (out += b.toString()));
      p.stderr.on('data', (b: Buffer) => (out += b.toString()));
      // wait for some progress, then kill at an arbitrary point
      const started = Date.now();
      while (!out.includes('.') && Date.now() - started < 30_000 && p.exitCode === null) await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, 30 + ((round * 37) % 150)));
      p.kill('SIGKILL');
      await new Promise((r) => p.on('close', r));
      assert.ok(!out.includes('Error'), out);
      const store = await assertConsistent(ws, storeDir);
      await store.close();
    }
  } finally {
    rm(ws, path.dirname(storeDir));
  }
});

test('killed mid-restore with a file that cannot be written: the next process still finishes the rest', async () => {
  const long = 'L'.repeat(240) + '.txt'; // its temporary name is too long to create
  const ws = makePlainWorkspace({ 'a.txt': 'old a\n', [long]: 'old long\n' });
  const storeDir = path.join(tmpDir('crash'), 'store');
  const s = await CheckpointStore.open({ workspace: ws, storeDir });
  const c1 = await s.create({ scope: 'full' });
  write(ws, 'a.txt', 'new a\n');
  write(ws, long, 'new long\n');
  await s.create({ scope: 'full' });
  await s.close();
  const r = runChild(['restore', ws, storeDir, c1.id], 'apply:after-journal');
  assert.equal(r.signal, 'SIGKILL', r.out);
  const store = await assertConsistent(ws, storeDir);
  try {
    assert.equal(fs.readFileSync(path.join(ws, 'a.txt'), 'utf8'), 'old a\n');
    assert.equal(fs.readFileSync(path.join(ws, long), 'utf8'), 'new long\n');
  } finally {
    await store.close();
    rm(ws, path.dirname(storeDir));
  }
});
