import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Belay's state directory: `BELAY_HOME` when set, else `~/.belay`. It holds
 * per-workspace stores and the per-install secret key; never inside a
 * workspace.
 */
export function belayHome(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.BELAY_HOME;
  if (fromEnv && fromEnv.trim() !== '') return path.resolve(fromEnv);
  return path.join(env.HOME && env.HOME.trim() !== '' ? env.HOME : os.homedir(), '.belay');
}

/** Canonical workspace path: absolute, symlinks resolved where the folder exists. */
export function canonicalWorkspace(workspace: string): string {
  const abs = path.resolve(workspace);
  try {
    return fs.realpathSync.native(abs);
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
  const id = crypto.createHash('sha256').update(root).digest('hex').slice(0, 16);
  const base = path.basename(root).replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 40) || 'root';
  const dir = path.join(belayHome(env), 'workspaces', `${base}-${id}`);
  return {
    workspace: root,
    id,
    dir,
    checkpointsDir: path.join(dir, 'checkpoints.git'),
    receiptsFile: path.join(dir, 'receipts.sqlite'),
  };
}

/** Creates the per-workspace folder (mode 0700) and records which workspace it serves. */
export function ensureWorkspaceState(state: WorkspaceState): void {
  fs.mkdirSync(state.dir, { recursive: true, mode: 0o700 });
  const marker = path.join(state.dir, 'workspace.json');
  if (!fs.existsSync(marker)) {
    fs.writeFileSync(marker, JSON.stringify({ workspace: state.workspace, id: state.id }, null, 2) + '\n', { mode: 0o600 });
  }
}
