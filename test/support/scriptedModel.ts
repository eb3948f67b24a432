// The scripted chat model of test/e2e/scriptedModel for end-to-end tests of
// VS Code's real agent mode: builds its VSIX, writes the script it plays and
// reads back what each model request received.
import fs from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { packageVsix, testResultsDir } from './codeServer.ts';
import { callIdFor, type RecordedPart, type RecordedRequest, type Script, type Step } from '../e2e/scriptedModel/script.ts';

export type { RecordedPart, RecordedRequest, Script, Step };
export { callIdFor };

const source = path.resolve(import.meta.dirname, '..', 'e2e', 'scriptedModel');

/** Extension id of the scripted model (publisher.name). */
export const scriptedModelId = 'belay-dev.belay-scripted-model';
/** What the model picker shows for it. */
export const scriptedModelName = 'Belay Scripted Model';

/** Bundles test/e2e/scriptedModel with esbuild into `outDir` and packages it; returns the VSIX. */
export async function buildScriptedModelVsix(outDir = path.join(testResultsDir, 'scripted-model')): Promise<string> {
  const folder = path.join(outDir, 'extension');
  fs.rmSync(folder, { recursive: true, force: true });
  fs.mkdirSync(folder, { recursive: true });
  const manifest = JSON.parse(fs.readFileSync(path.join(source, 'package.json'), 'utf8')) as Record<string, unknown>;
  // The source folder is an ES module for the type checker; the bundle is CommonJS.
  delete manifest.type;
  fs.writeFileSync(path.join(folder, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  fs.writeFileSync(path.join(folder, 'README.md'), '# Belay scripted model\n\nTest-only extension; see test/e2e/scriptedModel in the Belay repository.\n');
  await build({
    entryPoints: [path.join(source, 'extension.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node22',
    external: ['vscode'],
    outfile: path.join(folder, 'dist', 'extension.js'),
    logLevel: 'warning',
  });
  return packageVsix({ folder, out: path.join(outDir, 'belay-scripted-model.vsix') });
}

/** Files the model reads its script from and records its requests to (pass `env` to launchVsCode). */
export class ScriptedModelFiles {
  readonly scriptFile: string;
  readonly logFile: string;
  private readonly scripts: Script[] = [];

  constructor(dir: string) {
    fs.mkdirSync(dir, { recursive: true });
    this.scriptFile = path.join(dir, 'script.json');
    this.logFile = path.join(dir, 'requests.jsonl');
    this.write();
  }

  get env(): Record<string, string> {
    return { BELAY_SCRIPTED_MODEL_SCRIPT: this.scriptFile, BELAY_SCRIPTED_MODEL_LOG: this.logFile };
  }

  /** Adds a script played when a prompt contains `match` (the model reads the file on every request). */
  add(match: string, steps: Step[]): void {
    this.scripts.push({ match, steps });
    this.write();
  }

  /** The requests the model has answered so far (activation record left out). */
  requests(): RecordedRequest[] {
    let text = '';
    try {
      text = fs.readFileSync(this.logFile, 'utf8');
    } catch {
      return [];
    }
    return text
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as RecordedRequest)
      .filter((r) => r.seq > 0);
  }

  /** Whether the model has activated and resolved itself (its first record). */
  activated(): boolean {
    try {
      return fs.readFileSync(this.logFile, 'utf8').includes('"answer":{"text":"activated"}');
    } catch {
      return false;
    }
  }

  /** The request the model answered with step `step` of script `match` (its first, if asked twice). */
  request(match: string, step: number): RecordedRequest | undefined {
    return this.requests().find((r) => r.script === match && r.step === step);
  }

  /**
   * What the agent told the model after step `step` of script `match` (the
   * tool result's text), once a later request carries it.
   */
  toolResult(match: string, step: number): string | undefined {
    const callId = callIdFor(match, step);
    for (const r of this.requests()) {
      for (const m of r.messages) for (const p of m.parts) if (p.kind === 'toolResult' && p.callId === callId) return p.text ?? '';
    }
    return undefined;
  }

  private write(): void {
    const tmp = `${this.scriptFile}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify({ scripts: this.scripts }, null, 2));
    fs.renameSync(tmp, this.scriptFile);
  }
}
