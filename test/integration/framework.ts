// The test API of the integration suite (test/integration/suite/*.test.ts).
// Those files run inside a real VS Code extension host — code-server's here
// (runner/extension.ts), a desktop VS Code's under @vscode/test-electron
// (test/electron/index.ts) — where node:test cannot report, so they register
// their tests here and a runner reports them as JSON:
//
//   import { test } from '../framework.ts';
//   test('does a thing', async () => { ... }, { timeout: 20_000 });
//
// Files run one after another in name order, tests in declaration order.
// `before`/`after` hooks apply to the tests of the file that declares them.

export type TestFn = () => void | Promise<void>;

export interface TestOptions {
  /** Milliseconds before the test fails as timed out (default 30 s). */
  timeout?: number;
  /** Skip the test; a string says why. */
  skip?: boolean | string;
}

export interface TestResult {
  file: string;
  name: string;
  status: 'pass' | 'fail' | 'skip';
  durationMs: number;
  error?: string;
}

export interface SuiteFile {
  /** File name, e.g. 'environment.test.ts'. */
  name: string;
  /** Imports the file, which registers its tests. */
  load: () => Promise<unknown>;
}

interface Registered {
  name: string;
  fn: TestFn;
  options: TestOptions;
}

interface FileTests {
  tests: Registered[];
  before: TestFn[];
  after: TestFn[];
}

// Test files call test() at module top level, as with node:test or mocha, so
// the file being loaded is collected here while its import runs.
let collecting: FileTests | undefined;

function current(what: string): FileTests {
  if (!collecting) throw new Error(`${what}() must be called at the top level of a test/integration/suite file`);
  return collecting;
}

export function test(name: string, fn: TestFn, options: TestOptions = {}): void {
  current('test').tests.push({ name, fn, options });
}

export function before(fn: TestFn): void {
  current('before').before.push(fn);
}

export function after(fn: TestFn): void {
  current('after').after.push(fn);
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.stack ?? `${error.name}: ${error.message}`;
  return String(error);
}

async function withTimeout(fn: TestFn, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      Promise.resolve().then(fn),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Loads and runs the files; `onEvent` hears each test start and result (for
 * progress output). Never throws: a file that fails to load or a failing hook
 * shows up as failed results.
 */
export async function runSuite(
  files: readonly SuiteFile[],
  onEvent: (event: { type: 'start'; file: string; name: string } | { type: 'result'; result: TestResult }) => void = () => undefined,
): Promise<TestResult[]> {
  const results: TestResult[] = [];
  const report = (result: TestResult): void => {
    results.push(result);
    onEvent({ type: 'result', result });
  };
  for (const file of [...files].sort((a, b) => a.name.localeCompare(b.name))) {
    const collected: FileTests = { tests: [], before: [], after: [] };
    collecting = collected;
    try {
      await file.load();
    } catch (error) {
      report({ file: file.name, name: '(loading the file)', status: 'fail', durationMs: 0, error: describe(error) });
      continue;
    } finally {
      collecting = undefined;
    }
    let hookError: string | undefined;
    for (const hook of collected.before) {
      try {
        await withTimeout(hook, 60_000);
      } catch (error) {
        hookError = `before hook failed: ${describe(error)}`;
        break;
      }
    }
    for (const t of collected.tests) {
      if (t.options.skip) {
        report({ file: file.name, name: t.name, status: 'skip', durationMs: 0, error: typeof t.options.skip === 'string' ? t.options.skip : undefined });
        continue;
      }
      if (hookError) {
        report({ file: file.name, name: t.name, status: 'fail', durationMs: 0, error: hookError });
        continue;
      }
      onEvent({ type: 'start', file: file.name, name: t.name });
      const started = performance.now();
      try {
        await withTimeout(t.fn, t.options.timeout ?? 30_000);
        report({ file: file.name, name: t.name, status: 'pass', durationMs: Math.round(performance.now() - started) });
      } catch (error) {
        report({ file: file.name, name: t.name, status: 'fail', durationMs: Math.round(performance.now() - started), error: describe(error) });
      }
    }
    for (const hook of collected.after) {
      try {
        await withTimeout(hook, 60_000);
      } catch (error) {
        report({ file: file.name, name: '(after hook)', status: 'fail', durationMs: 0, error: describe(error) });
      }
    }
  }
  return results;
}
