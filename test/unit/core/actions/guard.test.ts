import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Guard } from '../../../../src/core/actions/guard.ts';
import { parseHookInput } from '../../../../src/core/policy/adapters.ts';
import { gitFingerprint, isolatedEnv, userRepo, writeSettings } from '../../../support/fixtures.ts';
import { claudePost, claudePre } from '../../../support/hookDocs.ts';

const pemRule = { rules: [{ id: 'no-pem', effect: 'deny', kinds: ['write', 'edit'], paths: ['**/*.pem'], reason: 'certificates are managed by ops' }] };

async function setup(settings: Record<string, unknown> = { 'belay.policy': pemRule }) {
  const ws = userRepo();
  writeSettings(ws, settings);
  const env = isolatedEnv();
  const guard = await Guard.open({ workspace: ws, env });
  const envelope = (doc: Record<string, unknown>) => parseHookInput('claude', doc, { workspaceRoots: [ws], home: env.HOME!, cwd: ws, agent: 'claude-code' });
  return { ws, env, guard, envelope };
}

test('allowed edit: pending receipt with a before checkpoint, completed after, rolled back from its checkpoint', async () => {
  const { ws, guard, envelope } = await setup();
  const file = path.join(ws, 'src', 'app.ts');
  const fingerprint = gitFingerprint(ws);
  const input = { file_path: file, old_string: '42', new_string: '43' };
  const pre = await guard.pre(envelope(claudePre({ cwd: ws, id: 't1', tool: 'Edit', input })), { agent: 'claude-code' });
  assert.equal(pre.decision.decision, 'allow');
  assert.equal(pre.receipt.outcome, 'pending');
  assert.ok(pre.receipt.checkpointBefore, 'a checkpoint is taken before the edit');

  fs.writeFileSync(file, 'export const answer = 43;\n'); // the agent's tool runs
  const done = await guard.post(envelope(claudePost({ cwd: ws, id: 't1', tool: 'Edit', input })), { agent: 'claude-code' });
  assert.ok(done);
  assert.equal(done.id, pre.receipt.id);
  assert.equal(done.outcome, 'done');
  assert.deepEqual(done.changedPaths?.map((c) => c.path), ['src/app.ts']);

  const undo = await guard.rollback(done.id);
  assert.equal(undo.ok, true, undo.ok ? '' : undo.message);
  assert.equal(fs.readFileSync(file, 'utf8'), 'export const answer = 42;\n');
  assert.ok(undo.ok && undo.receipt.kind === 'rollback' && undo.receipt.rollbackOf === done.id);
  assert.equal(guard.receipts.get(done.id)?.outcome, 'rolled_back');
  assert.equal(guard.receipts.get(done.id)?.rolledBackBy, undo.ok ? undo.receipt.id : undefined);

  // the rollback is itself undoable
  const redo = await guard.rollback(undo.ok ? undo.receipt.id : '');
  assert.equal(redo.ok, true, redo.ok ? '' : redo.message);
  assert.equal(fs.readFileSync(file, 'utf8'), 'export const answer = 43;\n');

  assert.equal(gitFingerprint(ws), fingerprint, "the user's .git is byte-identical");
  assert.equal(guard.receipts.verify().ok, true);
  await guard.close();
});

test('denied write: blocked receipt at once, no checkpoint, rule and reason recorded', async () => {
  const { ws, guard, envelope } = await setup();
  const pre = await guard.pre(
    envelope(claudePre({ cwd: ws, id: 't2', tool: 'Write', input: { file_path: path.join(ws, 'certs', 'server.pem'), content: 'x' } })),
    { agent: 'claude-code' },
  );
  assert.equal(pre.decision.decision, 'deny');
  assert.equal(pre.decision.rule, 'no-pem');
  assert.equal(pre.receipt.outcome, 'blocked');
  assert.equal(pre.receipt.rule, 'no-pem');
  assert.equal(pre.receipt.checkpointBefore, undefined);
  await guard.close();
});

test('an invalid policy fails closed for writes and names the bad setting', async () => {
  const { ws, guard, envelope } = await setup({ 'belay.policy': { rules: [{ id: 'x', effect: 'maybe' }] } });
  const pre = await guard.pre(
    envelope(claudePre({ cwd: ws, id: 't3', tool: 'Write', input: { file_path: path.join(ws, 'a.txt'), content: 'x' } })),
    { agent: 'claude-code' },
  );
  assert.equal(pre.decision.decision, 'deny');
  assert.equal(pre.decision.rule, 'policy.invalid');
  assert.match(pre.decision.reason, /belay\.policy/);
  await guard.close();
});

test('a rollback keeps a later edit by the user elsewhere in the same file', async () => {
  const { ws, guard, envelope } = await setup();
  const file = path.join(ws, 'notes.txt');
  fs.writeFileSync(file, 'one\ntwo\nthree\nfour\nfive\nsix\nseven\n');
  const input = { file_path: file, old_string: 'two', new_string: 'TWO' };
  const pre = await guard.pre(envelope(claudePre({ cwd: ws, id: 't4', tool: 'Edit', input })), { agent: 'claude-code' });
  fs.writeFileSync(file, 'one\nTWO\nthree\nfour\nfive\nsix\nseven\n');
  await guard.post(envelope(claudePost({ cwd: ws, id: 't4', tool: 'Edit', input })), { agent: 'claude-code' });
  fs.writeFileSync(file, 'one\nTWO\nthree\nfour\nfive\nsix\nSEVEN (user)\n'); // the user's later edit
  const undo = await guard.rollback(pre.receipt.id);
  assert.equal(undo.ok, true, undo.ok ? '' : undo.message);
  assert.equal(fs.readFileSync(file, 'utf8'), 'one\ntwo\nthree\nfour\nfive\nsix\nSEVEN (user)\n');
  await guard.close();
});

test('maintain marks receipts that never completed abandoned and applies receipt retention at most once a day', async () => {
  const { ws, env, guard, envelope } = await setup({ 'belay.receipts.pendingTimeoutMinutes': 10, 'belay.receipts.retentionDays': 1 });
  const write = { file_path: path.join(ws, 'notes.txt'), content: 'x' };
  const pending = await guard.pre(envelope(claudePre({ cwd: ws, id: 'never-completed', tool: 'Write', input: write })), { agent: 'claude-code' });
  await guard.pre(envelope(claudePre({ cwd: ws, id: 'r1', tool: 'Read', input: { file_path: path.join(ws, 'README.md') } })), { agent: 'claude-code' });
  // right away nothing is old enough
  assert.deepEqual(guard.maintain(), { abandoned: 0, packed: 0, pruned: { prunedReceipts: 0, prunedEvents: 0 } });
  await guard.close();

  // three days later
  let now = Date.now() + 3 * 86_400_000;
  const later = await Guard.open({ workspace: ws, env, now: () => new Date(now) });
  const first = later.maintain();
  assert.equal(first.abandoned, 1, 'the write that never completed is marked abandoned first');
  assert.ok(first.pruned && first.pruned.prunedReceipts >= 2, JSON.stringify(first));
  assert.equal(later.receipts.get(pending.receipt.id), undefined, 'the old receipts are pruned');
  assert.equal(later.receipts.verify().ok, true, 'the chain still verifies after the prune');
  now += 3_600_000;
  assert.equal(later.maintain().pruned, undefined, 'no second prune the same day');
  now += 86_400_000;
  assert.ok(later.maintain().pruned, 'the next day it prunes again');
  await later.close();
});

test('maintain applies belay.receipts.pendingTimeoutMinutes, and retention 0 keeps everything', async () => {
  const { ws, env, guard, envelope } = await setup({ 'belay.receipts.pendingTimeoutMinutes': 10 });
  const pending = await guard.pre(
    envelope(claudePre({ cwd: ws, id: 'p1', tool: 'Write', input: { file_path: path.join(ws, 'notes.txt'), content: 'x' } })),
    { agent: 'claude-code' },
  );
  await guard.close();
  const later = await Guard.open({ workspace: ws, env, now: () => new Date(Date.now() + 15 * 60_000) });
  assert.deepEqual(later.maintain(), { abandoned: 1, packed: 0 });
  assert.equal(later.receipts.get(pending.receipt.id)?.outcome, 'abandoned');
  assert.equal(later.receipts.verify().ok, true);
  await later.close();
});

test('one call seen by two hooks (VS Code also runs Copilot CLI and Claude hook files) gets one receipt and one checkpoint', async () => {
  const { ws, env, guard } = await setup();
  const file = path.join(ws, 'notes.txt');
  const vscodeDoc = (event: string) => ({
    timestamp: new Date().toISOString(),
    hook_event_name: event,
    session_id: 'vs-1',
    transcript_path: '',
    cwd: ws,
    tool_name: 'create_file',
    tool_input: { filePath: file, content: 'hello' },
    tool_use_id: 'call_1__vscode-1',
    ...(event === 'PostToolUse' ? { tool_response: '' } : {}),
  });
  const as = (dialect: 'vscode' | 'copilot-cli', doc: Record<string, unknown>) =>
    parseHookInput(dialect, doc, { workspaceRoots: [ws], home: env.HOME!, cwd: ws, agent: dialect === 'vscode' ? 'copilot-agent' : 'copilot-cli' });
  const first = await guard.pre(as('vscode', vscodeDoc('PreToolUse')), { agent: 'copilot-agent', harness: 'vscode' });
  const second = await guard.pre(as('copilot-cli', vscodeDoc('PreToolUse')), { agent: 'copilot-cli', harness: 'copilot-cli' });
  assert.equal(second.receipt.id, first.receipt.id);
  assert.equal(second.decision.decision, first.decision.decision);
  fs.writeFileSync(file, 'hello');
  const done = await guard.post(as('vscode', vscodeDoc('PostToolUse')), { agent: 'copilot-agent', harness: 'vscode' });
  const again = await guard.post(as('copilot-cli', vscodeDoc('PostToolUse')), { agent: 'copilot-cli', harness: 'copilot-cli' });
  assert.equal(again?.id, done?.id);
  const all = guard.receipts.list({ limit: 50 }).items;
  assert.deepEqual(all.map((r) => [r.kind, r.outcome]), [['action', 'done']], 'no second receipt and no unguarded record');
  assert.deepEqual(done?.changedPaths?.map((c) => c.path), ['notes.txt']);
  await guard.close();
});

test('calls answered together share one commit for their receipts (group commit)', async () => {
  const { openSqlite } = await import('../../../../src/core/config/sqlite.ts');
  const { ws, guard, envelope } = await setup();
  const wal = (mode: 'PASSIVE' | 'TRUNCATE'): number => {
    const db = openSqlite(guard.receipts.file);
    try {
      return (db.pragma(`wal_checkpoint(${mode})`) as Array<{ log: number }>)[0]!.log;
    } finally {
      db.close();
    }
  };
  const read = (i: number) => envelope(claudePre({ cwd: ws, id: `r${i}`, tool: 'Read', input: { file_path: path.join(ws, 'src', 'app.ts') } }));
  const meta = { agent: 'claude-code' };
  await guard.pre(read(0), meta);
  wal('TRUNCATE');
  const together = await Promise.all(Array.from({ length: 8 }, (_, i) => guard.pre(read(i + 1), meta)));
  const framesTogether = wal('PASSIVE');
  wal('TRUNCATE');
  for (let i = 0; i < 8; i++) await guard.pre(read(i + 20), meta);
  const framesApart = wal('PASSIVE');
  assert.ok(framesTogether * 3 < framesApart, `8 calls at once wrote ${framesTogether} WAL frames, one after another ${framesApart}`);
  assert.deepEqual(together.map((p) => p.decision.decision), Array(8).fill('allow'));
  assert.equal(new Set(together.map((p) => p.receipt.id)).size, 8);
  assert.deepEqual(together.map((p) => p.receipt.toolUseId), Array.from({ length: 8 }, (_, i) => `r${i + 1}`));
  assert.equal(guard.receipts.verify().ok, true);
  await guard.close();
});

test('consecutive shell commands: the next one\'s "before" is the last one\'s "after" when nothing changed in between, and each rolls back on its own', async () => {
  const { ws, guard, envelope } = await setup();
  const run = async (id: string, command: string, effect: () => void) => {
    const input = { command };
    const pre = await guard.pre(envelope(claudePre({ cwd: ws, id, tool: 'Bash', input })), { agent: 'claude-code' });
    assert.equal(pre.decision.decision, 'allow');
    effect();
    const done = await guard.post(envelope(claudePost({ cwd: ws, id, tool: 'Bash', input })), { agent: 'claude-code' });
    assert.ok(done?.checkpointBefore && done.checkpointAfter);
    return done;
  };
  const first = await run('s1', 'npm run generate', () => fs.writeFileSync(path.join(ws, 'gen.txt'), 'generated\n'));
  const second = await run('s2', 'npm test', () => undefined);
  const third = await run('s3', 'sed -i s/42/7/ src/app.ts', () => fs.writeFileSync(path.join(ws, 'src', 'app.ts'), 'export const answer = 7;\n'));
  assert.equal(second.checkpointBefore, first.checkpointAfter, 'nothing changed after the first command');
  assert.equal(third.checkpointBefore, second.checkpointAfter);
  assert.deepEqual(second.changedPaths ?? [], []);
  assert.deepEqual(third.changedPaths?.map((c) => c.path), ['src/app.ts']);
  // a change nobody announced between two commands: the next "before" is a checkpoint of its own
  fs.writeFileSync(path.join(ws, 'notes.md'), 'typed by the user\n');
  const fourth = await run('s4', 'npm test', () => undefined);
  assert.notEqual(fourth.checkpointBefore, third.checkpointAfter);
  // each command rolls back alone, keeping what the others did
  const undoFirst = await guard.rollback(first.id);
  assert.equal(undoFirst.ok, true, undoFirst.ok ? '' : undoFirst.message);
  assert.equal(fs.existsSync(path.join(ws, 'gen.txt')), false);
  assert.equal(fs.readFileSync(path.join(ws, 'src', 'app.ts'), 'utf8'), 'export const answer = 7;\n');
  const undoThird = await guard.rollback(third.id);
  assert.equal(undoThird.ok, true, undoThird.ok ? '' : undoThird.message);
  assert.equal(fs.readFileSync(path.join(ws, 'src', 'app.ts'), 'utf8'), 'export const answer = 42;\n');
  assert.equal(fs.readFileSync(path.join(ws, 'notes.md'), 'utf8'), 'typed by the user\n');
  assert.equal(guard.receipts.verify().ok, true);
  await guard.close();
});
