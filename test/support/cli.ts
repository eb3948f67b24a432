import { spawnSync } from 'node:child_process';
import path from 'node:path';

export const repoRoot = path.resolve(import.meta.dirname, '..', '..');

/** Runs the `belay` CLI from sources, or the built bundle when BELAY_CLI_BUNDLE=1. */
export function belay(args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv; cwd?: string } = {}) {
  const entry = process.env.BELAY_CLI_BUNDLE === '1' ? path.join(repoRoot, 'dist', 'belay.js') : path.join(repoRoot, 'src', 'runtime', 'main.ts');
  const r = spawnSync(process.execPath, [entry, ...args], {
    input: opts.input ?? '',
    env: opts.env ?? process.env,
    cwd: opts.cwd ?? repoRoot,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
