import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Commands, Views } from '../../../src/vscode/ids.ts';
import { configurationContribution } from '../../../src/core/config/settings.ts';

const root = path.resolve(import.meta.dirname, '..', '..', '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));

test('every contributed command is registered by the extension, and vice versa', () => {
  const contributed = (pkg.contributes.commands as Array<{ command: string; category: string }>).map((c) => c.command).sort();
  assert.deepEqual(contributed, Object.values(Commands).sort());
  for (const c of pkg.contributes.commands) assert.equal(c.category, 'Belay', `${c.command} is in the Belay category`);
});

test('commands used in menus exist', () => {
  const ids = new Set(Object.values(Commands) as string[]);
  for (const [menu, items] of Object.entries(pkg.contributes.menus as Record<string, Array<{ command: string }>>)) {
    for (const item of items) assert.ok(ids.has(item.command), `${menu}: ${item.command}`);
  }
});

test('the Belay container holds the Guarded Actions tree and the Timeline webview', () => {
  assert.deepEqual(pkg.contributes.viewsContainers.activitybar.map((c: { id: string }) => c.id), [Views.container]);
  const views = pkg.contributes.views[Views.container] as Array<{ id: string; name: string; type?: string }>;
  assert.deepEqual(
    views.map((v) => [v.id, v.name, v.type ?? 'tree']),
    [
      [Views.actions, 'Guarded Actions', 'tree'],
      [Views.timeline, 'Timeline', 'webview'],
    ],
  );
});

test('activation stays narrow: only onStartupFinished, so agent hooks find their runtime early', () => {
  assert.deepEqual(pkg.activationEvents, ['onStartupFinished']);
});

test('package.json contributes.configuration is generated from the zod settings schema (not stale)', () => {
  assert.deepEqual(pkg.contributes.configuration, JSON.parse(JSON.stringify(configurationContribution())));
  const out = execFileSync(process.execPath, [path.join(root, 'scripts', 'genManifest.ts'), '--check'], { encoding: 'utf8' });
  assert.match(out, /up to date/);
});

test('engines.vscode is at least the version whose agent plugins Belay relies on', () => {
  assert.match(pkg.engines.vscode, /^\^1\.(139|1[4-9]\d)\./);
  assert.match(pkg.engines.node, />=\s*22/);
});

test('the agent plugin ships hooks for every event, run through ${PLUGIN_ROOT}', () => {
  assert.deepEqual(pkg.contributes.chatPlugins, [{ path: './plugin' }]);
  const manifest = JSON.parse(fs.readFileSync(path.join(root, 'plugin', '.plugin', 'plugin.json'), 'utf8'));
  assert.equal(manifest.name, 'belay');
  const hooks = JSON.parse(fs.readFileSync(path.join(root, 'plugin', 'hooks', 'hooks.json'), 'utf8')).hooks;
  assert.deepEqual(Object.keys(hooks).sort(), ['PostToolUse', 'PreToolUse', 'SessionStart', 'Stop', 'UserPromptSubmit']);
  for (const [event, list] of Object.entries(hooks as Record<string, Array<{ command: string; windows: string; timeout: number }>>)) {
    assert.equal(list.length, 1, event);
    assert.match(list[0]!.command, /\$\{PLUGIN_ROOT\}\/hooks\/belay-hook\.sh/);
    assert.match(list[0]!.windows, /\$\{PLUGIN_ROOT\}\\hooks\\belay-hook\.ps1/);
    assert.ok(list[0]!.timeout >= 10);
  }
});
