import fs from 'node:fs';
import path from 'node:path';
import { runGit } from './git.ts';
import { parseCommit, serializeCommit, type ObjectDb } from './objects.ts';
import type { ChangedPath, Checkpoint, CheckpointKind } from './types.ts';
import { randomHex } from '../config/random.ts';

/**
 * The list of checkpoints. Each checkpoint is one parentless commit whose
 * tree is the workspace as the checkpoint saw it and whose message carries
 * the metadata as JSON; one ref per checkpoint keeps it alive:
 * `refs/belay/cp/<seq>-<id>`. Creating that ref is the single atomic step
 * that makes a checkpoint exist, so a process killed earlier leaves only
 * unreferenced objects behind. Commits have no git parents so that garbage
 * collection can drop any old checkpoint without rewriting the others; the
 * checkpoint order is the sequence number and `parent` is metadata.
 */

export const REF_DIR = 'refs/belay/cp';
const REF_RE = /^(\d{10})-([0-9a-f]{40})$/;

/** What a restore, rollback or undo recorded, so it can be undone. */
export interface OpRecord {
  type: 'restore' | 'rollback' | 'undo-restore' | 'recovered-restore';
  /** the safety checkpoint taken before acting */
  safety: string;
  /** restore: the checkpoint restored; rollback: before/after of the undone action */
  target?: string;
  before?: string;
  after?: string;
  /** the files the operation changed */
  paths: string[];
}

export interface Skipped {
  path: string;
  reason: 'too_large' | 'outside_workspace' | 'git_dir' | 'unreadable' | 'workspace_root';
  size?: number;
}

export interface Meta {
  v: 1;
  seq: number;
  kind: CheckpointKind;
  name?: string;
  parent?: string;
  receiptId?: string;
  createdAt: string;
  scope: 'paths' | 'full';
  tookMs: number;
  changed: ChangedPath[];
  /** how many paths changed (changed may be cut short) */
  changedCount: number;
  /** scope 'paths': the files this checkpoint looked at */
  paths?: string[];
  skipped?: Skipped[];
  op?: OpRecord;
  /** the first checkpoint of a big workspace: its files are not listed as changes */
  baseline?: boolean;
}

export const MAX_STORED_CHANGES = 2000;

export interface RefInfo {
  seq: number;
  id: string;
  ref: string;
}

/** All checkpoint refs (loose and packed), oldest first. */
export function listRefs(gitDir: string): RefInfo[] {
  const byId = new Map<string, RefInfo>();
  try {
    const packed = fs.readFileSync(path.join(gitDir, 'packed-refs'), 'utf8');
    for (const line of packed.split('\n')) {
      if (line.startsWith('#') || line.startsWith('^')) continue;
      const sp = line.indexOf(' ');
      const ref = line.slice(sp + 1);
      if (!ref.startsWith(REF_DIR + '/')) continue;
      const m = REF_RE.exec(ref.slice(REF_DIR.length + 1));
      if (m) byId.set(m[2]!, { seq: Number(m[1]), id: m[2]!, ref });
    }
  } catch {
    /* no packed refs */
  }
  let names: string[] = [];
  try {
    names = fs.readdirSync(path.join(gitDir, REF_DIR));
  } catch {
    /* none yet */
  }
  for (const name of names) {
    const m = REF_RE.exec(name);
    if (m) byId.set(m[2]!, { seq: Number(m[1]), id: m[2]!, ref: `${REF_DIR}/${name}` });
  }
  return [...byId.values()].sort((a, b) => a.seq - b.seq);
}

/** Names the newest checkpoint's ref, so finding it need not list them all (see readHeadHint). */
export const HEAD_HINT = 'belay-head';

/**
 * The newest checkpoint, without listing every ref (a store keeps thousands).
 * writeRef, under the store lock, records the name of the ref it is about to
 * create here before creating it, so while that ref exists it is the newest.
 * A hint whose ref is missing (a writer killed between the two steps, refs
 * packed or collected since) answers nothing, and the caller lists the refs.
 */
export function readHeadHint(gitDir: string): RefInfo | undefined {
  let name: string;
  try {
    name = fs.readFileSync(path.join(gitDir, HEAD_HINT), 'utf8').split('\n', 1)[0]!;
  } catch {
    return undefined;
  }
  const m = REF_RE.exec(name);
  if (!m || !fs.existsSync(path.join(gitDir, REF_DIR, name))) return undefined;
  return { seq: Number(m[1]), id: m[2]!, ref: `${REF_DIR}/${name}` };
}

/**
 * Overwrites the hint in place. Every name has the same length, so nothing of
 * the previous one is left. (Not through a file renamed over it: ext4 then
 * flushes the new file to disk first, which cost milliseconds per checkpoint.
 * Only the lock holder reads or writes the hint, and a torn or half-written
 * one names no ref.)
 */
function writeHeadHint(gitDir: string, name: string): void {
  const text = name + '\n';
  const fd = fs.openSync(path.join(gitDir, HEAD_HINT), fs.constants.O_WRONLY | fs.constants.O_CREAT, 0o644);
  try {
    fs.writeSync(fd, text, 0);
    if (fs.fstatSync(fd).size !== Buffer.byteLength(text)) fs.ftruncateSync(fd, Buffer.byteLength(text));
  } finally {
    fs.closeSync(fd);
  }
}

/** Creates a checkpoint's ref: the commit point of a checkpoint. The caller holds the store lock. */
export function writeRef(gitDir: string, seq: number, id: string): string {
  const name = `${String(seq).padStart(10, '0')}-${id}`;
  const dir = path.join(gitDir, REF_DIR);
  writeHeadHint(gitDir, name);
  const file = path.join(dir, name);
  const tmp = `${file}.lock`;
  try {
    fs.writeFileSync(tmp, id + '\n');
  } catch (err) {
    // the store's first checkpoint (or gc packed every ref and removed the folder)
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(tmp, id + '\n');
  }
  fs.renameSync(tmp, file);
  return `${REF_DIR}/${name}`;
}

export async function deleteRefs(gitDir: string, refs: string[]): Promise<void> {
  if (refs.length === 0) return;
  await runGit({ gitDir }, ['update-ref', '--no-deref', '--stdin', '-z'], {
    input: refs.map((r) => `delete ${r}\0\0`).join(''),
  });
}

export function encodeMessage(meta: Meta): string {
  const title = `belay ${meta.kind}${meta.name ? `: ${meta.name.replace(/\s+/g, ' ').slice(0, 200)}` : ''}`;
  return `${title}\n\n${JSON.stringify(meta)}\n`;
}

export function decodeMessage(message: string): Meta {
  const i = message.indexOf('\n\n');
  const meta = JSON.parse(i >= 0 ? message.slice(i + 2) : message) as Meta;
  if (meta.v !== 1 || typeof meta.seq !== 'number') throw new Error('not a Belay checkpoint');
  return meta;
}

/** Writes the commit object for a checkpoint (not yet visible: see writeRef). */
export function writeCheckpointCommit(db: ObjectDb, tree: string, meta: Meta): string {
  // A random nonce keeps ids unique even for identical metadata within one second.
  const content = serializeCommit({ tree, time: new Date(meta.createdAt), message: encodeMessage(meta) + `\nnonce ${randomHex(6)}\n` });
  return db.write('commit', content);
}

export interface Loaded {
  checkpoint: Checkpoint;
  meta: Meta;
  tree: string;
}

export function toCheckpoint(id: string, meta: Meta): Checkpoint {
  const cp: Checkpoint = {
    id,
    kind: meta.kind,
    createdAt: meta.createdAt,
    changed: meta.changed,
    scope: meta.scope,
    tookMs: meta.tookMs,
    seq: meta.seq,
    changedCount: meta.changedCount,
  };
  if (meta.name !== undefined) cp.name = meta.name;
  if (meta.parent !== undefined) cp.parent = meta.parent;
  if (meta.receiptId !== undefined) cp.receiptId = meta.receiptId;
  if (meta.paths) cp.observed = meta.paths;
  if (meta.skipped && meta.skipped.length > 0) cp.skipped = meta.skipped;
  if (meta.op) cp.op = { type: meta.op.type, safety: meta.op.safety, paths: meta.op.paths.length };
  if (meta.baseline) cp.baseline = true;
  return cp;
}

export async function loadCheckpoint(db: ObjectDb, id: string): Promise<Loaded> {
  const { content, type } = await db.read(id);
  if (type !== 'commit') throw new Error(`${id} is not a checkpoint`);
  const { tree, message } = parseCommit(content);
  const body = message.replace(/\nnonce [0-9a-f]+\n?$/, '');
  const meta = decodeMessage(body);
  return { checkpoint: toCheckpoint(id, meta), meta, tree };
}
