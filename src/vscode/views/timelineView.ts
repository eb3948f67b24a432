import * as vscode from 'vscode';
import crypto from 'node:crypto';
import {
  parseWebviewMessage,
  type ActionResult,
  type ExtensionToWebview,
  type NotificationMap,
  type NotificationMethod,
  type RequestMap,
  type RequestMethod,
} from '../../shared/protocol.ts';
import { Disposable } from '../disposable.ts';
import { Commands, Views } from '../ids.ts';
import type { WorkspaceSession } from '../workspaceSession.ts';

type Handlers = { [M in RequestMethod]: (params: RequestMap[M]['params']) => Promise<RequestMap[M]['result']> };

/** The "Timeline" webview view: receipts with Rollback / Restore / Undo buttons. */
export class TimelineView extends Disposable implements vscode.WebviewViewProvider {
  private view: vscode.WebviewView | undefined;
  private ready = false;
  private readonly extensionUri: vscode.Uri;
  private readonly session: () => WorkspaceSession | undefined;
  private readonly log: vscode.LogOutputChannel;
  private readonly handlers: Handlers;

  constructor(extensionUri: vscode.Uri, session: () => WorkspaceSession | undefined, log: vscode.LogOutputChannel) {
    super();
    this.extensionUri = extensionUri;
    this.session = session;
    this.log = log;
    this.register(vscode.window.registerWebviewViewProvider(Views.timeline, this));
    const need = (): WorkspaceSession => {
      const s = this.session();
      if (!s) throw new Error('Open a folder to let Belay guard it.');
      return s;
    };
    this.handlers = {
      'timeline/load': (p) => need().page(p.cursor),
      'timeline/rollback': (p) => need().rollback(p.receiptId),
      'timeline/restore': (p) => need().restore(p.checkpointId),
      'timeline/openDiff': async (p): Promise<ActionResult> => {
        await vscode.commands.executeCommand(Commands.showDiff, p.receiptId);
        return { ok: true, message: '' };
      },
    };
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    this.ready = false;
    const dist = vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview');
    view.webview.options = { enableScripts: true, localResourceRoots: [dist] };
    view.webview.html = this.html(view.webview, dist);
    const sub = view.webview.onDidReceiveMessage((raw: unknown) => void this.onMessage(raw));
    const gone = view.onDidDispose(() => {
      sub.dispose();
      gone.dispose();
      if (this.view === view) this.view = undefined;
    });
  }

  /** Tells the webview to reload (receipts changed). */
  changed(reason: string): void {
    this.notify('timeline/changed', { reason });
  }

  notify<M extends NotificationMethod>(method: M, params: NotificationMap[M]): void {
    if (!this.view || !this.ready) return;
    void this.view.webview.postMessage({ type: 'notification', method, params } as ExtensionToWebview);
  }

  private async onMessage(raw: unknown): Promise<void> {
    let msg;
    try {
      msg = parseWebviewMessage(raw);
    } catch (err) {
      this.log.warn(`timeline: ignored a malformed message: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
      return;
    }
    if (msg.type === 'ready') {
      this.ready = true;
      return;
    }
    const post = (m: ExtensionToWebview): void => void this.view?.webview.postMessage(m);
    try {
      const handler = this.handlers[msg.method] as (p: unknown) => Promise<unknown>;
      const result = await handler(msg.params);
      post({ type: 'response', id: msg.id, ok: true, result });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.log.error(`timeline ${msg.method}: ${message}`);
      post({ type: 'response', id: msg.id, ok: false, error: message });
    }
  }

  private html(webview: vscode.Webview, dist: vscode.Uri): string {
    const nonce = crypto.randomBytes(16).toString('base64');
    const asset = (name: string): string => webview.asWebviewUri(vscode.Uri.joinPath(dist, name)).toString();
    const csp = [
      "default-src 'none'",
      `style-src ${webview.cspSource} 'unsafe-inline'`,
      `font-src ${webview.cspSource}`,
      `script-src 'nonce-${nonce}'`,
    ].join('; ');
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${asset('codicon.css')}" id="vscode-codicon-stylesheet">
<link rel="stylesheet" href="${asset('timeline.css')}">
<title>Belay Timeline</title>
</head>
<body>
<div id="status" role="status" aria-live="polite"></div>
<main id="root"></main>
<script type="module" nonce="${nonce}" src="${asset('main.js')}"></script>
</body>
</html>`;
  }
}
