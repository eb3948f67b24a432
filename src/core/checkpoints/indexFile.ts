import crypto from 'node:crypto';

/**
 * Reading and writing git's index file (versions 2-4), enough to seed the
 * store's stat cache from the user's index: the entries' stat data tells git
 * which files are unchanged since they were last hashed, so the store's
 * first checkpoint costs a `stat` per file instead of a read.
 */

export interface IndexEntry {
  ctimeSec: number;
  ctimeNsec: number;
  mtimeSec: number;
  mtimeNsec: number;
  dev: number;
  ino: number;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  sha: string;
  /** 0 for merged entries, 1-3 for conflict stages */
  stage: number;
  assumeValid: boolean;
  skipWorktree: boolean;
  intentToAdd: boolean;
  path: string;
}

export interface ParsedIndex {
  version: number;
  entries: IndexEntry[];
  /** signatures of the extensions present (e.g. 'TREE', 'link', 'sdir') */
  extensions: string[];
}

function decodeVarint(buf: Buffer, pos: number): { value: number; next: number } {
  let c = buf[pos++]!;
  let value = c & 127;
  while (c & 128) {
    value += 1;
    c = buf[pos++]!;
    value = value * 128 + (c & 127);
  }
  return { value, next: pos };
}

/** Parses an index file (sha1 repositories only); throws on anything unexpected. */
export function parseIndex(buf: Buffer): ParsedIndex {
  if (buf.length < 32 || buf.toString('latin1', 0, 4) !== 'DIRC') throw new Error('not a git index');
  const body = buf.subarray(0, buf.length - 20);
  const digest = crypto.createHash('sha1').update(body).digest();
  const trailer = buf.subarray(buf.length - 20);
  if (!digest.equals(trailer) && !trailer.equals(Buffer.alloc(20))) throw new Error('index checksum mismatch');
  const version = buf.readUInt32BE(4);
  if (version < 2 || version > 4) throw new Error(`unsupported index version ${version}`);
  const count = buf.readUInt32BE(8);
  const entries: IndexEntry[] = [];
  let pos = 12;
  let previous: Buffer = Buffer.alloc(0);
  for (let i = 0; i < count; i++) {
    const start = pos;
    const flags = buf.readUInt16BE(pos + 60);
    let extended = 0;
    let next = pos + 62;
    if (flags & 0x4000) {
      if (version < 3) throw new Error('extended flag in a version 2 index');
      extended = buf.readUInt16BE(next);
      next += 2;
    }
    let name: Buffer;
    if (version === 4) {
      const { value: strip, next: after } = decodeVarint(buf, next);
      const nul = buf.indexOf(0, after);
      name = Buffer.concat([previous.subarray(0, previous.length - strip), buf.subarray(after, nul)]);
      next = nul + 1;
    } else {
      const nul = buf.indexOf(0, next);
      name = buf.subarray(next, nul);
      next = start + ((nul - start + 8) & ~7);
    }
    previous = name;
    entries.push({
      ctimeSec: buf.readUInt32BE(start),
      ctimeNsec: buf.readUInt32BE(start + 4),
      mtimeSec: buf.readUInt32BE(start + 8),
      mtimeNsec: buf.readUInt32BE(start + 12),
      dev: buf.readUInt32BE(start + 16),
      ino: buf.readUInt32BE(start + 20),
      mode: buf.readUInt32BE(start + 24),
      uid: buf.readUInt32BE(start + 28),
      gid: buf.readUInt32BE(start + 32),
      size: buf.readUInt32BE(start + 36),
      sha: buf.toString('hex', start + 40, start + 60),
      stage: (flags >> 12) & 3,
      assumeValid: (flags & 0x8000) !== 0,
      skipWorktree: (extended & 0x4000) !== 0,
      intentToAdd: (extended & 0x2000) !== 0,
      path: name.toString('utf8'),
    });
    pos = next;
  }
  const extensions: string[] = [];
  while (pos + 8 <= body.length) {
    extensions.push(buf.toString('latin1', pos, pos + 4));
    pos += 8 + buf.readUInt32BE(pos + 4);
  }
  return { version, entries, extensions };
}

/** Writes a version 2 index with no extensions (git rebuilds its caches on the next write). */
export function serializeIndex(entries: IndexEntry[]): Buffer {
  const named = entries.map((e) => ({ e, name: Buffer.from(e.path, 'utf8') }));
  let ordered = true;
  for (let i = 1; i < named.length && ordered; i++) ordered = (Buffer.compare(named[i - 1]!.name, named[i]!.name) || named[i - 1]!.e.stage - named[i]!.e.stage) < 0;
  if (!ordered) named.sort((a, b) => Buffer.compare(a.name, b.name) || a.e.stage - b.e.stage);
  let total = 12;
  for (const { name } of named) total += (62 + name.length + 8) & ~7;
  const out = Buffer.alloc(total + 20);
  out.write('DIRC', 0, 'latin1');
  out.writeUInt32BE(2, 4);
  out.writeUInt32BE(named.length, 8);
  let pos = 12;
  for (const { e, name } of named) {
    const len = 62 + name.length;
    const padded = (len + 8) & ~7;
    const b = out.subarray(pos, pos + padded);
    pos += padded;
    b.writeUInt32BE(e.ctimeSec >>> 0, 0);
    b.writeUInt32BE(e.ctimeNsec >>> 0, 4);
    b.writeUInt32BE(e.mtimeSec >>> 0, 8);
    b.writeUInt32BE(e.mtimeNsec >>> 0, 12);
    b.writeUInt32BE(e.dev >>> 0, 16);
    b.writeUInt32BE(e.ino >>> 0, 20);
    b.writeUInt32BE(e.mode >>> 0, 24);
    b.writeUInt32BE(e.uid >>> 0, 28);
    b.writeUInt32BE(e.gid >>> 0, 32);
    b.writeUInt32BE(e.size >>> 0, 36);
    Buffer.from(e.sha, 'hex').copy(b, 40);
    b.writeUInt16BE(((e.stage & 3) << 12) | Math.min(name.length, 0xfff), 60);
    name.copy(b, 62);
  }
  crypto.createHash('sha1').update(out.subarray(0, pos)).digest().copy(out, pos);
  return out;
}
