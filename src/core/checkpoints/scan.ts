import path from 'node:path';
import { runGit, splitZ, type WorkContext } from './git.ts';
import type { Skipped } from './catalog.ts';
import { absPath, lstatMaybe, modeOf, readWorkFile } from './workspaceFiles.ts';
import type { ObjectDb } from './objects.ts';
import { applyEdits, type TreeEdit } from './trees.ts';
import { failpoint, trace } from './failpoint.ts';
import { STATUS_ARGS, type StatusCache } from './statusCache.ts';

/**
 * The full scan: what changed anywhere in the workspace, found by git with
 * the store's own index as stat cache (plus the untracked cache), so an
 * unchanged file costs one `stat`. Changed, new and deleted files are then
 * staged into the store's index and the index is written as a tree.
 *
 * Nested git repositories (and submodules) are captured as plain files: git
 * reports a nested repository as one untracked folder, so its files are
 * listed with the nested folder as work tree and added to the store's index;
 * from then on git walks into the folder like any other. Nothing in the
 * nested repository is renamed or disabled.
 */

export interface ScanInput {
  ctx: WorkContext;
  maxFileSize: number;
  /** paths to (re)capture whatever the ignore rules or size say */
  forced: Set<string>;
  /** paths changed by known-path checkpoints since the last scan, to bring into the index */
  pending: Set<string>;
  /** the tree of the store's HEAD (the last synced scan's commit), which the index matches */
  headTree: () => Promise<string | undefined>;
  /** records that git's index now holds `tree` (HEAD names it) */
  indexWritten: (tree: string) => void;
  db: ObjectDb;
  storeLarge: (abs: string) => Promise<string>;
  /** a long-lived process's last status, reused while nothing changed (see statusCache.ts) */
  statusCache?: StatusCache;
}

export interface ScanResult {
  tree: string;
  skipped: Skipped[];
  /** files staged (added, updated or removed) by this scan */
  staged: number;
  /** the index now matches `tree` (the checkpoint should become HEAD, pending paths are in the index) */
  synced: boolean;
}

function parseStatus(buf: Buffer): { changed: string[]; untracked: string[]; records: number; indexDiffers: boolean } {
  let indexDiffers = false;
  const changed: string[] = [];
  const untracked: string[] = [];
  const records = splitZ(buf);
  for (const rec of records) {
    if (rec.startsWith('? ')) untracked.push(rec.slice(2));
    else if (rec.startsWith('1 ')) {
      // 1 XY sub mH mI mW hH hI path
      let i = 0;
      let spaces = 0;
      while (spaces < 8 && i < rec.length) if (rec[i++] === ' ') spaces++;
      const worktreeStatus = rec[3];
      if (rec[2] !== '.') indexDiffers = true;
      if (worktreeStatus !== '.') changed.push(rec.slice(i));
    } else if (rec.startsWith('u ')) {
      indexDiffers = true;
      const parts = rec.split(' ');
      changed.push(parts.slice(10).join(' '));
    }
  }
  return { changed, untracked, records: records.length, indexDiffers };
}

/** All non-ignored files of a nested repository, relative to the workspace. */
export async function listNested(ctx: WorkContext, dir: string, depth = 0): Promise<string[]> {
  if (depth > 8) return [];
  const workTree = absPath(ctx.workTree, dir.replace(/\/$/, ''));
  const res = await runGit(
    { gitDir: ctx.gitDir, workTree, indexFile: path.join(ctx.gitDir, 'belay-empty-index') },
    ['ls-files', '-z', '--others', '--exclude-standard'],
  );
  const out: string[] = [];
  for (const p of splitZ(res.stdout)) {
    const rel = dir + p;
    if (p.endsWith('/')) out.push(...(await listNested(ctx, rel, depth + 1)));
    else out.push(rel);
  }
  return out;
}

/** Above this many changed files (or bytes), a scan also brings git's index up to date. */
const SYNC_FILES = 24;
const SYNC_BYTES = 4 * 1024 * 1024;

export async function fullScan(input: ScanInput): Promise<ScanResult> {
  const { ctx } = input;
  if (!(await input.headTree())) {
    // First scan of a store (its index seeded from the user's, or empty):
    // name the index's tree first, so that status only reports differences.
    input.indexWritten(await writeTree(ctx));
  }
  // (git status refreshes the index, never HEAD: its tree is read once)
  const headTree = await input.headTree();
  const runStatus = async (extra: string[]): Promise<Buffer> => (await runGit(ctx, [...STATUS_ARGS, ...extra])).stdout;
  const status = input.statusCache && headTree ? await input.statusCache.status(ctx, headTree, new Set([...input.pending, ...input.forced]), runStatus) : await runStatus([]);
  const { changed, untracked, records, indexDiffers } = parseStatus(status);
  trace(`scan: git status (${records} records)`);
  if (records === 0 && input.pending.size === 0 && input.forced.size === 0 && headTree) {
    // Nothing differs from HEAD, whose tree the index was written as.
    return { tree: headTree, skipped: [], staged: 0, synced: false };
  }
  let nested = false;
  const candidates = new Set<string>(changed);
  for (const u of untracked) {
    if (u.endsWith('/')) {
      nested = true;
      for (const f of await listNested(ctx, u)) candidates.add(f);
    } else candidates.add(u);
  }
  for (const p of input.pending) candidates.add(p);
  for (const p of input.forced) candidates.add(p);

  const add: string[] = [];
  const remove: string[] = [];
  const skipped: Skipped[] = [];
  let bytes = 0;
  for (const rel of candidates) {
    const st = lstatMaybe(absPath(ctx.workTree, rel));
    if (!st) {
      remove.push(rel);
      continue;
    }
    if (!modeOf(st)) {
      if (st.isDirectory()) remove.push(rel);
      continue;
    }
    const forced = input.forced.has(rel) || input.pending.has(rel);
    if (st.isFile() && st.size > input.maxFileSize && !forced) {
      skipped.push({ path: rel, reason: 'too_large', size: st.size });
      continue;
    }
    bytes += st.size;
    add.push(rel);
  }

  // (indexDiffers: a process died between writing the index and naming its tree; write the tree now.)
  if (headTree && !indexDiffers && !nested && add.length + remove.length <= SYNC_FILES && bytes <= SYNC_BYTES) {
    // Few changes: hash them here and edit HEAD's tree, no index write and no
    // write-tree. git's index keeps describing HEAD, so the next status still
    // reports these files (and they are staged again, until a bigger scan
    // brings the index up to date).
    const edits: TreeEdit[] = remove.map((p) => ({ path: p, entry: null }));
    for (const rel of add) {
      const wf = await readWorkFile(ctx.workTree, rel, input.db, input.storeLarge);
      edits.push({ path: rel, entry: wf?.entry ?? null });
    }
    const tree = await applyEdits(input.db, headTree, edits);
    trace(`scan: ${edits.length} changes staged in memory`);
    return { tree, skipped, staged: edits.length, synced: false };
  }

  if (remove.length > 0) await runGit(ctx, ['update-index', '-z', '--force-remove', '--stdin'], { input: remove.join('\0') + '\0' });
  if (add.length > 0) await updateIndexAdd(ctx, add, skipped);
  failpoint('scan:after-update-index');
  trace(`scan: staged ${add.length} updates, ${remove.length} removals in the index`);
  const tree = await writeTree(ctx);
  return { tree, skipped, staged: add.length + remove.length, synced: true };
}

async function writeTree(ctx: WorkContext): Promise<string> {
  // --missing-ok: blobs seeded from the user's index live in the user's
  // repository, which write commands must not see (see GitContext.borrow).
  return (await runGit(ctx, ['write-tree', '--missing-ok'])).stdout.toString('utf8').trim();
}

/** `update-index --add` of many paths; a path git refuses (e.g. beyond a symlink) is skipped, not fatal. */
async function updateIndexAdd(ctx: WorkContext, paths: string[], skipped: Skipped[]): Promise<void> {
  let list = paths;
  for (let attempt = 0; attempt < 20 && list.length > 0; attempt++) {
    try {
      await runGit(ctx, ['update-index', '-z', '--add', '--remove', '--stdin'], { input: list.join('\0') + '\0' });
      return;
    } catch (err) {
      const stderr = (err as { stderr?: string }).stderr ?? '';
      const m = /Unable to process path (.*)$/m.exec(stderr) ?? /error: '?(.+?)'?: (?:is a directory|beyond a symbolic link|cannot add)/m.exec(stderr);
      const bad = m?.[1]?.trim();
      if (!bad || !list.includes(bad)) throw err;
      skipped.push({ path: bad, reason: 'unreadable' });
      list = list.filter((p) => p !== bad);
    }
  }
}
