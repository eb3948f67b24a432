import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CheckpointError } from './errors.ts';
import { randomHex } from '../config/random.ts';

/**
 * A cross-process lock on one store: a file holding the owner's pid, host and
 * a random token, made to exist in one step (a hard link to a file written
 * aside, so it is never seen without its owner), its mtime kept fresh by a
 * heartbeat. A lock whose owner process is gone (same host) or whose
 * heartbeat stopped (other host, or a hung owner) is stale and is taken over;
 * waiting callers give up with `locked` after the timeout.
 *
 * (A folder renamed into place did the same with a directory created and
 * removed per checkpoint, which on ext4 cost about a millisecond. A lock left
 * in that older shape, a folder with owner.json inside, is still understood.)
 */

interface Owner {
  pid: number;
  host: string;
  token: string;
  since: string;
}

export interface LockOptions {
  timeoutMs: number;
  /** heartbeat age after which a lock counts as abandoned */
  staleMs?: number;
}

export interface HeldLock {
  /** the previous owner died holding the lock: the caller should run recovery */
  readonly tookOverStale: boolean;
  /** throws `locked` when another process took the lock over */
  verify(): void;
  release(): void;
}

let host: string | undefined;
/** This machine's name, as locks record it (asked once per process). */
function hostname(): string {
  return (host ??= os.hostname());
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The owner a lock names: the file's content, or owner.json in a lock of the older folder shape. */
function readOwner(lock: string): Owner | undefined {
  let text: string;
  try {
    text = fs.readFileSync(lock, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EISDIR') return undefined;
    try {
      text = fs.readFileSync(path.join(lock, 'owner.json'), 'utf8');
    } catch {
      return undefined;
    }
  }
  try {
    return JSON.parse(text) as Owner;
  } catch {
    return undefined;
  }
}

/** Time since the lock's heartbeat (the file's mtime, or its owner.json's in the folder shape). */
function ageMs(lock: string): number {
  try {
    const st = fs.statSync(lock);
    if (!st.isDirectory()) return Date.now() - st.mtimeMs;
    try {
      return Date.now() - fs.statSync(path.join(lock, 'owner.json')).mtimeMs;
    } catch {
      return Date.now() - st.mtimeMs;
    }
  } catch {
    return 0;
  }
}

/**
 * Makes `lock` exist as a copy of `staging`, only if nothing is there: false
 * when something is; 'linked' when `lock` is now the very file `staging` is.
 */
function claim(staging: string, lock: string): 'linked' | 'written' | false {
  try {
    fs.linkSync(staging, lock);
    return 'linked';
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    // a file system without hard links: an exclusive create, written at once
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS' && code !== 'EXDEV' && code !== 'EOPNOTSUPP') throw err;
  }
  const content = fs.readFileSync(staging);
  let fd: number;
  try {
    fd = fs.openSync(lock, 'wx');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST' || (err as NodeJS.ErrnoException).code === 'EISDIR') return false;
    throw err;
  }
  try {
    fs.writeSync(fd, content);
  } finally {
    fs.closeSync(fd);
  }
  return 'written';
}

function isStale(dir: string, owner: Owner | undefined, staleMs: number): boolean {
  const age = ageMs(dir);
  if (!owner) return age > Math.min(staleMs, 10_000); // no owner file (not made by acquireLock): give it a moment
  if (owner.host === hostname() && !pidAlive(owner.pid)) return true;
  return age > staleMs;
}

/**
 * This process's owner file for `lockPath`: written once, beside the lock,
 * and linked into place for each hold (the lock is then the very same file).
 * Removed when the process exits; a killed process's is swept by others.
 */
interface Staging {
  path: string;
  token: string;
  /** the file's identity (see identity), when the file system gives one */
  id: string | undefined;
}
const stagings = new Map<string, Staging>();

function staging(lockPath: string): Staging {
  let st = stagings.get(lockPath);
  if (st) {
    // The lock's heartbeat is this file's mtime (a link shares it): fresh
    // from the moment it is taken, not from the last hold.
    try {
      const now = new Date();
      fs.utimesSync(st.path, now, now);
      return st;
    } catch {
      stagings.delete(lockPath); // removed (by hand, or swept as another machine's): made again
    }
  }
  const token = randomHex(12);
  const file = `${lockPath}.${token}.tmp`;
  const mine: Owner = { pid: process.pid, host: hostname(), token, since: new Date().toISOString() };
  let fd: number;
  try {
    fd = fs.openSync(file, 'wx');
  } catch (err) {
    // (the folder is made only when it is missing: a mkdir per lock cost two calls)
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    fs.mkdirSync(path.dirname(lockPath), { recursive: true });
    fd = fs.openSync(file, 'wx');
  }
  try {
    fs.writeSync(fd, JSON.stringify(mine));
    st = { path: file, token, id: identity(fs.fstatSync(fd, { bigint: true })) };
  } finally {
    fs.closeSync(fd);
  }
  if (stagings.size === 0) process.once('exit', removeStagings);
  stagings.set(lockPath, st);
  return st;
}

function removeStagings(): void {
  for (const st of stagings.values()) {
    try {
      fs.unlinkSync(st.path);
    } catch {
      /* gone */
    }
  }
  stagings.clear();
}

export async function acquireLock(lockPath: string, opts: LockOptions): Promise<HeldLock> {
  const staleMs = opts.staleMs ?? 60_000;
  const deadline = Date.now() + opts.timeoutMs;
  let delay = 2;
  let tookOverStale = false;
  // The owner file is written aside and linked into place: a process killed
  // at any moment leaves either no lock or a lock that names its (dead)
  // owner, never an anonymous one. (Written once per process: a new file per
  // hold cost five file system calls, one of them creating an inode.)
  const mine = staging(lockPath);
  const token = mine.token;
  let claimed: 'linked' | 'written' | false;
  for (;;) {
    claimed = claim(mine.path, lockPath);
    if (claimed) break;
    const owner = readOwner(lockPath);
    if (isStale(lockPath, owner, staleMs)) {
      // Move the stale lock aside (atomic: only one contender wins), then make
      // sure what was moved is the lock judged stale and not a fresh one.
      const aside = `${lockPath}.stale-${token}`;
      try {
        fs.renameSync(lockPath, aside);
        const moved = readOwner(aside);
        if (moved?.token !== owner?.token && moved !== undefined && !isStale(aside, moved, staleMs)) {
          // a fresh lock: put it back, unless a newer one exists (its owner will notice through verify())
          try {
            if (fs.lstatSync(aside).isDirectory()) fs.renameSync(aside, lockPath);
            else claim(aside, lockPath);
          } catch {
            /* a newer lock exists */
          }
        } else {
          tookOverStale = true;
        }
        fs.rmSync(aside, { recursive: true, force: true });
      } catch {
        /* somebody else moved it first */
      }
      continue;
    }
    if (Date.now() >= deadline) {
      const who = owner ? `process ${owner.pid} on ${owner.host}` : 'another process';
      throw new CheckpointError('locked', `the checkpoint store is busy (locked by ${who}); gave up after ${opts.timeoutMs} ms`);
    }
    await sleep(delay);
    delay = Math.min(delay * 2, 50);
  }

  // Staging files of processes killed while taking the lock (folders, in the
  // older shape): looked for once per process and store, and after taking a
  // dead owner's lock (a rare leftover; not worth a folder listing per lock).
  const id = claimed === 'linked' ? mine.id : undefined;
  if (swept.has(lockPath) && !tookOverStale) return held(lockPath, token, staleMs, tookOverStale, id);
  swept.add(lockPath);
  try {
    const base = path.basename(lockPath);
    for (const name of fs.readdirSync(path.dirname(lockPath))) {
      if (!name.startsWith(`${base}.`) || !name.endsWith('.tmp') || name === path.basename(mine.path)) continue;
      const p = path.join(path.dirname(lockPath), name);
      const o = readOwner(p);
      // (one without its owner yet may be another process's, being prepared right now)
      const abandoned = o ? o.host === hostname() && !pidAlive(o.pid) : ageMs(p) > staleMs;
      if (abandoned) fs.rmSync(p, { recursive: true, force: true });
    }
  } catch {
    /* best effort */
  }
  return held(lockPath, token, staleMs, tookOverStale, id);
}

/** Lock folders already swept for leftovers by this process. */
const swept = new Set<string>();

/**
 * A file's identity: device, inode and birth time (an inode number freed and
 * given to a new file comes with a new birth time). Undefined where the file
 * system keeps no birth time: the owner's token is read back instead.
 */
function identity(st: fs.BigIntStats): string | undefined {
  return st.birthtimeNs > 0n ? `${st.dev}:${st.ino}:${st.birthtimeNs}` : undefined;
}

/** The identity of the file at `p` (not following a link), or undefined when there is none. */
function fileId(p: string): string | undefined {
  const st = fs.lstatSync(p, { bigint: true, throwIfNoEntry: false });
  return st && !st.isDirectory() ? identity(st) : undefined;
}

/** `id`: the lock file's identity (device and inode) when it is known to be the file this process made. */
function held(lockPath: string, token: string, staleMs: number, tookOverStale: boolean, id: string | undefined): HeldLock {
  const beat = setInterval(() => {
    try {
      const now = new Date();
      fs.utimesSync(lockPath, now, now);
    } catch {
      /* verify() reports a lost lock */
    }
  }, Math.max(1000, Math.floor(staleMs / 6)));
  beat.unref();
  let released = false;
  // The lock file is ours while it is the very file we made (same device,
  // inode and birth time): a process that judges it stale moves it aside and
  // makes its own, which is another file. One lstat instead of reading the
  // owner back.
  const ours = (): boolean => (id !== undefined ? fileId(lockPath) === id : readOwner(lockPath)?.token === token);
  return {
    tookOverStale,
    verify(): void {
      if (released || !ours()) {
        throw new CheckpointError('locked', 'lost the checkpoint store lock to another process; nothing was changed');
      }
    },
    release(): void {
      if (released) return;
      released = true;
      clearInterval(beat);
      if (!ours()) return;
      // one step: the lock is gone, or (taken over meanwhile) not ours to remove
      try {
        fs.unlinkSync(lockPath);
      } catch {
        /* already gone */
      }
    },
  };
}
