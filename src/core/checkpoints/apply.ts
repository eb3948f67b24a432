import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { absent } from '../config/files.ts';
import { MODE_EXEC, MODE_LINK, type ObjectDb } from './objects.ts';
import { sameEntry, type FileEntry } from './trees.ts';
import { absPath, readWorkFile, type FoundFile } from './workspaceFiles.ts';
import type { OpRecord } from './catalog.ts';
import { failpoint, trace } from './failpoint.ts';

/**
 * Changing workspace files, crash-safely. Before the first file changes, a
 * journal in the store lists every planned change with the state it replaces;
 * each file is replaced atomically (written beside it, then renamed over it).
 * A process killed half-way leaves every file either old or new, and the next
 * process to take the lock finishes the job from the journal (files someone
 * else changed meanwhile are left alone) and records it, so it can be undone.
 */

export interface FileOp {
  path: string;
  /** the state to write (null: delete the file) */
  to: FileEntry | null;
  /** the state found when planning (null: absent) */
  from: FileEntry | null;
}

export interface Journal {
  id: string;
  startedAt: string;
  op: Omit<OpRecord, 'paths'>;
  ops: FileOp[];
}

export const JOURNAL_FILE = 'belay-journal.json';

function tmpName(file: string, journalId: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.belay-${journalId}`);
}

/**
 * Writes the journal in two steps, so that waiting for the disk overlaps
 * other work: it is written under a temporary name (which recovery never
 * reads) and flushed to disk on the thread pool; once that is done, `commit`
 * puts it in place, and from then on it is in force. `discard` drops it.
 */
export function stageJournal(storeDir: string, journal: Journal): { durable: Promise<void>; commit: () => void; discard: () => void } {
  const file = path.join(storeDir, JOURNAL_FILE);
  const tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(journal));
  const durable = new Promise<void>((resolve, reject) => {
    fs.open(tmp, 'r', (err, fd) => {
      if (err) return reject(err);
      fs.fsync(fd, (syncErr) => fs.close(fd, () => (syncErr ? reject(syncErr) : resolve())));
    });
  });
  durable.catch(() => undefined); // awaited by the caller; not an unhandled rejection meanwhile
  return {
    durable,
    commit: () => fs.renameSync(tmp, file),
    discard: () => fs.rmSync(tmp, { force: true }),
  };
}

export function readJournal(storeDir: string): Journal | undefined {
  const file = path.join(storeDir, JOURNAL_FILE);
  // (read on every checkpoint, usually absent; see absent)
  try {
    if (absent(file)) return undefined;
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Journal;
  } catch {
    return undefined;
  }
}

export function clearJournal(storeDir: string): void {
  fs.rmSync(path.join(storeDir, JOURNAL_FILE), { force: true });
}

export function newJournalId(): string {
  return crypto.randomBytes(6).toString('hex');
}

/** Removes directories emptied by deletions, up to (not including) the workspace. */
function pruneEmptyDirs(workspace: string, rel: string, keep: Set<string>): void {
  let dir = path.posix.dirname(rel);
  while (dir !== '.' && dir !== '' && !keep.has(dir)) {
    try {
      fs.rmdirSync(absPath(workspace, dir));
    } catch {
      return;
    }
    dir = path.posix.dirname(dir);
  }
}

let umask: number | undefined;

/** The process umask, found once by creating a file (process.umask() without arguments is deprecated). */
function processUmask(): number {
  if (umask !== undefined) return umask;
  const probe = path.join(os.tmpdir(), `.belay-umask-${process.pid}-${crypto.randomBytes(4).toString('hex')}`);
  try {
    fs.writeFileSync(probe, '', { mode: 0o777, flag: 'wx' });
    umask = 0o777 & ~fs.statSync(probe).mode;
  } catch {
    umask = 0o777; // unknown: always chmod
  } finally {
    fs.rmSync(probe, { force: true });
  }
  return umask;
}

/**
 * How many files are being written at once. Replacing a file is a handful of
 * system calls that mostly wait (on the filesystem journal, and on the
 * kernel letting go of the replaced file's pages), so writing several at once
 * overlaps the waits; the calls run on Node's thread pool.
 */
const WRITE_CONCURRENCY = 16;

/**
 * The few file calls a write needs, on the thread pool through the callback
 * API (lighter than fs/promises' file handles, which matters at 1,000 files).
 */
const call = {
  lstat: (p: string): Promise<fs.Stats | undefined> => new Promise((resolve) => fs.lstat(p, (err, st) => resolve(err ? undefined : st))),
  open: (p: string, mode: number): Promise<number> =>
    new Promise((resolve, reject) => fs.open(p, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, mode, (err, fd) => (err ? reject(err) : resolve(fd)))),
  write: (fd: number, b: Buffer, at: number): Promise<number> =>
    new Promise((resolve, reject) => fs.write(fd, b, at, b.length - at, null, (err, n) => (err ? reject(err) : resolve(n)))),
  close: (fd: number): Promise<void> => new Promise((resolve, reject) => fs.close(fd, (err) => (err ? reject(err) : resolve()))),
  chmod: (p: string, mode: number): Promise<void> => new Promise((resolve, reject) => fs.chmod(p, mode, (err) => (err ? reject(err) : resolve()))),
  rename: (from: string, to: string): Promise<void> => new Promise((resolve, reject) => fs.rename(from, to, (err) => (err ? reject(err) : resolve()))),
};

/** Creates `file` exclusively with `content` (O_EXCL: never follows a stale temporary link). */
async function createWith(file: string, content: Buffer, mode: number): Promise<void> {
  const fd = await call.open(file, mode);
  try {
    for (let at = 0; at < content.length; ) at += await call.write(fd, content, at);
  } finally {
    await call.close(fd);
  }
}

/**
 * Writes one file atomically from a blob: written beside it, then renamed
 * over it. `seen` is the file's lstat when the caller just looked (undefined:
 * look now; null: it was absent).
 */
async function writeOne(
  workspace: string,
  rel: string,
  entry: FileEntry,
  content: Buffer,
  journalId: string,
  dirs: Map<string, Promise<unknown>>,
  seen: fs.Stats | null | undefined,
): Promise<void> {
  const file = absPath(workspace, rel);
  const dir = path.dirname(file);
  const makeDir = async (): Promise<void> => {
    let made = dirs.get(dir);
    if (!made) {
      made = fsp.mkdir(dir, { recursive: true });
      made.catch(() => dirs.delete(dir)); // the next file in it tries again
      dirs.set(dir, made);
    }
    await made;
  };
  // A file that was just seen has its folder (if that went meanwhile, creating fails and the folder is made).
  if (!seen) await makeDir();
  const tmp = tmpName(file, journalId);
  if (entry.mode === MODE_LINK) {
    await fsp.rm(tmp, { force: true });
    await fsp.symlink(content.toString('utf8'), tmp).catch(async (err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT' || !seen) throw err;
      await makeDir();
      await fsp.symlink(content.toString('utf8'), tmp);
    });
  } else {
    const exec = entry.mode === MODE_EXEC;
    const existing = seen === undefined ? await call.lstat(file) : (seen ?? undefined);
    // Keep the permissions of the file being replaced (a 0600 .env stays
    // 0600; only the executable bit follows the checkpoint); a new file gets
    // the usual 0644/0755 under the umask.
    const old = existing?.isFile() ? existing.mode & 0o7777 : undefined;
    const want = old === undefined ? undefined : exec ? old | ((old & 0o444) >> 2) : old & ~0o111;
    // Created with the wanted bits when the umask keeps them all (no chmod
    // needed); otherwise private first, then chmod.
    const direct = want !== undefined && (want & processUmask()) === 0 && (want & ~0o777) === 0;
    const mode = want === undefined ? (exec ? 0o755 : 0o644) : direct ? want : 0o600;
    try {
      await createWith(tmp, content, mode);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') await fsp.rm(tmp, { force: true }); // left by a killed restore with this journal
      else if (code === 'ENOENT' && seen) await makeDir();
      else throw err;
      await createWith(tmp, content, mode);
    }
    if (want !== undefined && !direct) await call.chmod(tmp, want);
  }
  await call.rename(tmp, file);
}

/**
 * Applies planned file changes (deletions first, then writes). A file that
 * cannot be changed (permissions, disk full) is reported, not fatal: the
 * others still happen, and every file is either old or new.
 */
export async function applyOps(
  workspace: string,
  db: ObjectDb,
  ops: FileOp[],
  journalId: string,
  keepDirs: Set<string>,
  sizes?: Map<string, number>,
  found?: Map<string, FoundFile>,
): Promise<Array<{ path: string; error: string }>> {
  const failed: Array<{ path: string; error: string }> = [];
  for (const op of ops) {
    if (op.to !== null) continue;
    try {
      fs.rmSync(absPath(workspace, op.path), { force: true });
      pruneEmptyDirs(workspace, op.path, keepDirs);
    } catch (err) {
      failed.push({ path: op.path, error: (err as Error).message });
    }
  }
  trace(`apply: ${ops.length - ops.filter((o) => o.to !== null).length} deletions`);
  const writes = ops.filter((o) => o.to !== null);
  const dirs = new Map<string, Promise<unknown>>();
  // Blobs are read in pipelined batches (one cat-file round trip per batch,
  // not per file), the next batch being read while this one is written.
  const BATCH = 128;
  const batches: Array<Promise<Array<Buffer | Error | undefined>>> = [];
  const batch = (b: number): Promise<Array<Buffer | Error | undefined>> =>
    (batches[b] ??= Promise.all(writes.slice(b * BATCH, (b + 1) * BATCH).map((o) => db.readBlob(o.to!.sha).catch((err: unknown) => err as Error))));
  const contentOf = async (k: number): Promise<Buffer | Error> => {
    const b = Math.floor(k / BATCH);
    if ((b + 1) * BATCH < writes.length) void batch(b + 1);
    const contents = await batch(b);
    const content = contents[k % BATCH]!;
    contents[k % BATCH] = undefined; // written once; let it go
    return content;
  };
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < writes.length) {
      const k = next++;
      const op = writes[k]!;
      const content = await contentOf(k);
      if (k === 0) trace('apply: first blobs read');
      if (k === Math.floor(writes.length / 2)) failpoint('apply:mid');
      try {
        if (content instanceof Error) throw content;
        const seen = found?.get(op.path);
        await writeOne(workspace, op.path, op.to!, content, journalId, dirs, seen ? (seen.stat ?? null) : undefined);
        sizes?.set(op.path, content.length);
      } catch (err) {
        await fsp.rm(tmpName(absPath(workspace, op.path), journalId), { force: true }).catch(() => undefined);
        failed.push({ path: op.path, error: (err as Error).message });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(WRITE_CONCURRENCY, writes.length) }, worker));
  trace(`apply: ${writes.length} files written`);
  return failed;
}

/**
 * Finishes an interrupted journal: each file still in its planned "from"
 * state gets its "to" state; files already done, or changed by someone else
 * since, are left as they are. Returns the ops that are now in their "to"
 * state (done before or now).
 */
export async function finishJournal(workspace: string, db: ObjectDb, journal: Journal): Promise<FileOp[]> {
  const done: FileOp[] = [];
  const todo: FileOp[] = [];
  for (const op of journal.ops) {
    const file = absPath(workspace, op.path);
    try {
      fs.rmSync(tmpName(file, journal.id), { force: true });
    } catch {
      /* a name that could never be created (too long), or a folder in the way: nothing of ours there */
    }
    const now = (await readWorkFile(workspace, op.path))?.entry ?? null;
    if (sameEntry(now, op.to)) done.push(op);
    else if (sameEntry(now, op.from)) todo.push(op);
  }
  const failed = new Set((await applyOps(workspace, db, todo, journal.id, new Set())).map((f) => f.path));
  return [...done, ...todo.filter((o) => !failed.has(o.path))];
}
