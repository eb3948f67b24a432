import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CheckpointError } from './errors.ts';

/**
 * A cross-process lock on one store: a directory created atomically with
 * mkdir, holding the owner's pid, host and a random token, its mtime kept
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
  if (!owner) return age > Math.min(staleMs, 10_000); // created but never filled in: a crash between mkdir and write
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
  for (;;) {
    try {
      fs.mkdirSync(lockDir);
      const owner: Owner = { pid: process.pid, host: os.hostname(), token, since: new Date().toISOString() };
      const tmp = path.join(lockDir, `owner.${token}.tmp`);
      fs.writeFileSync(tmp, JSON.stringify(owner));
      fs.renameSync(tmp, path.join(lockDir, 'owner.json'));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
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
      const who = owner ? `process ${owner.pid} on ${owner.host} since ${owner.since}` : 'another process';
      throw new CheckpointError('locked', `the checkpoint store is busy (locked by ${who}); gave up after ${opts.timeoutMs} ms`);
    }
    await sleep(delay);
    delay = Math.min(delay * 2, 50);
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
      if (readOwner(lockDir)?.token === token) fs.rmSync(lockDir, { recursive: true, force: true });
    },
  };
}
