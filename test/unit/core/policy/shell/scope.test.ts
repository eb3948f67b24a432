import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { copyScope, deleteVar, setFunc, setVar, type Scope } from '../../../../../src/core/policy/shell/analyze.ts';
import type { Script } from '../../../../../src/core/policy/shell/ir.ts';
import { ready, sh, tempWorld, type TempWorld } from '../helpers.ts';

/** Analyzer scopes share their maps until one side writes (copy on write). */

function root(): Scope {
  return { cwd: '/w', cwdUnknown: false, vars: new Map([['A', '1']]), funcs: new Map() };
}

describe('copy-on-write scopes', () => {
  test('a copy shares the maps until it writes', () => {
    const s = root();
    const c = copyScope(s);
    assert.equal(c.vars, s.vars);
    assert.equal(c.funcs, s.funcs);
    setVar(c, 'B', '2');
    assert.notEqual(c.vars, s.vars);
    assert.equal(c.vars.get('B'), '2');
    assert.equal(s.vars.has('B'), false);
    assert.equal(c.vars.get('A'), '1');
  });

  test('a write to the original does not reach an earlier copy', () => {
    const s = root();
    const c = copyScope(s);
    setVar(s, 'A', 'changed');
    deleteVar(s, 'A');
    assert.equal(s.vars.has('A'), false);
    assert.equal(c.vars.get('A'), '1');
    const body = { items: [] } as unknown as Script;
    setFunc(s, 'f', body);
    assert.equal(c.funcs.has('f'), false);
    assert.equal(s.funcs.get('f'), body);
  });

  test('copies of copies stay independent', () => {
    const s = root();
    const c1 = copyScope(s);
    const c2 = copyScope(c1);
    setVar(c2, 'X', null);
    setVar(c1, 'Y', 'y');
    assert.deepEqual([...s.vars.keys()], ['A']);
    assert.deepEqual([...c1.vars.keys()], ['A', 'Y']);
    assert.deepEqual([...c2.vars.keys()], ['A', 'X']);
  });

  test('deleting a variable that is not set copies nothing', () => {
    const s = root();
    const c = copyScope(s);
    deleteVar(c, 'NOPE');
    assert.equal(c.vars, s.vars);
  });
});

describe('scopes through the analyzer', () => {
  let w: TempWorld;
  before(async () => {
    await ready();
    w = tempWorld();
  });
  after(() => w.cleanup());

  const writes = (command: string): string[] => sh(w, command).writes;
  const ws = (rel: string): string => path.join(w.workspace, rel);

  test('a subshell assignment does not leak out, a plain one does', () => {
    assert.deepEqual(writes('x=a; (x=b; touch "$x"); echo > "$x"').sort(), [ws('a'), ws('b')].sort());
    assert.deepEqual(writes('x=a; { x=b; }; echo > "$x"'), [ws('b')]);
  });

  test('pipeline stages have their own variables', () => {
    assert.deepEqual(writes('x=a; x=b | cat; echo > "$x"'), [ws('a')]);
  });

  test('${x:=v} sets x for the commands after it', () => {
    assert.deepEqual(writes('echo ${z:=top} >/dev/null; echo > "$z"').filter((p) => !p.startsWith('/dev')), [ws('top')]);
  });

  test('a function defined in a subshell is not called outside it', () => {
    const names = sh(w, '(f() { rm -rf x; }); f').shell!.commands.map((c) => c.name);
    assert.equal(names.includes('rm'), false);
  });
});

describe('functions across analyses', () => {
  let w: TempWorld;
  before(async () => {
    await ready();
    w = tempWorld();
  });
  after(() => w.cleanup());

  test('a function defined in one command line is unknown to the next', () => {
    const first = sh(w, 'g() { rm -rf build; }; g').shell!.commands.map((c) => c.name);
    assert.ok(first.includes('rm'));
    const second = sh(w, 'g').shell!.commands.map((c) => c.name);
    assert.deepEqual(second, ['g']);
  });
});
