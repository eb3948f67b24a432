import { CheckpointError } from './errors.ts';
import type { Engine } from './engine.ts';
import type { Loaded } from './catalog.ts';
import type { HeldLock } from './lock.ts';
import type { FileOp } from './apply.ts';
import { diffTrees, lookupFile, sameEntry, type FileEntry } from './trees.ts';
import { MODE_LINK } from './objects.ts';
import { mergeUndo } from './merge.ts';
import { readWorkFile, isBinary } from './workspaceFiles.ts';
import { describeOps, executeOps, structuralProblem } from './restore.ts';
import type { Conflict, RollbackRequest, RollbackResult } from './types.ts';

/**
 * Undoing actions: for each file the action changed, apply the inverse of its
 * change (after → before) to what is on disk now with a three-way merge, so
 * edits made since survive. Several actions are undone newest first against
 * one in-memory view of the files; nothing is written unless every file
 * merges cleanly (or the caller picked a side for the overlaps).
 */

type Resolve = RollbackRequest['resolve'];

interface State {
  entry: FileEntry | null;
  content?: Buffer;
}

/** The files one action changed, between its before and after checkpoints. */
async function actionPaths(engine: Engine, before: Loaded & { ref: { seq: number } }, after: Loaded & { ref: { seq: number } }, explicit: string[] | undefined): Promise<string[]> {
  const diff = await diffTrees(engine.db, before.tree, after.tree);
  if (explicit) {
    // The caller's files (a folder stands for the files under it).
    const wanted = engine.normalizeStrict(explicit);
    const set = new Set(wanted);
    for (const d of diff) if (wanted.some((w) => d.path.startsWith(w + '/'))) set.add(d.path);
    return [...set];
  }
  if (after.meta.scope === 'paths' || before.meta.scope === 'paths') {
    const allowed = new Set([...(after.meta.scope === 'paths' ? (after.meta.paths ?? []) : []), ...(before.meta.scope === 'paths' ? (before.meta.paths ?? []) : [])]);
    return diff.map((d) => d.path).filter((p) => allowed.has(p));
  }
  // Two full scans: leave out files that other recorded actions changed in between.
  const others = new Set<string>();
  const receipt = after.meta.receiptId;
  if (receipt !== undefined) {
    for (const r of engine.refs()) {
      if (r.seq <= before.ref.seq || r.seq >= after.ref.seq) continue;
      const l = await engine.load(r.id);
      if (l.meta.scope === 'paths' && l.meta.receiptId !== undefined && l.meta.receiptId !== receipt) for (const p of l.meta.paths ?? []) others.add(p);
    }
  }
  return diff.map((d) => d.path).filter((p) => !others.has(p));
}

export async function rollbackLocked(
  engine: Engine,
  lock: HeldLock,
  reqs: RollbackRequest[],
  kind: 'rollback' | 'undo-restore',
): Promise<RollbackResult> {
  const started = performance.now();
  const resolve: Resolve = reqs[0]?.resolve;
  const actions: Array<{ before: Loaded & { ref: { seq: number; id: string } }; after: Loaded & { ref: { seq: number; id: string } }; paths: string[] }> = [];
  for (const req of reqs) {
    let before, after;
    try {
      before = await engine.require(req.before);
      after = await engine.require(req.after);
    } catch (err) {
      if (err instanceof CheckpointError && err.code === 'target_missing') return { ok: false, code: 'target_missing', message: err.message, conflicts: [] };
      throw err;
    }
    if (after.ref.seq < before.ref.seq) throw new CheckpointError('invalid', `checkpoint ${req.after} is older than ${req.before}: give the action's before and after checkpoints`);
    actions.push({ before, after, paths: await actionPaths(engine, before, after, req.paths) });
  }

  const initial = new Map<string, State>();
  const view = new Map<string, State>();
  const get = async (q: string): Promise<State> => {
    let s = view.get(q);
    if (!s) {
      const wf = await readWorkFile(engine.workspace, q);
      s = wf ? { entry: wf.entry, content: wf.content } : { entry: null };
      initial.set(q, s);
      view.set(q, s);
    }
    return s;
  };
  const contentOf = async (s: State): Promise<Buffer> => s.content ?? (s.entry ? engine.db.readBlob(s.entry.sha) : Buffer.alloc(0));

  const conflicts: Conflict[] = [];
  for (const action of actions) {
    for (const q of action.paths) {
      const base = (await lookupFile(engine.db, action.after.tree, q)) ?? null;
      const theirs = (await lookupFile(engine.db, action.before.tree, q)) ?? null;
      const ours = await get(q);
      if (sameEntry(ours.entry, base)) {
        view.set(q, { entry: theirs });
        continue;
      }
      if (sameEntry(ours.entry, theirs)) continue;
      // Changed since the action: merge, or report.
      const mergeable =
        ours.entry && base && theirs && ours.entry.mode !== MODE_LINK && base.mode !== MODE_LINK && theirs.mode !== MODE_LINK;
      if (mergeable) {
        const [cur, b, t] = [await contentOf(ours), await engine.db.readBlob(base.sha), await engine.db.readBlob(theirs.sha)];
        if (!isBinary(cur) && !isBinary(b) && !isBinary(t)) {
          const m = mergeUndo(cur, b, t, resolve);
          if (m.clean || m.content) {
            if (!m.clean) conflicts.push({ path: q, hunks: m.hunks });
            const mode = ours.entry!.mode === base.mode ? theirs.mode : ours.entry!.mode;
            const sha = engine.db.write('blob', m.content!);
            view.set(q, { entry: { mode, sha }, content: m.content! });
            continue;
          }
          conflicts.push({ path: q, hunks: m.hunks });
          continue;
        }
      }
      const what = !ours.entry
        ? 'the file was deleted after the action'
        : !base
          ? 'the file the action created was edited after it'
          : !theirs
            ? 'the file the action deleted was re-created after it'
            : 'the file (binary or a link) was changed again after the action';
      conflicts.push({ path: q, hunks: `${what}; the whole file conflicts\n` });
      if (resolve === 'take-before') view.set(q, { entry: theirs });
    }
  }
  if (conflicts.length > 0 && !resolve) {
    return {
      ok: false,
      code: 'conflict',
      message: `later edits overlap the change to undo in ${conflicts.length} file(s): ${conflicts
        .slice(0, 5)
        .map((c) => c.path)
        .join(', ')}; nothing was changed (choose keep-current or take-before to resolve)`,
      conflicts,
    };
  }

  const candidates: FileOp[] = [];
  for (const [q, s] of view) {
    const from = initial.get(q)?.entry ?? null;
    if (!sameEntry(from, s.entry)) candidates.push({ path: q, from, to: s.entry });
  }
  candidates.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const deleting = new Set(candidates.filter((o) => o.to === null).map((o) => o.path));
  const ops: FileOp[] = [];
  const blocked: Conflict[] = [];
  const dirCache = new Map<string, string | null>();
  for (const op of candidates) {
    const problem = structuralProblem(engine, op, deleting, dirCache);
    if (problem) blocked.push({ path: op.path, hunks: `${problem}\n` });
    else ops.push(op);
  }
  if (blocked.length > 0 && !resolve) {
    return { ok: false, code: 'conflict', message: `cannot undo ${blocked.map((b) => b.path).join(', ')}: ${blocked[0]!.hunks.trim()}; nothing was changed`, conflicts: blocked };
  }
  const missing = await engine.db.missing(ops.flatMap((o) => (o.to ? [o.to.sha] : [])));
  if (missing.length > 0) {
    const op = ops.find((o) => o.to?.sha === missing[0]);
    return { ok: false, code: 'target_missing', message: `the content to restore for ${op?.path ?? missing[0]} is no longer in the store; nothing was changed`, conflicts: [] };
  }

  const last = actions[0]!;
  const short = last.after.ref.id.slice(0, 12);
  const safety = await engine.captureLocked(lock, {
    scope: 'paths',
    paths: ops.map((o) => o.path),
    kind: 'safety',
    name: kind === 'undo-restore' ? `before undoing ${short}` : `before rolling back ${short}`,
  });
  const safetyId = safety.loaded.checkpoint.id;
  let exec: Awaited<ReturnType<typeof executeOps>>;
  try {
    for (const op of ops) {
      if (!sameEntry(safety.entries.get(op.path) ?? null, op.from)) throw new CheckpointError('stale', `${op.path} changed on disk while Belay was planning; nothing was changed`);
    }
    // (executeOps checks the files again just before writing)
    exec = await executeOps(engine, lock, ops, {
      type: kind,
      safety: safetyId,
      before: last.before.ref.id,
      after: last.after.ref.id,
      name: kind === 'undo-restore' ? `undid ${short}` : `rolled back ${short}`,
    });
  } catch (err) {
    if (err instanceof CheckpointError && err.code === 'stale') return { ok: false, code: 'stale', message: err.message, conflicts: [] };
    throw err;
  }
  if (exec.failed.length > 0) {
    throw new CheckpointError('io_error', `could not write ${exec.failed.map((f) => `${f.path} (${f.error})`).join(', ')}; the other files were undone and record ${exec.id} can undo this`, {
      failed: exec.failed,
      restoreId: exec.id,
    });
  }
  return { ok: true, safetyCheckpoint: safetyId, changed: await describeOps(engine, exec.done, exec.sizes), tookMs: Math.round(performance.now() - started), restoreId: exec.id };
}
