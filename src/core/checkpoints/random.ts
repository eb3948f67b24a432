import crypto from 'node:crypto';

let pool = Buffer.alloc(0);
let at = 0;

/**
 * `bytes` random bytes as hex, for names and nonces that only have to be
 * unique (temporary files, a commit's nonce, a lock's token): drawn from a
 * 4 KB buffer of the system's randomness refilled as it runs out, where a
 * call per name cost a trip to the random source each.
 */
export function randomHex(bytes: number): string {
  if (at + bytes > pool.length) {
    pool = crypto.randomBytes(Math.max(4096, bytes));
    at = 0;
  }
  const hex = pool.toString('hex', at, at + bytes);
  at += bytes;
  return hex;
}
