import { compareTreeEntries, isTreeMode, MODE_GITLINK, type ObjectDb, type TreeEntry } from './objects.ts';

/** A file as a tree records it: mode and blob id. */
export interface FileEntry {
  mode: string;
  sha: string;
}

export function sameEntry(a: FileEntry | null | undefined, b: FileEntry | null | undefined): boolean {
  if (!a || !b) return !a && !b;
  return a.mode === b.mode && a.sha === b.sha;
}

/** One path set (entry) or removed (null) in a tree. */
export interface TreeEdit {
  path: string;
  entry: FileEntry | null;
}

/** The blob entry at `file` in `tree`, or undefined (absent, or a directory there). */
export async function lookupFile(db: ObjectDb, tree: string | undefined, file: string): Promise<FileEntry | undefined> {
  if (!tree) return undefined;
  const parts = file.split('/');
  let current = tree;
  for (let i = 0; i < parts.length; i++) {
    const entries = db.treeNow(current) ?? (await db.readTree(current));
    const e = entries.find((x) => x.name === parts[i]);
    if (!e) return undefined;
    const last = i === parts.length - 1;
    if (last) return isTreeMode(e.mode) || e.mode === MODE_GITLINK ? undefined : { mode: e.mode, sha: e.sha };
    if (!isTreeMode(e.mode)) return undefined;
    current = e.sha;
  }
  return undefined;
}

/** The tree id at directory `dir` in `tree`, if there is one. */
export async function lookupTree(db: ObjectDb, tree: string | undefined, dir: string): Promise<string | undefined> {
  if (!tree) return undefined;
  if (dir === '') return tree;
  let current = tree;
  for (const part of dir.split('/')) {
    const e = (await db.readTree(current)).find((x) => x.name === part);
    if (!e || !isTreeMode(e.mode)) return undefined;
    current = e.sha;
  }
  return current;
}

/** Every file under `tree` (optionally below `prefix`), read through the object db. */
/** Every file under `tree` (optionally below `prefix`); with `limit`, undefined as soon as there are more. */
export async function listFilesUnder(db: ObjectDb, tree: string | undefined, prefix?: string): Promise<Map<string, FileEntry>>;
export async function listFilesUnder(db: ObjectDb, tree: string | undefined, prefix: string, limit: number): Promise<Map<string, FileEntry> | undefined>;
export async function listFilesUnder(db: ObjectDb, tree: string | undefined, prefix = '', limit = Infinity): Promise<Map<string, FileEntry> | undefined> {
  const out = new Map<string, FileEntry>();
  const start = await lookupTree(db, tree, prefix);
  if (!start) return out;
  const walk = async (sha: string, base: string): Promise<boolean> => {
    for (const e of await db.readTree(sha)) {
      const p = base === '' ? e.name : `${base}/${e.name}`;
      if (isTreeMode(e.mode)) {
        if (!(await walk(e.sha, p))) return false;
      } else if (e.mode !== MODE_GITLINK) {
        out.set(p, { mode: e.mode, sha: e.sha });
        if (out.size > limit) return false;
      }
    }
    return true;
  };
  return (await walk(start, prefix)) ? out : undefined;
}

interface DirNode {
  files: Map<string, FileEntry | null>;
  dirs: Map<string, DirNode>;
}

function newNode(): DirNode {
  return { files: new Map(), dirs: new Map() };
}

/**
 * Applies file edits to a tree and writes the changed trees (only those on
 * the edited paths). Setting a file where the base has a directory replaces
 * the directory (even when other edits remove files in it); removing a file
 * never removes a directory of that name. With `yieldEvery`, other work
 * runs every so many trees.
 */
export async function applyEdits(db: ObjectDb, base: string | undefined, edits: TreeEdit[], yieldEvery?: number): Promise<string> {
  let built = 0;
  const root = newNode();
  for (const edit of edits) {
    const parts = edit.path.split('/');
    let node = root;
    for (let i = 0; i < parts.length - 1; i++) {
      const part = parts[i]!;
      let child = node.dirs.get(part);
      if (!child) {
        child = newNode();
        node.dirs.set(part, child);
      }
      node = child;
    }
    node.files.set(parts[parts.length - 1]!, edit.entry);
  }
  const build = async (node: DirNode, baseSha: string | undefined): Promise<string | undefined> => {
    if (yieldEvery && ++built % yieldEvery === 0) await new Promise((r) => setImmediate(r)); // let other work run
    const entries = new Map<string, TreeEntry>();
    if (baseSha) for (const e of db.treeNow(baseSha) ?? (await db.readTree(baseSha))) entries.set(e.name, e);
    for (const [name, entry] of node.files) {
      const existing = entries.get(name);
      if (entry === null) {
        if (existing && !isTreeMode(existing.mode)) entries.delete(name);
      } else {
        entries.set(name, { name, mode: entry.mode, sha: entry.sha });
      }
    }
    for (const [name, child] of node.dirs) {
      // A file set here replaces the folder of that name, whatever the edits below it say
      // (they are the folder's files going: a folder became a file).
      if (node.files.get(name)) continue;
      const existing = entries.get(name);
      const childBase = existing && isTreeMode(existing.mode) ? existing.sha : undefined;
      const sha = await build(child, childBase);
      if (sha === undefined) entries.delete(name);
      else entries.set(name, { name, mode: '40000', sha });
    }
    if (entries.size === 0) return undefined;
    return db.writeTree([...entries.values()]);
  };
  return (await build(root, base)) ?? db.writeTree([]);
}

function inTreeOrder(entries: TreeEntry[]): boolean {
  for (let i = 1; i < entries.length; i++) if (compareTreeEntries(entries[i - 1]!, entries[i]!) >= 0) return false;
  return true;
}

export interface TreeChange {
  path: string;
  status: 'added' | 'modified' | 'deleted';
  before?: FileEntry;
  after?: FileEntry;
}

/** Files that differ between two trees, skipping identical subtrees (cost follows what changed). */
export async function diffTrees(db: ObjectDb, a: string | undefined, b: string | undefined, prefix = ''): Promise<TreeChange[]> {
  const out: TreeChange[] = [];
  /** Records a file difference under `base`; with a folder on either side, walks it. */
  const compare = (base: string, x: TreeEntry | undefined, y: TreeEntry | undefined): Promise<void> | undefined => {
    if (x && y && x.sha === y.sha && x.mode === y.mode) return undefined; // the same file, or the same folder
    const p = base === '' ? (x ?? y)!.name : `${base}/${(x ?? y)!.name}`;
    const xTree = x && isTreeMode(x.mode) ? x.sha : undefined;
    const yTree = y && isTreeMode(y.mode) ? y.sha : undefined;
    const xFile = x && !isTreeMode(x.mode) && x.mode !== MODE_GITLINK ? { mode: x.mode, sha: x.sha } : undefined;
    const yFile = y && !isTreeMode(y.mode) && y.mode !== MODE_GITLINK ? { mode: y.mode, sha: y.sha } : undefined;
    if (xFile && yFile) {
      if (!sameEntry(xFile, yFile)) out.push({ path: p, status: 'modified', before: xFile, after: yFile });
    } else if (xFile) out.push({ path: p, status: 'deleted', before: xFile });
    else if (yFile) out.push({ path: p, status: 'added', after: yFile });
    return xTree !== undefined || yTree !== undefined ? walk(xTree, yTree, p) : undefined;
  };
  const walk = async (sa: string | undefined, sb: string | undefined, base: string): Promise<void> => {
    if (sa === sb) return;
    const ea = sa ? (db.treeNow(sa) ?? (await db.readTree(sa))) : [];
    const eb = sb ? (db.treeNow(sb) ?? (await db.readTree(sb))) : [];
    if (inTreeOrder(ea) && inTreeOrder(eb)) {
      // both in git's order (as git and Belay write them): one merge pass
      let i = 0;
      let j = 0;
      while (i < ea.length || j < eb.length) {
        const c = i === ea.length ? 1 : j === eb.length ? -1 : compareTreeEntries(ea[i]!, eb[j]!);
        const x = c <= 0 ? ea[i++] : undefined;
        const y = c >= 0 ? eb[j++] : undefined;
        const sub = compare(base, x, y);
        if (sub) await sub;
      }
      return;
    }
    // (a tree out of order, which git would not write: by name)
    const ma = new Map(ea.map((e) => [e.name, e]));
    const mb = new Map(eb.map((e) => [e.name, e]));
    for (const name of new Set([...ma.keys(), ...mb.keys()])) {
      const sub = compare(base, ma.get(name), mb.get(name));
      if (sub) await sub;
    }
  };
  const ta = await lookupTree(db, a, prefix);
  const tb = await lookupTree(db, b, prefix);
  if (ta === undefined || tb === undefined) {
    // one side empty: everything on the other is added (or deleted)
    const files = await listFilesUnder(db, ta === undefined ? b : a, prefix);
    const status = ta === undefined ? 'added' : 'deleted';
    for (const [p, e] of files) out.push(status === 'added' ? { path: p, status, after: e } : { path: p, status, before: e });
  } else await walk(ta, tb, prefix);
  out.sort((p, q) => (p.path < q.path ? -1 : p.path > q.path ? 1 : 0));
  return out;
}
