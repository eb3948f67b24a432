// Smoke test of the real-VS-Code harness and of Belay's VSIX: it installs
// into a fresh code-server, the workbench loads in Chromium, the Belay view
// container opens with both views rendered, the extension activates in the
// extension host, and it reports no error (no error notification, no error
// line in its log) on an ordinary git workspace.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import {
  belayVsix,
  errorNotifications,
  findInWebview,
  launchVsCode,
  makeWorkspace,
  openView,
  screenshot,
  waitForExthostLog,
  withFailureArtifacts,
} from '../support/codeServer.ts';

test('Belay installs from its VSIX and its view container opens in a real VS Code', { timeout: 180_000 }, async (t) => {
  const workspace = makeWorkspace({ 'README.md': '# smoke\n', 'src/app.ts': 'export const answer = 42;\n' }, { git: true });
  t.after(() => fs.rmSync(workspace, { recursive: true, force: true }));

  const vsc = await launchVsCode({ workspace, vsix: [belayVsix()] });
  t.after(() => vsc.close());
  t.diagnostic(`launch timings: ${JSON.stringify(vsc.timings)}`);

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

    assert.deepEqual(await errorNotifications(vsc.page), [], 'no error notification');
    const errors = vsc.server.extensionLog('belay-dev.belay').split('\n').filter((l) => /\[error\]/.test(l));
    assert.deepEqual(errors, [], "no error in Belay's log");
  });
});
