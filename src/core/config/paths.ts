import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { plainAbsolute, plainStateDir } from './plainPath.ts';

export { plainAbsolute } from './plainPath.ts';

/**
 * Belay's state directory: `BELAY_HOME` when set, else `~/.belay`. It holds
 * per-workspace stores and the per-install secret key; never inside a
 * workspace.
 */
export function belayHome(env: NodeJS.ProcessEnv = process.env): string {
  const plain = plainStateDir(env);
  if (plain !== undefined) return plain;
  const fromEnv = env.BELAY_HOME;
  if (fromEnv && fromEnv.trim() !== '') return resolve(fromEnv);
  // (node:os is loaded only here: it costs a hook process about 0.4 ms to load)
  return join(env.HOME && env.HOME.trim() !== '' ? env.HOME : process.getBuiltinModule('node:os').homedir(), '.belay');
}

/** `path.join(dir, name)` for a plain absolute `dir` and a plain file name (see plainAbsolute). */
export function joinName(dir: string, name: string): string {
  return plainAbsolute(dir) && name !== '' && name !== '.' && name !== '..' && !name.includes('/') ? `${dir === '/' ? '' : dir}/${name}` : join(dir, name);
}

/** Canonical workspace path: absolute, symlinks resolved where the folder exists. */
export function canonicalWorkspace(workspace: string): string {
  const abs = resolve(workspace);
  try {
    return realpathSync.native(abs);
  } catch {
    return abs;
  }
}

export interface WorkspaceState {
  /** canonical workspace root */
  workspace: string;
  /** stable id derived from the canonical path */
  id: string;
  /** per-workspace folder under the state directory */
  dir: string;
  /** the shadow git store of checkpoints */
  checkpointsDir: string;
  /** the receipts database file */
  receiptsFile: string;
}

/** Per-workspace locations, shared by the CLI, the hooks and the extension. */
export function workspaceState(workspace: string, env: NodeJS.ProcessEnv = process.env): WorkspaceState {
  const root = canonicalWorkspace(workspace);
  const id = createHash('sha256').update(root).digest('hex').slice(0, 16);
  const base = basename(root).replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 40) || 'root';
  const dir = join(belayHome(env), 'workspaces', `${base}-${id}`);
  return {
    workspace: root,
    id,
    dir,
    checkpointsDir: join(dir, 'checkpoints.git'),
    receiptsFile: join(dir, 'receipts.sqlite'),
  };
}

/** Creates the per-workspace folder (mode 0700) and records which workspace it serves. */
export function ensureWorkspaceState(state: WorkspaceState): void {
  mkdirSync(state.dir, { recursive: true, mode: 0o700 });
  const marker = join(state.dir, 'workspace.json');
  if (!existsSync(marker)) {
    writeFileSync(marker, JSON.stringify({ workspace: state.workspace, id: state.id }, null, 2) + '\n', { mode: 0o600 });
  }
}
