import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { startApprovalServer } from '../../../../src/core/approvals/server.ts';
import type { ApprovalServer } from '../../../../src/core/approvals/server.ts';
import { approvalsRunDir, endpointFileName, workspaceMatch } from '../../../../src/core/approvals/endpoint.ts';
import type { ApprovalRequest } from '../../../../src/core/approvals/protocol.ts';
import { runClient, sampleRequest, startWindowProcess, tempBelay, workspace } from './helpers.ts';

/** The pid of a process that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  const pid = Number(r.stdout);
  assert.ok(pid > 0);
  return pid;
}

test('no endpoint at all: an immediate deny that says no window is open', async () => {
  const { root, env } = tempBelay();
  const ws = workspace(root, 'ws');
  const run = await runClient(env, sampleRequest(ws, { timeoutMs: 60_000 }));
  assert.deepEqual([run.result.answer, run.result.by], ['deny', 'belay']);
  assert.equal(run.result.reason, `no Belay window is open to approve Bash "rm -rf build" in ${ws}`);
  assert.ok(run.ms < 1000, `took ${run.ms} ms`);
});

test('a window that died: its endpoint is ignored at once, and the next server replaces it', async () => {
  const { root, env } = tempBelay();
  const ws = workspace(root, 'ws');
  const run0 = approvalsRunDir(env);
  fs.mkdirSync(run0, { recursive: true, mode: 0o700 });
  const pid = deadPid();
  const id = 'deadbeef00000000';
  const sock = path.join(run0, `approvals-${pid}-${id}.sock`);
  const stale = path.join(run0, endpointFileName(pid, id));
  fs.writeFileSync(sock, ''); // what a crashed server leaves behind
  fs.writeFileSync(
    stale,
    JSON.stringify({ v: 1, id, pid, endpoint: sock, token: crypto.randomBytes(32).toString('hex'), workspaces: [ws], startedAt: new Date().toISOString() }),
    { mode: 0o600 },
  );
  fs.writeFileSync(stale + '.tmp', '{', { mode: 0o600 });

  const run = await runClient(env, sampleRequest(ws, { timeoutMs: 60_000 }));
  assert.equal(run.result.answer, 'deny');
  assert.match(run.result.reason ?? '', /^no Belay window is open to approve .* \(1 endpoint file\(s\) of closed windows ignored\)$/);
  assert.ok(run.ms < 1000, `took ${run.ms} ms`);

  const server = await startApprovalServer({ env, workspaces: () => [ws], onRequest: async () => ({ answer: 'approve', by: 'user' }) });
  try {
    assert.equal(fs.existsSync(stale), false, 'the stale endpoint file is removed');
    assert.equal(fs.existsSync(stale + '.tmp'), false);
    assert.equal(fs.existsSync(sock), false, 'and its socket');
    assert.deepEqual(fs.readdirSync(run0).sort(), [path.basename(server.endpointFile), path.basename(server.endpoint)].sort());
    const ok = await runClient(env, sampleRequest(ws));
    assert.equal(ok.result.answer, 'approve');
  } finally {
    await server.close();
  }
});

test('a live pid whose socket is gone or not listening: an immediate deny', async () => {
  const { root, env } = tempBelay();
  const ws = workspace(root, 'ws');
  const server = await startApprovalServer({ env, workspaces: () => [ws], onRequest: async () => ({ answer: 'approve', by: 'user' }) });
  const info = JSON.parse(fs.readFileSync(server.endpointFile, 'utf8')) as Record<string, unknown>;
  await server.close();
  // the file is back (as if close never ran) but nothing listens: the socket is gone
  fs.writeFileSync(server.endpointFile, JSON.stringify(info), { mode: 0o600 });
  const gone = await runClient(env, sampleRequest(ws));
  assert.equal(gone.result.answer, 'deny');
  assert.match(gone.result.reason ?? '', /no Belay window could approve .*was not trusted: .* is gone \(ENOENT\)/);
  assert.ok(gone.ms < 1000, `took ${gone.ms} ms`);
  fs.unlinkSync(server.endpointFile);

  // a window killed outright leaves its socket behind; with a live pid (reused) in the file, nothing listens
  const win = await startWindowProcess(env, 'K', [ws]);
  const killedInfo = JSON.parse(fs.readFileSync(win.endpointFile, 'utf8')) as Record<string, unknown>;
  const exited = new Promise((r) => win.child.once('exit', r));
  win.child.kill('SIGKILL');
  await exited;
  assert.ok(fs.statSync(win.endpoint).isSocket(), 'the socket file outlives the process');
  const reused = path.join(approvalsRunDir(env), endpointFileName(process.pid, win.id));
  fs.writeFileSync(reused, JSON.stringify({ ...killedInfo, pid: process.pid }), { mode: 0o600 });
  const refused = await runClient(env, sampleRequest(ws));
  assert.equal(refused.result.answer, 'deny');
  assert.match(refused.result.reason ?? '', /is not reachable \(ECONNREFUSED\)/);
  assert.ok(refused.ms < 1000, `took ${refused.ms} ms`);
  fs.unlinkSync(reused);
});

test('two windows for two workspaces: each request reaches the window that serves it', async () => {
  const { root, env } = tempBelay();
  const wsA = workspace(root, 'alpha');
  const wsB = workspace(root, 'beta');
  const nested = workspace(root, 'alpha/packages/web');
  const later = workspace(root, 'gamma');
  const got: Record<string, ApprovalRequest[]> = { A: [], B: [], N: [] };
  const foldersB = [wsB];
  const start = (name: string, folders: () => string[]): Promise<ApprovalServer> =>
    startApprovalServer({
      env,
      workspaces: folders,
      onRequest: async (req) => {
        got[name]!.push(req);
        return { answer: 'approve', by: `user-in-${name}` };
      },
    });
  const a = await start('A', () => [wsA]);
  const b = await start('B', () => foldersB);
  const n = await start('N', () => [nested]);
  const p = await startWindowProcess(env, 'P', [workspace(root, 'delta')]);
  try {
    const toA = await runClient(env, sampleRequest(wsA));
    assert.equal(toA.result.by, 'user-in-A');
    assert.match(toA.result.via ?? '', new RegExp(a.id));
    const toB = await runClient(env, sampleRequest(path.join(wsB, 'src')));
    assert.equal(toB.result.by, 'user-in-B', 'a folder inside a served workspace matches');
    const toNested = await runClient(env, sampleRequest(path.join(nested, 'src')));
    assert.equal(toNested.result.by, 'user-in-N', 'the most specific window wins');
    // a folder added to window B after its endpoint file was written
    foldersB.push(later);
    const toLater = await runClient(env, sampleRequest(later));
    assert.equal(toLater.result.by, 'user-in-B');
    b.refreshEndpointFile();
    assert.deepEqual((JSON.parse(fs.readFileSync(b.endpointFile, 'utf8')) as { workspaces: string[] }).workspaces, [wsB, later]);
    // a window in another process
    const toP = await runClient(env, sampleRequest(path.join(root, 'delta')));
    assert.equal(toP.result.by, 'user-in-P');
    assert.match(toP.result.via ?? '', new RegExp(`pid ${p.pid} \\(${p.id}\\)`));
    // a workspace nobody serves
    const stray = await runClient(env, sampleRequest(workspace(root, 'elsewhere')));
    assert.equal(stray.result.answer, 'deny');
    assert.match(stray.result.reason ?? '', /no Belay window is open to approve .* \(4 open window\(s\) serve other folders\)/);
    assert.deepEqual([got.A!.length, got.B!.length, got.N!.length], [1, 2, 1]);
  } finally {
    await Promise.all([a.close(), b.close(), n.close(), p.close()]);
    assert.equal(fs.existsSync(p.endpointFile), false, 'a window closing cleanly removes its endpoint file');
  }
});

test('workspace matching: containment by path segments, most specific first', () => {
  const { root } = tempBelay();
  const ws = workspace(root, 'app');
  workspace(root, 'app-old');
  assert.equal(workspaceMatch(ws, [ws]), ws.length);
  assert.equal(workspaceMatch(path.join(ws, 'a', 'b'), [ws]), ws.length);
  assert.equal(workspaceMatch(path.join(root, 'app-old'), [ws]), -1, 'a sibling with a common prefix is not inside');
  assert.equal(workspaceMatch(root, [ws]), -1, 'a parent is not inside');
  assert.equal(workspaceMatch(path.join(ws, 'x'), [root, ws]), ws.length);
});

test('a state directory too deep for a socket address falls back to a private directory in tmp', { skip: process.platform === 'win32' && 'named pipes' }, async () => {
  const { root } = tempBelay();
  const deep = path.join(root, 'a-rather-long-folder-name-for-the-state-directory', 'and-another-level-to-pass-the-limit');
  const env = { ...process.env, BELAY_HOME: deep };
  const ws = workspace(root, 'ws');
  const server = await startApprovalServer({ env, workspaces: () => [ws], onRequest: async () => ({ answer: 'always', by: 'user' }) });
  try {
    assert.ok(!server.endpoint.startsWith(deep), server.endpoint);
    assert.ok(Buffer.byteLength(server.endpoint) <= 100);
    assert.equal(fs.statSync(path.dirname(server.endpoint)).mode & 0o777, 0o700);
    assert.equal(fs.statSync(server.endpoint).mode & 0o777, 0o600);
    assert.equal(path.dirname(server.endpointFile), approvalsRunDir(env));
    const run = await runClient(env, sampleRequest(ws));
    assert.equal(run.result.answer, 'always');
  } finally {
    await server.close();
  }
  assert.equal(fs.existsSync(server.endpoint), false);
});
