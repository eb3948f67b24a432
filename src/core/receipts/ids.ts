import { RandomPool } from '../config/random.ts';

/**
 * Receipt ids: 10 characters of lower-case Crockford base32 (digits and
 * letters without i, l, o, u), e.g. `k7m2q9xv3d` — 50 random bits, easy to
 * read aloud and to type, and a short prefix (like a git hash) usually names
 * one receipt. The store checks uniqueness when it allocates one.
 */
export const ID_ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
export const ID_LENGTH = 10;

/** Mints ids from a pool of random bytes (see RandomPool: one trip to the random source per ~400 ids). */
export class IdSource {
  readonly #pool = new RandomPool();

  next(length = ID_LENGTH): string {
    const bytes = this.#pool.take(length);
    let id = '';
    for (let i = 0; i < length; i++) id += ID_ALPHABET[(bytes[i] ?? 0) & 31];
    return id;
  }
}

/**
 * What a person typed, read the Crockford way: case-insensitive, `i`/`l` as 1,
 * `o` as 0, hyphens and spaces ignored. Returns undefined when it cannot be
 * part of an id minted here (older ids migrated from schema v1 are matched
 * verbatim by the store).
 */
export function normaliseIdPrefix(input: string): string | undefined {
  const s = input.trim().toLowerCase().replace(/[\s-]/g, '').replace(/[il]/g, '1').replace(/o/g, '0');
  if (s === '' || s.length > ID_LENGTH) return undefined;
  for (const ch of s) if (!ID_ALPHABET.includes(ch)) return undefined;
  return s;
}
