/**
 * Canonical JSON for hashing: object keys sorted by UTF-16 code units (what
 * `Array.prototype.sort` does), no whitespace, `undefined` members dropped,
 * numbers and strings as `JSON.stringify` writes them. For the JSON values a
 * receipt holds this is the JSON Canonicalization Scheme (RFC 8785).
 *
 * The receipt chain hashes the exact stored text, so a verifier outside Belay
 * never needs to re-canonicalise; this function only fixes how that text is
 * produced in the first place.
 */
export function canonicalJson(value: unknown): string {
  // Values built by Belay (redaction copies objects with sorted keys) are
  // usually in canonical order already: then the native writer is exact.
  if (inCanonicalOrder(value, 0)) return JSON.stringify(value) ?? 'null';
  const sorted = sortKeys(value, 0);
  if (sorted !== FALLBACK) return JSON.stringify(sorted) ?? 'null';
  const out: string[] = [];
  write(value, out);
  return out.join('');
}

const FALLBACK = Symbol('fallback');

/** True when JSON.stringify(value) already is the canonical text: keys sorted, nothing it would write differently. */
function inCanonicalOrder(value: unknown, depth: number): boolean {
  if (value === null || typeof value !== 'object') return typeof value !== 'bigint';
  if (depth > 200) return false;
  if (Array.isArray(value)) {
    for (const v of value) if (!inCanonicalOrder(v, depth + 1)) return false;
    return true;
  }
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return false;
  const obj = value as Record<string, unknown>;
  let prev: string | undefined;
  for (const k in obj) {
    if (prev !== undefined && !(prev < k)) return false;
    if (prev === undefined && INDEX_LIKE.test(k)) return false;
    prev = k;
    if (!inCanonicalOrder(obj[k], depth + 1)) return false;
  }
  return true;
}
const INDEX_LIKE = /^(?:0|[1-9]\d*)$/;

/**
 * Fast path: a copy with keys inserted in sorted order, so the native
 * JSON.stringify writes them sorted. JavaScript puts integer-like keys
 * ("0", "42") first whatever the insertion order, so such objects (and
 * toJSON, non-finite numbers, bigints) fall back to the explicit writer.
 */
function sortKeys(value: unknown, depth: number): unknown {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) return FALLBACK;
    if (typeof value === 'bigint') return FALLBACK;
    return value;
  }
  if (depth > 200) return FALLBACK;
  if (Array.isArray(value)) {
    const arr = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) {
      const v = sortKeys(value[i], depth + 1);
      if (v === FALLBACK) return FALLBACK;
      arr[i] = v;
    }
    return arr;
  }
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return FALLBACK;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).sort();
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    if (INDEX_LIKE.test(k)) return FALLBACK;
    const v = sortKeys(obj[k], depth + 1);
    if (v === FALLBACK) return FALLBACK;
    out[k] = v;
  }
  return out;
}

function write(value: unknown, out: string[]): void {
  if (value === null) {
    out.push('null');
    return;
  }
  switch (typeof value) {
    case 'string':
      out.push(JSON.stringify(value));
      return;
    case 'number':
      out.push(Number.isFinite(value) ? JSON.stringify(value) : 'null');
      return;
    case 'boolean':
      out.push(value ? 'true' : 'false');
      return;
    case 'bigint':
      out.push(JSON.stringify(value.toString()));
      return;
    case 'object': {
      if (Array.isArray(value)) {
        out.push('[');
        for (let i = 0; i < value.length; i++) {
          if (i > 0) out.push(',');
          const item: unknown = value[i];
          // JSON.stringify writes null for undefined/function array members.
          write(item === undefined || typeof item === 'function' || typeof item === 'symbol' ? null : item, out);
        }
        out.push(']');
        return;
      }
      const withJson = value as { toJSON?: () => unknown };
      if (typeof withJson.toJSON === 'function') {
        write(withJson.toJSON(), out);
        return;
      }
      const obj = value as Record<string, unknown>;
      const keys = Object.keys(obj).sort();
      out.push('{');
      let first = true;
      for (const key of keys) {
        const v = obj[key];
        if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue;
        if (!first) out.push(',');
        first = false;
        out.push(JSON.stringify(key), ':');
        write(v, out);
      }
      out.push('}');
      return;
    }
    default:
      // undefined, functions and symbols at the top level
      out.push('null');
  }
}
