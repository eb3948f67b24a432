import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { startHookServer } from '../../../src/runtime/hookServer/server.ts';
import type { callHookServer } from '../../../src/runtime/hookServer/client.ts';
import { HOOK_PROTOCOL, hookEndpointFile, hookSpoolDir, readHookEndpoint, spoolFiles, type HookReply } from '../../../src/runtime/hookServer/endpoint.ts';
import { run as runHook } from '../../../src/runtime/commands/hook.ts';
import { ReceiptStore } from '../../../src/core/receipts/store.ts';
import { workspaceState } from '../../../src/core/config/paths.ts';
import { repoRoot } from '../../support/cli.ts';
import { isolatedEnv, userRepo, writeSettings } from '../../support/fixtures.ts';
import { claudePost, claudePre } from '../../support/hookDocs.ts';

const bundle = path.join(repoRoot, 'dist', 'belay.js');
const noBundle = !fs.existsSync(bundle) && 'dist/belay.js is not built (npm run build)';

/** The hook command run in this process, without a server: what the server must answer too. */
async function inProcess(argv: string[], stdin: string, env: NodeJS.ProcessEnv, cwd: string) {
  const out: string[] = [];
  const err: string[] = [];
  const stdout = new PassThrough().on('data', (c: Buffer) => out.push(c.toString()));
  const stderr = new PassThrough().on('data', (c: Buffer) => err.push(c.toString()));
  const exitCode = await runHook(argv.slice(1), { stdin: Readable.from([stdin]), stdout, stderr, env, cwd });
  return { exitCode, stdout: out.join(''), stderr: err.join('') };
}

/** A hook call from a worker thread would block this one; a child process plays the hook. */
function call(env: NodeJS.ProcessEnv, cwd: string, doc: unknown, budgetMs = 20_000, claimMs?: number): Promise<ReturnType<typeof callHookServer>> {
  const script = `import { callHookServer } from ${JSON.stringify(path.join(repoRoot, 'src', 'runtime', 'hookServer', 'client.ts'))};
process.stdout.write(JSON.stringify(callHookServer(JSON.parse(process.argv[1]))));`;
  const arg = JSON.stringify({ argv: ['hook', 'claude'], stdin: JSON.stringify(doc), env, cwd, budgetMs, claimMs });
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script, arg], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.on('error', reject);
    child.on('close', () => {
      try {
        resolve(JSON.parse(out) as ReturnType<typeof callHookServer>);
      } catch (err) {
        reject(err as Error);
      }
    });
  });
}

type HookServer = Awaited<ReturnType<typeof startHookServer>>;

/** A hook server for a new user repository in an isolated environment, closed once `body` is done. */
async function withServer(body: (t: { ws: string; env: NodeJS.ProcessEnv; server: HookServer }) => Promise<void>, prepare?: (ws: string) => void): Promise<void> {
  const ws = userRepo();
  prepare?.(ws);
  const env = isolatedEnv();
  const server = await startHookServer({ env });
  try {
    await body({ ws, env, server });
  } finally {
    await server.close();
  }
}

/** The endpoint of a server of this build that has stopped (what a stopped or killed server leaves behind). */
async function stoppedEndpoint(env: NodeJS.ProcessEnv): Promise<HookServer['endpoint']> {
  const server = await startHookServer({ env });
  const ep = server.endpoint;
  await server.close();
  return ep;
}

test('the hook server answers exactly as the in-process hook does, and records the same receipts', async () => {
  await withServer(async ({ ws, env }) => {
    const docs = [
      claudePre({ cwd: ws, id: 'r1', tool: 'Read', input: { file_path: path.join(ws, 'README.md') } }),
      claudePre({ cwd: ws, id: 'w1', tool: 'Write', input: { file_path: path.join(ws, 'server.pem'), content: 'x' } }),
      claudePre({ cwd: ws, id: 'e1', tool: 'Write', input: { file_path: path.join(ws, '.env'), content: 'TOKEN=1' } }),
      claudePre({ cwd: ws, id: 'b1', tool: 'Bash', input: { command: 'rm -rf ~' } }),
      claudePre({ cwd: ws, id: 'n1', tool: 'Write', input: { file_path: path.join(ws, 'notes.txt'), content: 'hello' } }),
    ];
    for (const doc of docs) {
      const served = await call(env, ws, doc);
      assert.equal(served.kind, 'answer', JSON.stringify(served));
      assert.equal(served.kind === 'answer' && served.pid, process.pid);
      const local = await inProcess(['hook', 'claude'], JSON.stringify({ ...doc, tool_use_id: `${String(doc.tool_use_id)}-local` }), env, ws);
      if (served.kind !== 'answer') continue;
      assert.equal(served.exitCode, local.exitCode, `${String(doc.tool_name)}: ${served.stderr} / ${local.stderr}`);
      assert.equal(served.stdout, local.stdout);
      assert.equal(served.stderr, local.stderr);
    }
    // the write the server allowed really was checkpointed and completes through the server
    fs.writeFileSync(path.join(ws, 'notes.txt'), 'hello');
    const post = await call(env, ws, claudePost({ cwd: ws, id: 'n1', tool: 'Write', input: { file_path: path.join(ws, 'notes.txt'), content: 'hello' } }));
    assert.equal(post.kind, 'answer');
    const store = ReceiptStore.open({ file: workspaceState(ws, env).receiptsFile, workspace: ws, env });
    try {
      const items = store.list({ limit: 50, order: 'oldest', kind: 'action' }).items;
      const byTool = (id: string) => items.find((r) => r.toolUseId === id);
      assert.equal(byTool('w1')?.decision, 'deny');
      assert.equal(byTool('w1')?.rule, 'no-pem');
      assert.equal(byTool('n1')?.outcome, 'done');
      assert.deepEqual(byTool('n1')?.changedPaths?.map((c) => c.path), ['notes.txt']);
      assert.equal(items.length, docs.length * 2);
      assert.equal(store.verify().ok, true);
    } finally {
      store.close();
    }
  }, (ws) => writeSettings(ws, { 'belay.policy': { rules: [{ id: 'no-pem', effect: 'deny', kinds: ['write'], paths: ['**/*.pem'], reason: 'no certificates' }] } }));
});

test('the endpoint file and spool are private; a spool others could read gets no call, an endpoint file others could write is not trusted', { skip: process.platform === 'win32' && 'Unix permissions' }, async () => {
  await withServer(async ({ ws, env, server }) => {
    const file = hookEndpointFile(env);
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    assert.equal(fs.statSync(path.dirname(file)).mode & 0o777, 0o700);
    assert.equal(fs.statSync(server.endpoint.spool).mode & 0o777, 0o700);
    const ok = await call(env, ws, claudePre({ cwd: ws, id: 'r1', tool: 'Read', input: { file_path: path.join(ws, 'README.md') } }));
    assert.equal(ok.kind, 'answer');
    // a call (its environment and document) never goes into a folder others can read
    fs.chmodSync(server.endpoint.spool, 0o755);
    const open = await call(env, ws, claudePre({ cwd: ws, id: 'r2', tool: 'Read', input: { file_path: path.join(ws, 'README.md') } }));
    assert.equal(open.kind, 'unavailable');
    assert.match(open.kind === 'unavailable' ? open.reason : '', /open to other users/);
    assert.equal(open.kind === 'unavailable' && open.start, false);
    assert.deepEqual(fs.readdirSync(server.endpoint.spool).filter((n) => !n.startsWith('wake')), [], 'nothing was written there');
    fs.chmodSync(server.endpoint.spool, 0o700);
    // an endpoint file others could have written is not read (belay serve status, or a hook without a wake pipe)
    fs.chmodSync(file, 0o644);
    assert.equal(readHookEndpoint(env), undefined);
    fs.chmodSync(file, 0o600);
    // a call of another build is declined, so its hook decides in-process
    const f = spoolFiles(server.endpoint.spool, `${process.pid}-00000000deadbeef`);
    fs.writeFileSync(f.req, JSON.stringify({ v: HOOK_PROTOCOL, build: 'another', argv: ['hook', 'claude'], cwd: ws, env: {}, stdin: '{}' }), { mode: 0o600 });
    for (let i = 0; i < 100 && !fs.existsSync(f.out); i++) await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(JSON.parse(fs.readFileSync(f.out, 'utf8')), { t: 'retry', reason: 'build' });
  });
});

/** Plays a server at `spool`: listens on its wake pipe (as a server does) and answers each call with `reply` (or claims it and never answers). */
function standIn(spool: string, reply: HookReply | 'never'): { stop: () => void } {
  fs.mkdirSync(spool, { recursive: true, mode: 0o700 });
  const pipe = path.join(spool, 'wake');
  if (!fs.existsSync(pipe)) assert.equal(spawnSync('mkfifo', ['-m', '600', pipe]).status, 0);
  const fd = fs.openSync(pipe, fs.constants.O_RDWR | fs.constants.O_NONBLOCK);
  const timer = setInterval(() => {
    for (const name of fs.readdirSync(spool)) {
      if (!name.endsWith('.req')) continue;
      const id = name.slice(0, -4);
      const f = spoolFiles(spool, id);
      try {
        fs.renameSync(f.req, f.work);
      } catch {
        continue;
      }
      if (reply === 'never') continue;
      // as a server answers: written aside, then renamed into place (never seen half-written)
      fs.writeFileSync(f.outTmp, JSON.stringify(reply), { mode: 0o600 });
      fs.renameSync(f.outTmp, f.out);
    }
  }, 10);
  return {
    stop: () => {
      clearInterval(timer);
      fs.closeSync(fd);
    },
  };
}

test('a hook server of another build is not used: it declines the call, or its endpoint file says so', { skip: process.platform === 'win32' && 'named pipes' }, async () => {
  const ws = userRepo();
  const env = isolatedEnv();
  const doc = claudePre({ cwd: ws, id: 'r1', tool: 'Read', input: { file_path: path.join(ws, 'README.md') } });
  // listening on the wake pipe: the call goes there, and a server of another build declines it
  const other = standIn(hookSpoolDir(env), { t: 'retry', reason: 'build' });
  try {
    const r = await call(env, ws, doc);
    assert.equal(r.kind, 'unavailable');
    assert.match(r.kind === 'unavailable' ? r.reason : '', /declined: build/);
    assert.equal(r.kind === 'unavailable' && r.start, true, 'a server of this build is started');
  } finally {
    other.stop();
  }
  // nobody on the wake pipe: the endpoint file decides, and it names another build
  const ep = await stoppedEndpoint(env);
  fs.writeFileSync(hookEndpointFile(env), JSON.stringify({ ...ep, pid: process.pid, build: 'another' }), { mode: 0o600 });
  const r = await call(env, ws, doc);
  assert.equal(r.kind, 'unavailable');
  assert.match(r.kind === 'unavailable' ? r.reason : '', /another build/);
  assert.equal(r.kind === 'unavailable' && r.start, true);
});

test('a server that died is noticed at once: its wake pipe has no reader and its pid is gone', { skip: process.platform === 'win32' && 'named pipes' }, async () => {
  const ws = userRepo();
  const env = isolatedEnv();
  const ep = await stoppedEndpoint(env);
  // the endpoint file of a server killed outright stays behind
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  fs.writeFileSync(hookEndpointFile(env), JSON.stringify({ ...ep, pid: Number(dead.stdout) }), { mode: 0o600 });
  const started = Date.now();
  const r = await call(env, ws, claudePre({ cwd: ws, id: 'r1', tool: 'Read', input: { file_path: path.join(ws, 'README.md') } }));
  assert.equal(r.kind, 'unavailable');
  assert.match(r.kind === 'unavailable' ? r.reason : '', /gone/);
  assert.equal(r.kind === 'unavailable' && r.start, true);
  assert.ok(Date.now() - started < 5000);
  assert.deepEqual(fs.readdirSync(ep.spool).filter((n) => n.endsWith('.req')), [], 'no call was left behind');
});

test('a call reaches a listening server through its wake pipe without reading the endpoint file', { skip: process.platform === 'win32' && 'named pipes' }, async () => {
  await withServer(async ({ ws, env }) => {
    // A first call opens the workspace's stores: a call the server takes
    // longer than 100 ms to answer makes the client look for the server's
    // pid in the endpoint file, and without one it takes the server for gone.
    assert.equal((await call(env, ws, claudePre({ cwd: ws, id: 'r0', tool: 'Read', input: { file_path: path.join(ws, 'README.md') } }))).kind, 'answer');
    fs.rmSync(hookEndpointFile(env));
    const r = await call(env, ws, claudePre({ cwd: ws, id: 'r1', tool: 'Read', input: { file_path: path.join(ws, 'README.md') } }));
    assert.equal(r.kind, 'answer', JSON.stringify(r));
    assert.equal(r.kind === 'answer' && r.pid, process.pid, 'the answer names the server that gave it');
  });
});

test('a call is claimed from the id its client writes into the wake pipe, without a look at the folder; other wake-ups get a look', { skip: process.platform === 'win32' && 'named pipes' }, async () => {
  await withServer(async ({ ws, env }) => {
    const spool = hookSpoolDir(env);
    const listings: string[] = [];
    const readdir = fs.readdirSync;
    // the folder listing finds nothing: only the id in the wake pipe can bring the call to the server
    (fs as { readdirSync: unknown }).readdirSync = (p: fs.PathLike, ...rest: unknown[]) => {
      if (path.resolve(String(p)) === spool) {
        listings.push(String(p));
        return [];
      }
      return (readdir as (...a: unknown[]) => unknown)(p, ...rest);
    };
    try {
      const r = await call(env, ws, claudePre({ cwd: ws, id: 'r1', tool: 'Read', input: { file_path: path.join(ws, 'README.md') } }), 20_000, 5_000);
      assert.equal(r.kind, 'answer', JSON.stringify(r));
      // a wake-up that is not a call id (a client of another build, say) makes the server look at the whole folder
      const before = listings.length;
      const pipe = fs.openSync(path.join(spool, 'wake'), fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
      fs.writeSync(pipe, '.');
      fs.closeSync(pipe);
      for (let i = 0; i < 100 && listings.length === before; i++) await new Promise((res) => setTimeout(res, 5));
      assert.ok(listings.length > before, 'the folder was looked at');
    } finally {
      (fs as { readdirSync: unknown }).readdirSync = readdir;
    }
  });
});

test('the server stops when idle, when another server takes over, or when its state directory goes', async () => {
  const env = isolatedEnv();
  const idle = await startHookServer({ env, idleMs: 150, checkEveryMs: 50 });
  assert.equal(await idle.closed, 'idle');
  assert.equal(fs.existsSync(hookEndpointFile(env)), false, 'the endpoint file is removed');

  const taken = await startHookServer({ env, checkEveryMs: 50 });
  fs.writeFileSync(hookEndpointFile(env), JSON.stringify({ ...taken.endpoint, pid: 1 }), { mode: 0o600 });
  assert.match(await taken.closed, /server 1 took over/);

  const env2 = isolatedEnv();
  const gone = await startHookServer({ env: env2, checkEveryMs: 50 });
  fs.rmSync(env2.BELAY_HOME!, { recursive: true, force: true });
  assert.match(await gone.closed, /gone/);
});

test('a server that takes the call but does not answer in time is a timeout, not an allow; one that never takes it is bypassed', async () => {
  const ws = userRepo();
  const env = isolatedEnv();
  const real = await startHookServer({ env });
  const ep = real.endpoint;
  await real.close();
  // a stand-in at the published endpoint (this process is alive) that claims calls and never answers
  fs.writeFileSync(hookEndpointFile(env), JSON.stringify(ep), { mode: 0o600 });
  let claiming = true;
  const pipe = process.platform === 'win32' ? undefined : fs.openSync(path.join(ep.spool, 'wake'), fs.constants.O_RDWR | fs.constants.O_NONBLOCK);
  const claimer = setInterval(() => {
    if (!claiming) return;
    for (const name of fs.readdirSync(ep.spool)) {
      if (name.endsWith('.req')) fs.renameSync(path.join(ep.spool, name), path.join(ep.spool, name.replace(/\.req$/, '.work')));
    }
  }, 10);
  try {
    const doc = claudePre({ cwd: ws, id: 'w1', tool: 'Write', input: { file_path: path.join(ws, 'a.txt'), content: 'x' } });
    const started = Date.now();
    const r = await call(env, ws, doc, 500);
    assert.equal(r.kind, 'timeout');
    assert.ok(Date.now() - started < 5000);
    // a server that never claims the call: taken back after the claim time, decided in-process
    claiming = false;
    const r2 = await call(env, ws, doc, 20_000, 300);
    assert.equal(r2.kind, 'unavailable');
    assert.match(r2.kind === 'unavailable' ? r2.reason : '', /did not take the call/);
    assert.deepEqual(fs.readdirSync(ep.spool).filter((n) => n.endsWith('.req')), [], 'the call was taken back');
  } finally {
    clearInterval(claimer);
    if (pipe !== undefined) fs.closeSync(pipe);
  }
});

function runBundle(args: string[], env: NodeJS.ProcessEnv, input: string) {
  return spawnSync(process.execPath, [bundle, ...args], { env, input, encoding: 'utf8', timeout: 60_000 });
}

async function waitFor(check: () => boolean, ms = 15_000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('belay hook (shipped launcher): the first call decides in-process and starts the server; later calls are served; a killed server is replaced', { skip: noBundle }, async () => {
  const ws = userRepo();
  writeSettings(ws, { 'belay.policy': { rules: [{ id: 'no-pem', effect: 'deny', kinds: ['write'], paths: ['**/*.pem'], reason: 'no certificates' }] } });
  const env = { ...isolatedEnv(), BELAY_HOOK_TRACE: '1' };
  const pem = (id: string) => JSON.stringify(claudePre({ cwd: ws, id, tool: 'Write', input: { file_path: path.join(ws, 'key.pem'), content: 'x' } }));
  const first = runBundle(['hook', 'claude'], env, pem('p1'));
  assert.equal(first.status, 2, first.stderr);
  assert.match(first.stderr, /decided in-process: no hook server/);
  assert.match(first.stderr, /no-pem/);
  await waitFor(() => readHookEndpoint(env) !== undefined);
  const pid = readHookEndpoint(env)!.pid;
  // a second server of the same build does not start beside it
  const twice = runBundle(['serve'], env, '');
  assert.equal(twice.status, 0);
  assert.match(twice.stderr, new RegExp(`hook server \\(pid ${pid}\\) already serves`));
  const second = runBundle(['hook', 'claude'], env, pem('p2'));
  assert.equal(second.status, 2, second.stderr);
  assert.match(second.stderr, new RegExp(`answered by the hook server \\(pid ${pid}\\)`));
  assert.equal(JSON.parse(second.stdout).hookSpecificOutput.permissionDecision, 'deny');
  // settings edited while the server runs apply to the next call
  writeSettings(ws, { 'belay.policy': { rules: [] } });
  const relaxed = runBundle(['hook', 'claude'], env, pem('p3'));
  assert.equal(relaxed.status, 0, relaxed.stderr);
  assert.match(relaxed.stderr, /answered by the hook server/);
  // kill switch turned on from the CLI: the served hook denies at once
  assert.equal(runBundle(['kill-switch', 'on', '--workspace', ws], env, '').status, 0);
  const killed = runBundle(['hook', 'claude'], env, pem('p4'));
  assert.equal(killed.status, 2);
  assert.match(killed.stderr, /kill-switch/);
  assert.equal(runBundle(['kill-switch', 'off', '--workspace', ws], env, '').status, 0);
  // a server killed outright: the next hook still decides, and a new server starts
  process.kill(pid, 'SIGKILL');
  await waitFor(() => {
    try {
      process.kill(pid, 0);
      return false;
    } catch {
      return true;
    }
  });
  fs.rmSync(`${hookEndpointFile(env)}.starting`, { force: true });
  const after = runBundle(['hook', 'claude'], env, pem('p5'));
  assert.equal(after.status, 0, after.stderr);
  assert.match(after.stderr, /decided in-process/);
  await waitFor(() => {
    const ep = readHookEndpoint(env);
    return ep !== undefined && ep.pid !== pid;
  });
  const status = runBundle(['serve', 'status', '--json'], env, '');
  assert.equal(JSON.parse(status.stdout).running, true);
  assert.equal(JSON.parse(runBundle(['status', '--json', '--workspace', ws], env, '').stdout).hookServer.running, true);
  assert.equal(runBundle(['serve', 'stop'], env, '').status, 0);
  await waitFor(() => readHookEndpoint(env) === undefined);
});

test('belay hook (shipped launcher): a state directory named with ./ or a trailing slash is served too, and a server that declines is not taken for an answer', { skip: noBundle || (process.platform === 'win32' && 'named pipes') }, async () => {
  const ws = userRepo();
  const env = { ...isolatedEnv(), BELAY_HOOK_TRACE: '1' };
  const read = (id: string) => JSON.stringify(claudePre({ cwd: ws, id, tool: 'Read', input: { file_path: path.join(ws, 'README.md') } }));
  assert.match(runBundle(['hook', 'claude'], env, read('r1')).stderr, /decided in-process: no hook server/);
  await waitFor(() => readHookEndpoint(env) !== undefined);
  const pid = readHookEndpoint(env)!.pid;
  try {
    // the same state directory, written as path.resolve would not leave it
    const home = (env as NodeJS.ProcessEnv).BELAY_HOME!;
    for (const odd of [`${path.dirname(home)}/./${path.basename(home)}`, `${home}/`]) {
      const r = runBundle(['hook', 'claude'], { ...env, BELAY_HOME: odd }, read(`r-${odd.length}`));
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stderr, new RegExp(`answered by the hook server \\(pid ${pid}\\)`), odd);
    }
  } finally {
    runBundle(['serve', 'stop'], env, '');
    await waitFor(() => readHookEndpoint(env) === undefined);
  }
  // a server that declines every call (another build): the call is decided in-process
  const other = standIn(hookSpoolDir(env), { t: 'retry', reason: 'build' });
  try {
    fs.writeFileSync(`${hookEndpointFile(env)}.starting`, String(process.pid)); // (no server of this build is started meanwhile)
    // (run without blocking this process, where the stand-in answers)
    const r = await new Promise<{ status: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [bundle, 'hook', 'claude'], { env, stdio: ['pipe', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      child.on('close', (status) => resolve({ status, stderr }));
      child.stdin.end(read('r9'));
    });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /decided in-process: the hook server declined: build/);
  } finally {
    other.stop();
  }
});

test('belay hook (shipped launcher): a hung server that took the call is answered with deny within the budget; one that takes nothing is bypassed', { skip: noBundle }, async () => {
  const ws = userRepo();
  const env = { ...isolatedEnv(), BELAY_HOOK_BUDGET_MS: '600', BELAY_HOOK_TRACE: '1' };
  const server = spawn(process.execPath, [bundle, 'serve', '--quiet'], { env, stdio: 'ignore' });
  await waitFor(() => readHookEndpoint(env) !== undefined);
  const ep = readHookEndpoint(env)!;
  server.kill('SIGSTOP');
  const doc = JSON.stringify(claudePre({ cwd: ws, id: 'w1', tool: 'Write', input: { file_path: path.join(ws, 'a.txt'), content: 'x' } }));
  try {
    // stopped: nobody claims the call, so the hook takes it back and decides itself
    const bypassed = runBundle(['hook', 'claude'], env, doc);
    assert.equal(bypassed.status, 0, bypassed.stderr);
    assert.match(bypassed.stderr, /decided in-process: the hook server did not take the call/);
    // claimed, then never answered: deny, in the agent's format, within the budget
    const claimer = spawn(
      process.execPath,
      ['-e', `const fs=require('fs');setInterval(()=>{for(const n of fs.readdirSync(${JSON.stringify(ep.spool)}))if(n.endsWith('.req'))try{fs.renameSync(${JSON.stringify(ep.spool)}+'/'+n,${JSON.stringify(ep.spool)}+'/'+n.slice(0,-4)+'.work')}catch{}},5)`],
      { stdio: 'ignore' },
    );
    try {
      const started = Date.now();
      const r = runBundle(['hook', 'claude'], env, doc);
      assert.equal(r.status, 2, r.stderr);
      assert.equal(JSON.parse(r.stdout).hookSpecificOutput.permissionDecision, 'deny');
      assert.match(r.stderr, /belay\.timeout/);
      assert.ok(Date.now() - started < 10_000);
    } finally {
      claimer.kill('SIGKILL');
    }
  } finally {
    server.kill('SIGKILL');
  }
});

test('belay hook (shipped launcher): while a person is asked, the served call may take longer than the budget', { skip: noBundle }, async () => {
  const { startApprovalServer } = await import('../../../src/core/approvals/server.ts');
  const ws = userRepo();
  writeSettings(ws, { 'belay.policy': { rules: [{ id: 'ask-notes', effect: 'ask', kinds: ['write'], paths: ['**/notes.md'], reason: 'notes need a person' }] } });
  const env = { ...isolatedEnv(), BELAY_HOOK_BUDGET_MS: '500', BELAY_APPROVALS: 'editor', BELAY_HOOK_TRACE: '1' };
  const approvals = await startApprovalServer({
    env,
    workspaces: () => [ws],
    onRequest: async () => {
      await new Promise((r) => setTimeout(r, 2500));
      return { answer: 'approve', by: 'a person' };
    },
  });
  try {
    const doc = (id: string) => JSON.stringify(claudePre({ cwd: ws, id, tool: 'Write', input: { file_path: path.join(ws, 'notes.md'), content: 'x' } }));
    runBundle(['hook', 'claude'], { ...env, BELAY_APPROVALS: 'agent' }, doc('warm')); // starts the server
    await waitFor(() => readHookEndpoint(env) !== undefined);
    const r = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [bundle, 'hook', 'claude'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      child.on('close', (status) => resolve({ status, stdout, stderr }));
      child.stdin.end(doc('asked'));
    });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /answered by the hook server/);
    assert.equal(JSON.parse(r.stdout).hookSpecificOutput.permissionDecision, 'allow');
    assert.match(JSON.parse(r.stdout).hookSpecificOutput.permissionDecisionReason, /approved by a person/);
  } finally {
    await approvals.close();
    runBundle(['serve', 'stop'], env, '');
  }
});

test('the shipped launcher stays small: its common path loads only fs, the general path fs and path, none copying a module\'s exports', { skip: noBundle }, () => {
  const required = (file: string) => [...new Set([...fs.readFileSync(file, 'utf8').matchAll(/\brequire\("([^"]+)"\)/g)].map((m) => m[1]))].sort();
  const general = path.join(path.dirname(bundle), 'belay-hook.js');
  assert.deepEqual(required(bundle), ['node:fs']);
  assert.deepEqual(required(general), ['node:fs', 'node:path']);
  // a hook process parses all of the file it starts with: the general path is a file of its own
  assert.ok(fs.statSync(bundle).size < 4096, `dist/belay.js is ${fs.statSync(bundle).size} bytes`);
  for (const file of [bundle, general]) {
    // esbuild wraps a default import of a built-in in __toESM, which copies
    // every export of the module at start (about 2 ms for fs, path, os and
    // module together); node:os (0.4 ms to load) and node:module (0.2 ms) are
    // loaded only when needed; named imports are required as they are
    assert.doesNotMatch(fs.readFileSync(file, 'utf8'), /__toESM\(require\("node:/, `${path.basename(file)}: a built-in is imported by default somewhere it reaches; use named imports`);
  }
  // its module type comes from a package.json beside it, not from the 35 KB manifest above
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(path.dirname(bundle), 'package.json'), 'utf8')), { type: 'commonjs' });
  // and the VSIX carries both halves
  const ignore = fs.readFileSync(path.join(repoRoot, '.vscodeignore'), 'utf8');
  for (const f of ['belay.js', 'belay-hook.js', 'belay-cli.js']) assert.match(ignore, new RegExp(`^!dist/${f.replace('.', '\\.')}$`, 'm'));
});
