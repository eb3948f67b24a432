import * as vscode from 'vscode';
import type { TimelineItem } from '../../shared/protocol.ts';
import { Disposable } from '../disposable.ts';
import { Commands, ContextValues, Views } from '../ids.ts';
import type { WorkspaceSession } from '../workspaceSession.ts';

const icons: Record<string, vscode.ThemeIcon> = {
  allow: new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed')),
  ask: new vscode.ThemeIcon('question', new vscode.ThemeColor('list.warningForeground')),
  deny: new vscode.ThemeIcon('circle-slash', new vscode.ThemeColor('errorForeground')),
  undo: new vscode.ThemeIcon('discard'),
};

/** The "Guarded Actions" tree: receipts newest first, an icon by decision. */
export class ActionsTree extends Disposable implements vscode.TreeDataProvider<TimelineItem> {
  private readonly emitter = this.register(new vscode.EventEmitter<TimelineItem | undefined>());
  readonly onDidChangeTreeData = this.emitter.event;
  private readonly session: () => WorkspaceSession | undefined;
  private readonly log: vscode.LogOutputChannel;
  readonly view: vscode.TreeView<TimelineItem>;

  constructor(session: () => WorkspaceSession | undefined, log: vscode.LogOutputChannel) {
    super();
    this.session = session;
    this.log = log;
    this.view = this.register(vscode.window.createTreeView(Views.actions, { treeDataProvider: this, showCollapseAll: false }));
  }

  refresh(): void {
    this.emitter.fire(undefined);
  }

  async getChildren(element?: TimelineItem): Promise<TimelineItem[]> {
    if (element) return [];
    const session = this.session();
    if (!session) {
      this.view.message = 'Open a folder to let Belay guard it.';
      return [];
    }
    try {
      const page = await session.page();
      this.view.message = undefined;
      return page.items;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.view.message = `Belay could not read its receipts: ${message}`;
      this.log.error(`tree: ${message}`);
      return [];
    }
  }

  getTreeItem(item: TimelineItem): vscode.TreeItem {
    const own = item.kind === 'rollback' || item.kind === 'restore';
    const t = new vscode.TreeItem(`${item.tool} ${item.target}`.trim(), vscode.TreeItemCollapsibleState.None);
    t.id = item.id;
    t.iconPath = own ? icons.undo : (icons[item.decision] ?? icons.allow);
    const when = new Date(item.time).toLocaleTimeString();
    const outcome = item.outcome === 'done' || item.outcome === 'pending' ? item.decision : item.outcome.replace('_', ' ');
    t.description = `${outcome} · ${item.agent} · ${when}`;
    const md = new vscode.MarkdownString(undefined, true);
    md.appendMarkdown(`**${item.tool}** — ${item.decision} (${item.outcome})\n\n`);
    md.appendText(`${item.rule}: ${item.reason}\n`);
    if (item.changedPaths.length) md.appendMarkdown(`\n\nChanged: ${item.changedPaths.map((p) => '`' + p + '`').join(', ')}`);
    md.appendMarkdown(`\n\nReceipt \`${item.id}\``);
    t.tooltip = md;
    t.contextValue = item.canRollback || item.canUndo ? ContextValues.receiptUndoable : ContextValues.receipt;
    if (item.changedPaths.length > 0) {
      t.command = { command: Commands.showDiff, title: 'Show Diff', arguments: [item.id] };
    }
    t.accessibilityInformation = { label: `${item.tool} ${item.target}, ${item.decision}, ${item.outcome}` };
    return t;
  }
}
