import assert from 'node:assert/strict';
import path from 'node:path';
import test from 'node:test';
import { belayHome, joinName, plainAbsolute } from '../../../../src/core/config/paths.ts';
import { runDir } from '../../../../src/core/config/private.ts';
import { hookEndpointFile, hookSpoolDir, spoolFiles, spoolWakePipe } from '../../../../src/runtime/hookServer/endpoint.ts';

// Paths a state directory or home may be given as, plain and not.
const DIRS = ['/', '/home/ana', '/home/ana/', '/home//ana', '/home/./ana', '/home/../ana', '/home/ana/.', '/home/ana/..', '/home/ana/...', '/home/.ana', '/home/..ana', '/home/ana./', '/home/a na', '/home/ä/x', '//x', '/.', '/..'];
const NAMES = ['run', 'hooks.json', '.belay', '...', '.x', 'a b', '', '.', '..', 'a/b', 'a/../b'];

test('plain absolute paths are exactly those path.resolve leaves alone (POSIX)', { skip: process.platform === 'win32' }, () => {
  for (const p of DIRS) {
    if (plainAbsolute(p)) assert.equal(path.resolve(p), p, p);
  }
  for (const p of ['/home/ana', '/', '/home/ana/...', '/home/.ana', '/home/..ana']) assert.ok(plainAbsolute(p), p);
  for (const p of ['relative/x', '', ' /x', '/a//b', '/a/./b', '/a/../b', '/a/b/', '/a/.', '/a/..']) assert.ok(!plainAbsolute(p), p);
});

test('joinName and belayHome give what path.join and path.resolve give, for every shape of input', () => {
  for (const d of DIRS) {
    for (const n of NAMES) assert.equal(joinName(d, n), path.join(d, n), `${d} + ${n}`);
    assert.equal(belayHome({ BELAY_HOME: d }), path.resolve(d), `BELAY_HOME=${d}`);
    assert.equal(belayHome({ HOME: d }), path.join(d, '.belay'), `HOME=${d}`);
  }
  assert.equal(belayHome({ BELAY_HOME: 'rel/state' }), path.resolve('rel/state'));
  assert.equal(belayHome({ BELAY_HOME: '  ', HOME: '/h' }), '/h/.belay');
});

test('the hook files a client and a server agree on are the same joined either way', () => {
  for (const d of DIRS) {
    const env = { BELAY_HOME: d };
    const run = path.join(path.resolve(d), 'run');
    assert.equal(runDir(env), run);
    assert.equal(hookEndpointFile(env), path.join(run, 'hooks.json'));
    assert.equal(hookSpoolDir(env), path.join(run, 'hook-calls'));
    assert.equal(spoolWakePipe(hookSpoolDir(env)), path.join(run, 'hook-calls', 'wake'));
    assert.equal(spoolFiles(hookSpoolDir(env), '12-00ff').req, path.join(run, 'hook-calls', '12-00ff') + '.req');
  }
});
