import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { NormalizeEnv } from '../../../../src/core/policy/action.ts';
import { detectDialect, normalizeGeneric, parseHookInput, parseMcpToolName } from '../../../../src/core/policy/adapters.ts';
import { ready, tempWorld, type TempWorld } from './helpers.ts';

/**
 * One test per dialect and tool, with the payload shapes each vendor sends
 * (VS Code agent mode as captured in real-agent.md; Claude Code, Cursor,
 * Codex and Copilot CLI as their hook references document).
 */

let w: TempWorld;
let env: NormalizeEnv;
const ws = (rel: string): string => path.join(w.workspace, rel);
before(async () => {
  await ready();
  w = tempWorld();
  w.file('src/app.ts', 'const a = 1;\n');
  env = { workspaceRoots: [w.workspace], home: w.home };
});
after(() => w.cleanup());

describe('VS Code agent mode', () => {
  const doc = (tool: string, input: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
    timestamp: '2026-03-17T10:00:00.000Z',
    hook_event_name: 'PreToolUse',
    session_id: 'sess-1',
    transcript_path: '/tmp/t.json',
    cwd: w.workspace,
    tool_name: tool,
    tool_input: input,
    tool_use_id: 'call_abc__vscode-3',
    ...extra,
  });
  test('detects the dialect', () => {
    assert.equal(detectDialect(doc('create_file', {})), 'vscode');
  });
  test('create_file', () => {
    const e = parseHookInput('vscode', doc('create_file', { filePath: ws('src/new.ts'), content: 'export {}' }), env);
    assert.equal(e.event, 'PreToolUse');
    assert.equal(e.sessionId, 'sess-1');
    assert.equal(e.toolUseId, 'call_abc__vscode-3');
    assert.equal(e.action!.kind, 'write');
    assert.deepEqual(e.action!.writes, [ws('src/new.ts')]);
    assert.equal(e.action!.content, 'export {}');
  });
  test('replace_string_in_file', () => {
    const a = parseHookInput('vscode', doc('replace_string_in_file', { filePath: ws('src/app.ts'), oldString: '1', newString: '2', explanation: 'x' }), env).action!;
    assert.equal(a.kind, 'edit');
    assert.deepEqual(a.edits.map((e) => [e.path, e.old, e.new]), [[ws('src/app.ts'), '1', '2']]);
  });
  test('multi_replace_string_in_file', () => {
    const a = parseHookInput('vscode', doc('multi_replace_string_in_file', { explanation: 'x', replacements: [{ filePath: ws('a.ts'), oldString: 'a', newString: 'b' }, { filePath: ws('b.ts'), oldString: 'c', newString: 'd' }] }), env).action!;
    assert.deepEqual(a.writes, [ws('a.ts'), ws('b.ts')]);
  });
  test('insert_edit_into_file', () => {
    const a = parseHookInput('vscode', doc('insert_edit_into_file', { filePath: ws('src/app.ts'), code: '// ...existing code...\nconst b = 2;', explanation: 'x' }), env).action!;
    assert.equal(a.kind, 'edit');
    assert.match(a.content!, /const b/);
  });
  test('apply_patch reads the V4A patch for its Add/Update/Delete paths', () => {
    const patch = ['*** Begin Patch', '*** Add File: src/new.ts', '+export const n = 1;', '*** Update File: src/app.ts', '@@', '-const a = 1;', '+const a = 2;', '*** Delete File: src/old.ts', '*** Update File: src/x.ts', '*** Move to: src/y.ts', '@@', '-a', '+b', '*** End Patch'].join('\n');
    const a = parseHookInput('vscode', doc('apply_patch', { input: patch, explanation: 'x' }), env).action!;
    assert.ok(a.writes.includes(ws('src/new.ts')));
    assert.ok(a.writes.includes(ws('src/app.ts')));
    assert.ok(a.deletes.includes(ws('src/old.ts')));
    assert.ok(a.moves.some((m) => m.from === ws('src/x.ts') && m.to === ws('src/y.ts')));
    assert.ok(a.edits.some((e) => e.path === ws('src/app.ts') && e.new === 'const a = 2;' && e.old === 'const a = 1;'));
  });
  test('create_directory, run_in_terminal, read_file, fetch_webpage', () => {
    assert.deepEqual(parseHookInput('vscode', doc('create_directory', { dirPath: ws('newdir') }), env).action!.writes, [ws('newdir')]);
    const t = parseHookInput('vscode', doc('run_in_terminal', { command: 'npm test', explanation: 'x', goal: 'y', isBackground: false, mode: 'sync' }), env).action!;
    assert.equal(t.kind, 'shell');
    assert.equal(t.command, 'npm test');
    assert.deepEqual(parseHookInput('vscode', doc('read_file', { filePath: ws('src/app.ts'), startLine: 1, endLine: 20 }), env).action!.reads, [ws('src/app.ts')]);
    const f = parseHookInput('vscode', doc('fetch_webpage', { urls: ['https://example.com/a', 'https://example.org/b'], query: 'q' }), env).action!;
    assert.equal(f.kind, 'fetch');
    assert.deepEqual(f.urls, ['https://example.com/a', 'https://example.org/b']);
  });
  test('mcp_<server>_<tool>', () => {
    const a = parseHookInput('vscode', doc('mcp_github_create_pull_request', { owner: 'acme', repo: 'webapp', title: 't', head: 'x', base: 'main' }), env).action!;
    assert.equal(a.kind, 'mcp');
    assert.deepEqual([a.mcp!.server, a.mcp!.tool], ['github', 'create_pull_request']);
  });
  test('camelCase keys (hookEventName, sessionId)', () => {
    const e = parseHookInput('vscode', { hookEventName: 'PreToolUse', sessionId: 's2', toolName: 'read_file', toolInput: { filePath: ws('x') }, cwd: w.workspace }, env);
    assert.equal(e.sessionId, 's2');
    assert.equal(e.action!.kind, 'read');
  });
  test('PostToolUse carries the response; other events carry no action', () => {
    const post = parseHookInput('vscode', doc('run_in_terminal', { command: 'ls' }, { hook_event_name: 'PostToolUse', tool_response: 'a\nb' }), env);
    assert.equal(post.event, 'PostToolUse');
    assert.equal(post.toolResponse, 'a\nb');
    const start = parseHookInput('vscode', { hook_event_name: 'SessionStart', session_id: 's', source: 'new', model: 'm' }, env);
    assert.equal(start.event, 'SessionStart');
    assert.equal(start.action, undefined);
    assert.equal(parseHookInput('vscode', { hook_event_name: 'UserPromptSubmit', session_id: 's', prompt: 'hi' }, env).prompt, 'hi');
  });
  test('known harmless tools are not unknown', () => {
    const a = parseHookInput('vscode', doc('manage_todo_list', { todoList: [] }), env).action!;
    assert.equal(a.kind, 'other');
    assert.equal(a.toolKnown, true);
  });
});

describe('Claude Code', () => {
  const doc = (tool: string, input: unknown): Record<string, unknown> => ({
    session_id: 'abc123', transcript_path: '/tmp/t.jsonl', cwd: w.workspace, permission_mode: 'default', hook_event_name: 'PreToolUse', tool_name: tool, tool_input: input, tool_use_id: 'toolu_01',
  });
  test('detects the dialect', () => {
    assert.equal(detectDialect(doc('Bash', { command: 'ls' })), 'claude');
  });
  test('Bash, Write, Edit, MultiEdit, NotebookEdit, Read, Glob, Grep, WebFetch', () => {
    assert.equal(parseHookInput('claude', doc('Bash', { command: 'git status', description: 'd', timeout: 1000 }), env).action!.kind, 'shell');
    assert.deepEqual(parseHookInput('claude', doc('Write', { file_path: ws('a.ts'), content: 'x' }), env).action!.writes, [ws('a.ts')]);
    const edit = parseHookInput('claude', doc('Edit', { file_path: ws('src/app.ts'), old_string: '1', new_string: '2', replace_all: false }), env).action!;
    assert.equal(edit.kind, 'edit');
    const multi = parseHookInput('claude', doc('MultiEdit', { file_path: ws('src/app.ts'), edits: [{ old_string: 'a', new_string: 'b' }, { old_string: 'c', new_string: 'd' }] }), env).action!;
    assert.equal(multi.edits.length, 2);
    assert.deepEqual(parseHookInput('claude', doc('NotebookEdit', { notebook_path: ws('n.ipynb'), new_source: 'print(1)', cell_id: 'c1' }), env).action!.writes, [ws('n.ipynb')]);
    assert.deepEqual(parseHookInput('claude', doc('Read', { file_path: ws('src/app.ts'), offset: 1, limit: 10 }), env).action!.reads, [ws('src/app.ts')]);
    assert.equal(parseHookInput('claude', doc('Glob', { pattern: '**/*.ts', path: ws('src') }), env).action!.kind, 'read');
    assert.equal(parseHookInput('claude', doc('Grep', { pattern: 'TODO', path: ws('src'), glob: '*.ts' }), env).action!.kind, 'read');
    assert.deepEqual(parseHookInput('claude', doc('WebFetch', { url: 'https://example.com', prompt: 'p' }), env).action!.urls, ['https://example.com']);
  });
  test('mcp__<server>__<tool>', () => {
    const a = parseHookInput('claude', doc('mcp__postgres__query', { sql: 'select 1' }), env).action!;
    assert.deepEqual([a.mcp!.server, a.mcp!.tool], ['postgres', 'query']);
    assert.deepEqual(parseMcpToolName('mcp__my_server__do__thing'), { server: 'my_server', tool: 'do__thing' });
  });
});

describe('Cursor', () => {
  const base = { conversation_id: 'conv-1', generation_id: 'gen-1', workspace_roots: [] as string[] };
  test('beforeShellExecution', () => {
    const d = { ...base, workspace_roots: [w.workspace], hook_event_name: 'beforeShellExecution', command: 'rm -rf src', cwd: w.workspace };
    assert.equal(detectDialect(d), 'cursor');
    const e = parseHookInput('cursor', d, env);
    assert.equal(e.event, 'PreToolUse');
    assert.equal(e.sessionId, 'conv-1');
    assert.ok(e.action!.deleteOps.some((x) => x.path === ws('src')));
  });
  test('beforeReadFile', () => {
    const e = parseHookInput('cursor', { ...base, hook_event_name: 'beforeReadFile', file_path: ws('.env'), content: 'A=1', attachments: [] }, env);
    assert.deepEqual(e.action!.reads, [ws('.env')]);
  });
  test('beforeMCPExecution: tool_input as a JSON string, server from the URL or command', () => {
    const e = parseHookInput('cursor', { ...base, hook_event_name: 'beforeMCPExecution', tool_name: 'query', tool_input: '{"sql":"DROP TABLE x"}', command: 'npx -y @modelcontextprotocol/server-postgres' }, env);
    assert.equal(e.action!.kind, 'mcp');
    assert.equal(e.action!.mcp!.server, 'postgres');
    assert.deepEqual(e.action!.mcp!.arguments, { sql: 'DROP TABLE x' });
    const u = parseHookInput('cursor', { ...base, hook_event_name: 'beforeMCPExecution', tool_name: 'x', tool_input: {}, url: 'http://localhost:3000/mcp' }, env);
    assert.equal(u.action!.mcp!.server, 'localhost');
  });
  test('afterFileEdit', () => {
    const e = parseHookInput('cursor', { ...base, hook_event_name: 'afterFileEdit', file_path: ws('src/app.ts'), edits: [{ old_string: 'a', new_string: 'b' }] }, env);
    assert.equal(e.event, 'PostToolUse');
    assert.equal(e.action!.kind, 'edit');
  });
  test('preToolUse with generic tool names', () => {
    const e = parseHookInput('cursor', { ...base, hook_event_name: 'preToolUse', tool_name: 'Shell', tool_input: { command: 'ls' } }, env);
    assert.equal(e.action!.kind, 'shell');
  });
});

describe('Codex', () => {
  test('Bash with tool_input.command, also as an argv array', () => {
    const d = { session_id: 's', turn_id: 't1', transcript_path: '/t', cwd: w.workspace, hook_event_name: 'PreToolUse', model: 'gpt', tool_name: 'Bash', tool_input: { command: 'git status' }, tool_use_id: 'call_1' };
    assert.equal(detectDialect(d), 'codex');
    assert.equal(parseHookInput('codex', d, env).action!.command, 'git status');
    const arr = parseHookInput('codex', { ...d, tool_name: 'shell', tool_input: { command: ['bash', '-lc', 'rm -rf src'] } }, env).action!;
    assert.ok(arr.deleteOps.some((x) => x.path === ws('src')));
  });
  test('apply_patch carries the patch in command', () => {
    const patch = '*** Begin Patch\n*** Add File: hello.txt\n+hi\n*** End Patch';
    const a = parseHookInput('codex', { session_id: 's', turn_id: 't', cwd: w.workspace, hook_event_name: 'PreToolUse', tool_name: 'apply_patch', tool_input: { command: patch } }, env).action!;
    assert.deepEqual(a.writes, [ws('hello.txt')]);
  });
});

describe('Copilot CLI', () => {
  test('camelCase: toolName and toolArgs as a JSON string', () => {
    const d = { timestamp: 1704614600000, cwd: w.workspace, toolName: 'bash', toolArgs: '{"command":"rm -rf src","description":"clean"}' };
    assert.equal(detectDialect(d), 'copilot-cli');
    const a = parseHookInput('copilot-cli', d, env).action!;
    assert.equal(a.kind, 'shell');
    assert.ok(a.deleteOps.some((x) => x.path === ws('src')));
  });
  test('edit, create, view', () => {
    assert.equal(parseHookInput('copilot-cli', { cwd: w.workspace, toolName: 'edit', toolArgs: JSON.stringify({ path: ws('src/app.ts'), old_str: '1', new_str: '2' }) }, env).action!.kind, 'edit');
    assert.deepEqual(parseHookInput('copilot-cli', { cwd: w.workspace, toolName: 'create', toolArgs: JSON.stringify({ path: ws('n.ts'), file_text: 'x' }) }, env).action!.writes, [ws('n.ts')]);
    assert.equal(parseHookInput('copilot-cli', { cwd: w.workspace, toolName: 'view', toolArgs: JSON.stringify({ path: ws('src') }) }, env).action!.kind, 'read');
  });
  test('no event name: postToolUse is told by toolResult, lifecycle events by their fields; pre and post of one call pair up', () => {
    const pre = { timestamp: 1, cwd: w.workspace, toolName: 'bash', toolArgs: '{"command":"rm a.txt","description":"x"}' };
    const post = { ...pre, toolArgs: '{"description":"x","command":"rm a.txt"}', toolResult: { resultType: 'success', textResultForLlm: '' } };
    const p = parseHookInput('copilot-cli', pre, env);
    const q = parseHookInput('copilot-cli', post, env);
    assert.deepEqual([p.event, q.event], ['PreToolUse', 'PostToolUse']);
    assert.ok(p.toolUseId);
    assert.equal(q.toolUseId, p.toolUseId);
    assert.equal(p.action!.toolUseId, p.toolUseId);
    assert.notEqual(parseHookInput('copilot-cli', { ...pre, toolArgs: '{"command":"rm b.txt"}' }, env).toolUseId, p.toolUseId);
    assert.equal(parseHookInput('copilot-cli', { timestamp: 1, cwd: w.workspace, prompt: 'fix it' }, env).event, 'UserPromptSubmit');
    assert.equal(parseHookInput('copilot-cli', { timestamp: 1, cwd: w.workspace, source: 'new', initialPrompt: 'hi' }, env).event, 'SessionStart');
    assert.equal(parseHookInput('copilot-cli', { timestamp: 1, cwd: w.workspace, reason: 'complete' }, env).event, 'SessionEnd');
  });
  test('malformed toolArgs is a one-line error', () => {
    assert.throws(() => parseHookInput('copilot-cli', { toolName: 'bash', toolArgs: '{nope' }, env), /toolArgs is not valid JSON/);
  });
});

describe('generic form', () => {
  test('the corpus input fields', () => {
    const g = normalizeGeneric({ tool: 'git', input: { op: 'push', remote: 'origin', refspec: '+feature-x:main', force: false } }, env);
    assert.equal(g.git!.force, true);
    assert.deepEqual(g.git!.branches, ['main']);
    const gh = normalizeGeneric({ tool: 'github', input: { op: 'close_issues', repo: 'acme/webapp', numbers: [1, 2, 3] } }, env);
    assert.equal(gh.github!.count, 3);
    const m = normalizeGeneric({ tool: 'mcp', input: { server: 'filesystem', tool: 'read_file', arguments: { path: ws('src/app.ts') } } }, env);
    assert.deepEqual(m.reads, [ws('src/app.ts')]);
    const d = normalizeGeneric({ tool: 'delete', input: { path: 'src', recursive: true } }, env);
    assert.deepEqual(d.deleteOps.map((x) => [x.path, x.recursive]), [[ws('src'), true]]);
  });
  test('unknown tools become kind other and never throw', () => {
    const a = normalizeGeneric({ tool: 'teleport', input: { to: 'mars' } }, env);
    assert.equal(a.kind, 'other');
    assert.equal(a.toolKnown, false);
    assert.equal(a.mutating, true);
    assert.equal(a.pathsKnown, false);
  });
  test('tool, event and MCP tool names that are Object.prototype members are unknown names, not crashes', () => {
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf']) {
      const a = normalizeGeneric({ tool: name, input: { command: 'rm -rf /' } }, env);
      assert.equal(a.kind, 'other', name);
      assert.equal(a.toolKnown, false, name);
      const h = parseHookInput('claude', { hook_event_name: 'PreToolUse', session_id: 's', tool_name: name, tool_input: {} }, env);
      assert.equal(h.action?.kind, 'other', name);
      const m = parseHookInput('claude', { hook_event_name: 'PreToolUse', session_id: 's', tool_name: `mcp__github__${name}`, tool_input: {} }, env);
      assert.equal(m.action?.kind, 'mcp', name);
      assert.equal(m.action?.github, undefined, name);
      const e = parseHookInput('claude', { hook_event_name: name, session_id: 's', tool_name: 'Read', tool_input: { file_path: 'a' } }, env);
      assert.equal(e.event, name);
    }
  });
  test('malformed documents throw one-line errors', () => {
    for (const bad of [null, [], 'x', 42, { input: {} }, { tool: 'read', input: [] }]) {
      assert.throws(() => parseHookInput('generic', bad, env), (err: Error) => !err.message.includes('\n'));
    }
    assert.throws(() => parseHookInput('claude', { hook_event_name: 'PreToolUse', tool_input: {} }, env), /no tool_name/);
    assert.throws(() => normalizeGeneric({ tool: 'write', input: {} }, env), /no path/);
  });
});
