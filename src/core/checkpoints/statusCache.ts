import fs from 'node:fs';
import path from 'node:path';
import { splitZ, type WorkContext } from './git.ts';

/**
 * Reusing the last `git status` of the workspace while nothing git would see
 * has changed since it ran: a long-lived process (the hook server) then
 * takes the full-scan checkpoint of a shell command without starting git,
 * which otherwise costs it about 5 ms a command.
 *
 * Proof that nothing changed: before each status run, every file and folder
 * git looks at is lstat'ed (the walk skips `.git` and what git reported as
 * ignored). Before reusing that status, the same entries are lstat'ed again:
 * a changed file has another mtime, ctime, size, inode or mode; a file
 * added, removed or renamed changes its folder's mtime and ctime (the
 * ctime no program can set). Anything else, and the status is run again:
 * - an entry whose timestamps fall within a clock tick of the walk (a
 *   change in the same tick could keep them: "racy", as git calls it);
 * - a changed store index or HEAD (another process scanned meanwhile);
 * - a changed ignore file (.gitignore anywhere, the store's info/exclude
 *   or config), after which the list of ignored folders is asked for again;
 * - a workspace of more than MAX_ENTRIES entries: a walk before each status
 *   run makes a scan that finds changes slower by more than a reused status
 *   saves (measured: 10 ms slower at 1,000 files for 4 ms saved; at 200
 *   files no slower for 7-10 ms saved),
 *   so such a workspace is asked of git every time, without walks.
 * Paths the caller names as changed anyway (pending and forced paths) are
 * left out of the comparison: the scan looks at them whatever status says.
 */

/** Entries one walk records at most; a bigger workspace is always asked of git. */
export const MAX_ENTRIES = 500;

/** Timestamps this close to the walk (ms) may hide a change made in the same clock tick. */
const RACY_MS = 50;

/** The status arguments of a full scan; the ignored entries are asked for with `--ignored=matching`. */
export const STATUS_ARGS = ['status', '--porcelain=v2', '-z', '--untracked-files=all', '--no-renames', '--ignore-submodules=all', '--no-ahead-behind'];

/** The numbers of an lstat that any change alters (see the comment above), in this order. */
const SIG_FIELDS = 5;

function putSig(into: number[], st: fs.Stats): void {
  into.push(st.ino, st.mode, st.size, st.mtimeMs, st.ctimeMs);
}

/** `st` is there and carries the SIG_FIELDS numbers found at `sigs[o]` onwards. */
function sameSig(st: fs.Stats | undefined, sigs: ArrayLike<number>, o: number): boolean {
  return st !== undefined && st.ino === sigs[o] && st.mode === sigs[o + 1] && st.size === sigs[o + 2] && st.mtimeMs === sigs[o + 3] && st.ctimeMs === sigs[o + 4];
}

const NO_THROW = { throwIfNoEntry: false } as const;

/** lstat, undefined when the entry is absent or cannot be looked at */
function lstatOf(abs: string): fs.Stats | undefined {
  try {
    return fs.lstatSync(abs, NO_THROW);
  } catch {
    return undefined;
  }
}

/** One file's signature: its SIG_FIELDS numbers, or undefined when it is absent. */
type Sig = readonly number[] | undefined;

function sigAt(abs: string): Sig {
  const st = lstatOf(abs);
  if (!st) return undefined;
  const out: number[] = [];
  putSig(out, st);
  return out;
}

/** The file is as `sig` recorded it (absent when it was absent). */
function stillAt(abs: string, sig: Sig): boolean {
  const st = lstatOf(abs);
  return sig === undefined ? st === undefined : sameSig(st, sig, 0);
}

interface Snapshot {
  /** workspace-relative paths ('' for the root) */
  rel: string[];
  /** the same, absolute */
  abs: string[];
  /** SIG_FIELDS numbers per path */
  sigs: Float64Array;
  /** a racy or oversized walk cannot prove anything */
  usable: boolean;
}

interface Ignored {
  /** folders git reported as ignored (with their trailing '/'), and ignored files */
  paths: Set<string>;
  /** ignore files → signature (undefined: absent) when the list was made */
  files: Map<string, Sig>;
}

export class StatusCache {
  private readonly maxEntries: number;
  /** a walk met more than maxEntries entries: git is asked every time */
  private tooBig = false;
  private ignored: Ignored | undefined;
  /** every .gitignore a walk has met (absolute paths) */
  private readonly gitignores = new Set<string>();
  private last: { stdout: Buffer; headTree: string; index: Sig; snapshot: Snapshot } | undefined;

  /** Statuses answered from the cache, runs of git and walks, for tests and traces. */
  readonly counts = { reused: 0, run: 0, walks: 0 };

  constructor(opts: { maxEntries?: number } = {}) {
    this.maxEntries = opts.maxEntries ?? MAX_ENTRIES;
  }

  /**
   * The output of `git status` (STATUS_ARGS) for this scan: the last one
   * when nothing has changed since it ran, else a new run.
   */
  async status(ctx: WorkContext, headTree: string, changedAnyway: ReadonlySet<string>, run: (extra: string[]) => Promise<Buffer>): Promise<Buffer> {
    if (this.tooBig) {
      this.counts.run++;
      return run([]);
    }
    const last = this.last;
    if (last && last.headTree === headTree && last.snapshot.usable && stillAt(ctx.indexFile, last.index) && this.unchanged(last.snapshot, changedAnyway)) {
      this.counts.reused++;
      return last.stdout;
    }
    this.last = undefined;
    this.counts.run++;
    if (!this.ignored || this.ignoreFilesChanged()) {
      // The ignored folders (to leave out of the walk) are not known or may
      // have changed: ask git for them now and take a snapshot next time.
      const files = this.ignoreFiles(ctx);
      const stdout = await run(['--ignored=matching']);
      this.ignored = { paths: ignoredOf(stdout), files };
      return stdout;
    }
    const snapshot = this.walk(ctx.workTree, this.ignored);
    const stdout = await run([]);
    // A .gitignore the ignored list was made without may un-ignore what the
    // walk left out: no reuse until the list is made again (next time).
    if (snapshot.sawNewIgnoreFile) this.ignored = undefined;
    else if (snapshot.usable) this.last = { stdout, headTree, index: sigAt(ctx.indexFile), snapshot };
    return stdout;
  }

  private unchanged(snap: Snapshot, changedAnyway: ReadonlySet<string>): boolean {
    const { abs, sigs } = snap;
    const skip = changedAnyway.size > 0;
    for (let i = 0, o = 0; i < abs.length; i++, o += SIG_FIELDS) {
      if (skip && changedAnyway.has(snap.rel[i]!)) continue;
      if (!sameSig(lstatOf(abs[i]!), sigs, o)) return false;
    }
    return true;
  }

  /** The ignore files git reads for the store: its own, and every .gitignore walks have met. */
  private ignoreFiles(ctx: WorkContext): Map<string, Sig> {
    const files = new Map<string, Sig>();
    for (const f of [path.join(ctx.gitDir, 'info', 'exclude'), path.join(ctx.gitDir, 'config'), ...this.gitignores]) files.set(f, sigAt(f));
    return files;
  }

  /** (a .gitignore the list was made without is met by the walk, which then refuses reuse) */
  private ignoreFilesChanged(): boolean {
    for (const [f, sig] of this.ignored!.files) if (!stillAt(f, sig)) return true;
    return false;
  }

  /** lstat of every folder and file git looks at, skipping .git and what git ignores. */
  private walk(root: string, ignored: Ignored): Snapshot & { sawNewIgnoreFile: boolean } {
    this.counts.walks++;
    const started = Date.now();
    const rels: string[] = [];
    const abss: string[] = [];
    const nums: number[] = [];
    let usable = true;
    let sawNewIgnoreFile = false;
    const racy = (st: fs.Stats): boolean => st.mtimeMs >= started - RACY_MS || st.ctimeMs >= started - RACY_MS;
    const visit = (rel: string): void => {
      if (!usable) return;
      const abs = rel === '' ? root : path.join(root, rel);
      let st: fs.Stats;
      try {
        st = fs.lstatSync(abs);
      } catch {
        usable = false; // gone while walking: something is changing
        return;
      }
      if (rels.length >= this.maxEntries) {
        usable = false;
        this.tooBig = true;
        return;
      }
      if (racy(st)) {
        usable = false;
        return;
      }
      rels.push(rel);
      abss.push(abs);
      putSig(nums, st);
      if (!st.isDirectory()) return;
      let names: string[];
      try {
        names = fs.readdirSync(abs);
      } catch {
        usable = false;
        return;
      }
      for (const name of names) {
        if (name === '.git') continue;
        const child = rel === '' ? name : `${rel}/${name}`;
        if (ignored.paths.has(child) || ignored.paths.has(`${child}/`)) continue;
        if (name === '.gitignore') {
          const abs = path.join(root, child);
          this.gitignores.add(abs);
          if (!ignored.files.has(abs)) sawNewIgnoreFile = true;
        }
        visit(child);
      }
    };
    visit('');
    return { rel: rels, abs: abss, sigs: Float64Array.from(nums), usable, sawNewIgnoreFile };
  }
}

/** The ignored entries of a `status --ignored=matching` (folders keep their trailing '/'). */
function ignoredOf(stdout: Buffer): Set<string> {
  const out = new Set<string>();
  for (const rec of splitZ(stdout)) if (rec.startsWith('! ')) out.add(rec.slice(2));
  return out;
}

let enabled: { maxEntries?: number } | undefined;

/** Long-lived processes reuse statuses (see StatusCache); one-shot ones gain nothing from the walk. */
export function useStatusCache(on = true, opts: { maxEntries?: number } = {}): void {
  enabled = on ? opts : undefined;
}

/** A status cache for a store opened now, when this process reuses statuses. */
export function newStatusCache(): StatusCache | undefined {
  return enabled ? new StatusCache(enabled) : undefined;
}
