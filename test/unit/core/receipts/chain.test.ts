import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it, mock } from 'node:test';
import { canonicalJson } from '../../../../src/core/receipts/canonical.ts';
import { COMPACT_TOKENS, compactText, DEFLATE_FROM, docText, EventSigner, eventText, expandText, macHex, MAX_CLOCK_SMOOTHING_MS, nextTime, packBody, sha256Hex, unpackBody } from '../../../../src/core/receipts/chain.ts';
import { openSqlite } from '../../../../src/core/config/sqlite.ts';
import { editReceipt } from './helpers.ts';
import type { EventDoc } from '../../../../src/core/receipts/chain.ts';
import { ID_ALPHABET, IdSource, normaliseIdPrefix } from '../../../../src/core/receipts/ids.ts';
import { loadOrCreateSecretKey } from '../../../../src/core/receipts/secretKey.ts';
import { sandbox } from './helpers.ts';

describe('canonical JSON', () => {
  it('sorts keys at every depth, drops undefined, writes no whitespace', () => {
    assert.equal(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: undefined, x: 'é' }], c: null } }), '{"a":{"c":null,"d":[3,{"x":"é","z":1}]},"b":1}');
  });

  it('orders integer-like keys as strings too (JavaScript would put them first)', () => {
    assert.equal(canonicalJson({ b: 1, 10: 'x', 2: 'y', a: 0 }), '{"10":"x","2":"y","a":0,"b":1}');
  });

  it('sorts by UTF-16 code units and escapes like JSON.stringify', () => {
    assert.equal(canonicalJson({ '\u00e9': 1, z: 2, '\ud83d\ude00': 3, 'line\nbreak': '"q"' }), '{"line\\nbreak":"\\"q\\"","z":2,"é":1,"😀":3}');
  });

  it('writes non-finite numbers as null, like JSON', () => {
    assert.equal(canonicalJson({ a: Number.NaN, b: [Infinity] }), '{"a":null,"b":[null]}');
  });

  it('an event text built by concatenation is byte for byte the canonical JSON of the document', () => {
    const bodies: Record<string, unknown>[] = [{}, { z: 1, a: [1, 2], '0': 'x', s: 'ü "q" \\' }, { nested: { b: 2, a: 1 } }];
    for (const body of bodies) {
      for (const extra of [{}, { receipt: 'k7m2q9xv3d', n: 12 }, { receipt: '7c1f0b9e-0000-4000-8000-000000000001' }]) {
        const doc: EventDoc = { v: 1, seq: 42, prev: 'ab'.repeat(32), time: '2025-01-01T00:00:00.000Z', type: 'create', key: 'deadbeef', body, ...extra };
        assert.equal(eventText(doc, canonicalJson(body)), canonicalJson(doc));
      }
    }
  });
});

describe('stored documents', () => {
  it('compaction is reversible, for any text JSON can hold', () => {
    assert.ok(COMPACT_TOKENS.length <= 31);
    const samples = [
      '',
      COMPACT_TOKENS.join(''),
      COMPACT_TOKENS.join('x'),
      '{"body":{"action":{"kind":"edit"}},"key":"abc","prev":"00","receipt":"r","seq":1,"time":"2025","type":"create","v":1}',
      JSON.stringify({ s: '\u0001 stays escaped', t: ',"key":" inside a string is escaped too' }),
      'ü😀'.repeat(50),
    ];
    for (const text of samples) assert.equal(expandText(compactText(text)), text);
    assert.ok(compactText(COMPACT_TOKENS.join('')).length === COMPACT_TOKENS.length);
    for (const json of ['{}', JSON.stringify({ s: 'ü😀\n"'.repeat(400) })]) assert.equal(unpackBody(packBody(json)), json);
  });

  it('come back byte for byte: typical bodies compacted text, large ones deflated', () => {
    const sb = sandbox();
    try {
      const store = sb.open();
      const r = store.append(editReceipt());
      store.complete(r.id, { outcome: 'done' });
      const big = store.append(editReceipt({ input: { file_path: 'src/big.ts', content: 'export const x = 1;\n'.repeat(150) } }));
      store.close();
      const db = openSqlite(sb.file, { readonly: true });
      const rows = db.prepare<[string, string], { seq: number; body: string | Buffer; tail: string; hash: Buffer }>('SELECT seq, body, tail, hash FROM events WHERE receipt IN (?, ?) ORDER BY seq').all(r.id, big.id);
      db.close();
      assert.equal(rows.length, 3);
      const [create, complete, large] = rows as [(typeof rows)[0], (typeof rows)[0], (typeof rows)[0]];
      assert.equal(typeof create.body, 'string');
      assert.ok(create.body.length + create.tail.length < docText(create).length * 0.75, 'compaction saves a quarter or more');
      assert.equal(typeof complete.body, 'string');
      assert.ok(Buffer.isBuffer(large.body), 'a large body is deflated');
      assert.ok(docText(large).length >= DEFLATE_FROM);
      for (const row of rows) assert.equal(crypto.createHash('sha256').update(docText(row)).digest('hex'), row.hash.toString('hex'));
    } finally {
      sb.cleanup();
    }
  });
});

describe('signatures', () => {
  it('the event signer computes HMAC-SHA-256 exactly as createHmac does', () => {
    for (const key of [crypto.randomBytes(32), Buffer.alloc(32), Buffer.alloc(32, 0xff), crypto.randomBytes(64), crypto.randomBytes(7)]) {
      const signer = new EventSigner(key);
      for (let i = 0; i < 50; i++) {
        const hash = sha256Hex(`event ${i} ${key.toString('hex')}`);
        assert.equal(signer.sign(hash), macHex(key, hash));
        assert.equal(signer.sign(hash), crypto.createHmac('sha256', key).update(hash).digest('hex'));
      }
    }
    assert.equal(sha256Hex('é'), crypto.createHash('sha256').update('é', 'utf8').digest('hex'));
    assert.throws(() => new EventSigner(Buffer.alloc(65)));
    assert.throws(() => new EventSigner(Buffer.alloc(32)).sign('abc'));
  });
});

describe('event times', () => {
  it('follow the chain through a small clock step back, but not a large one', () => {
    const prev = '2025-01-01T12:00:00.000Z';
    assert.equal(nextTime(new Date('2025-01-01T12:00:01.000Z'), prev), '2025-01-01T12:00:01.000Z');
    assert.equal(nextTime(new Date('2025-01-01T11:59:59.000Z'), prev), prev);
    const far = new Date(Date.parse(prev) - MAX_CLOCK_SMOOTHING_MS - 1000);
    assert.equal(nextTime(far, prev), far.toISOString());
  });
});

describe('receipt ids', () => {
  it('are 10 readable characters, unique in practice', () => {
    const src = new IdSource();
    const seen = new Set<string>();
    for (let i = 0; i < 20_000; i++) {
      const id = src.next();
      assert.equal(id.length, 10);
      for (const ch of id) assert.ok(ID_ALPHABET.includes(ch));
      seen.add(id);
    }
    assert.equal(seen.size, 20_000);
    assert.ok(!/[ilou]/.test(ID_ALPHABET));
  });

  it('a drawn id that is already taken is drawn again under the write lock', (t) => {
    // ids come from a buffer of random bytes: make the first two ids equal
    const bytes = Buffer.alloc(4096);
    bytes.fill(1, 20, 30);
    mock.method(crypto, 'randomBytes', (n: number) => (n === 4096 ? Buffer.from(bytes) : crypto.webcrypto.getRandomValues(Buffer.alloc(n))));
    t.after(() => mock.restoreAll());
    const box = sandbox();
    t.after(() => box.cleanup());
    const store = box.open();
    try {
      const a = store.append(editReceipt());
      const b = store.append(editReceipt());
      assert.equal(a.id, '0000000000');
      assert.equal(b.id, '1111111111');
      assert.equal(store.get('1111111111')?.seq, 2);
      assert.equal(store.get(a.id)?.seq, 1);
      assert.equal(store.verify().ok, true);
    } finally {
      store.close();
    }
  });

  it('forgive case, i/l/o and hyphens in what a person types', () => {
    assert.equal(normaliseIdPrefix(' K7M2-Q9 '), 'k7m2q9');
    assert.equal(normaliseIdPrefix('IlO'), '110');
    assert.equal(normaliseIdPrefix('u'), undefined);
    assert.equal(normaliseIdPrefix(''), undefined);
  });
});

describe('the install key', () => {
  it('is created once with mode 0600 and read back the same', () => {
    const sb = sandbox();
    try {
      const file = path.join(sb.home, 'secret.key');
      const a = loadOrCreateSecretKey(file);
      const b = loadOrCreateSecretKey(file);
      assert.equal(a.id, b.id);
      assert.equal(a.key.length, 32);
      if (process.platform !== 'win32') {
        assert.equal(fs.statSync(file).mode & 0o777, 0o600);
        fs.chmodSync(file, 0o644);
        loadOrCreateSecretKey(file);
        assert.equal(fs.statSync(file).mode & 0o777, 0o600, 'a looser mode is repaired');
      }
      fs.writeFileSync(file, 'not a key');
      assert.throws(() => loadOrCreateSecretKey(file), /not 64 hex characters/);
    } finally {
      sb.cleanup();
    }
  });

  it('processes racing to create it all get the same key', async () => {
    const sb = sandbox();
    try {
      const file = path.join(sb.home, 'secret.key');
      const src = `import { loadOrCreateSecretKey } from ${JSON.stringify(path.resolve(import.meta.dirname, '../../../../src/core/receipts/secretKey.ts'))}; process.stdout.write(loadOrCreateSecretKey(${JSON.stringify(file)}).id);`;
      const script = path.join(sb.root, 'key.ts');
      fs.writeFileSync(script, src);
      const ids = await Promise.all(Array.from({ length: 6 }, () => new Promise<string>((resolve) => {
        const c = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'] });
        let out = '';
        c.stdout.on('data', (d: Buffer) => (out += d.toString()));
        c.on('close', () => resolve(out));
      })));
      assert.equal(new Set(ids).size, 1);
      assert.match(ids[0] ?? '', /^[0-9a-f]{8}$/);
      assert.deepEqual(fs.readdirSync(sb.home).filter((f) => f.includes('.tmp')), [], 'no temporary files left');
    } finally {
      sb.cleanup();
    }
  });
});
