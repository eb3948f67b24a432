/**
 * Why the checkpoint engine refused to act. Every refusal has a code and a
 * message, and happens before anything in the workspace changed.
 *
 * - target_missing: the checkpoint does not exist, was garbage-collected, or
 *   its content is no longer in the store
 * - conflict: later edits overlap the change to undo (details: the hunks)
 * - stale: files changed on disk between planning and acting
 * - outside_workspace: a path is not inside the workspace
 * - store_mismatch: the store belongs to a different workspace
 * - locked: another Belay process held the store longer than the timeout
 * - invalid: malformed input (bad id, ambiguous prefix, bad option)
 */
export type CheckpointErrorCode = 'target_missing' | 'conflict' | 'stale' | 'outside_workspace' | 'store_mismatch' | 'locked' | 'invalid' | (string & {});

export class CheckpointError extends Error {
  readonly code: CheckpointErrorCode;
  readonly details?: unknown;
  constructor(code: CheckpointErrorCode, message: string, details?: unknown) {
    super(message);
    this.name = 'CheckpointError';
    this.code = code;
    if (details !== undefined) this.details = details;
  }
}
