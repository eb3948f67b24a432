import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseMcpToolName } from '../../../../src/core/policy/adapters.ts';

test('MCP tool names in every spelling, and names that are not', () => {
  assert.deepEqual(parseMcpToolName('mcp__github__create_issue'), { server: 'github', tool: 'create_issue' });
  assert.deepEqual(parseMcpToolName('mcp_github_create_issue'), { server: 'github', tool: 'create_issue' });
  assert.deepEqual(parseMcpToolName('MCP:github:create_issue'), { server: 'github', tool: 'create_issue' });
  assert.deepEqual(parseMcpToolName('Mcp/github/create_issue'), { server: 'github', tool: 'create_issue' });
  assert.deepEqual(parseMcpToolName('mCp/a/b'), { server: 'a', tool: 'b' });
  for (const t of ['', 'm', 'mc', 'mcp', 'mcp_', 'Bash', 'run_in_terminal', 'mcpx', 'MCP__a__b', 'xmcp__a__b', 'nmcp:a:b']) assert.equal(parseMcpToolName(t), undefined, t);
});
