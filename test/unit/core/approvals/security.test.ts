import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startApprovalServer } from '../../../../src/core/approvals/server.ts';
import { approvalsRunDir } from '../../../../src/core/approvals/endpoint.ts';
import type { EndpointFile } from '../../../../src/core/approvals/protocol.ts';
import { MAX_LINE_BYTES } from '../../../../src/core/approvals/protocol.ts';
import { eventLog, rawExchange, runClient, sampleRequest, tempBelay, workspace } from './helpers.ts';

const mode = (p: string) => fs.statSync(p).mode & 0o777;
const readEndpoint = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8')) as EndpointFile;
const never = () => new Promise<never>(() => {});

test('the run directory is 0700, the endpoint file and the socket 0600, the token 32 random bytes', { skip: process.platform === 'win32' && 'POSIX modes' }, async () => {
  const { root, env } = tempBelay();
  const ws = workspace(root, 'ws');
  // a run directory someone left open is tightened
  fs.mkdirSync(approvalsRunDir(env), { recursive: true, mode: 0o755 });
  fs.chmodSync(approvalsRunDir(env), 0o755);
  const a = await startApprovalServer({ env, workspaces: () => [ws], onRequest: never });
  const b = await startApprovalServer({ env, workspaces: () => [ws], onRequest: never });
  try {
    assert.equal(mode(approvalsRunDir(env)), 0o700);
    for (const s of [a, b]) {
      assert.equal(path.dirname(s.endpointFile), approvalsRunDir(env));
      assert.equal(mode(s.endpointFile), 0o600);
      assert.ok(fs.statSync(s.endpoint).isSocket());
      assert.equal(mode(s.endpoint), 0o600);
      const info = readEndpoint(s.endpointFile);
      assert.match(info.token, /^[0-9a-f]{64}$/);
      assert.equal(info.pid, process.pid);
      assert.equal(info.endpoint, s.endpoint);
      assert.deepEqual(info.workspaces, [ws]);
    }
    assert.notEqual(readEndpoint(a.endpointFile).token, readEndpoint(b.endpointFile).token, 'one token per window');
  } finally {
    await a.close();
    await b.close();
  }
});

test('a wrong token is refused and recorded, and the prompt never shows', async () => {
  const { root, env } = tempBelay();
  const ws = workspace(root, 'ws');
  const log = eventLog();
  let shown = 0;
  const server = await startApprovalServer({
    env,
    workspaces: () => [ws],
    onEvent: log.onEvent,
    onRequest: async () => {
      shown++;
      return { answer: 'approve', by: 'user' };
    },
  });
  try {
    // a real hook process reading an endpoint file whose token is not the server's
    const info = readEndpoint(server.endpointFile);
    const forged = { ...info, token: info.token.replace(/^./, (c) => (c === '0' ? '1' : '0')) };
    fs.writeFileSync(server.endpointFile, JSON.stringify(forged), { mode: 0o600 });
    const run = await runClient(env, sampleRequest(ws));
    assert.deepEqual([run.result.answer, run.result.by], ['deny', 'belay']);
    assert.match(run.result.reason ?? '', /refused the request \(unauthorized: wrong token\)/);

    // raw: no token, a token of another length, a well-formed request with a wrong token
    const request = { id: 'r1', ...sampleRequest(ws) };
    const noToken = await rawExchange(server.endpoint, JSON.stringify({ v: 1, request }) + '\n');
    assert.deepEqual(noToken.lines, [{ v: 1, type: 'refused', code: 'unauthorized', message: 'no token' }]);
    const short = await rawExchange(server.endpoint, JSON.stringify({ v: 1, token: 'abc', request }) + '\n');
    assert.deepEqual(short.lines, [{ v: 1, type: 'refused', code: 'unauthorized', message: 'wrong token' }]);
    const wrong = await rawExchange(server.endpoint, JSON.stringify({ v: 1, token: 'f'.repeat(64), request }) + '\n');
    assert.deepEqual(wrong.lines, [{ v: 1, type: 'refused', code: 'unauthorized', message: 'wrong token' }]);

    assert.equal(shown, 0, 'no prompt for an unauthorized request');
    const refused = log.events.filter((e) => e.kind === 'refused');
    assert.deepEqual(
      refused.map((e) => (e.kind === 'refused' ? [e.code, e.message] : [])),
      [['unauthorized', 'wrong token'], ['unauthorized', 'no token'], ['unauthorized', 'wrong token'], ['unauthorized', 'wrong token']],
    );
    assert.ok(!log.events.some((e) => e.kind === 'request'));
    assert.ok(!JSON.stringify(log.events).includes(info.token), 'the token never appears in the record');
  } finally {
    await server.close();
  }
});

test('malformed, invalid, oversize and silent connections are refused without a prompt', async () => {
  const { root, env } = tempBelay();
  const ws = workspace(root, 'ws');
  const log = eventLog();
  let shown = 0;
  const server = await startApprovalServer({
    env,
    workspaces: () => [ws],
    onEvent: log.onEvent,
    handshakeTimeoutMs: 300,
    onRequest: async () => {
      shown++;
      return { answer: 'approve', by: 'user' };
    },
  });
  try {
    const { token } = readEndpoint(server.endpointFile);
    const request = { id: 'r1', ...sampleRequest(ws) };
    const code = (r: { lines: unknown[] }) => (r.lines[0] as { code?: string } | undefined)?.code;

    assert.equal(code(await rawExchange(server.endpoint, 'not json at all\n')), 'malformed');
    assert.equal(code(await rawExchange(server.endpoint, JSON.stringify({ v: 2, token, request }) + '\n')), 'unsupported-version');
    const invalid = await rawExchange(server.endpoint, JSON.stringify({ v: 1, token, request: { ...request, timeoutMs: -1, tool: '' } }) + '\n');
    assert.equal(code(invalid), 'invalid');
    assert.match((invalid.lines[0] as { message: string }).message, /request\.timeoutMs.*request\.tool|request\.tool.*request\.timeoutMs/);
    const extraField = await rawExchange(server.endpoint, JSON.stringify({ v: 1, token, request: { ...request, approveAutomatically: true } }) + '\n');
    assert.equal(code(extraField), 'invalid');
    const twoLines = await rawExchange(server.endpoint, JSON.stringify({ v: 1, token, request: { ...request, summary: 'a\nb' } }) + '\n');
    assert.equal(code(twoLines), 'invalid');

    // over the cap without a newline: refused as soon as the cap is passed
    const big = await rawExchange(server.endpoint, Buffer.alloc(MAX_LINE_BYTES + 4096, 0x61));
    assert.equal(code(big), 'too-large');
    // a connection that never sends a request is dropped
    const silent = await rawExchange(server.endpoint, undefined, 5000);
    assert.equal(code(silent), 'handshake-timeout');
    // a connection that ends mid-line
    await rawExchange(server.endpoint, '{"v":1,', 5000, true);

    assert.equal(shown, 0);
    await log.waitFor((e) => e.kind === 'refused' && e.code === 'malformed' && /ended before/.test(e.message));
    assert.deepEqual(
      log.events.filter((e) => e.kind === 'refused').map((e) => (e.kind === 'refused' ? e.code : '')),
      ['malformed', 'unsupported-version', 'invalid', 'invalid', 'invalid', 'too-large', 'handshake-timeout', 'malformed'],
    );
    // the server still works afterwards
    const ok = await runClient(env, sampleRequest(ws));
    assert.equal(ok.result.answer, 'approve');
  } finally {
    await server.close();
  }
});

/** A copy of this node binary that another user may execute (our own may sit in a 0700 home). */
function nodeForOthers(root: string): string {
  const dir = path.join(root, 'bin');
  fs.mkdirSync(dir, { mode: 0o755 });
  const target = path.join(dir, 'node');
  try {
    fs.linkSync(process.execPath, target);
  } catch {
    fs.copyFileSync(process.execPath, target);
  }
  fs.chmodSync(target, 0o755);
  return target;
}

function nobodyIds(): { uid: number; gid: number } | undefined {
  try {
    const line = fs.readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('nobody:'));
    const [, , uid, gid] = line?.split(':') ?? [];
    return uid && gid ? { uid: Number(uid), gid: Number(gid) } : undefined;
  } catch {
    return undefined;
  }
}

/** Runs a small script as another user; resolves with its JSON output. */
function runAs(ids: { uid: number; gid: number }, node: string, script: string, env: NodeJS.ProcessEnv): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const child = spawn(node, ['--input-type=module', '-e', script], { uid: ids.uid, gid: ids.gid, cwd: '/', env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.on('error', reject);
    child.on('close', () => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(out.trim()) as Record<string, unknown>);
      } catch {
        reject(new Error(`no output; stderr: ${err}`));
      }
    });
  });
}

const notRoot = typeof process.getuid !== 'function' || process.getuid() !== 0;
const nobody = nobodyIds();

test(
  'a connection from another user (nobody) is refused, even one holding the token',
  { skip: process.platform === 'win32' ? 'Unix users only' : notRoot ? 'needs root to run a process as another user' : !nobody ? 'no user nobody' : false },
  async () => {
    const { root, env } = tempBelay();
    const ws = workspace(root, 'ws');
    const log = eventLog();
    let shown = 0;
    const server = await startApprovalServer({
      env,
      workspaces: () => [ws],
      onEvent: log.onEvent,
      onRequest: async () => {
        shown++;
        return { answer: 'approve', by: 'user' };
      },
    });
    try {
      const node = nodeForOthers(root);
      // BELAY_HOME itself is created 0700; open it so that only the run directory's own mode is tested
      fs.chmodSync(env.BELAY_HOME!, 0o755);
      const info = readEndpoint(server.endpointFile);
      const request = { id: 'r1', ...sampleRequest(ws) };
      // the other user somehow knows the socket path and even the token
      const otherEnv = { PATH: '/usr/bin:/bin', HOME: '/', BELAY_HOME: env.BELAY_HOME, SOCK: server.endpoint, FILE: server.endpointFile, LINE: JSON.stringify({ v: 1, token: info.token, request }) };
      const attack = `
        import net from 'node:net'; import fs from 'node:fs';
        const out = { uid: process.getuid() };
        try { fs.readFileSync(process.env.FILE); out.read = 'ok'; } catch (e) { out.read = e.code; }
        try { fs.readdirSync(process.env.BELAY_HOME + '/run'); out.list = 'ok'; } catch (e) { out.list = e.code; }
        out.connect = await new Promise((resolve) => {
          const s = net.createConnection({ path: process.env.SOCK });
          let reply = '';
          s.on('connect', () => s.write(process.env.LINE + '\\n'));
          s.on('data', (d) => (reply += d));
          s.on('error', (e) => resolve(e.code));
          s.on('close', () => resolve(reply ? 'connected: ' + reply.trim() : 'closed'));
          setTimeout(() => { s.destroy(); resolve('timeout'); }, 3000);
        });
        console.log(JSON.stringify(out));`;
      const seen = await runAs(nobody!, node, attack, otherEnv);
      assert.deepEqual(seen, { uid: nobody!.uid, read: 'EACCES', list: 'EACCES', connect: 'EACCES' });

      // defence in depth: even with the directory opened up by mistake, the 0600 file and socket hold
      fs.chmodSync(approvalsRunDir(env), 0o755);
      const loose = await runAs(nobody!, node, attack, otherEnv);
      assert.deepEqual(loose, { uid: nobody!.uid, read: 'EACCES', list: 'ok', connect: 'EACCES' });
      fs.chmodSync(approvalsRunDir(env), 0o700);

      // a real hook process running as nobody gets a plain deny
      const hook = await runClient({ ...otherEnv }, sampleRequest(ws), {}, { uid: nobody!.uid, gid: nobody!.gid, cwd: '/', execPath: node });
      assert.deepEqual([hook.result.answer, hook.result.by], ['deny', 'belay']);
      assert.match(hook.result.reason ?? '', /no Belay window can approve .*cannot be read/);

      assert.equal(shown, 0);
      assert.ok(!log.events.some((e) => e.kind === 'request'), 'nothing from the other user reached the server');
      // and the owner still gets through
      const mine = await runClient(env, sampleRequest(ws));
      assert.equal(mine.result.answer, 'approve');
    } finally {
      await server.close();
    }
  },
);

test('the client will not send its token to an endpoint it cannot trust', { skip: process.platform === 'win32' && 'POSIX modes' }, async () => {
  const { root, env } = tempBelay();
  const ws = workspace(root, 'ws');
  let shown = 0;
  const server = await startApprovalServer({
    env,
    workspaces: () => [ws],
    onRequest: async () => {
      shown++;
      return { answer: 'approve', by: 'user' };
    },
  });
  try {
    // an endpoint file others could read
    fs.chmodSync(server.endpointFile, 0o644);
    const lax = await runClient(env, sampleRequest(ws));
    assert.equal(lax.result.answer, 'deny');
    assert.match(lax.result.reason ?? '', /untrusted endpoint file.*mode 644 is open to other users/);
    fs.chmodSync(server.endpointFile, 0o600);

    // a run directory others could write to
    fs.chmodSync(approvalsRunDir(env), 0o777);
    const open = await runClient(env, sampleRequest(ws));
    assert.equal(open.result.answer, 'deny');
    assert.match(open.result.reason ?? '', /approval directory is unsafe .*open to other users \(mode 777\)/);
    fs.chmodSync(approvalsRunDir(env), 0o700);

    // an endpoint that is not a socket
    const info = readEndpoint(server.endpointFile);
    const fake = path.join(approvalsRunDir(env), 'not-a-socket');
    fs.writeFileSync(fake, '');
    fs.writeFileSync(server.endpointFile, JSON.stringify({ ...info, endpoint: fake }), { mode: 0o600 });
    const notSock = await runClient(env, sampleRequest(ws));
    assert.match(notSock.result.reason ?? '', /was not trusted: .*is not a socket/);
    // an endpoint in a directory that is not private
    const elsewhere = path.join(os.tmpdir(), 'x.sock');
    fs.writeFileSync(server.endpointFile, JSON.stringify({ ...info, endpoint: elsewhere }), { mode: 0o600 });
    const shared = await runClient(env, sampleRequest(ws));
    assert.match(shared.result.reason ?? '', /was not trusted: .*(belongs to uid|open to other users)/);

    assert.equal(shown, 0);
    server.refreshEndpointFile();
    assert.equal((await runClient(env, sampleRequest(ws))).result.answer, 'approve');
  } finally {
    await server.close();
  }
});
