import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { belay } from '../../support/cli.ts';
import { gitFingerprint, isolatedEnv, userRepo, writeSettings } from '../../support/fixtures.ts';
import { claudePost, claudePre } from '../../support/hookDocs.ts';

const policy = { 'belay.policy': { rules: [{ id: 'no-pem', effect: 'deny', kinds: ['write', 'edit'], paths: ['**/*.pem'], reason: 'certificates are managed by ops' }] } };

test('belay hook claude: the whole loop through real processes — deny, allow+checkpoint, receipts, rollback', () => {
  const ws = userRepo();
  writeSettings(ws, policy);
  const env = isolatedEnv();
  const before = gitFingerprint(ws);

  // denied: exit 2, reason on stderr, Claude's JSON on stdout
  const denied = belay(['hook', 'claude'], {
    env,
    input: JSON.stringify(claudePre({ cwd: ws, id: 'w1', tool: 'Write', input: { file_path: path.join(ws, 'key.pem'), content: 'secret' } })),
  });
  assert.equal(denied.code, 2, denied.stderr);
  assert.match(denied.stderr, /no-pem/);
  const deniedAnswer = JSON.parse(denied.stdout);
  assert.equal(deniedAnswer.hookSpecificOutput.permissionDecision, 'deny');
  assert.match(deniedAnswer.hookSpecificOutput.permissionDecisionReason, /certificates are managed by ops/);

  // allowed edit: Pre, the tool runs, Post
  const file = path.join(ws, 'src', 'app.ts');
  const input = { file_path: file, old_string: '42', new_string: '7' };
  const pre = belay(['hook', 'claude'], { env, input: JSON.stringify(claudePre({ cwd: ws, id: 'e1', tool: 'Edit', input })) });
  assert.equal(pre.code, 0, pre.stderr);
  const preAnswer = JSON.parse(pre.stdout);
  assert.notEqual(preAnswer.hookSpecificOutput?.permissionDecision, 'deny');
  fs.writeFileSync(file, 'export const answer = 7;\n');
  const post = belay(['hook', 'claude'], { env, input: JSON.stringify(claudePost({ cwd: ws, id: 'e1', tool: 'Edit', input })) });
  assert.equal(post.code, 0, post.stderr);

  const list = belay(['receipts', 'list', '--json', '--workspace', ws], { env });
  assert.equal(list.code, 0, list.stderr);
  const parsed = JSON.parse(list.stdout);
  const items: Array<{ id: string; tool: string; decision: string; outcome: string; rule: string }> = Array.isArray(parsed) ? parsed : parsed.items;
  const edit = items.find((r) => r.tool === 'Edit');
  const write = items.find((r) => r.tool === 'Write');
  assert.ok(edit && write, JSON.stringify(items));
  assert.equal(write.decision, 'deny');
  assert.equal(write.outcome, 'blocked');
  assert.equal(write.rule, 'no-pem');
  assert.equal(edit.decision, 'allow');
  assert.equal(edit.outcome, 'done');

  const rb = belay(['rollback', edit.id, '--workspace', ws], { env });
  assert.equal(rb.code, 0, rb.stderr);
  assert.equal(fs.readFileSync(file, 'utf8'), 'export const answer = 42;\n');
  assert.equal(fs.existsSync(path.join(ws, 'key.pem')), false);
  assert.equal(gitFingerprint(ws), before, "the user's .git is unchanged");

  const status = belay(['status', '--workspace', ws, '--json'], { env });
  assert.equal(status.code, 0, status.stderr);
  assert.equal(JSON.parse(status.stdout).policy.ok, true);
});

test('bad input gives one line and a non-zero exit, never a stack trace', () => {
  const env = isolatedEnv();
  const ws = userRepo();
  const cases: Array<{ args: string[]; input?: string; code: number; message: RegExp }> = [
    { args: ['hook', 'nonsense'], code: 2, message: /unknown hook dialect 'nonsense'/ },
    { args: ['hook', 'constructor'], code: 2, message: /unknown hook dialect 'constructor'/ },
    { args: ['hook', 'toString'], code: 2, message: /unknown hook dialect 'toString'/ },
    { args: ['hook', 'claude', '--workspace', ws], input: '{not json', code: 2, message: /not valid JSON/ },
    { args: ['status', '--workspace', path.join(ws, 'missing')], code: 2, message: /workspace not found/ },
    { args: ['frobnicate'], code: 2, message: /unknown command 'frobnicate'/ },
    { args: ['rollback', 'nope', '--workspace', ws], code: 1, message: /no receipt nope/ },
  ];
  for (const c of cases) {
    const r = belay(c.args, { env, input: c.input });
    assert.equal(r.code, c.code, `${c.args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, c.message);
    assert.doesNotMatch(r.stderr + r.stdout, /\n\s+at .+:\d+:\d+/, 'no stack trace');
  }
});

test('an invalid policy makes the hook deny writes with a message naming the setting', () => {
  const ws = userRepo();
  writeSettings(ws, { 'belay.policy': { rules: 'not a list' } });
  const env = isolatedEnv();
  const r = belay(['hook', 'claude'], {
    env,
    input: JSON.stringify(claudePre({ cwd: ws, id: 'x1', tool: 'Write', input: { file_path: path.join(ws, 'a.txt'), content: 'x' } })),
  });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /belay\.policy/);
  assert.match(r.stderr, /policy\.invalid/);
});
