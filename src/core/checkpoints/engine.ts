import fs from 'node:fs';
import path from 'node:path';
import { absent } from '../config/files.ts';
import { CheckpointError } from './errors.ts';
import { BORROW_FILE, gitLaunches, readBorrow, runGit, splitZ, type GitContext, type WorkContext } from './git.ts';
import { ObjectDb, parseCommit, serializeCommit } from './objects.ts';
import {
  listRefs,
  loadCheckpoint,
  MAX_STORED_CHANGES,
  toCheckpoint,
  writeCheckpointCommit,
  readHeadHint,
  writeRef,
  type Loaded,
  type Meta,
  type OpRecord,
  type RefInfo,
  type Skipped,
} from './catalog.ts';
import { applyEdits, diffTrees, listFilesUnder, lookupFile, type FileEntry, type TreeEdit } from './trees.ts';
import { fullScan, listNested } from './scan.ts';
import { newStatusCache, type StatusCache } from './statusCache.ts';
import { failpoint, trace } from './failpoint.ts';
import { absPath, lstatMaybe, readWorkFile, toWorkspacePath, type WorkFile } from './workspaceFiles.ts';
import { acquireLock, type HeldLock } from './lock.ts';
import { clearJournal, finishJournal, readJournal } from './apply.ts';
import { buildExcludeFile, DEFAULT_MAX_FILE_SIZE, STORE_ATTRIBUTES } from './excludes.ts';
import { findUserRepo, seedIndex, userObjectsDir } from './seed.ts';
import type { ChangedPath, CheckpointKind, CheckpointStoreOptions } from './types.ts';

/**
 * The internals shared by the store's operations: the git context, the
 * object db, the lock, checkpoint creation and lookup. CheckpointStore is the
 * public face; restore, rollback, diff and gc live in their own modules and
 * work through this class.
 */

const MARKER = 'belay.json';
const PENDING = 'belay-pending';

export interface CaptureRequest {
  scope: 'paths' | 'full';
  paths?: string[];
  name?: string;
  kind: CheckpointKind;
  receiptId?: string;
  op?: OpRecord;
  /**
   * known-path checkpoints: entries already known (written by Belay), so the
   * files are not re-read; its paths are normalised workspace files, taken
   * as they are
   */
  known?: Map<string, FileEntry | null>;
  /** sizes of known entries, when the caller has them */
  knownSizes?: Map<string, number>;
  /**
   * The head checkpoint stands for this one when it would record exactly
   * what the head does (see captureLocked): no second commit and ref of an
   * unchanged workspace.
   */
  reuseUnchanged?: boolean;
  /** full scope: more files to capture whatever the ignore rules and size threshold say */
  alsoCapture?: string[];
  /** full scope: which files the scan left out for size must be captured anyway */
  captureIfSkipped?: (path: string) => boolean | Promise<boolean>;
  /** paths scope: the checkpoint, computed beforehand for the same head and paths (used when they still match) */
  precomputed?: PathsSnapshot;
}

/** A known-path checkpoint computed but not recorded (see Engine.pathsSnapshot). */
export interface PathsSnapshot {
  headTree: string | undefined;
  /** the asked paths it was computed for, joined */
  asked: string;
  files: Set<string>;
  entries: Map<string, FileEntry | null>;
  changes: ChangedPath[];
  /** changes whose size is not known yet (`written`: a file the caller wrote, whose size it may know) */
  unsized: Array<{ change: ChangedPath; sha: string; written: boolean }>;
  tree: string;
}

export interface Captured {
  loaded: Loaded;
  /** scope 'paths' (and alsoCapture): the entry each asked-for path had */
  entries: Map<string, FileEntry | null>;
}

export class Engine {
  readonly workspace: string;
  readonly storeDir: string;
  readonly ctx: WorkContext;
  readonly db: ObjectDb;
  readonly options: CheckpointStoreOptions;
  readonly maxFileSize: number;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(workspace: string, storeDir: string, options: CheckpointStoreOptions) {
    this.workspace = workspace;
    this.storeDir = storeDir;
    this.options = options;
    this.maxFileSize = options.maxFileSizeBytes ?? DEFAULT_MAX_FILE_SIZE;
    this.ctx = { gitDir: storeDir, workTree: workspace, indexFile: path.join(storeDir, 'index') };
    this.db = new ObjectDb(storeDir);
    this.statusCache = newStatusCache();
  }

  /** the last full scan's status, in a long-lived process (see statusCache.ts) */
  readonly statusCache: StatusCache | undefined;

  // ---- locking ---------------------------------------------------------

  /** Runs `fn` holding the store lock: one operation at a time, across processes. */
  withLock<T>(fn: (lock: HeldLock) => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      const lock = await acquireLock(path.join(this.storeDir, 'belay.lock'), { timeoutMs: this.options.lockTimeoutMs ?? 15_000 });
      const launched = gitLaunches(this.storeDir);
      try {
        // Git lock files left by a holder that died (or by anything before
        // this process first held the lock); a holder that lives removes its
        // own below, so a lock taken from a live holder needs no look.
        if (lock.tookOverStale || !this.gitLocksChecked) this.removeStaleGitLocks(lock.tookOverStale);
        this.gitLocksChecked = true;
        await this.recover(lock);
        return await fn(lock);
      } finally {
        // A git command of this hold that was killed leaves its lock file:
        // removed before the store lock goes (none ran: nothing to look for).
        if (gitLaunches(this.storeDir) !== launched) this.removeStaleGitLocks(false);
        lock.release();
      }
    };
    const next = this.chain.then(run, run);
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** whether this process has looked for git lock files left before it first held the lock */
  private gitLocksChecked = false;

  /** Lock files a killed git process left in the store (nothing else runs git here while we hold the lock). */
  private removeStaleGitLocks(all: boolean): void {
    for (const f of ['index.lock', 'HEAD.lock', 'packed-refs.lock', 'config.lock', 'shallow.lock']) {
      // (one unlink each: rmSync would stat twice first)
      try {
        fs.unlinkSync(path.join(this.storeDir, f));
      } catch {
        /* none left */
      }
    }
    if (!all) return;
    try {
      for (const name of fs.readdirSync(path.join(this.storeDir, 'refs', 'belay', 'cp'))) {
        if (name.endsWith('.lock')) fs.rmSync(path.join(this.storeDir, 'refs', 'belay', 'cp', name), { force: true });
      }
    } catch {
      /* none */
    }
  }

  /** Finishes a restore or rollback a killed process left half-done (see apply.ts). */
  private async recover(lock: HeldLock): Promise<void> {
    const journal = readJournal(this.storeDir);
    if (!journal) return;
    const done = await finishJournal(this.workspace, this.db, journal);
    const known = new Map<string, FileEntry | null>(done.map((o) => [o.path, o.to]));
    lock.verify();
    await this.captureLocked(lock, {
      scope: 'paths',
      paths: journal.ops.map((o) => o.path),
      kind: 'auto',
      name: `finished an interrupted ${journal.op.type}`,
      op: { ...journal.op, type: journal.op.type === 'restore' ? 'recovered-restore' : journal.op.type, paths: done.map((o) => o.path) },
      known,
    });
    clearJournal(this.storeDir);
  }

  // ---- setup -------------------------------------------------------------

  /** Creates the store on first use (seeded from the user's repository), or checks it serves this workspace. */
  async init(): Promise<void> {
    fs.mkdirSync(this.storeDir, { recursive: true, mode: 0o700 });
    await this.withLock(async () => {
      const markerFile = path.join(this.storeDir, MARKER);
      const repo = findUserRepo(this.workspace);
      if (fs.existsSync(markerFile)) {
        let marker: { workspace?: string };
        try {
          marker = JSON.parse(fs.readFileSync(markerFile, 'utf8')) as { workspace?: string };
        } catch {
          throw new CheckpointError('store_mismatch', `the checkpoint store ${this.storeDir} has an unreadable ${MARKER}`);
        }
        if (marker.workspace !== this.workspace) {
          throw new CheckpointError(
            'store_mismatch',
            `the checkpoint store ${this.storeDir} belongs to ${marker.workspace ?? 'another workspace'}, not ${this.workspace}`,
          );
        }
      } else {
        await this.create(repo);
        fs.writeFileSync(markerFile, JSON.stringify({ workspace: this.workspace, createdAt: new Date().toISOString(), format: 1 }, null, 2) + '\n');
      }
      this.writeInfoFiles(repo?.gitDir);
    });
  }

  private async create(repo: ReturnType<typeof findUserRepo>): Promise<void> {
    const gitDir = { gitDir: this.storeDir };
    if (!fs.existsSync(path.join(this.storeDir, 'HEAD'))) await runGit(gitDir, ['init', '--bare', '--quiet']);
    // One append instead of a `git config` process per setting.
    fs.appendFileSync(
      path.join(this.storeDir, 'config'),
      [
        '# Belay checkpoint store',
        '[core]',
        '\tbare = false',
        '\tlogAllRefUpdates = false',
        '\tuntrackedCache = true',
        '\tsymlinks = true',
        `\tignoreCase = ${process.platform === 'darwin' || process.platform === 'win32'}`,
        // small index writes: only entries changed since the shared index
        '\tsplitIndex = true',
        '[status]',
        // lets the untracked cache serve `status --untracked-files=all` (git >= 2.39)
        '\tshowUntrackedFiles = all',
        '[gc]',
        '\tauto = 0',
        '[user]',
        '\tname = Belay',
        '\temail = belay@localhost',
        '',
      ].join('\n'),
    );
    if (repo) {
      const objects = userObjectsDir(repo);
      if (objects) {
        const seeded = await seedIndex(repo, this.ctx.indexFile);
        if (seeded.seeded > 0) {
          fs.writeFileSync(path.join(this.storeDir, BORROW_FILE), objects + '\n');
          this.db.reset();
        }
        fs.writeFileSync(path.join(this.storeDir, 'belay-seed.json'), JSON.stringify({ from: repo.root, ...seeded }) + '\n');
      }
    }
  }

  private writeInfoFiles(userGitDir: string | undefined): void {
    const info = path.join(this.storeDir, 'info');
    fs.mkdirSync(info, { recursive: true });
    const exclude = buildExcludeFile({ workspace: this.workspace, storeDir: this.storeDir, extra: this.options.exclude ?? [], userGitDir });
    writeIfChanged(path.join(info, 'exclude'), exclude);
    writeIfChanged(path.join(info, 'attributes'), STORE_ATTRIBUTES);
  }

  // ---- lookup ------------------------------------------------------------

  /** Context for commands that read objects, including those borrowed from the user's repository. */
  readCtx(): GitContext {
    return { gitDir: this.storeDir, borrow: readBorrow(this.storeDir) };
  }

  private refCache: { key: string; refs: RefInfo[] } | undefined;

  /**
   * All checkpoints, oldest first. Readers get a copy cached until the ref
   * folder or packed-refs change; writers (under the lock) read afresh, so a
   * coarse directory timestamp can never hand out a sequence number twice.
   */
  refs(fresh = false): RefInfo[] {
    if (fresh) {
      this.refCache = undefined;
      return listRefs(this.storeDir);
    }
    const stamp = (p: string): string => {
      try {
        const st = fs.statSync(p);
        return `${st.mtimeMs}:${st.size}:${st.ino}`;
      } catch {
        return '-';
      }
    };
    const key = `${stamp(path.join(this.storeDir, 'refs', 'belay', 'cp'))}|${stamp(path.join(this.storeDir, 'packed-refs'))}`;
    if (this.refCache?.key !== key) this.refCache = { key, refs: listRefs(this.storeDir) };
    return [...this.refCache.refs];
  }

  /** The newest checkpoint: from the head hint when it holds, else from every ref. */
  head(): RefInfo | undefined {
    const hint = readHeadHint(this.storeDir);
    if (hint) return hint;
    const refs = this.refs(true);
    return refs[refs.length - 1];
  }

  /** Finds a checkpoint by id or unique id prefix. */
  find(id: string): RefInfo | undefined {
    const want = id.trim().toLowerCase();
    if (!/^[0-9a-f]{4,40}$/.test(want)) throw new CheckpointError('invalid', `not a checkpoint id: '${id}'`);
    const matches = this.refs().filter((r) => r.id.startsWith(want));
    if (matches.length > 1) throw new CheckpointError('invalid', `checkpoint id prefix '${id}' is ambiguous (${matches.length} checkpoints)`);
    return matches[0];
  }

  async load(id: string): Promise<Loaded> {
    return loadCheckpoint(this.db, id);
  }

  /** Loads a checkpoint or refuses with `target_missing`. */
  async require(id: string): Promise<Loaded & { ref: RefInfo }> {
    const ref = this.find(id);
    if (!ref) throw new CheckpointError('target_missing', `no checkpoint ${id} (it may have been garbage-collected)`);
    try {
      return { ...(await this.load(ref.id)), ref };
    } catch (err) {
      throw new CheckpointError('target_missing', `checkpoint ${id} is unreadable: ${(err as Error).message}`);
    }
  }

  /** Normalises caller paths; outside the workspace or into .git is refused. */
  normalizeStrict(paths: string[]): string[] {
    const out: string[] = [];
    for (const p of paths) {
      const r = toWorkspacePath(this.workspace, p);
      if (r.ok) out.push(r.rel);
      else if (r.reason === 'workspace_root') return [];
      else throw new CheckpointError(r.reason === 'git_dir' ? 'invalid' : 'outside_workspace', `${p} is ${r.reason === 'git_dir' ? "inside a .git folder, which Belay never touches" : 'outside the workspace'}`);
    }
    return [...new Set(out)];
  }

  // ---- capture -----------------------------------------------------------

  /** Files a known-path checkpoint should look at for `rel`: the file, or everything under a folder. */
  private async expand(rel: string, headTree: string | undefined): Promise<string[]> {
    const st = lstatMaybe(absPath(this.workspace, rel));
    if (st?.isDirectory()) {
      const res = await runGit(this.ctx, ['ls-files', '-z', '--cached', '--others', '--exclude-standard', '--', rel], { env: { GIT_LITERAL_PATHSPECS: '1' } });
      const files = new Set<string>();
      for (const p of splitZ(res.stdout)) {
        if (!p.endsWith('/')) files.add(p);
        else for (const f of await listNested(this.ctx, p)) files.add(f); // a nested repository: its files
      }
      for (const p of (await listFilesUnder(this.db, headTree, rel)).keys()) files.add(p);
      return [...files];
    }
    // Gone, or a file now: the files the last checkpoint had under it (a folder that went) are looked at too.
    const under = await listFilesUnder(this.db, headTree, rel);
    if (!st && under.size > 0) return [...under.keys()];
    return [rel, ...under.keys()];
  }

  /**
   * Trees of commits this process wrote or read lately: the checkpoint it
   * recorded last (usually the next one's parent) and the commit the store's
   * HEAD names (read twice per full scan). A commit's tree never changes.
   */
  private readonly knownTrees = new Map<string, string>();

  /** The checkpoint this process recorded last, with what it recorded (see reuseUnchanged). */
  private lastRecorded: { id: string; meta: Meta } | undefined;

  private knowTree(commit: string, tree: string): void {
    this.knownTrees.delete(commit);
    this.knownTrees.set(commit, tree);
    // (the last few are what is asked for; the oldest go)
    if (this.knownTrees.size > 8) this.knownTrees.delete(this.knownTrees.keys().next().value as string);
  }

  /** Creates a checkpoint; the caller holds the lock. */
  async captureLocked(lock: HeldLock, req: CaptureRequest): Promise<Captured> {
    const started = performance.now();
    trace(`capture ${req.scope}: start`);
    const head = this.head();
    // (the parent is usually the checkpoint this process wrote last: its tree is known)
    const headTree = head ? (this.knownTrees.get(head.id) ?? (await this.load(head.id)).tree) : undefined;
    const skipped: Skipped[] = [];
    const asked: string[] = [];
    for (const p of req.paths ?? []) {
      // paths Belay itself just wrote (a restore's own record) are already workspace files
      if (req.known?.has(p)) {
        asked.push(p);
        continue;
      }
      const r = toWorkspacePath(this.workspace, p);
      if (r.ok) asked.push(r.rel);
      else if (r.reason !== 'workspace_root') skipped.push({ path: p, reason: r.reason });
    }
    const entries = new Map<string, FileEntry | null>();
    let tree: string;
    /** full scans that rewrote git's index: the index's tree */
    let synced: string | undefined;
    const besideScan: string[] = [];
    let changes: ChangedPath[] | undefined;
    let observed: string[] | undefined;
    if (req.scope === 'paths') {
      const pre = req.precomputed;
      const snap = pre && pre.headTree === headTree && pre.asked === asked.join('\0') ? pre : await this.pathsSnapshot(headTree, asked, req);
      for (const [rel, entry] of snap.entries) entries.set(rel, entry);
      changes = snap.changes;
      // sizes: as the caller knows them (a restore's, by now), else from the store in one pipelined batch
      const sizeLater: Array<{ change: ChangedPath; sha: string }> = [];
      for (const s of snap.unsized) {
        const known = s.written ? req.knownSizes?.get(s.change.path) : undefined;
        if (known !== undefined) s.change.size = known;
        else sizeLater.push(s);
      }
      const sizes = await this.db.sizes(sizeLater.map((s) => s.sha)).catch(() => sizeLater.map(() => 0));
      sizeLater.forEach((s, i) => (s.change.size = sizes[i] ?? 0));
      tree = snap.tree;
      observed = [...snap.files].sort();
      // The next full scan brings these into the store's index (ignored files included).
      if (snap.files.size > 0) this.addPending([...snap.files]);
    } else {
      const pending = this.readPending();
      trace('capture full: head loaded');
      const forced = new Set([...asked, ...(req.alsoCapture ?? [])]);
      const scan = await fullScan({
        ctx: this.ctx,
        maxFileSize: this.maxFileSize,
        forced,
        pending,
        headTree: () => this.indexHeadTree(),
        indexWritten: (t) => this.indexWritten(t, []),
        db: this.db,
        storeLarge: (abs) => this.storeLargeFile(abs),
        statusCache: this.statusCache,
      });
      trace(`capture full: scanned (${scan.staged} staged${scan.synced ? ', index written' : ''})`);
      tree = scan.tree;
      if (scan.synced) synced = scan.tree;
      // Large files left out by the scan that the caller needs anyway.
      const extra: TreeEdit[] = [];
      for (const sk of scan.skipped) {
        if (sk.reason !== 'too_large' || !(await req.captureIfSkipped?.(sk.path))) {
          skipped.push(sk);
          continue;
        }
        const wf = await readWorkFile(this.workspace, sk.path, this.db, (abs) => this.storeLargeFile(abs));
        if (wf) extra.push({ path: sk.path, entry: wf.entry });
        besideScan.push(sk.path);
      }
      if (extra.length > 0) tree = await applyEdits(this.db, tree, extra);
      for (const rel of forced) entries.set(rel, (await lookupFile(this.db, tree, rel)) ?? null);
      for (const e of extra) entries.set(e.path, e.entry);
    }
    let baseline = false;
    if (!changes && !headTree) {
      // The first checkpoint of a store: every file is new. A small workspace
      // lists them; a big one records a baseline rather than walk every folder.
      const all = await listFilesUnder(this.db, tree, '', MAX_STORED_CHANGES);
      if (all) changes = await this.sizedAdds([...all.entries()]);
      else {
        changes = [];
        baseline = true;
      }
    }
    if (!changes) changes = await this.changesBetween(headTree, tree, true);
    trace(`capture ${req.scope}: ${changes.length} changes`);
    const same = req.reuseUnchanged && head ? this.sameAsHead(head.id, headTree, tree, req.scope, observed, skipped, besideScan) : undefined;
    if (same) {
      if (synced) this.indexWritten(synced, besideScan);
      trace(`capture ${req.scope}: the head stands for it`);
      const loaded: Loaded = { checkpoint: toCheckpoint(same.id, same.meta), meta: same.meta, tree };
      return { loaded, entries };
    }
    const createdAt = new Date();
    const meta: Meta = {
      v: 1,
      seq: (head?.seq ?? 0) + 1,
      kind: req.kind,
      createdAt: createdAt.toISOString(),
      scope: req.scope,
      tookMs: 0,
      changed: changes.slice(0, MAX_STORED_CHANGES),
      changedCount: changes.length,
    };
    if (req.name !== undefined) meta.name = req.name;
    if (head) meta.parent = head.id;
    if (req.receiptId !== undefined) meta.receiptId = req.receiptId;
    if (observed) meta.paths = observed;
    if (skipped.length > 0) meta.skipped = skipped.slice(0, MAX_STORED_CHANGES);
    if (req.op) meta.op = req.op;
    if (baseline) meta.baseline = true;
    meta.tookMs = Math.round((performance.now() - started) * 10) / 10;
    const id = writeCheckpointCommit(this.db, tree, meta);
    failpoint(`capture:${req.kind}:before-ref`);
    lock.verify();
    writeRef(this.storeDir, meta.seq, id);
    this.knowTree(id, tree);
    this.lastRecorded = { id, meta };
    if (synced) this.indexWritten(synced, besideScan);
    else if (besideScan.length > 0) this.addPending(besideScan); // later scans keep capturing them
    trace(`capture ${req.scope}: recorded ${id.slice(0, 12)}`);
    const loaded: Loaded = { checkpoint: toCheckpoint(id, meta), meta, tree };
    loaded.checkpoint.changed = changes;
    return { loaded, entries };
  }

  /**
   * The head checkpoint, when a new one would record exactly what it does:
   * the head is the checkpoint this process recorded last (so nothing was
   * recorded since), it has the same tree, the same scope, and it looked at
   * the same files (a full scan: everything, with nothing left out for size;
   * known paths: the same paths, and the same ones refused). Every later
   * comparison (a receipt's changes, a rollback, a restore's observations)
   * then comes out the same with the head as with a copy of it taken a
   * moment later.
   */
  private sameAsHead(
    headId: string,
    headTree: string | undefined,
    tree: string,
    scope: CaptureRequest['scope'],
    observed: string[] | undefined,
    skipped: Skipped[],
    besideScan: string[],
  ): { id: string; meta: Meta } | undefined {
    const last = this.lastRecorded;
    if (!last || last.id !== headId || headTree !== tree || last.meta.scope !== scope || last.meta.baseline || last.meta.op) return undefined;
    if (besideScan.length > 0 || !sameSkipped(last.meta.skipped ?? [], skipped)) return undefined;
    if (scope === 'paths' && !sameStrings(last.meta.paths ?? [], observed ?? [])) return undefined;
    return last;
  }

  /**
   * What a known-path checkpoint of `asked` (normalised) on top of
   * `headTree` holds, without recording it (blobs and trees are written, no
   * ref). Sizes the caller may learn later are left in `unsized`. With
   * `yieldEvery`, it lets other work run every so many files and trees (a
   * restore computes its record this way while its files are written).
   */
  async pathsSnapshot(
    headTree: string | undefined,
    asked: string[],
    req: Pick<CaptureRequest, 'known' | 'knownSizes'>,
    yieldEvery?: number,
  ): Promise<PathsSnapshot> {
    const files = new Set<string>();
    for (const rel of asked) {
      if (req.known?.has(rel)) files.add(rel); // a file Belay wrote or deleted: not a folder to expand
      else for (const f of await this.expand(rel, headTree)) files.add(f);
    }
    const entries = new Map<string, FileEntry | null>();
    const edits: TreeEdit[] = [];
    const changes: ChangedPath[] = [];
    const unsized: PathsSnapshot['unsized'] = [];
    let n = 0;
    for (const rel of files) {
      if (yieldEvery && ++n % yieldEvery === 0) await new Promise((r) => setImmediate(r));
      let entry: FileEntry | null;
      let size: number | undefined;
      const old = (await lookupFile(this.db, headTree, rel)) ?? null;
      const written = req.known?.has(rel) === true;
      if (written) {
        entry = req.known!.get(rel) ?? null;
        size = req.knownSizes?.get(rel);
      } else {
        // Hashed first, stored only when it changed: a file the parent
        // checkpoint has as it is (say, the one an edit is about to touch)
        // costs no object write.
        const wf = await readWorkFile(this.workspace, rel);
        entry = wf?.entry ?? null;
        size = wf?.size;
        if (wf && !sameFile(old, entry)) entry = await this.storeWorkFile(rel, wf);
      }
      entries.set(rel, entry);
      if (sameFile(old, entry)) continue;
      edits.push({ path: rel, entry });
      const change: ChangedPath = { path: rel, status: !old ? 'added' : !entry ? 'deleted' : 'modified', size: size ?? 0 };
      changes.push(change);
      const sizeOf = entry ?? old;
      if ((size === undefined || !entry) && sizeOf) unsized.push({ change, sha: sizeOf.sha, written: written && entry !== null });
    }
    const tree = edits.length > 0 || !headTree ? await applyEdits(this.db, headTree, edits, yieldEvery) : headTree;
    return { headTree, asked: asked.join('\0'), files, entries, changes, unsized, tree };
  }

  /** The tree of `base` with the given workspace files (folders expanded) as they are now; writes blobs, nothing else. */
  async snapshotPaths(paths: string[], base: string | undefined): Promise<string> {
    const files = new Set<string>();
    for (const rel of paths) for (const f of await this.expand(rel, base)) files.add(f);
    const edits: TreeEdit[] = [];
    for (const rel of files) {
      const wf = await readWorkFile(this.workspace, rel, this.db, (abs) => this.storeLargeFile(abs));
      edits.push({ path: rel, entry: wf?.entry ?? null });
    }
    return applyEdits(this.db, base, edits);
  }

  /** The tree of the whole workspace as a full checkpoint would see it, without recording a checkpoint; the caller holds the lock. */
  async snapshotFull(): Promise<string> {
    const scan = await fullScan({
      ctx: this.ctx,
      maxFileSize: this.maxFileSize,
      forced: new Set(),
      pending: this.readPending(),
      headTree: () => this.indexHeadTree(),
      indexWritten: (t) => this.indexWritten(t, []),
      db: this.db,
      storeLarge: (abs) => this.storeLargeFile(abs),
      statusCache: this.statusCache,
    });
    if (scan.synced) this.indexWritten(scan.tree, []);
    return scan.tree;
  }

  /**
   * After a scan wrote git's index: HEAD names a commit of exactly the
   * index's tree, so the next `git status` compares against it (and scans
   * with few changes can edit that tree instead of writing the index).
   * Pending files are in the index now, except those captured beside it.
   */
  private indexWritten(indexTree: string, besideScan: string[]): void {
    const commit = this.db.write('commit', serializeCommit({ tree: indexTree, time: new Date(), message: 'belay: the tree of the store index\n' }));
    this.knowTree(commit, indexTree);
    fs.writeFileSync(path.join(this.storeDir, 'HEAD.tmp'), commit + '\n');
    fs.renameSync(path.join(this.storeDir, 'HEAD.tmp'), path.join(this.storeDir, 'HEAD'));
    fs.rmSync(path.join(this.storeDir, PENDING), { force: true });
    if (besideScan.length > 0) this.addPending(besideScan);
  }

  /** The tree git's index holds: that of the commit the store's HEAD names (written by the last index-writing scan). */
  private async indexHeadTree(): Promise<string | undefined> {
    try {
      const head = fs.readFileSync(path.join(this.storeDir, 'HEAD'), 'utf8').trim();
      if (!/^[0-9a-f]{40}$/.test(head)) return undefined;
      const known = this.knownTrees.get(head);
      if (known !== undefined) return known;
      const tree = parseCommit((await this.db.read(head)).content).tree;
      this.knowTree(head, tree);
      return tree;
    } catch {
      return undefined;
    }
  }

  /** Appends to the pending list (compacted when repeated appends made it long). */
  private addPending(paths: string[]): void {
    const file = path.join(this.storeDir, PENDING);
    fs.appendFileSync(file, paths.join('\0') + '\0');
    if ((fs.statSync(file, { throwIfNoEntry: false })?.size ?? 0) > 256 * 1024) {
      const all = this.readPending();
      fs.writeFileSync(`${file}.tmp`, [...all].join('\0') + '\0');
      fs.renameSync(`${file}.tmp`, file);
    }
  }

  private readPending(): Set<string> {
    const file = path.join(this.storeDir, PENDING);
    // (read on every full scan, usually absent; see absent)
    try {
      if (absent(file)) return new Set();
      return new Set(splitZ(fs.readFileSync(file)));
    } catch {
      return new Set();
    }
  }

  /** Stores a workspace file read by readWorkFile without a store; the entry of what was stored. */
  private async storeWorkFile(rel: string, wf: WorkFile): Promise<FileEntry> {
    if (wf.content) return { mode: wf.entry.mode, sha: this.db.write('blob', wf.content, wf.entry.sha) };
    // too big to have been read whole: streamed through git, which hashes what it stores
    return { mode: wf.entry.mode, sha: await this.storeLargeFile(absPath(this.workspace, rel)) };
  }

  /** Stores a big file by streaming it through git (never read whole into memory). */
  async storeLargeFile(abs: string): Promise<string> {
    const res = await runGit({ gitDir: this.storeDir }, ['hash-object', '-w', '--no-filters', '--', abs]);
    return res.stdout.toString('utf8').trim();
  }

  /** 'added' entries with sizes (from disk when the file is there). */
  private async sizedAdds(files: Array<[string, FileEntry]>): Promise<ChangedPath[]> {
    files.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const out: ChangedPath[] = [];
    const fromStore: Array<{ change: ChangedPath; sha: string }> = [];
    for (const [p, e] of files) {
      const change: ChangedPath = { path: p, status: 'added', size: 0 };
      out.push(change);
      const st = lstatMaybe(absPath(this.workspace, p));
      if (st) change.size = st.size;
      else fromStore.push({ change, sha: e.sha });
    }
    const sizes = await this.db.sizes(fromStore.map((f) => f.sha)).catch(() => fromStore.map(() => 0));
    fromStore.forEach((f, i) => (f.change.size = sizes[i] ?? 0));
    return out;
  }

  /** Changed files between two trees, with sizes. */
  async changesBetween(a: string | undefined, b: string | undefined, sizesFromDisk = false): Promise<ChangedPath[]> {
    const diff = await diffTrees(this.db, a, b);
    const out: ChangedPath[] = [];
    const fromStore: Array<{ change: ChangedPath; sha: string }> = [];
    diff.forEach((d, i) => {
      const change: ChangedPath = { path: d.path, status: d.status, size: 0 };
      out.push(change);
      if (sizesFromDisk && i >= MAX_STORED_CHANGES) return; // only the stored part of a huge scan gets sizes
      const st = sizesFromDisk && d.after ? lstatMaybe(absPath(this.workspace, d.path)) : undefined;
      if (st) change.size = st.size;
      else fromStore.push({ change, sha: (d.after ?? d.before)!.sha });
    });
    const sizes = await this.db.sizes(fromStore.map((f) => f.sha)).catch(() => fromStore.map(() => 0));
    fromStore.forEach((f, i) => (f.change.size = sizes[i] ?? 0));
    return out;
  }

  close(): void {
    this.db.close();
  }
}

function sameFile(a: FileEntry | null, b: FileEntry | null): boolean {
  if (!a || !b) return !a && !b;
  return a.mode === b.mode && a.sha === b.sha;
}

function writeIfChanged(file: string, text: string): void {
  try {
    if (fs.readFileSync(file, 'utf8') === text) return;
  } catch {
    /* write it */
  }
  fs.writeFileSync(file, text);
}

/** The same paths in the same order. */
function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The same files left out, for the same reasons and sizes, in the same order. */
function sameSkipped(a: readonly Skipped[], b: readonly Skipped[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.path !== y.path || x.reason !== y.reason || x.size !== y.size) return false;
  }
  return true;
}
