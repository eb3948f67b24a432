import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ignore, { type Ignore } from 'ignore';
import type { PathFact } from './action.ts';
import { isNormalPath } from '../config/plainPath.ts';

/**
 * Path canonicalisation. Every path an action names is turned into one
 * absolute path the way the kernel would resolve it: `~` and `$HOME`
 * expanded, relative to the command's working directory, `..` applied to the
 * already resolved parent (so `link/..` goes where the link points), and every
 * symlink followed through the existing prefix, dangling ones included (a
 * write through a dangling link lands on its target). Case folding is left to
 * the matchers (`foldPath`), which know whether the file system is
 * case-insensitive.
 */

const MAX_SYMLINKS = 40;
const WIN_ABS = /^[A-Za-z]:[\\/]/;
const ADS = /^[^:]+:(?:[^:]+|[^:]*:\$[A-Za-z_]+)$/;

export interface ResolvedPath {
  canonical: string;
  fact: PathFact;
}

export interface ResolverOptions {
  workspaceRoots: string[];
  home: string;
  caseInsensitive?: boolean;
  platform?: NodeJS.Platform;
  /** the workspace roots are already canonical (a session resolved them once) */
  rootsCanonical?: boolean;
  /** the home directory is already canonical */
  homeCanonical?: boolean;
  /** compiled .gitignore files shared across resolvers, checked against each file's size and mtime */
  ignoreFiles?: Map<string, { mtimeMs: number; size: number; ig: Ignore | null }>;
}

/** Lower-cases a path for comparisons on case-insensitive file systems. */
export function foldPath(p: string, caseInsensitive: boolean | undefined): string {
  return caseInsensitive ? p.toLowerCase() : p;
}

/** `child` is `parent` or below it (both absolute, already folded if needed). */
export function isInside(child: string, parent: string): boolean {
  if (child === parent) return true;
  const last = parent.charCodeAt(parent.length - 1);
  if (last === 47 || last === 92) return child.startsWith(parent);
  // `parent + '/'` is a prefix of `child`, without building it
  return child.length > parent.length && child.charCodeAt(parent.length) === 47 && child.startsWith(parent);
}

/** `p.replace(/\/+$/, '')`: without its trailing slashes (no copy when there are none). */
export function trimSlashes(p: string): string {
  let end = p.length;
  while (end > 0 && p.charCodeAt(end - 1) === 47) end--;
  return end === p.length ? p : p.slice(0, end);
}

export function isWindowsPath(p: string): boolean {
  // /^[A-Za-z]:[\\/]/ or /^\.{1,2}\\/ (WIN_ABS or a relative Windows path), on the first characters only
  const c0 = p.charCodeAt(0);
  if (c0 === 46 /* . */) {
    const c1 = p.charCodeAt(1);
    return c1 === 92 /* \ */ || c1 === 46 && p.charCodeAt(2) === 92;
  }
  if (!(c0 >= 65 && c0 <= 90 || c0 >= 97 && c0 <= 122) || p.charCodeAt(1) !== 58 /* : */) return false;
  const c2 = p.charCodeAt(2);
  return c2 === 92 || c2 === 47;
}

/** The system's scratch directories, where agents may write freely. */
export function defaultTempDirs(): string[] {
  const dirs = new Set<string>(['/tmp', '/var/tmp', '/private/tmp', '/private/var/tmp']);
  try {
    dirs.add(fs.realpathSync.native(os.tmpdir()));
  } catch {
    dirs.add(os.tmpdir());
  }
  return [...dirs];
}

/** one options object for every lstat (none built per call) */
const NO_THROW = { throwIfNoEntry: false } as const;

function lstat(p: string): fs.Stats | undefined {
  try {
    return fs.lstatSync(p, NO_THROW);
  } catch {
    return undefined;
  }
}

/**
 * Resolves paths against the real file system. One resolver serves one
 * normalisation (or one short session): it caches lookups, so a long-lived
 * instance would miss symlinks created after its first look.
 */
export class PathResolver {
  readonly opts: ResolverOptions;
  /** resolutions with home expansion, by cwd, then the path given (no key strings built per lookup; made on first use) */
  private expanded: Map<string, Map<string, ResolvedPath>> | undefined;
  /** the same without home expansion */
  private literal: Map<string, Map<string, ResolvedPath>> | undefined;
  private ignoreCache: Map<string, Ignore | null> | undefined;
  private readonly canonicalRoots: string[];
  /** links an action creates before using them (`ln -s ~/.ssh out && echo x > out/k`) */
  private virtualLinks: Map<string, string> | undefined;

  /** lstat results of this resolver's lifetime (one normalisation) */
  private readonly stats = new Map<string, fs.Stats | null>();

  constructor(opts: ResolverOptions) {
    this.opts = opts;
    this.canonicalRoots = opts.rootsCanonical ? [...opts.workspaceRoots] : opts.workspaceRoots.map((r) => this.realDir(r));
  }

  private lstat(p: string): fs.Stats | undefined {
    const hit = this.stats.get(p);
    if (hit !== undefined) return hit ?? undefined;
    const st = lstat(p);
    this.stats.set(p, st ?? null);
    return st;
  }

  get roots(): string[] {
    return this.canonicalRoots;
  }

  /** Records a link the action creates: later resolutions follow it as the kernel would. */
  addLink(link: string, target: string): void {
    if (link === target) return;
    (this.virtualLinks ??= new Map()).set(link, target);
    this.expanded = undefined;
    this.literal = undefined;
  }

  /** A directory's canonical form (the directory itself must exist to be resolved). */
  realDir(dir: string): string {
    if (isWindowsPath(dir)) return normaliseWindows(dir);
    if (this.canonicalRoots?.includes(dir)) return dir;
    try {
      return fs.realpathSync.native(dir);
    } catch {
      return path.resolve(dir);
    }
  }

  /** Expands `~`, `~user`, `$HOME` and `${HOME}` at the start of a path. */
  expandHome(p: string): string {
    if (p[0] !== '~' && p[0] !== '$') return p;
    const home = this.opts.home;
    if (p === '~') return home;
    if (p.startsWith('~/')) return home + p.slice(1);
    if (p.startsWith('$HOME') && (p.length === 5 || p[5] === '/')) return home + p.slice(5);
    if (p.startsWith('${HOME}') && (p.length === 7 || p[7] === '/')) return home + p.slice(7);
    const m = /^~([A-Za-z0-9._-]+)(\/.*)?$/.exec(p);
    if (m) {
      const user = m[1]!;
      const base = user === 'root' ? '/root' : path.join(path.dirname(home), user);
      return base + (m[2] ?? '');
    }
    return p;
  }

  /**
   * Canonical absolute path of `given` as seen from `cwd` (already canonical).
   * `expand` controls `~`/`$HOME` expansion (off for shell words, which the
   * shell has already expanded).
   */
  resolve(given: string, cwd: string, expand = true): ResolvedPath {
    const byCwd = expand ? (this.expanded ??= new Map()) : (this.literal ??= new Map());
    let byGiven = byCwd.get(cwd);
    if (byGiven === undefined) {
      byGiven = new Map();
      byCwd.set(cwd, byGiven);
    }
    const hit = byGiven.get(given);
    if (hit) return hit;
    const result = this.resolveUncached(given, cwd, expand);
    byGiven.set(given, result);
    return result;
  }

  private resolveUncached(given: string, cwd: string, expand: boolean): ResolvedPath {
    let p = expand ? this.expandHome(given) : given;
    const cwdWindows = isWindowsPath(cwd);
    const windowsStyle = this.opts.platform === 'win32' || isWindowsPath(p) || cwdWindows;
    let ads = false;
    if (windowsStyle) {
      // NTFS alternate data streams: `file.txt:stream` names hidden data.
      const parts = p.split(/[\\/]/);
      for (let i = 0; i < parts.length; i++) {
        const part = parts[i]!;
        if (i === 0 && /^[A-Za-z]:$/.test(part)) continue;
        if (ADS.test(part)) ads = true;
      }
    }
    if (WIN_ABS.test(p) || cwdWindows) {
      // A Windows path on a POSIX host: resolved lexically, it names nothing here.
      const canonical = normaliseWindows(WIN_ABS.test(p) ? p : path.win32.join(cwd, p));
      return { canonical, fact: { given, exists: false, viaSymlink: false, lexical: canonical, ...(ads ? { ads } : {}) } };
    }
    if (windowsStyle && p.includes('\\')) p = p.replace(/\\/g, '/');
    // `file:stream` and `file:stream:$DATA` name a stream of file; `file::$DATA` is file's own content
    if (ads) p = p.replace(/:[^/:]*(?::\$[A-Za-z_]+)?$/, '');
    const lexical = posixResolve(cwd, p);
    const walked = this.walk(p, cwd);
    const fact: PathFact = { given, exists: walked.exists, viaSymlink: walked.viaSymlink, lexical };
    if (walked.stat) {
      const st = walked.stat;
      fact.type = st.isDirectory() ? 'dir' : st.isFile() ? 'file' : st.isSymbolicLink() ? 'symlink' : 'other';
      if (st.isFile()) fact.nlink = st.nlink;
    }
    if (ads) fact.ads = true;
    return { canonical: walked.path, fact };
  }

  /** Component-by-component resolution with kernel semantics for `..` and symlinks. */
  private walk(p: string, cwd: string): { path: string; exists: boolean; viaSymlink: boolean; stat: fs.Stats | undefined } {
    let rest = p;
    let cur = p.startsWith('/') ? '/' : cwd;
    if (p.startsWith('/')) {
      // the roots are canonical and exist: no need to look at their components again
      for (const r of this.canonicalRoots) {
        if (p === r || p.length > r.length && p.charCodeAt(r.length) === 47 && p.startsWith(r)) {
          cur = r;
          rest = p.slice(r.length);
          break;
        }
      }
    }
    // the components still to walk are pending[at…]
    let pending = components(rest);
    let at = 0;
    let exists = true;
    let viaSymlink = false;
    let links = 0;
    let stat: fs.Stats | undefined = pending.length === 0 ? this.lstat(cur) : undefined;
    if (pending.length === 0) return { path: cur, exists: stat !== undefined, viaSymlink, stat };
    while (at < pending.length) {
      const comp = pending[at++]!;
      if (comp === '.') continue;
      if (comp === '..') {
        cur = path.posix.dirname(cur);
        if (exists) stat = this.lstat(cur);
        continue;
      }
      const next = cur === '/' ? '/' + comp : cur + '/' + comp;
      const virtual = this.virtualLinks !== undefined ? this.virtualLinks.get(next) : undefined;
      if (virtual !== undefined && links < MAX_SYMLINKS) {
        links++;
        viaSymlink = true;
        pending = [...components(virtual), ...pending.slice(at)];
        at = 0;
        cur = '/';
        exists = true;
        continue;
      }
      if (!exists) {
        cur = next;
        continue;
      }
      const st = this.lstat(next);
      if (!st) {
        exists = false;
        stat = undefined;
        cur = next;
        continue;
      }
      if (st.isSymbolicLink() && links < MAX_SYMLINKS) {
        links++;
        viaSymlink = true;
        let target: string;
        try {
          target = fs.readlinkSync(next);
        } catch {
          cur = next;
          stat = st;
          continue;
        }
        pending = [...components(target), ...pending.slice(at)];
        at = 0;
        if (target.startsWith('/')) cur = '/';
        continue;
      }
      cur = next;
      stat = st;
    }
    if (exists && !stat) stat = this.lstat(cur);
    return { path: cur, exists: exists && stat !== undefined, viaSymlink, stat };
  }

  /** The workspace folder containing a canonical path, if any. */
  workspaceOf(canonical: string): string | undefined {
    const ci = this.opts.caseInsensitive;
    const p = foldPath(canonical, ci);
    let best: string | undefined;
    for (const r of this.canonicalRoots) {
      if (isInside(p, foldPath(r, ci)) && (!best || r.length > best.length)) best = r;
    }
    return best;
  }

  /**
   * Whether the workspace's .gitignore files (and .git/info/exclude) ignore
   * a path: the deepest file with an opinion wins, as in git.
   */
  gitignored(canonical: string, isDir: boolean): boolean | undefined {
    const root = this.workspaceOf(canonical);
    if (!root || canonical === root) return undefined;
    // absolute texts in normal form (as canonical paths are): the relative path is a slice and each
    // join a concatenation of plain names (what path.posix.relative and path.join give for them)
    const plain = root.charCodeAt(0) === 47 && isNormalPath(root) && canonical.charCodeAt(0) === 47 && isNormalPath(canonical) && isInside(canonical, root);
    const rel = plain ? canonical.slice(root.length + 1) : path.posix.relative(root, canonical);
    if (rel.startsWith('..') || rel === '') return undefined;
    const segments = rel.split('/');
    let verdict: boolean | undefined;
    const exclude = this.loadIgnore(plain ? root + '/.git/info/exclude' : path.join(root, '.git', 'info', 'exclude'));
    const caseless = this.opts.caseInsensitive === true;
    const check = (ig: Ignore, relPath: string): void => {
      const probe = isDir ? relPath + '/' : relPath;
      const r = ig.test(caseless ? probe.toLowerCase() : probe);
      if (r.ignored) verdict = true;
      else if (r.unignored) verdict = false;
    };
    if (exclude) check(exclude, rel);
    let dir = root;
    for (let i = 0; i < segments.length; i++) {
      const ig = this.loadIgnore(plain ? dir + '/.gitignore' : path.join(dir, '.gitignore'));
      if (ig) check(ig, segments.slice(i).join('/'));
      if (verdict === true) return true;
      dir = plain ? dir + '/' + segments[i]! : path.join(dir, segments[i]!);
    }
    return verdict;
  }

  private loadIgnore(file: string): Ignore | null {
    const ignoreCache = (this.ignoreCache ??= new Map());
    const hit = ignoreCache.get(file);
    if (hit !== undefined) return hit;
    let ig: Ignore | null = null;
    const st = this.lstat(file);
    if (st && st.isFile()) {
      const shared = this.opts.ignoreFiles;
      const key = `${this.opts.caseInsensitive === true ? 'i' : 's'}:${file}`;
      const known = shared?.get(key);
      if (known && known.mtimeMs === st.mtimeMs && known.size === st.size) ig = known.ig;
      else {
        try {
          ig = ignore({ ignorecase: this.opts.caseInsensitive === true }).add(fs.readFileSync(file, 'utf8'));
        } catch {
          ig = null;
        }
        if (shared) {
          if (shared.size > 256) shared.clear();
          shared.set(key, { mtimeMs: st.mtimeMs, size: st.size, ig });
        }
      }
    }
    ignoreCache.set(file, ig);
    return ig;
  }

  /** Reads a small text file (config files whose edits are diffed); undefined when absent or large. */
  readSmall(file: string, limit = 1 << 20): string | undefined {
    try {
      const st = fs.statSync(file);
      if (!st.isFile() || st.size > limit) return undefined;
      return fs.readFileSync(file, 'utf8');
    } catch {
      return undefined;
    }
  }
}

/** `s.split('/').filter((c) => c !== '' && c !== '.')`, without the intermediate list. */
export function components(s: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (;;) {
    const slash = s.indexOf('/', start);
    const end = slash < 0 ? s.length : slash;
    if (end > start && !(end === start + 1 && s.charCodeAt(start) === 46)) out.push(s.slice(start, end));
    if (slash < 0) return out;
    start = slash + 1;
  }
}

/** path.posix.resolve(cwd, p), returning the joined text as is when it is already normal (no copy, no scan). */
export function posixResolve(cwd: string, p: string): string {
  if (p !== '') {
    const joined = p.charCodeAt(0) === 47 ? p : cwd.charCodeAt(0) === 47 ? cwd + '/' + p : undefined;
    if (joined !== undefined && joined.length > 1 && isNormalPath(joined)) return joined;
  }
  return path.posix.resolve(cwd, p);
}

/** `C:\Users\me\..\x` -> `C:/Users/x` (drive letter upper-cased). */
export function normaliseWindows(p: string): string {
  const n = path.win32.normalize(p).replace(/\\/g, '/');
  return /^[a-z]:/.test(n) ? n[0]!.toUpperCase() + n.slice(1) : n;
}

/** The given path climbs out of its base directory with `..`. */
export function climbsOut(given: string): boolean {
  const parts = given.split(/[\\/]/);
  let depth = 0;
  for (const part of parts) {
    if (part === '..') {
      depth--;
      if (depth < 0) return true;
    } else if (part !== '' && part !== '.') depth++;
  }
  return false;
}
