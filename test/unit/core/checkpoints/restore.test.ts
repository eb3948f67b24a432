import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { CheckpointError } from '../../../../src/core/checkpoints/store.ts';
import { exists, fingerprint, fsckStore, git, lines, makePlainWorkspace, makeUserRepo, openStore, read, rm, snapshot, write } from './helpers.ts';

function sh(cwd: string, script: string): void {
  const r = spawnSync('sh', ['-c', script], { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${script}: ${r.stderr}`);
}

test('ignored files an action touches are captured first and restorable (.env)', async () => {
  const ws = makeUserRepo({ '.env': 'API_KEY=original\n' });
  fs.chmodSync(path.join(ws, '.env'), 0o600);
  const { store, storeDir } = await openStore(ws);
  try {
    const full = await store.create({ scope: 'full' });
    assert.ok(!full.changed.some((c) => c.path === '.env'), 'ignored files stay out of full scans');
    const pre = await store.create({ scope: 'paths', paths: ['.env'], kind: 'pre' });
    write(ws, '.env', 'API_KEY=overwritten-by-agent\n');
    const post = await store.create({ scope: 'paths', paths: ['.env'], kind: 'post', receiptId: 'r' });
    assert.deepEqual(await store.changes(pre.id, post.id), [{ path: '.env', status: 'modified', size: 29 }]);
    const rb = await store.rollback({ before: pre.id, after: post.id });
    assert.equal(rb.ok, true);
    assert.equal(read(ws, '.env'), 'API_KEY=original\n');
    assert.equal(fs.statSync(path.join(ws, '.env')).mode & 0o777, 0o600, 'permissions of the restored file are kept');
    // A shell command deletes it: the pre checkpoint force-captures it, restore brings it back.
    const shPre = await store.create({ scope: 'full', paths: ['.env'], kind: 'pre' });
    fs.rmSync(path.join(ws, '.env'));
    await store.create({ scope: 'full', paths: ['.env'], kind: 'post' });
    await store.restore(shPre.id);
    assert.equal(read(ws, '.env'), 'API_KEY=original\n');
    fsckStore(storeDir);
  } finally {
    await store.close();
    rm(ws, path.dirname(storeDir));
  }
});

test('a file deleted, moved or edited by a shell command is part of that command and comes back', async () => {
  const ws = makeUserRepo({ 'docs/guide.md': lines('guide', 6), 'gen/schema.json': '{"v":1}\n' });
  const { store, storeDir } = await openStore(ws);
  try {
    const pre = await store.create({ scope: 'full', kind: 'pre' });
    const before = snapshot(ws);
    sh(ws, "rm docs/guide.md && mv src/util.ts src/helpers.ts && sed -i 's/app line 5/app line FIVE/' src/app.ts && mkdir -p gen/client && echo generated > gen/client/a.js && echo '{\"v\":2}' > gen/schema.json");
    const post = await store.create({ scope: 'full', kind: 'post', receiptId: 'shell-1' });
    const side = await store.changes(pre.id, post.id);
    assert.deepEqual(
      side.map((c) => `${c.status} ${c.path}`),
      ['deleted docs/guide.md', 'added gen/client/a.js', 'modified gen/schema.json', 'modified src/app.ts', 'added src/helpers.ts', 'deleted src/util.ts'],
    );
    const rb = await store.rollback({ before: pre.id, after: post.id });
    assert.equal(rb.ok, true);
    assert.deepEqual(snapshot(ws), before);
    assert.ok(!exists(ws, 'gen/client'), 'a folder the command created and rollback emptied is removed');
    fsckStore(storeDir);
  } finally {
    await store.close();
    rm(ws, path.dirname(storeDir));
  }
});

test('`git checkout` run by an agent is undone without moving the user branch back or touching .git', async () => {
  const ws = makeUserRepo();
  git(ws, 'stash', '-q'); // park the working-copy edits so checkout can switch
  git(ws, 'checkout', '-q', 'feature');
  write(ws, 'feature.txt', 'feature work\n');
  git(ws, 'add', 'feature.txt');
  git(ws, 'commit', '-q', '-m', 'feature');
  git(ws, 'checkout', '-q', 'main');
  const { store, storeDir } = await openStore(ws);
  try {
    const pre = await store.create({ scope: 'full', kind: 'pre' });
    const before = snapshot(ws);
    git(ws, 'checkout', '-q', 'feature'); // the "agent's" command
    await store.create({ scope: 'full', kind: 'post' });
    const gitAfterAgent = fingerprint(path.join(ws, '.git'));
    const r = await store.restore(pre.id);
    assert.deepEqual(snapshot(ws), before, 'files are back');
    assert.deepEqual(
      r.restored.map((c) => `${c.status} ${c.path}`),
      ['deleted feature.txt'],
    );
    assert.deepEqual(fingerprint(path.join(ws, '.git')), gitAfterAgent, 'restore wrote nothing in .git: the branch stays where the user (or agent) put it');
  } finally {
    await store.close();
    rm(ws, path.dirname(storeDir));
  }
});

test('restore never deletes files Belay did not see being created after the checkpoint', async () => {
  const ws = makePlainWorkspace({ 'a.txt': 'a\n' });
  const { store, storeDir } = await openStore(ws);
  try {
    const c = await store.create({ scope: 'full' });
    write(ws, 'agent-made.txt', 'agent\n');
    await store.create({ scope: 'paths', paths: ['agent-made.txt'], kind: 'post' });
    write(ws, 'user-made-later.txt', 'never checkpointed\n');
    write(ws, 'ignored.log', 'ignored\n');
    fs.writeFileSync(path.join(ws, '.gitignore'), '*.log\n');
    const r = await store.restore(c.id);
    assert.ok(!exists(ws, 'agent-made.txt'), 'a file a checkpoint saw created after the target is removed');
    assert.equal(read(ws, 'user-made-later.txt'), 'never checkpointed\n');
    assert.equal(read(ws, 'ignored.log'), 'ignored\n');
    assert.ok(r.skipped.some((s) => s.path === 'user-made-later.txt'));
    // and the restore can be undone exactly
    await store.undoRestore(r.restoreId);
    assert.equal(read(ws, 'agent-made.txt'), 'agent\n');
  } finally {
    await store.close();
    rm(ws, path.dirname(storeDir));
  }
});

test('restoring a known-path checkpoint keeps unrecorded user edits made before it', async () => {
  const ws = makePlainWorkspace({ 'a.txt': 'a1\n', 'b.txt': 'b1\n' });
  const { store, storeDir } = await openStore(ws);
  try {
    await store.create({ scope: 'full' });
    write(ws, 'b.txt', 'b2 user edit, never checkpointed\n');
    const pre = await store.create({ scope: 'paths', paths: ['a.txt'], kind: 'pre' });
    write(ws, 'a.txt', 'a2 agent\n');
    await store.create({ scope: 'paths', paths: ['a.txt'], kind: 'post' });
    await store.restore(pre.id);
    assert.equal(read(ws, 'a.txt'), 'a1\n');
    assert.equal(read(ws, 'b.txt'), 'b2 user edit, never checkpointed\n', 'the inherited (stale) b.txt of the checkpoint is not written back');
  } finally {
    await store.close();
    rm(ws, path.dirname(storeDir));
  }
});

test('undo-restore returns exactly the pre-restore state, and is itself undoable', async () => {
  const ws = makeUserRepo();
  const { store, storeDir } = await openStore(ws);
  try {
    const c1 = await store.create({ scope: 'full' });
    write(ws, 'src/app.ts', 'rewritten\n');
    write(ws, 'notes/new.md', 'new\n');
    fs.rmSync(path.join(ws, 'src/util.ts'));
    fs.writeFileSync(path.join(ws, 'data.bin'), Buffer.from([0, 255, 0, 1]));
    await store.create({ scope: 'full' });
    write(ws, 'src/app.ts', 'rewritten and edited again\n');
    const preRestore = snapshot(ws);
    const r = await store.restore(c1.id);
    assert.notDeepEqual(snapshot(ws), preRestore);
    const u = await store.undoRestore(r.restoreId);
    assert.deepEqual(snapshot(ws), preRestore);
    const afterUndo = snapshot(ws);
    await store.undoRestore(u.restoreId); // undo the undo = the restore again
    assert.equal(read(ws, 'src/app.ts'), read(ws, 'src/app.ts'));
    assert.ok(!exists(ws, 'notes/new.md'));
    await store.undoRestore((await store.list({ limit: 1 }))[0]!.id);
    assert.deepEqual(snapshot(ws), afterUndo);
    await assert.rejects(store.undoRestore(c1.id), (e: unknown) => e instanceof CheckpointError && e.code === 'invalid');
    fsckStore(storeDir);
  } finally {
    await store.close();
    rm(ws, path.dirname(storeDir));
  }
});

test('restore of selected files only touches those files', async () => {
  const ws = makePlainWorkspace({ 'a.txt': 'a1\n', 'dir/b.txt': 'b1\n', 'dir/c.txt': 'c1\n' });
  const { store, storeDir } = await openStore(ws);
  try {
    const c = await store.create({ scope: 'full' });
    write(ws, 'a.txt', 'a2\n');
    write(ws, 'dir/b.txt', 'b2\n');
    write(ws, 'dir/c.txt', 'c2\n');
    await store.create({ scope: 'full' });
    const r = await store.restore(c.id, { paths: ['dir/b.txt'] });
    assert.deepEqual(
      r.restored.map((x) => x.path),
      ['dir/b.txt'],
    );
    assert.equal(read(ws, 'a.txt'), 'a2\n');
    assert.equal(read(ws, 'dir/b.txt'), 'b1\n');
    await store.restore(c.id, { paths: [path.join(ws, 'dir')] });
    assert.equal(read(ws, 'dir/c.txt'), 'c1\n');
    assert.equal(read(ws, 'a.txt'), 'a2\n');
  } finally {
    await store.close();
    rm(ws, path.dirname(storeDir));
  }
});

test('validation: unknown or collected targets and files in the way are refused before anything changes', async () => {
  const ws = makePlainWorkspace({ 'a.txt': 'a\n', 'x': 'file\n' });
  const { store, storeDir } = await openStore(ws);
  try {
    await assert.rejects(store.restore('0123456789abcdef'), (e: unknown) => e instanceof CheckpointError && e.code === 'target_missing');
    const r = await store.rollback({ before: 'aaaaaaaa', after: 'bbbbbbbb' });
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.code, 'target_missing');
    const c = await store.create({ scope: 'full' });
    // x became a folder holding a file no checkpoint saw: the folder is in the way
    fs.rmSync(path.join(ws, 'x'));
    write(ws, 'x/inside.txt', 'a folder now\n');
    const res = await store.restore(c.id);
    assert.ok(res.skipped.some((s) => s.path === 'x' && /folder/.test(s.reason)));
    assert.equal(read(ws, 'x/inside.txt'), 'a folder now\n');
    // once a checkpoint saw the folder's file created, restore may replace the folder
    await store.create({ scope: 'full' });
    const res2 = await store.restore(c.id);
    assert.deepEqual(
      res2.restored.map((r) => `${r.status} ${r.path}`),
      ['added x', 'deleted x/inside.txt'],
    );
    assert.equal(read(ws, 'x'), 'file\n');
    // the restore's record holds the file it wrote, so the next checkpoint sees nothing new, and the restore undoes
    assert.deepEqual((await store.create({ scope: 'full' })).changed, []);
    await store.undoRestore(res2.restoreId);
    assert.equal(read(ws, 'x/inside.txt'), 'a folder now\n');
    assert.ok(fs.statSync(path.join(ws, 'x')).isDirectory());
  } finally {
    await store.close();
    rm(ws, path.dirname(storeDir));
  }
});

test('a folder replaced by a file of its name is captured by full and known-path checkpoints, and both ways restore', async () => {
  const ws = makePlainWorkspace({ 'keep.txt': 'k\n', 'x/a.txt': 'a\n', 'x/b.txt': 'b\n', 'y/c.txt': 'c\n' });
  const { store, storeDir } = await openStore(ws);
  try {
    const c1 = await store.create({ scope: 'full' });
    const folderState = snapshot(ws);
    fs.rmSync(path.join(ws, 'x'), { recursive: true });
    write(ws, 'x', 'a file now\n');
    const c2 = await store.create({ scope: 'full' });
    assert.deepEqual(
      c2.changed.map((c) => `${c.status} ${c.path}`),
      ['added x', 'deleted x/a.txt', 'deleted x/b.txt'],
    );
    // the same with a known-path checkpoint
    await store.create({ scope: 'paths', paths: ['y'], kind: 'pre' });
    fs.rmSync(path.join(ws, 'y'), { recursive: true });
    write(ws, 'y', 'also a file\n');
    const c3 = await store.create({ scope: 'paths', paths: ['y'], kind: 'post' });
    assert.deepEqual(
      c3.changed.map((c) => `${c.status} ${c.path}`),
      ['added y', 'deleted y/c.txt'],
    );
    const fileState = snapshot(ws);
    assert.deepEqual(await store.diff(c3.id), []);
    const r = await store.restore(c1.id);
    assert.deepEqual(snapshot(ws), folderState);
    await store.undoRestore(r.restoreId);
    assert.deepEqual(snapshot(ws), fileState);
    fsckStore(storeDir);
  } finally {
    await store.close();
    rm(ws, path.dirname(storeDir));
  }
});

test('a file that cannot be written is reported, the others are restored, and the record holds what is on disk', async () => {
  // its temporary name (".<name>.belay-<id>") is too long for the filesystem: writing it fails, even for root
  const long = 'L'.repeat(240) + '.txt';
  const ws = makePlainWorkspace({ 'ok.txt': 'ok 1\n', [long]: 'long 1\n', 'dir/gone.txt': 'gone 1\n' });
  const { store, storeDir } = await openStore(ws);
  try {
    const c1 = await store.create({ scope: 'full' });
    write(ws, 'ok.txt', 'ok 2\n');
    write(ws, long, 'long 2\n');
    fs.rmSync(path.join(ws, 'dir'), { recursive: true });
    await store.create({ scope: 'full' });
    const before = snapshot(ws);
    const r = await store.restore(c1.id);
    assert.deepEqual(
      r.restored.map((x) => `${x.status} ${x.path} ${x.size}`),
      ['added dir/gone.txt 7', 'modified ok.txt 5'],
    );
    assert.ok(r.skipped.some((s) => s.path === long && /could not be written/.test(s.reason)));
    assert.equal(read(ws, 'ok.txt'), 'ok 1\n');
    assert.equal(read(ws, long), 'long 2\n');
    assert.deepEqual((await store.create({ scope: 'full' })).changed, [], 'the record is what is on disk');
    await store.undoRestore(r.restoreId);
    assert.deepEqual(snapshot(ws), before);
    fsckStore(storeDir);
  } finally {
    await store.close();
    rm(ws, path.dirname(storeDir));
  }
});
