import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadWorkspaceSettings } from '../../../../src/core/config/workspaceSettings.ts';

function workspaceWith(settings: string | undefined): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'belay-ws-'));
  if (settings !== undefined) {
    fs.mkdirSync(path.join(dir, '.vscode'));
    fs.writeFileSync(path.join(dir, '.vscode', 'settings.json'), settings);
  }
  return dir;
}

test('a workspace without settings has no belay settings and no error', () => {
  const r = loadWorkspaceSettings(workspaceWith(undefined));
  assert.deepEqual(r.settings, {});
  assert.equal(r.error, undefined);
});

test('reads dotted belay keys from JSONC with comments and trailing commas, ignoring others', () => {
  const r = loadWorkspaceSettings(
    workspaceWith(`{
      // a comment, as VS Code allows
      "editor.tabSize": 2,
      "belay.policy": { "rules": [ { "id": "x", }, ], },
      "belay.checkpoints.maxFileSizeMB": 5,
    }`),
  );
  assert.equal(r.error, undefined);
  assert.deepEqual(Object.keys(r.settings).sort(), ['belay.checkpoints.maxFileSizeMB', 'belay.policy']);
  assert.deepEqual(r.settings['belay.policy'], { rules: [{ id: 'x' }] });
});

test('flattens a nested "belay" object to dotted keys', () => {
  const r = loadWorkspaceSettings(workspaceWith(`{ "belay": { "policy": { "mode": "monitor" } } }`));
  assert.deepEqual(r.settings['belay.policy'], { mode: 'monitor' });
});

test('a malformed settings file is an error naming the file and line, so the policy fails closed', () => {
  const ws = workspaceWith('{\n  "belay.policy": {\n    "rules": [ oops ]\n  }\n}');
  const r = loadWorkspaceSettings(ws);
  assert.ok(r.error, 'expected an error');
  assert.match(r.error.message, /settings\.json:3: /);
  assert.deepEqual(r.settings, {});
});

test('a settings file that is not an object is an error', () => {
  const r = loadWorkspaceSettings(workspaceWith('[1, 2]'));
  assert.match(r.error?.message ?? '', /expected a JSON object/);
});
