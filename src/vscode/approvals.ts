import * as vscode from 'vscode';
import { startApprovalServer } from '../core/approvals/server.ts';
import { displayText, type ApprovalAnswer, type ApprovalRequest } from '../core/approvals/protocol.ts';
import { Disposable } from './disposable.ts';

/**
 * Answers `ask` decisions for agents that cannot ask on their own: the hook
 * reaches this window over the approval channel (a per-user socket with a
 * token), and a person sees the action, the rule and the command or content
 * with Approve / Deny / Always allow. No answer in time is a deny.
 */
export class ApprovalPrompts extends Disposable {
  private readonly log: vscode.LogOutputChannel;

  constructor(log: vscode.LogOutputChannel) {
    super();
    this.log = log;
  }

  async start(): Promise<void> {
    const server = await startApprovalServer({
      workspaces: () => (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath),
      onRequest: (req, signal) => this.ask(req, signal),
      onEvent: (e) => this.log.debug(`approvals: ${JSON.stringify(e)}`),
    });
    this.log.info(`approval channel ready (${server.endpointFile})`);
    this.register(vscode.workspace.onDidChangeWorkspaceFolders(() => server.refreshEndpointFile()));
    this.register({ dispose: () => void server.close() });
  }

  private async ask(req: ApprovalRequest, signal: AbortSignal): Promise<ApprovalAnswer> {
    const detail = [
      `Agent: ${displayText(req.agent)} — tool ${displayText(req.tool)}`,
      `Rule: ${displayText(req.rule)} — ${displayText(req.reason)}`,
      req.detail ? `\n${displayText(req.detail).slice(0, 4000)}` : '',
      `\nNo answer within ${Math.round(req.timeoutMs / 1000)} s means deny.`,
    ].join('\n');
    const choice = vscode.window.showWarningMessage(
      `Belay: allow ${displayText(req.summary).slice(0, 200)}?`,
      { modal: true, detail },
      'Approve',
      'Always allow',
      'Deny',
    );
    const aborted = new Promise<undefined>((resolve) => {
      if (signal.aborted) resolve(undefined);
      signal.addEventListener('abort', () => resolve(undefined), { once: true });
    });
    const picked = await Promise.race([choice, aborted]);
    this.log.info(`approval for ${req.tool} (${req.rule}): ${picked ?? 'no answer'}`);
    if (picked === 'Approve') return { answer: 'approve', by: 'user' };
    if (picked === 'Always allow') return { answer: 'always', by: 'user' };
    return { answer: 'deny', by: 'user', reason: picked === 'Deny' ? 'denied by the user' : 'no answer' };
  }
}
