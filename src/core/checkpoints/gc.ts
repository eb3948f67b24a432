import fs from 'node:fs';
import path from 'node:path';
import { deleteRefs, type Meta, type RefInfo } from './catalog.ts';
import type { Engine } from './engine.ts';
import { BORROW_FILE, storeGit } from './git.ts';
import type { GcResult, RetentionOptions } from './types.ts';

/**
 * Retention and garbage collection. Checkpoints beyond the count limit or
 * older than the age limit are dropped, then the oldest ones while the store
 * is over its size limit, except: the newest checkpoint, every checkpoint a
 * young receipt still references (the caller passes them), and the safety
 * checkpoints that kept restore records need for undo. Dropping = deleting
 * the ref; git then repacks (content is deduplicated across checkpoints) and
 * prunes what no checkpoint reaches. The repack also copies the objects
 * borrowed from the user's repository into the store, after which the store
 * no longer depends on that repository.
 */

export const DEFAULT_RETENTION: Required<RetentionOptions> = {
  maxCount: 5000,
  maxAgeDays: 30,
  maxSizeBytes: 5 * 1024 * 1024 * 1024,
};

export function dirSize(dir: string): number {
  let total = 0;
  const walk = (d: string): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else {
        try {
          total += fs.lstatSync(p).size;
        } catch {
          /* gone */
        }
      }
    }
  };
  walk(dir);
  return total;
}

async function repackAndPrune(engine: Engine): Promise<void> {
  const ctx = { ...engine.readCtx(), indexFile: engine.ctx.indexFile };
  const git = storeGit(ctx);
  await git.raw(['pack-refs', '--all', '--prune']);
  // Not --local: objects borrowed from the user's repository are copied in.
  await git.raw(['repack', '-a', '-d', '-q', '--no-write-bitmap-index']);
  await git.raw(['prune', '--expire=now']);
  const borrow = path.join(engine.storeDir, BORROW_FILE);
  if (fs.existsSync(borrow)) {
    // Stop borrowing once git confirms everything reachable is here.
    try {
      await storeGit({ gitDir: engine.storeDir, indexFile: engine.ctx.indexFile }).raw(['fsck', '--connectivity-only', '--no-dangling', '--no-progress']);
      fs.rmSync(borrow);
    } catch {
      /* keep borrowing */
    }
    engine.db.reset();
  }
}

export async function gcLocked(engine: Engine, referenced: Set<string>, now: Date, retention: RetentionOptions | undefined): Promise<GcResult> {
  const limits = { ...DEFAULT_RETENTION, ...retention };
  const bytesBefore = dirSize(engine.storeDir);
  const refs = engine.refs();
  const metas = new Map<string, Meta>();
  for (const r of refs) {
    try {
      metas.set(r.id, (await engine.load(r.id)).meta);
    } catch {
      /* unreadable: candidate for removal like any old one */
    }
  }
  const isReferenced = (id: string): boolean => referenced.has(id) || [...referenced].some((r) => r.length >= 7 && id.startsWith(r));
  const protectedIds = new Set<string>();
  const head = refs[refs.length - 1];
  if (head) protectedIds.add(head.id);
  for (const r of refs) if (isReferenced(r.id)) protectedIds.add(r.id);
  const protect = (kept: RefInfo[]): void => {
    // a kept restore/rollback record keeps the checkpoints its undo needs
    for (const r of kept) {
      const op = metas.get(r.id)?.op;
      if (!op) continue;
      for (const dep of [op.safety, op.target, op.before, op.after]) if (dep) protectedIds.add(dep);
    }
  };

  const cutoff = now.getTime() - limits.maxAgeDays * 86_400_000;
  const remove = new Set<string>();
  refs.forEach((r, i) => {
    const meta = metas.get(r.id);
    const tooMany = refs.length - i > limits.maxCount;
    const tooOld = !meta || Date.parse(meta.createdAt) < cutoff;
    if (tooMany || tooOld) remove.add(r.id);
  });
  let kept = refs.filter((r) => !remove.has(r.id));
  protect(kept);
  protect(refs.filter((r) => protectedIds.has(r.id)));
  for (const id of protectedIds) remove.delete(id);

  await deleteRefs(engine.storeDir, refs.filter((r) => remove.has(r.id)).map((r) => r.ref));
  await repackAndPrune(engine);

  // Size limit: drop the oldest unprotected checkpoints until under it.
  for (let round = 0; round < 6 && dirSize(engine.storeDir) > limits.maxSizeBytes; round++) {
    kept = engine.refs();
    const droppable = kept.filter((r) => !protectedIds.has(r.id));
    if (droppable.length === 0) break;
    const batch = droppable.slice(0, Math.max(1, Math.ceil(droppable.length / 4)));
    for (const r of batch) remove.add(r.id);
    await deleteRefs(engine.storeDir, batch.map((r) => r.ref));
    await repackAndPrune(engine);
  }
  // Caches that may name pruned objects are rebuilt on the next scan.
  fs.rmSync(path.join(engine.storeDir, 'belay-empty-index'), { force: true });
  const after = engine.refs().length;
  return { removed: refs.length - after, kept: after, bytesBefore, bytesAfter: dirSize(engine.storeDir) };
}
