import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseHookInput, parseMcpToolName } from '../../../../src/core/policy/adapters.ts';

test('MCP tool names in every spelling, and names that are not', () => {
  assert.deepEqual(parseMcpToolName('mcp__github__create_issue'), { server: 'github', tool: 'create_issue' });
  assert.deepEqual(parseMcpToolName('mcp_github_create_issue'), { server: 'github', tool: 'create_issue' });
  assert.deepEqual(parseMcpToolName('MCP:github:create_issue'), { server: 'github', tool: 'create_issue' });
  assert.deepEqual(parseMcpToolName('Mcp/github/create_issue'), { server: 'github', tool: 'create_issue' });
  assert.deepEqual(parseMcpToolName('mCp/a/b'), { server: 'a', tool: 'b' });
  for (const t of ['', 'm', 'mc', 'mcp', 'mcp_', 'Bash', 'run_in_terminal', 'mcpx', 'MCP__a__b', 'xmcp__a__b', 'nmcp:a:b']) assert.equal(parseMcpToolName(t), undefined, t);
});

test('envelopes keep their key order', () => {
  const env = { workspaceRoots: ['/w'], home: '/h' };
  const g = parseHookInput('generic', { tool: 'fetch', input: { url: 'https://x.example/' }, session: 's', cwd: '/w' }, env);
  assert.deepEqual(Object.keys(g), ['dialect', 'event', 'sessionId', 'cwd', 'action', 'raw']);
  const g2 = parseHookInput('generic', { tool: 'fetch', input: { url: 'https://x.example/' } }, env);
  assert.deepEqual(Object.keys(g2), ['dialect', 'event', 'action', 'raw']);
  const c = parseHookInput('claude', { hook_event_name: 'PreToolUse', session_id: 's', tool_use_id: 't', cwd: '/w', tool_name: 'WebFetch', tool_input: { url: 'https://x.example/' } }, env);
  assert.deepEqual(Object.keys(c), ['dialect', 'event', 'raw', 'rawEvent', 'sessionId', 'toolUseId', 'cwd', 'action']);
  assert.deepEqual(Object.keys(c.action!).slice(0, 3), ['kind', 'dialect', 'tool']);
  assert.equal(c.action!.sessionId, 's');
  assert.equal(c.action!.toolUseId, 't');
});

test('actions of every kind have the same members, in the same order, and unchanged JSON', () => {
  const env = { workspaceRoots: ['/w'], home: '/h' };
  const docs: [string, unknown][] = [
    ['generic', { tool: 'shell', input: { command: 'python3 -c "print(1)" && git push origin main' } }],
    ['generic', { tool: 'read', input: { path: 'src/a.ts' } }],
    ['generic', { tool: 'edit', input: { path: 'src/a.ts', old_string: 'a', new_string: 'b' } }],
    ['generic', { tool: 'fetch', input: { url: 'https://x.example/', method: 'post', body: 'q' } }],
    ['generic', { tool: 'mcp', input: { server: 'github', tool: 'create_issue', arguments: { title: 't', command: 'ls' } } }],
    ['claude', { hook_event_name: 'PreToolUse', session_id: 's', tool_use_id: 't', cwd: '/w', tool_name: 'Bash', tool_input: { command: 'ls' } }],
  ];
  const actions = docs.map(([dialect, doc]) => parseHookInput(dialect as 'generic' | 'claude', doc, env).action!);
  // one hidden class for all: the optional members exist (undefined) before they are set
  for (const a of actions) assert.deepEqual(Object.keys(a), Object.keys(actions[0]!));
  // the JSON leaves unset members out and lists the set ones in the order normalisation sets them
  const order = ['homeCanonical', 'sessionId', 'toolUseId', 'mcp', 'method', 'command', 'shell', 'content', 'git', 'github'];
  const present = (a: object): string[] => Object.keys(JSON.parse(JSON.stringify(a)) as object).filter((k) => order.includes(k));
  for (const a of actions) assert.deepEqual(present(a), order.filter((k) => present(a).includes(k)));
  assert.deepEqual(present(actions[0]!), ['command', 'shell']);
  assert.deepEqual(present(actions[1]!), []);
  assert.deepEqual(present(actions[2]!), ['content']);
  assert.deepEqual(present(actions[3]!), ['method', 'content']);
  assert.deepEqual(present(actions[4]!), ['mcp', 'command', 'shell', 'content', 'github']);
  assert.deepEqual(present(actions[5]!), ['sessionId', 'toolUseId', 'command', 'shell']);
  assert.equal(JSON.stringify(actions[1]).includes('undefined'), false);
});
