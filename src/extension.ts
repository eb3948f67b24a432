import * as vscode from 'vscode';
import { BelayCommands } from './vscode/commands.ts';
import { ActionsTree } from './vscode/views/actionsTree.ts';
import { TimelineView } from './vscode/views/timelineView.ts';
import { WorkspaceSession } from './vscode/workspaceSession.ts';
import { publishHookRuntime } from './vscode/hookRuntime.ts';
import { GuardStatusBar } from './vscode/statusBar.ts';
import { UnguardedWatcher } from './vscode/unguardedWatcher.ts';
import { ApprovalPrompts } from './vscode/approvals.ts';
import { repairConnectedAgents } from './vscode/connectAgents.ts';

/** What other extensions and the integration tests may use. */
export interface BelayApi {
  workspaceSession(): WorkspaceSession | undefined;
}

/**
 * Composition root: builds the services and wires the views and commands.
 * Nothing heavy happens here; the stores open on first use.
 */
export function activate(context: vscode.ExtensionContext): BelayApi {
  const log = vscode.window.createOutputChannel('Belay', { log: true });
  context.subscriptions.push(log);
  try {
    log.info(`agent hooks run the Belay CLI with ${process.execPath} (recorded in ${publishHookRuntime()})`);
  } catch (err) {
    log.error(`could not record the runtime for agent hooks: ${err instanceof Error ? err.message : String(err)}`);
  }

  const folder = vscode.workspace.workspaceFolders?.[0];
  if (folder) repairConnectedAgents(folder.uri.fsPath, context.extensionPath, log);

  const statusBar = new GuardStatusBar();
  let session: WorkspaceSession | undefined;
  const current = (): WorkspaceSession | undefined => {
    const folder = vscode.workspace.workspaceFolders?.[0];
    if (!folder) return undefined;
    if (!session || session.folder.uri.toString() !== folder.uri.toString()) {
      session?.dispose();
      session = new WorkspaceSession(folder, log);
      const s = session;
      s.adopt(
        s.onDidChange((reason) => {
          tree.refresh();
          timeline.changed(reason);
        }),
      );
      const watcher = s.adopt(new UnguardedWatcher(s, log));
      s.adopt(watcher.onDidRecord((n) => statusBar.setHealth({ unguarded: n })));
    }
    return session;
  };

  const checkPolicy = async (): Promise<void> => {
    const guard = await current()?.guard();
    if (!guard) return;
    const policy = guard.policy();
    const first = policy.errors[0];
    const policyError = first ? `${first.path}: ${first.message}` : undefined;
    statusBar.setHealth({ policyOk: policy.ok, policyError });
    if (!policy.ok) {
      log.error(`the Belay policy is invalid, so mutating agent actions are denied: ${policyError ?? ''}`);
      void vscode.window.showErrorMessage(`Belay: the policy is invalid (${policyError ?? ''}); agents may not change anything until it is fixed.`, 'Open Settings').then((pick) => {
        if (pick) void vscode.commands.executeCommand('workbench.action.openWorkspaceSettingsFile');
      });
    }
  };
  const tree = new ActionsTree(current, log);
  const timeline = new TimelineView(context.extensionUri, current, log);
  const refresh = (): void => {
    tree.refresh();
    timeline.changed('refresh');
  };
  const commands = new BelayCommands({ extensionPath: context.extensionPath, session: current, log, refresh, statusBar });
  context.subscriptions.push(statusBar, tree, timeline, commands, { dispose: () => session?.dispose() });
  context.subscriptions.push(
    vscode.workspace.onDidChangeWorkspaceFolders(() => refresh()),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('belay')) {
        refresh();
        void checkPolicy().catch(() => undefined);
      }
    }),
  );
  // Open the stores early in the background so the views fill at once and a
  // missing native binary is reported now, not at the first rollback.
  void current()
    ?.guard()
    .then(() => checkPolicy())
    .catch((err: unknown) => {
      const message = err instanceof Error ? err.message : String(err);
      void vscode.window.showErrorMessage(`Belay cannot guard this workspace: ${message}`, 'Show Log').then((pick) => {
        if (pick) log.show();
      });
    });
  const approvals = new ApprovalPrompts(log);
  context.subscriptions.push(approvals);
  void approvals.start().catch((err: unknown) => log.error(`approval channel not available: ${err instanceof Error ? err.message : String(err)}`));
  log.info(`Belay ${String(context.extension.packageJSON.version)} active (${process.version}, VS Code ${vscode.version})`);
  return { workspaceSession: current };
}

export function deactivate(): void {
  // Disposables registered on the context are released by VS Code.
}
