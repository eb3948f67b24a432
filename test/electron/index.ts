// extensionTestsPath module for @vscode/test-electron: runs the integration
// suite (test/integration/suite) in a desktop VS Code's extension host.
// Bundled by test/integration/build.ts; run.ts starts it.
import { runSuite, type SuiteFile, type TestResult } from '../integration/framework.ts';

function line(r: TestResult): string {
  const mark = r.status === 'pass' ? '✔' : r.status === 'skip' ? '﹣' : '✖';
  const detail = r.status === 'fail' && r.error ? `\n${r.error.replace(/^/gm, '    ')}` : '';
  return `${mark} ${r.file} > ${r.name} (${r.durationMs}ms)${detail}`;
}

export async function runInElectron(files: readonly SuiteFile[]): Promise<void> {
  const results = await runSuite(files, (e) => {
    if (e.type === 'result') console.log(line(e.result));
  });
  const passed = results.filter((r) => r.status === 'pass').length;
  const failed = results.filter((r) => r.status === 'fail').length;
  console.log(`${passed} passed, ${failed} failed`);
  if (failed > 0) throw new Error(`${failed} integration test(s) failed`);
  if (results.length === 0) throw new Error('the integration suite registered no tests');
}
