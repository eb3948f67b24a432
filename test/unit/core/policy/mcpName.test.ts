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
