import type { Dialect } from '../../core/policy/action.ts';
import { own } from '../../core/policy/own.ts';

/**
 * `belay hook <name>`: the agent dialect each name reads and answers in, and
 * the agent its receipts name. Small on purpose: the launcher loads it.
 */
export const HOOK_DIALECTS: Readonly<Record<string, { dialect: Dialect; agent: string }>> = {
  claude: { dialect: 'claude', agent: 'claude-code' },
  vscode: { dialect: 'vscode', agent: 'copilot-agent' },
  cursor: { dialect: 'cursor', agent: 'cursor' },
  codex: { dialect: 'codex', agent: 'codex' },
  'copilot-cli': { dialect: 'copilot-cli', agent: 'copilot-cli' },
};

/** The dialect `belay hook <name>` names, if it is one (never a member every object inherits). */
export function hookDialect(name: string | undefined): { dialect: Dialect; agent: string } | undefined {
  return name === undefined ? undefined : own(HOOK_DIALECTS, name);
}

/** Time Belay allows itself before it answers deny on its own (far under the agents' hook timeouts). */
export function hookBudgetMs(env: NodeJS.ProcessEnv): number {
  const v = Number(env.BELAY_HOOK_BUDGET_MS);
  return Number.isFinite(v) && v > 0 ? v : 8000;
}
