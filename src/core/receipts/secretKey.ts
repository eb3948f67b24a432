import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ReceiptStoreError } from './errors.ts';

/**
 * The per-install HMAC key that signs receipt events: 32 random bytes, stored
 * as hex in `<belayHome>/secret.key` with mode 0600, created on first use.
 * Creation is atomic (written to a private temporary file, then hard-linked
 * into place), so processes racing to create it all end up with the same key
 * and no one ever reads a half-written file.
 */
export interface SecretKey {
  key: Buffer;
  /** the key as a KeyObject: HMACs with it cost a fraction of those with a Buffer */
  keyObject: crypto.KeyObject;
  /** first 8 hex characters of SHA-256(key): names the key in every signed event */
  id: string;
  file: string;
}

export function keyIdOf(key: Buffer): string {
  return crypto.createHash('sha256').update(key).digest('hex').slice(0, 8);
}

function parseKey(text: string, file: string): Buffer {
  const hex = text.trim();
  if (!/^[0-9a-f]{64}$/i.test(hex)) {
    throw new ReceiptStoreError('key', `the receipt signing key ${file} is not 64 hex characters; restore it from a backup, or move it aside to create a new key (receipts signed with the old key will then fail verification)`);
  }
  return Buffer.from(hex, 'hex');
}

export function loadOrCreateSecretKey(file: string): SecretKey {
  const read = (): SecretKey | undefined => {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new ReceiptStoreError('key', `cannot read the receipt signing key ${file}: ${(err as Error).message}`);
    }
    const key = parseKey(text, file);
    tightenMode(file);
    return { key, keyObject: crypto.createSecretKey(key), id: keyIdOf(key), file };
  };
  const existing = read();
  if (existing) return existing;

  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
  const hex = crypto.randomBytes(32).toString('hex');
  try {
    fs.writeFileSync(tmp, hex + '\n', { mode: 0o600, flag: 'wx' });
    const fd = fs.openSync(tmp, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    try {
      fs.linkSync(tmp, file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  } finally {
    try {
      fs.unlinkSync(tmp);
    } catch {
      // already gone
    }
  }
  const created = read();
  if (!created) throw new ReceiptStoreError('key', `could not create the receipt signing key ${file}`);
  return created;
}

/** The key must be readable by its owner only; repair a looser mode silently (POSIX only). */
function tightenMode(file: string): void {
  if (process.platform === 'win32') return;
  try {
    const st = fs.statSync(file);
    if ((st.mode & 0o077) !== 0) fs.chmodSync(file, 0o600);
  } catch {
    // best effort
  }
}

/** True when `file` lies inside `dir` (both resolved). */
export function isInside(file: string, dir: string): boolean {
  const rel = path.relative(path.resolve(dir), path.resolve(file));
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}
