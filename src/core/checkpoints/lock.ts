import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CheckpointError } from './errors.ts';

/**
 * A cross-process lock on one store: a directory renamed atomically into
 * place, holding the owner's pid, host and a random token, its mtime kept
 * fresh by a heartbeat. A lock whose owner process is gone (same host) or
 * whose heartbeat stopped (other host, or a hung owner) is stale and is
 * taken over; waiting callers give up with `locked` after the timeout.
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

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readOwner(dir: string): Owner | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, 'owner.json'), 'utf8')) as Owner;
  } catch {
    return undefined;
  }
}

function ageMs(dir: string): number {
  try {
    const st = fs.statSync(path.join(dir, 'owner.json'));
    return Date.now() - st.mtimeMs;
  } catch {
    try {
      return Date.now() - fs.statSync(dir).mtimeMs;
    } catch {
      return 0;
    }
  }
}

function isStale(dir: string, owner: Owner | undefined, staleMs: number): boolean {
  const age = ageMs(dir);
  if (!owner) return age > Math.min(staleMs, 10_000); // no owner file (not made by acquireLock): give it a moment
  if (owner.host === os.hostname() && !pidAlive(owner.pid)) return true;
  return age > staleMs;
}

export async function acquireLock(lockDir: string, opts: LockOptions): Promise<HeldLock> {
  const staleMs = opts.staleMs ?? 60_000;
  const token = crypto.randomBytes(12).toString('hex');
  const deadline = Date.now() + opts.timeoutMs;
  let delay = 2;
  let tookOverStale = false;
  fs.mkdirSync(path.dirname(lockDir), { recursive: true });
  // The lock folder is prepared aside, owner file included, and renamed into
  // place: a process killed at any moment leaves either no lock or a lock
  // that names its (dead) owner, never an anonymous one.
  const staging = `${lockDir}.${token}.tmp`;
  for (;;) {
    fs.mkdirSync(staging, { recursive: true });
    const mine: Owner = { pid: process.pid, host: os.hostname(), token, since: new Date().toISOString() };
    fs.writeFileSync(path.join(staging, 'owner.json'), JSON.stringify(mine));
    try {
      fs.renameSync(staging, lockDir);
      break;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST' && code !== 'ENOTEMPTY' && code !== 'EPERM' && code !== 'EACCES') {
        fs.rmSync(staging, { recursive: true, force: true });
        throw err;
      }
    }
    const owner = readOwner(lockDir);
    if (isStale(lockDir, owner, staleMs)) {
      // Move the stale lock aside (atomic: only one contender wins), then make
      // sure what was moved is the lock judged stale and not a fresh one.
      const aside = `${lockDir}.stale-${token}`;
      try {
        fs.renameSync(lockDir, aside);
        const moved = readOwner(aside);
        if (moved?.token !== owner?.token && moved !== undefined && !isStale(aside, moved, staleMs)) {
          try {
            fs.renameSync(aside, lockDir);
          } catch {
            /* a newer lock exists; its owner will notice through verify() */
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
      fs.rmSync(staging, { recursive: true, force: true });
      const who = owner ? `process ${owner.pid} on ${owner.host} since ${owner.since}` : 'another process';
      throw new CheckpointError('locked', `the checkpoint store is busy (locked by ${who}); gave up after ${opts.timeoutMs} ms`);
    }
    await sleep(delay);
    delay = Math.min(delay * 2, 50);
  }

  // staging folders of processes killed while taking the lock
  try {
    const base = path.basename(lockDir);
    for (const name of fs.readdirSync(path.dirname(lockDir))) {
      if (!name.startsWith(`${base}.`) || !name.endsWith('.tmp')) continue;
      const dir = path.join(path.dirname(lockDir), name);
      const o = readOwner(dir);
      // (a folder without its owner file yet may be another process's, being prepared right now)
      const abandoned = o ? o.host === os.hostname() && !pidAlive(o.pid) : ageMs(dir) > staleMs;
      if (abandoned) fs.rmSync(dir, { recursive: true, force: true });
    }
  } catch {
    /* best effort */
  }
  const ownerFile = path.join(lockDir, 'owner.json');
  const beat = setInterval(() => {
    try {
      const now = new Date();
      fs.utimesSync(ownerFile, now, now);
    } catch {
      /* verify() reports a lost lock */
    }
  }, Math.max(1000, Math.floor(staleMs / 6)));
  beat.unref();
  let released = false;
  return {
    tookOverStale,
    verify(): void {
      if (released || readOwner(lockDir)?.token !== token) {
        throw new CheckpointError('locked', 'lost the checkpoint store lock to another process; nothing was changed');
      }
    },
    release(): void {
      if (released) return;
      released = true;
      clearInterval(beat);
      if (readOwner(lockDir)?.token !== token) return;
      // Renamed away in one step, then removed: removing it in place would
      // leave an empty folder for a moment, which another process's rename
      // could take over and then see deleted under it.
      const gone = `${lockDir}.released-${token}`;
      try {
        fs.renameSync(lockDir, gone);
      } catch {
        return;
      }
      // (what Belay put there, removed directly: a recursive remove costs a
      // directory walk on every checkpoint)
      try {
        fs.unlinkSync(path.join(gone, 'owner.json'));
        fs.rmdirSync(gone);
      } catch {
        fs.rmSync(gone, { recursive: true, force: true });
      }
    },
  };
}
