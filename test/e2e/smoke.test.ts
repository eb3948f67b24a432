// Smoke test of the real-VS-Code harness: Belay's VSIX installs into a fresh
// code-server, the workbench loads in Chromium, the Belay view container
// opens with its two views and the extension activates in the extension host.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { belayVsix, findInWebview, launchVsCode, makeWorkspace, openView, screenshot, waitForExthostLog, withFailureArtifacts } from '../support/codeServer.ts';

test('Belay installs from its VSIX and its view container opens in a real VS Code', { timeout: 180_000 }, async (t) => {
  const workspace = makeWorkspace({ 'README.md': '# smoke\n', 'src/app.ts': 'export const answer = 42;\n' }, { git: true });
  const belayHome = fs.mkdtempSync(path.join(os.tmpdir(), 'belay-home-'));
  t.after(() => {
    fs.rmSync(workspace, { recursive: true, force: true });
    fs.rmSync(belayHome, { recursive: true, force: true });
  });

  const vsc = await launchVsCode({ workspace, vsix: [belayVsix()], env: { BELAY_HOME: belayHome } });
  t.after(() => vsc.close());

  await withFailureArtifacts('e2e-smoke', vsc, async () => {
    const tree = await openView(vsc.page, 'Belay', 'Guarded Actions');
    await openView(vsc.page, 'Belay', 'Timeline');
    const activated = await waitForExthostLog(vsc.server, /_doActivateExtension belay-dev\.belay\b.*/, 30_000);
    assert.match(activated, /belay-dev\.belay/);
    // Activated and rendered: the tree has its provider, the webview its document.
    await tree.getByText('There is no data provider registered').waitFor({ state: 'detached', timeout: 15_000 });
    await findInWebview(vsc.page, 'body', { extensionId: 'belay-dev.belay' }).waitFor({ state: 'attached', timeout: 15_000 });
    const shot = await screenshot(vsc.page, 'e2e-smoke-belay-view');
    assert.ok(fs.statSync(shot).size > 10_000, 'the screenshot has content');
  });
});
