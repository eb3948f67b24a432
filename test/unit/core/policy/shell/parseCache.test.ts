import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { initShellParser, parseShell } from '../../../../../src/core/policy/shell/parse.ts';

before(async () => {
  await initShellParser();
});

test('the parse cache gives the same scripts across evictions', () => {
  const lines = Array.from({ length: 5000 }, (_, i) => `cat src/f${i}.ts | grep -n "x${i}" > out${i}.txt && echo ${i}`);
  const first = lines.slice(0, 50).map((l) => JSON.stringify(parseShell(l)));
  for (const l of lines) parseShell(l);
  // the first lines were evicted long ago: parsed again, they come out the same
  lines.slice(0, 50).forEach((l, i) => assert.equal(JSON.stringify(parseShell(l)), first[i]));
  // a line used again and again stays cached (the same object)
  const hot = 'git status';
  const a = parseShell(hot);
  for (const l of lines.slice(0, 3000)) {
    parseShell(l);
    parseShell(hot);
  }
  assert.equal(parseShell(hot), a);
});

test('a line seen once is reused if it comes again within 16 other lines, parsed afresh after', () => {
  const other = (tag: string, n: number): string[] => Array.from({ length: n }, (_, i) => `ls -la dir-${tag}-${i} | head -${i + 1}`);
  // seen again after 15 other lines: the first parse is reused, and cached from then on
  const near = 'rm -rf build/near-1 && npm run build';
  const a = parseShell(near);
  for (const l of other('a', 15)) parseShell(l);
  assert.equal(parseShell(near), a);
  for (const l of other('b', 40)) parseShell(l);
  assert.equal(parseShell(near), a);
  // seen again after 16 other lines: its slot was taken, so it is parsed again (to the same script)
  const far = 'rm -rf build/far-1 && npm run build';
  const b = parseShell(far);
  for (const l of other('c', 16)) parseShell(l);
  const again = parseShell(far);
  assert.notEqual(again, b);
  assert.deepEqual(again, b);
  // a slot freed by a second sighting is not found again by the text it held
  const twice = 'git log --oneline -n 5';
  const c = parseShell(twice);
  assert.equal(parseShell(twice), c);
  assert.equal(parseShell(twice), c);
});
