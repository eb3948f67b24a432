import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PathGlobs } from '../../../../src/core/policy/matchers.ts';
import { GUARD_PATHS, SECRET_PATHS } from '../../../../src/core/policy/packs/context.ts';
import { isInside } from '../../../../src/core/policy/paths.ts';

/**
 * PathGlobs.test reads ASCII paths in place (folded once, segments checked by
 * position) and other paths segment by segment. Both must give the same
 * answers: the same relative paths under an ASCII workspace and home, and
 * under a non-ASCII one (which takes the segment-by-segment route), agree.
 */

const ascii = { workspaceRoots: ['/w/proj'], home: '/h/me' };
const other = { workspaceRoots: ['/w/prōj'], home: '/h/mé' };

const SEGMENTS = ['src', '.env', '.ENV', '.env.local', 'Id_RSA', 'id_rsa.pub', 'x.pem', 'X.PEM', 'pem', '.pe', 'm', '.ssh', '.SSH', 'config', 'credentials', '.aws', '.claude', 'settings.json', 'Settings.JSON', 'hooks', '.github', '.cursor', 'mcp.json', 'a', 'B', '**', '*', '.npmrc', 'tfstate', 'k.tfstate', '.kube', 'proc', 'environ', 'etc', 'shadow'];

/** A seeded generator (the same paths on every run). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function paths(count: number): string[] {
  const r = rng(7);
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const n = 1 + Math.floor(r() * 4);
    const segs: string[] = [];
    for (let k = 0; k < n; k++) segs.push(SEGMENTS[Math.floor(r() * SEGMENTS.length)]!);
    out.push(segs.join('/'));
  }
  return out;
}

describe('path globs: ASCII paths read in place agree with the general route', () => {
  for (const [name, patterns] of [
    ['secret paths', SECRET_PATHS],
    ['guard paths', GUARD_PATHS],
    ['negations and directories', ['*.pem', '!keep.pem', 'build/', '/src/**/gen', 'id_*', '*rc']],
  ] as const) {
    test(name, () => {
      const g = new PathGlobs(patterns);
      let matched = 0;
      for (const rel of paths(1500)) {
        for (const caseInsensitive of [true, false]) {
          for (const isDir of [false, true]) {
            for (const [base, pick] of [['ws', (c: typeof ascii) => c.workspaceRoots[0]!], ['home', (c: typeof ascii) => c.home]] as const) {
              const a = g.test(`${pick(ascii)}/${rel}`, { ...ascii, caseInsensitive }, isDir);
              const o = g.test(`${pick(other)}/${rel}`, { ...other, caseInsensitive }, isDir);
              assert.equal(a, o, `${base}/${rel} (caseInsensitive ${caseInsensitive}, dir ${isDir})`);
              if (a) matched++;
            }
          }
        }
      }
      assert.ok(matched > 0);
    });
  }

  test('case folding of ASCII paths', () => {
    const g = new PathGlobs(SECRET_PATHS);
    assert.equal(g.test('/w/proj/src/.ENV', { ...ascii, caseInsensitive: true }), true);
    assert.equal(g.test('/w/proj/src/.ENV', { ...ascii, caseInsensitive: false }), false);
    assert.equal(g.test('/H/ME/.SSH/id', { ...ascii, caseInsensitive: true }), true);
    assert.equal(g.test('/h/me/.SSH/id', { ...ascii, caseInsensitive: false }), false);
    assert.equal(g.test('/w/proj/Id_RSA.pub', { ...ascii, caseInsensitive: true }), true);
  });
});

describe('isInside', () => {
  test('a path is inside itself and below its folder, not beside it', () => {
    assert.equal(isInside('/a/b', '/a/b'), true);
    assert.equal(isInside('/a/b/c', '/a/b'), true);
    assert.equal(isInside('/a/bc', '/a/b'), false);
    assert.equal(isInside('/a', '/a/b'), false);
    assert.equal(isInside('/a/b/c', '/a/b/'), true);
    assert.equal(isInside('/a/b', '/a/b/'), false);
    assert.equal(isInside('C:\\x\\y', 'C:\\x\\'), true);
    assert.equal(isInside('/x', '/'), true);
    assert.equal(isInside('/x', ''), true);
    assert.equal(isInside('x', ''), false);
  });
});

describe('path globs: testChildren gives what testing each child gives', () => {
  const names = ['belay-probe', 'belay-probe.txt'];
  const sets: [string, readonly string[]][] = [
    ['secret paths', SECRET_PATHS],
    ['guard paths', GUARD_PATHS],
    ['children and folders', ['~/.ssh/**', '~/vault/*', 'secrets/', '*.txt', 'belay-*', 'abs:/etc/keys/**', '/conf/*', 'x/**/y']],
    ['everything', ['*']],
    ['negations', ['*.txt', '!belay-probe.txt', '~/.aws/**']],
    ['nothing', []],
  ];
  for (const [name, patterns] of sets) {
    test(name, () => {
      const g = new PathGlobs(patterns);
      const bases = [ascii, other, { workspaceRoots: ['/w/proj', '/w/proj/sub'], home: '/w/proj/sub/belay-probe' }, { workspaceRoots: ['/w/proj/', '/w/other'], home: '/w/Home/' }];
      let yes = 0;
      for (const base of bases) {
        const extra = ['/', base.home, base.workspaceRoots[0]!, `${base.home}/`, `${base.home}/.ssh`, `${base.home}/.SSH`, `${base.home}/vault`, '/etc/keys', '/etc', '/h', '/w/proj/secrets', '/w/proj/conf', '/w/proj/x/a', '/w/proj/sub', '/h/mé/.ssh'];
        const all = [...extra, ...paths(400).map((r) => `${base.workspaceRoots[0]}/${r}`), ...paths(200).map((r) => `${base.home}/${r}`)];
        for (const p of all) {
          for (const caseInsensitive of [true, false]) {
            const ctx = { ...base, caseInsensitive };
            const expected = names.every((n) => g.test(p + '/' + n, ctx));
            assert.equal(g.testChildren(p, ctx, names, g.test(p, ctx)), expected, `${p} (caseInsensitive ${caseInsensitive})`);
            assert.equal(g.testChildren(p, ctx, names), expected, `${p} (caseInsensitive ${caseInsensitive}, no hint)`);
            if (expected) yes++;
          }
        }
      }
      if (patterns.length > 0) assert.ok(yes > 0);
    });
  }
});
