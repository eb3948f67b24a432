// The interception flow of the real-agent end-to-end test (create a file, edit
// it, `rm` another in the shell, try to overwrite `.env`, roll back the `rm`,
// kill switch) for every other agent dialect, with documents shaped as each
// vendor documents them, through the shipped `belay hook` (dist/belay.js and
// the hook server it starts). The test plays the agent: it carries out a tool
// call only when Belay's answer lets it run, then reports the result.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ReceiptStore } from '../../../src/core/receipts/store.ts';
import { workspaceState } from '../../../src/core/config/paths.ts';
import { repoRoot } from '../../support/cli.ts';
import { isolatedEnv, userRepo } from '../../support/fixtures.ts';

const bundle = path.join(repoRoot, 'dist', 'belay.js');
const noBundle = !fs.existsSync(bundle) && 'dist/belay.js is not built (npm run build)';

type Op =
  | { kind: 'create'; file: string; content: string }
  | { kind: 'edit'; file: string; old: string; new: string }
  | { kind: 'shell'; command: string };

interface Dialect {
  name: 'claude' | 'cursor' | 'codex' | 'copilot-cli';
  pre(ws: string, id: string, op: Op): Record<string, unknown>;
  post(ws: string, id: string, op: Op): Record<string, unknown>;
}

const abs = (ws: string, f: string) => path.join(ws, f);

// https://code.claude.com/docs/en/hooks
const claude: Dialect = {
  name: 'claude',
  pre: (ws, id, op) => ({
    session_id: 'claude-session',
    transcript_path: '/tmp/t.jsonl',
    cwd: ws,
    permission_mode: 'default',
    hook_event_name: 'PreToolUse',
    ...(op.kind === 'create'
      ? { tool_name: 'Write', tool_input: { file_path: abs(ws, op.file), content: op.content } }
      : op.kind === 'edit'
        ? { tool_name: 'Edit', tool_input: { file_path: abs(ws, op.file), old_string: op.old, new_string: op.new } }
        : { tool_name: 'Bash', tool_input: { command: op.command, description: 'run' } }),
    tool_use_id: id,
  }),
  post: (ws, id, op) => ({ ...claude.pre(ws, id, op), hook_event_name: 'PostToolUse', tool_response: { success: true } }),
};

// https://cursor.com/docs/hooks (preToolUse / postToolUse)
const cursor: Dialect = {
  name: 'cursor',
  pre: (ws, id, op) => ({
    conversation_id: 'cursor-conv',
    generation_id: `gen-${id}`,
    model: 'auto',
    cursor_version: '2.1.0',
    workspace_roots: [ws],
    hook_event_name: 'preToolUse',
    ...(op.kind === 'create'
      ? { tool_name: 'Write', tool_input: { file_path: abs(ws, op.file), content: op.content } }
      : op.kind === 'edit'
        ? { tool_name: 'StrReplace', tool_input: { file_path: abs(ws, op.file), old_string: op.old, new_string: op.new } }
        : { tool_name: 'Shell', tool_input: { command: op.command, working_directory: ws } }),
    tool_use_id: id,
    cwd: ws,
  }),
  post: (ws, id, op) => ({ ...cursor.pre(ws, id, op), hook_event_name: 'postToolUse', tool_output: '{"ok":true}' }),
};

// https://developers.openai.com/codex/hooks (files change through apply_patch)
const codex: Dialect = {
  name: 'codex',
  pre: (ws, id, op) => ({
    session_id: 'codex-session',
    turn_id: 'turn-1',
    transcript_path: '/tmp/codex.jsonl',
    cwd: ws,
    hook_event_name: 'PreToolUse',
    model: 'gpt-5-codex',
    ...(op.kind === 'create'
      ? { tool_name: 'apply_patch', tool_input: { command: `*** Begin Patch\n*** Add File: ${op.file}\n${op.content.split('\n').filter(Boolean).map((l) => `+${l}`).join('\n')}\n*** End Patch` } }
      : op.kind === 'edit'
        ? { tool_name: 'apply_patch', tool_input: { command: `*** Begin Patch\n*** Update File: ${op.file}\n@@\n-${op.old}\n+${op.new}\n*** End Patch` } }
        : { tool_name: 'shell', tool_input: { command: ['bash', '-lc', op.command] } }),
    tool_use_id: id,
  }),
  post: (ws, id, op) => ({ ...codex.pre(ws, id, op), hook_event_name: 'PostToolUse', tool_response: { exit_code: 0, output: '' } }),
};

// https://docs.github.com/en/copilot/reference/hooks-reference (no event name, no call id)
const copilotCli: Dialect = {
  name: 'copilot-cli',
  pre: (ws, _id, op) => ({
    timestamp: 1767225600000,
    cwd: ws,
    ...(op.kind === 'create'
      ? { toolName: 'create', toolArgs: JSON.stringify({ path: abs(ws, op.file), file_text: op.content }) }
      : op.kind === 'edit'
        ? { toolName: 'edit', toolArgs: JSON.stringify({ path: abs(ws, op.file), old_str: op.old, new_str: op.new }) }
        : { toolName: 'bash', toolArgs: JSON.stringify({ command: op.command, description: 'run' }) }),
  }),
  post: (ws, id, op) => ({ ...copilotCli.pre(ws, id, op), toolResult: { resultType: 'success', textResultForLlm: 'done' } }),
};

/** What the agent makes of Belay's answer: may the tool run, and what was the agent told. */
function verdict(dialect: Dialect['name'], r: { status: number | null; stdout: string; stderr: string }): { runs: boolean; decision: string; told: string } {
  const body = r.stdout.trim() ? (JSON.parse(r.stdout) as Record<string, unknown>) : {};
  if (dialect === 'cursor') {
    const b = body as { permission?: string; agent_message?: string };
    return { runs: r.status === 0 && b.permission === 'allow', decision: b.permission ?? 'none', told: b.agent_message ?? '' };
  }
  if (dialect === 'copilot-cli') {
    const b = body as { permissionDecision?: string; permissionDecisionReason?: string };
    const decision = b.permissionDecision ?? 'allow';
    return { runs: decision === 'allow', decision, told: b.permissionDecisionReason ?? '' };
  }
  const out = (body as { hookSpecificOutput?: { permissionDecision?: string; permissionDecisionReason?: string } }).hookSpecificOutput;
  const decision = r.status === 2 ? 'deny' : out?.permissionDecision ?? 'allow';
  return { runs: r.status === 0 && (decision === 'allow' || decision === 'ask'), decision, told: `${out?.permissionDecisionReason ?? ''} ${r.stderr}` };
}

for (const d of [claude, cursor, codex, copilotCli]) {
  test(`${d.name}: create, edit, rm in the shell, a denied .env overwrite, rollback of the rm, kill switch`, { skip: noBundle }, () => {
    const ws = userRepo({ 'old.txt': 'keep me\n', '.env': 'API_TOKEN=real-value-123\n', 'README.md': '# demo\n' });
    // the agent would not be asked for this flow's allowed calls (codex and copilot-cli have no confirmation of their own)
    const env = { ...isolatedEnv(), BELAY_APPROVALS: 'agent' };
    const hook = (doc: Record<string, unknown>) => spawnSync(process.execPath, [bundle, 'hook', d.name], { env, input: JSON.stringify(doc), encoding: 'utf8', timeout: 60_000 });
    const apply = (op: Op) => {
      if (op.kind === 'create') fs.writeFileSync(abs(ws, op.file), op.content);
      else if (op.kind === 'edit') fs.writeFileSync(abs(ws, op.file), fs.readFileSync(abs(ws, op.file), 'utf8').replace(op.old, op.new));
      else assert.equal(spawnSync('bash', ['-c', op.command], { cwd: ws }).status, 0);
    };
    /** One tool call as the agent makes it: ask, run only when let through, report. */
    const callTool = (id: string, op: Op) => {
      const v = verdict(d.name, hook(d.pre(ws, id, op)));
      if (v.runs) {
        apply(op);
        const post = hook(d.post(ws, id, op));
        assert.equal(post.status, 0, post.stderr);
      }
      return v;
    };

    assert.equal(callTool('c1', { kind: 'create', file: 'notes.md', content: 'first line\n' }).runs, true);
    assert.equal(callTool('c2', { kind: 'edit', file: 'notes.md', old: 'first line', new: 'edited line' }).runs, true);
    assert.equal(callTool('c3', { kind: 'shell', command: 'rm old.txt' }).runs, true);
    assert.equal(fs.existsSync(abs(ws, 'old.txt')), false);
    const secret = callTool('c4', { kind: 'create', file: '.env', content: 'API_TOKEN=\n' });
    assert.equal(secret.runs, false, `the .env overwrite must not run (${secret.decision})`);
    assert.match(secret.told, /Belay \[secrets\./, 'the agent is told which rule stopped it');
    assert.equal(fs.readFileSync(abs(ws, '.env'), 'utf8'), 'API_TOKEN=real-value-123\n');

    const store = ReceiptStore.open({ file: workspaceState(ws, env).receiptsFile, workspace: ws, env });
    let rmId: string;
    try {
      const actions = store.list({ limit: 50, order: 'oldest', kind: 'action' }).items;
      assert.equal(actions.length, 4, JSON.stringify(actions.map((a) => [a.tool, a.decision, a.outcome])));
      assert.deepEqual(
        actions.map((a) => [a.decision, a.outcome]),
        [
          ['allow', 'done'],
          ['allow', 'done'],
          ['allow', 'done'],
          [secret.decision === 'ask' ? 'ask' : 'deny', secret.decision === 'ask' ? 'pending' : 'blocked'].map(String),
        ],
      );
      assert.deepEqual(actions[0]!.changedPaths?.map((c) => [c.path, c.status]), [['notes.md', 'added']]);
      assert.deepEqual(actions[1]!.changedPaths?.map((c) => [c.path, c.status]), [['notes.md', 'modified']]);
      assert.deepEqual(actions[2]!.changedPaths?.map((c) => [c.path, c.status]), [['old.txt', 'deleted']]);
      rmId = actions[2]!.id;
      assert.equal(store.verify().ok, true);
    } finally {
      store.close();
    }

    // rolling back the rm restores the file and keeps the later edits
    const rb = spawnSync(process.execPath, [bundle, 'rollback', rmId, '--workspace', ws], { env, encoding: 'utf8' });
    assert.equal(rb.status, 0, rb.stderr);
    assert.equal(fs.readFileSync(abs(ws, 'old.txt'), 'utf8'), 'keep me\n');
    assert.equal(fs.readFileSync(abs(ws, 'notes.md'), 'utf8'), 'edited line\n');

    // with the kill switch on the next edit is denied, and runs again once it is off
    assert.equal(spawnSync(process.execPath, [bundle, 'kill-switch', 'on', '--workspace', ws], { env }).status, 0);
    const killed = callTool('c5', { kind: 'edit', file: 'notes.md', old: 'edited', new: 'killed' });
    assert.equal(killed.runs, false);
    assert.match(killed.told, /kill-switch/);
    assert.equal(spawnSync(process.execPath, [bundle, 'kill-switch', 'off', '--workspace', ws], { env }).status, 0);
    assert.equal(callTool('c6', { kind: 'edit', file: 'notes.md', old: 'edited', new: 'final' }).runs, true);
    assert.equal(fs.readFileSync(abs(ws, 'notes.md'), 'utf8'), 'final line\n');
    spawnSync(process.execPath, [bundle, 'serve', 'stop'], { env });
  });
}
