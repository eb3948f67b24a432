// Test-only extension: when code-server is started with
// BELAY_INTEGRATION_RESULTS=<file>, runs the bundled integration suite in
// this extension host and writes the results there as JSON (see
// test/integration/run.ts). Without the variable it does nothing.
import fs from 'node:fs';
import * as vscode from 'vscode';
import { runSuite, type SuiteFile, type TestResult } from '../framework.ts';

export interface ResultsFile {
  vscodeVersion: string;
  nodeVersion: string;
  startedAt: string;
  finishedAt: string;
  results: TestResult[];
}

function writeAtomically(file: string, text: string): void {
  fs.writeFileSync(`${file}.tmp`, text);
  fs.renameSync(`${file}.tmp`, file);
}

/** Called by the bundle's generated entry with the suite's files. */
export function activateRunner(files: readonly SuiteFile[]): void {
  const out = process.env.BELAY_INTEGRATION_RESULTS;
  if (!out) return;
  const progress = `${out}.progress`;
  const startedAt = new Date().toISOString();
  void (async () => {
    let results: TestResult[];
    try {
      results = await runSuite(files, (e) => {
        const line = e.type === 'start' ? `start ${e.file} > ${e.name}` : `${e.result.status} ${e.result.file} > ${e.result.name} (${e.result.durationMs} ms)`;
        fs.appendFileSync(progress, `${line}\n`);
      });
    } catch (error) {
      results = [{ file: '(runner)', name: '(running the suite)', status: 'fail', durationMs: 0, error: String((error as Error)?.stack ?? error) }];
    }
    const report: ResultsFile = { vscodeVersion: vscode.version, nodeVersion: process.version, startedAt, finishedAt: new Date().toISOString(), results };
    writeAtomically(out, JSON.stringify(report, null, 2));
  })();
}
