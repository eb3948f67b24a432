// The walking skeleton as a person sees it: an agent's hook call through
// `belay hook claude` edits a file, the receipt appears in the Belay tree and
// timeline of a real VS Code, a click on Rollback restores the file on disk,
// and the user's own git repository is byte-identical afterwards.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { belayVsix, findInWebview, launchVsCode, makeWorkspace, openView, repoRoot, screenshot, withFailureArtifacts } from '../support/codeServer.ts';
import { gitFingerprint } from '../support/fixtures.ts';
import { claudePost, claudePre } from '../support/hookDocs.ts';

const cli = path.join(repoRoot, 'dist', 'belay.js');

function hook(doc: Record<string, unknown>, env: NodeJS.ProcessEnv): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, 'hook', 'claude'], { input: JSON.stringify(doc), env, encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

async function until<T>(what: string, fn: () => T | undefined | false, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

test('hook edit → receipt in tree and timeline → Rollback click restores the file', { timeout: 240_000 }, async (t) => {
  const original = 'export const answer = 42;\n';
  const workspace = makeWorkspace(
    {
      'README.md': '# loop\n',
      'src/app.ts': original,
      '.vscode/settings.json': JSON.stringify({
        'belay.policy': { rules: [{ id: 'no-pem', effect: 'deny', kinds: ['write', 'edit'], paths: ['**/*.pem'], reason: 'certificates are managed by ops' }] },
      }),
    },
    { git: true },
  );
  const belayHome = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'belay-home-')));
  t.after(() => {
    fs.rmSync(workspace, { recursive: true, force: true });
    fs.rmSync(belayHome, { recursive: true, force: true });
  });
  const env = { ...process.env, BELAY_HOME: belayHome };
  const fingerprint = gitFingerprint(workspace);

  const vsc = await launchVsCode({ workspace, vsix: [belayVsix()], env: { BELAY_HOME: belayHome } });
  t.after(() => vsc.close());

  await withFailureArtifacts('e2e-loop', vsc, async () => {
    const tree = await openView(vsc.page, 'Belay', 'Guarded Actions');
    await openView(vsc.page, 'Belay', 'Timeline');

    // The agent: a denied write and an allowed edit, through the real hook command.
    const denied = hook(claudePre({ cwd: workspace, id: 'toolu_pem', tool: 'Write', input: { file_path: path.join(workspace, 'server.pem'), content: 'key' } }), env);
    assert.equal(denied.code, 2, denied.stderr);
    const file = path.join(workspace, 'src', 'app.ts');
    const input = { file_path: file, old_string: '42', new_string: '7' };
    const pre = hook(claudePre({ cwd: workspace, id: 'toolu_edit', tool: 'Edit', input }), env);
    assert.equal(pre.code, 0, pre.stderr);
    fs.writeFileSync(file, 'export const answer = 7;\n');
    const post = hook(claudePost({ cwd: workspace, id: 'toolu_edit', tool: 'Edit', input }), env);
    assert.equal(post.code, 0, post.stderr);

    // Both receipts appear in the tree (newest first) and in the timeline.
    await tree.getByText('Edit src/app.ts').first().waitFor({ timeout: 20_000 });
    await tree.getByText('Write server.pem').first().waitFor({ timeout: 20_000 });
    const card = findInWebview(vsc.page, 'li.entry.decision-allow:has(.tool:text-is("Edit"))');
    await card.first().waitFor({ timeout: 20_000 });
    await findInWebview(vsc.page, 'li.entry.decision-deny:has(.tool:text-is("Write"))').first().waitFor({ timeout: 20_000 });
    await screenshot(vsc.page, 'loop-1-before-rollback');

    // One click on Rollback restores the file on disk.
    await card.first().locator('vscode-button', { hasText: 'Rollback' }).click();
    await until('the file to be restored', () => fs.readFileSync(file, 'utf8') === original);
    await findInWebview(vsc.page, 'li.entry.outcome-rolled_back:has(.tool:text-is("Edit"))').first().waitFor({ timeout: 20_000 });
    await tree.getByText(/^Rollback undo/).first().waitFor({ timeout: 20_000 });
    await screenshot(vsc.page, 'loop-2-after-rollback');

    assert.equal(fs.existsSync(path.join(workspace, 'server.pem')), false, 'the denied write never happened');
    assert.equal(gitFingerprint(workspace), fingerprint, "the user's .git is byte-identical");
  });
});
