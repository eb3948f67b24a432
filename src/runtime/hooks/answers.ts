import type { Dialect } from '../../core/policy/action.ts';
import type { Decision } from '../../core/policy/engine.ts';

/** What the hook process writes and how it exits. */
export interface HookAnswer {
  stdout: string;
  stderr: string;
  exitCode: number;
}

const empty: HookAnswer = { stdout: '{}\n', stderr: '', exitCode: 0 };

/**
 * The answer for events that make no decision (PostToolUse, SessionStart, …).
 * Cursor's fail-closed hooks block on an answer without a permission, so it
 * gets an explicit `allow` (its PostToolUse and lifecycle events gate nothing).
 */
export function noDecision(dialect?: Dialect): HookAnswer {
  if (dialect === 'cursor') return { stdout: JSON.stringify({ permission: 'allow', continue: true }) + '\n', stderr: '', exitCode: 0 };
  return empty;
}

function reasonText(d: Pick<Decision, 'rule' | 'reason'>): string {
  return `Belay [${d.rule}]: ${d.reason}`;
}

/**
 * The PreToolUse answer in the agent's own format.
 *
 * Belay never widens what an agent may do: an action that is allowed only
 * because no rule objected gets no permission decision, so the agent's own
 * confirmation still applies; `allow` is answered only when a rule allowed it
 * explicitly. `deny` is answered both ways the agents understand: the JSON
 * decision on stdout and exit code 2 with the reason on stderr.
 */
export function preToolUseAnswer(dialect: Dialect, d: Pick<Decision, 'decision' | 'rule' | 'reason' | 'matches'>): HookAnswer {
  const reason = reasonText(d);
  const explicitAllow = d.decision === 'allow' && d.matches.some((m) => m.effect === 'allow');
  switch (dialect) {
    case 'cursor': {
      // Cursor reads the JSON on exit 0 (with exit 2 it shows the raw body as the reason).
      const body = { permission: d.decision, user_message: reason, agent_message: reason };
      return { stdout: JSON.stringify(body) + '\n', stderr: '', exitCode: 0 };
    }
    case 'copilot-cli': {
      // Copilot CLI decides on the stdout JSON only and treats exit 2 as a warning.
      if (d.decision === 'allow' && !explicitAllow) return empty;
      const body = { permissionDecision: d.decision, permissionDecisionReason: reason };
      return { stdout: JSON.stringify(body) + '\n', stderr: '', exitCode: 0 };
    }
    case 'codex': {
      // Codex has no confirmation of its own for hooks: an ask that reaches
      // this point (no person answered over the approval channel) is a deny.
      const decision = d.decision === 'ask' ? 'deny' : d.decision;
      if (decision === 'allow' && !explicitAllow) return empty;
      const body = { hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision: decision, permissionDecisionReason: reason } };
      return { stdout: JSON.stringify(body) + '\n', stderr: decision === 'deny' ? reason + '\n' : '', exitCode: decision === 'deny' ? 2 : 0 };
    }
    default: {
      // Claude Code and VS Code agent mode share this shape.
      if (d.decision === 'allow' && !explicitAllow) return empty;
      const body = {
        hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision: d.decision, permissionDecisionReason: reason },
      };
      return { stdout: JSON.stringify(body) + '\n', stderr: d.decision === 'deny' ? reason + '\n' : '', exitCode: d.decision === 'deny' ? 2 : 0 };
    }
  }
}

/** The fail-closed answer: used when Belay cannot decide in time or at all. */
export function failClosedAnswer(dialect: Dialect, rule: string, reason: string): HookAnswer {
  return preToolUseAnswer(dialect, { decision: 'deny', rule, reason, matches: [] });
}
