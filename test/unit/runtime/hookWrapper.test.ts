import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../../support/cli.ts';
import { isolatedEnv, tempDir, userRepo, writeSettings } from '../../support/fixtures.ts';

// The agent plugin's hook command, as VS Code runs it: `sh <plugin>/hooks/belay-hook.sh`.
const wrapper = path.join(repoRoot, 'plugin', 'hooks', 'belay-hook.sh');
const bundle = path.join(repoRoot, 'dist', 'belay.js');

function runWrapper(env: NodeJS.ProcessEnv, input: string) {
  return spawnSync('sh', [wrapper], { env, input, encoding: 'utf8', timeout: 30_000 });
}

function vscodePre(ws: string, file: string): string {
  return JSON.stringify({
    timestamp: new Date().toISOString(),
    hook_event_name: 'PreToolUse',
    session_id: 'vs-1',
    transcript_path: '',
    cwd: ws,
    tool_name: 'create_file',
    tool_input: { filePath: file, content: 'x' },
    tool_use_id: 'call_1__vscode-1',
  });
}

test('with no runtime to be found the hook denies (exit 2) instead of letting the tool run', () => {
  const ws = userRepo();
  const env = isolatedEnv();
  // PATH holds at most the machine's own Node, which is older than 22 here, or none at all
  const nodeOnPath = spawnSync('sh', ['-c', 'node -p process.versions.node.split(".")[0]'], { env: { PATH: '/usr/bin:/bin' }, encoding: 'utf8' });
  const PATH = Number(nodeOnPath.stdout) >= 22 ? tempDir('empty-path') + ':/bin' : '/usr/bin:/bin';
  const r = runWrapper({ HOME: env.HOME, BELAY_HOME: env.BELAY_HOME, PATH }, vscodePre(ws, path.join(ws, 'a.txt')));
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /no runtime found/);
});

test('the hook runs the bundled CLI with the runtime the extension published, and it decides', { skip: !fs.existsSync(bundle) && 'dist/belay.js is not built (npm run build)' }, () => {
  const ws = userRepo();
  writeSettings(ws, { 'belay.policy': { rules: [{ id: 'no-pem', effect: 'deny', kinds: ['write'], paths: ['**/*.pem'], reason: 'no certificates' }] } });
  const env = isolatedEnv();
  // the extension records its runtime under BELAY_HOME (hookRuntime.ts)
  fs.mkdirSync(env.BELAY_HOME!, { recursive: true });
  fs.writeFileSync(path.join(env.BELAY_HOME!, 'runtime'), process.execPath + '\n');
  const base = { HOME: env.HOME, BELAY_HOME: env.BELAY_HOME, PATH: '/usr/bin:/bin' };
  const denied = runWrapper(base, vscodePre(ws, path.join(ws, 'server.pem')));
  assert.equal(denied.status, 2, denied.stderr);
  assert.equal(JSON.parse(denied.stdout).hookSpecificOutput.permissionDecision, 'deny');
  assert.match(denied.stderr, /no-pem/);
  const allowed = runWrapper({ ...base, BELAY_NODE: process.execPath }, vscodePre(ws, path.join(ws, 'notes.txt')));
  assert.equal(allowed.status, 0, allowed.stderr);
});
