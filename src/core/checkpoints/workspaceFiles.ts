import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { hashObject, MODE_EXEC, MODE_FILE, MODE_LINK, type ObjectDb } from './objects.ts';
import type { FileEntry } from './trees.ts';

/** Workspace paths: normalisation, and reading files the way git stores them. */

export type PathCheck = { ok: true; rel: string } | { ok: false; reason: 'outside_workspace' | 'git_dir' | 'workspace_root'; input: string };

/** The canonical path of `abs`: symlinks resolved in the longest existing ancestor. */
function canonical(abs: string): string {
  let existing = abs;
  const rest: string[] = [];
  for (;;) {
    try {
      const real = fs.realpathSync.native(existing);
      return rest.length === 0 ? real : path.join(real, ...rest.reverse());
    } catch {
      const parent = path.dirname(existing);
      if (parent === existing) return abs;
      rest.push(path.basename(existing));
      existing = parent;
    }
  }
}

/**
 * Workspace-relative, forward-slash form of a path given absolute or relative
 * to the workspace. Symlinked parent folders are resolved (so a path through
 * a link pointing outside is outside); the last component is kept as is, so a
 * symlink itself is captured as a link.
 */
export function toWorkspacePath(workspace: string, input: string): PathCheck {
  const abs = path.resolve(workspace, input);
  const parent = canonical(path.dirname(abs));
  const full = path.join(parent, path.basename(abs));
  const rel = path.relative(workspace, full);
  if (rel === '') return { ok: false, reason: 'workspace_root', input };
  if (rel.startsWith('..') || path.isAbsolute(rel)) return { ok: false, reason: 'outside_workspace', input };
  const parts = rel.split(path.sep);
  if (parts.includes('.git')) return { ok: false, reason: 'git_dir', input };
  return { ok: true, rel: parts.join('/') };
}

/** lstat, or undefined when the path does not exist (also through a file where a folder was expected). */
export function lstatMaybe(p: string): fs.Stats | undefined {
  try {
    return fs.lstatSync(p);
  } catch {
    return undefined;
  }
}

/** An empty, '.' or '..' component: such a path goes through path.join. */
const UNUSUAL_COMPONENT = /(?:^|\/)\.{0,2}(?:\/|$)/;

export function absPath(workspace: string, rel: string): string {
  // the common case, cheaply (a restore calls this several times per file)
  if (path.sep === '/' && !UNUSUAL_COMPONENT.test(rel)) return workspace.endsWith('/') ? workspace + rel : `${workspace}/${rel}`;
  return path.join(workspace, ...rel.split('/'));
}

export interface WorkFile {
  entry: FileEntry;
  size: number;
  /** content, when it was read in memory */
  content?: Buffer;
  stat: fs.Stats;
}

/** Files larger than this are hashed and stored by streaming through git instead of being read whole. */
const STREAM_THRESHOLD = 32 * 1024 * 1024;

export function modeOf(st: fs.Stats): string | undefined {
  if (st.isSymbolicLink()) return MODE_LINK;
  if (st.isFile()) return st.mode & 0o100 ? MODE_EXEC : MODE_FILE;
  return undefined;
}

/**
 * Reads a workspace file as a blob entry: undefined when it does not exist or
 * is not a file or symlink (a directory, a socket). Writes the blob into the
 * store when `db` is given.
 */
export async function readWorkFile(
  workspace: string,
  rel: string,
  db?: ObjectDb,
  storeLarge?: (abs: string) => Promise<string>,
): Promise<WorkFile | undefined> {
  const abs = absPath(workspace, rel);
  let st: fs.Stats;
  try {
    st = fs.lstatSync(abs);
  } catch {
    return undefined;
  }
  const mode = modeOf(st);
  if (!mode) return undefined;
  if (mode === MODE_LINK) {
    const content = Buffer.from(fs.readlinkSync(abs, { encoding: 'buffer' }));
    const sha = db ? db.write('blob', content) : hashObject('blob', content);
    return { entry: { mode, sha }, size: content.length, content, stat: st };
  }
  if (st.size > STREAM_THRESHOLD) {
    const sha = db && storeLarge ? await storeLarge(abs) : await hashFileStreaming(abs);
    return { entry: { mode, sha }, size: st.size, stat: st };
  }
  let content: Buffer;
  try {
    content = fs.readFileSync(abs);
  } catch {
    return undefined;
  }
  const sha = hashObject('blob', content);
  if (db) db.write('blob', content, sha);
  return { entry: { mode, sha }, size: content.length, content, stat: st };
}

/** The entry a workspace file has now, and its lstat (null: absent, or not a file or link). */
export interface FoundFile {
  entry: FileEntry | null;
  stat?: fs.Stats;
}

/**
 * What several workspace files are now, as readWorkFile sees them (nothing
 * is stored). Read one after another: small reads from the page cache cost
 * less in order than through the thread pool.
 */
export async function lookAtFiles(workspace: string, rels: string[]): Promise<Map<string, FoundFile>> {
  const out = new Map<string, FoundFile>();
  for (const rel of rels) {
    const wf = await readWorkFile(workspace, rel);
    out.set(rel, wf ? { entry: wf.entry, stat: wf.stat } : { entry: null });
  }
  return out;
}

async function hashFileStreaming(abs: string): Promise<string> {
  const st = fs.statSync(abs);
  const h = crypto.createHash('sha1');
  h.update(`blob ${st.size}\0`);
  for await (const chunk of fs.createReadStream(abs)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** Whether content looks binary the way git decides it (a NUL in the first 8000 bytes). */
export function isBinary(content: Buffer): boolean {
  return content.subarray(0, 8000).includes(0);
}
