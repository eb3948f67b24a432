import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { parse } from 'jsonc-parser';
import { main } from '../../../src/runtime/cli.ts';
import { belay, repoRoot } from '../../support/cli.ts';
import { read, sandbox, write, type Sandbox } from '../core/connectors/fixtures.ts';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `belay connect …` in-process with the sandbox's HOME; `tty` makes stdin look like a terminal. */
async function connect(box: Sandbox, args: string[], opts: { input?: string; tty?: boolean; env?: NodeJS.ProcessEnv } = {}): Promise<Run> {
  const stdin = new PassThrough();
  if (opts.tty) Object.assign(stdin, { isTTY: true });
  stdin.end(opts.input ?? '');
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const stdout = new PassThrough().on('data', (c: Buffer) => out.push(c));
  const stderr = new PassThrough().on('data', (c: Buffer) => err.push(c));
  const code = await main(['connect', ...args], {
    stdin,
    stdout,
    stderr,
    env: opts.env ?? { HOME: box.home, PATH: process.env.PATH },
    cwd: box.workspace,
  });
  return { code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
}

function program(box: Sandbox): string[] {
  return ['--runtime', box.env.command.runtime, '--cli', box.env.command.cli];
}

const claudeFile = (box: Sandbox) => path.join(box.workspace, '.claude', 'settings.json');
const cursorFile = (box: Sandbox) => path.join(box.workspace, '.cursor', 'hooks.json');
const copilotFile = (box: Sandbox) => path.join(box.home, '.copilot', 'hooks', 'belay.json');

test('belay connect --yes writes the hooks, prints the diff and the fail-closed note; a second run changes nothing', async () => {
  const box = sandbox();
  write(claudeFile(box), '{\n  // mine\n  "model": "opus"\n}\n');
  const r = await connect(box, ['--agent', 'claude-code', '--agent', 'cursor', '--yes', ...program(box)]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /# Claude Code: update \.claude\/settings\.json\n--- a\/\.claude\/settings\.json\n\+\+\+ b\/\.claude\/settings\.json/);
  assert.match(r.stdout, /# Cursor: create \.cursor\/hooks\.json\n--- \/dev\/null/);
  assert.match(r.stdout, /Connected Claude Code \(\.claude\/settings\.json\)\.\n {2}Fails closed: .*onFailure "block"/);
  assert.match(r.stdout, /Connected Cursor \(\.cursor\/hooks\.json\)\.\n {2}Fails closed: .*failClosed/);
  const claude = read(claudeFile(box))!;
  assert.ok(claude.includes('// mine'));
  assert.ok(claude.includes(`hook claude`));
  assert.ok(read(cursorFile(box))!.includes('"failClosed": true'));

  const again = await connect(box, ['--agent', 'claude-code,cursor', '--yes', ...program(box)]);
  assert.equal(again.code, 0);
  assert.equal(again.stdout, 'Nothing to change: claude-code, cursor already connected.\n');
});

test('belay connect --dry-run shows the diff and writes nothing', async () => {
  const box = sandbox();
  const r = await connect(box, ['--agent', 'copilot-cli', '--dry-run', ...program(box)]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /# GitHub Copilot CLI: create ~\/\.copilot\/hooks\/belay\.json\n--- \/dev\/null\n\+\+\+ b\/~\/\.copilot\/hooks\/belay\.json/);
  assert.match(r.stdout, /\+ {6}"preToolUse": \[|\+ {4}"preToolUse": \[/);
  assert.match(r.stderr, /Dry run: nothing was written/);
  assert.equal(fs.existsSync(copilotFile(box)), false);
});

test('without a terminal and without --yes, belay connect prints the diff, writes nothing and exits non-zero saying --yes is needed', async () => {
  const box = sandbox();
  const r = await connect(box, ['--agent', 'codex', ...program(box)]);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /# Codex: create \.codex\/hooks\.json/);
  assert.match(r.stderr, /nothing was written: there is no terminal to confirm on; run again with --yes/);
  assert.equal(fs.existsSync(path.join(box.workspace, '.codex', 'hooks.json')), false);
});

test('on a terminal belay connect asks first: yes writes, anything else writes nothing', async () => {
  const box = sandbox();
  const no = await connect(box, ['--agent', 'cursor', ...program(box)], { tty: true, input: 'n\n' });
  assert.equal(no.code, 1);
  assert.match(no.stderr, /Apply this change\? \[y\/N\] Nothing was written/);
  assert.equal(fs.existsSync(cursorFile(box)), false);

  const yes = await connect(box, ['--agent', 'cursor', ...program(box)], { tty: true, input: 'y\n' });
  assert.equal(yes.code, 0, yes.stderr);
  assert.ok(fs.existsSync(cursorFile(box)));
});

test('belay connect --remove takes Belay’s hooks out and keeps the user’s', async () => {
  const box = sandbox();
  const mine = '{\n  "hooks": {\n    "Stop": [ { "hooks": [ { "type": "command", "command": "say done" } ] } ]\n  }\n}\n';
  write(claudeFile(box), mine);
  assert.equal((await connect(box, ['--agent', 'claude-code', '--agent', 'copilot-cli', '--yes', ...program(box)])).code, 0);
  const r = await connect(box, ['--remove', '--yes']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /# Claude Code: update \.claude\/settings\.json/);
  assert.match(r.stdout, /# GitHub Copilot CLI: delete ~\/\.copilot\/hooks\/belay\.json/);
  assert.match(r.stdout, /Disconnected Claude Code/);
  assert.equal(read(claudeFile(box)), mine);
  assert.equal(fs.existsSync(copilotFile(box)), false);
  const again = await connect(box, ['--remove', '--yes']);
  assert.equal(again.code, 0);
  assert.match(again.stdout, /^Nothing to remove/);
});

test('belay connect --status lists which agents are guarded, as text and as JSON', async () => {
  const box = sandbox();
  assert.equal((await connect(box, ['--agent', 'claude-code', '--yes', ...program(box)])).code, 0);
  const text = await connect(box, ['--status', ...program(box)]);
  assert.equal(text.code, 0);
  assert.match(text.stdout, /^claude-code {7}guarded {6}\.claude\/settings\.json\n {18}6 hooks, runs /m);
  assert.match(text.stdout, /^cursor {12}not guarded {2}\.cursor\/hooks\.json\n {18}not connected/m);
  assert.match(text.stdout, /^vscode-workspace {2}not guarded/m);

  const json = await connect(box, ['--status', '--json', ...program(box)]);
  const all = JSON.parse(json.stdout) as Array<{ agent: string; file: string; connected: boolean; detail: string }>;
  assert.deepEqual(
    all.map((s) => [s.agent, s.connected]),
    [
      ['claude-code', true],
      ['cursor', false],
      ['codex', false],
      ['copilot-cli', false],
      ['vscode-workspace', false],
    ],
  );
  assert.equal(all[0]!.file, claudeFile(box));
});

test('belay connect --json reports the planned changes and whether they were applied', async () => {
  const box = sandbox();
  const r = await connect(box, ['--agent', 'vscode-workspace', '--json', '--yes', ...program(box)]);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.action, 'connect');
  assert.equal(out.applied, true);
  assert.deepEqual(out.changes.map((c: { agent: string; action: string }) => [c.agent, c.action]), [['vscode-workspace', 'create']]);
  assert.match(out.changes[0].diff, /\+\+\+ b\/\.github\/hooks\/belay\.json/);
  assert.match(out.notes[0].note, /teammates without the Belay extension/);
});

test('a malformed configuration file stops belay connect with a clear error and stays as it was', async () => {
  const box = sandbox();
  const broken = '{ "hooks": { "PreToolUse": [ } }\n';
  write(claudeFile(box), broken);
  const r = await connect(box, ['--agent', 'claude-code', '--agent', 'cursor', '--yes', ...program(box)]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^belay: .*\.claude\/settings\.json is not valid JSON \(value expected at line 1, column 30\); Belay left it untouched/);
  assert.equal(read(claudeFile(box)), broken);
  assert.equal(fs.existsSync(cursorFile(box)), false);
});

test('belay connect refuses unknown agents and a runtime or CLI that does not exist', async () => {
  const box = sandbox();
  const bad = await connect(box, ['--agent', 'windsurf', '--yes', ...program(box)]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /unknown agent 'windsurf' \(one of: claude-code, cursor, codex, copilot-cli, vscode-workspace\)/);
  const noRuntime = await connect(box, ['--agent', 'cursor', '--yes', '--runtime', path.join(box.workspace, 'nope'), '--cli', box.env.command.cli]);
  assert.equal(noRuntime.code, 2);
  assert.match(noRuntime.stderr, /the runtime .*nope does not exist/);
  const flag = await connect(box, ['--frobnicate']);
  assert.equal(flag.code, 1);
});

test('without --agent, belay connect connects the agents found on the machine; with none found it says how to name them', async () => {
  const box = sandbox();
  const none = await connect(box, ['--yes', ...program(box)]);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /found no agent to connect .*--agent claude-code\|cursor\|codex\|copilot-cli\|vscode-workspace/);
  fs.mkdirSync(path.join(box.home, '.codex'));
  const r = await connect(box, ['--yes', ...program(box)]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Connected Codex/);
  assert.match(r.stdout, /trust/);
  assert.ok(fs.existsSync(path.join(box.workspace, '.codex', 'hooks.json')));
  assert.equal(fs.existsSync(claudeFile(box)), false);
});

test('COPILOT_HOME is honoured', async () => {
  const box = sandbox();
  const copilotHome = path.join(box.home, 'copilot home');
  const r = await connect(box, ['--agent', 'copilot-cli', '--yes', ...program(box)], { env: { HOME: box.home, COPILOT_HOME: copilotHome } });
  assert.equal(r.code, 0, r.stderr);
  assert.ok(fs.existsSync(path.join(copilotHome, 'hooks', 'belay.json')));
});

test('belay connect --help prints the usage', async () => {
  const box = sandbox();
  const r = await connect(box, ['--help']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /^usage: belay connect/);
  assert.match(r.stdout, /vscode-workspace/);
});

test('run as a process, belay connect points the hooks at its own runtime and CLI by default', () => {
  const box = sandbox();
  const r = belay(['connect', '--agent', 'claude-code', '--yes', '--workspace', box.workspace], { env: { HOME: box.home, PATH: process.env.PATH } });
  assert.equal(r.code, 0, r.stderr);
  const doc = parse(read(claudeFile(box))!) as { hooks: Record<string, Array<{ hooks: Array<{ command: string }> }>> };
  const command = doc.hooks.SessionStart![0]!.hooks[0]!.command;
  const entry = process.env.BELAY_CLI_BUNDLE === '1' ? path.join(repoRoot, 'dist', 'belay.js') : path.join(repoRoot, 'src', 'runtime', 'main.ts');
  assert.equal(command, `ELECTRON_RUN_AS_NODE=1 ${process.execPath} ${entry} hook claude`);
});
