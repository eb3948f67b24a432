import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { exists, fingerprint, fsckStore, git, makeUserRepo, openStore, read, rm, snapshot, tmpDir, write } from './helpers.ts';

test('nested git repositories are checkpointed as files, never renamed or disabled', async () => {
  const ws = makeUserRepo();
  const nested = path.join(ws, 'vendor-lib');
  fs.mkdirSync(nested);
  git(nested, 'init', '-q', '-b', 'main');
  write(nested, 'lib.js', 'export const lib = 1;\n');
  write(nested, 'deep/more.js', 'more\n');
  write(nested, '.gitignore', 'cache/\n');
  write(nested, 'cache/tmp.bin', 'cache\n');
  git(nested, 'add', '-A');
  git(nested, 'commit', '-q', '-m', 'nested');
  const nestedGit = fingerprint(path.join(nested, '.git'));
  const { store, storeDir } = await openStore(ws);
  try {
    const c = await store.create({ scope: 'full' });
    const paths = c.changed.map((x) => x.path);
    assert.ok(paths.includes('vendor-lib/lib.js'));
    assert.ok(paths.includes('vendor-lib/deep/more.js'));
    assert.ok(!paths.some((p) => p.includes('/cache/')), "the nested repository's .gitignore applies");
    assert.ok(!paths.some((p) => p.includes('.git/')));
    assert.ok(fs.statSync(path.join(nested, '.git')).isDirectory(), 'the nested .git is where it was');
    const before = snapshot(ws);
    write(nested, 'lib.js', 'export const lib = 2;\n');
    write(nested, 'added.js', 'new in nested\n');
    fs.rmSync(path.join(nested, 'deep/more.js'));
    const c2 = await store.create({ scope: 'full' });
    assert.deepEqual(
      c2.changed.map((x) => `${x.status} ${x.path}`),
      ['added vendor-lib/added.js', 'deleted vendor-lib/deep/more.js', 'modified vendor-lib/lib.js'],
    );
    await store.restore(c.id);
    assert.deepEqual(snapshot(ws), before);
    assert.deepEqual(fingerprint(path.join(nested, '.git')), nestedGit);
    fsckStore(storeDir);
  } finally {
    await store.close();
    rm(ws, path.dirname(storeDir));
  }
});

test('submodules are checkpointed as files; the superproject and submodule repositories stay untouched', async () => {
  const upstream = tmpDir('upstream');
  git(upstream, 'init', '-q', '-b', 'main');
  write(upstream, 'mod.txt', 'module v1\n');
  git(upstream, 'add', '-A');
  git(upstream, 'commit', '-q', '-m', 'module');
  const ws = makeUserRepo();
  git(ws, '-c', 'protocol.file.allow=always', 'submodule', 'add', '-q', upstream, 'deps/mod');
  git(ws, 'commit', '-q', '-m', 'add submodule');
  const superGit = fingerprint(path.join(ws, '.git'));
  const { store, storeDir } = await openStore(ws);
  try {
    const c = await store.create({ scope: 'full' });
    assert.ok(c.changed.some((x) => x.path === 'deps/mod/mod.txt'), 'submodule files are captured');
    assert.ok(!c.changed.some((x) => x.path === 'deps/mod'), 'no gitlink entry');
    const pre = await store.create({ scope: 'paths', paths: ['deps/mod/mod.txt'], kind: 'pre' });
    write(ws, 'deps/mod/mod.txt', 'module edited by agent\n');
    const post = await store.create({ scope: 'paths', paths: ['deps/mod/mod.txt'], kind: 'post' });
    const r = await store.rollback({ before: pre.id, after: post.id });
    assert.equal(r.ok, true);
    assert.equal(read(ws, 'deps/mod/mod.txt'), 'module v1\n');
    assert.ok(exists(ws, 'deps/mod/.git'));
    assert.deepEqual(fingerprint(path.join(ws, '.git')), superGit);
  } finally {
    await store.close();
    rm(ws, upstream, path.dirname(storeDir));
  }
});

test('a known-path checkpoint of a folder holding a nested repository captures its files', async () => {
  const ws = makeUserRepo();
  const nested = path.join(ws, 'tools', 'sub');
  fs.mkdirSync(nested, { recursive: true });
  git(nested, 'init', '-q');
  write(nested, 'run.sh', 'echo run\n');
  write(ws, 'tools/top.txt', 'top\n');
  const { store, storeDir } = await openStore(ws);
  try {
    const pre = await store.create({ scope: 'paths', paths: ['tools'], kind: 'pre' });
    assert.deepEqual(pre.observed, ['tools/sub/run.sh', 'tools/top.txt']);
    fs.rmSync(path.join(ws, 'tools'), { recursive: true });
    const post = await store.create({ scope: 'paths', paths: ['tools'], kind: 'post' });
    assert.deepEqual(
      (await store.changes(pre.id, post.id)).map((c) => `${c.status} ${c.path}`),
      ['deleted tools/sub/run.sh', 'deleted tools/top.txt'],
    );
    const r = await store.rollback({ before: pre.id, after: post.id });
    assert.equal(r.ok, true);
    assert.equal(read(ws, 'tools/sub/run.sh'), 'echo run\n');
  } finally {
    await store.close();
    rm(ws, path.dirname(storeDir));
  }
});
