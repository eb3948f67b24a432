import { parseArgs } from 'node:util';
import type { Dialect } from '../../core/policy/action.ts';
import type { HookEnvelope } from '../../core/policy/adapters.ts';
import type { Approver, Guard } from '../../core/actions/guard.ts';
import { CliError, readAll, type CliIO } from '../cliTypes.ts';
import { failClosedAnswer, noDecision, preToolUseAnswer, type HookAnswer } from '../hooks/answers.ts';
import { HOOK_DIALECTS, hookBudgetMs, hookDialect } from '../hooks/dialects.ts';


function emit(io: CliIO, answer: HookAnswer): number {
  if (answer.stdout) io.stdout.write(answer.stdout);
  if (answer.stderr) io.stderr.write(answer.stderr);
  return answer.exitCode;
}

function pickWorkspace(flag: string | undefined, doc: unknown, io: CliIO): string {
  if (flag) return flag;
  if (io.env.BELAY_WORKSPACE) return io.env.BELAY_WORKSPACE;
  if (io.env.CLAUDE_PROJECT_DIR) return io.env.CLAUDE_PROJECT_DIR;
  if (doc && typeof doc === 'object') {
    const d = doc as Record<string, unknown>;
    const roots = d.workspace_roots;
    if (Array.isArray(roots) && typeof roots[0] === 'string') return roots[0];
    if (typeof d.cwd === 'string' && d.cwd !== '') return d.cwd;
  }
  return io.cwd;
}

/**
 * Whether an `ask` must be answered by a person in VS Code (the approval
 * channel) because the agent will not ask on its own: Codex and Copilot CLI,
 * and Claude Code when it runs without permission prompts. BELAY_APPROVALS
 * (`editor` or `agent`) overrides.
 */
export function approvalsViaEditor(dialect: Dialect, doc: unknown, env: NodeJS.ProcessEnv): boolean {
  if (env.BELAY_APPROVALS === 'editor') return true;
  if (env.BELAY_APPROVALS === 'agent') return false;
  if (dialect === 'codex' || dialect === 'copilot-cli') return true;
  if (dialect === 'claude') {
    const mode = (doc as { permission_mode?: unknown }).permission_mode;
    return mode === 'bypassPermissions' || mode === 'dontAsk';
  }
  return false;
}

function approvalTimeoutMs(settings: Record<string, unknown>): number {
  const v = settings['belay.approvals.timeoutSeconds'];
  return (typeof v === 'number' && v > 0 ? Math.min(v, 3600) : 45) * 1000;
}

/** Receipt housekeeping at session boundaries; never in the way of the answer. */
function maintain(guard: Guard, io: CliIO): void {
  try {
    guard.maintain();
  } catch (err) {
    io.stderr.write(`belay: receipt maintenance failed: ${(err as Error).message.split('\n')[0]}\n`);
  }
}

/** Lets the time budget grow while a person is being asked. */
export interface BudgetControl {
  extend(ms: number): void;
}

async function answer(
  dialect: Dialect,
  agent: string,
  doc: unknown,
  workspaceFlag: string | undefined,
  io: CliIO,
  budget: BudgetControl,
): Promise<HookAnswer> {
  const { resolveWorkspace } = await import('../cliTypes.ts');
  const workspace = resolveWorkspace(pickWorkspace(workspaceFlag, doc, io), io);
  const { parseHookInput } = await import('../../core/policy/adapters.ts');
  let guard: Guard;
  let release: () => Promise<void>;
  if (io.hookHost) {
    const lent = await io.hookHost.guard(workspace, io.env);
    guard = lent.guard;
    release = async () => lent.release();
  } else {
    const { Guard } = await import('../../core/actions/guard.ts');
    const opened = await Guard.open({ workspace, env: io.env, shellParser: 'on-demand' });
    guard = opened;
    release = () => opened.close();
  }
  try {
    const normalize = (): HookEnvelope =>
      parseHookInput(dialect, doc, {
        workspaceRoots: [guard.workspace],
        home: io.env.HOME ?? '',
        cwd: typeof (doc as { cwd?: unknown }).cwd === 'string' ? (doc as { cwd: string }).cwd : guard.workspace,
        agent,
      });
    let envelope = normalize();
    // the shell parser is loaded only for a call that has shell text in it
    const { needsShellParser } = await import('../../core/policy/normalize.ts');
    if (needsShellParser(envelope.action)) {
      const { initPolicyEngine } = await import('../../core/policy/engine.ts');
      await initPolicyEngine();
      envelope = normalize();
    }
    switch (envelope.event) {
      case 'PreToolUse': {
        if (!envelope.action) return noDecision(dialect);
        let approver: Approver | undefined;
        if (approvalsViaEditor(dialect, doc, io.env)) {
          const { loadWorkspaceSettings } = await import('../../core/config/workspaceSettings.ts');
          const timeoutMs = approvalTimeoutMs(loadWorkspaceSettings(guard.workspace).settings);
          approver = async (req) => {
            budget.extend(timeoutMs + 5000);
            const { requestApproval } = await import('../../core/approvals/client.ts');
            return requestApproval({ ...req, workspace: guard.workspace, agent, timeoutMs }, { env: io.env });
          };
        }
        // Codex has no confirmation of its own for hooks (see answers.ts)
        const { decision } = await guard.pre(envelope, { agent, harness: dialect, approver, agentAsks: dialect !== 'codex' });
        return preToolUseAnswer(dialect, decision);
      }
      case 'PostToolUse':
        await guard.post(envelope, { agent, harness: dialect });
        return noDecision(dialect);
      case 'SessionStart':
        if (envelope.sessionId) guard.receipts.openSession({ id: envelope.sessionId, agent, harness: dialect });
        maintain(guard, io);
        return noDecision(dialect);
      case 'Stop':
      case 'SessionEnd':
        if (envelope.sessionId) guard.receipts.endSession(envelope.sessionId);
        maintain(guard, io);
        return noDecision(dialect);
      case 'UserPromptSubmit':
        if (envelope.sessionId) guard.receipts.openSession({ id: envelope.sessionId, agent, harness: dialect });
        guard.receipts.append({
          kind: 'prompt',
          sessionId: envelope.sessionId,
          agent,
          harness: dialect,
          tool: 'prompt',
          input: { prompt: envelope.prompt ?? '' },
          decision: 'allow',
          rule: 'prompt',
          reason: 'user prompt recorded',
          outcome: 'done',
        });
        return noDecision(dialect);
      default:
        return noDecision(dialect);
    }
  } finally {
    await release();
  }
}

/**
 * `belay hook <dialect>`: reads one hook document on stdin and answers in the
 * agent's format. Fails closed: malformed input, an internal error or running
 * out of time answers `deny` (exit 2) for tool calls.
 */
export async function run(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { workspace: { type: 'string' } },
    allowPositionals: true,
    strict: true,
  });
  const name = positionals[0];
  const known = hookDialect(name);
  if (!known) {
    throw new CliError(`unknown hook dialect '${name ?? ''}' (expected one of: ${Object.keys(HOOK_DIALECTS).join(', ')})`, 2);
  }
  const { dialect, agent } = known;
  const budget = hookBudgetMs(io.env);
  let timer: NodeJS.Timeout | undefined;
  let onTimeout: () => void = () => undefined;
  const timeout = new Promise<HookAnswer>((resolve) => {
    onTimeout = () => resolve(failClosedAnswer(dialect, 'belay.timeout', `Belay could not decide within its time budget; denied to stay safe`));
    timer = setTimeout(onTimeout, budget);
  });
  const control: BudgetControl = {
    extend(ms: number) {
      clearTimeout(timer);
      timer = setTimeout(onTimeout, ms);
      io.hookHost?.extend(ms + 1000);
    },
  };
  const work = (async (): Promise<HookAnswer> => {
    const text = io.input ?? (await readAll(io.stdin));
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      io.stderr.write('belay: hook input is not valid JSON\n');
      return failClosedAnswer(dialect, 'belay.bad-input', 'the hook input was not valid JSON; denied to stay safe');
    }
    if (!doc || typeof doc !== 'object' || Array.isArray(doc)) {
      return failClosedAnswer(dialect, 'belay.bad-input', 'the hook input was not a JSON object; denied to stay safe');
    }
    return answer(dialect, agent, doc, values.workspace, io, control);
  })().catch((err: unknown) => {
    const message = (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? 'internal error';
    return failClosedAnswer(dialect, 'belay.error', `Belay failed to decide (${message}); denied to stay safe`);
  });
  try {
    return emit(io, await Promise.race([work, timeout]));
  } finally {
    clearTimeout(timer);
  }
}
