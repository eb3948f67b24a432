import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..', '..');

function* files(dir: string): Generator<string> {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* files(p);
    else if (/\.(ts|mts|js|mjs)$/.test(entry.name)) yield p;
  }
}

test("only src/vscode and src/extension.ts import 'vscode'", () => {
  const offenders: string[] = [];
  for (const layer of ['src/core', 'src/runtime', 'src/shared', 'webview']) {
    for (const f of files(path.join(root, layer))) {
      const text = fs.readFileSync(f, 'utf8');
      if (/from\s+['"]vscode['"]|require\(\s*['"]vscode['"]\s*\)|import\(\s*['"]vscode['"]\s*\)/.test(text)) {
        offenders.push(path.relative(root, f));
      }
    }
  }
  assert.deepEqual(offenders, []);
});

test('the lint configuration forbids vscode imports in the core layers', () => {
  const config = fs.readFileSync(path.join(root, 'eslint.config.mjs'), 'utf8');
  assert.match(config, /no-restricted-imports/);
  for (const layer of ['src/core/', 'src/runtime/', 'src/shared/', 'webview/']) assert.ok(config.includes(layer), layer);
});
