import fs from 'node:fs';
import path from 'node:path';
import { CheckpointError } from './errors.ts';
import { Engine } from './engine.ts';
import { diffLocked } from './diff.ts';
import { restoreLocked } from './restore.ts';
import { rollbackLocked } from './rollback.ts';
import { dirSize, gcLocked } from './gc.ts';
import type {
  ChangedPath,
  Checkpoint,
  CheckpointStoreOptions,
  CreateRequest,
  FileDiff,
  GcResult,
  RestoreResult,
  RollbackRequest,
  RollbackResult,
} from './types.ts';

export { CheckpointError, type CheckpointErrorCode } from './errors.ts';
export type {
  ChangedPath,
  Checkpoint,
  CheckpointKind,
  CheckpointStoreOptions,
  Conflict,
  CreateRequest,
  FileDiff,
  GcResult,
  RestoreResult,
  RetentionOptions,
  RollbackRequest,
  RollbackResult,
} from './types.ts';

/**
 * Belay's checkpoints of one workspace, kept in a shadow git store outside
 * it. The user's own repository is only ever read (its objects borrowed, its
 * index's stat data copied once); its refs, index, stash, HEAD, config and
 * hooks are never written. Every restore and rollback takes a safety
 * checkpoint first and can be undone. Several processes may use one store:
 * operations that write take a lock (with timeout and stale-lock recovery).
 */
export class CheckpointStore {
  private readonly engine: Engine;
  private closed = false;

  private constructor(engine: Engine) {
    this.engine = engine;
  }

  /** Opens the store, creating it on first use (seeded from the user's repository when the workspace is in one). */
  static async open(options: CheckpointStoreOptions): Promise<CheckpointStore> {
    let workspace: string;
    try {
      workspace = fs.realpathSync.native(path.resolve(options.workspace));
    } catch {
      throw new CheckpointError('invalid', `workspace not found: ${options.workspace}`);
    }
    if (!fs.statSync(workspace).isDirectory()) throw new CheckpointError('invalid', `workspace is not a folder: ${workspace}`);
    const storeDir = path.resolve(options.storeDir);
    const rel = path.relative(storeDir, workspace);
    if (rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel))) {
      throw new CheckpointError('invalid', `the checkpoint store ${storeDir} cannot contain the workspace`);
    }
    const engine = new Engine(workspace, storeDir, options);
    await engine.init();
    return new CheckpointStore(engine);
  }

  /** The canonical workspace folder and the store folder. */
  get location(): { workspace: string; storeDir: string } {
    return { workspace: this.engine.workspace, storeDir: this.engine.storeDir };
  }

  private live(): Engine {
    if (this.closed) throw new CheckpointError('invalid', 'the checkpoint store is closed');
    return this.engine;
  }

  /**
   * Takes a checkpoint. scope 'paths' snapshots only the given files (folders
   * expand to their files), costing what those files cost; scope 'full' scans
   * the workspace (a stat per unchanged file) and force-captures the given
   * paths even when ignored or large.
   */
  async create(req: CreateRequest): Promise<Checkpoint> {
    const engine = this.live();
    if (req.scope !== 'paths' && req.scope !== 'full') throw new CheckpointError('invalid', `scope must be 'paths' or 'full', not '${String(req.scope)}'`);
    const captured = await engine.withLock((lock) =>
      engine.captureLocked(lock, {
        scope: req.scope,
        paths: req.paths ?? [],
        kind: req.kind ?? 'manual',
        ...(req.name !== undefined ? { name: req.name } : {}),
        ...(req.receiptId !== undefined ? { receiptId: req.receiptId } : {}),
        ...(req.reuseUnchanged ? { reuseUnchanged: true } : {}),
      }),
    );
    return captured.loaded.checkpoint;
  }

  /** A checkpoint by id or unique id prefix. */
  async get(id: string): Promise<Checkpoint | undefined> {
    const engine = this.live();
    const ref = engine.find(id);
    if (!ref) return undefined;
    return (await engine.load(ref.id)).checkpoint;
  }

  /** Checkpoints, newest first. */
  async list(opts: { limit?: number } = {}): Promise<Checkpoint[]> {
    const engine = this.live();
    const refs = engine.refs().reverse();
    const limited = opts.limit !== undefined ? refs.slice(0, Math.max(0, opts.limit)) : refs;
    const out: Checkpoint[] = [];
    for (const r of limited) out.push((await engine.load(r.id)).checkpoint);
    return out;
  }

  /** Files that differ between two checkpoints (a shell command's side effects = changes(pre, post)). */
  async changes(from: string, to: string): Promise<ChangedPath[]> {
    const engine = this.live();
    const a = await engine.require(from);
    const b = await engine.require(to);
    return engine.changesBetween(a.tree, b.tree);
  }

  /** Unified diffs per file between two checkpoints, or a checkpoint and the working tree (b undefined). */
  async diff(a: string, b?: string, opts: { paths?: string[] } = {}): Promise<FileDiff[]> {
    const engine = this.live();
    // Between two checkpoints nothing is written; against the working tree
    // the current files are stored first (under the lock, so gc cannot prune
    // them half-way).
    if (b !== undefined) return diffLocked(engine, a, b, opts, () => engine.snapshotFull());
    return engine.withLock(() => diffLocked(engine, a, b, opts, () => engine.snapshotFull()));
  }

  /**
   * Restores a checkpoint, or some of its files: undoes every change Belay
   * saw after it, after a safety checkpoint. Never deletes a file no
   * checkpoint saw being created after it; never runs git clean or moves a
   * branch. Undo with undoRestore(restoreId).
   */
  async restore(id: string, opts: { paths?: string[] } = {}): Promise<RestoreResult & { skipped: Array<{ path: string; reason: string }> }> {
    const engine = this.live();
    return engine.withLock((lock) => restoreLocked(engine, lock, id, opts));
  }

  /** Puts back exactly what a restore (or rollback, or undo) changed, keeping edits made since where they do not overlap. */
  async undoRestore(restoreId: string): Promise<RestoreResult> {
    const engine = this.live();
    return engine.withLock(async (lock) => {
      const record = await engine.require(restoreId);
      const op = record.meta.op;
      if (!op) throw new CheckpointError('invalid', `checkpoint ${restoreId} is not the record of a restore, rollback or undo`);
      const result = await rollbackLocked(engine, lock, [{ before: op.safety, after: record.ref.id, paths: op.paths }], 'undo-restore');
      if (!result.ok) throw new CheckpointError(result.code, result.message, { conflicts: result.conflicts });
      return { restoreId: result.restoreId, safetyCheckpoint: result.safetyCheckpoint, restored: result.changed, tookMs: result.tookMs };
    });
  }

  /**
   * Undoes one action (its before and after checkpoints) with a three-way
   * merge against the current files. Overlapping later edits: nothing
   * changes and the conflicting hunks are reported, unless `resolve` picks a
   * side for them.
   */
  async rollback(req: RollbackRequest): Promise<RollbackResult> {
    const engine = this.live();
    return engine.withLock((lock) => rollbackLocked(engine, lock, [req], 'rollback'));
  }

  /** Undoes several actions at once (give them newest first), all or nothing. */
  async rollbackMany(reqs: RollbackRequest[]): Promise<RollbackResult> {
    const engine = this.live();
    if (reqs.length === 0) throw new CheckpointError('invalid', 'nothing to roll back');
    return engine.withLock((lock) => rollbackLocked(engine, lock, reqs, 'rollback'));
  }

  /** Applies the retention policy and compacts the store. */
  async gc(opts: { referenced: Set<string>; now?: Date }): Promise<GcResult> {
    const engine = this.live();
    return engine.withLock(() => gcLocked(engine, opts.referenced, opts.now ?? new Date(), engine.options.retention));
  }

  async sizeReport(): Promise<{ checkpoints: number; bytes: number }> {
    const engine = this.live();
    return { checkpoints: engine.refs().length, bytes: dirSize(engine.storeDir) };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.engine.close();
  }
}
