import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { openSqlite } from '../../../src/core/config/sqlite.ts';
import { ensureWorkspaceState, workspaceState } from '../../../src/core/config/paths.ts';
import { ReceiptStore } from '../../../src/core/receipts/store.ts';
import type { Receipt } from '../../../src/core/receipts/store.ts';
import { main } from '../../../src/runtime/cli.ts';
import { belay } from '../../support/cli.ts';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

let root: string;
let workspace: string;
let env: NodeJS.ProcessEnv;

async function receipts(...args: string[]): Promise<Run> {
  const stdin = new PassThrough();
  stdin.end('');
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const stdout = new PassThrough().on('data', (c: Buffer) => out.push(c));
  const stderr = new PassThrough().on('data', (c: Buffer) => err.push(c));
  const code = await main(['receipts', ...args], { stdin, stdout, stderr, env, cwd: workspace });
  return { code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
}

function openStore(): ReceiptStore {
  const st = workspaceState(workspace, env);
  ensureWorkspaceState(st);
  return ReceiptStore.open({ file: st.receiptsFile, workspace: st.workspace, env });
}

/** Five receipts: two agents, one denial, one pending. */
function fill(): Receipt[] {
  const s = openStore();
  try {
    const out: Receipt[] = [];
    const a = s.append({ agent: 'claude-code', harness: 'claude', sessionId: 'sess-1', tool: 'Edit', toolUseId: 'toolu_1', input: { file_path: 'src/app.ts', old_string: 'a', new_string: 'b' }, decision: 'allow', rule: 'default', reason: 'no rule matched', outcome: 'pending', checkpointBefore: 'c'.repeat(40) });
    out.push(s.complete(a.id, { outcome: 'done', checkpointAfter: 'd'.repeat(40), changedPaths: [{ path: 'src/app.ts', status: 'modified', size: 12 }], durationMs: 31 }));
    out.push(s.append({ agent: 'copilot', sessionId: 'sess-2', tool: 'run_in_terminal', input: { command: 'rm -rf / --no-preserve-root' }, decision: 'deny', rule: 'destructive/rm-root', reason: 'recursive delete of the filesystem root', outcome: 'blocked' }));
    out.push(s.append({ agent: 'claude-code', sessionId: 'sess-1', tool: 'Write', input: { file_path: '.env', content: 'API_KEY=abc123' }, decision: 'ask', evaluated: 'ask', approver: 'alice', rule: 'secrets/env', reason: 'writes to .env need approval', outcome: 'done' }));
    out.push(s.append({ agent: 'copilot', sessionId: 'sess-2', tool: 'create_file', input: { filePath: path.join(workspace, 'docs/readme.md'), content: 'hello' }, decision: 'allow', rule: 'default', reason: 'no rule matched', outcome: 'done' }));
    out.push(s.append({ agent: 'claude-code', sessionId: 'sess-1', tool: 'Bash', toolUseId: 'toolu_5', input: { command: 'npm test' }, decision: 'allow', rule: 'default', reason: 'no rule matched', outcome: 'pending' }));
    return out;
  } finally {
    s.close();
  }
}

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'belay-receipts-cli-'));
  workspace = path.join(root, 'ws');
  fs.mkdirSync(workspace);
  env = { BELAY_HOME: path.join(root, 'home'), PATH: process.env.PATH };
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

function oneLineError(r: Run): void {
  assert.match(r.stderr, /^belay: [^\n]+\n$/, `one line on stderr: ${JSON.stringify(r.stderr)}`);
  assert.ok(!/\n\s+at /.test(r.stderr), 'no stack trace');
}

describe('belay receipts', () => {
  it('list on a workspace without receipts says so and creates nothing', async () => {
    const r = await receipts('list', '--workspace', workspace);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^no receipts yet in /);
    const j = await receipts('list', '--json');
    assert.deepEqual(JSON.parse(j.stdout), { items: [], hasMore: false });
    assert.ok(!fs.existsSync(workspaceState(workspace, env).receiptsFile));
    assert.equal((await receipts('verify')).code, 0);
    assert.equal(JSON.parse((await receipts('stats', '--json')).stdout).total, 0);
  });

  it('list prints a readable table, newest first, with id, time, agent, tool, decision, outcome, rule and target', async () => {
    const rs = fill();
    const r = await receipts('list');
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.match(lines[0] as string, /^ID\s+TIME \(UTC\)\s+AGENT\s+TOOL\s+DECISION\s+OUTCOME\s+RULE\s+TARGET$/);
    assert.equal(lines.length, 6);
    assert.ok((lines[1] as string).startsWith((rs[4] as Receipt).id), 'newest first');
    assert.match(lines[1] as string, /claude-code\s+Bash\s+allow\s+pending\s+default\s+npm test$/);
    assert.match(lines[4] as string, /copilot\s+run_in_terminal\s+deny\s+blocked\s+destructive\/rm-root\s+rm -rf \/ --no-preserve-root$/);
    assert.match(lines[5] as string, /\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ\s+claude-code\s+Edit\s+allow\s+done\s+default\s+src\/app\.ts$/);
    const oldest = await receipts('list', '--oldest', '--limit', '2');
    assert.ok(oldest.stdout.split('\n')[1]?.startsWith((rs[0] as Receipt).id));
    assert.match(oldest.stdout, /more: belay receipts list --cursor o2 --oldest/);
    const next = await receipts('list', '--oldest', '--limit', '2', '--cursor', 'o2', '--json');
    assert.deepEqual(JSON.parse(next.stdout).items.map((x: Receipt) => x.seq), [3, 4]);
  });

  it('list filters by agent, decision, outcome, session, path and time', async () => {
    fill();
    const seqs = async (...f: string[]): Promise<number[]> => JSON.parse((await receipts('list', '--json', ...f)).stdout).items.map((x: Receipt) => x.seq);
    assert.deepEqual(await seqs('--agent', 'copilot'), [4, 2]);
    assert.deepEqual(await seqs('--decision', 'deny'), [2]);
    assert.deepEqual(await seqs('--outcome', 'pending'), [5]);
    assert.deepEqual(await seqs('--session', 'sess-1', '--decision', 'allow'), [5, 1]);
    assert.deepEqual(await seqs('--path', 'src/app.ts'), [1]);
    assert.deepEqual(await seqs('--path', 'docs/'), [4]);
    assert.deepEqual(await seqs('--since', '1h'), [5, 4, 3, 2, 1]);
    assert.deepEqual(await seqs('--until', '1h'), []);
    const none = await receipts('list', '--agent', 'nobody');
    assert.match(none.stdout, /^no receipts match/);
  });

  it('show prints one receipt by prefix or #number, with its verification', async () => {
    const rs = fill();
    const first = rs[0] as Receipt;
    const r = await receipts('show', first.id.slice(0, 6).toUpperCase());
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^receipt\\s+${first.id}  \\(#1, action\\)`));
    assert.match(r.stdout, /^outcome\s+done  after 31 ms$/m);
    assert.match(r.stdout, /^checkpoint\s+before c{40}  after d{40}$/m);
    assert.match(r.stdout, /^verified\s+yes$/m);
    const redacted = await receipts('show', '#3');
    assert.match(redacted.stdout, /^decision\s+ask, decided by alice$/m);
    assert.match(redacted.stdout, /^redacted\s+input\.content/m);
    assert.ok(!redacted.stdout.includes('abc123'));
    const j = JSON.parse((await receipts('show', '#2', '--json')).stdout);
    assert.equal(j.receipt.decision, 'deny');
    assert.deepEqual(j.verified, { ok: true });
  });

  it('verify exits 0 on an intact chain and non-zero naming the first bad receipt', async () => {
    const rs = fill();
    const ok = await receipts('verify');
    assert.equal(ok.code, 0);
    assert.match(ok.stdout, /^ok: 5 receipts and \d+ chain events check out; head [0-9a-f]{64}$/m);
    const bad = rs[1] as Receipt;
    const db = openSqlite(workspaceState(workspace, env).receiptsFile);
    db.prepare("UPDATE receipts SET decision = 'allow' WHERE id = ?").run(bad.id);
    db.prepare("UPDATE receipts SET agent = 'edited' WHERE seq = 4").run();
    db.close();
    const r = await receipts('verify');
    assert.equal(r.code, 1);
    oneLineError(r);
    assert.match(r.stderr, new RegExp(`^belay: receipt ${bad.id} \\(#2\\) does not check out: its stored decision \\("allow"\\) differs from its signed events \\("deny"\\)`));
    const j = await receipts('verify', '--json');
    assert.equal(j.code, 1);
    assert.equal(JSON.parse(j.stdout).firstBad.id, bad.id);
    assert.equal((await receipts('verify', '--up-to', '#1')).code, 0, 'the chain up to #1 is intact');
    const shown = await receipts('show', bad.id);
    assert.match(shown.stdout, /^verified\s+NO: /m);
  });

  it('export writes a verifiable JSON-lines file; verify --export checks it, and catches an edit', async () => {
    fill();
    const file = path.join(root, 'out', 'receipts.jsonl');
    fs.mkdirSync(path.dirname(file));
    const r = await receipts('export', '--format', 'jsonl', '--out', file);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^exported \d+ events to .*receipts\.jsonl; head [0-9a-f]{64}$/m);
    const v = await receipts('verify', '--export', file);
    assert.equal(v.code, 0, v.stderr);
    assert.match(v.stdout, /signatures checked with this install's key/);
    const stdoutExport = await receipts('export');
    assert.equal(stdoutExport.stdout.split('\n').length, fs.readFileSync(file, 'utf8').split('\n').length);
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('rm -rf /', 'ls -la /'));
    const bad = await receipts('verify', '--export', file);
    assert.equal(bad.code, 1);
    oneLineError(bad);
    assert.match(bad.stderr, /line \d+: event \d+ does not match its hash/);
    assert.equal((await receipts('export', '--format', 'csv')).code, 2);
  });

  it('stats counts by decision, outcome, agent and kind', async () => {
    fill();
    const r = await receipts('stats');
    assert.match(r.stdout, /^receipts\s+5/m);
    assert.match(r.stdout, /^decisions\s+allow 3, ask 1, deny 1$/m);
    assert.match(r.stdout, /^agents\s+claude-code 3, copilot 2$/m);
    const j = JSON.parse((await receipts('stats', '--json')).stdout);
    assert.deepEqual(j.byOutcome, { done: 3, blocked: 1, pending: 1 });
  });

  it('prune keeps the chain verifiable', async () => {
    fill();
    const r = await receipts('prune', '--older-than-days', '30');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /nothing to prune/);
    assert.equal((await receipts('prune')).code, 2);
  });

  it('bad input gives one line and a non-zero exit, never a stack trace', async () => {
    fill();
    const cases: Array<[string[], number, RegExp]> = [
      [['frobnicate'], 2, /unknown receipts command 'frobnicate'/],
      [['list', '--colour'], 2, /unknown option --colour/],
      [['list', '--limit', 'many'], 2, /--limit takes a whole number/],
      [['list', '--limit', '0'], 2, /--limit takes a whole number/],
      [['list', '--decision', 'maybe'], 2, /--decision takes one of allow, ask, deny/],
      [['list', '--outcome', 'finished'], 2, /--outcome takes one of/],
      [['list', '--since', 'last tuesday'], 2, /--since takes an ISO time/],
      [['list', '--cursor', 'garbage'], 2, /bad cursor/],
      [['list', '--workspace'], 2, /--workspace needs a value/],
      [['list', '--workspace', path.join(root, 'missing')], 2, /workspace not found/],
      [['show'], 2, /usage: belay receipts show/],
      [['show', 'zzzzzzzz'], 1, /no receipt 'zzzzzzzz'/],
      [['verify', '--up-to', 'zzzzzzzz'], 1, /no receipt zzzzzzzz/],
      [['verify', '--export', path.join(root, 'nope.jsonl')], 2, /cannot read .*nope\.jsonl: ENOENT/],
      [['show', '--json=1'], 2, /--json takes no value/],
    ];
    for (const [args, code, message] of cases) {
      const r = await receipts(...args);
      assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
      oneLineError(r);
      assert.match(r.stderr, message, args.join(' '));
    }
    const usage = await receipts();
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /^usage: belay receipts/);
    assert.equal((await receipts('--help')).code, 0);
  });

  it('an ambiguous prefix lists the candidates', async () => {
    const s = openStore();
    try {
      for (let i = 0; i < 80; i++) s.append({ agent: 'a', tool: 't', decision: 'allow', rule: 'r', reason: 'x', outcome: 'done' });
    } finally {
      s.close();
    }
    const ids = JSON.parse((await receipts('list', '--json', '--limit', '100')).stdout).items.map((x: Receipt) => x.id) as string[];
    const counts = new Map<string, number>();
    for (const id of ids) counts.set(id[0] as string, (counts.get(id[0] as string) ?? 0) + 1);
    const shared = [...counts].find(([, n]) => n > 1)?.[0] as string;
    const r = await receipts('show', shared);
    assert.equal(r.code, 2);
    oneLineError(r);
    assert.match(r.stderr, new RegExp(`receipt prefix '${shared}' matches .* receipts \\(.*\\); type more characters`));
  });

  it('runs from the sources as a real process', () => {
    fill();
    const r = belay(['receipts', 'list', '--workspace', workspace], { env: { ...process.env, ...env } });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^ID\s+TIME/);
    const v = belay(['receipts', 'verify', '--workspace', workspace, '--json'], { env: { ...process.env, ...env } });
    assert.equal(JSON.parse(v.stdout).ok, true);
  });
});
