import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CheckpointError, CheckpointStore } from '../../../../src/core/checkpoints/store.ts';
import { acquireLock } from '../../../../src/core/checkpoints/lock.ts';
import { fsckStore, makePlainWorkspace, rm, tmpDir } from './helpers.ts';

const child = path.join(import.meta.dirname, 'fixtures', 'concurrentChild.ts');

test('several processes checkpointing one store at once are serialised', async () => {
  const ws = makePlainWorkspace({ 'base.txt': 'b\n' });
  const storeDir = path.join(tmpDir('lock'), 'store');
  try {
    const procs = ['a', 'b', 'c', 'd'].map(
      (name) =>
        new Promise<string>((resolve) => {
          const p = spawn(process.execPath, [child, ws, storeDir, name, '6'], { stdio: ['ignore', 'pipe', 'pipe'] });
          let out = '';
          p.stdout.on('data', (b: Buffer) => (out += b.toString()));
          p.stderr.on('data', (b: Buffer) => (out += b.toString()));
          p.on('close', (code) => resolve(`${code} ${out.trim()}`));
        }),
    );
    const results = await Promise.all(procs);
    for (const r of results) assert.equal(r, '0 ok');
    const store = await CheckpointStore.open({ workspace: ws, storeDir });
    const list = await store.list();
    assert.equal(list.length, 4 * 6 * 2);
    assert.deepEqual(
      list.map((c) => c.seq).reverse(),
      list.map((_, i) => i + 1),
      'one unbroken sequence',
    );
    for (let i = 0; i < list.length - 1; i++) assert.equal(list[i]!.parent, list[i + 1]!.id);
    await store.close();
    fsckStore(storeDir);
  } finally {
    rm(ws, path.dirname(storeDir));
  }
});

test('a caller waiting longer than the timeout gets `locked`', async () => {
  const ws = makePlainWorkspace({ 'a.txt': 'a\n' });
  const storeDir = path.join(tmpDir('lock'), 'store');
  const store = await CheckpointStore.open({ workspace: ws, storeDir, lockTimeoutMs: 150 });
  const held = await acquireLock(path.join(storeDir, 'belay.lock'), { timeoutMs: 1000 });
  try {
    const started = Date.now();
    await assert.rejects(store.create({ scope: 'full' }), (e: unknown) => e instanceof CheckpointError && e.code === 'locked' && /busy/.test(e.message));
    assert.ok(Date.now() - started < 2000);
  } finally {
    held.release();
    await store.create({ scope: 'full' });
    await store.close();
    rm(ws, path.dirname(storeDir));
  }
});

test('a lock left by a dead process, and the git locks it left, are recovered', async () => {
  const ws = makePlainWorkspace({ 'a.txt': 'a\n' });
  const storeDir = path.join(tmpDir('lock'), 'store');
  const store = await CheckpointStore.open({ workspace: ws, storeDir, lockTimeoutMs: 2000 });
  try {
    await store.create({ scope: 'full' });
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const lockDir = path.join(storeDir, 'belay.lock');
    fs.mkdirSync(lockDir);
    fs.writeFileSync(path.join(lockDir, 'owner.json'), JSON.stringify({ pid: Number(dead.stdout), host: os.hostname(), token: 'dead', since: new Date().toISOString() }));
    fs.writeFileSync(path.join(storeDir, 'index.lock'), 'a git killed mid-write');
    fs.writeFileSync(path.join(ws, 'a.txt'), 'changed\n');
    const c = await store.create({ scope: 'full' });
    assert.deepEqual(c.changed.map((x) => x.path), ['a.txt']);
    assert.ok(!fs.existsSync(path.join(storeDir, 'index.lock')));
    // a lock from another machine whose heartbeat stopped long ago
    fs.mkdirSync(lockDir);
    fs.writeFileSync(path.join(lockDir, 'owner.json'), JSON.stringify({ pid: 1, host: 'elsewhere', token: 'old', since: '2020-01-01T00:00:00Z' }));
    const old = new Date(Date.now() - 10 * 60_000);
    fs.utimesSync(path.join(lockDir, 'owner.json'), old, old);
    await store.create({ scope: 'full' });
    fsckStore(storeDir);
  } finally {
    await store.close();
    rm(ws, path.dirname(storeDir));
  }
});

test('a live lock from another machine is respected until its heartbeat stops', async () => {
  const dir = tmpDir('lockdir');
  const lockDir = path.join(dir, 'belay.lock');
  fs.mkdirSync(lockDir);
  fs.writeFileSync(path.join(lockDir, 'owner.json'), JSON.stringify({ pid: 1, host: 'elsewhere', token: 'live', since: new Date().toISOString() }));
  await assert.rejects(acquireLock(lockDir, { timeoutMs: 100, staleMs: 60_000 }), (e: unknown) => e instanceof CheckpointError && e.code === 'locked');
  const held = await acquireLock(lockDir, { timeoutMs: 2000, staleMs: 1 });
  held.verify();
  held.release();
  assert.ok(!fs.existsSync(lockDir));
  rm(dir);
});

test('the lock is this process\'s owner file linked into place while held; released, only that file stays until the process exits; dead owners and their files are cleared', async () => {
  const dir = tmpDir('lockfile');
  const lock = path.join(dir, 'belay.lock');
  try {
    const held = await acquireLock(lock, { timeoutMs: 1000 });
    const owner = JSON.parse(fs.readFileSync(lock, 'utf8')) as { pid: number; host: string; token: string };
    assert.equal(owner.pid, process.pid);
    assert.equal(owner.host, os.hostname());
    const mine = `belay.lock.${owner.token}.tmp`;
    assert.deepEqual(fs.readdirSync(dir).sort(), ['belay.lock', mine], 'the lock and the owner file it is linked from');
    assert.equal(fs.statSync(lock).ino, fs.statSync(path.join(dir, mine)).ino, 'one file, two names');
    // a second caller waits, then gives up
    await assert.rejects(acquireLock(lock, { timeoutMs: 50 }), (e: unknown) => e instanceof CheckpointError && e.code === 'locked' && new RegExp(`process ${process.pid}`).test(e.message));
    held.verify();
    held.release();
    held.release();
    assert.deepEqual(fs.readdirSync(dir), [mine]);
    assert.throws(() => held.verify(), (e: unknown) => e instanceof CheckpointError && e.code === 'locked');
    // the next hold of this process links the same file, its heartbeat fresh
    const old = new Date(Date.now() - 10 * 60_000);
    fs.utimesSync(path.join(dir, mine), old, old);
    const again = await acquireLock(lock, { timeoutMs: 1000 });
    assert.ok(Date.now() - fs.statSync(lock).mtimeMs < 60_000, 'a lock is never born looking abandoned');
    again.release();
    // a process's owner file goes with the process
    const script = `import { acquireLock } from ${JSON.stringify(path.join(import.meta.dirname, '..', '..', '..', '..', 'src', 'core', 'checkpoints', 'lock.ts'))};
const h = await acquireLock(${JSON.stringify(path.join(dir, 'other.lock'))}, { timeoutMs: 1000 }); h.release();`;
    assert.equal(spawnSync(process.execPath, ['--input-type=module', '-e', script]).status, 0);
    assert.deepEqual(fs.readdirSync(dir), [mine]);
    fs.rmSync(path.join(dir, mine)); // (as if removed by hand: the next hold writes a new one)

    // a lock file and an owner file left by a process that died
    const dead = Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
    const theirs = JSON.stringify({ pid: dead, host: os.hostname(), token: 'dead', since: new Date().toISOString() });
    fs.writeFileSync(lock, theirs);
    fs.writeFileSync(`${lock}.0123456789abcdef01234567.tmp`, theirs);
    const next = await acquireLock(lock, { timeoutMs: 1000 });
    assert.equal(next.tookOverStale, true);
    const now = fs.readdirSync(dir).sort();
    assert.equal(now.length, 2);
    assert.ok(now.includes('belay.lock') && !now.includes('belay.lock.0123456789abcdef01234567.tmp'), now.join(', '));
    // another process took the lock over (it judged this one stale): release leaves theirs alone
    fs.rmSync(lock);
    fs.writeFileSync(lock, JSON.stringify({ pid: process.pid, host: os.hostname(), token: 'other', since: new Date().toISOString() }));
    assert.throws(() => next.verify(), /lost the checkpoint store lock/);
    next.release();
    assert.equal((JSON.parse(fs.readFileSync(lock, 'utf8')) as { token: string }).token, 'other');
  } finally {
    rm(dir);
  }
});

test('the held lock is known by its file: heartbeats keep it, a takeover (a new file) loses it', async () => {
  const dir = tmpDir('lockid');
  const lock = path.join(dir, 'belay.lock');
  try {
    const held = await acquireLock(lock, { timeoutMs: 1000, staleMs: 6000 });
    await new Promise((r) => setTimeout(r, 1150)); // one heartbeat (every staleMs / 6): the file's times change, not the file
    held.verify();
    // taken over as another process does it: moved aside, a new file linked in its place
    fs.renameSync(lock, `${lock}.aside`);
    fs.writeFileSync(`${lock}.theirs`, JSON.stringify({ pid: process.pid, host: os.hostname(), token: 'theirs', since: new Date().toISOString() }));
    fs.linkSync(`${lock}.theirs`, lock);
    fs.rmSync(`${lock}.aside`);
    assert.throws(() => held.verify(), /lost the checkpoint store lock/);
    held.release();
    assert.equal((JSON.parse(fs.readFileSync(lock, 'utf8')) as { token: string }).token, 'theirs', 'release leaves the new owner alone');
  } finally {
    rm(dir);
  }
});

test('git lock files: a hold that ran git removes them before the store lock goes; a process looks once for older leftovers', async () => {
  const { Engine } = await import('../../../../src/core/checkpoints/engine.ts');
  const { runGit } = await import('../../../../src/core/checkpoints/git.ts');
  const ws = makePlainWorkspace({ 'a.txt': 'a\n' });
  const storeDir = path.join(tmpDir('gitlocks'), 'store');
  const indexLock = path.join(storeDir, 'index.lock');
  try {
    const engine = new Engine(ws, storeDir, { workspace: ws, storeDir });
    await engine.init();
    // a git command of this hold killed mid-write leaves its lock file: gone once the hold ends
    await engine.withLock(async () => {
      await runGit(engine.ctx, ['rev-parse', '--git-dir']);
      fs.writeFileSync(indexLock, 'a git killed mid-write');
    });
    assert.ok(!fs.existsSync(indexLock));
    // a leftover from before this process first held the lock: gone at its first hold
    fs.writeFileSync(indexLock, 'left by an older process');
    const fresh = new Engine(ws, storeDir, { workspace: ws, storeDir });
    await fresh.withLock(async () => assert.ok(!fs.existsSync(indexLock)));
    // and a full checkpoint (git status, update-index) works after it
    const store = await CheckpointStore.open({ workspace: ws, storeDir });
    await store.create({ scope: 'full' });
    await store.close();
    fsckStore(storeDir);
    engine.close();
    fresh.close();
  } finally {
    rm(ws, path.dirname(storeDir));
  }
});
