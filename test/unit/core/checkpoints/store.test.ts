import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { CheckpointError, CheckpointStore } from '../../../../src/core/checkpoints/store.ts';
import { exists, fingerprint, fsckStore, git, lines, makePlainWorkspace, makeUserRepo, openStore, read, rm, snapshot, tmpDir, write } from './helpers.ts';

test('the user repository stays byte-for-byte untouched across create, diff, restore, rollback and undo', async () => {
  const ws = makeUserRepo();
  const before = fingerprint(path.join(ws, '.git'));
  const status = git(ws, 'status', '--porcelain=v1');
  // git status above may refresh the index; take the fingerprint after it
  const gitBefore = fingerprint(path.join(ws, '.git'));
  const { store, storeDir } = await openStore(ws);
  try {
    const start = await store.create({ scope: 'full', name: 'start' });
    const pre = await store.create({ scope: 'paths', paths: ['src/util.ts'], kind: 'pre' });
    write(ws, 'src/util.ts', lines('util', 8).replace('util line 2', 'util line 2 agent'));
    const post = await store.create({ scope: 'paths', paths: ['src/util.ts'], kind: 'post', receiptId: 'r1' });
    write(ws, 'new.txt', 'new\n');
    await store.create({ scope: 'full' });
    await store.diff(start.id);
    await store.diff(start.id, post.id);
    const rb = await store.rollback({ before: pre.id, after: post.id });
    assert.equal(rb.ok, true);
    const restored = await store.restore(start.id);
    await store.undoRestore(restored.restoreId);
    await store.gc({ referenced: new Set() });
    assert.deepEqual(fingerprint(path.join(ws, '.git')), gitBefore);
    assert.equal(git(ws, 'status', '--porcelain=v1').replace(/\?\? new.txt\n/, ''), status);
    assert.equal(git(ws, 'stash', 'list').trim().split('\n').length, 1);
    assert.equal(git(ws, 'rev-parse', '--abbrev-ref', 'HEAD').trim(), 'main');
    assert.ok(before.size > 0);
    fsckStore(storeDir);
  } finally {
    await store.close();
    rm(ws, path.dirname(storeDir));
  }
});

test('a store lives outside the workspace and refuses another workspace', async () => {
  const ws = makePlainWorkspace({ 'a.txt': 'a\n' });
  const other = makePlainWorkspace({ 'b.txt': 'b\n' });
  const { store, storeDir } = await openStore(ws);
  await store.close();
  await assert.rejects(CheckpointStore.open({ workspace: other, storeDir }), (e: unknown) => e instanceof CheckpointError && e.code === 'store_mismatch');
  await assert.rejects(CheckpointStore.open({ workspace: ws, storeDir: path.join(ws, '..') }), (e: unknown) => e instanceof CheckpointError && e.code === 'invalid');
  rm(ws, other, path.dirname(storeDir));
});

test('checkpoints record parent, receipt, time, scope and changed paths with sizes; get accepts a prefix', async () => {
  const ws = makePlainWorkspace({ 'a.txt': 'alpha\n', 'dir/b.txt': 'beta\n' });
  const { store, storeDir } = await openStore(ws);
  try {
    const first = await store.create({ scope: 'full', name: 'first' });
    assert.equal(first.parent, undefined);
    assert.deepEqual(first.changed.map((c) => c.path).sort(), ['a.txt', 'dir/b.txt']);
    write(ws, 'a.txt', 'alpha two\n');
    const second = await store.create({ scope: 'paths', paths: [path.join(ws, 'a.txt'), 'dir/missing.txt'], kind: 'post', receiptId: 'rcpt-1' });
    assert.equal(second.parent, first.id);
    assert.equal(second.receiptId, 'rcpt-1');
    assert.equal(second.scope, 'paths');
    assert.deepEqual(second.changed, [{ path: 'a.txt', status: 'modified', size: 10 }]);
    assert.ok(second.tookMs >= 0);
    assert.ok(!Number.isNaN(Date.parse(second.createdAt)));
    const got = await store.get(second.id.slice(0, 8));
    assert.equal(got?.id, second.id);
    assert.equal(got?.receiptId, 'rcpt-1');
    assert.equal(await store.get('deadbeef'), undefined);
    await assert.rejects(store.get('not-hex!'), (e: unknown) => e instanceof CheckpointError && e.code === 'invalid');
    const list = await store.list();
    assert.deepEqual(
      list.map((c) => c.id),
      [second.id, first.id],
    );
    assert.equal((await store.list({ limit: 1 })).length, 1);
    assert.deepEqual(await store.changes(first.id, second.id), [{ path: 'a.txt', status: 'modified', size: 10 }]);
    fsckStore(storeDir);
  } finally {
    await store.close();
    rm(ws, path.dirname(storeDir));
  }
});

test('diff between checkpoints and against the working tree gives unified diffs per file', async () => {
  const ws = makePlainWorkspace({ 'a.txt': lines('a', 5), 'bin.dat': 'x' });
  fs.writeFileSync(path.join(ws, 'bin.dat'), Buffer.from([0, 1, 2, 3, 0, 5]));
  const { store, storeDir } = await openStore(ws);
  try {
    const c1 = await store.create({ scope: 'full' });
    write(ws, 'a.txt', lines('a', 5).replace('a line 3', 'a line three'));
    fs.writeFileSync(path.join(ws, 'bin.dat'), Buffer.from([0, 9, 9, 9]));
    write(ws, 'with space.txt', 'spaced\n');
    const work = await store.diff(c1.id);
    assert.deepEqual(
      work.map((d) => [d.path, d.status, d.binary]),
      [
        ['a.txt', 'modified', false],
        ['bin.dat', 'modified', true],
        ['with space.txt', 'added', false],
      ],
    );
    assert.match(work[0]!.patch, /^-a line 3$/m);
    assert.match(work[0]!.patch, /^\+a line three$/m);
    assert.match(work[2]!.patch, /^\+spaced$/m);
    const c2 = await store.create({ scope: 'full' });
    const between = await store.diff(c1.id, c2.id, { paths: ['a.txt'] });
    assert.equal(between.length, 1);
    assert.match(between[0]!.patch, /a line three/);
    const onePath = await store.diff(c1.id, undefined, { paths: ['with space.txt'] });
    assert.deepEqual(
      onePath.map((d) => d.path),
      ['with space.txt'],
    );
    await assert.rejects(store.diff(c1.id, undefined, { paths: ['../outside.txt'] }), (e: unknown) => e instanceof CheckpointError && e.code === 'outside_workspace');
  } finally {
    await store.close();
    rm(ws, path.dirname(storeDir));
  }
});

test('full scans honour .gitignore and the default and configured exclusions, and leave out large files', async () => {
  const ws = makePlainWorkspace({
    '.gitignore': 'secret.txt\n',
    'keep.ts': 'k\n',
    'secret.txt': 's\n',
    'node_modules/dep/index.js': 'dep\n',
    'dist/out.js': 'out\n',
    'logs/x.custom': 'c\n',
    '.gitattributes': '*.psd filter=lfs diff=lfs merge=lfs -text\n',
    'art.psd': 'lfs content\n',
  });
  fs.writeFileSync(path.join(ws, 'big.bin'), Buffer.alloc(2048, 7));
  const { store, storeDir } = await openStore(ws, { maxFileSizeBytes: 1024, exclude: ['*.custom'] });
  try {
    const c = await store.create({ scope: 'full' });
    assert.deepEqual(c.changed.map((x) => x.path).sort(), ['.gitattributes', '.gitignore', 'keep.ts']);
    assert.deepEqual(c.skipped, [{ path: 'big.bin', reason: 'too_large', size: 2048 }]);
    // explicitly touched: captured whatever the rules say
    const forced = await store.create({ scope: 'full', paths: ['big.bin', 'secret.txt'] });
    assert.deepEqual(forced.changed.map((x) => x.path).sort(), ['big.bin', 'secret.txt']);
  } finally {
    await store.close();
    rm(ws, path.dirname(storeDir));
  }
});

test('paths outside the workspace are not captured and are reported', async () => {
  const ws = makePlainWorkspace({ 'a.txt': 'a\n' });
  const outside = tmpDir('outside');
  write(outside, 'o.txt', 'o\n');
  fs.symlinkSync(outside, path.join(ws, 'link'));
  const { store, storeDir } = await openStore(ws);
  try {
    const c = await store.create({ scope: 'paths', paths: [path.join(outside, 'o.txt'), 'link/o.txt', '.git/config', 'a.txt'] });
    assert.deepEqual(c.changed.map((x) => x.path), ['a.txt']);
    assert.deepEqual(
      c.skipped?.map((s) => s.reason),
      ['outside_workspace', 'outside_workspace', 'git_dir'],
    );
    await assert.rejects(store.restore(c.id, { paths: ['link/o.txt'] }), (e: unknown) => e instanceof CheckpointError && e.code === 'outside_workspace');
  } finally {
    await store.close();
    rm(ws, outside, path.dirname(storeDir));
  }
});

test('symlinks and executable bits are captured and restored', async () => {
  const ws = makePlainWorkspace({ 'run.sh': '#!/bin/sh\necho hi\n', 'target.txt': 't\n' });
  fs.chmodSync(path.join(ws, 'run.sh'), 0o755);
  fs.symlinkSync('target.txt', path.join(ws, 'link.txt'));
  const { store, storeDir } = await openStore(ws);
  try {
    const c = await store.create({ scope: 'full' });
    const before = snapshot(ws);
    fs.chmodSync(path.join(ws, 'run.sh'), 0o644);
    fs.rmSync(path.join(ws, 'link.txt'));
    fs.symlinkSync('run.sh', path.join(ws, 'link.txt'));
    await store.create({ scope: 'full' });
    await store.restore(c.id);
    assert.deepEqual(snapshot(ws), before);
  } finally {
    await store.close();
    rm(ws, path.dirname(storeDir));
  }
});

test('a workspace in a subfolder of a repository is seeded from that repository', async () => {
  const repo = makeUserRepo({ 'pkg/inner/a.ts': 'inner a\n', 'pkg/inner/b.ts': 'inner b\n' });
  const ws = path.join(repo, 'pkg', 'inner');
  const gitBefore = fingerprint(path.join(repo, '.git'));
  const { store, storeDir } = await openStore(ws);
  try {
    const c = await store.create({ scope: 'full' });
    assert.deepEqual(c.changed.map((x) => x.path).sort(), ['a.ts', 'b.ts']);
    const seed = JSON.parse(fs.readFileSync(path.join(storeDir, 'belay-seed.json'), 'utf8')) as { seeded: number };
    assert.equal(seed.seeded, 2);
    assert.deepEqual(fingerprint(path.join(repo, '.git')), gitBefore);
    assert.equal(read(ws, 'a.ts'), 'inner a\n');
    assert.ok(exists(ws, 'b.ts'));
  } finally {
    await store.close();
    rm(repo, path.dirname(storeDir));
  }
});

test('the newest checkpoint is found from its head hint; a hint that does not hold falls back to every ref', async () => {
  const { HEAD_HINT, listRefs } = await import('../../../../src/core/checkpoints/catalog.ts');
  const ws = makePlainWorkspace({ 'a.txt': 'alpha\n' });
  const { store, storeDir } = await openStore(ws);
  const hint = path.join(storeDir, HEAD_HINT);
  const seqs = (): number[] => listRefs(storeDir).map((r) => r.seq);
  try {
    const first = await store.create({ scope: 'full', name: 'first' });
    write(ws, 'a.txt', 'alpha 2\n');
    const second = await store.create({ scope: 'paths', paths: ['a.txt'] });
    assert.equal(fs.readFileSync(hint, 'utf8').trim(), listRefs(storeDir).at(-1)?.ref.split('/').pop());
    assert.equal(second.parent, first.id);

    // a writer killed after the hint and before its ref: the hint names no ref
    fs.writeFileSync(hint, `0000000003-${'e'.repeat(40)}\n`);
    const third = await store.create({ scope: 'paths', paths: ['a.txt'] });
    assert.equal(third.parent, second.id);
    assert.deepEqual(seqs(), [1, 2, 3]);

    // refs packed by garbage collection: the hint's loose ref is gone
    git(ws, '--git-dir', storeDir, 'pack-refs', '--all', '--prune');
    assert.ok(!fs.existsSync(path.join(storeDir, 'refs/belay/cp')) || fs.readdirSync(path.join(storeDir, 'refs/belay/cp')).length === 0);
    const fourth = await store.create({ scope: 'paths', paths: ['a.txt'] });
    assert.equal(fourth.parent, third.id);

    // no hint at all (a store from before it existed)
    fs.rmSync(hint);
    const fifth = await store.create({ scope: 'paths', paths: ['a.txt'] });
    assert.equal(fifth.parent, fourth.id);
    assert.deepEqual(seqs(), [1, 2, 3, 4, 5]);
    // a hint that is not a ref name at all, longer than one
    fs.writeFileSync(hint, `HEAD ${'x'.repeat(100)}\n0000000005-${fifth.id}\n`);
    assert.equal((await store.create({ scope: 'paths', paths: ['a.txt'] })).parent, fifth.id);
    assert.deepEqual(seqs(), [1, 2, 3, 4, 5, 6]);
    assert.equal(fs.readFileSync(hint, 'utf8'), `${listRefs(storeDir).at(-1)?.ref.split('/').pop()}\n`, 'rewritten whole, nothing of the old text left');
    fsckStore(storeDir);
  } finally {
    await store.close();
    rm(ws, path.dirname(storeDir));
  }
});

test('a known-path checkpoint stores only what changed: an unchanged file costs no object, a changed one its blob', async () => {
  const ws = makeUserRepo();
  const { store, storeDir } = await openStore(ws);
  const loose = (): Set<string> => {
    const out = new Set<string>();
    const objects = path.join(storeDir, 'objects');
    for (const d of fs.readdirSync(objects)) if (/^[0-9a-f]{2}$/.test(d)) for (const f of fs.readdirSync(path.join(objects, d))) out.add(d + f);
    return out;
  };
  const blobOf = (rel: string): string => git(ws, 'hash-object', '--', rel).trim();
  try {
    await store.create({ scope: 'full', name: 'baseline' });
    const before = loose();
    // src/util.ts is committed in the user's repository and unchanged since the baseline
    const same = await store.create({ scope: 'paths', paths: [path.join(ws, 'src/util.ts')] });
    const added = [...loose()].filter((o) => !before.has(o));
    assert.deepEqual(added, [same.id], 'only the checkpoint commit itself');
    assert.deepEqual(same.changed, []);
    write(ws, 'src/util.ts', 'changed\n');
    const changed = await store.create({ scope: 'paths', paths: ['src/util.ts'] });
    assert.ok(loose().has(blobOf('src/util.ts')), 'the new content is stored');
    assert.deepEqual(changed.changed, [{ path: 'src/util.ts', status: 'modified', size: 8 }]);
    // and it can be brought back either way
    await store.restore(same.id, { paths: ['src/util.ts'] });
    assert.equal(read(ws, 'src/util.ts'), lines('util', 8));
    await store.restore(changed.id, { paths: ['src/util.ts'] });
    assert.equal(read(ws, 'src/util.ts'), 'changed\n');
    fsckStore(storeDir);
  } finally {
    await store.close();
    rm(ws, path.dirname(storeDir));
  }
});

test('a "before" checkpoint is recorded anew when the files left out for size differ from the newest checkpoint\'s, in name or size', async () => {
  const ws = makeUserRepo();
  fs.writeFileSync(path.join(ws, 'big.bin'), Buffer.alloc(2048, 7));
  const { store, storeDir } = await openStore(ws, { maxFileSizeBytes: 1024 });
  try {
    const post = await store.create({ scope: 'full', kind: 'post', receiptId: 'r1' });
    assert.deepEqual(post.skipped, [{ path: 'big.bin', reason: 'too_large', size: 2048 }]);
    assert.equal((await store.create({ scope: 'full', kind: 'pre', reuseUnchanged: true })).id, post.id, 'the same file left out, the same size');
    // the tracked tree is the same, but the file left out grew: the head does not describe it
    fs.writeFileSync(path.join(ws, 'big.bin'), Buffer.alloc(4096, 7));
    const grown = await store.create({ scope: 'full', kind: 'pre', reuseUnchanged: true });
    assert.notEqual(grown.id, post.id);
    assert.deepEqual(grown.skipped, [{ path: 'big.bin', reason: 'too_large', size: 4096 }]);
    assert.equal((await store.create({ scope: 'full', kind: 'pre', reuseUnchanged: true })).id, grown.id);
    // another file left out instead
    fs.renameSync(path.join(ws, 'big.bin'), path.join(ws, 'huge.bin'));
    const renamed = await store.create({ scope: 'full', kind: 'pre', reuseUnchanged: true });
    assert.notEqual(renamed.id, grown.id);
    assert.deepEqual(renamed.skipped, [{ path: 'huge.bin', reason: 'too_large', size: 4096 }]);
  } finally {
    await store.close();
    rm(ws, path.dirname(storeDir));
  }
});

test('a "before" checkpoint of an unchanged workspace is the newest checkpoint when that one looked at the same files; anything else is recorded anew', async () => {
  const ws = makeUserRepo();
  const { store, storeDir } = await openStore(ws);
  const count = async (): Promise<number> => (await store.list()).length;
  try {
    // full scans: nothing changed since the last one
    const post = await store.create({ scope: 'full', kind: 'post', receiptId: 'r1' });
    const pre = await store.create({ scope: 'full', kind: 'pre', reuseUnchanged: true });
    assert.equal(pre.id, post.id);
    const n = await count();
    assert.equal((await store.create({ scope: 'full', kind: 'pre', reuseUnchanged: true })).id, post.id);
    assert.equal(await count(), n, 'no commit or ref was added');
    // not asked for: a copy, as before
    assert.notEqual((await store.create({ scope: 'full', kind: 'pre' })).id, post.id);
    // a change, even of one byte's timestamp-free content
    write(ws, 'src/app.ts', lines('app', 12).replace('app line 3', 'app line 3!'));
    const changed = await store.create({ scope: 'full', kind: 'pre', reuseUnchanged: true });
    assert.notEqual(changed.id, post.id);
    assert.deepEqual((await store.changes(post.id, changed.id)).map((c) => c.path), ['src/app.ts']);
    // known paths: the same paths look the same; other paths, or a full scan, are recorded anew
    const p1 = await store.create({ scope: 'paths', paths: ['src/app.ts'], kind: 'post', receiptId: 'r2' });
    assert.equal((await store.create({ scope: 'paths', paths: ['src/app.ts'], kind: 'pre', reuseUnchanged: true })).id, p1.id);
    const p2 = await store.create({ scope: 'paths', paths: ['src/util.ts'], kind: 'pre', reuseUnchanged: true });
    assert.notEqual(p2.id, p1.id, 'it looked at another file');
    const f2 = await store.create({ scope: 'full', kind: 'pre', reuseUnchanged: true });
    assert.notEqual(f2.id, p2.id, 'a full scan looks at more than a known-path checkpoint did');
    // known paths after a full scan: recorded (a restore learns from them what a full scan may not say, such as an ignored file being absent)
    const ignored = await store.create({ scope: 'paths', paths: ['.env'], kind: 'pre', reuseUnchanged: true });
    assert.notEqual(ignored.id, f2.id);
    // a checkpoint another process recorded meanwhile: this one knows too little of it to stand in for it
    const other = await CheckpointStore.open({ workspace: ws, storeDir });
    let theirs;
    try {
      theirs = await other.create({ scope: 'full', kind: 'manual' });
    } finally {
      await other.close();
    }
    const mine = await store.create({ scope: 'full', kind: 'pre', reuseUnchanged: true });
    assert.notEqual(mine.id, theirs.id);
    assert.equal((await store.create({ scope: 'full', kind: 'pre', reuseUnchanged: true })).id, mine.id);
    // an action whose "before" is the earlier checkpoint rolls back as one with its own
    const readme = read(ws, 'README.md');
    write(ws, 'src/util.ts', 'rewritten by the agent\n');
    fs.rmSync(path.join(ws, 'README.md'));
    const after = await store.create({ scope: 'full', kind: 'post', receiptId: 'r3' });
    const paths = (await store.changes(mine.id, after.id)).map((c) => c.path).sort();
    assert.deepEqual(paths, ['README.md', 'src/util.ts']);
    const rb = await store.rollback({ before: mine.id, after: after.id, paths });
    assert.equal(rb.ok, true);
    assert.equal(read(ws, 'src/util.ts'), lines('util', 8));
    assert.equal(read(ws, 'README.md'), readme);
    fsckStore(storeDir);
  } finally {
    await store.close();
    rm(ws, path.dirname(storeDir));
  }
});
