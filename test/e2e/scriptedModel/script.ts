// The pure part of the scripted model (no 'vscode'): the script format, what
// a request is recorded as, and how the next step is chosen. Shared by the
// extension and by the tests that read its records.

export type Step = { tool: string; input: Record<string, unknown> } | { text: string };

export interface Script {
  match: string;
  steps: Step[];
}

export interface RecordedPart {
  kind: 'text' | 'toolCall' | 'toolResult' | 'other';
  text?: string;
  callId?: string;
  name?: string;
  input?: unknown;
}

export interface RecordedRequest {
  seq: number;
  at: string;
  model: string;
  script: string | null;
  step: number;
  toolsOffered: string[];
  messages: { role: 'user' | 'assistant' | 'system' | string; parts: RecordedPart[] }[];
  answer: Step | { text: string; error: string };
}

/** The script the newest user message asks for, and how many of its tool calls have been answered. */
export function nextStep(
  scripts: readonly Script[],
  messages: readonly { role: string; parts: RecordedPart[] }[],
): { script: Script; index: number } | undefined {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (!m || m.role !== 'user') continue;
    const text = m.parts.filter((p) => p.kind === 'text').map((p) => p.text ?? '').join('\n');
    // The prompt may quote earlier turns: the match written last is the request.
    let script: Script | undefined;
    let at = -1;
    for (const s of scripts) {
      const pos = s.match ? text.lastIndexOf(s.match) : -1;
      if (pos > at) [script, at] = [s, pos];
    }
    if (!script) continue;
    const answered = messages.slice(i + 1).reduce((n, later) => n + later.parts.filter((p) => p.kind === 'toolResult').length, 0);
    return { script, index: answered };
  }
  return undefined;
}

/** The call id the model gives step `step` of script `match`. */
export function callIdFor(match: string, step: number): string {
  return `call_${match.replace(/[^A-Za-z0-9]/g, '')}_${step}`;
}
