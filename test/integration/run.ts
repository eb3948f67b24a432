// Runs the integration suite inside a real VS Code extension host: installs
// Belay's VSIX and the runner extension into a fresh code-server, opens the
// workbench in Chromium (the extension host starts only when a browser
// connects), waits for the runner's results file and reports like node:test.
// Usage: node test/integration/run.ts   (scripts/test-integration.sh sets up
// the tools and builds the VSIX first). Environment:
//   BELAY_VSIX                  Belay's VSIX (default dist/belay.vsix)
//   BELAY_INTEGRATION_TIMEOUT   seconds to wait for the results (default 180)
//   BELAY_KEEP_TEMP=1           keep the temp folders
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestResult } from './framework.ts';
import type { ResultsFile } from './runner/extension.ts';
import { buildRunnerVsix } from './build.ts';
import {
  belayVsix,
  collectExthostLog,
  installVsix,
  makeWorkspace,
  openWorkbench,
  repoRoot,
  screenshot,
  startCodeServer,
  type CodeServer,
  type Workbench,
} from '../support/codeServer.ts';

const timeoutMs = Number(process.env.BELAY_INTEGRATION_TIMEOUT ?? 180) * 1000;
const began = performance.now();
const elapsed = (): string => `${((performance.now() - began) / 1000).toFixed(1)} s`;
const log = (msg: string): void => console.error(`[integration] ${msg} (${elapsed()})`);

function printResult(r: TestResult): void {
  const mark = r.status === 'pass' ? '✔' : r.status === 'skip' ? '﹣' : '✖';
  const skip = r.status === 'skip' ? ` # SKIP${r.error ? ` ${r.error}` : ''}` : '';
  console.log(`${mark} ${r.file} > ${r.name} (${r.durationMs}ms)${skip}`);
  if (r.status === 'fail' && r.error) console.log(r.error.replace(/^/gm, '    '));
}

async function waitForResults(file: string, server: CodeServer): Promise<ResultsFile | undefined> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, 'utf8')) as ResultsFile;
    try {
      process.kill(server.pid, 0);
    } catch {
      console.log(`✖ code-server exited:\n${server.output().slice(-3000)}`);
      break;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return undefined;
}

async function main(): Promise<number> {
  const vsix = belayVsix();
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'belay-integration-')));
  const userDataDir = path.join(root, 'user-data');
  const extensionsDir = path.join(root, 'extensions');
  const resultsFile = path.join(root, 'results.json');
  const workspace = makeWorkspace({ 'README.md': '# integration workspace\n', 'src/app.ts': 'export const answer = 42;\n' }, { git: true });
  const belayHome = path.join(root, 'belay-home');
  fs.mkdirSync(belayHome);

  let server: CodeServer | undefined;
  let workbench: Workbench | undefined;
  let failed = true;
  try {
    const runner = await buildRunnerVsix(path.join(root, 'runner-build'));
    log('runner built');
    await installVsix({ vsix: [vsix, runner], userDataDir, extensionsDir });
    log(`installed ${vsix.startsWith(repoRoot + path.sep) ? path.relative(repoRoot, vsix) : vsix} and the runner`);
    server = await startCodeServer({
      workspace,
      userDataDir,
      extensionsDir,
      env: { BELAY_INTEGRATION_RESULTS: resultsFile, BELAY_REPO_ROOT: repoRoot, BELAY_HOME: belayHome },
    });
    log(`code-server answers at ${server.url}`);
    workbench = await openWorkbench({ url: server.url, workspace, profileDir: path.join(root, 'profile') });
    log('workbench loaded; waiting for the suite');
    const report = await waitForResults(resultsFile, server);
    if (!report) {
      console.log(`✖ no results within ${timeoutMs / 1000} s`);
      const progress = `${resultsFile}.progress`;
      if (fs.existsSync(progress)) console.log(`progress:\n${fs.readFileSync(progress, 'utf8')}`);
      console.log(`screenshot: ${await screenshot(workbench.page, 'integration-timeout')}`);
      console.log(collectExthostLog(server, 120));
      console.log('0 passed, 1 failed');
      return 1;
    }
    console.log(`# VS Code ${report.vscodeVersion}, extension host Node ${report.nodeVersion}`);
    for (const r of report.results) printResult(r);
    const passed = report.results.filter((r) => r.status === 'pass').length;
    const fails = report.results.filter((r) => r.status === 'fail').length;
    const skipped = report.results.filter((r) => r.status === 'skip').length;
    if (fails > 0) {
      console.log(`screenshot: ${await screenshot(workbench.page, 'integration-failure')}`);
      console.log(collectExthostLog(server, 80));
    }
    if (report.results.length === 0) console.log('✖ the suite registered no tests');
    console.log(`${passed} passed, ${fails} failed${skipped ? `, ${skipped} skipped` : ''} (${elapsed()})`);
    failed = fails > 0 || report.results.length === 0;
    return failed ? 1 : 0;
  } finally {
    await workbench?.close().catch(() => undefined);
    await server?.stop();
    if (failed || process.env.BELAY_KEEP_TEMP === '1') {
      log(`kept ${root} and ${workspace}`);
    } else {
      fs.rmSync(root, { recursive: true, force: true });
      fs.rmSync(workspace, { recursive: true, force: true });
    }
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`[integration] ${(error as Error)?.message ?? String(error)}`);
    console.log('0 passed, 1 failed');
    process.exit(1);
  },
);
