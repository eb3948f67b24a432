import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { startApprovalServer } from '../../../../src/core/approvals/server.ts';
import type { ApprovalAnswer, ApprovalRequest } from '../../../../src/core/approvals/protocol.ts';
import { MAX_DETAIL_CHARS } from '../../../../src/core/approvals/protocol.ts';
import { aborted, deferred, eventLog, runClient, sampleRequest, tempBelay, workspace } from './helpers.ts';

test('approve, deny and always make the round trip from a hook process to the window and back', async () => {
  const { root, env } = tempBelay();
  const ws = workspace(root, 'ws');
  const seen: ApprovalRequest[] = [];
  const answers: ApprovalAnswer[] = [
    { answer: 'approve', by: 'user' },
    { answer: 'deny', by: 'user', reason: 'not now' },
    { answer: 'always', by: 'user' },
  ];
  const server = await startApprovalServer({
    env,
    workspaces: () => [ws],
    onRequest: async (req) => {
      seen.push(req);
      return answers[seen.length - 1]!;
    },
  });
  try {
    for (const expected of answers) {
      const run = await runClient(env, sampleRequest(ws, { summary: 'git push --force', detail: 'git push --force origin main' }));
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.result.answer, expected.answer);
      assert.equal(run.result.by, 'user');
      assert.equal(run.result.reason, expected.reason);
      assert.match(run.result.via ?? '', new RegExp(`pid ${process.pid} \\(${server.id}\\)`));
    }
    assert.equal(seen.length, 3);
    const req = seen[0]!;
    assert.match(req.id, /^[0-9a-f-]{36}$/);
    assert.equal(new Set(seen.map((r) => r.id)).size, 3, 'every request has its own id');
    assert.deepEqual(
      { workspace: req.workspace, agent: req.agent, tool: req.tool, summary: req.summary, detail: req.detail, rule: req.rule, reason: req.reason, timeoutMs: req.timeoutMs },
      { workspace: ws, agent: 'claude-code', tool: 'Bash', summary: 'git push --force', detail: 'git push --force origin main', rule: 'ask-destructive-shell', reason: 'deleting files needs a person', timeoutMs: 5000 },
    );
  } finally {
    await server.close();
  }
});

test('no answer in time is a deny, and the window is told to drop its prompt', async () => {
  const { root, env } = tempBelay();
  const ws = workspace(root, 'ws');
  const log = eventLog();
  let signal: AbortSignal | undefined;
  const server = await startApprovalServer({
    env,
    workspaces: () => [ws],
    onEvent: log.onEvent,
    onRequest: (_req, s) => {
      signal = s;
      return new Promise(() => {}); // nobody answers
    },
  });
  try {
    const run = await runClient(env, sampleRequest(ws, { timeoutMs: 400 }));
    assert.equal(run.result.answer, 'deny');
    assert.equal(run.result.by, 'belay');
    assert.match(run.result.reason ?? '', /no answer within 0\.4 s/);
    assert.ok(run.ms >= 350 && run.ms < 3000, `answered after ${run.ms} ms`);
    assert.ok(signal, 'the prompt was shown');
    const reason = await aborted(signal);
    assert.match(String((reason as Error).message), /timeout/);
    assert.ok(log.events.some((e) => e.kind === 'timeout'));
  } finally {
    await server.close();
  }
});

test('a hook process that gives up (killed) aborts the prompt', async () => {
  const { root, env } = tempBelay();
  const ws = workspace(root, 'ws');
  const log = eventLog();
  let signal: AbortSignal | undefined;
  const shown = deferred<void>();
  const server = await startApprovalServer({
    env,
    workspaces: () => [ws],
    onEvent: log.onEvent,
    onRequest: (_req, s) => {
      signal = s;
      shown.resolve();
      return new Promise(() => {});
    },
  });
  try {
    let pid = 0;
    const run = runClient(env, sampleRequest(ws, { timeoutMs: 60_000 }), {}, { onSpawn: (p) => (pid = p) }).catch(() => undefined);
    await shown.promise;
    process.kill(pid, 'SIGKILL');
    await run;
    const reason = await aborted(signal!);
    assert.match(String((reason as Error).message), /client-gone/);
    await log.waitFor((e) => e.kind === 'client-gone');
  } finally {
    await server.close();
  }
});

test('a failing or invalid prompt answers deny', async () => {
  const { root, env } = tempBelay();
  const ws = workspace(root, 'ws');
  let mode: 'throw' | 'invalid' = 'throw';
  const server = await startApprovalServer({
    env,
    workspaces: () => [ws],
    onRequest: async () => {
      if (mode === 'throw') throw new Error('the dialog crashed');
      return { answer: 'yes please', by: 'user' } as unknown as ApprovalAnswer;
    },
  });
  try {
    const a = await runClient(env, sampleRequest(ws));
    assert.deepEqual([a.result.answer, a.result.by], ['deny', 'belay']);
    assert.match(a.result.reason ?? '', /the approval prompt failed: the dialog crashed/);
    mode = 'invalid';
    const b = await runClient(env, sampleRequest(ws));
    assert.deepEqual([b.result.answer, b.result.by], ['deny', 'belay']);
    assert.match(b.result.reason ?? '', /invalid answer/);
  } finally {
    await server.close();
  }
});

test('closing the window denies what is pending and removes the socket and the endpoint file', async () => {
  const { root, env } = tempBelay();
  const ws = workspace(root, 'ws');
  const shown = deferred<AbortSignal>();
  const server = await startApprovalServer({
    env,
    workspaces: () => [ws],
    onRequest: (_req, s) => {
      shown.resolve(s);
      return new Promise(() => {});
    },
  });
  const run = runClient(env, sampleRequest(ws, { timeoutMs: 60_000 }));
  const signal = await shown.promise;
  await server.close();
  const { result } = await run;
  assert.deepEqual([result.answer, result.by], ['deny', 'belay']);
  assert.match(result.reason ?? '', /closed before anyone answered/);
  assert.ok(signal.aborted);
  assert.equal(fs.existsSync(server.endpointFile), false);
  assert.equal(fs.existsSync(server.endpoint), false);
  const after = await runClient(env, sampleRequest(ws));
  assert.match(after.result.reason ?? '', /no Belay window is open/);
});

test('a one-line summary and an oversize diff are made to fit instead of refused', async () => {
  const { root, env } = tempBelay();
  const ws = workspace(root, 'ws');
  let got: ApprovalRequest | undefined;
  const server = await startApprovalServer({
    env,
    workspaces: () => [ws],
    onRequest: async (req) => {
      got = req;
      return { answer: 'approve', by: 'user' };
    },
  });
  try {
    const diff = '+' + 'x'.repeat(MAX_DETAIL_CHARS * 2);
    const run = await runClient(env, sampleRequest(ws, { summary: 'echo one\necho two', detail: diff }));
    assert.equal(run.result.answer, 'approve', run.result.reason);
    assert.equal(got?.summary, 'echo one echo two');
    assert.ok(got?.detail && got.detail.length <= MAX_DETAIL_CHARS && /truncated/.test(got.detail));
  } finally {
    await server.close();
  }
});
