import * as vscode from 'vscode';
import { Guard, type UndoOutcome } from '../core/actions/guard.ts';
import { toTimelineItem } from '../core/actions/present.ts';
import type { Receipt } from '../core/receipts/store.ts';
import type { ActionResult, TimelinePage } from '../shared/protocol.ts';
import { Disposable } from './disposable.ts';

const PAGE_SIZE = 50;
/** How often an open workspace marks abandoned receipts and applies receipt retention. */
const MAINTAIN_EVERY_MS = 5 * 60_000;

/**
 * Belay for one workspace folder inside VS Code. Opens the guard (SQLite
 * receipts, shadow git store) on first use, not at activation, and turns the
 * receipt store's change feed into a VS Code event.
 */
export class WorkspaceSession extends Disposable {
  readonly folder: vscode.WorkspaceFolder;
  private readonly log: vscode.LogOutputChannel;
  private guardPromise: Promise<Guard> | undefined;
  private unsubscribe: (() => void) | undefined;
  private readonly changed = this.register(new vscode.EventEmitter<string>());
  /** Fires with a reason whenever receipts were added or changed (by any process). */
  readonly onDidChange = this.changed.event;

  constructor(folder: vscode.WorkspaceFolder, log: vscode.LogOutputChannel) {
    super();
    this.folder = folder;
    this.log = log;
    this.register({ dispose: () => this.close() });
  }

  /** Ties a helper's lifetime to this folder's session. */
  adopt<T extends vscode.Disposable>(d: T): T {
    return this.register(d);
  }

  /** The guard of this folder; the first call opens the stores. */
  guard(): Promise<Guard> {
    this.guardPromise ??= Guard.open({ workspace: this.folder.uri.fsPath, actor: 'user' }).then(
      (guard) => {
        this.log.info(`Belay guards ${guard.workspace}; state in ${guard.state.dir}`);
        this.maintain(guard);
        const timer = setInterval(() => this.maintain(guard), MAINTAIN_EVERY_MS);
        this.register({ dispose: () => clearInterval(timer) });
        this.unsubscribe = guard.receipts.subscribe(
          (r) => {
            this.log.debug(`receipt ${r.id}: ${r.tool} ${r.decision} ${r.outcome}`);
            this.changed.fire('receipt');
          },
          { pollMs: 500 },
        );
        return guard;
      },
      (err: unknown) => {
        this.guardPromise = undefined;
        const message = err instanceof Error ? err.message : String(err);
        this.log.error(`Belay could not open its stores for ${this.folder.uri.fsPath}: ${message}`);
        throw err;
      },
    );
    return this.guardPromise;
  }

  /** Marks abandoned receipts and applies the retention setting (see Guard.maintain). */
  private maintain(guard: Guard): void {
    try {
      const r = guard.maintain();
      if (r.abandoned > 0) this.log.info(`${r.abandoned} receipt(s) never reported completion and were marked abandoned`);
      if (r.pruned && r.pruned.prunedReceipts > 0) this.log.info(`retention: pruned ${r.pruned.prunedReceipts} receipt(s); the chain stays verifiable`);
    } catch (err) {
      this.log.warn(`receipt maintenance failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  async page(cursor?: string): Promise<TimelinePage> {
    const guard = await this.guard();
    const page = guard.receipts.list({ cursor, limit: PAGE_SIZE, order: 'newest' });
    return {
      items: page.items.filter((r) => r.kind !== 'prompt').map((r) => toTimelineItem(r, guard.workspace)),
      hasMore: page.hasMore,
      nextCursor: page.nextCursor,
    };
  }

  async receipt(id: string): Promise<Receipt | undefined> {
    return (await this.guard()).receipts.get(id);
  }

  private report(outcome: UndoOutcome): ActionResult {
    if (outcome.ok) {
      this.log.info(outcome.message);
    } else {
      this.log.warn(`${outcome.code}: ${outcome.message}`);
      for (const c of outcome.conflicts ?? []) this.log.warn(`conflict in ${c.path}:\n${c.hunks}`);
    }
    this.changed.fire('undo');
    return { ok: outcome.ok, message: outcome.message, receiptId: outcome.receipt?.id };
  }

  async rollback(receiptId: string): Promise<ActionResult> {
    return this.report(await (await this.guard()).rollback(receiptId));
  }

  async restore(checkpointId: string): Promise<ActionResult> {
    return this.report(await (await this.guard()).restore(checkpointId));
  }

  /** The unified diff of what a receipt's action changed. */
  async diff(receiptId: string): Promise<string | undefined> {
    const guard = await this.guard();
    const r = guard.receipts.get(receiptId);
    if (!r?.checkpointBefore || !r.checkpointAfter) return undefined;
    const store = await guard.checkpoints();
    const files = await store.diff(r.checkpointBefore, r.checkpointAfter);
    return files.map((f) => (f.binary ? `Binary file ${f.path} ${f.status}\n` : f.patch)).join('\n');
  }

  private close(): void {
    this.unsubscribe?.();
    const pending = this.guardPromise;
    this.guardPromise = undefined;
    void pending?.then((g) => g.close()).catch(() => undefined);
  }
}
