import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseIndex, serializeIndex } from '../../../../src/core/checkpoints/indexFile.ts';
import { mergeUndo } from '../../../../src/core/checkpoints/merge.ts';
import { lfsPatterns } from '../../../../src/core/checkpoints/excludes.ts';
import { checkpointOptionsFromSettings } from '../../../../src/core/checkpoints/settings.ts';
import { git, rm, tmpDir, write } from './helpers.ts';

test('the index reader understands versions 2, 3 and 4 and the writer produces an index git accepts', () => {
  for (const version of ['2', '3', '4']) {
    const repo = tmpDir('idx');
    git(repo, 'init', '-q');
    git(repo, 'config', 'index.version', version);
    for (let i = 0; i < 30; i++) write(repo, `dir${i % 3}/sub/file-${i}.txt`, `content ${i}\n`);
    write(repo, 'a-very-long-directory-name/with/a/long/path/inside.txt', 'x\n');
    git(repo, 'add', '-A');
    if (version === '3') git(repo, 'update-index', '--skip-worktree', 'dir0/sub/file-0.txt');
    const parsed = parseIndex(fs.readFileSync(path.join(repo, '.git', 'index')));
    assert.equal(parsed.version, Number(version));
    assert.equal(parsed.entries.length, 31);
    const listed = git(repo, 'ls-files', '-s').trim().split('\n');
    assert.deepEqual(
      parsed.entries.map((e) => `${(e.mode >>> 0).toString(8)} ${e.sha} ${e.stage}\t${e.path}`),
      listed,
    );
    if (version === '3') assert.equal(parsed.entries.find((e) => e.path === 'dir0/sub/file-0.txt')?.skipWorktree, true);
    // written back, git reads it as the same index, with the stat data intact (nothing to refresh)
    fs.writeFileSync(path.join(repo, '.git', 'index'), serializeIndex(parsed.entries));
    assert.deepEqual(git(repo, 'ls-files', '-s').trim().split('\n'), listed);
    assert.equal(git(repo, 'diff-files', '--name-only'), '');
    rm(repo);
  }
});

test('three-way undo: clean merges, overlapping hunks, and picking a side', () => {
  const base = Buffer.from('a\nb\nc\nd\ne\nf\ng\n');
  const before = Buffer.from('a\nB0\nc\nd\ne\nf\ng\n'); // the action changed line 2 B0 -> b
  const current = Buffer.from('a\nb\nc\nd\ne\nf\nG user\n');
  const clean = mergeUndo(current, base, before);
  assert.equal(clean.clean, true);
  assert.equal(clean.clean && clean.content.toString(), 'a\nB0\nc\nd\ne\nf\nG user\n');
  const overlapping = Buffer.from('a\nb user\nc\nd\ne\nf\ng\n');
  const conflict = mergeUndo(overlapping, base, before);
  assert.equal(conflict.clean, false);
  assert.match(conflict.clean ? '' : conflict.hunks, /<<<<<<< current\nb user\n\|\|\|\|\|\|\| after the action\nb\n=======\nB0\n>>>>>>> before the action/);
  const keep = mergeUndo(overlapping, base, before, 'keep-current');
  assert.equal(keep.content?.toString(), overlapping.toString());
  const take = mergeUndo(overlapping, base, before, 'take-before');
  assert.equal(take.content?.toString(), before.toString());
  // CRLF and bytes that are not UTF-8 survive the round trip
  const crlf = mergeUndo(Buffer.from('x\r\ny\r\n\xff\r\n', 'latin1'), Buffer.from('x\r\ny\r\n\xff\r\n', 'latin1'), Buffer.from('x\r\nY\r\n\xff\r\n', 'latin1'));
  assert.equal(crlf.clean && crlf.content.toString('latin1'), 'x\r\nY\r\n\xff\r\n');
});

test('LFS patterns are read from .gitattributes, relative to their folder', () => {
  const text = '# comment\n*.psd filter=lfs diff=lfs merge=lfs -text\n*.txt text\nassets/*.bin filter=lfs\n';
  assert.deepEqual(lfsPatterns(text), ['*.psd', 'assets/*.bin']);
  assert.deepEqual(lfsPatterns(text, 'game'), ['/game/**/*.psd', '/game/assets/*.bin']);
});

test('checkpoint settings: dotted and nested forms, and invalid values reported', () => {
  assert.deepEqual(checkpointOptionsFromSettings({ 'belay.checkpoints.retention.maxCount': 10, 'belay.checkpoints.exclude': ['*.db'] }).options, {
    exclude: ['*.db'],
    retention: { maxCount: 10 },
  });
  assert.deepEqual(checkpointOptionsFromSettings({ 'belay.checkpoints': { maxFileSizeBytes: 5, retention: { maxAgeDays: 2 } } }).options, {
    maxFileSizeBytes: 5,
    retention: { maxAgeDays: 2 },
  });
  assert.match(checkpointOptionsFromSettings({ 'belay.checkpoints.retention.maxCount': -1 }).error ?? '', /retention\.maxCount/);
});

test('a file changed between planning and acting is refused as stale', async () => {
  const { Engine } = await import('../../../../src/core/checkpoints/engine.ts');
  const { assertUnchanged } = await import('../../../../src/core/checkpoints/restore.ts');
  const { CheckpointError } = await import('../../../../src/core/checkpoints/errors.ts');
  const { hashObject } = await import('../../../../src/core/checkpoints/objects.ts');
  const ws = tmpDir('stale');
  write(ws, 'a.txt', 'planned\n');
  const storeParent = tmpDir('stale-store');
  const engine = new Engine(ws, path.join(storeParent, 'store'), { workspace: ws, storeDir: '' });
  const planned = { mode: '100644', sha: hashObject('blob', Buffer.from('planned\n')) };
  await assertUnchanged(engine, [{ path: 'a.txt', from: planned, to: null }]);
  write(ws, 'a.txt', 'edited meanwhile\n');
  await assert.rejects(assertUnchanged(engine, [{ path: 'a.txt', from: planned, to: null }]), (e: unknown) => e instanceof CheckpointError && e.code === 'stale');
  engine.close();
  rm(ws, storeParent);
});

test('tree writes and tree diffs agree with git (odd names and orders, a file and a folder of one name, links)', async () => {
  const { ObjectDb } = await import('../../../../src/core/checkpoints/objects.ts');
  const { applyEdits, diffTrees } = await import('../../../../src/core/checkpoints/trees.ts');
  const repo = tmpDir('trees');
  git(repo, 'init', '-q', '--bare');
  const db = new ObjectDb(repo);
  const blob = (s: string): { mode: string; sha: string } => ({ mode: '100644', sha: db.write('blob', Buffer.from(s)) });
  const paths = ['a0', 'a.b', 'a-b', 'a/x', 'a.b0/y', 'é/ü', 'z\u{1F600}', 'z\uE000', 'Z', 'sub/deep/er/file', 'sub/deep.x'];
  const edits = paths.map((p) => ({ path: p, entry: blob(p) }));
  const t1 = await applyEdits(db, undefined, edits);
  // git builds the same tree from the same entries
  const index = path.join(repo, 'scratch-index');
  const env = { ...process.env, GIT_DIR: repo, GIT_INDEX_FILE: index, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' };
  const info = edits.map((e) => `${e.entry.mode} ${e.entry.sha}\t${e.path}\0`).join('');
  assert.equal(spawnSync('git', ['update-index', '--add', '-z', '--index-info'], { env, input: info }).status, 0);
  assert.equal(spawnSync('git', ['write-tree'], { env, encoding: 'utf8' }).stdout.trim(), t1);
  const changes = [
    { path: 'a.b0/y', entry: null },
    { path: 'a0', entry: { mode: '120000', sha: db.write('blob', Buffer.from('target')) } },
    { path: 'a-b', entry: { mode: '100755', sha: edits[2]!.entry.sha } },
    { path: 'z\uE000', entry: blob('changed') },
    { path: 'new/file', entry: blob('new') },
    { path: 'sub/deep/er/file', entry: null },
    { path: 'sub/deep', entry: blob('a file where a folder was') },
  ];
  const t2 = await applyEdits(db, t1, changes);
  // the same edits on trees read back from disk (their entries' bytes are reused) give the same tree
  const fresh = new ObjectDb(repo);
  assert.equal(await applyEdits(fresh, t1, changes), t2);
  fresh.close();
  git(repo, 'fsck', '--strict', '--no-dangling');
  const ours = (await diffTrees(db, t1, t2)).map((d) => `${d.status[0]!.toUpperCase()}\t${d.path}`);
  const fields = spawnSync('git', ['diff-tree', '-r', '-z', '--no-renames', '--name-status', t1, t2], { env, encoding: 'utf8' }).stdout.split('\0');
  const theirs: string[] = [];
  for (let i = 0; i + 1 < fields.length; i += 2) theirs.push(`${fields[i] === 'T' ? 'M' : fields[i]}\t${fields[i + 1]}`);
  theirs.sort((p, q) => (p.split('\t')[1]! < q.split('\t')[1]! ? -1 : 1));
  assert.deepEqual(ours, theirs);
  assert.equal(ours.length, 7);
  db.close();
  rm(repo);
});

test('small objects are written in stored zlib blocks that zlib and git read back; larger ones are deflated', async () => {
  const zlib = await import('node:zlib');
  const crypto = await import('node:crypto');
  const { ObjectDb, STORED_UP_TO, adler32, zlibStored } = await import('../../../../src/core/checkpoints/objects.ts');
  // the stream itself, at block edges and past one block
  for (const n of [0, 1, 100, 5552, 5553, 65534, 65535, 65536, 140_000]) {
    const data = crypto.randomBytes(n);
    const z = zlibStored(data);
    assert.deepEqual(zlib.inflateSync(z), data, `${n} bytes`);
    assert.equal(z.readUInt32BE(z.length - 4), adler32(data), `${n} bytes`);
  }
  // the checksum of long runs of 0xff (the largest sums), against zlib's own
  const ff = Buffer.alloc(300_000, 0xff);
  assert.equal(zlibStored(ff).readUInt32BE(zlibStored(ff).length - 4), zlib.deflateSync(ff).readUInt32BE(zlib.deflateSync(ff).length - 4));
  const repo = tmpDir('stored');
  git(repo, 'init', '-q', '--bare');
  const db = new ObjectDb(repo);
  const small = Buffer.from('a small file\n');
  const large = Buffer.from('a line that repeats\n'.repeat(1000));
  assert.ok(large.length > STORED_UP_TO);
  const shas = [db.write('blob', small), db.write('blob', large)];
  const onDisk = shas.map((sha) => fs.readFileSync(path.join(repo, 'objects', sha.slice(0, 2), sha.slice(2))));
  assert.equal(onDisk[0]!.length, 2 + 5 + `blob ${small.length}\0`.length + small.length + 4, 'stored: header, one block, checksum');
  assert.ok(onDisk[1]!.length < large.length / 4, 'deflated');
  assert.equal(git(repo, 'cat-file', '-p', shas[0]!), small.toString());
  assert.equal(git(repo, 'cat-file', '-p', shas[1]!), large.toString());
  git(repo, 'fsck', '--strict', '--no-dangling');
  // read back here too: whole, and the size from the object's first bytes
  const fresh = new ObjectDb(repo);
  assert.deepEqual((await fresh.read(shas[0]!)).content, small);
  assert.equal(await fresh.size(shas[0]!), small.length);
  assert.equal(await fresh.size(shas[1]!), large.length);
  fresh.close();
  db.close();
  rm(repo);
});

test('workspace paths: the quick join gives what path.join gives', async () => {
  const { absPath } = await import('../../../../src/core/checkpoints/workspaceFiles.ts');
  for (const rel of ['a', 'a/b', 'a//b', './a', 'a/..', 'a/./b', '', 'a/.b', '..a', 'a/b/', 'é/ü', 'a/...']) {
    assert.equal(absPath('/ws', rel), path.join('/ws', ...rel.split('/')), rel);
  }
});
