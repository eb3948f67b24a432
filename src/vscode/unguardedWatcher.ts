import * as vscode from 'vscode';
import fs from 'node:fs';
import path from 'node:path';
import { explainChange, openSessions } from '../core/actions/health.ts';
import { Disposable } from './disposable.ts';
import type { WorkspaceSession } from './workspaceSession.ts';

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

const IGNORED = /(^|\/)(\.git|node_modules|\.venv|__pycache__|dist|out|build|\.next|target)(\/|$)/;
const DEBOUNCE_MS = 1500;
const USER_SAVE_GRACE_MS = 3000;

/**
 * Guard health: watches the workspace, and while an agent session is open
 * records every file change that no receipt explains as an unguarded change
 * (checkpointed, so it can be rolled back). Saves the user makes in the
 * editor are not agent changes and are left alone.
 */
export class UnguardedWatcher extends Disposable {
  private readonly pending = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private readonly userSaves = new Map<string, number>();
  private readonly emitter = this.register(new vscode.EventEmitter<number>());
  /** Fires with the number of unguarded changes recorded so far in this window. */
  readonly onDidRecord = this.emitter.event;
  private count = 0;
  private readonly session: WorkspaceSession;
  private readonly log: vscode.LogOutputChannel;

  constructor(session: WorkspaceSession, log: vscode.LogOutputChannel) {
    super();
    this.session = session;
    this.log = log;
    const pattern = new vscode.RelativePattern(session.folder, '**/*');
    const watcher = this.register(vscode.workspace.createFileSystemWatcher(pattern));
    const queue = (uri: vscode.Uri): void => this.queue(uri);
    this.register(watcher.onDidChange(queue));
    this.register(watcher.onDidCreate(queue));
    this.register(watcher.onDidDelete(queue));
    this.register(
      vscode.workspace.onWillSaveTextDocument((e) => {
        if (e.reason === vscode.TextDocumentSaveReason.Manual || e.reason === vscode.TextDocumentSaveReason.AfterDelay || e.reason === vscode.TextDocumentSaveReason.FocusOut) {
          this.userSaves.set(e.document.uri.fsPath, Date.now());
        }
      }),
    );
    this.register({ dispose: () => clearTimeout(this.timer) });
  }

  get recorded(): number {
    return this.count;
  }

  private queue(uri: vscode.Uri): void {
    if (uri.scheme !== 'file') return;
    const rel = path.relative(this.session.folder.uri.fsPath, uri.fsPath).split(path.sep).join('/');
    if (!rel || rel.startsWith('..') || IGNORED.test(rel)) return;
    const saved = this.userSaves.get(uri.fsPath);
    if (saved !== undefined && Date.now() - saved < USER_SAVE_GRACE_MS) return;
    this.pending.add(rel);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.flush(), DEBOUNCE_MS);
  }

  private async flush(): Promise<void> {
    const paths = [...this.pending];
    this.pending.clear();
    if (paths.length === 0) return;
    try {
      const guard = await this.session.guard();
      const now = new Date();
      const [open] = openSessions(guard.receipts, now);
      if (!open) return;
      // A folder's own event (a file created or removed in it) is not a change
      // of its own: the files' events say what changed.
      const files = paths.filter((p) => !isDirectory(path.join(this.session.folder.uri.fsPath, p)));
      const unexplained = files.filter((p) => !explainChange(guard.receipts, p, now));
      if (unexplained.length === 0) return;
      const receipt = await guard.recordUnguarded(unexplained, { id: open.id, agent: open.agent });
      if (receipt) {
        this.count += 1;
        this.log.warn(`unguarded change during ${open.agent} session ${open.id}: ${unexplained.join(', ')} (receipt ${receipt.id})`);
        this.emitter.fire(this.count);
      }
    } catch (err) {
      this.log.error(`could not record unguarded changes (${paths.join(', ')}): ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}
