import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { gitEnv, readBorrow, type GitContext } from './git.ts';
import { randomHex } from '../config/random.ts';

/**
 * The store's object database, read and written from Node where that saves a
 * process: a known-path checkpoint hashes a few files, writes their blobs and
 * the handful of trees on their paths as loose objects, and never spawns git.
 * Objects that are not loose here (packed after a gc, or borrowed from the
 * user's repository, see GitContext.borrow) are read through one long-lived
 * `git cat-file --batch-command`.
 */

export type ObjectType = 'blob' | 'tree' | 'commit' | 'tag';

export interface TreeEntry {
  /** '100644' | '100755' | '120000' | '40000' | '160000' */
  mode: string;
  name: string;
  sha: string;
}

export const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';
export const MODE_FILE = '100644';
export const MODE_EXEC = '100755';
export const MODE_LINK = '120000';
export const MODE_TREE = '40000';
export const MODE_GITLINK = '160000';

export function isTreeMode(mode: string): boolean {
  return mode === MODE_TREE || mode === '040000';
}

/**
 * Loose objects up to this size (header included) are written in stored
 * zlib blocks: a checkpoint's commit, small trees and small files. Setting
 * up a zlib context costs about 0.15 ms a call in the hook server, more than
 * the rest of writing such an object; deflating a few hundred bytes saves
 * little room. Larger objects are deflated.
 */
export const STORED_UP_TO = 4096;

/**
 * A zlib stream of `data` in stored (uncompressed) blocks, as
 * `zlib.deflateSync(data, { level: 0 })` makes it: the two-byte header,
 * blocks of at most 65,535 bytes, the Adler-32 of `data`. Git, and zlib,
 * read it like any other zlib stream.
 */
export function zlibStored(data: Buffer): Buffer {
  const blocks = Math.max(1, Math.ceil(data.length / 65535));
  const out = Buffer.allocUnsafe(2 + blocks * 5 + data.length + 4);
  out[0] = 0x78; // deflate, 32 KB window
  out[1] = 0x01; // no dictionary, fastest; (0x78 * 256 + 0x01) % 31 === 0
  let at = 2;
  for (let i = 0; i < blocks; i++) {
    const from = i * 65535;
    const len = Math.min(65535, data.length - from);
    out[at] = i === blocks - 1 ? 1 : 0; // BFINAL on the last block, BTYPE 00 (stored)
    out.writeUInt16LE(len, at + 1);
    out.writeUInt16LE(~len & 0xffff, at + 3);
    data.copy(out, at + 5, from, from + len);
    at += 5 + len;
  }
  out.writeUInt32BE(adler32(data), at);
  return out;
}

/** Adler-32 (RFC 1950), the checksum ending a zlib stream. */
export function adler32(data: Uint8Array): number {
  let a = 1;
  let b = 0;
  let i = 0;
  while (i < data.length) {
    // 5552 bytes is the most that can be summed before b could pass 2^32
    const end = Math.min(i + 5552, data.length);
    for (; i < end; i++) {
      a += data[i]!;
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return (b * 65536 + a) >>> 0;
}

export function hashObject(type: ObjectType, content: Buffer): string {
  const h = crypto.createHash('sha1');
  h.update(`${type} ${content.length}\0`);
  h.update(content);
  return h.digest('hex');
}

export class MissingObjectError extends Error {
  readonly sha: string;
  constructor(sha: string) {
    super(`object ${sha} is missing from the checkpoint store`);
    this.name = 'MissingObjectError';
    this.sha = sha;
  }
}

interface Pending {
  resolve: (v: { type: string; size: number; content?: Buffer } | undefined) => void;
  reject: (e: Error) => void;
  withContent: boolean;
}

/** One `git cat-file --batch-command` process answering `info` and `contents` requests in order. */
class CatFile {
  private proc: Proc | undefined;
  private readonly ctx: () => GitContext;

  constructor(ctx: () => GitContext) {
    this.ctx = ctx;
  }

  private start(): Proc {
    if (this.proc) return this.proc;
    const ctx = this.ctx();
    const child = spawn('git', ['cat-file', '--batch-command'], {
      cwd: ctx.gitDir,
      env: gitEnv(ctx),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const proc: Proc = { child, queue: [], head: Buffer.alloc(0), body: undefined };
    child.stdout.on('data', (b: Buffer) => feed(proc, b));
    child.stderr.on('data', () => {});
    child.stdin.on('error', () => {});
    const fail = (err: Error): void => {
      if (this.proc === proc) this.proc = undefined;
      for (const p of proc.queue.splice(0)) p.reject(err);
    };
    child.on('error', fail);
    child.on('close', () => fail(new Error('git cat-file exited')));
    this.proc = proc;
    return proc;
  }

  request(sha: string, withContent: boolean): Promise<{ type: string; size: number; content?: Buffer } | undefined> {
    if (!/^[0-9a-f]{40}$/.test(sha)) return Promise.resolve(undefined);
    return new Promise((resolve, reject) => {
      const proc = this.start();
      proc.queue.push({ resolve, reject, withContent });
      proc.child.stdin.write(`${withContent ? 'contents' : 'info'} ${sha}\n`);
    });
  }

  close(): void {
    if (this.proc) {
      this.proc.child.stdin.end();
      this.proc = undefined;
    }
  }
}

interface Proc {
  child: ChildProcessWithoutNullStreams;
  queue: Pending[];
  /** bytes of the header line being read */
  head: Buffer;
  /** the body being filled (size + trailing newline) */
  body: { type: string; size: number; data: Buffer; filled: number } | undefined;
}

/** Parses cat-file output incrementally; a large blob is copied once into its own buffer. */
function feed(proc: Proc, chunk: Buffer): void {
  let data = chunk;
  while (data.length > 0) {
    if (proc.body) {
      const b = proc.body;
      const n = Math.min(b.data.length - b.filled, data.length);
      data.copy(b.data, b.filled, 0, n);
      b.filled += n;
      data = data.subarray(n);
      if (b.filled === b.data.length) {
        proc.body = undefined;
        proc.queue.shift()?.resolve({ type: b.type, size: b.size, content: b.data.subarray(0, b.size) });
      }
      continue;
    }
    const nl = data.indexOf(10);
    if (nl < 0) {
      proc.head = Buffer.concat([proc.head, data]);
      return;
    }
    const header = Buffer.concat([proc.head, data.subarray(0, nl)]).toString('latin1');
    proc.head = Buffer.alloc(0);
    data = data.subarray(nl + 1);
    const waiting = proc.queue[0];
    if (!waiting) continue;
    if (header.endsWith(' missing') || header.endsWith(' ambiguous')) {
      proc.queue.shift();
      waiting.resolve(undefined);
      continue;
    }
    const [, type, sizeStr] = header.split(' ');
    const size = Number(sizeStr);
    if (!waiting.withContent) {
      proc.queue.shift();
      waiting.resolve({ type: type ?? '', size });
      continue;
    }
    proc.body = { type: type ?? '', size, data: Buffer.allocUnsafe(size + 1), filled: 0 };
  }
}

export class ObjectDb {
  readonly gitDir: string;
  readonly objectsDir: string;
  private alternates: string[] | undefined;
  private readonly cat: CatFile;
  private readonly treeCache = new Map<string, TreeEntry[]>();

  constructor(gitDir: string) {
    this.gitDir = gitDir;
    this.objectsDir = path.join(gitDir, 'objects');
    this.cat = new CatFile(() => ({ gitDir, borrow: this.alternateDirs() }));
  }

  private alternateDirs(): string[] {
    if (!this.alternates) this.alternates = readBorrow(this.gitDir);
    return this.alternates;
  }

  /** Forget cached alternates (after gc rewrote them). */
  reset(): void {
    this.alternates = undefined;
    this.treeCache.clear();
    this.cat.close();
  }

  private loosePath(dir: string, sha: string): string {
    return path.join(dir, sha.slice(0, 2), sha.slice(2));
  }

  /** The object folder the last loose read found its object in: a restore reads runs of objects from the same one. */
  private lastLooseDir: string | undefined;

  private readLoose(sha: string): { type: string; content: Buffer } | undefined {
    const dirs = [this.objectsDir, ...this.alternateDirs()];
    if (this.lastLooseDir !== undefined && dirs[0] !== this.lastLooseDir && dirs.includes(this.lastLooseDir)) dirs.unshift(this.lastLooseDir);
    const tried = new Set<string>();
    for (const dir of dirs) {
      if (tried.has(dir)) continue;
      tried.add(dir);
      let raw: Buffer;
      try {
        raw = fs.readFileSync(this.loosePath(dir, sha));
      } catch {
        continue;
      }
      this.lastLooseDir = dir;
      const data = zlib.inflateSync(raw);
      const nul = data.indexOf(0);
      const [type] = data.subarray(0, nul).toString('latin1').split(' ');
      return { type: type ?? '', content: data.subarray(nul + 1) };
    }
    return undefined;
  }

  private looseSize(sha: string): { type: string; size: number } | undefined {
    for (const dir of [this.objectsDir, ...this.alternateDirs()]) {
      let fd: number;
      try {
        fd = fs.openSync(this.loosePath(dir, sha), 'r');
      } catch {
        continue;
      }
      try {
        const head = Buffer.alloc(512);
        const n = fs.readSync(fd, head, 0, head.length, 0);
        const data = zlib.inflateSync(head.subarray(0, n), { finishFlush: zlib.constants.Z_SYNC_FLUSH });
        const nul = data.indexOf(0);
        const [type, size] = data.subarray(0, nul).toString('latin1').split(' ');
        return { type: type ?? '', size: Number(size) };
      } finally {
        fs.closeSync(fd);
      }
    }
    return undefined;
  }

  /** Whether the object exists (own store, alternates, or packed). */
  async has(sha: string): Promise<boolean> {
    if (this.looseExists(sha)) return true;
    return (await this.cat.request(sha, false)) !== undefined;
  }

  private looseExists(sha: string): boolean {
    for (const dir of [this.objectsDir, ...this.alternateDirs()]) {
      if (fs.existsSync(this.loosePath(dir, sha))) return true;
    }
    return false;
  }

  /** The ids among `shas` that are missing (requests are pipelined, not one round trip each). */
  async missing(shas: string[]): Promise<string[]> {
    const out: string[] = [];
    for (let i = 0; i < shas.length; i += 512) {
      const chunk = shas.slice(i, i + 512);
      const found = await Promise.all(chunk.map((s) => this.has(s)));
      chunk.forEach((s, j) => {
        if (!found[j]) out.push(s);
      });
    }
    return out;
  }

  /** Sizes of several objects, pipelined. */
  async sizes(shas: string[]): Promise<number[]> {
    const out: number[] = [];
    for (let i = 0; i < shas.length; i += 512) out.push(...(await Promise.all(shas.slice(i, i + 512).map((s) => this.size(s)))));
    return out;
  }

  async read(sha: string): Promise<{ type: string; content: Buffer }> {
    const loose = this.readLoose(sha);
    if (loose) return loose;
    const r = await this.cat.request(sha, true);
    if (!r || !r.content) throw new MissingObjectError(sha);
    return { type: r.type, content: r.content };
  }

  async readBlob(sha: string): Promise<Buffer> {
    const o = await this.read(sha);
    if (o.type !== 'blob') throw new Error(`object ${sha} is a ${o.type}, not a blob`);
    return o.content;
  }

  async size(sha: string): Promise<number> {
    const loose = this.looseSize(sha);
    if (loose) return loose.size;
    const r = await this.cat.request(sha, false);
    if (!r) throw new MissingObjectError(sha);
    return r.size;
  }

  /** Writes a loose object unless it already exists here; returns its id. */
  write(type: ObjectType, content: Buffer, knownSha?: string): string {
    const sha = knownSha ?? hashObject(type, content);
    const file = this.loosePath(this.objectsDir, sha);
    if (fs.existsSync(file)) return sha;
    const dir = path.dirname(file);
    const tmp = path.join(dir, `tmp_obj_${process.pid}_${randomHex(6)}`);
    const raw = Buffer.concat([Buffer.from(`${type} ${content.length}\0`), content]);
    const data = raw.length <= STORED_UP_TO ? zlibStored(raw) : zlib.deflateSync(raw, { level: 1 });
    try {
      fs.writeFileSync(tmp, data, { mode: 0o444 });
    } catch (err) {
      // the first object of its fan-out folder (made only then: a mkdir per write cost two calls)
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(tmp, data, { mode: 0o444 });
    }
    try {
      fs.renameSync(tmp, file);
    } catch (err) {
      fs.rmSync(tmp, { force: true });
      if (!fs.existsSync(file)) throw err;
    }
    return sha;
  }

  async readTree(sha: string): Promise<TreeEntry[]> {
    return this.treeNow(sha) ?? this.cacheTree(sha, await this.read(sha));
  }

  /** A tree without waiting, when it is cached or loose (undefined: it must be asked of git, see readTree). */
  treeNow(sha: string): TreeEntry[] | undefined {
    if (sha === EMPTY_TREE) return [];
    const cached = this.treeCache.get(sha);
    if (cached) return cached;
    const loose = this.readLoose(sha);
    return loose ? this.cacheTree(sha, loose) : undefined;
  }

  private cacheTree(sha: string, o: { type: string; content: Buffer }): TreeEntry[] {
    if (o.type !== 'tree') throw new Error(`object ${sha} is a ${o.type}, not a tree`);
    const entries = parseTree(o.content);
    if (this.treeCache.size > 20000) this.treeCache.clear();
    this.treeCache.set(sha, entries);
    return entries;
  }

  writeTree(entries: TreeEntry[]): string {
    const sorted = sortedEntries(entries);
    const sha = this.write('tree', serializeTree(sorted));
    this.treeCache.set(sha, sorted);
    return sha;
  }

  close(): void {
    this.cat.close();
  }
}

function sortKey(e: TreeEntry): string {
  return isTreeMode(e.mode) ? e.name + '/' : e.name;
}

/**
 * git's tree order: by name bytes, a tree sorting as if its name ended in
 * '/'. Compared as UTF-16 units up to the first difference, which orders
 * like UTF-8 bytes unless that difference involves a surrogate (then the
 * bytes are compared).
 */
export function compareTreeEntries(a: TreeEntry, b: TreeEntry): number {
  const an = a.name;
  const bn = b.name;
  const al = an.length + (isTreeMode(a.mode) ? 1 : 0);
  const bl = bn.length + (isTreeMode(b.mode) ? 1 : 0);
  const n = Math.min(al, bl);
  for (let i = 0; i < n; i++) {
    const ca = i < an.length ? an.charCodeAt(i) : 0x2f;
    const cb = i < bn.length ? bn.charCodeAt(i) : 0x2f;
    if (ca === cb) continue;
    if (ca < 0xd800 && cb < 0xd800) return ca - cb;
    return Buffer.compare(Buffer.from(sortKey(a), 'utf8'), Buffer.from(sortKey(b), 'utf8'));
  }
  return al - bl;
}

/** Entries in git's tree order (most trees come out of an edit already in order: that is checked first). */
function sortedEntries(entries: TreeEntry[]): TreeEntry[] {
  for (let i = 1; i < entries.length; i++) {
    if (compareTreeEntries(entries[i - 1]!, entries[i]!) > 0) return [...entries].sort(compareTreeEntries);
  }
  return entries;
}

/** The bytes each parsed entry had in its tree, reused when a tree with that entry is written. */
const entryBytes = new WeakMap<TreeEntry, Buffer>();

export function parseTree(buf: Buffer): TreeEntry[] {
  const entries: TreeEntry[] = [];
  let i = 0;
  while (i < buf.length) {
    const sp = buf.indexOf(32, i);
    const nul = buf.indexOf(0, sp);
    const mode = buf.subarray(i, sp).toString('latin1');
    const name = buf.subarray(sp + 1, nul).toString('utf8');
    const sha = buf.subarray(nul + 1, nul + 21).toString('hex');
    const entry = { mode, name, sha };
    entryBytes.set(entry, buf.subarray(i, nul + 21));
    entries.push(entry);
    i = nul + 21;
  }
  return entries;
}

export function serializeTree(entries: TreeEntry[]): Buffer {
  // one buffer, sized first: trees are written by the thousand when many files
  // change, and most of their entries are copied as they were read
  const parts = entries.map((e) => entryBytes.get(e) ?? `${isTreeMode(e.mode) ? MODE_TREE : e.mode} ${e.name}\0`);
  let size = 0;
  for (const p of parts) size += typeof p === 'string' ? Buffer.byteLength(p, 'utf8') + 20 : p.length;
  const out = Buffer.allocUnsafe(size);
  let pos = 0;
  parts.forEach((p, i) => {
    if (typeof p !== 'string') pos += p.copy(out, pos);
    else {
      pos += out.write(p, pos, 'utf8');
      pos += out.write(entries[i]!.sha, pos, 'hex');
    }
  });
  return out;
}

export interface CommitFields {
  tree: string;
  parents?: string[];
  time: Date;
  message: string;
}

export function serializeCommit(c: CommitFields): Buffer {
  const secs = Math.floor(c.time.getTime() / 1000);
  const who = `Belay <belay@localhost> ${secs} +0000`;
  const lines = [`tree ${c.tree}`, ...(c.parents ?? []).map((p) => `parent ${p}`), `author ${who}`, `committer ${who}`, '', c.message];
  return Buffer.from(lines.join('\n'), 'utf8');
}

export function parseCommit(buf: Buffer): { tree: string; message: string } {
  const text = buf.toString('utf8');
  const split = text.indexOf('\n\n');
  const header = split >= 0 ? text.slice(0, split) : text;
  const message = split >= 0 ? text.slice(split + 2) : '';
  const tree = /^tree ([0-9a-f]{40})$/m.exec(header)?.[1];
  if (!tree) throw new Error('commit without a tree');
  return { tree, message };
}
