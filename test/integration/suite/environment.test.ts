// What every Belay integration test relies on in the extension host it runs
// in: a recent VS Code and Node, the native SQLite binding Belay's receipt
// store uses, an open workspace, and Belay itself installed.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import path from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import * as vscode from 'vscode';
import { test } from '../framework.ts';

function atLeast(version: string, minimum: readonly number[]): boolean {
  const parts = version.replace(/^v/, '').split(/[.-]/).map(Number);
  for (let i = 0; i < minimum.length; i++) {
    const have = parts[i] ?? 0;
    const want = minimum[i] ?? 0;
    if (have !== want) return have > want;
  }
  return true;
}

test('VS Code is 1.139 or newer', () => {
  assert.ok(atLeast(vscode.version, [1, 139]), `vscode.version is ${vscode.version}`);
});

test('the extension host runs Node 22 or newer', () => {
  assert.ok(atLeast(process.version, [22]), `process.version is ${process.version}`);
});

test('better-sqlite3 loads and opens a database in this extension host', () => {
  const root = process.env.BELAY_REPO_ROOT;
  assert.ok(root, 'BELAY_REPO_ROOT names the repository (set by the runner)');
  const load = createRequire(path.join(root, 'package.json'));
  const Database = load('better-sqlite3') as typeof BetterSqlite3;
  const db = new Database(':memory:');
  try {
    const row = db.prepare('select sqlite_version() as version').get() as { version: string };
    assert.match(row.version, /^3\.\d+/);
  } finally {
    db.close();
  }
});

test('a workspace folder is open', () => {
  assert.equal(vscode.workspace.workspaceFolders?.length, 1);
});

test('Belay is installed and activates', async () => {
  const belay = vscode.extensions.getExtension('belay-dev.belay');
  assert.ok(belay, 'extension belay-dev.belay is installed');
  await belay.activate();
  assert.equal(belay.isActive, true);
});
