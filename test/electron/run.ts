// npm run test:electron: the integration suite (test/integration/suite) in a
// desktop VS Code downloaded by @vscode/test-electron, with Belay loaded from
// this repository (npm run build first). Needs internet for the download and,
// on Linux without a display, `xvfb-run -a npm run test:electron`. Where
// VS Code cannot be downloaded, use npm run test:integration (code-server).
// Environment: BELAY_VSCODE_VERSION ('stable' by default, or e.g. '1.139.1').
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { downloadAndUnzipVSCode, runTests } from '@vscode/test-electron';
import { buildElectronIndex } from '../integration/build.ts';
import { makeWorkspace, repoRoot } from '../support/codeServer.ts';

function fail(message: string): never {
  console.error(`test:electron: ${message}`);
  process.exit(1);
}

async function main(): Promise<number> {
  const version = process.env.BELAY_VSCODE_VERSION ?? 'stable';
  const cachePath = path.join(process.env.BELAY_TOOLS ?? path.join(os.homedir(), '.cache', 'belay-dev'), 'vscode-test');
  let vscodeExecutablePath: string;
  try {
    vscodeExecutablePath = await downloadAndUnzipVSCode({ version, cachePath, timeout: 30_000 });
  } catch (error) {
    const reason = ((error as Error)?.message ?? String(error)).split('\n')[0];
    fail(`cannot download desktop VS Code ${version} (${reason}); without internet run npm run test:integration instead (code-server)`);
  }
  if (!fs.existsSync(path.join(repoRoot, 'dist', 'extension.js'))) fail('dist/extension.js is missing: run npm run build first');
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    console.error('test:electron: no display; if VS Code fails to start, run it as: xvfb-run -a npm run test:electron');
  }
  const extensionTestsPath = await buildElectronIndex();
  const workspace = makeWorkspace({ 'README.md': '# integration workspace\n', 'src/app.ts': 'export const answer = 42;\n' }, { git: true });
  const belayHome = fs.mkdtempSync(path.join(os.tmpdir(), 'belay-home-'));
  try {
    return await runTests({
      vscodeExecutablePath,
      extensionDevelopmentPath: repoRoot,
      extensionTestsPath,
      extensionTestsEnv: { BELAY_REPO_ROOT: repoRoot, BELAY_HOME: belayHome },
      launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust', '--skip-welcome', '--skip-release-notes'],
    });
  } catch (error) {
    console.error(`test:electron: ${(error as Error)?.message ?? String(error)}`);
    return 1;
  } finally {
    fs.rmSync(workspace, { recursive: true, force: true });
    fs.rmSync(belayHome, { recursive: true, force: true });
  }
}

process.exit(await main());
