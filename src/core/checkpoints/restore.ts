import fs from 'node:fs';
import path from 'node:path';
import { CheckpointError } from './errors.ts';
import { runGit, splitZ } from './git.ts';
import type { Engine, PathsSnapshot } from './engine.ts';
import type { Loaded } from './catalog.ts';
import type { HeldLock } from './lock.ts';
import { applyOps, clearJournal, newJournalId, stageJournal, type FileOp } from './apply.ts';
import { diffTrees, lookupFile, sameEntry, type FileEntry } from './trees.ts';
import { absPath, lookAtFiles, lstatMaybe, type FoundFile } from './workspaceFiles.ts';
import type { ChangedPath, RestoreResult } from './types.ts';
import { failpoint, trace } from './failpoint.ts';

/**
 * Restoring a checkpoint C: undo every change Belay saw happen after C.
 *
 * A known-path checkpoint only looked at its own files; the rest of its tree
 * is inherited from earlier checkpoints and may be out of date. So for each
 * file the restore uses the first observation of it at or after C: C itself
 * for the files C looked at, the first full scan at or after C for the others
 * (that scan also proves which files did not exist yet), later known-path
 * checkpoints for ignored files the scan could not see. A file never observed
 * after C is left alone, which keeps a user's unrecorded edit from before C.
 *
 * A file that exists now but did not exist at its observation is deleted only
 * if a later checkpoint recorded it being created; files Belay never saw are
 * never deleted. Nothing runs `git clean`, `git reset` or touches a branch.
 */

interface Observed {
  entry: FileEntry | null;
  seq: number;
}

export interface RestorePlan {
  ops: FileOp[];
  skipped: Array<{ path: string; reason: string }>;
}

async function ignoredPaths(engine: Engine, paths: string[]): Promise<Set<string>> {
  if (paths.length === 0) return new Set();
  const res = await runGit(engine.ctx, ['check-ignore', '--no-index', '-z', '--stdin'], { input: paths.join('\0') + '\0', okCodes: [0, 1] });
  return new Set(splitZ(res.stdout));
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, rel: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const r = rel === '' ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory()) walk(path.join(d, e.name), r);
      else out.push(r);
    }
  };
  walk(dir, '');
  return out;
}

/** Checks a planned write/delete can happen without touching a folder or a file outside the plan. */
export function structuralProblem(engine: Engine, op: FileOp, deleting: Set<string>, dirCache = new Map<string, string | null>()): string | undefined {
  const abs = absPath(engine.workspace, op.path);
  const st = lstatMaybe(abs);
  if (st?.isDirectory()) {
    // fine if every file in it is being deleted (the emptied folder goes too)
    if (op.to === null || !filesUnder(abs).every((f) => deleting.has(`${op.path}/${f}`))) return 'a folder is in the way';
  }
  if (op.to === null) return undefined;
  const parts = op.path.split('/');
  for (let i = 1; i < parts.length; i++) {
    const dir = parts.slice(0, i).join('/');
    let problem = dirCache.get(dir);
    if (problem === undefined) {
      problem = null;
      const dst = lstatMaybe(absPath(engine.workspace, dir));
      if (dst?.isSymbolicLink()) {
        // writing through a link must not leave the workspace
        let real: string | undefined;
        try {
          real = fs.realpathSync.native(absPath(engine.workspace, dir));
        } catch {
          real = undefined;
        }
        const rel = real === undefined ? '..' : path.relative(engine.workspace, real);
        if (rel.startsWith('..') || path.isAbsolute(rel)) problem = `${dir} leads outside the workspace`;
        else if (!fs.statSync(real!).isDirectory() && !deleting.has(dir)) problem = `${dir} is a file, not a folder`;
      } else if (dst && !dst.isDirectory() && !deleting.has(dir)) problem = `${dir} is a file, not a folder`;
      dirCache.set(dir, problem);
    }
    if (problem) return problem;
  }
  return undefined;
}

/**
 * Re-reads each file to change and refuses (`stale`) if any is not as
 * planned. Returns what it found (the writer keeps the files' permissions).
 */
export async function assertUnchanged(engine: Engine, ops: FileOp[]): Promise<Map<string, FoundFile>> {
  const found = await lookAtFiles(engine.workspace, ops.map((op) => op.path));
  const changed = ops.filter((op) => !sameEntry(found.get(op.path)?.entry, op.from)).map((op) => op.path);
  if (changed.length > 0) {
    throw new CheckpointError('stale', `files changed on disk while Belay was planning; nothing was changed: ${changed.slice(0, 10).join(', ')}${changed.length > 10 ? ', …' : ''}`, {
      paths: changed,
    });
  }
  return found;
}

/** Result entries for applied ops (sizes of written files as written; of deleted ones from the store). */
export async function describeOps(engine: Engine, ops: FileOp[], written = new Map<string, number>()): Promise<ChangedPath[]> {
  const unknown = ops.filter((op) => !written.has(op.path));
  const looked = await engine.db.sizes(unknown.map((op) => (op.to ?? op.from)!.sha)).catch(() => unknown.map(() => 0));
  const sizes = new Map(written);
  unknown.forEach((op, i) => sizes.set(op.path, looked[i] ?? 0));
  return ops.map((op) => ({ path: op.path, status: op.from === null ? 'added' : op.to === null ? 'deleted' : 'modified', size: sizes.get(op.path) ?? 0 }));
}

/**
 * Checks the files are as planned (assertUnchanged, refusing with `stale`
 * before anything changes), writes the journal, changes the files, records
 * the result (the record's id is what undoRestore takes), clears the
 * journal. Returns the record id and the files that could not be changed.
 */
export async function executeOps(
  engine: Engine,
  lock: HeldLock,
  ops: FileOp[],
  record: { type: 'restore' | 'rollback' | 'undo-restore'; safety: string; target?: string; before?: string; after?: string; name: string },
): Promise<{ id: string; done: FileOp[]; failed: Array<{ path: string; error: string }>; sizes: Map<string, number> }> {
  const journalId = newJournalId();
  const { name, ...op } = record;
  lock.verify();
  let failed: Array<{ path: string; error: string }> = [];
  const sizes = new Map<string, number>();
  let precomputed: PathsSnapshot | undefined;
  if (ops.length > 0) {
    // The journal is flushed to disk while the files are checked; it is put
    // in force only once they are found as planned.
    const journal = stageJournal(engine.storeDir, { id: journalId, startedAt: new Date().toISOString(), op, ops });
    let found: Map<string, FoundFile>;
    try {
      found = await assertUnchanged(engine, ops);
      trace('files are as planned');
      await journal.durable;
    } catch (err) {
      journal.discard();
      throw err;
    }
    lock.verify();
    journal.commit();
    trace('journal written');
    failpoint('apply:after-journal');
    // The record (what the files will be once written) is worked out while
    // they are being written: writing mostly waits on the disk.
    const head = engine.head();
    const headTree = head ? (await engine.load(head.id)).tree : undefined;
    const known = new Map(ops.map((o) => [o.path, o.to]));
    const recording = engine.pathsSnapshot(headTree, ops.map((o) => o.path), { known }, 16).then(
      (snap) => snap,
      () => undefined, // worked out again below
    );
    failed = await applyOps(engine.workspace, engine.db, ops, journalId, new Set(), sizes, found);
    if (failed.length === 0) precomputed = await recording;
    trace('record worked out');
    failpoint('apply:before-record');
  }
  const failedSet = new Set(failed.map((f) => f.path));
  const done = ops.filter((o) => !failedSet.has(o.path));
  const post = await engine.captureLocked(lock, {
    scope: 'paths',
    paths: ops.map((o) => o.path),
    kind: 'auto',
    name,
    op: { ...op, paths: done.map((o) => o.path) },
    known: new Map(done.map((o) => [o.path, o.to])),
    knownSizes: sizes,
    ...(precomputed ? { precomputed } : {}),
  });
  clearJournal(engine.storeDir);
  return { id: post.loaded.checkpoint.id, done, failed, sizes };
}

export async function restoreLocked(engine: Engine, lock: HeldLock, id: string, opts: { paths?: string[] }): Promise<RestoreResult & { skipped: RestorePlan['skipped'] }> {
  const started = performance.now();
  const target = await engine.require(id);
  let filter = opts.paths && opts.paths.length > 0 ? engine.normalizeStrict(opts.paths) : undefined;
  if (filter && filter.length === 0) filter = undefined; // the workspace root itself: everything
  const match = (q: string): boolean => !filter || filter.some((f) => q === f || q.startsWith(f + '/'));

  const chain = engine.refs().filter((r) => r.seq >= target.ref.seq);
  const cache = new Map<string, Loaded>([[target.ref.id, target]]);
  const load = async (rid: string): Promise<Loaded> => {
    let l = cache.get(rid);
    if (!l) {
      l = await engine.load(rid);
      cache.set(rid, l);
    }
    return l;
  };

  // 1. Observations up to the first full scan at or after the target.
  const resolved = new Map<string, Observed>();
  const fromKnownPaths = new Set<string>();
  let full: { l: Loaded; seq: number; skipped: Set<string> } | undefined;
  let afterFull: number = chain.length;
  for (let i = 0; i < chain.length; i++) {
    const r = chain[i]!;
    const l = await load(r.id);
    if (l.meta.scope === 'paths') {
      for (const q of l.meta.paths ?? []) {
        if (!match(q) || resolved.has(q)) continue;
        resolved.set(q, { entry: (await lookupFile(engine.db, l.tree, q)) ?? null, seq: r.seq });
        fromKnownPaths.add(q);
      }
      continue;
    }
    full = { l, seq: r.seq, skipped: new Set((l.meta.skipped ?? []).map((s) => s.path)) };
    afterFull = i + 1;
    break;
  }

  trace(`restore: observations (${resolved.size} files before the first full scan)`);
  // 2. Safety checkpoint of everything the restore may touch, and the current state.
  const short = target.ref.id.slice(0, 12);
  let currentOf: (q: string) => Promise<FileEntry | null>;
  let safetyId: string;
  if (full) {
    const safety = await engine.captureLocked(lock, {
      scope: 'full',
      kind: 'safety',
      name: `before restoring ${short}`,
      alsoCapture: [...fromKnownPaths],
      // a large file the scan leaves out is captured when the restore may write it
      captureIfSkipped: async (q) => match(q) && (resolved.has(q) || full!.skipped.has(q) || (await lookupFile(engine.db, full!.l.tree, q)) !== undefined),
    });
    safetyId = safety.loaded.checkpoint.id;
    const now = safety.loaded.tree;
    currentOf = async (q) => (safety.entries.has(q) ? (safety.entries.get(q) ?? null) : ((await lookupFile(engine.db, now, q)) ?? null));
    // 3. What differs between that full scan and now (identical folders are skipped, so this costs what changed).
    const unresolved = new Set<string>();
    const absentThen: string[] = [];
    for (const d of await diffTrees(engine.db, full.l.tree, now)) {
      const q = d.path;
      if (!match(q) || resolved.has(q)) continue;
      if (full.skipped.has(q)) unresolved.add(q);
      else if (d.before) resolved.set(q, { entry: d.before, seq: full.seq });
      else absentThen.push(q);
    }
    // present now, absent from the scan: did the scan see them absent, or not look (ignored)?
    const ignored = await ignoredPaths(engine, absentThen);
    for (const q of absentThen) {
      if (ignored.has(q)) unresolved.add(q);
      else resolved.set(q, { entry: null, seq: full.seq });
    }
    trace('restore: safety checkpoint and what changed since the full scan');
    // 4. Ignored or skipped files: their first observation after that scan.
    for (let i = afterFull; i < chain.length && unresolved.size > 0; i++) {
      const r = chain[i]!;
      const l = await load(r.id);
      const skipped = new Set((l.meta.skipped ?? []).map((s) => s.path));
      for (const q of [...unresolved]) {
        if (l.meta.scope === 'paths') {
          if (!(l.meta.paths ?? []).includes(q)) continue;
          resolved.set(q, { entry: (await lookupFile(engine.db, l.tree, q)) ?? null, seq: r.seq });
          unresolved.delete(q);
        } else if (!skipped.has(q)) {
          const e = await lookupFile(engine.db, l.tree, q);
          if (e) {
            resolved.set(q, { entry: e, seq: r.seq });
            unresolved.delete(q);
          }
        }
      }
    }
  } else {
    const safety = await engine.captureLocked(lock, { scope: 'paths', paths: [...resolved.keys()], kind: 'safety', name: `before restoring ${short}` });
    safetyId = safety.loaded.checkpoint.id;
    currentOf = async (q) => safety.entries.get(q) ?? null;
  }

  trace('restore: absences resolved');
  // 5. Plan.
  const seenAfter = async (q: string, seq: number): Promise<boolean> => {
    for (const r of chain) {
      if (r.seq <= seq) continue;
      const l = await load(r.id);
      const listed = l.meta.changed.find((c) => c.path === q);
      if (listed) {
        if (listed.status !== 'deleted') return true;
        continue;
      }
      if (l.meta.changedCount > l.meta.changed.length && (await lookupFile(engine.db, l.tree, q))) return true;
    }
    return false;
  };
  const ops: FileOp[] = [];
  const skipped: RestorePlan['skipped'] = [];
  for (const [q, obs] of [...resolved].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const cur = await currentOf(q);
    if (sameEntry(cur, obs.entry)) continue;
    if (obs.entry === null) {
      if (cur && (await seenAfter(q, obs.seq))) ops.push({ path: q, from: cur, to: null });
      else if (cur) skipped.push({ path: q, reason: 'not created by anything Belay recorded after the checkpoint; left in place' });
      continue;
    }
    ops.push({ path: q, from: cur, to: obs.entry });
  }
  const deleting = new Set(ops.filter((o) => o.to === null).map((o) => o.path));
  const planned: FileOp[] = [];
  const dirCache = new Map<string, string | null>();
  for (const op of ops) {
    const problem = structuralProblem(engine, op, deleting, dirCache);
    if (problem) skipped.push({ path: op.path, reason: problem });
    else planned.push(op);
  }
  const missing = await engine.db.missing(planned.flatMap((o) => (o.to ? [o.to.sha] : [])));
  if (missing.length > 0) {
    const op = planned.find((o) => o.to?.sha === missing[0]);
    throw new CheckpointError('target_missing', `checkpoint ${short} refers to content no longer in the store (${op?.path ?? missing[0]}); nothing was changed`);
  }

  trace(`restore: planned ${planned.length} changes`);
  // 6. Act: nothing changed on disk since the safety checkpoint, then write.
  const exec = await executeOps(engine, lock, planned, { type: 'restore', safety: safetyId, target: target.ref.id, name: `restored ${short}` });
  trace('restore: written and recorded');
  for (const f of exec.failed) skipped.push({ path: f.path, reason: `could not be written: ${f.error}` });
  return {
    restoreId: exec.id,
    safetyCheckpoint: safetyId,
    restored: await describeOps(engine, exec.done, exec.sizes),
    tookMs: Math.round(performance.now() - started),
    skipped,
  };
}
