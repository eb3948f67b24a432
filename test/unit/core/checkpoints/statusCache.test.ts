import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { CheckpointStore } from '../../../../src/core/checkpoints/store.ts';
import { useStatusCache, type StatusCache } from '../../../../src/core/checkpoints/statusCache.ts';
import type { Checkpoint } from '../../../../src/core/checkpoints/types.ts';
import { git, tmpDir, write } from './helpers.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function cacheOf(store: CheckpointStore): StatusCache {
  const cache = (store as unknown as { engine: { statusCache?: StatusCache } }).engine.statusCache;
  assert.ok(cache, 'the store has a status cache');
  return cache;
}

const changes = (cp: Checkpoint) => cp.changed.map((c) => `${c.status} ${c.path} ${c.size ?? ''}`).sort();

/**
 * Two stores on one workspace: one reusing statuses, one asking git every
 * time. After every change, a full checkpoint of each must see the same.
 */
async function pair(opts: { maxEntries?: number } = {}) {
  const ws = tmpDir('status-ws');
  const stores = tmpDir('status-stores');
  git(ws, 'init', '-q', '-b', 'main');
  for (let i = 0; i < 30; i++) write(ws, `src/f${i}.ts`, `export const v${i} = ${i};\n`);
  write(ws, '.gitignore', '*.log\nreports/\n');
  write(ws, 'logs/a.log', 'ignored\n');
  write(ws, 'reports/out.txt', 'made\n');
  git(ws, 'add', '-A');
  git(ws, 'commit', '-qm', 'files');
  useStatusCache(false);
  const plain = await CheckpointStore.open({ workspace: ws, storeDir: path.join(stores, 'plain.git') });
  useStatusCache(true, opts);
  const cached = await CheckpointStore.open({ workspace: ws, storeDir: path.join(stores, 'cached.git') });
  await plain.create({ scope: 'full', kind: 'auto', name: 'baseline' });
  await cached.create({ scope: 'full', kind: 'auto', name: 'baseline' });
  const cache = cacheOf(cached);
  /** one full checkpoint in each store; they must agree */
  const both = async (): Promise<Checkpoint> => {
    const a = await cached.create({ scope: 'full', paths: [], kind: 'pre' });
    const b = await plain.create({ scope: 'full', paths: [], kind: 'pre' });
    assert.deepEqual(changes(a), changes(b), 'the store that reuses statuses sees what git sees');
    return a;
  };
  /** checkpoints until the cached store reuses its status (nothing changes meanwhile) */
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 8; i++) {
      const reused = cache.counts.reused;
      await sleep(70);
      const cp = await both();
      assert.deepEqual(cp.changed, [], 'nothing changed while settling');
      if (cache.counts.reused > reused) return;
    }
    assert.fail(`the status was never reused (${JSON.stringify(cache.counts)})`);
  };
  return { ws, both, settle, cache };
}

test('a long-lived store reuses its last git status while nothing changed, and sees every kind of change', async () => {
  const { ws, both, settle, cache } = await pair();
  await settle();
  const abs = (rel: string) => path.join(ws, rel);
  const cases: Array<{ name: string; change: () => void; expect: string }> = [
    {
      name: 'same size, old mtime put back',
      change: () => {
        // touch -r copies the timestamps to the nanosecond: only the ctime tells
        const ref = path.join(ws, '..', `${path.basename(ws)}-times`);
        fs.writeFileSync(ref, '');
        assert.equal(spawnSync('touch', ['-r', abs('src/f1.ts'), ref]).status, 0);
        fs.writeFileSync(abs('src/f1.ts'), 'export const v1 = 9;\n');
        assert.equal(spawnSync('touch', ['-r', ref, abs('src/f1.ts')]).status, 0);
        assert.equal(fs.statSync(abs('src/f1.ts')).mtimeMs, fs.statSync(ref).mtimeMs);
      },
      expect: 'modified src/f1.ts',
    },
    { name: 'new file at the root', change: () => write(ws, 'new.ts', 'x\n'), expect: 'added new.ts' },
    { name: 'new file in a new nested folder', change: () => write(ws, 'src/a/b/deep.ts', 'x\n'), expect: 'added src/a/b/deep.ts' },
    { name: 'new file in a folder that held only ignored files', change: () => write(ws, 'logs/notes.txt', 'x\n'), expect: 'added logs/notes.txt' },
    { name: 'deleted file', change: () => fs.rmSync(abs('src/f2.ts')), expect: 'deleted src/f2.ts' },
    { name: 'renamed file', change: () => fs.renameSync(abs('src/f3.ts'), abs('src/f3b.ts')), expect: 'added src/f3b.ts' },
    { name: 'mode change', change: () => fs.chmodSync(abs('src/f4.ts'), 0o755), expect: 'modified src/f4.ts' },
    { name: 'file replaced by a symlink', change: () => (fs.rmSync(abs('src/f5.ts')), fs.symlinkSync('f6.ts', abs('src/f5.ts'))), expect: 'src/f5.ts' },
    { name: 'folder replaced by a file', change: () => (fs.rmSync(abs('src/a'), { recursive: true }), fs.writeFileSync(abs('src/a'), 'x\n')), expect: 'added src/a ' },
    { name: 'an ignore rule taken back', change: () => fs.writeFileSync(abs('.gitignore'), '*.log\n'), expect: 'added reports/out.txt' },
  ];
  for (const c of cases) {
    const before = { ...cache.counts };
    c.change();
    const cp = await both();
    assert.ok(
      changes(cp).some((l) => l.includes(c.expect)),
      `${c.name}: expected "${c.expect}" in ${JSON.stringify(changes(cp))}`,
    );
    assert.equal(cache.counts.reused, before.reused, `${c.name}: the change made the store ask git`);
    await settle();
  }
});

test('a walk that meets timestamps of its own clock tick is not trusted', async () => {
  const { ws, both, settle, cache } = await pair();
  await settle();
  // changed and scanned within milliseconds: the next scan asks git again
  write(ws, 'src/f7.ts', 'export const v7 = 70;\n');
  await both();
  const runs = cache.counts.run;
  const cp = await both();
  assert.deepEqual(cp.changed, []);
  assert.equal(cache.counts.run, runs + 1, 'a snapshot taken right after a change is not reused');
});

test('a workspace of more entries than a walk may record is asked of git every time, and walked no more', async () => {
  const { ws, both, cache } = await pair({ maxEntries: 10 });
  for (let i = 0; i < 4; i++) {
    await sleep(70);
    await both();
  }
  const walks = cache.counts.walks;
  assert.ok(walks >= 1 && walks <= 2, `walked ${walks} times before giving up`);
  write(ws, 'src/late.ts', 'x\n');
  const cp = await both();
  assert.ok(changes(cp).some((l) => l.includes('added src/late.ts')));
  for (let i = 0; i < 3; i++) {
    await sleep(70);
    await both();
  }
  assert.equal(cache.counts.reused, 0, 'nothing reused');
  assert.equal(cache.counts.walks, walks, 'no walk once the workspace is known to be too big');
});
