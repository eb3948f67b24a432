// Belay under VS Code's real agent mode, as a user runs it: the built-in
// Copilot Chat agent, driven by a scripted model (test/e2e/scriptedModel),
// calls its real tools in a real VS Code (code-server + Chromium) with Belay
// installed from its VSIX and nothing written into the workspace. Belay's
// agent plugin hooks see every tool call. The agent creates a file, edits it,
// deletes another tracked file with `rm` in the terminal and tries to write
// `.env`; then the kill switch is turned on and its next edit is denied.
// See ../../../shared/docs/real-agent.md for the recipe.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import {
  belayVsix,
  findInWebview,
  launchVsCode,
  makeWorkspace,
  openView,
  repoRoot,
  runCommand,
  screenshot,
  withFailureArtifacts,
  type VsCode,
} from '../support/codeServer.ts';
import { buildScriptedModelVsix, ScriptedModelFiles, scriptedModelName, type RecordedRequest } from '../support/scriptedModel.ts';

const cli = path.join(repoRoot, 'dist', 'belay.js');
const belayId = 'belay-dev.belay';

/** Hook files an agent could read from the workspace: Belay must not need (or write) any. */
const hookPaths = ['.github/hooks', '.claude', '.cursor', '.codex'];

interface ReceiptRow {
  id: string;
  kind: string;
  tool: string;
  toolUseId?: string;
  decision: 'allow' | 'ask' | 'deny';
  outcome: string;
  rule: string;
  reason: string;
  target?: string;
  paths: string[];
  changedPaths?: { path: string; status: string }[];
  rolledBackBy?: string;
}

function belay(args: string[], belayHome: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { env: { ...process.env, BELAY_HOME: belayHome }, encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function receipts(workspace: string, belayHome: string): ReceiptRow[] {
  const r = belay(['receipts', 'list', '--json', '--limit', '200', '--workspace', workspace], belayHome);
  assert.equal(r.code, 0, `belay receipts list failed: ${r.stderr}`);
  const parsed = JSON.parse(r.stdout) as ReceiptRow[] | { items: ReceiptRow[] };
  return Array.isArray(parsed) ? parsed : parsed.items;
}

async function until<T>(what: string, fn: () => T | undefined | false, timeoutMs: number, detail?: () => string): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail ? `\n${detail()}` : ''}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** What the model answered, request by request: for timeout messages. */
function transcript(requests: RecordedRequest[]): string {
  return requests.map((r) => `#${r.seq} ${r.script ?? '-'} step ${r.step}: ${JSON.stringify(r.answer).slice(0, 160)}`).join('\n') || '(the model got no request)';
}

/** Copilot Chat's hooks log: every hook it ran, with its command, input, result and duration. */
function hooksLog(vsc: VsCode): string {
  const logs = vsc.server.logsDir;
  if (!logs) return '';
  const out: string[] = [];
  for (const host of fs.readdirSync(logs).filter((d) => /^exthost\d+$/.test(d))) {
    const dir = path.join(logs, host, 'GitHub.copilot-chat');
    if (!fs.existsSync(dir)) continue;
    for (const f of fs.readdirSync(dir).filter((n) => /Hooks\.log$/.test(n))) out.push(fs.readFileSync(path.join(dir, f), 'utf8'));
  }
  return out.join('');
}

/** Adds `extra` to an error's message and stack (node:test prints the stack). */
function annotate(error: unknown, extra: string): unknown {
  if (!(error instanceof Error)) return new Error(`${String(error)}\n${extra}`, { cause: error });
  const original = error.message;
  error.message = `${original}\n${extra}`;
  if (error.stack?.includes(original)) error.stack = error.stack.replace(original, error.message);
  return error;
}

function tail(text: string, lines: number): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/** The visible one of the chat widget's duplicates. */
function visible(page: Page, selector: string): Locator {
  return page.locator(selector).filter({ visible: true }).first();
}

/** Opens the Chat view and makes sure it is in Agent mode on the scripted model (picking them when not). */
async function openAgentChat(page: Page): Promise<void> {
  // A palette still closing from the previous command would swallow F1.
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 10_000 });
  await runCommand(page, 'Chat: Focus on Chat View');
  const input = visible(page, '.interactive-input-part .monaco-editor');
  await input.waitFor({ state: 'visible', timeout: 20_000 });

  const model = visible(page, '.interactive-input-part .model-picker-item .action-label');
  await model.waitFor({ state: 'visible', timeout: 20_000 });
  if (!(await model.innerText()).includes(scriptedModelName)) {
    await model.click();
    await page.locator('.monaco-list-row, .action-item', { hasText: scriptedModelName }).filter({ visible: true }).first().click({ timeout: 10_000 });
  }
  await visible(page, '.interactive-input-part .model-picker-item').filter({ hasText: scriptedModelName }).waitFor({ timeout: 10_000 });

  const mode = visible(page, '.interactive-input-part .chat-mode-picker-item .action-label');
  if ((await mode.innerText()).trim() !== 'Agent') {
    await mode.click();
    await page.locator('.monaco-list-row, .action-item', { hasText: /^\s*Agent\b/ }).filter({ visible: true }).first().click({ timeout: 10_000 });
  }
  await visible(page, '.interactive-input-part .chat-mode-picker-item').filter({ hasText: 'Agent' }).waitFor({ timeout: 10_000 });
  // Copilot's offer to configure other models covers the chat in screenshots.
  const offer = visible(page, '.chat-input-notification-dismiss');
  if (await offer.isVisible()) await offer.click();
}

async function sendPrompt(page: Page, text: string): Promise<void> {
  const input = visible(page, '.interactive-input-part .monaco-editor');
  await input.click({ force: true });
  await page.keyboard.type(text);
  await page.keyboard.press('Enter');
}

test('VS Code agent mode with Belay installed: guarded, recorded, rolled back, killed', { timeout: 300_000 }, async (t) => {
  const started = performance.now();
  const lap = (label: string): void => t.diagnostic(`${label}: ${Math.round(performance.now() - started)} ms`);
  const notes = '# Notes\n\nWritten by a person; the agent must not lose it.\n';
  const workspace = makeWorkspace(
    {
      'README.md': '# real agent\n',
      'docs/notes.md': notes,
      // The workspace policy: writing .env is denied, with the reason the agent is told.
      '.vscode/settings.json': `${JSON.stringify(
        {
          'belay.policy': {
            rules: [{ id: 'no-dotenv', effect: 'deny', kinds: ['write', 'edit'], paths: ['.env', '.env.*'], reason: 'secrets live in the vault, never in .env files' }],
          },
        },
        null,
        2,
      )}\n`,
    },
    { git: true },
  );
  t.after(() => fs.rmSync(workspace, { recursive: true, force: true }));
  for (const p of hookPaths) assert.equal(fs.existsSync(path.join(workspace, p)), false, `no ${p} in the workspace before the run`);

  const scratch = fs.realpathSync(fs.mkdtempSync(path.join(path.dirname(workspace), 'belay-real-agent-')));
  t.after(() => fs.rmSync(scratch, { recursive: true, force: true }));
  const model = new ScriptedModelFiles(path.join(scratch, 'model'));
  const created = path.join(workspace, 'src', 'greeting.ts');
  const dotenv = path.join(workspace, '.env');
  const run1 = [
    { tool: 'create_file', input: { filePath: created, content: "export const greeting = 'hello';\n" } },
    {
      tool: 'replace_string_in_file',
      input: { filePath: created, oldString: "'hello'", newString: "'hello, world'", explanation: 'Make the greeting friendlier' },
    },
    {
      tool: 'run_in_terminal',
      input: { command: 'rm docs/notes.md', explanation: 'Remove the old notes', goal: 'Delete docs/notes.md', isBackground: false, mode: 'sync' },
    },
    { tool: 'create_file', input: { filePath: dotenv, content: 'API_TOKEN=not-a-real-token\n' } },
    { text: 'Done: created and edited src/greeting.ts, removed docs/notes.md; .env was not written.' },
  ];
  model.add('BELAY-RUN-1', run1);
  const run2 = [
    { tool: 'replace_string_in_file', input: { filePath: created, oldString: "'hello, world'", newString: "'bye'", explanation: 'Change the greeting' } },
    { text: 'The edit was denied.' },
  ];
  model.add('BELAY-RUN-2', run2);

  const modelVsix = await buildScriptedModelVsix(path.join(scratch, 'vsix'));
  lap('scripted model built');
  const vsc: VsCode = await launchVsCode({
    workspace,
    vsix: [belayVsix(), modelVsix],
    env: model.env,
    enableCopilotChat: true,
    settings: {
      // Tools run without VS Code's confirmation: only Belay stands in the way.
      'chat.permissions.default': 'autoApprove',
      'chat.tools.global.autoApprove': true,
      'workbench.startupEditor': 'none',
    },
  });
  t.after(() => vsc.close());
  t.diagnostic(`launch timings: ${JSON.stringify(vsc.timings)}`);
  lap('workbench up');
  const page = vsc.page;
  const home = vsc.belayHome;

  await withFailureArtifacts('real-agent', vsc, async () => {
    try {
      await run();
    } catch (error) {
      throw annotate(
        error,
        `--- scripted model requests ---\n${transcript(model.requests())}\n--- Copilot Chat hooks log (last 40 lines) ---\n${tail(hooksLog(vsc), 40)}`,
      );
    }
  });

  async function run(): Promise<void> {
    // --- One agent turn: create, edit, rm in the terminal, .env ---
    await until('the scripted model to activate', () => model.activated(), 30_000);
    await openAgentChat(page);
    await screenshot(page, 'real-agent-0-chat');
    lap('agent chat ready');
    const sent = Date.now();
    await sendPrompt(page, 'BELAY-RUN-1 create a greeting, tidy the notes and set the token');
    await until('the agent to finish its turn', () => model.request('BELAY-RUN-1', run1.length - 1), 60_000, () => transcript(model.requests()));
    lap('agent turn 1 done');
    t.diagnostic(`model requests after the prompt (ms): ${model.requests().map((r) => `step ${r.step} +${Date.parse(r.at) - sent}`).join(', ')}`);

    // What happened on disk.
    assert.equal(fs.readFileSync(created, 'utf8'), "export const greeting = 'hello, world';\n", 'the file was created, then edited');
    assert.equal(fs.existsSync(path.join(workspace, 'docs', 'notes.md')), false, 'rm ran in the terminal');
    assert.equal(fs.existsSync(dotenv), false, 'the .env write never happened');

    // What the model was told after each call.
    const results = run1.slice(0, -1).map((_, i) => model.toolResult('BELAY-RUN-1', i) ?? '(no tool result)');
    assert.doesNotMatch(results[0] ?? '', /denied/i, `create_file ran: ${results[0]}`);
    assert.doesNotMatch(results[1] ?? '', /denied/i, `replace_string_in_file ran: ${results[1]}`);
    assert.doesNotMatch(results[2] ?? '', /denied/i, `rm ran: ${results[2]}`);
    const envResult = results[3] ?? '';
    assert.match(envResult, /denied/i, `the model was told the .env write was denied: ${envResult}`);
    assert.match(envResult, /Belay/, `…by Belay: ${envResult}`);
    assert.match(envResult, /no-dotenv/, `…by which rule: ${envResult}`);
    assert.match(envResult, /secrets live in the vault/, `…and why: ${envResult}`);

    // Every action has a receipt with the right decision (hooks run the CLI; give PostToolUse a moment).
    let rows: ReceiptRow[] = [];
    const action = (tool: string, target: RegExp): ReceiptRow | undefined =>
      rows.find((r) => r.kind === 'action' && r.tool === tool && target.test(`${r.target ?? ''} ${r.paths.join(' ')}`));
    await until(
      'a completed receipt for every action',
      () => {
        rows = receipts(workspace, home);
        const rm = action('run_in_terminal', /rm docs\/notes\.md|notes\.md/);
        const edit = action('replace_string_in_file', /greeting\.ts/);
        return rm?.outcome === 'done' && edit?.outcome === 'done' && action('create_file', /\.env/) !== undefined;
      },
      20_000,
      () => JSON.stringify(rows.map((r) => [r.kind, r.tool, r.target, r.decision, r.outcome]), null, 1),
    );
    const createR = rows.find((r) => r.kind === 'action' && r.tool === 'create_file' && /greeting\.ts/.test(`${r.target ?? ''} ${r.paths.join(' ')}`));
    const editR = action('replace_string_in_file', /greeting\.ts/);
    const rmR = action('run_in_terminal', /notes\.md/);
    const envR = action('create_file', /\.env/);
    assert.ok(createR && editR && rmR && envR, 'four action receipts');
    assert.deepEqual([createR.decision, createR.outcome], ['allow', 'done'], 'create_file: allowed and done');
    assert.deepEqual([editR.decision, editR.outcome], ['allow', 'done'], 'replace_string_in_file: allowed and done');
    assert.deepEqual([rmR.decision, rmR.outcome], ['allow', 'done'], 'rm: allowed and done');
    assert.deepEqual([envR.decision, envR.outcome, envR.rule], ['deny', 'blocked', 'no-dotenv'], '.env: denied by the workspace rule');
    assert.ok(
      (rmR.changedPaths ?? []).some((c) => /docs\/notes\.md$/.test(c.path)),
      `the rm receipt names the deleted file: ${JSON.stringify(rmR.changedPaths)}`,
    );
    assert.ok(rows.some((r) => r.kind === 'prompt'), 'the prompt was recorded (UserPromptSubmit)');
    lap('receipts checked');

    // The hooks that ran were Belay's agent plugin, from the installed extension, and only those.
    const hooks = hooksLog(vsc);
    const commands = [...hooks.matchAll(/\[(\w+)\] Running: (\{.*\})$/gm)].map((m) => ({ event: m[1], command: (JSON.parse(m[2] ?? '{}') as { command?: string }).command ?? '' }));
    const events = new Set(commands.map((c) => c.event));
    for (const e of ['SessionStart', 'UserPromptSubmit', 'PreToolUse', 'PostToolUse', 'Stop']) assert.ok(events.has(e), `a ${e} hook ran: ${[...events].join(', ')}`);
    const plugin = path.join(vsc.root, 'extensions');
    for (const c of commands) {
      assert.ok(
        c.command.includes(plugin) && /belay-dev\.belay-[^/]+\/plugin\/hooks\/belay-hook\.sh/.test(c.command),
        `the ${c.event} hook is Belay's plugin hook in the installed extension: ${c.command}`,
      );
    }
    const durations = [...hooks.matchAll(/\[(\w+)\] Completed \((\w+)\) in (\d+)ms/g)].map((m) => `${m[1]} ${m[3]}`);
    t.diagnostic(`hook runs (ms): ${durations.join(', ')}`);

    // --- The Timeline shows the run; its Rollback button undoes the rm ---
    await openView(page, 'Belay', 'Guarded Actions');
    await openView(page, 'Belay', 'Timeline');
    const card = (tool: string, extra = ''): Locator => findInWebview(page, `li.entry${extra}:has(.tool:text-is("${tool}"))`, { extensionId: belayId });
    const rmCard = findInWebview(page, `li.entry[data-receipt-id="${rmR.id}"]`, { extensionId: belayId });
    await rmCard.waitFor({ timeout: 20_000 });
    await card('create_file', '.decision-deny').first().waitFor({ timeout: 20_000 });
    await card('replace_string_in_file', '.decision-allow').first().waitFor({ timeout: 20_000 });
    await screenshot(page, 'real-agent-1-timeline');
    await rmCard.locator('vscode-button', { hasText: 'Rollback' }).click();
    await until('docs/notes.md to come back', () => fs.existsSync(path.join(workspace, 'docs', 'notes.md')), 20_000);
    assert.equal(fs.readFileSync(path.join(workspace, 'docs', 'notes.md'), 'utf8'), notes, 'rolling back the rm restores the file byte for byte');
    await findInWebview(page, `li.entry.outcome-rolled_back[data-receipt-id="${rmR.id}"]`, { extensionId: belayId }).waitFor({ timeout: 20_000 });
    assert.equal(fs.readFileSync(created, 'utf8'), "export const greeting = 'hello, world';\n", 'rolling back the rm leaves the other changes alone');
    const rolled = receipts(workspace, home).find((r) => r.id === rmR.id);
    assert.equal(rolled?.outcome, 'rolled_back', 'the rm receipt is rolled back');
    await screenshot(page, 'real-agent-2-after-rollback');
    lap('rollback from the timeline done');

    // --- Kill switch on from the command palette: the next edit is denied ---
    await runCommand(page, 'Belay: Toggle Kill Switch (deny every agent change)');
    await until('the kill switch to be on', () => {
      try {
        return (JSON.parse(fs.readFileSync(path.join(home, 'kill-switch.json'), 'utf8')) as { on?: boolean }).on === true;
      } catch {
        return false;
      }
    }, 10_000);
    await openAgentChat(page);
    await sendPrompt(page, 'BELAY-RUN-2 change the greeting');
    await until('the agent to finish its second turn', () => model.request('BELAY-RUN-2', run2.length - 1), 60_000, () => transcript(model.requests()));
    const killResult = model.toolResult('BELAY-RUN-2', 0) ?? '(no tool result)';
    assert.match(killResult, /denied/i, `the model was told the edit was denied: ${killResult}`);
    assert.match(killResult, /kill switch/i, `…because of the kill switch: ${killResult}`);
    assert.equal(fs.readFileSync(created, 'utf8'), "export const greeting = 'hello, world';\n", 'the edit under the kill switch never happened');
    const killed = await until(
      'the kill-switch receipt',
      () => receipts(workspace, home).find((r) => r.kind === 'action' && r.tool === 'replace_string_in_file' && r.decision === 'deny'),
      20_000,
    );
    assert.deepEqual([killed.outcome, killed.rule], ['blocked', 'belay.kill-switch'], 'denied by the kill switch');
    await card('replace_string_in_file', '.decision-deny').first().waitFor({ timeout: 20_000 });
    await openView(page, 'Belay', 'Timeline');
    await screenshot(page, 'real-agent-3-kill-switch');
    lap('kill switch turn done');

    // Every receipt of the run, for the record. Every change in this run was
    // made by a guarded tool or by Belay itself: guard health must not call
    // any of them unguarded (the folder create_file made included).
    const all = receipts(workspace, home);
    t.diagnostic(`receipts: ${all.map((r) => `${r.kind}/${r.tool} ${r.decision} ${r.outcome}`).join('; ')}`);
    const unguarded = all.filter((r) => r.kind === 'unguarded');
    assert.deepEqual(unguarded.map((r) => `${r.target ?? r.paths.join(',')} (${r.reason})`), [], 'no guarded change is reported as unguarded');

    // Nothing was written into the workspace to make this work.
    for (const p of hookPaths) assert.equal(fs.existsSync(path.join(workspace, p)), false, `no ${p} in the workspace after the run`);
  }
});
