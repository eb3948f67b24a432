import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isV4A, parsePatch } from '../../../../src/core/policy/patch.ts';

describe('patches', () => {
  test('V4A: add, update with move, delete', () => {
    const text = '*** Begin Patch\n*** Add File: a.txt\n+one\n+two\n*** Update File: b.ts\n*** Move to: c.ts\n@@ fn\n-old\n+new\n context\n*** Delete File: d.md\n*** End Patch\n';
    assert.equal(isV4A(text), true);
    assert.deepEqual(parsePatch(text), [
      { op: 'add', path: 'a.txt', added: 'one\ntwo', removed: '' },
      { op: 'update', path: 'b.ts', moveTo: 'c.ts', added: 'new', removed: 'old' },
      { op: 'delete', path: 'd.md', added: '', removed: '' },
    ]);
  });
  test('unified diffs: new, deleted and changed files', () => {
    const text = ['diff --git a/x b/x', '--- /dev/null', '+++ b/new.ts', '@@ -0,0 +1 @@', '+hi', '--- a/gone.ts', '+++ /dev/null', '@@ -1 +0,0 @@', '-bye', '--- a/src/a.ts', '+++ b/src/a.ts', '@@ -1 +1 @@', '-1', '+2'].join('\n');
    const files = parsePatch(text);
    assert.deepEqual(files.map((f) => [f.op, f.path]), [['add', 'new.ts'], ['delete', 'gone.ts'], ['update', 'src/a.ts']]);
    assert.equal(files[2]!.added, '2');
  });
  test('nothing recognisable: no files', () => {
    assert.deepEqual(parsePatch('hello'), []);
  });
});
