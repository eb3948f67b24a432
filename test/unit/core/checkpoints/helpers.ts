import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CheckpointStore, type CheckpointStoreOptions } from '../../../../src/core/checkpoints/store.ts';
import { isolatedGitEnv } from '../../../support/repro.ts';

/** Test fixtures: real git repositories in temporary folders. */

const GIT_ENV = isolatedGitEnv({ name: 'Test User', email: 'user@example.invalid', date: '2024-01-01T00:00:00Z' });

export function git(cwd: string, ...args: string[]): string {
  const r = spawnSync('git', args, { cwd, env: GIT_ENV, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')} (in ${cwd}): ${r.stderr}`);
  return r.stdout;
}

export function tmpDir(prefix: string): string {
  return fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), `belay-cp-${prefix}-`)));
}

export function write(root: string, rel: string, content: string | Buffer): void {
  const p = path.join(root, rel);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, content);
}

export function read(root: string, rel: string): string | undefined {
  try {
    return fs.readFileSync(path.join(root, rel), 'utf8');
  } catch {
    return undefined;
  }
}

export function exists(root: string, rel: string): boolean {
  return fs.existsSync(path.join(root, rel));
}

/** A workspace that is a git repository with one commit, a branch, a stash, a hook and custom config. */
export function makeUserRepo(files: Record<string, string> = {}): string {
  const ws = tmpDir('ws');
  git(ws, 'init', '-q', '-b', 'main');
  git(ws, 'config', 'user.name', 'Test User');
  git(ws, 'config', 'user.email', 'user@example.invalid');
  git(ws, 'config', 'custom.setting', 'kept');
  const all = { 'README.md': '# project\n', 'src/app.ts': lines('app', 12), 'src/util.ts': lines('util', 8), '.gitignore': '.env\nnode_modules/\n*.log\n', ...files };
  for (const [rel, content] of Object.entries(all)) write(ws, rel, content);
  git(ws, 'add', '-A');
  git(ws, 'commit', '-q', '-m', 'initial');
  git(ws, 'branch', 'feature');
  write(ws, 'src/util.ts', lines('util', 8) + 'stashed change\n');
  git(ws, 'stash', '-q');
  write(ws, '.git/hooks/pre-commit', '#!/bin/sh\nexit 0\n');
  fs.chmodSync(path.join(ws, '.git/hooks/pre-commit'), 0o755);
  // staged and unstaged changes, like a real working copy
  write(ws, 'src/app.ts', lines('app', 12).replace('app line 3', 'app line 3 staged'));
  git(ws, 'add', 'src/app.ts');
  write(ws, 'README.md', '# project\n\nunstaged edit\n');
  return ws;
}

/** A plain folder (no git). */
export function makePlainWorkspace(files: Record<string, string>): string {
  const ws = tmpDir('plain');
  for (const [rel, content] of Object.entries(files)) write(ws, rel, content);
  return ws;
}

export function lines(prefix: string, n: number): string {
  let s = '';
  for (let i = 1; i <= n; i++) s += `${prefix} line ${i}\n`;
  return s;
}

/** Every file under a folder with the sha-256 of its content (the byte-for-byte fingerprint of a .git). */
export function fingerprint(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      const rel = path.relative(dir, p);
      if (e.isDirectory()) {
        out.set(rel + '/', 'dir');
        walk(p);
      } else if (e.isSymbolicLink()) out.set(rel, 'link:' + fs.readlinkSync(p));
      else {
        const st = fs.statSync(p);
        out.set(rel, crypto.createHash('sha256').update(fs.readFileSync(p)).digest('hex') + ` mode=${(st.mode & 0o777).toString(8)} mtime=${st.mtimeMs}`);
      }
    }
  };
  walk(dir);
  return out;
}

/** Workspace files (not .git) and their content. */
export function snapshot(ws: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (e.name === '.git') continue;
      const p = path.join(d, e.name);
      const rel = path.relative(ws, p).split(path.sep).join('/');
      if (e.isDirectory()) walk(p);
      else if (e.isSymbolicLink()) out.set(rel, 'link:' + fs.readlinkSync(p));
      else out.set(rel, crypto.createHash('sha256').update(fs.readFileSync(p)).digest('hex') + ((fs.statSync(p).mode & 0o100) !== 0 ? ' x' : ''));
    }
  };
  walk(ws);
  return out;
}

export async function openStore(ws: string, extra: Partial<CheckpointStoreOptions> = {}): Promise<{ store: CheckpointStore; storeDir: string }> {
  const storeDir = path.join(tmpDir('store'), 'checkpoints.git');
  const store = await CheckpointStore.open({ workspace: ws, storeDir, ...extra });
  return { store, storeDir };
}

/** git fsck of the store: every checkpoint's content is present and well-formed. */
export function fsckStore(storeDir: string): void {
  const env: NodeJS.ProcessEnv = { ...GIT_ENV, GIT_DIR: storeDir };
  const borrow = path.join(storeDir, 'belay-borrow');
  if (fs.existsSync(borrow)) env.GIT_ALTERNATE_OBJECT_DIRECTORIES = fs.readFileSync(borrow, 'utf8').trim().split('\n').join(':');
  const r = spawnSync('git', ['fsck', '--full', '--no-dangling', '--no-progress'], { env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`store fsck failed: ${r.stdout}\n${r.stderr}`);
}

export function rm(...dirs: string[]): void {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
}
