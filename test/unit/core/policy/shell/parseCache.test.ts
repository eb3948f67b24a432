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
