import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { trimSlashes } from '../../../../src/core/policy/paths.ts';
import { judgeShell, ready, rules, tempWorld, type TempWorld } from './helpers.ts';

let w: TempWorld;
before(async () => {
  await ready();
  w = tempWorld();
});
after(() => w.cleanup());

test('trimSlashes', () => {
  for (const p of ['', '/', '//', '/a', '/a/', '/a//', 'a/b/', 'a', '/a/b///']) assert.equal(trimSlashes(p), p.replace(/\/+$/, ''), p);
});

describe('packs', () => {
  test('two-segment regenerable folders', () => {
    for (const d of ['.yarn/cache', 'vendor/bundle', 'vendor/other', '.yarn/releases']) w.dir(d);
    assert.ok(!rules(judgeShell(w, 'rm -rf .yarn/cache')).includes('destructive.recursive-delete'));
    assert.ok(!rules(judgeShell(w, 'rm -rf vendor/bundle')).includes('destructive.recursive-delete'));
    assert.ok(rules(judgeShell(w, 'rm -rf vendor/other')).includes('destructive.recursive-delete'));
    assert.ok(rules(judgeShell(w, 'rm -rf .yarn/releases')).includes('destructive.recursive-delete'));
  });
  test('token commands', () => {
    assert.ok(rules(judgeShell(w, 'gh auth token')).includes('secrets.cli-token'));
    assert.ok(rules(judgeShell(w, 'aws sts get-session-token')).includes('secrets.cli-token'));
    assert.ok(!rules(judgeShell(w, 'gh auth status')).includes('secrets.cli-token'));
    assert.ok(!rules(judgeShell(w, 'echo gh auth token')).includes('secrets.cli-token'));
  });
});
