import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { components, posixResolve } from '../../../../src/core/policy/paths.ts';
import { parseArgs } from '../../../../src/core/policy/shell/args.ts';
import type { ArgWord } from '../../../../src/core/policy/shell/expand.ts';

describe('posixResolve', () => {
  test('gives what path.posix.resolve gives', () => {
    const parts = ['', '.', '..', '...', 'a', 'b.c', '.env', '..x', 'x..', ' ', '~', '\\', 'C:'];
    const cwds = ['/', '/w', '/w/p', '/w/p/', '/w//p', '/w/./p', '/w/../p', 'rel/dir', ''];
    let n = 0;
    for (const cwd of cwds) {
      for (const a of parts) {
        for (const b of parts) {
          for (const lead of ['', '/', '//']) {
            for (const trail of ['', '/']) {
              const p = lead + [a, b].filter((x, i) => x !== '' || i === 0).join('/') + trail;
              assert.equal(posixResolve(cwd, p), path.posix.resolve(cwd, p), `${JSON.stringify(cwd)} ${JSON.stringify(p)}`);
              n++;
            }
          }
        }
      }
    }
    assert.ok(n > 1000);
  });
});

describe('parseArgs option lists', () => {
  const w = (v: string): ArgWord => ({ v, dyn: false, glob: false, vars: [], raw: v, subs: [], indirect: false });
  test('lists sharing their first option are told apart', () => {
    const args = ['-e', 'x', '-f', 'y', 'z'].map(w);
    const a = parseArgs(args, { values: ['e'] });
    const b = parseArgs(args, { values: ['e', 'f'] });
    const c = parseArgs(args, { values: ['e', 'g'] });
    assert.deepEqual(a.positionals.map((x) => x.v), ['y', 'z']);
    assert.equal(a.flags.get('-f'), true);
    assert.deepEqual(b.positionals.map((x) => x.v), ['z']);
    assert.equal(b.flags.get('-f'), 'y');
    assert.equal(c.flags.get('-f'), true);
    assert.deepEqual(c.positionals.map((x) => x.v), ['y', 'z']);
    // the same lists again, in another order, give the same answers
    assert.equal(parseArgs(args, { values: ['e', 'g'] }).flags.get('-f'), true);
    assert.equal(parseArgs(args, { values: ['e', 'f'] }).flags.get('-f'), 'y');
    assert.equal(parseArgs(args, { values: ['e'] }).flags.get('-f'), true);
  });
  test('a list mutated after use is compiled afresh', () => {
    const values = ['n'];
    const args = ['-n', '5', '-m', '6'].map(w);
    assert.equal(parseArgs(args, { values }).flags.get('-m'), true);
    values.push('m');
    assert.equal(parseArgs(args, { values }).flags.get('-m'), '6');
  });
});

describe('components', () => {
  test('gives what split and filter give', () => {
    for (const s of ['', '/', '//', '.', './', '/.', '/./a', 'a', 'a/', '/a/b', 'a//b', './a/./b/.', '..', '../a', '/a/../b', '.a', 'a.', '...', '/x/.hidden/', './/.']) {
      assert.deepEqual(components(s), s.split('/').filter((c) => c !== '' && c !== '.'), JSON.stringify(s));
    }
  });
});
