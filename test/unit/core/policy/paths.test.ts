import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { climbsOut, foldPath, isInside, normaliseWindows, PathResolver } from '../../../../src/core/policy/paths.ts';
import { tempWorld, type TempWorld } from './helpers.ts';

let w: TempWorld;
let r: PathResolver;
before(() => {
  w = tempWorld();
  w.file('.env', 'A=1\n');
  w.dir('src');
  w.link('out', path.join(w.home, '.ssh'));
  fs.mkdirSync(path.join(w.home, '.ssh'));
  w.link('dangling', path.join(w.home, 'nowhere', 'file'));
  w.link('up', '..');
  w.file('.gitignore', 'node_modules/\n*.log\n!keep.log\n');
  w.dir('node_modules/x');
  w.file('sub/.gitignore', 'gen/\n');
  w.dir('sub/gen');
  r = new PathResolver({ workspaceRoots: [w.workspace], home: w.home });
});
after(() => w.cleanup());

describe('canonical paths', () => {
  test('relative to the cwd, .. and . collapsed, // squeezed', () => {
    assert.equal(r.resolve('./src/../.env', w.workspace).canonical, path.join(w.workspace, '.env'));
    assert.equal(r.resolve(`${w.workspace}//./apps/../.env`, w.workspace).canonical, path.join(w.workspace, '.env'));
  });
  test('~ and $HOME expand', () => {
    assert.equal(r.resolve('~/.npmrc', w.workspace).canonical, path.join(w.home, '.npmrc'));
    assert.equal(r.resolve('$HOME/.npmrc', w.workspace).canonical, path.join(w.home, '.npmrc'));
    assert.equal(r.resolve('${HOME}/x', w.workspace).canonical, path.join(w.home, 'x'));
  });
  test('symlinks resolve through the existing prefix', () => {
    const res = r.resolve('out/authorized_keys', w.workspace);
    assert.equal(res.canonical, path.join(w.home, '.ssh', 'authorized_keys'));
    assert.equal(res.fact.viaSymlink, true);
    assert.equal(res.fact.lexical, path.join(w.workspace, 'out', 'authorized_keys'));
    assert.equal(res.fact.exists, false);
  });
  test('dangling symlinks resolve to their target', () => {
    assert.equal(r.resolve('dangling', w.workspace).canonical, path.join(w.home, 'nowhere', 'file'));
  });
  test('.. after a symlink follows the kernel, not the text', () => {
    // up -> .. (the temp root); up/home is the home directory
    assert.equal(r.resolve('up/home', w.workspace).canonical, w.home);
  });
  test('links the action creates are followed', () => {
    const r2 = new PathResolver({ workspaceRoots: [w.workspace], home: w.home });
    r2.addLink(path.join(w.workspace, 'fresh'), '/etc');
    assert.equal(r2.resolve('fresh/passwd', w.workspace).canonical, '/etc/passwd');
  });
  test('facts: existence, type, hard links', () => {
    const f = r.resolve('.env', w.workspace).fact;
    assert.equal(f.exists, true);
    assert.equal(f.type, 'file');
    assert.equal(f.nlink, 1);
    assert.equal(r.resolve('src', w.workspace).fact.type, 'dir');
  });
  test('Windows paths are normalised lexically; alternate data streams are flagged', () => {
    assert.equal(r.resolve('C:\\Users\\me\\..\\x', w.workspace).canonical, 'C:/Users/x');
    assert.equal(normaliseWindows('c:\\a\\.\\b'), 'C:/a/b');
    const win = new PathResolver({ workspaceRoots: [w.workspace], home: w.home, platform: 'win32' });
    assert.equal(win.resolve('README.md:secret', w.workspace).fact.ads, true);
    // `file::$DATA` is the file's own content; `file:stream:$DATA` a stream of it
    const data = win.resolve('.env::$DATA', w.workspace);
    assert.equal(data.fact.ads, true);
    assert.equal(data.canonical, path.join(w.workspace, '.env'));
    assert.equal(win.resolve('README.md:s:$DATA', w.workspace).canonical, path.join(w.workspace, 'README.md'));
  });
});

describe('gitignore', () => {
  test('root and nested .gitignore files, negation, directories', () => {
    assert.equal(r.gitignored(path.join(w.workspace, 'node_modules'), true), true);
    assert.equal(r.gitignored(path.join(w.workspace, 'node_modules', 'x', 'y.js'), false), true);
    assert.equal(r.gitignored(path.join(w.workspace, 'a.log'), false), true);
    assert.equal(r.gitignored(path.join(w.workspace, 'keep.log'), false), false);
    assert.equal(r.gitignored(path.join(w.workspace, 'sub', 'gen'), true), true);
    assert.notEqual(r.gitignored(path.join(w.workspace, 'src'), true), true);
  });
  test('texts not in normal form give what their normal form gives', () => {
    const forms = (rel: string): string[] => [`${w.workspace}/${rel}`, `${w.workspace}//${rel}`, `${w.workspace}/./${rel}`, `${w.workspace}/src/../${rel}`, `${w.workspace}/${rel}/`];
    for (const [rel, isDir] of [['node_modules', true], ['node_modules/x/y.js', false], ['a.log', false], ['keep.log', false], ['sub/gen', true], ['sub/other.txt', false], ['src', true]] as const) {
      const expected = r.gitignored(`${w.workspace}/${rel}`, isDir);
      for (const p of forms(rel)) assert.equal(r.gitignored(p, isDir), expected, p);
    }
  });
});

describe('helpers', () => {
  test('isInside and case folding', () => {
    assert.equal(isInside('/a/b', '/a'), true);
    assert.equal(isInside('/ab', '/a'), false);
    assert.equal(isInside(foldPath('/WS/.ENV', true), foldPath('/ws', true)), true);
  });
  test('climbsOut', () => {
    assert.equal(climbsOut('../x'), true);
    assert.equal(climbsOut('a/../../x'), true);
    assert.equal(climbsOut('a/../x'), false);
  });
});
