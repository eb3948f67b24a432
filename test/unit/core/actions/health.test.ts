import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Guard } from '../../../../src/core/actions/guard.ts';
import { explainChange, openSessions } from '../../../../src/core/actions/health.ts';
import { parseHookInput } from '../../../../src/core/policy/adapters.ts';
import { isolatedEnv, userRepo } from '../../../support/fixtures.ts';

function vscodeDoc(ws: string, event: string, tool: string, input: Record<string, unknown>, id: string): Record<string, unknown> {
  return { timestamp: new Date().toISOString(), hook_event_name: event, session_id: 'vs-s1', transcript_path: '', cwd: ws, tool_name: tool, tool_input: input, tool_use_id: id, tool_response: '' };
}

test('a change made by a guarded tool is explained while pending and after completion; others are unguarded and recorded', async () => {
  const ws = userRepo();
  const env = isolatedEnv();
  const guard = await Guard.open({ workspace: ws, env });
  const envelope = (doc: Record<string, unknown>) => parseHookInput('vscode', doc, { workspaceRoots: [ws], home: env.HOME!, cwd: ws, agent: 'copilot-agent' });
  guard.receipts.openSession({ id: 'vs-s1', agent: 'copilot-agent' });
  const file = path.join(ws, 'src', 'greeting.ts');
  const input = { filePath: file, content: 'export const hi = 1;\n' };
  await guard.pre(envelope(vscodeDoc(ws, 'PreToolUse', 'create_file', input, 'c1')), { agent: 'copilot-agent' });
  const now = new Date();
  assert.equal(openSessions(guard.receipts, now)[0]?.id, 'vs-s1');
  assert.ok(explainChange(guard.receipts, 'src/greeting.ts', now), 'explained while pending');
  fs.writeFileSync(file, input.content);
  await guard.post(envelope(vscodeDoc(ws, 'PostToolUse', 'create_file', input, 'c1')), { agent: 'copilot-agent' });
  assert.ok(explainChange(guard.receipts, 'src/greeting.ts', new Date()), 'explained after completion');

  // a file nobody announced
  fs.writeFileSync(path.join(ws, 'README.md'), '# changed behind Belay\n');
  assert.equal(explainChange(guard.receipts, 'README.md', new Date()), undefined);
  const r = await guard.recordUnguarded(['README.md'], { id: 'vs-s1', agent: 'copilot-agent' });
  assert.ok(r);
  assert.equal(r.kind, 'unguarded');
  assert.deepEqual(r.changedPaths?.map((c) => [c.path, c.status]), [['README.md', 'modified']]);
  // and it can be rolled back to what the store knew
  const undo = await guard.rollback(r.id);
  assert.equal(undo.ok, true, undo.ok ? '' : undo.message);
  assert.equal(fs.readFileSync(path.join(ws, 'README.md'), 'utf8'), '# demo\n');

  guard.receipts.endSession('vs-s1');
  assert.equal(openSessions(guard.receipts, new Date()).length, 0);
  await guard.close();
});

test('the folder a guarded tool created or emptied is explained by the receipts of the files in it', async () => {
  const ws = userRepo();
  const env = isolatedEnv();
  const guard = await Guard.open({ workspace: ws, env });
  const envelope = (doc: Record<string, unknown>) => parseHookInput('vscode', doc, { workspaceRoots: [ws], home: env.HOME!, cwd: ws, agent: 'copilot-agent' });
  guard.receipts.openSession({ id: 'vs-s1', agent: 'copilot-agent' });
  // create_file into a folder that did not exist: the watcher sees the folder appear too
  const file = path.join(ws, 'lib', 'greeting.ts');
  const input = { filePath: file, content: 'export const hi = 1;\n' };
  await guard.pre(envelope(vscodeDoc(ws, 'PreToolUse', 'create_file', input, 'c1')), { agent: 'copilot-agent' });
  fs.mkdirSync(path.dirname(file));
  fs.writeFileSync(file, input.content);
  await guard.post(envelope(vscodeDoc(ws, 'PostToolUse', 'create_file', input, 'c1')), { agent: 'copilot-agent' });
  assert.ok(explainChange(guard.receipts, 'lib', new Date()), 'the new folder is explained by the file created in it');
  assert.equal(explainChange(guard.receipts, 'li', new Date()), undefined, 'a name that only starts the same is not');
  await guard.close();
});
