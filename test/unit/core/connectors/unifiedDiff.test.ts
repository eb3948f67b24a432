import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from '../../../support/fixtures.ts';
import { unifiedDiff } from '../../../../src/core/connectors/unifiedDiff.ts';

const numbered = (n: number, edit: Record<number, string | null> = {}, extra: string[] = []): string =>
  [...Array.from({ length: n }, (_, i) => (i + 1 in edit ? edit[i + 1] : String(i + 1))).filter((l) => l !== null), ...extra].join('\n') + '\n';

const CASES: Array<[string | undefined, string | undefined]> = [
  [undefined, 'a\nb\n'],
  ['a\nb\n', undefined],
  [numbered(20), numbered(20, { 3: 'X', 15: 'Y' })],
  [numbered(20), numbered(20, { 3: 'X', 8: 'Y' })],
  [numbered(8), numbered(8, {}, ['new'])],
  ['x\ny\n', 'z\nx\ny\n'],
  [numbered(10), numbered(10, { 1: null, 10: null })],
  ['a\nb', 'a\nb\n'],
  ['{\n  "a": 1\n}\n', '{\n  "a": 1,\n  "b": [\n    2\n  ]\n}\n'],
];

test('unifiedDiff gives the hunks diff -u gives', (t) => {
  const probe = spawnSync('diff', ['--version'], { encoding: 'utf8' });
  if (probe.status !== 0) return t.skip('no diff(1) on this machine');
  const dir = tempDir('diff');
  for (const [before, after] of CASES) {
    const a = path.join(dir, 'a');
    const b = path.join(dir, 'b');
    fs.writeFileSync(a, before ?? '');
    fs.writeFileSync(b, after ?? '');
    const ref = spawnSync('diff', ['-u', a, b], { encoding: 'utf8' }).stdout;
    const body = (s: string) => s.split('\n').filter((l) => !l.startsWith('--- ') && !l.startsWith('+++ ')).join('\n');
    assert.equal(body(unifiedDiff('f', before, after)), body(ref), JSON.stringify([before, after]));
  }
});

test('unifiedDiff names the file, /dev/null for a missing side, and is empty for no change', () => {
  assert.equal(unifiedDiff('x.json', 'a\n', 'a\n'), '');
  assert.match(unifiedDiff('.claude/settings.json', undefined, '{}\n'), /^--- \/dev\/null\n\+\+\+ b\/\.claude\/settings\.json\n@@ -0,0 \+1 @@\n\+\{\}\n$/);
  assert.match(unifiedDiff('x', 'a\n', undefined), /^--- a\/x\n\+\+\+ \/dev\/null\n/);
});
