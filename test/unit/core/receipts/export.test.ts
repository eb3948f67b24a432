import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { verifyExportText } from '../../../../src/core/receipts/exportJsonl.ts';
import type { ReceiptStore } from '../../../../src/core/receipts/store.ts';
import { editReceipt, sandbox } from './helpers.ts';
import type { Sandbox } from './helpers.ts';

const DOC = path.resolve(import.meta.dirname, '../../../../docs/receipts.md');

/** The standalone checkers are taken from docs/receipts.md, so the documentation is what is tested. */
function docBlock(lang: 'python' | 'js'): string {
  const text = fs.readFileSync(DOC, 'utf8');
  const blocks = [...text.matchAll(/```(\w+)\n([\s\S]*?)```/g)].filter((m) => m[1] === lang && (m[2] ?? '').includes('belay-receipts'));
  assert.equal(blocks.length, 1, `one ${lang} checker in docs/receipts.md`);
  return (blocks[0] as RegExpMatchArray)[2] as string;
}

function hasPython(): boolean {
  return spawnSync('python3', ['--version']).status === 0;
}

let sb: Sandbox;
let store: ReceiptStore;

function exportText(s: ReceiptStore = store): string {
  let out = '';
  s.exportJsonl({ write: (c: string) => (out += c) });
  return out;
}

function fill(n: number): void {
  for (let i = 0; i < n; i++) {
    const r = store.append(editReceipt({ input: { file_path: `src/ü-${i}.ts`, old_string: 'a', new_string: `b "${i}" 😀` } }));
    if (i % 2 === 0) store.complete(r.id, { outcome: 'done', durationMs: i });
  }
}

function key(): string {
  return fs.readFileSync(path.join(sb.home, 'secret.key'), 'utf8').trim();
}

beforeEach(() => {
  sb = sandbox();
  store = sb.open();
});
afterEach(() => {
  store.close();
  sb.cleanup();
});

describe('JSON-lines export', () => {
  it('carries a header, every event with its exact hashed text, and the head', () => {
    fill(5);
    const text = exportText();
    const lines = text.trim().split('\n');
    const header = JSON.parse(lines[0] as string);
    assert.equal(header.format, 'belay-receipts');
    assert.equal(header.from, 1);
    assert.equal(header.startPrev, '0'.repeat(64));
    assert.equal(header.key, store.keyId);
    const end = JSON.parse(lines[lines.length - 1] as string);
    assert.equal(end.end, true);
    assert.equal(end.events, lines.length - 2);
    assert.equal(end.head, store.head().hash);
    assert.equal(end.head, store.verify().headHash);
    const check = verifyExportText(text, Buffer.from(key(), 'hex'));
    assert.deepEqual(check, { ok: true, events: end.events, head: end.head, signaturesChecked: true });
  });

  const tamperings: Array<[string, (lines: string[]) => string[], RegExp]> = [
    ['an edited event', (l) => l.map((x, i) => (i === 3 ? x.replace('\\"decision\\":\\"allow\\"', '\\"decision\\":\\"deny\\"') : x)), /does not match its hash/],
    ['a removed event', (l) => l.filter((_, i) => i !== 4), /where \d+ was expected|does not link/],
    ['two events swapped', (l) => l.map((x, i) => (i === 3 ? (l[4] as string) : i === 4 ? (l[3] as string) : x)), /where \d+ was expected/],
    ['a truncated export', (l) => l.slice(0, -3), /end marker is missing/],
  ];

  for (const [name, tamper, problem] of tamperings) {
    it(`the checkers of docs/receipts.md and Belay's own catch ${name}`, () => {
      fill(4);
      const good = exportText();
      const bad = tamper(good.trim().split('\n')).join('\n') + '\n';
      assert.match(verifyExportText(bad).problem ?? '', problem);
      const goodFile = path.join(sb.root, 'good.jsonl');
      const badFile = path.join(sb.root, 'bad.jsonl');
      fs.writeFileSync(goodFile, good);
      fs.writeFileSync(badFile, bad);
      const js = path.join(sb.root, 'verify-receipts.mjs');
      fs.writeFileSync(js, docBlock('js'));
      const ok = spawnSync(process.execPath, [js, goodFile, key()], { encoding: 'utf8' });
      assert.equal(ok.stdout.trim(), 'ok', ok.stderr);
      assert.equal(ok.status, 0);
      const no = spawnSync(process.execPath, [js, badFile], { encoding: 'utf8' });
      assert.equal(no.status, 1);
      assert.match(no.stdout, problem);
      if (hasPython()) {
        const py = path.join(sb.root, 'verify_receipts.py');
        fs.writeFileSync(py, docBlock('python'));
        const pok = spawnSync('python3', [py, goodFile, key()], { encoding: 'utf8' });
        assert.equal(pok.stdout.trim(), 'ok', pok.stderr);
        const pno = spawnSync('python3', [py, badFile], { encoding: 'utf8' });
        assert.equal(pno.status, 1);
        assert.match(pno.stdout, problem);
      }
    });
  }

  it('a forged signature shows only with the key', () => {
    fill(2);
    const lines = exportText().trim().split('\n');
    const rec = JSON.parse(lines[2] as string);
    rec.mac = 'f'.repeat(64);
    lines[2] = JSON.stringify(rec);
    const forged = lines.join('\n') + '\n';
    assert.equal(verifyExportText(forged).ok, true, 'hashes alone still link');
    assert.match(verifyExportText(forged, Buffer.from(key(), 'hex')).problem ?? '', /signature does not check out/);
    const js = path.join(sb.root, 'v.mjs');
    fs.writeFileSync(js, docBlock('js'));
    const file = path.join(sb.root, 'forged.jsonl');
    fs.writeFileSync(file, forged);
    assert.match(spawnSync(process.execPath, [js, file, key()], { encoding: 'utf8' }).stdout, /signature does not check out/);
  });

  it('an export after a prune starts at the signed anchor and still checks out, outside Belay too', () => {
    let now = new Date('2025-01-01T00:00:00Z');
    store.close();
    sb.cleanup();
    sb = sandbox();
    store = sb.open({ clock: () => now, abandonAfterMs: 0 });
    fill(6);
    const before = exportText();
    now = new Date('2025-03-01T00:00:00Z');
    fill(3);
    const pruned = store.prune({ olderThanDays: 30 });
    assert.ok(pruned.prunedReceipts === 6 && pruned.throughSeq !== undefined);
    const after = exportText();
    const header = JSON.parse(after.split('\n')[0] as string);
    assert.ok(header.anchor);
    assert.equal(header.startPrev, JSON.parse(header.anchor.doc).throughHash);
    assert.equal(header.from, (pruned.throughSeq as number) + 1);
    // the earlier export contains the anchor's end hash: the two exports join
    assert.ok(before.includes(`"hash":"${header.startPrev}"`));
    assert.equal(verifyExportText(after, Buffer.from(key(), 'hex')).ok, true);
    const js = path.join(sb.root, 'v.mjs');
    fs.writeFileSync(js, docBlock('js'));
    const file = path.join(sb.root, 'after.jsonl');
    fs.writeFileSync(file, after);
    assert.equal(spawnSync(process.execPath, [js, file, key()], { encoding: 'utf8' }).stdout.trim(), 'ok');
    if (hasPython()) {
      const py = path.join(sb.root, 'v.py');
      fs.writeFileSync(py, docBlock('python'));
      assert.equal(spawnSync('python3', [py, file, key()], { encoding: 'utf8' }).stdout.trim(), 'ok');
    }
  });
});
