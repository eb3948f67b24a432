import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'jsonc-parser';
import { applyChanges, planConnect, type AgentId } from '../../../../src/core/connectors/connect.ts';
import { shQuote, shSplit } from '../../../../src/core/connectors/shellQuote.ts';
import { readRecords, runLikeAgent, sandbox, type Sandbox } from './fixtures.ts';

// Each agent runs the command `belay connect` wrote through a POSIX shell
// (`sh -c` / `bash -c`) with one hook document on stdin. These tests run the
// written commands exactly so, against a stub CLI at a path with spaces,
// quotes and `$`, and check that the call really reaches `belay hook
// <dialect>` with the document untouched — and that a broken guard denies.

// The tests walk agents' JSON files freely; a loose type keeps the assertions readable.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

interface Wired {
  box: Sandbox;
  /** event → the command Belay wrote for it */
  commands: Record<string, string>;
  env: NodeJS.ProcessEnv;
}

const GROUPED = new Set<AgentId>(['claude-code', 'codex']);

function wire(agent: AgentId): Wired {
  const box = sandbox();
  const plan = planConnect([agent], box.env);
  applyChanges(plan);
  const doc = parse(fs.readFileSync(plan[0]!.file, 'utf8')) as Json;
  const commands: Record<string, string> = {};
  for (const [event, list] of Object.entries(doc.hooks as Record<string, Json[]>)) {
    const handler = (GROUPED.has(agent) ? (list[0]!.hooks as Json[])[0] : list[0]) as Json;
    commands[event] = (handler.bash ?? handler.command) as string;
  }
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: box.home, STUB_RECORD: box.record };
  return { box, commands, env };
}

/** Hook documents shaped as each vendor documents them. */
const DOCS: Record<AgentId, (ws: string) => Record<string, Json>> = {
  // https://code.claude.com/docs/en/hooks
  'claude-code': (ws) => {
    const base = { session_id: 's-1', transcript_path: '/tmp/t.jsonl', cwd: ws, permission_mode: 'default' };
    return {
      SessionStart: { ...base, hook_event_name: 'SessionStart', source: 'startup' },
      UserPromptSubmit: { ...base, hook_event_name: 'UserPromptSubmit', prompt: 'add a test' },
      PreToolUse: { ...base, hook_event_name: 'PreToolUse', tool_name: 'Bash', tool_input: { command: 'rm -rf build' }, tool_use_id: 'toolu_1' },
      PostToolUse: { ...base, hook_event_name: 'PostToolUse', tool_name: 'Bash', tool_input: { command: 'rm -rf build' }, tool_response: { stdout: '' }, tool_use_id: 'toolu_1' },
      Stop: { ...base, hook_event_name: 'Stop', stop_hook_active: false },
      SessionEnd: { ...base, hook_event_name: 'SessionEnd', reason: 'prompt_input_exit' },
    };
  },
  // https://cursor.com/docs/hooks
  cursor: (ws) => {
    const base = { conversation_id: 'c-1', generation_id: 'g-1', model: 'default', cursor_version: '2.0.0', workspace_roots: [ws], user_email: null, transcript_path: null };
    return {
      sessionStart: { ...base, hook_event_name: 'sessionStart', session_id: 'c-1', is_background_agent: false, composer_mode: 'agent' },
      beforeSubmitPrompt: { ...base, hook_event_name: 'beforeSubmitPrompt', prompt: 'add a test', attachments: [] },
      preToolUse: { ...base, hook_event_name: 'preToolUse', tool_name: 'Shell', tool_input: { command: 'rm -rf build', cwd: ws }, tool_use_id: 'u-1', cwd: ws },
      postToolUse: { ...base, hook_event_name: 'postToolUse', tool_name: 'Shell', tool_input: { command: 'rm -rf build' }, tool_output: '{"output":"","exitCode":0}', tool_use_id: 'u-1', cwd: ws, duration: 12.5 },
      stop: { ...base, hook_event_name: 'stop', status: 'completed', loop_count: 0 },
      sessionEnd: { ...base, hook_event_name: 'sessionEnd', session_id: 'c-1', reason: 'completed', duration_ms: 1000, is_background_agent: false, final_status: 'completed' },
    };
  },
  // https://developers.openai.com/codex/hooks
  codex: (ws) => {
    const base = { session_id: 's-1', transcript_path: null, cwd: ws, model: 'gpt-5-codex', permission_mode: 'default' };
    return {
      SessionStart: { ...base, hook_event_name: 'SessionStart', source: 'startup' },
      UserPromptSubmit: { ...base, turn_id: 't-1', hook_event_name: 'UserPromptSubmit', prompt: 'add a test' },
      PreToolUse: { ...base, turn_id: 't-1', hook_event_name: 'PreToolUse', tool_name: 'Bash', tool_use_id: 'call-1', tool_input: { command: 'rm -rf build' } },
      PostToolUse: { ...base, turn_id: 't-1', hook_event_name: 'PostToolUse', tool_name: 'Bash', tool_use_id: 'call-1', tool_input: { command: 'rm -rf build' }, tool_response: 'ok' },
      Stop: { ...base, turn_id: 't-1', hook_event_name: 'Stop', stop_hook_active: false, last_assistant_message: 'done' },
    };
  },
  // https://docs.github.com/en/copilot/reference/hooks-reference (camelCase payloads)
  'copilot-cli': (ws) => {
    const base = { sessionId: 's-1', timestamp: 1767225600000, cwd: ws };
    return {
      sessionStart: { ...base, source: 'new', initialPrompt: 'add a test' },
      userPromptSubmitted: { ...base, prompt: 'add a test' },
      preToolUse: { ...base, toolName: 'bash', toolArgs: { command: 'rm -rf build' } },
      postToolUse: { ...base, toolName: 'bash', toolArgs: { command: 'rm -rf build' }, toolResult: { resultType: 'success', textResultForLlm: '' } },
      agentStop: { ...base, transcriptPath: '/tmp/t.jsonl', stopReason: 'end_turn' },
      sessionEnd: { ...base, reason: 'complete' },
    };
  },
  // ../shared/docs/real-agent.md (as captured from VS Code 1.139)
  'vscode-workspace': (ws) => {
    const base = { timestamp: '2026-01-01T00:00:00.000Z', session_id: 'vs-1', transcript_path: '', cwd: ws };
    return {
      SessionStart: { ...base, hook_event_name: 'SessionStart', source: 'new', model: 'scripted' },
      UserPromptSubmit: { ...base, hook_event_name: 'UserPromptSubmit', prompt: 'add a test' },
      PreToolUse: { ...base, hook_event_name: 'PreToolUse', tool_name: 'run_in_terminal', tool_input: { command: 'rm -rf build', explanation: '', goal: '', isBackground: false, mode: 'sync' }, tool_use_id: 'call_1__vscode-1' },
      PostToolUse: { ...base, hook_event_name: 'PostToolUse', tool_name: 'run_in_terminal', tool_input: { command: 'rm -rf build' }, tool_use_id: 'call_1__vscode-1', tool_response: '' },
      Stop: { ...base, hook_event_name: 'Stop', stop_hook_active: false },
    };
  },
};

const DIALECT: Record<AgentId, string> = { 'claude-code': 'claude', cursor: 'cursor', codex: 'codex', 'copilot-cli': 'copilot-cli', 'vscode-workspace': 'vscode' };
const SHELL: Record<AgentId, Array<'sh' | 'bash'>> = {
  'claude-code': ['sh', 'bash'],
  cursor: ['sh'],
  codex: ['sh', 'bash'],
  'copilot-cli': ['bash'],
  'vscode-workspace': ['sh'],
};

/** A `belay` on PATH for the team file: a script that runs the stub CLI with this Node. */
function belayOnPath(box: Sandbox): string {
  const bin = path.join(box.awkward, 'bin dir');
  fs.mkdirSync(bin, { recursive: true });
  fs.writeFileSync(path.join(bin, 'belay'), `#!/bin/sh\nexec ${shQuote(process.execPath)} ${shQuote(box.env.command.cli)} "$@"\n`, { mode: 0o755 });
  return bin;
}

for (const agent of ['claude-code', 'cursor', 'codex', 'copilot-cli', 'vscode-workspace'] as AgentId[]) {
  test(`${agent}: every command Belay wrote, run as the agent runs it, reaches belay hook ${DIALECT[agent]} with the document unchanged`, () => {
    const { box, commands, env } = wire(agent);
    if (agent === 'vscode-workspace') env.PATH = `${belayOnPath(box)}:${env.PATH}`;
    const docs = DOCS[agent](box.workspace);
    assert.deepEqual(Object.keys(commands).sort(), Object.keys(docs).sort());
    for (const shell of SHELL[agent]) {
      for (const [event, doc] of Object.entries(docs)) {
        fs.rmSync(box.record, { force: true });
        const input = JSON.stringify(doc);
        const answer = '{"continue":true}\n';
        const r = runLikeAgent(shell, commands[event]!, input, { ...env, STUB_STDOUT: answer }, box.workspace);
        assert.equal(r.code, 0, `${shell} ${event}: ${r.stderr}`);
        assert.equal(r.stdout, answer, 'the answer reaches the agent unchanged');
        const calls = readRecords(box.record);
        assert.equal(calls.length, 1, `${event}: one call`);
        assert.deepEqual(calls[0]!.argv, ['hook', DIALECT[agent]]);
        assert.equal(calls[0]!.stdin, input);
        if (agent !== 'vscode-workspace') assert.equal(calls[0]!.electronRunAsNode, '1', 'an Electron runtime runs as Node');
      }
    }
  });
}

test('claude-code, codex: Belay’s deny (exit 2) passes through; a guard that cannot run denies with exit 2 and a reason', () => {
  for (const agent of ['claude-code', 'codex'] as AgentId[]) {
    const { box, commands, env } = wire(agent);
    const gate = commands.PreToolUse!;
    const input = JSON.stringify(DOCS[agent](box.workspace).PreToolUse);

    const denyJson = '{"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"deny","permissionDecisionReason":"Belay [r]: no"}}\n';
    const denied = runLikeAgent('sh', gate, input, { ...env, STUB_STDOUT: denyJson, STUB_STDERR: 'Belay [r]: no\n', STUB_EXIT: '2' }, box.workspace);
    assert.equal(denied.code, 2);
    assert.equal(denied.stdout, denyJson);
    assert.equal(denied.stderr, 'Belay [r]: no\n');

    const crashed = runLikeAgent('sh', gate, input, { ...env, STUB_EXIT: '1' }, box.workspace);
    assert.equal(crashed.code, 2, `${agent}: a crash denies`);
    assert.match(crashed.stderr, /Belay could not run its guard \(exit 1\), so this action was denied to stay safe/);

    // other events keep the outcome as it is (a failing recorder must not block a prompt or a stop)
    const post = runLikeAgent('sh', commands.PostToolUse!, '{}', { ...env, STUB_EXIT: '1' }, box.workspace);
    assert.equal(post.code, 1);

    fs.rmSync(box.env.command.cli);
    const noCli = runLikeAgent('sh', gate, input, env, box.workspace);
    assert.equal(noCli.code, 2, `${agent}: a missing CLI denies`);
    fs.rmSync(box.env.command.runtime);
    const noRuntime = runLikeAgent('sh', gate, input, env, box.workspace);
    assert.equal(noRuntime.code, 2, `${agent}: a missing runtime denies`);
    assert.match(noRuntime.stderr, /could not run its guard \(exit 127\)/);
  }
});

test('copilot-cli: the decision travels as stdout JSON with exit 0; a guard that cannot run prints a deny itself', () => {
  const { box, commands, env } = wire('copilot-cli');
  const gate = commands.preToolUse!;
  const input = JSON.stringify(DOCS['copilot-cli'](box.workspace).preToolUse);

  const denyJson = '{"permissionDecision":"deny","permissionDecisionReason":"Belay [r]: no"}\n';
  const denied = runLikeAgent('bash', gate, input, { ...env, STUB_STDOUT: denyJson, STUB_EXIT: '2' }, box.workspace);
  assert.equal(denied.code, 0, 'Copilot CLI reads stdout only on exit 0');
  assert.equal(denied.stdout, denyJson);

  for (const breakIt of [() => undefined, () => fs.rmSync(box.env.command.cli), () => fs.rmSync(box.env.command.runtime)]) {
    breakIt();
    const r = runLikeAgent('bash', gate, input, { ...env, STUB_EXIT: '1' }, box.workspace);
    assert.equal(r.code, 0);
    const answer = JSON.parse(r.stdout.trim().split('\n').pop()!);
    assert.equal(answer.permissionDecision, 'deny');
    assert.match(answer.permissionDecisionReason, /denied to stay safe/);
  }
});

test('cursor: exit codes pass through untouched (failClosed in hooks.json makes Cursor block on a failure)', () => {
  const { box, commands, env } = wire('cursor');
  const input = JSON.stringify(DOCS.cursor(box.workspace).preToolUse);
  const r = runLikeAgent('sh', commands.preToolUse!, input, { ...env, STUB_EXIT: '1' }, box.workspace);
  assert.equal(r.code, 1);
});

test('vscode-workspace: without belay on PATH the gating hook denies with a reason and the others do nothing', () => {
  const { box, commands } = wire('vscode-workspace');
  const env = { PATH: '/usr/bin:/bin', HOME: box.home, STUB_RECORD: box.record };
  assert.equal(runLikeAgent('sh', 'command -v belay', '', env, box.workspace).code !== 0, true, 'no belay on this PATH');
  const pre = runLikeAgent('sh', commands.PreToolUse!, JSON.stringify(DOCS['vscode-workspace'](box.workspace).PreToolUse), env, box.workspace);
  assert.equal(pre.code, 2);
  assert.match(pre.stderr, /belay command is not on PATH, so this action was denied to stay safe/);
  for (const event of ['SessionStart', 'UserPromptSubmit', 'PostToolUse', 'Stop']) {
    const r = runLikeAgent('sh', commands[event]!, '{}', env, box.workspace);
    assert.equal(r.code, 0, event);
    assert.equal(r.stdout, '');
  }
  // with belay on PATH but crashing, the gate still denies
  const withBelay = { ...env, PATH: `${belayOnPath(box)}:${env.PATH}`, STUB_EXIT: '1' };
  assert.equal(runLikeAgent('sh', commands.PreToolUse!, '{}', withBelay, box.workspace).code, 2);
});

test('shQuote survives the shell for every awkward character, and shSplit reads it back', () => {
  const words = ["it's", 'a b', '$HOME', '`x`', '"q"', 'back\\slash', 'semi;colon', 'new\nline', '', 'plain/path-1.js', '*', '~user'];
  for (const w of words) {
    const r = runLikeAgent('sh', `printf %s ${shQuote(w)}`, '', { PATH: process.env.PATH }, process.cwd());
    assert.equal(r.stdout, w, JSON.stringify(w));
    assert.deepEqual(shSplit(`X=1 ${shQuote(w)} tail`), ['X=1', w, 'tail']);
  }
  assert.deepEqual(shSplit(`a "b \\"c\\" $d" e\\ f; g`), ['a', 'b "c" $d', 'e f']);
  assert.equal(shSplit(`a 'unterminated`), undefined);
});
