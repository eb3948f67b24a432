import { execFileSync, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Temp folders to remove when the process exits (one exit listener for all of them). */
const tempDirs: string[] = [];
process.on('exit', () => {
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
});

/** A temp folder removed when the process exits. */
export function tempDir(prefix: string): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), `belay-unit-${prefix}-`)));
  tempDirs.push(dir);
  return dir;
}

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, GIT_AUTHOR_NAME: 'User', GIT_AUTHOR_EMAIL: 'user@example.invalid', GIT_COMMITTER_NAME: 'User', GIT_COMMITTER_EMAIL: 'user@example.invalid' },
  });
}

/** A user's git repository with a few committed files, a stash and a staged change. */
export function userRepo(files: Record<string, string> = { 'src/app.ts': 'export const answer = 42;\n', 'README.md': '# demo\n' }): string {
  const dir = tempDir('ws');
  git(dir, 'init', '-q', '-b', 'main');
  for (const [p, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
    fs.writeFileSync(path.join(dir, p), content);
  }
  fs.writeFileSync(path.join(dir, '.gitignore'), 'node_modules/\n.env\n');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'initial');
  return dir;
}

/**
 * A fingerprint of everything in the user's .git that Belay must never touch:
 * refs, index, stash, HEAD, config, hooks, packed refs, logs.
 */
export function gitFingerprint(repo: string): string {
  const gitDir = path.join(repo, '.git');
  const hash = crypto.createHash('sha256');
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(dir, entry.name);
      const rel = path.relative(gitDir, p);
      if (rel.startsWith('objects')) continue; // object files may be read, never rewritten; checked by fsck below
      if (entry.isDirectory()) walk(p);
      else {
        hash.update(rel + '\0');
        hash.update(fs.readFileSync(p));
      }
    }
  };
  walk(gitDir);
  const fsck = spawnSync('git', ['fsck', '--no-progress'], { cwd: repo, encoding: 'utf8' });
  hash.update(String(fsck.status));
  return hash.digest('hex');
}

/** An isolated BELAY_HOME and HOME for one test. */
export function isolatedEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const home = tempDir('home');
  return { ...process.env, HOME: home, BELAY_HOME: path.join(home, '.belay'), ...extra };
}

export function writeSettings(workspace: string, settings: Record<string, unknown>): void {
  fs.mkdirSync(path.join(workspace, '.vscode'), { recursive: true });
  fs.writeFileSync(path.join(workspace, '.vscode', 'settings.json'), JSON.stringify(settings, null, 2));
}
