/** Claude Code hook documents shaped as Claude Code sends them. */
export function claudePre(opts: { cwd: string; session?: string; id: string; tool: string; input: Record<string, unknown> }): Record<string, unknown> {
  return {
    session_id: opts.session ?? 'session-1',
    transcript_path: '/tmp/transcript.jsonl',
    cwd: opts.cwd,
    permission_mode: 'default',
    hook_event_name: 'PreToolUse',
    tool_name: opts.tool,
    tool_input: opts.input,
    tool_use_id: opts.id,
  };
}

export function claudePost(opts: { cwd: string; session?: string; id: string; tool: string; input: Record<string, unknown>; response?: unknown }): Record<string, unknown> {
  return { ...claudePre(opts), hook_event_name: 'PostToolUse', tool_response: opts.response ?? { success: true } };
}
