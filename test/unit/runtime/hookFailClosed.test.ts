import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { workspaceState } from '../../../src/core/config/paths.ts';
import { belay } from '../../support/cli.ts';
import { isolatedEnv, userRepo, writeSettings } from '../../support/fixtures.ts';
import { claudePre } from '../../support/hookDocs.ts';

function writeDoc(ws: string, id: string): string {
  return JSON.stringify(claudePre({ cwd: ws, id, tool: 'Write', input: { file_path: path.join(ws, 'notes.txt'), content: 'x' } }));
}

test('no decision within the time budget (a slow disk, a stuck lock) is a deny, answered within the budget', () => {
  const ws = userRepo();
  const env = isolatedEnv({ BELAY_HOOK_BUDGET_MS: '1' });
  const started = Date.now();
  const r = belay(['hook', 'claude'], { env, input: writeDoc(ws, 'b1') });
  assert.equal(r.code, 2, r.stderr);
  assert.equal(JSON.parse(r.stdout).hookSpecificOutput.permissionDecision, 'deny');
  assert.match(r.stderr, /belay\.timeout/);
  assert.ok(Date.now() - started < 15_000);
});

test('a receipt store locked by another process: the hook denies within its budget instead of waiting', async () => {
  const ws = userRepo();
  const env = isolatedEnv({ BELAY_HOOK_BUDGET_MS: '2500' });
  // create the store, then hold an exclusive lock on it from another process
  assert.equal(belay(['hook', 'claude'], { env, input: writeDoc(ws, 'l0') }).code, 0);
  const db = workspaceState(ws, env).receiptsFile;
  const holder = spawn(
    process.execPath,
    ['-e', `const D=require('better-sqlite3');const d=new D(${JSON.stringify(db)});d.exec('BEGIN EXCLUSIVE');process.stdout.write('locked\\n');setTimeout(()=>{},60000);`],
    { cwd: path.resolve(import.meta.dirname, '..', '..', '..'), stdio: ['ignore', 'pipe', 'inherit'] },
  );
  try {
    await new Promise<void>((resolve, reject) => {
      holder.stdout.once('data', () => resolve());
      holder.once('exit', (code) => reject(new Error(`lock holder exited ${code}`)));
    });
    const started = Date.now();
    const r = belay(['hook', 'claude'], { env, input: writeDoc(ws, 'l1') });
    const took = Date.now() - started;
    assert.equal(r.code, 2, r.stderr);
    assert.equal(JSON.parse(r.stdout).hookSpecificOutput.permissionDecision, 'deny');
    assert.doesNotMatch(r.stdout + r.stderr, /\n\s+at .+:\d+:\d+/, 'no stack trace');
    assert.ok(took < 10_000, `answered in ${took} ms`);
  } finally {
    holder.kill('SIGKILL');
  }
});

test('a corrupt policy file denies mutating actions and still allows reads', () => {
  const ws = userRepo();
  const env = isolatedEnv();
  writeSettings(ws, { 'belay.policy': { mode: 'sometimes' } });
  const write = belay(['hook', 'claude'], { env, input: writeDoc(ws, 'c1') });
  assert.equal(write.code, 2);
  assert.match(write.stderr, /policy\.invalid/);
  const read = belay(['hook', 'claude'], {
    env,
    input: JSON.stringify(claudePre({ cwd: ws, id: 'c2', tool: 'Read', input: { file_path: path.join(ws, 'README.md') } })),
  });
  assert.equal(read.code, 0, read.stderr);
});
