// Runs in its own process (node --test gives every file one): the shell
// parser starts unloaded here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { run as runHook } from '../../../src/runtime/commands/hook.ts';
import { shellParserReady } from '../../../src/core/policy/shell/parse.ts';
import { isolatedEnv, userRepo } from '../../support/fixtures.ts';
import { claudePre } from '../../support/hookDocs.ts';

async function hook(doc: Record<string, unknown>, env: NodeJS.ProcessEnv, cwd: string) {
  const out: string[] = [];
  const err: string[] = [];
  const stdout = new PassThrough().on('data', (c: Buffer) => out.push(c.toString()));
  const stderr = new PassThrough().on('data', (c: Buffer) => err.push(c.toString()));
  const exitCode = await runHook(['claude'], { stdin: Readable.from([JSON.stringify(doc)]), stdout, stderr, env, cwd });
  return { exitCode, stdout: out.join(''), stderr: err.join('') };
}

test('a one-shot hook loads the bash grammar only for a call with shell text, and then decides as always', async () => {
  const ws = userRepo();
  const env = isolatedEnv();
  assert.equal(shellParserReady(), false);
  const read = await hook(claudePre({ cwd: ws, id: 'r1', tool: 'Read', input: { file_path: path.join(ws, 'README.md') } }), env, ws);
  assert.equal(read.exitCode, 0, read.stderr);
  const edit = await hook(claudePre({ cwd: ws, id: 'e1', tool: 'Edit', input: { file_path: path.join(ws, 'README.md'), old_string: 'demo', new_string: 'demo!' } }), env, ws);
  assert.equal(edit.exitCode, 0, edit.stderr);
  assert.equal(shellParserReady(), false, 'reading and editing a file never loaded the parser');
  // a file that runs what is written into it (package.json scripts): its commands need the grammar too
  const pkg = await hook(
    claudePre({ cwd: ws, id: 'p1', tool: 'Write', input: { file_path: path.join(ws, 'package.json'), content: JSON.stringify({ scripts: { postinstall: 'cat <<EOF | sh\nrm -rf ~\nEOF' } }) } }),
    env,
    ws,
  );
  assert.equal(shellParserReady(), true, 'a script written into package.json loaded the parser');
  assert.doesNotMatch(pkg.stderr + pkg.stdout, /not initialised/);
  // a shell command decides as always
  const shell = await hook(claudePre({ cwd: ws, id: 'b1', tool: 'Bash', input: { command: 'cat <<EOF > notes.txt\nhello\nEOF\nrm -rf ~' } }), env, ws);
  assert.equal(shell.exitCode, 2, shell.stderr);
  assert.doesNotMatch(shell.stderr, /parse-error|not initialised/);
  assert.match(shell.stderr, /Belay \[/);
});
