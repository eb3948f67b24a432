import type { Dialect } from '../../core/policy/action.ts';
import type { Decision } from '../../core/policy/engine.ts';

/** What the hook process writes and how it exits. */
export interface HookAnswer {
  stdout: string;
  stderr: string;
  exitCode: number;
}

const empty: HookAnswer = { stdout: '{}\n', stderr: '', exitCode: 0 };

/** The answer for events that make no decision (PostToolUse, SessionStart, …). */
export function noDecision(): HookAnswer {
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
      const permission = d.decision === 'allow' ? 'allow' : d.decision;
      const body = { permission, user_message: reason, agent_message: reason, userMessage: reason, agentMessage: reason };
      return { stdout: JSON.stringify(body) + '\n', stderr: d.decision === 'deny' ? reason + '\n' : '', exitCode: d.decision === 'deny' ? 2 : 0 };
    }
    case 'copilot-cli': {
      if (d.decision === 'allow' && !explicitAllow) return empty;
      const body = { permissionDecision: d.decision, permissionDecisionReason: reason };
      return { stdout: JSON.stringify(body) + '\n', stderr: d.decision === 'deny' ? reason + '\n' : '', exitCode: d.decision === 'deny' ? 2 : 0 };
    }
    default: {
      // Claude Code, VS Code agent mode and Codex share this shape.
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
