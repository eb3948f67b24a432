import * as vscode from 'vscode';
import type { TimelineItem } from '../shared/protocol.ts';
import { Disposable } from './disposable.ts';
import { Commands, Views, type CommandId } from './ids.ts';
import type { WorkspaceSession } from './workspaceSession.ts';
import type { GuardStatusBar } from './statusBar.ts';
import { setKillSwitch } from '../core/actions/killSwitch.ts';
import { connectAgentsInteractively } from './connectAgents.ts';

interface Deps {
  extensionPath: string;
  session: () => WorkspaceSession | undefined;
  log: vscode.LogOutputChannel;
  refresh: () => void;
  statusBar: GuardStatusBar;
}

type ReceiptArg = string | TimelineItem | undefined;

function receiptIdOf(arg: ReceiptArg): string | undefined {
  if (typeof arg === 'string') return arg;
  if (arg && typeof arg === 'object' && typeof arg.id === 'string') return arg.id;
  return undefined;
}

/** Every Belay command, one handler each. */
export class BelayCommands extends Disposable {
  private readonly deps: Deps;

  constructor(deps: Deps) {
    super();
    this.deps = deps;
    const handlers: Record<CommandId, (...args: never[]) => unknown> = {
      [Commands.refresh]: () => deps.refresh(),
      [Commands.rollback]: (arg: ReceiptArg) => this.rollback(arg),
      [Commands.restoreCheckpoint]: (id?: string) => this.restore(id),
      [Commands.createCheckpoint]: () => this.createCheckpoint(),
      [Commands.showDiff]: (arg: ReceiptArg) => this.showDiff(arg),
      [Commands.verifyReceipts]: () => this.verify(),
      [Commands.showLog]: () => deps.log.show(),
      [Commands.openTimeline]: () => vscode.commands.executeCommand(`${Views.timeline}.focus`),
      [Commands.toggleKillSwitch]: (on?: boolean) => this.toggleKillSwitch(on),
      [Commands.connectAgents]: () => connectAgentsInteractively(this.need().folder.uri.fsPath, deps.extensionPath, deps.log),
    };
    for (const [id, handler] of Object.entries(handlers)) {
      this.register(vscode.commands.registerCommand(id, (...args: never[]) => this.guarded(id, () => handler(...args))));
    }
  }

  private need(): WorkspaceSession {
    const s = this.deps.session();
    if (!s) throw new Error('Open a folder to let Belay guard it.');
    return s;
  }

  /** Errors reach the user as one message and the log with context. */
  private async guarded(id: string, run: () => unknown): Promise<unknown> {
    try {
      return await run();
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.deps.log.error(`${id}: ${message}`);
      void vscode.window.showErrorMessage(`Belay: ${message}`, 'Show Log').then((pick) => {
        if (pick) this.deps.log.show();
      });
      return undefined;
    }
  }

  private async pickReceipt(): Promise<string | undefined> {
    const page = await this.need().page();
    const picks = page.items
      .filter((i) => i.canRollback || i.canUndo)
      .map((i) => ({ label: `${i.tool} ${i.target}`, description: `${i.agent} · ${new Date(i.time).toLocaleString()}`, detail: i.changedPaths.join(', '), id: i.id }));
    if (picks.length === 0) {
      void vscode.window.showInformationMessage('Belay: there is no action to roll back.');
      return undefined;
    }
    return (await vscode.window.showQuickPick(picks, { title: 'Belay: Roll Back an Action', placeHolder: 'Pick the action to undo (later edits are kept)' }))?.id;
  }

  private async rollback(arg: ReceiptArg): Promise<unknown> {
    const id = receiptIdOf(arg) ?? (await this.pickReceipt());
    if (!id) return undefined;
    const result = await this.need().rollback(id);
    if (result.ok) void vscode.window.showInformationMessage(`Belay: ${result.message}`);
    else void vscode.window.showWarningMessage(`Belay: ${result.message}`);
    this.deps.refresh();
    return result;
  }

  private async restore(checkpointId?: string): Promise<unknown> {
    const session = this.need();
    let id = checkpointId;
    if (!id) {
      const store = await (await session.guard()).checkpoints();
      const list = await store.list({ limit: 100 });
      const pick = await vscode.window.showQuickPick(
        list.map((c) => ({
          label: c.name ?? c.id.slice(0, 12),
          description: `${c.kind} · ${new Date(c.createdAt).toLocaleString()}`,
          detail: c.changed.map((x) => x.path).join(', '),
          id: c.id,
        })),
        { title: 'Belay: Restore Checkpoint', placeHolder: 'The files are restored; the restore itself can be undone' },
      );
      id = pick?.id;
    }
    if (!id) return undefined;
    const result = await session.restore(id);
    if (result.ok) void vscode.window.showInformationMessage(`Belay: ${result.message}`);
    else void vscode.window.showWarningMessage(`Belay: ${result.message}`);
    this.deps.refresh();
    return result;
  }

  private async createCheckpoint(): Promise<unknown> {
    const name = await vscode.window.showInputBox({ title: 'Belay: Create Checkpoint', prompt: 'A name for this checkpoint (optional)' });
    if (name === undefined) return undefined;
    const store = await (await this.need().guard()).checkpoints();
    const cp = await store.create({ scope: 'full', name: name.trim() || undefined, kind: 'manual' });
    void vscode.window.showInformationMessage(`Belay: checkpoint ${cp.name ?? cp.id.slice(0, 12)} created (${cp.tookMs} ms).`);
    return cp.id;
  }

  private async showDiff(arg: ReceiptArg): Promise<unknown> {
    const id = receiptIdOf(arg);
    if (!id) return undefined;
    const text = await this.need().diff(id);
    if (text === undefined) {
      void vscode.window.showInformationMessage('Belay: this action has no recorded change.');
      return undefined;
    }
    const doc = await vscode.workspace.openTextDocument({ content: text, language: 'diff' });
    await vscode.window.showTextDocument(doc, { preview: true });
    return undefined;
  }

  /** Flips the switch every agent hook reads; recorded as a receipt when a folder is open. */
  private async toggleKillSwitch(on?: boolean): Promise<unknown> {
    const next = on ?? !this.deps.statusBar.killSwitch.on;
    const session = this.deps.session();
    if (session) (await session.guard()).setKillSwitch(next);
    else setKillSwitch(next, 'user');
    this.deps.statusBar.refreshKillSwitch();
    this.deps.refresh();
    void vscode.window.showInformationMessage(
      next ? 'Belay: kill switch ON — every agent is denied changes until you turn it off.' : 'Belay: kill switch off — agents are guarded by the policy again.',
    );
    return next;
  }

  private async verify(): Promise<unknown> {
    const guard = await this.need().guard();
    const report = guard.receipts.verify();
    if (report.ok) void vscode.window.showInformationMessage(`Belay: ${report.checked} receipts verified; the chain is intact.`);
    else
      void vscode.window.showErrorMessage(
        `Belay: receipt ${report.firstBad?.id ?? '?'} (#${report.firstBad?.seq ?? '?'}) fails verification: ${report.firstBad?.problem ?? 'unknown'}`,
      );
    return report;
  }
}
