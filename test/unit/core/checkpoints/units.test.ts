import { test } from 'node:test';
import assert from 'node:assert/strict';
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
