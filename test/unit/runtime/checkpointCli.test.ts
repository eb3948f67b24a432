import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { belay } from '../../support/cli.ts';
import { gitFingerprint, isolatedEnv, userRepo, writeSettings } from '../../support/fixtures.ts';

function json(r: { code: number | null; stdout: string; stderr: string }): Record<string, unknown> {
  assert.equal(r.code, 0, r.stderr);
  const parsed = JSON.parse(r.stdout) as Record<string, unknown>;
  assert.equal(typeof parsed.tookMs, 'number', 'JSON output carries the time taken');
  return parsed;
}

test('belay checkpoint: create, list, diff, restore, undo-restore, size and gc through the CLI', () => {
  const ws = userRepo();
  const env = isolatedEnv();
  const before = gitFingerprint(ws);
  const cp = (...args: string[]) => belay(['checkpoint', ...args, '--workspace', ws], { env });

  const first = json(cp('create', '--name', 'start', '--json')).checkpoint as { id: string; scope: string; name: string };
  assert.equal(first.scope, 'full');
  assert.equal(first.name, 'start');
  assert.ok(fs.existsSync(path.join(env.BELAY_HOME!, 'workspaces')), 'the store lives under BELAY_HOME');

  fs.writeFileSync(path.join(ws, 'src', 'app.ts'), 'export const answer = 7;\n');
  fs.writeFileSync(path.join(ws, 'notes.md'), 'new notes\n');
  const second = json(cp('create', '--paths', 'src/app.ts', 'notes.md', '--json')).checkpoint as { id: string; scope: string; changed: unknown[] };
  assert.equal(second.scope, 'paths');
  assert.equal(second.changed.length, 2);

  const text = cp('list');
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, new RegExp(`^${first.id.slice(0, 12)} .*start$`, 'm'));
  const list = json(cp('list', '--json', '--limit', '1')).checkpoints as Array<{ id: string }>;
  assert.deepEqual(
    list.map((c) => c.id),
    [second.id],
  );

  const diff = cp('diff', first.id.slice(0, 10), second.id);
  assert.equal(diff.code, 0, diff.stderr);
  assert.match(diff.stdout, /^-export const answer = 42;$/m);
  assert.match(diff.stdout, /^\+export const answer = 7;$/m);
  const files = json(cp('diff', first.id, '--json')).files as Array<{ path: string; status: string }>;
  assert.deepEqual(
    files.map((f) => `${f.status} ${f.path}`),
    ['added notes.md', 'modified src/app.ts'],
  );

  const restored = json(cp('restore', first.id, '--json')) as { restoreId: string; restored: Array<{ path: string }>; safetyCheckpoint: string };
  assert.equal(fs.readFileSync(path.join(ws, 'src', 'app.ts'), 'utf8'), 'export const answer = 42;\n');
  assert.ok(!fs.existsSync(path.join(ws, 'notes.md')));
  const undone = cp('undo-restore', restored.restoreId.slice(0, 12));
  assert.equal(undone.code, 0, undone.stderr);
  assert.match(undone.stdout, /put back 2 file\(s\)/);
  assert.equal(fs.readFileSync(path.join(ws, 'notes.md'), 'utf8'), 'new notes\n');

  const size = json(cp('size', '--json')) as { checkpoints: number; bytes: number };
  assert.ok(size.checkpoints >= 6 && size.bytes > 0);
  const gc = json(cp('gc', '--keep', first.id, '--json')) as { removed: number; kept: number };
  assert.equal(gc.removed, 0);
  assert.equal(gc.kept, size.checkpoints);

  assert.equal(gitFingerprint(ws), before, "the user's .git is untouched");
});

test('belay checkpoint: bad input gives one `belay:` line and a non-zero exit, never a stack trace', () => {
  const ws = userRepo();
  const env = isolatedEnv();
  const cases: Array<[string[], RegExp, number]> = [
    [['checkpoint', 'bogus', '--workspace', ws], /^belay: unknown checkpoint command 'bogus'/, 2],
    [['checkpoint', 'restore', '--workspace', ws], /^belay: usage: belay checkpoint restore/, 2],
    [['checkpoint', 'restore', 'zz-not-an-id', '--workspace', ws], /^belay: invalid: not a checkpoint id/, 2],
    [['checkpoint', 'restore', 'abcdef1234', '--workspace', ws], /^belay: target_missing: no checkpoint abcdef1234/, 1],
    [['checkpoint', 'diff', 'abcdef1234', '--workspace', ws, '--paths', '/etc/passwd'], /^belay: target_missing|^belay: outside_workspace/, 1],
    [['checkpoint', 'list', '--limit', 'many', '--workspace', ws], /^belay: --limit takes a whole number/, 2],
    [['checkpoint', 'list', '--frobnicate', '--workspace', ws], /^belay: unknown option --frobnicate/, 2],
    [['checkpoint', 'list', '--workspace', path.join(ws, 'missing')], /^belay: workspace not found/, 2],
  ];
  for (const [args, message, code] of cases) {
    const r = belay(args, { env });
    assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message, args.join(' '));
    assert.equal(r.stderr.trim().split('\n').length, 1, `one line for ${args.join(' ')}: ${r.stderr}`);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  }
  writeSettings(ws, { 'belay.checkpoints.maxFileSizeBytes': 'huge' });
  const bad = belay(['checkpoint', 'create', '--workspace', ws], { env });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^belay: invalid workspace setting belay\.checkpoints\.maxFileSizeBytes/);
});

test('belay checkpoint create honours the workspace checkpoint settings', () => {
  const ws = userRepo();
  const env = isolatedEnv();
  fs.writeFileSync(path.join(ws, 'big.bin'), Buffer.alloc(5000, 1));
  fs.writeFileSync(path.join(ws, 'scratch.tmpl'), 'scratch\n');
  writeSettings(ws, { belay: { checkpoints: { maxFileSizeBytes: 1000, exclude: ['*.tmpl'] } } });
  const r = json(belay(['checkpoint', 'create', '--json', '--workspace', ws], { env })).checkpoint as { changed: Array<{ path: string }>; skipped: Array<{ path: string; reason: string }> };
  assert.ok(!r.changed.some((c) => c.path === 'scratch.tmpl'));
  assert.deepEqual(r.skipped, [{ path: 'big.bin', reason: 'too_large', size: 5000 }]);
});
