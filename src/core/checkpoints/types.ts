/** Public shapes of the checkpoint engine (re-exported by store.ts). */

export interface RetentionOptions {
  /** keep at most this many checkpoints */
  maxCount?: number;
  /** drop checkpoints older than this, unless a receipt still references them */
  maxAgeDays?: number;
  /** drop the oldest checkpoints until the store is under this size */
  maxSizeBytes?: number;
}

export interface CheckpointStoreOptions {
  /** the workspace folder */
  workspace: string;
  /** the shadow store folder (outside the workspace), e.g. workspaceState(ws).checkpointsDir */
  storeDir: string;
  /** files above this size are left out of full scans (default 10 MiB); explicitly touched files are always captured */
  maxFileSizeBytes?: number;
  /** extra gitignore-style patterns left out of full scans ('!pattern' re-includes a default) */
  exclude?: string[];
  /** how long to wait for another process holding the store (default 15 s) */
  lockTimeoutMs?: number;
  retention?: RetentionOptions;
}

export type CheckpointKind = 'manual' | 'pre' | 'post' | 'safety' | 'auto';

export interface ChangedPath {
  /** workspace-relative, forward slashes */
  path: string;
  status: 'added' | 'modified' | 'deleted';
  /** bytes of the new content (of the old content for a deletion) */
  size: number;
}

export interface Checkpoint {
  id: string;
  name?: string;
  kind: CheckpointKind;
  /** the checkpoint before this one */
  parent?: string;
  receiptId?: string;
  createdAt: string;
  /** files that differ from the parent checkpoint (may be cut short: see changedCount) */
  changed: ChangedPath[];
  scope: 'paths' | 'full';
  tookMs: number;
  /** position in the store's sequence (1 = first) */
  seq: number;
  /** how many files differ from the parent; `changed` holds at most 2,000 in list() */
  changedCount: number;
  /** scope 'paths': the files this checkpoint looked at (the rest of its tree is inherited) */
  observed?: string[];
  /**
   * The first checkpoint of a store for a workspace of more than 2,000 files:
   * everything in it is new, and it does not list its files as changes
   * (changes() and diff() against it still work).
   */
  baseline?: true;
  /** files asked for or found but not captured, and why */
  skipped?: Array<{ path: string; reason: string; size?: number }>;
  /** set on the record Belay writes after a restore, rollback or undo */
  op?: { type: string; safety: string; paths: number };
}

export interface CreateRequest {
  scope: 'paths' | 'full';
  /** absolute or workspace-relative; with 'full' these are force-captured even if ignored or large */
  paths?: string[];
  name?: string;
  kind?: CheckpointKind;
  receiptId?: string;
  /**
   * When the checkpoint would record exactly what the newest one does (the
   * same files, looked at the same way, and nothing recorded since), that
   * one is returned instead of a copy. For "before" checkpoints, whose id
   * is all the caller keeps.
   */
  reuseUnchanged?: boolean;
}

export interface FileDiff {
  path: string;
  status: ChangedPath['status'];
  /** unified diff (git format); for a binary file only the "Binary files differ" line */
  patch: string;
  binary: boolean;
}

export interface RestoreResult {
  /** id of the record of this restore: pass it to undoRestore() */
  restoreId: string;
  safetyCheckpoint: string;
  restored: ChangedPath[];
  tookMs: number;
}

export interface RollbackRequest {
  before: string;
  after: string;
  paths?: string[];
  resolve?: 'keep-current' | 'take-before';
}

export interface Conflict {
  path: string;
  /** the overlapping hunks, diff3 style (<<<<<<< current / ||||||| after action / ======= before action / >>>>>>>) */
  hunks: string;
}

export type RollbackResult =
  | { ok: true; safetyCheckpoint: string; changed: ChangedPath[]; tookMs: number; restoreId: string }
  | { ok: false; code: 'conflict' | 'stale' | 'target_missing'; message: string; conflicts: Conflict[] };

export interface GcResult {
  removed: number;
  kept: number;
  bytesBefore: number;
  bytesAfter: number;
}
