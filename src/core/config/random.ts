import crypto from 'node:crypto';

/**
 * Random bytes drawn from a 4 KB buffer of the system's randomness, refilled
 * as it runs out, for names, nonces and ids that only have to be unique:
 * one trip to the random source per 4 KB instead of one per name. A buffer,
 * once drawn from, is never written again, so what `take` hands out stays
 * as it was.
 */
export class RandomPool {
  #buf = Buffer.alloc(0);
  #at = 0;

  /** The next `n` bytes (a view into the pool). */
  take(n: number): Buffer {
    if (this.#at + n > this.#buf.length) {
      this.#buf = crypto.randomBytes(Math.max(4096, n));
      this.#at = 0;
    }
    const bytes = this.#buf.subarray(this.#at, this.#at + n);
    this.#at += n;
    return bytes;
  }
}

const shared = new RandomPool();

/** `bytes` random bytes as hex, from this process's pool (temporary file names, a commit's nonce, a lock's token). */
export function randomHex(bytes: number): string {
  return shared.take(bytes).toString('hex');
}
