/**
 * The Timeline webview: lists receipts newest first and offers Rollback of
 * one action, Restore of the checkpoint before it, and Undo of a restore.
 * Talks to the extension only through src/shared/protocol.ts.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import '@vscode-elements/elements/dist/vscode-icon/index.js';
import '@vscode-elements/elements/dist/vscode-progress-ring/index.js';
import type {
  ExtensionToWebview,
  RequestMap,
  RequestMethod,
  TimelineItem,
  TimelinePage,
  WebviewToExtension,
} from '../src/shared/protocol.ts';

interface VsCodeApi {
  postMessage(message: WebviewToExtension): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

interface UiState {
  expanded: string[];
}

const vscode = acquireVsCodeApi();
const saved = vscode.getState() as UiState | undefined;
const expanded = new Set<string>(saved?.expanded ?? []);
let items: TimelineItem[] = [];
let hasMore = false;
let nextCursor: string | undefined;
let nextId = 1;
const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

function request<M extends RequestMethod>(method: M, params: RequestMap[M]['params']): Promise<RequestMap[M]['result']> {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
    vscode.postMessage({ type: 'request', id, method, params } as WebviewToExtension);
  });
}

window.addEventListener('message', (event: MessageEvent<ExtensionToWebview>) => {
  const msg = event.data;
  if (msg.type === 'response') {
    const p = pending.get(msg.id);
    if (!p) return;
    pending.delete(msg.id);
    if (msg.ok) p.resolve(msg.result);
    else p.reject(new Error(msg.error));
  } else if (msg.type === 'notification') {
    if (msg.method === 'timeline/changed') void reload();
    else if (msg.method === 'timeline/status') setStatus(msg.params.message, !msg.params.guarded);
  }
});

const root = document.getElementById('root')!;
const statusEl = document.getElementById('status')!;
const listEl = document.createElement('ol');
listEl.className = 'timeline';
listEl.setAttribute('aria-label', 'Belay timeline');
const moreButton = document.createElement('vscode-button');
moreButton.textContent = 'Load older';
moreButton.setAttribute('secondary', '');
moreButton.addEventListener('click', () => void loadMore());
const emptyEl = document.createElement('p');
emptyEl.className = 'empty';
emptyEl.textContent = 'No guarded actions yet. When an agent edits a file or runs a command, Belay records it here.';
root.append(listEl, emptyEl, moreButton);

function setStatus(text: string, warn = false): void {
  statusEl.textContent = text;
  statusEl.classList.toggle('warn', warn);
}

const decisionIcon: Record<string, string> = { allow: 'pass', ask: 'question', deny: 'circle-slash' };

function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function button(label: string, icon: string, onClick: () => Promise<void>, secondary = false): HTMLElement {
  const b = document.createElement('vscode-button');
  b.setAttribute('icon', icon);
  if (secondary) b.setAttribute('secondary', '');
  b.textContent = label;
  b.addEventListener('click', () => {
    b.setAttribute('disabled', '');
    onClick().finally(() => b.removeAttribute('disabled'));
  });
  return b;
}

async function act(run: () => Promise<{ ok: boolean; message: string }>): Promise<void> {
  try {
    const result = await run();
    setStatus(result.message, !result.ok);
  } catch (err) {
    setStatus(err instanceof Error ? err.message : String(err), true);
  }
  await reload();
}

function render(): void {
  listEl.replaceChildren();
  for (const item of items) {
    const li = el('li', `entry decision-${item.decision} outcome-${item.outcome}`);
    li.dataset.receiptId = item.id;
    const head = el('div', 'head');
    const icon = document.createElement('vscode-icon');
    icon.setAttribute('name', item.kind === 'rollback' || item.kind === 'restore' ? 'discard' : (decisionIcon[item.decision] ?? 'circle'));
    icon.setAttribute('label', item.decision);
    head.append(icon);
    head.append(el('span', 'tool', item.tool));
    head.append(el('span', 'target', item.target));
    const badge = document.createElement('vscode-badge');
    badge.textContent = item.outcome === 'done' || item.outcome === 'pending' ? item.decision : item.outcome.replace('_', ' ');
    badge.className = 'badge';
    head.append(badge);
    li.append(head);

    const meta = el('div', 'meta');
    meta.append(el('span', 'time', new Date(item.time).toLocaleTimeString()), el('span', 'agent', item.agent), el('span', 'id', item.id));
    li.append(meta);
    li.append(el('div', 'reason', `${item.rule}: ${item.reason}`));
    if (expanded.has(item.id) && item.changedPaths.length > 0) {
      const ul = el('ul', 'paths');
      for (const p of item.changedPaths) ul.append(el('li', undefined, p));
      li.append(ul);
    }

    const actions = el('div', 'actions');
    if (item.canRollback) {
      actions.append(button('Rollback', 'discard', () => act(() => request('timeline/rollback', { receiptId: item.id }))));
    }
    if (item.canUndo) {
      actions.append(button('Undo', 'redo', () => act(() => request('timeline/rollback', { receiptId: item.id })), true));
    }
    if (item.checkpointBefore && item.kind === 'action' && item.decision !== 'deny') {
      const cp = item.checkpointBefore;
      actions.append(button('Restore checkpoint', 'history', () => act(() => request('timeline/restore', { checkpointId: cp })), true));
    }
    if (item.changedPaths.length > 0) {
      actions.append(
        button(
          expanded.has(item.id) ? 'Hide files' : `Files (${item.changedPaths.length})`,
          'files',
          async () => {
            if (expanded.has(item.id)) expanded.delete(item.id);
            else expanded.add(item.id);
            vscode.setState({ expanded: [...expanded] } satisfies UiState);
            render();
          },
          true,
        ),
      );
      actions.append(button('Diff', 'diff', () => act(() => request('timeline/openDiff', { receiptId: item.id })), true));
    }
    if (actions.childElementCount > 0) li.append(actions);
    listEl.append(li);
  }
  emptyEl.hidden = items.length > 0;
  moreButton.hidden = !hasMore;
}

async function reload(): Promise<void> {
  const page: TimelinePage = await request('timeline/load', {});
  items = page.items;
  hasMore = page.hasMore;
  nextCursor = page.nextCursor;
  render();
}

async function loadMore(): Promise<void> {
  if (!nextCursor) return;
  const page = await request('timeline/load', { cursor: nextCursor });
  items = items.concat(page.items);
  hasMore = page.hasMore;
  nextCursor = page.nextCursor;
  render();
}

vscode.postMessage({ type: 'ready' });
void reload().catch((err: unknown) => setStatus(err instanceof Error ? err.message : String(err), true));
