import { after, before, describe, test } from 'node:test';
import { judge, judgeShell, ready, tempWorld, expectDecision, type TempWorld } from './helpers.ts';

/**
 * Git operations a red-team probe found allowed: work thrown away under a
 * folder, a stash made and dropped in one line, protected branches renamed
 * or overwritten, history rewritten from the root, remote branches pruned,
 * the repository moved away, patches fed on stdin, secrets stored as git
 * objects, and the generic git tool's argument list. Each case runs through
 * the real normaliser and engine on a real temporary workspace; ordinary git
 * work stays allowed.
 */

let w: TempWorld;
before(async () => {
  await ready();
  w = tempWorld('feature-x');
  w.file('src/app.ts', 'export {};\n');
  w.file('.env', 'API_KEY=sk-live-1234567890abcdef\n');
  w.file('ok.patch', 'diff --git a/src/app.ts b/src/app.ts\n--- a/src/app.ts\n+++ b/src/app.ts\n@@ -1 +1 @@\n-export {};\n+export const a = 1;\n');
  w.file('evil.patch', 'diff --git a/.vscode/settings.json b/.vscode/settings.json\n--- a/.vscode/settings.json\n+++ b/.vscode/settings.json\n@@ -1 +1 @@\n-{}\n+{"belay.enabled": false}\n');
});
after(() => w.cleanup());

describe('git operations that lose work or rewrite what others see', () => {
  test('discarding the changes under a folder asks; a file stays allowed', () => {
    expectDecision(judgeShell(w, 'git checkout HEAD -- src'), 'ask', 'git.discard-changes', 'checkout of a folder');
    expectDecision(judgeShell(w, 'git restore src'), 'ask', 'git.discard-changes', 'restore of a folder');
    expectDecision(judgeShell(w, 'git checkout HEAD -- src/app.ts'), 'allow', undefined, 'checkout of one file');
  });
  test('a stash made and dropped in one line is denied; a stash dropped alone asks', () => {
    expectDecision(judgeShell(w, 'git stash -u && git stash drop'), 'deny', 'git.stash-drop', 'stash then drop');
    expectDecision(judgeShell(w, 'git stash drop stash@{1}'), 'ask', 'git.stash-drop', 'drop alone');
    expectDecision(judgeShell(w, 'git stash && git pull --rebase && git stash pop'), 'allow', undefined, 'stash around a pull');
  });
  test('protected branches renamed or overwritten', () => {
    expectDecision(judgeShell(w, 'git branch -m main old-main'), 'ask', 'git.rename-protected', 'rename main');
    expectDecision(judgeShell(w, 'git branch -M feature-x main'), 'deny', 'git.reset-protected', 'rename over main');
    expectDecision(judgeShell(w, 'git branch -M main trunk'), 'ask', 'git.rename-protected', 'main renamed by force');
    expectDecision(judgeShell(w, 'git branch -m old-name new-name'), 'allow', undefined, 'rename of an ordinary branch');
  });
  test('history rewritten from the root, replaced objects, submodules removed by force, remote branches pruned', () => {
    expectDecision(judgeShell(w, 'git rebase -i --root'), 'ask', 'git.rewrite-history', 'rebase --root');
    expectDecision(judgeShell(w, 'git checkout main && git rebase --root'), 'deny', 'git.rewrite-history', 'rebase --root on main');
    expectDecision(judgeShell(w, 'git replace HEAD HEAD~1'), 'ask', 'git.replace', 'git replace');
    expectDecision(judgeShell(w, 'git replace -l'), 'allow', undefined, 'git replace -l');
    expectDecision(judgeShell(w, 'git submodule deinit -f --all'), 'ask', 'git.discard-changes', 'submodule deinit -f');
    expectDecision(judgeShell(w, 'git push --prune origin'), 'ask', 'git.delete-remote-branch', 'push --prune');
    expectDecision(judgeShell(w, 'git rebase main'), 'allow', undefined, 'an ordinary rebase');
  });
  test('moving the repository out of the workspace is denied', () => {
    expectDecision(judgeShell(w, 'mv .git /tmp/'), 'deny', 'git.delete-repository', 'mv .git away');
    expectDecision(judgeShell(w, 'mv .git .git-old'), 'allow', undefined, 'renamed in place');
  });
  test('patches on stdin are read for the files they change', () => {
    expectDecision(judgeShell(w, 'git apply < evil.patch'), 'deny', 'guard.settings', 'git apply < guard patch');
    expectDecision(judgeShell(w, 'git am < evil.patch'), 'deny', 'guard.settings', 'git am < guard patch');
    expectDecision(judgeShell(w, 'git am evil.patch'), 'deny', 'guard.settings', 'git am file');
    expectDecision(judgeShell(w, 'git apply < ok.patch'), 'allow', undefined, 'ordinary patch on stdin');
    expectDecision(judgeShell(w, 'git am --abort'), 'allow', undefined, 'git am --abort');
  });
  test('hashing a secret into the object store reads it', () => {
    expectDecision(judgeShell(w, 'git hash-object -w .env && git cat-file -p $(git hash-object .env)'), 'deny', 'secrets.read', 'hash-object .env');
    expectDecision(judgeShell(w, 'git hash-object src/app.ts'), 'allow', undefined, 'hash-object of a source file');
    expectDecision(judgeShell(w, 'git stash show -p stash@{0} -- .env'), 'deny', 'secrets.read', 'stash show -p of .env');
    expectDecision(judgeShell(w, 'git stash show -p'), 'allow', undefined, 'stash show -p');
  });
  test('git settings that plant hooks or send traffic elsewhere ask', () => {
    expectDecision(judgeShell(w, 'git config --global init.templateDir /tmp/evil'), 'ask', 'git.exec-config', 'init.templateDir');
    expectDecision(judgeShell(w, 'git config http.proxy http://x.example:8080'), 'ask', 'git.exec-config', 'http.proxy');
    expectDecision(judgeShell(w, 'git config --global user.name Dev'), 'allow', undefined, 'user.name');
  });
});

describe('the generic git tool with an argument list', () => {
  test('the arguments mean what they mean on the command line', () => {
    expectDecision(judge(w, 'git', { op: 'reset', args: ['--hard'] }), 'deny', 'git.reset-hard', 'reset --hard as a list');
    expectDecision(judge(w, 'git', { op: 'clean', args: ['-fdx'] }), 'deny', 'git.clean', 'clean -fdx as a list');
    expectDecision(judge(w, 'git', { op: 'push', args: ['--force', 'origin', 'main'] }), 'deny', 'git.force-push-protected', 'force push to main as a list');
    expectDecision(judge(w, 'git', { op: 'log', args: ['--oneline', '-5'] }), 'allow', undefined, 'log as a list');
    expectDecision(judge(w, 'git', { op: 'status', args: [] }), 'allow', undefined, 'status with no arguments');
  });
});
