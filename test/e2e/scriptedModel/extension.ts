// Test-only extension: a chat model whose answers are a script of tool calls,
// so VS Code's real agent mode (the built-in Copilot Chat) runs offline and
// calls its real built-in tools (see test/e2e/realAgent.test.ts).
//
// The script is a JSON file named by BELAY_SCRIPTED_MODEL_SCRIPT, read on
// every request (so a test can add scripts while VS Code runs):
//   { "scripts": [ { "match": "RUN-1", "steps": [
//       { "tool": "create_file", "input": { "filePath": "/abs/a.ts", "content": "…" } },
//       { "text": "Done." } ] } ] }
// The model is stateless, as a real one is: it finds the newest user message
// whose text contains a script's `match`, counts the tool results that came
// after it, and answers with the next step (a tool call, or text that ends the
// turn). Past the last step it answers a short text.
//
// Every request is appended as one JSON line to BELAY_SCRIPTED_MODEL_LOG:
// the messages it received (tool results as text, so a test can read what the
// agent told the model), the tools it was offered and what it answered.
import fs from 'node:fs';
import * as vscode from 'vscode';
import { callIdFor, nextStep, type RecordedPart, type RecordedRequest, type Script } from './script.ts';

const vendor = 'belay-scripted';

const textCap = 20_000;

function cap(text: string): string {
  return text.length > textCap ? `${text.slice(0, textCap)}…[${text.length - textCap} more]` : text;
}

/** Every string under `text`/`value` keys (and plain strings) in a tool result's content, depth-first. */
function textOf(value: unknown, depth = 0): string {
  if (depth > 12 || value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map((v) => textOf(v, depth + 1)).filter(Boolean).join('\n');
  if (typeof value === 'object') {
    const o = value as Record<string, unknown>;
    const out: string[] = [];
    for (const key of ['value', 'text', 'content', 'children', 'node']) {
      if (key in o) {
        const t = textOf(o[key], depth + 1);
        if (t) out.push(t);
      }
    }
    return out.join('\n');
  }
  return '';
}

function recordPart(part: unknown): RecordedPart {
  const p = part as Record<string, unknown> | null;
  if (p && typeof p === 'object') {
    if (typeof p.callId === 'string' && Array.isArray(p.content)) return { kind: 'toolResult', callId: p.callId, text: cap(textOf(p.content)) };
    if (typeof p.callId === 'string' && typeof p.name === 'string') return { kind: 'toolCall', callId: p.callId, name: p.name, input: p.input };
    if (typeof p.value === 'string') return { kind: 'text', text: cap(p.value) };
  }
  return { kind: 'other', text: cap(textOf(part)) };
}

function roleName(role: vscode.LanguageModelChatMessageRole | number): string {
  if (role === vscode.LanguageModelChatMessageRole.User) return 'user';
  if (role === vscode.LanguageModelChatMessageRole.Assistant) return 'assistant';
  return String(role) === '3' ? 'system' : `role-${String(role)}`;
}

function readScripts(): Script[] {
  const file = process.env.BELAY_SCRIPTED_MODEL_SCRIPT;
  if (!file) return [];
  try {
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as { scripts?: Script[] };
    return Array.isArray(parsed.scripts) ? parsed.scripts : [];
  } catch {
    return [];
  }
}

function append(record: RecordedRequest): void {
  const file = process.env.BELAY_SCRIPTED_MODEL_LOG;
  if (!file) return;
  try {
    fs.appendFileSync(file, `${JSON.stringify(record)}\n`);
  } catch {
    // a test without a log file still gets its answers
  }
}

class ScriptedModel implements vscode.LanguageModelChatProvider {
  private seq = 0;

  provideLanguageModelChatInformation(): vscode.LanguageModelChatInformation[] {
    return [
      {
        id: 'belay-scripted-model',
        name: 'Belay Scripted Model',
        family: 'belay-scripted',
        version: '1',
        tooltip: 'Test-only model that plays a script of tool calls',
        detail: 'test only',
        maxInputTokens: 200_000,
        maxOutputTokens: 16_000,
        capabilities: { toolCalling: true, imageInput: false },
      },
    ];
  }

  async provideLanguageModelChatResponse(
    model: vscode.LanguageModelChatInformation,
    messages: readonly vscode.LanguageModelChatRequestMessage[],
    options: vscode.ProvideLanguageModelChatResponseOptions,
    progress: vscode.Progress<vscode.LanguageModelResponsePart>,
  ): Promise<void> {
    const seq = ++this.seq;
    const recorded = messages.map((m) => ({ role: roleName(m.role), parts: m.content.map(recordPart) }));
    const toolsOffered = (options.tools ?? []).map((t) => t.name);
    const found = nextStep(readScripts(), recorded);
    let answer: RecordedRequest['answer'];
    if (!found) {
      answer = { text: 'No script matches this request.', error: 'no-script' };
    } else {
      const step = found.script.steps[found.index];
      if (!step) answer = { text: 'The script is complete.', error: 'past-end' };
      else if ('tool' in step && !toolsOffered.includes(step.tool)) answer = { text: `Tool ${step.tool} was not offered.`, error: 'tool-not-offered' };
      else answer = step;
    }
    append({
      seq,
      at: new Date().toISOString(),
      model: model.id,
      script: found?.script.match ?? null,
      step: found?.index ?? -1,
      toolsOffered,
      messages: recorded,
      answer,
    });
    if ('tool' in answer) {
      const callId = callIdFor(found?.script.match ?? '', found?.index ?? 0);
      progress.report(new vscode.LanguageModelToolCallPart(callId, answer.tool, answer.input));
    } else {
      progress.report(new vscode.LanguageModelTextPart(answer.text));
    }
  }

  async provideTokenCount(_model: vscode.LanguageModelChatInformation, text: string | vscode.LanguageModelChatRequestMessage): Promise<number> {
    const s = typeof text === 'string' ? text : text.content.map((p) => textOf(p)).join('');
    return Math.ceil(s.length / 4);
  }
}

export function activate(context: vscode.ExtensionContext): void {
  context.subscriptions.push(vscode.lm.registerLanguageModelChatProvider(vendor, new ScriptedModel()));
  // Resolving the vendor once makes the workbench list the model in its picker.
  void vscode.lm.selectChatModels({ vendor }).then(
    (models) => append({ seq: 0, at: new Date().toISOString(), model: models.map((m) => m.id).join(','), script: null, step: -1, toolsOffered: [], messages: [], answer: { text: 'activated' } }),
    () => undefined,
  );
}

export function deactivate(): void {}
