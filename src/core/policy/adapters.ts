import crypto from 'node:crypto';
import { canonicalJson } from '../receipts/canonical.ts';
import type { Dialect, GithubOp, NormalizeEnv, NormalizedAction } from './action.ts';
import { ActionBuilder, applyPatchText, gitOpFromInput, mcpArguments } from './normalize.ts';
import { own } from './own.ts';
import { isFileUrl } from './shell/commandKit.ts';
import { quoteWord } from './shell/staticText.ts';

/**
 * Adapters from every agent's hook payload to one NormalizedAction.
 *
 * - VS Code Copilot agent mode and Claude Code send `hook_event_name`,
 *   `session_id`, `cwd`, `tool_name`, `tool_input`, `tool_use_id` (VS Code
 *   also accepts camelCase keys).
 * - Cursor sends one event per action kind (`beforeShellExecution`,
 *   `beforeReadFile`, `beforeMCPExecution`, `afterFileEdit`, `preToolUse`)
 *   with `conversation_id` and `workspace_roots`.
 * - Codex sends Claude-shaped `PreToolUse` payloads whose `Bash` and
 *   `apply_patch` tools carry their text in `tool_input.command`.
 * - Copilot CLI sends `toolName` and `toolArgs` (a JSON string) in its
 *   camelCase format, or the VS Code shape in its PascalCase format.
 * - The generic form `{ "tool", "input" }` is the one `belay policy check`
 *   documents, with the field names of the red-team corpus.
 *
 * Unknown tools become kind `other`; only malformed documents throw.
 */

export type HookEventName = 'PreToolUse' | 'PostToolUse' | 'SessionStart' | 'SessionEnd' | 'UserPromptSubmit' | 'Stop' | string;

export interface HookEnvelope {
  dialect: Dialect;
  event: HookEventName;
  /** the event name as the agent spelled it */
  rawEvent?: string;
  sessionId?: string;
  toolUseId?: string;
  cwd?: string;
  prompt?: string;
  toolResponse?: unknown;
  action?: NormalizedAction;
  raw: unknown;
}

type Input = Record<string, unknown>;

function isObj(v: unknown): v is Input {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(input: Input, ...keys: string[]): string | undefined {
  for (const k of keys) {
    const v = input[k];
    if (typeof v === 'string' && v !== '') return v;
  }
  return undefined;
}

const PATH_KEYS = ['path', 'file_path', 'filePath', 'filepath', 'file', 'filename', 'notebook_path', 'notebookPath', 'target_file', 'targetFile', 'uri', 'absolute_path'];
const CONTENT_KEYS = ['content', 'file_text', 'fileText', 'text', 'contents', 'code', 'new_source', 'newSource', 'data'];
const OLD_KEYS = ['old_string', 'oldString', 'old_str', 'oldStr', 'old_text', 'oldText', 'search'];
const NEW_KEYS = ['new_string', 'newString', 'new_str', 'newStr', 'new_text', 'newText', 'replace', 'replacement'];
const COMMAND_KEYS = ['command', 'cmd', 'commandLine', 'command_line', 'script'];
const URL_KEYS = ['url', 'uri', 'href'];

/** Shell command text from a string or an argv array (`["bash", "-lc", "…"]`). */
function commandText(input: Input): string | undefined {
  for (const k of COMMAND_KEYS) {
    const v = input[k];
    if (typeof v === 'string') return v;
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) {
      const argv = v as string[];
      const shell = argv[0]?.replace(/^.*\//, '') ?? '';
      if (/^(ba|z|da|k)?sh$/.test(shell) && argv.length >= 3 && /^-[a-z]*c$/.test(argv[1]!)) return argv[2]!;
      return argv.map(quoteWord).join(' ');
    }
  }
  return undefined;
}

type ToolHandler = (b: ActionBuilder, input: Input) => void;

interface ToolDef {
  kind: NormalizedAction['kind'];
  handle: ToolHandler;
}

const shellTool: ToolDef = {
  kind: 'shell',
  handle: (b, input) => {
    const command = commandText(input);
    if (command === undefined) throw new Error('shell tool input has no command');
    const cwd = str(input, 'cwd', 'workdir', 'working_directory', 'directory');
    b.shell(command, cwd !== undefined ? b.path(cwd) : undefined);
  },
};

const readTool: ToolDef = {
  kind: 'read',
  handle: (b, input) => {
    const p = str(input, ...PATH_KEYS);
    if (p !== undefined) b.read(p);
    else b.action.reads.push(b.cwd);
    const many = input.filePaths ?? input.paths ?? input.files;
    if (Array.isArray(many)) for (const x of many) if (typeof x === 'string') b.read(x);
  },
};

/** Search tools read the tree under a directory (the cwd unless given). */
const searchTool: ToolDef = {
  kind: 'read',
  handle: (b, input) => {
    const p = str(input, 'path', 'directory', 'dir', 'cwd', 'includePattern');
    b.read(p !== undefined && !/[*?]/.test(p) ? p : '.');
  },
};

const writeTool: ToolDef = {
  kind: 'write',
  handle: (b, input) => {
    const p = str(input, ...PATH_KEYS);
    if (p === undefined) throw new Error('write tool input has no path');
    const content = str(input, ...CONTENT_KEYS) ?? '';
    b.edit(p, content, undefined, true);
  },
};

const editTool: ToolDef = {
  kind: 'edit',
  handle: (b, input) => {
    const p = str(input, ...PATH_KEYS);
    const edits = input.edits ?? input.replacements;
    if (Array.isArray(edits)) {
      for (const e of edits) {
        if (!isObj(e)) continue;
        const ep = str(e, ...PATH_KEYS) ?? p;
        if (ep === undefined) throw new Error('edit has no path');
        b.edit(ep, str(e, ...NEW_KEYS) ?? '', str(e, ...OLD_KEYS) ?? '', false);
      }
      if (edits.length > 0) return;
    }
    if (p === undefined) throw new Error('edit tool input has no path');
    const next = str(input, ...NEW_KEYS, 'code', 'content', 'new_source', 'insert_text', 'file_text') ?? '';
    const old = str(input, ...OLD_KEYS);
    b.edit(p, next, old ?? '', false);
  },
};

const deleteTool: ToolDef = {
  kind: 'delete',
  handle: (b, input) => {
    const p = str(input, ...PATH_KEYS, 'dirPath', 'target');
    if (p === undefined) throw new Error('delete tool input has no path');
    b.delete(p, input.recursive === true || input.recurse === true, b.action.tool);
  },
};

const moveTool: ToolDef = {
  kind: 'move',
  handle: (b, input) => {
    const from = str(input, 'from', 'source', 'src', 'oldPath', 'old_path', 'path', 'file_path');
    const to = str(input, 'to', 'destination', 'dest', 'newPath', 'new_path', 'target');
    if (from === undefined || to === undefined) throw new Error('move tool input needs a source and a destination');
    b.move(from, to);
  },
};

const mkdirTool: ToolDef = {
  kind: 'write',
  handle: (b, input) => {
    const p = str(input, 'dirPath', 'dir_path', 'path', 'directory');
    if (p === undefined) throw new Error('create_directory input has no dirPath');
    b.write(p);
  },
};

const fetchTool: ToolDef = {
  kind: 'fetch',
  handle: (b, input) => {
    const urls: string[] = [];
    const one = str(input, ...URL_KEYS);
    if (one) urls.push(one);
    if (Array.isArray(input.urls)) for (const u of input.urls) if (typeof u === 'string') urls.push(u);
    if (urls.length === 0 && typeof input.query !== 'string') throw new Error('fetch tool input has no url');
    // a `file:` URL fetches nothing from the network: it reads the local file it names
    for (const u of urls) if (isFileUrl(u)) b.read(u);
    b.urls(...urls.filter((u) => !isFileUrl(u)));
    const method = str(input, 'method');
    if (method) b.action.method = method.toUpperCase();
    // the request body, however the tool names it
    const body = input.body ?? input.data ?? input.content ?? input.payload ?? input.json ?? input.form;
    if (body !== undefined) b.action.content = typeof body === 'string' ? body : JSON.stringify(body);
    b.action.mutating = method !== undefined && !/^(GET|HEAD|OPTIONS)$/i.test(method);
  },
};

const searchWebTool: ToolDef = {
  kind: 'fetch',
  handle: (b, input) => {
    const q = str(input, 'query', 'q');
    if (q) b.action.content = q;
    b.action.mutating = false;
  },
};

const patchTool: ToolDef = {
  kind: 'edit',
  handle: (b, input) => {
    const text = str(input, 'input', 'patch', 'command', 'diff');
    if (text === undefined) throw new Error('apply_patch input has no patch text');
    applyPatchText(b, text);
  },
};

const gitTool: ToolDef = {
  kind: 'git',
  handle: (b, input) => {
    const op = gitOpFromInput(input, `git ${JSON.stringify(input)}`);
    b.git(op);
    b.action.mutating = !/^(status|log|diff|show|fetch)$/.test(op.op);
    // arguments given as a list (`{"op":"reset","args":["--hard"]}`) mean what they mean on the command line
    const args = Array.isArray(input.args) ? input.args : Array.isArray(input.argv) ? input.argv : undefined;
    const sub = typeof input.op === 'string' ? input.op : undefined;
    if (args && sub && /^[a-z][a-z-]*$/.test(sub) && args.every((x) => typeof x === 'string')) {
      const mutating = b.action.mutating;
      b.shell(['git', sub, ...(args as string[])].map(quoteWord).join(' '));
      b.action.mutating = mutating || b.action.mutating;
    }
  },
};

const githubTool: ToolDef = {
  kind: 'github',
  handle: (b, input) => {
    const op = githubOpFromInput(input);
    b.github(op);
    b.action.mutating = !/^(get|list|view|search|read)/.test(op.op);
  },
};

function githubOpFromInput(input: Input, fallbackOp?: string): GithubOp {
  const given = String(input.op ?? input.operation ?? fallbackOp ?? '').toLowerCase();
  // the generic form may name the operation in `method` (`{"method":"merge_pr"}`); an HTTP verb there is a raw API call
  const methodName = typeof input.method === 'string' ? input.method : '';
  const opName = given !== '' ? given : /^(GET|POST|PUT|PATCH|DELETE|HEAD)$/i.test(methodName) ? 'api' : methodName.toLowerCase();
  const numbers = Array.isArray(input.numbers) ? input.numbers : Array.isArray(input.issue_numbers) ? input.issue_numbers : undefined;
  const num = input.number ?? input.pull_number ?? input.pullNumber ?? input.issue_number ?? input.issueNumber;
  const repo = typeof input.repo === 'string' ? (typeof input.owner === 'string' && !input.repo.includes('/') ? `${input.owner}/${input.repo}` : input.repo) : undefined;
  const branch = str(input, 'branch', 'base', 'ref');
  const method = str(input, 'method', 'merge_method');
  return {
    op: opName,
    count: numbers ? numbers.length : 1,
    bulk: numbers !== undefined && numbers.length > 1,
    admin: input.admin === true || input.bypass === true || input.bypass_protections === true,
    text: `github ${opName} ${JSON.stringify(input).slice(0, 300)}`,
    ...(repo ? { repo } : {}),
    ...(typeof num === 'number' ? { number: num } : typeof num === 'string' && /^\d+$/.test(num) ? { number: Number(num) } : {}),
    ...(branch ? { branch } : {}),
    ...(method ? { method: opName === 'api' ? method.toUpperCase() : method } : {}),
    // a verb with a repository and no endpoint acts on the repository itself (`{"method":"DELETE","repo":"o/r"}`)
    ...(opName === 'api' ? { endpoint: str(input, 'endpoint', 'path', 'url') ?? (repo !== undefined && repo.includes('/') ? `repos/${repo}` : '') } : {}),
    ...(input.force === true ? { force: true } : {}),
  };
}

/** Tools that change nothing Belay guards (plans, todos, sub-agents, terminal output). */
const HARMLESS = new Set([
  'manage_todo_list', 'think', 'runSubagent', 'search_subagent', 'get_project_setup_info', 'get_terminal_output', 'terminal_last_command', 'terminal_selection',
  'get_vscode_api', 'vscode_searchExtensions_internal', 'get_changed_files', 'test_failure', 'copilot_getNotebookSummary', 'read_notebook_cell_output',
  'TodoWrite', 'TodoRead', 'Task', 'Agent', 'ExitPlanMode', 'BashOutput', 'KillShell', 'KillBash', 'Skill', 'SlashCommand', 'ListMcpResourcesTool', 'ReadMcpResourceTool',
  'report_intent', 'update_todo', 'task', 'task_complete', 'store_memory', 'fetch_copilot_cli_documentation', 'ask_user', 'read_bash', 'stop_bash', 'list_bash',
  'update_plan', 'view_image', 'todo_write', 'todo_read',
]);

const TOOLS: Record<string, ToolDef> = {
  // generic form
  shell: shellTool, bash: shellTool, terminal: shellTool, exec: shellTool, run: shellTool, powershell: shellTool,
  read: readTool, view: readTool, write: writeTool, create: writeTool, edit: editTool, str_replace: editTool, str_replace_editor: editTool,
  delete: deleteTool, remove: deleteTool, move: moveTool, rename: moveTool, fetch: fetchTool, web_fetch: fetchTool, git: gitTool, github: githubTool,
  glob: searchTool, grep: searchTool, rg: searchTool, ls: searchTool, list: searchTool, search: searchTool, mkdir: mkdirTool, apply_patch: patchTool, patch: patchTool,
  // VS Code Copilot agent mode
  create_file: writeTool, replace_string_in_file: editTool, multi_replace_string_in_file: editTool, insert_edit_into_file: editTool, edit_file: editTool,
  edit_notebook_file: editTool, create_directory: mkdirTool, run_in_terminal: shellTool, send_to_terminal: shellTool, read_file: readTool, list_dir: searchTool,
  file_search: searchTool, grep_search: searchTool, semantic_search: searchTool, get_errors: readTool, fetch_webpage: fetchTool, open_simple_browser: fetchTool,
  test_search: searchTool, github_repo: searchWebTool,
  // Claude Code
  Bash: shellTool, Write: writeTool, Edit: editTool, MultiEdit: editTool, NotebookEdit: editTool, Read: readTool, NotebookRead: readTool, Glob: searchTool,
  Grep: searchTool, LS: searchTool, WebFetch: fetchTool, WebSearch: searchWebTool,
  // Cursor preToolUse
  Shell: shellTool, Terminal: shellTool, Delete: deleteTool, StrReplace: editTool, Search: searchTool, ReadFile: readTool, WriteFile: writeTool,
  // Codex
  local_shell: shellTool, exec_command: shellTool, container_exec: shellTool, write_stdin: shellTool, read_file_tool: readTool, web_search: searchWebTool,
  // Copilot CLI
  write_bash: shellTool,
};

function toolDef(tool: string): ToolDef | undefined {
  return own(TOOLS, tool) ?? own(TOOLS, tool.toLowerCase());
}

/** `mcp__server__tool` (Claude, Codex), `mcp_server_tool` (VS Code), `server/tool`, `MCP:tool`. */
export function parseMcpToolName(tool: string): { server: string; tool: string } | undefined {
  // every form starts with `mcp` (in any case for the last one)
  if (tool.length < 4 || (tool.charCodeAt(0) | 32) !== 109 || (tool.charCodeAt(1) | 32) !== 99 || (tool.charCodeAt(2) | 32) !== 112) return undefined;
  let m = /^mcp__(.+?)__(.+)$/.exec(tool);
  if (m) return { server: m[1]!, tool: m[2]! };
  m = /^mcp_([^_]+)_(.+)$/.exec(tool);
  if (m) return { server: m[1]!, tool: m[2]! };
  m = /^mcp[:/](.+?)[:/](.+)$/i.exec(tool);
  if (m) return { server: m[1]!, tool: m[2]! };
  return undefined;
}

const GITHUB_MCP: Record<string, string> = {
  merge_pull_request: 'merge_pr', create_pull_request: 'create_pr', update_pull_request: 'update_pr', create_issue: 'create_issue', update_issue: 'update_issue',
  add_issue_comment: 'comment_issue', create_or_update_file: 'push_file', push_files: 'push_files', delete_file: 'delete_file', create_branch: 'create_branch',
  delete_branch: 'delete_branch', create_repository: 'create_repo', delete_repository: 'delete_repo', fork_repository: 'fork_repo', update_pull_request_branch: 'update_pr_branch',
  create_pull_request_review: 'review_pr', close_issue: 'close_issue', update_ref: 'update_ref', create_ref: 'create_ref', delete_ref: 'delete_ref',
  update_repository: 'update_repo',
};

const GITHUB_ADMIN_TOOL = /protection|ruleset|bypass|make_public|visibility|transfer|archive|collaborator|deploy_key|secret/i;

function normaliseMcp(b: ActionBuilder, server: string, tool: string, args: unknown): void {
  b.action.mcp = { server, tool, ...(args !== undefined ? { arguments: args } : {}) };
  // tools outside the table that change protections, visibility or access are judged by their own name
  const gh = /github/i.test(server) ? own(GITHUB_MCP, tool) ?? (GITHUB_ADMIN_TOOL.test(tool) ? tool.toLowerCase() : undefined) : undefined;
  if (gh && isObj(args)) {
    const op = githubOpFromInput({ ...args, op: gh });
    if (gh === 'update_issue' && args.state === 'closed') op.op = 'close_issue';
    b.github(op);
  }
  // a git server's tools (`git_reset {mode: hard}`, `git_push {force}`) are the git operations they name
  if ((/^git$|^git[-_]|mcp-git|git-mcp/i.test(server) || /^git_/i.test(tool)) && isObj(args)) {
    b.git(gitOpFromInput({ ...args, op: tool.replace(/^git_/i, '') }, `${server}.${tool} ${JSON.stringify(args).slice(0, 300)}`));
  }
  mcpArguments(b, server, tool, args);
  b.action.mutating = !/^(get|list|read|search|query|fetch|view|describe|show|find|lookup|resolve|browse)/i.test(tool) || /sql|query/i.test(tool);
}

/** Normalises a tool call given as a tool name and its input, for any dialect. */
export function normalizeTool(dialect: Dialect, tool: string, input: unknown, env: NormalizeEnv, extra: { sessionId?: string; toolUseId?: string; cwd?: string } = {}): NormalizedAction {
  const inp: Input = isObj(input) ? input : typeof input === 'string' ? tryJson(input) : {};
  const mcpName = parseMcpToolName(tool);
  const def = mcpName ? undefined : toolDef(tool);
  const kind = mcpName ? 'mcp' : def ? def.kind : tool === 'mcp' ? 'mcp' : 'other';
  const b = new ActionBuilder(kind, dialect, tool, input, env, extra.cwd);
  if (extra.sessionId) b.action.sessionId = extra.sessionId;
  if (extra.toolUseId) b.action.toolUseId = extra.toolUseId;
  if (mcpName) {
    normaliseMcp(b, mcpName.server, mcpName.tool, input);
  } else if (tool === 'mcp') {
    const server = String(inp.server ?? inp.server_name ?? '');
    const t = String(inp.tool ?? inp.tool_name ?? inp.name ?? '');
    normaliseMcp(b, server, t, inp.arguments ?? inp.args ?? inp.input);
  } else if (def) {
    def.handle(b, inp);
  } else if (tool === 'create_and_run_task' || tool === 'run_task') {
    const task = isObj(inp.task) ? inp.task : inp;
    const cmd = [task.command, ...(Array.isArray(task.args) ? task.args : [])].filter((x) => typeof x === 'string').join(' ');
    b.action.kind = 'shell';
    if (cmd) b.shell(cmd);
  } else {
    b.action.toolKnown = HARMLESS.has(tool);
    b.action.mutating = !HARMLESS.has(tool);
    b.action.pathsKnown = HARMLESS.has(tool);
  }
  return b.finish();
}

function tryJson(s: string): Input {
  try {
    const v = JSON.parse(s) as unknown;
    return isObj(v) ? v : {};
  } catch {
    return {};
  }
}

/** The generic form: `{ "tool": "shell" | "write" | …, "input": { … } }`. */
export function normalizeGeneric(doc: { tool: string; input: Record<string, unknown> }, env: NormalizeEnv): NormalizedAction {
  return normalizeTool('generic', doc.tool, doc.input ?? {}, env);
}

const EVENT_MAP: Record<string, HookEventName> = {
  pretooluse: 'PreToolUse',
  posttooluse: 'PostToolUse',
  posttoolusefailure: 'PostToolUse',
  sessionstart: 'SessionStart',
  sessionend: 'SessionEnd',
  userpromptsubmit: 'UserPromptSubmit',
  userpromptsubmitted: 'UserPromptSubmit',
  beforesubmitprompt: 'UserPromptSubmit',
  stop: 'Stop',
  agentstop: 'Stop',
  subagentstop: 'SubagentStop',
  beforeshellexecution: 'PreToolUse',
  beforereadfile: 'PreToolUse',
  beforemcpexecution: 'PreToolUse',
  aftershellexecution: 'PostToolUse',
  aftermcpexecution: 'PostToolUse',
  afterfileedit: 'PostToolUse',
  permissionrequest: 'PreToolUse',
};

function normaliseEvent(name: string | undefined): HookEventName {
  if (!name) return 'PreToolUse';
  return own(EVENT_MAP, name.toLowerCase()) ?? name;
}

/** Which dialect a document most likely is (for `belay policy check`). */
export function detectDialect(doc: unknown): Dialect {
  if (!isObj(doc)) return 'generic';
  if (typeof doc.tool === 'string' && 'input' in doc && !('tool_name' in doc)) return 'generic';
  const hookish = ['tool_name', 'toolName', 'toolArgs', 'hook_event_name', 'hookEventName', 'conversation_id', 'workspace_roots', 'turn_id', 'session_id', 'sessionId'];
  if (!hookish.some((k) => k in doc)) return 'generic';
  if ('toolName' in doc || 'toolArgs' in doc) return 'copilot-cli';
  const event = String(doc.hook_event_name ?? doc.hookEventName ?? '');
  if ('conversation_id' in doc || 'workspace_roots' in doc || /^(before|after)[A-Z]|^preToolUse$|^postToolUse$|^stop$/.test(event)) return 'cursor';
  if ('turn_id' in doc) return 'codex';
  const tool = String(doc.tool_name ?? doc.toolName ?? '');
  const id = String(doc.tool_use_id ?? doc.toolUseId ?? '');
  if (id.includes('__vscode') || 'timestamp' in doc && 'hook_event_name' in doc || /^[a-z]+(_[a-z]+)+$/.test(tool) && !tool.startsWith('mcp__') && tool !== 'apply_patch' || /^mcp_[^_]/.test(tool) || 'hookEventName' in doc) return 'vscode';
  if (tool === 'apply_patch' || tool === 'shell' || tool === 'local_shell') return 'codex';
  return 'claude';
}

/**
 * Parses one hook document. Tool events carry a normalised action; other
 * events (session start, prompts, stop) carry what they have.
 */
export function parseHookInput(dialect: Dialect, doc: unknown, env: NormalizeEnv): HookEnvelope {
  if (!isObj(doc)) throw new Error(`hook input must be a JSON object, got ${doc === null ? 'null' : Array.isArray(doc) ? 'an array' : typeof doc}`);
  if (dialect === 'generic') {
    if (typeof doc.tool !== 'string' || doc.tool === '') throw new Error('generic input needs a "tool" string');
    if (doc.input !== undefined && !isObj(doc.input)) throw new Error('generic input "input" must be an object');
    const sessionId = str(doc, 'session', 'sessionId', 'session_id');
    const cwd = str(doc, 'cwd');
    const agent = str(doc, 'agent');
    const localEnv = agent ? { ...env, agent } : env;
    // built field by field (conditional spreads of object literals are slow), in the same key order
    const extra: { sessionId?: string; cwd?: string } = {};
    if (sessionId) extra.sessionId = sessionId;
    if (cwd) extra.cwd = cwd;
    const action = normalizeTool('generic', doc.tool, doc.input ?? {}, localEnv, extra);
    const envelope = { dialect, event: 'PreToolUse' } as HookEnvelope;
    if (sessionId) envelope.sessionId = sessionId;
    if (cwd) envelope.cwd = cwd;
    envelope.action = action;
    envelope.raw = doc;
    return envelope;
  }
  const rawEvent = str(doc, 'hook_event_name', 'hookEventName', 'event');
  const event = normaliseEvent(rawEvent);
  const sessionId = str(doc, 'session_id', 'sessionId', 'conversation_id', 'conversationId');
  const toolUseId = str(doc, 'tool_use_id', 'toolUseId', 'generation_id', 'call_id');
  const roots = Array.isArray(doc.workspace_roots) ? (doc.workspace_roots.filter((r) => typeof r === 'string') as string[]) : [];
  const cwd = str(doc, 'cwd') ?? roots[0];
  // built member by member (a conditional spread into a literal is a slow copy); workspaceRoots keeps its place from env
  const agentEnv: NormalizeEnv = { ...env, agent: env.agent ?? dialect };
  if (env.workspaceRoots.length === 0 && roots.length > 0) agentEnv.workspaceRoots = roots;
  const base: HookEnvelope = { dialect, event, raw: doc };
  if (rawEvent) base.rawEvent = rawEvent;
  if (sessionId) base.sessionId = sessionId;
  if (toolUseId) base.toolUseId = toolUseId;
  if (cwd) base.cwd = cwd;
  const prompt = str(doc, 'prompt', 'initialPrompt');
  if (prompt !== undefined) base.prompt = prompt;
  const response = doc.tool_response ?? doc.toolResponse ?? doc.toolResult ?? doc.output ?? doc.result_json;
  if (response !== undefined) base.toolResponse = response;
  const extra: { sessionId?: string; toolUseId?: string; cwd?: string } = {};
  if (sessionId) extra.sessionId = sessionId;
  if (toolUseId) extra.toolUseId = toolUseId;
  if (cwd) extra.cwd = cwd;

  if (dialect === 'cursor') {
    const ev = (rawEvent ?? '').toLowerCase();
    if (ev === 'beforeshellexecution' || ev === 'aftershellexecution') {
      const command = str(doc, 'command');
      if (command === undefined) throw new Error(`${rawEvent} input has no command`);
      base.action = normalizeTool('cursor', 'Shell', { command }, agentEnv, extra);
      return base;
    }
    if (ev === 'beforereadfile' || ev === 'beforetabfileread') {
      const file = str(doc, 'file_path', 'filePath');
      if (file === undefined) throw new Error(`${rawEvent} input has no file_path`);
      base.action = normalizeTool('cursor', 'Read', { file_path: file }, agentEnv, extra);
      return base;
    }
    if (ev === 'afterfileedit' || ev === 'aftertabfileedit') {
      const file = str(doc, 'file_path', 'filePath');
      if (file === undefined) throw new Error(`${rawEvent} input has no file_path`);
      base.action = normalizeTool('cursor', 'Edit', { file_path: file, edits: Array.isArray(doc.edits) ? doc.edits : [] }, agentEnv, extra);
      return base;
    }
    if (ev === 'beforemcpexecution' || ev === 'aftermcpexecution') {
      const tool = str(doc, 'tool_name', 'toolName');
      if (tool === undefined) throw new Error(`${rawEvent} input has no tool_name`);
      const input = typeof doc.tool_input === 'string' ? tryJson(doc.tool_input) : doc.tool_input;
      const server = cursorServer(doc);
      const parsed = parseMcpToolName(tool);
      base.action = normalizeTool('cursor', parsed ? tool : `mcp__${server}__${tool}`, input ?? {}, agentEnv, extra);
      return base;
    }
    if (ev === 'pretooluse' || ev === 'posttooluse') {
      const tool = str(doc, 'tool_name', 'toolName');
      if (tool === undefined) throw new Error(`${rawEvent} input has no tool_name`);
      base.action = normalizeTool('cursor', tool, doc.tool_input ?? {}, agentEnv, extra);
      return base;
    }
    return base;
  }

  if (dialect === 'copilot-cli' && ('toolName' in doc || 'toolArgs' in doc)) {
    const tool = str(doc, 'toolName');
    if (tool === undefined) throw new Error('copilot-cli input has no toolName');
    const args = typeof doc.toolArgs === 'string' ? parseToolArgs(doc.toolArgs) : doc.toolArgs ?? {};
    // Copilot CLI names neither the event nor the call: its postToolUse
    // document is the preToolUse one plus toolResult, so the result tells
    // the two apart and the call's content pairs them.
    if (!rawEvent && doc.toolResult !== undefined) base.event = 'PostToolUse';
    const callId = base.toolUseId ?? `copilot-${crypto.createHash('sha256').update(`${tool}\0${canonicalJson(args)}`).digest('hex').slice(0, 24)}`;
    base.toolUseId = callId;
    base.action = normalizeTool('copilot-cli', tool, args, agentEnv, { ...extra, toolUseId: callId });
    if (doc.toolResult !== undefined) base.toolResponse = doc.toolResult;
    return base;
  }
  if (dialect === 'copilot-cli' && !rawEvent) {
    // the lifecycle documents, told apart by their fields
    if (typeof doc.prompt === 'string') base.event = 'UserPromptSubmit';
    else if ('source' in doc || 'initialPrompt' in doc) base.event = 'SessionStart';
    else if ('reason' in doc) base.event = 'SessionEnd';
  }

  const tool = str(doc, 'tool_name', 'toolName');
  if (tool === undefined) {
    if (base.event === 'PreToolUse' || base.event === 'PostToolUse') throw new Error(`${rawEvent ?? 'tool event'} input has no tool_name`);
    return base;
  }
  const input = doc.tool_input ?? doc.toolInput ?? doc.tool_args ?? {};
  base.action = normalizeTool(dialect, tool, typeof input === 'string' && tool !== 'apply_patch' ? tryJson(input) : typeof input === 'string' ? { input } : input, agentEnv, extra);
  return base;
}

function parseToolArgs(s: string): unknown {
  try {
    return JSON.parse(s) as unknown;
  } catch {
    throw new Error('copilot-cli toolArgs is not valid JSON');
  }
}

/** Cursor does not name the MCP server; derive it from its URL or launch command. */
function cursorServer(doc: Input): string {
  const url = str(doc, 'url', 'server_url');
  if (url) {
    try {
      return new URL(url).hostname;
    } catch {
      return url;
    }
  }
  const command = str(doc, 'command', 'server_command');
  if (command) {
    const words = command.split(/\s+/).filter((w) => !w.startsWith('-'));
    const last = words[words.length - 1] ?? command;
    return last.replace(/^@[^/]+\//, '').replace(/^(mcp-)?server-/, '').replace(/-mcp(-server)?$/, '').replace(/@.*$/, '') || 'mcp';
  }
  return str(doc, 'server', 'server_name') ?? 'cursor';
}
