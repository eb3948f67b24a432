import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'jsonc-parser';
import {
  AGENT_IDS,
  applyChanges,
  ConnectError,
  connectionStatus,
  detectAgents,
  planConnect,
  planDisconnect,
  planRepair,
  type AgentId,
  type ConnectEnv,
} from '../../../../src/core/connectors/connect.ts';
import { read, sandbox, write } from './fixtures.ts';

// The tests walk agents' JSON files freely; a loose type keeps the assertions readable.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

function json(text: string | undefined): Json {
  assert.ok(text !== undefined, 'file exists');
  return parse(text) as Json;
}

function fileOf(agent: AgentId, env: ConnectEnv): string {
  switch (agent) {
    case 'claude-code':
      return path.join(env.workspace, '.claude', 'settings.json');
    case 'cursor':
      return path.join(env.workspace, '.cursor', 'hooks.json');
    case 'codex':
      return path.join(env.workspace, '.codex', 'hooks.json');
    case 'copilot-cli':
      return path.join(env.home, '.copilot', 'hooks', 'belay.json');
    case 'vscode-workspace':
      return path.join(env.workspace, '.github', 'hooks', 'belay.json');
  }
}

/** The configuration a user already has, with their own hooks and comments. */
const USER_FILES: Record<AgentId, string> = {
  'claude-code': `{
  // team settings: keep this comment
  "permissions": { "allow": ["Bash(npm test)"] },
  "hooks": {
    "PreToolUse": [
      { "matcher": "Bash", "hooks": [ { "type": "command", "command": "./scripts/check-bash.sh" } ] }
    ],
    /* formatter */
    "PostToolUse": [
      {
        "matcher": "Edit|Write",
        "hooks": [{ "type": "command", "command": "npx prettier --write ." }]
      }
    ]
  },
  "model": "opus"
}
`,
  cursor: `{
  "version": 1,
  "hooks": {
    // audit every shell command
    "beforeShellExecution": [{ "command": "./hooks/audit.sh" }],
    "preToolUse": [
      { "command": "./hooks/mine.sh", "matcher": "Shell" }
    ]
  }
}
`,
  codex: `{
	"hooks": {
		"PreToolUse": [
			{
				"matcher": "Bash",
				"hooks": [
					{ "type": "command", "command": "python3 .codex/hooks/policy.py", "timeout": 30 }
				]
			}
		],
		"Stop": [
			{ "hooks": [ { "type": "command", "command": "python3 .codex/hooks/stop.py" } ] }
		]
	}
}
`,
  'copilot-cli': `{
  "version": 1,
  "hooks": {
    "sessionEnd": [
      { "type": "command", "bash": "echo bye >> ~/copilot.log", "timeoutSec": 5 }
    ]
  }
}
`,
  'vscode-workspace': `{
    "hooks": {
        // format after edits
        "PostToolUse": [
            { "type": "command", "command": "npx prettier --write ." }
        ]
    }
}
`,
};

/** The event names each agent's Belay hooks use, and the gating one. */
const EVENTS: Record<AgentId, { events: string[]; gate: string }> = {
  'claude-code': { events: ['SessionStart', 'UserPromptSubmit', 'PreToolUse', 'PostToolUse', 'Stop', 'SessionEnd'], gate: 'PreToolUse' },
  cursor: { events: ['sessionStart', 'beforeSubmitPrompt', 'preToolUse', 'postToolUse', 'stop', 'sessionEnd'], gate: 'preToolUse' },
  codex: { events: ['SessionStart', 'UserPromptSubmit', 'PreToolUse', 'PostToolUse', 'Stop'], gate: 'PreToolUse' },
  'copilot-cli': { events: ['sessionStart', 'userPromptSubmitted', 'preToolUse', 'postToolUse', 'agentStop', 'sessionEnd'], gate: 'preToolUse' },
  'vscode-workspace': { events: ['SessionStart', 'UserPromptSubmit', 'PreToolUse', 'PostToolUse', 'Stop'], gate: 'PreToolUse' },
};

const DIALECT: Record<AgentId, string> = { 'claude-code': 'claude', cursor: 'cursor', codex: 'codex', 'copilot-cli': 'copilot-cli', 'vscode-workspace': 'vscode' };
const GROUPED = new Set<AgentId>(['claude-code', 'codex']);

/** Belay's handlers in a parsed file, by event. */
function belayHandlers(agent: AgentId, doc: Json): Record<string, Json[]> {
  const out: Record<string, Json[]> = {};
  for (const [event, list] of Object.entries((doc.hooks ?? {}) as Record<string, Json[]>)) {
    const handlers = GROUPED.has(agent) ? list.flatMap((g) => g.hooks as Json[]) : list;
    const mine = handlers.filter((h) => JSON.stringify(h).includes(`hook ${DIALECT[agent]}`));
    if (mine.length) out[event] = mine;
  }
  return out;
}

for (const agent of AGENT_IDS) {
  test(`${agent}: connect keeps the user's hooks, settings and comments; connecting twice changes nothing; disconnect restores the file byte for byte`, () => {
    const box = sandbox();
    const file = fileOf(agent, box.env);
    const original = USER_FILES[agent];
    write(file, original);

    const plan = planConnect([agent], box.env);
    assert.equal(plan.length, 1);
    const change = plan[0]!;
    assert.equal(change.agent, agent);
    assert.equal(change.file, file);
    assert.equal(change.before, original);
    assert.match(change.diff, /^--- a\//);
    assert.match(change.diff, new RegExp(`\\+.*hook ${DIALECT[agent]}`));
    assert.equal(read(file), original, 'planning writes nothing');

    applyChanges(plan);
    const after = read(file)!;
    const doc = json(after);
    const originalDoc = json(original);

    // every comment and every user setting and hook is still there
    for (const comment of original.match(/\/\/[^\n]*|\/\*[\s\S]*?\*\//g) ?? []) assert.ok(after.includes(comment), `comment kept: ${comment}`);
    for (const [key, value] of Object.entries(originalDoc)) if (key !== 'hooks') assert.deepEqual(doc[key], value, `setting ${key} kept`);
    for (const [event, list] of Object.entries(originalDoc.hooks as Record<string, unknown[]>)) {
      for (const item of list) assert.ok((doc.hooks[event] as unknown[]).some((x) => JSON.stringify(x) === JSON.stringify(item)), `user hook kept in ${event}`);
    }
    // each of the user's lines is still in the file as written (Belay only inserted lines)
    for (const line of original.split('\n')) assert.ok(after.includes(line.replace(/\s+$/, '')), `line kept: ${line}`);

    // Belay's hooks: one per event, the gating one fails closed where the agent allows it
    const mine = belayHandlers(agent, doc);
    assert.deepEqual(Object.keys(mine).sort(), [...EVENTS[agent].events].sort());
    for (const list of Object.values(mine)) assert.equal(list.length, 1);
    const gate = mine[EVENTS[agent].gate]![0]!;
    if (agent === 'claude-code') {
      assert.equal(gate.onFailure, 'block');
      assert.equal(gate.type, 'command');
      assert.equal(gate.timeout, 60);
      const group = (doc.hooks.PreToolUse as Json[]).find((g) => (g.hooks as Json[]).includes(gate))!;
      assert.equal(group.matcher, '*');
    }
    if (agent === 'cursor') {
      assert.equal(gate.failClosed, true);
      assert.equal(doc.version, 1);
      for (const [event, list] of Object.entries(mine)) if (event !== 'preToolUse') assert.equal(list[0]!.failClosed, undefined);
    }
    if (agent === 'codex') assert.equal(gate.type, 'command');
    if (agent === 'copilot-cli') {
      assert.equal(doc.version, 1);
      assert.equal(typeof gate.bash, 'string');
      assert.equal(gate.timeoutSec, 60);
    }
    if (agent === 'vscode-workspace') {
      assert.equal(doc.version, undefined, 'version is written only into a file Belay creates');
      assert.equal(gate.windows, 'belay hook vscode');
      assert.match(gate.command as string, /belay hook vscode/);
    }

    assert.deepEqual(planConnect([agent], box.env), [], 'connecting twice changes nothing');

    const off = planDisconnect([agent], box.env);
    assert.equal(off.length, 1);
    applyChanges(off);
    assert.equal(read(file), original, 'disconnect gives back the very file the user had');
    assert.deepEqual(planDisconnect([agent], box.env), [], 'disconnecting twice changes nothing');
  });

  test(`${agent}: on a machine without the file, connect creates it and disconnect deletes it again`, () => {
    const box = sandbox();
    const file = fileOf(agent, box.env);
    const plan = planConnect([agent], box.env);
    assert.equal(plan.length, 1);
    assert.equal(plan[0]!.before, undefined);
    assert.match(plan[0]!.diff, /^--- \/dev\/null\n\+\+\+ b\//);
    applyChanges(plan);
    const text = read(file)!;
    assert.ok(text.endsWith('\n'));
    const doc = json(text);
    assert.deepEqual(Object.keys(belayHandlers(agent, doc)).sort(), [...EVENTS[agent].events].sort());
    if (agent === 'cursor' || agent === 'copilot-cli' || agent === 'vscode-workspace') assert.equal(doc.version, 1);
    assert.deepEqual(planConnect([agent], box.env), []);
    const off = planDisconnect([agent], box.env);
    assert.equal(off[0]!.after, undefined);
    assert.match(off[0]!.diff, /\+\+\+ \/dev\/null/);
    applyChanges(off);
    assert.equal(fs.existsSync(file), false);
  });

  test(`${agent}: a malformed configuration file is reported with its position and left untouched`, () => {
    const box = sandbox();
    const file = fileOf(agent, box.env);
    const broken = '{\n  "hooks": {\n    "PreToolUse": [\n  }\n';
    write(file, broken);
    assert.throws(
      () => planConnect([agent], box.env),
      (err: unknown) => err instanceof ConnectError && err.file === file && /is not valid JSON \(.+ at line \d+, column \d+\); Belay left it untouched/.test(err.message),
    );
    assert.throws(() => planDisconnect([agent], box.env), ConnectError);
    assert.equal(read(file), broken);
    const status = connectionStatus(box.env).find((s) => s.agent === agent)!;
    assert.equal(status.connected, false);
    assert.match(status.detail, /not valid JSON/);
  });
}

test('a file of an unexpected shape is refused with a clear error, untouched', () => {
  const box = sandbox();
  const file = fileOf('claude-code', box.env);
  for (const text of ['{ "hooks": [] }\n', '{ "hooks": { "PreToolUse": {} } }\n', '[1, 2]\n', '{ "hooks": { "PreToolUse": ["not a group"] } }\n']) {
    write(file, text);
    assert.throws(() => planConnect(['claude-code'], box.env), (err: unknown) => err instanceof ConnectError && /Belay left (the file|it) untouched/.test(err.message), text);
    assert.equal(read(file), text);
  }
});

test('a malformed file for one agent stops the whole plan: nothing is planned for the others', () => {
  const box = sandbox();
  write(fileOf('cursor', box.env), '{ nope');
  assert.throws(() => planConnect(['claude-code', 'cursor'], box.env), ConnectError);
  assert.equal(fs.existsSync(fileOf('claude-code', box.env)), false);
});

test('reconnecting with another runtime or CLI replaces Belay’s hooks instead of adding a second set', () => {
  const box = sandbox();
  write(fileOf('claude-code', box.env), USER_FILES['claude-code']);
  applyChanges(planConnect(['claude-code'], box.env));
  const moved = path.join(box.awkward, 'belay-2.js');
  fs.copyFileSync(box.env.command.cli, moved);
  const env2 = { ...box.env, command: { ...box.env.command, cli: moved } };
  const plan = planConnect(['claude-code'], env2);
  assert.equal(plan.length, 1);
  applyChanges(plan);
  const doc = json(read(fileOf('claude-code', box.env)));
  const mine = belayHandlers('claude-code', doc);
  for (const list of Object.values(mine)) {
    assert.equal(list.length, 1);
    assert.ok((list[0]!.command as string).includes('belay-2.js'));
  }
  assert.deepEqual(planConnect(['claude-code'], env2), []);
});

test('a Belay hook the user wrote by hand counts as Belay’s: connect replaces it, keeping their other hooks in the same group', () => {
  const box = sandbox();
  const file = fileOf('claude-code', box.env);
  write(
    file,
    JSON.stringify(
      { hooks: { PreToolUse: [{ matcher: '*', hooks: [{ type: 'command', command: './mine.sh' }, { type: 'command', command: 'node ~/belay/dist/belay.js hook claude' }] }] } },
      null,
      2,
    ) + '\n',
  );
  applyChanges(planConnect(['claude-code'], box.env));
  const doc = json(read(file));
  const groups = doc.hooks.PreToolUse as Json[];
  assert.deepEqual(groups[0], { matcher: '*', hooks: [{ type: 'command', command: './mine.sh' }] });
  assert.equal(belayHandlers('claude-code', doc).PreToolUse!.length, 1);
  assert.ok(!read(file)!.includes('~/belay/dist/belay.js'));
  applyChanges(planDisconnect(['claude-code'], box.env));
  assert.deepEqual(json(read(file)).hooks.PreToolUse, [{ matcher: '*', hooks: [{ type: 'command', command: './mine.sh' }] }]);
});

test('applyChanges refuses a file that changed since planning and then writes nothing at all', () => {
  const box = sandbox();
  const claude = fileOf('claude-code', box.env);
  write(claude, '{}\n');
  const plan = planConnect(['cursor', 'claude-code'], box.env);
  assert.equal(plan.length, 2);
  write(claude, '{ "model": "sonnet" }\n');
  assert.throws(() => applyChanges(plan), (err: unknown) => err instanceof ConnectError && /changed since the changes were planned/.test(err.message));
  assert.equal(read(claude), '{ "model": "sonnet" }\n');
  assert.equal(fs.existsSync(fileOf('cursor', box.env)), false, 'the other file was not written either');
  // a file that appeared since planning counts as a change too
  const fresh = planConnect(['codex'], box.env);
  write(fileOf('codex', box.env), '{}\n');
  assert.throws(() => applyChanges(fresh), ConnectError);
});

test('applyChanges replaces a file atomically, keeps its permissions and leaves no temporary file', () => {
  const box = sandbox();
  const file = fileOf('codex', box.env);
  write(file, '{}\n');
  fs.chmodSync(file, 0o600);
  applyChanges(planConnect(['codex'], box.env));
  assert.equal(fs.statSync(file).mode & 0o777, 0o600);
  assert.deepEqual(fs.readdirSync(path.dirname(file)), ['hooks.json']);
});

test('a file with a byte order mark and CRLF line endings keeps both', () => {
  const box = sandbox();
  const file = fileOf('cursor', box.env);
  const original = '\uFEFF{\r\n  "version": 1,\r\n  "hooks": {\r\n    "stop": [{ "command": "./done.sh" }]\r\n  }\r\n}\r\n';
  write(file, original);
  applyChanges(planConnect(['cursor'], box.env));
  const text = read(file)!;
  assert.ok(text.startsWith('\uFEFF'));
  assert.ok(!/[^\r]\n/.test(text), 'CRLF throughout');
  assert.deepEqual(planConnect(['cursor'], box.env), []);
  applyChanges(planDisconnect(['cursor'], box.env));
  assert.equal(read(file), original);
});

test('connectionStatus tells guarded from not connected, partly connected and broken', () => {
  const box = sandbox();
  let all = connectionStatus(box.env);
  assert.deepEqual(
    all.map((s) => s.agent),
    [...AGENT_IDS],
  );
  assert.ok(all.every((s) => !s.connected));

  applyChanges(planConnect([...AGENT_IDS], box.env));
  all = connectionStatus(box.env);
  for (const s of all) {
    assert.equal(s.connected, true, `${s.agent}: ${s.detail}`);
    assert.equal(s.file, fileOf(s.agent, box.env));
  }
  assert.match(all.find((s) => s.agent === 'claude-code')!.detail, /6 hooks, runs .*node runtime .*belay "stub"\.mjs/);

  // one event lost
  const cursorFile = fileOf('cursor', box.env);
  const doc = json(read(cursorFile));
  delete doc.hooks.preToolUse;
  write(cursorFile, JSON.stringify(doc, null, 2));
  const cursor = connectionStatus(box.env).find((s) => s.agent === 'cursor')!;
  assert.equal(cursor.connected, false);
  assert.match(cursor.detail, /no Belay hook for preToolUse/);

  // the CLI the hooks point at is gone
  fs.rmSync(box.env.command.cli);
  const claude = connectionStatus(box.env).find((s) => s.agent === 'claude-code')!;
  assert.equal(claude.connected, false);
  assert.match(claude.detail, /CLI .*belay "stub"\.mjs that no longer exists/);
});

test('Copilot CLI on Windows gets a PowerShell command; Cursor and Codex on Windows are refused with a reason', () => {
  const box = sandbox();
  const env: ConnectEnv = { ...box.env, platform: 'win32', command: { runtime: 'C:\\Program Files\\nodejs\\node.exe', cli: "C:\\Users\\o'neil\\belay\\belay.js" } };
  const plan = planConnect(['copilot-cli'], { ...env, command: { ...env.command } });
  const doc = json(plan[0]!.after);
  const gate = doc.hooks.preToolUse[0] as Json;
  assert.equal(gate.bash, undefined);
  assert.match(gate.powershell as string, /& 'C:\\Program Files\\nodejs\\node\.exe' 'C:\\Users\\o''neil\\belay\\belay\.js' hook copilot-cli/);
  assert.match(gate.powershell as string, /permissionDecision/);
  assert.throws(() => planConnect(['cursor'], env), /not supported yet/);
  assert.throws(() => planConnect(['codex'], env), /not supported yet/);
});

test('COPILOT_HOME moves the Copilot CLI hooks file', () => {
  const box = sandbox();
  const copilotHome = path.join(box.home, 'elsewhere');
  const plan = planConnect(['copilot-cli'], { ...box.env, copilotHome });
  assert.equal(plan[0]!.file, path.join(copilotHome, 'hooks', 'belay.json'));
});

test('relative runtime or CLI paths are refused', () => {
  const box = sandbox();
  assert.throws(() => planConnect(['claude-code'], { ...box.env, command: { runtime: 'node', cli: box.env.command.cli } }), /must be absolute/);
});

test('detectAgents finds the agents whose configuration folders exist, never the team file', () => {
  const box = sandbox();
  assert.deepEqual(detectAgents(box.env), []);
  fs.mkdirSync(path.join(box.home, '.claude'));
  fs.mkdirSync(path.join(box.workspace, '.cursor'));
  fs.mkdirSync(path.join(box.home, '.copilot'));
  assert.deepEqual(detectAgents(box.env), ['claude-code', 'cursor', 'copilot-cli']);
});

test('planRepair points hooks whose CLI is gone, or superseded, at the current one; others stay as they are', () => {
  const box = sandbox();
  write(fileOf('claude-code', box.env), USER_FILES['claude-code']);
  write(fileOf('copilot-cli', box.env), USER_FILES['copilot-cli']);
  // connected with an older CLI that an update then removes
  const old = path.join(box.awkward, 'belay-old.js');
  fs.copyFileSync(box.env.command.cli, old);
  applyChanges(planConnect(['claude-code', 'copilot-cli'], { ...box.env, command: { ...box.env.command, cli: old } }));
  assert.deepEqual(planRepair(box.env), [], 'an older CLI that still exists is kept unless called stale');
  assert.deepEqual(
    planRepair(box.env, (p) => p.cli === old).map((c) => c.agent),
    ['claude-code', 'copilot-cli'],
  );
  fs.rmSync(old);
  const plan = planRepair(box.env);
  assert.deepEqual(plan.map((c) => c.agent), ['claude-code', 'copilot-cli']);
  applyChanges(plan);
  const status = new Map(connectionStatus(box.env).map((s) => [s.agent, s]));
  assert.equal(status.get('claude-code')?.connected, true, status.get('claude-code')?.detail);
  assert.equal(status.get('copilot-cli')?.connected, true, status.get('copilot-cli')?.detail);
  // the user's own hooks are still there, and agents never connected were not touched
  const user = json(USER_FILES['claude-code']);
  const after = json(read(fileOf('claude-code', box.env)));
  for (const [event, groups] of Object.entries(user.hooks ?? {}) as Array<[string, Json[]]>) {
    for (const g of groups) for (const h of g.hooks) assert.ok(JSON.stringify(after.hooks[event]).includes(JSON.stringify(h.command)), `kept ${String(h.command)}`);
  }
  assert.equal(fs.existsSync(fileOf('cursor', box.env)), false);
  assert.deepEqual(planRepair(box.env), [], 'nothing left to repair');
});
