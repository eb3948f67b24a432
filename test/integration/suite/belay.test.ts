// Belay inside a real VS Code extension host: its commands are registered,
// its stores open through the bundled native SQLite binary, a hook call made
// by an agent process shows up through the extension's API, and the
// extension's own rollback command undoes it on disk.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { test } from '../framework.ts';

interface TimelinePageLike {
  items: Array<{ id: string; kind: string; tool: string; decision: string; outcome: string; canRollback: boolean; target: string }>;
}
interface SessionLike {
  guard(): Promise<{ state: { dir: string }; workspace: string }>;
  page(): Promise<TimelinePageLike>;
}
interface BelayApiLike {
  workspaceSession(): SessionLike | undefined;
}

async function api(): Promise<BelayApiLike> {
  const ext = vscode.extensions.getExtension<BelayApiLike>('belay-dev.belay');
  assert.ok(ext, 'Belay is installed');
  return ext.isActive ? ext.exports : await ext.activate();
}

function workspaceRoot(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder);
  return folder.uri.fsPath;
}

test('every command Belay contributes is registered', async () => {
  await api();
  const ext = vscode.extensions.getExtension('belay-dev.belay')!;
  const contributed = (ext.packageJSON.contributes.commands as Array<{ command: string }>).map((c) => c.command);
  const registered = new Set(await vscode.commands.getCommands(true));
  assert.deepEqual(contributed.filter((c) => !registered.has(c)), []);
});

test('the guard opens its stores in this extension host (bundled native SQLite, shadow git)', async () => {
  const session = (await api()).workspaceSession();
  assert.ok(session, 'a session for the open folder');
  const guard = await session.guard();
  assert.ok(fs.existsSync(path.join(guard.state.dir, 'receipts.sqlite')));
  assert.equal(guard.state.dir.startsWith(process.env.BELAY_HOME ?? '\0'), true, 'state lives under BELAY_HOME, outside the workspace');
});

test('an agent hook call appears through the extension and its rollback command undoes it', async () => {
  const ws = workspaceRoot();
  const ext = vscode.extensions.getExtension('belay-dev.belay')!;
  const cli = path.join(ext.extensionPath, 'dist', 'belay.js');
  const file = path.join(ws, 'src', 'app.ts');
  const original = fs.readFileSync(file, 'utf8');
  const input = { file_path: file, old_string: '42', new_string: '99' };
  const doc = (event: string) =>
    JSON.stringify({ session_id: 'it-1', cwd: ws, hook_event_name: event, tool_name: 'Edit', tool_input: input, tool_use_id: 'toolu_it_1', tool_response: { success: true } });
  const run = (event: string) => spawnSync(process.execPath, [cli, 'hook', 'claude'], { input: doc(event), encoding: 'utf8', env: process.env });
  const pre = run('PreToolUse');
  assert.equal(pre.status, 0, pre.stderr);
  fs.writeFileSync(file, original.replace('42', '99'));
  const post = run('PostToolUse');
  assert.equal(post.status, 0, post.stderr);

  const session = (await api()).workspaceSession()!;
  const item = (await session.page()).items.find((i) => i.tool === 'Edit');
  assert.ok(item, 'the receipt is listed');
  assert.equal(item.decision, 'allow');
  assert.equal(item.canRollback, true);

  const result = (await vscode.commands.executeCommand('belay.rollback', item.id)) as { ok: boolean; message: string };
  assert.equal(result.ok, true, result.message);
  assert.equal(fs.readFileSync(file, 'utf8'), original);
  const after = (await session.page()).items;
  assert.equal(after.find((i) => i.id === item.id)?.outcome, 'rolled_back');
  assert.ok(after.some((i) => i.kind === 'rollback' && i.tool === 'Rollback'), 'the rollback has its own receipt');
});

test('the kill switch command makes the next agent edit be denied', async () => {
  const ws = workspaceRoot();
  const ext = vscode.extensions.getExtension('belay-dev.belay')!;
  const cli = path.join(ext.extensionPath, 'dist', 'belay.js');
  await vscode.commands.executeCommand('belay.toggleKillSwitch', true);
  try {
    const doc = JSON.stringify({
      session_id: 'it-2',
      cwd: ws,
      hook_event_name: 'PreToolUse',
      tool_name: 'Write',
      tool_input: { file_path: path.join(ws, 'new.txt'), content: 'x' },
      tool_use_id: 'toolu_it_2',
    });
    const r = spawnSync(process.execPath, [cli, 'hook', 'claude'], { input: doc, encoding: 'utf8', env: process.env });
    assert.equal(r.status, 2, r.stdout);
    assert.match(r.stderr, /kill switch/);
  } finally {
    await vscode.commands.executeCommand('belay.toggleKillSwitch', false);
  }
});
