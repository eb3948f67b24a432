// Hook latency: the whole `belay hook claude` process for typical PreToolUse
// calls (a read, an edit with its checkpoint, a shell command), against
// `node -e 0` — the cost of starting the runtime at all — measured in the
// same run, alternating, on the bundled CLI (dist/belay.js): first as shipped
// (the hook hands its call to the warm hook server the first call started),
// then with BELAY_HOOK_SERVER=off (every hook decides in-process, the path
// taken when no server can run).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const cli = path.join(root, 'dist', 'belay.js');

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}
function p90(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length * 0.9)]!;
}

function time(args: string[], input: string, env: NodeJS.ProcessEnv): number {
  const t = performance.now();
  const r = spawnSync(process.execPath, args, { input, env, encoding: 'utf8' });
  const ms = performance.now() - t;
  if (r.status !== 0 && r.status !== 2) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}

export async function run(): Promise<void> {
  if (!fs.existsSync(cli)) throw new Error('dist/belay.js is missing: run npm run build first');
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'belay-bench-hook-'));
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'belay-bench-home-'));
  spawnSync('git', ['init', '-q', '-b', 'main'], { cwd: ws });
  fs.mkdirSync(path.join(ws, 'src'));
  for (let i = 0; i < 200; i++) fs.writeFileSync(path.join(ws, 'src', `f${i}.ts`), `export const v${i} = ${i};\n`);
  spawnSync('git', ['-c', 'user.name=b', '-c', 'user.email=b@b', 'commit', '-qam', 'init', '--allow-empty'], { cwd: ws });
  spawnSync('git', ['add', '-A'], { cwd: ws });
  spawnSync('git', ['-c', 'user.name=b', '-c', 'user.email=b@b', 'commit', '-qm', 'files'], { cwd: ws });
  // as agents run hooks: no NODE_COMPILE_CACHE (the launcher turns the cache on for the full CLI itself)
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, BELAY_HOME: path.join(home, '.belay') };
  delete env.NODE_COMPILE_CACHE;
  // Every call has its own tool_use_id: a PreToolUse whose id names a pending
  // receipt is the second hook of one call (VS Code also runs Claude Code's
  // hooks), answered from that receipt without a checkpoint, so a shared id
  // would time that shortcut instead of the call.
  let calls = 0;
  const doc = (tool: string, input: Record<string, unknown>, _i: number) =>
    JSON.stringify({ session_id: 'bench', cwd: ws, hook_event_name: 'PreToolUse', tool_name: tool, tool_input: input, tool_use_id: `toolu_bench_${++calls}` });
  const cases: Array<{ name: string; input: (i: number) => string }> = [
    { name: 'Read (no checkpoint)', input: (i) => doc('Read', { file_path: path.join(ws, 'src', `f${i % 200}.ts`) }, i) },
    { name: 'Edit (checkpoint of 1 file)', input: (i) => doc('Edit', { file_path: path.join(ws, 'src', `f${i % 200}.ts`), old_string: 'export', new_string: 'export' }, i) },
    { name: 'Bash (parse + full scan)', input: (i) => doc('Bash', { command: `npm test -- --grep "case ${i}" && git status` }, i) },
  ];
  // 25 rounds: on a shared 2-core machine fewer left the median at the mercy of a few slow starts
  const rounds = Number(process.env.BELAY_BENCH_ROUNDS ?? 25);
  // The first hook starts the warm server; wait until it answers.
  time([cli, 'hook', 'claude'], cases[0]!.input(0), env);
  const endpointFile = path.join(env.BELAY_HOME!, 'run', 'hooks.json');
  for (let i = 0; i < 100 && !fs.existsSync(endpointFile); i++) await new Promise((r) => setTimeout(r, 100));
  if (!fs.existsSync(endpointFile)) throw new Error('the hook server did not start');
  const modes: Array<{ title: string; env: NodeJS.ProcessEnv }> = [
    { title: 'as shipped: warm hook server (started by the first hook)', env },
    { title: 'in-process (BELAY_HOOK_SERVER=off): no server', env: { ...env, BELAY_HOOK_SERVER: 'off' } },
  ];
  // A hook server serves an agent's whole session: measured in its steady
  // state, after it has answered a few dozen calls of each kind (its code
  // compiled and optimised by then), not on its first calls. A one-shot
  // in-process hook has no state to warm beyond the disk cache.
  const warmup = Number(process.env.BELAY_BENCH_HOOK_WARMUP ?? 20);
  for (const mode of modes) {
    const warm = mode.env.BELAY_HOOK_SERVER === 'off' ? 1 : warmup;
    for (let k = 0; k < warm; k++) for (const c of cases) time([cli, 'hook', 'claude'], c.input(10_000 + k), mode.env);
    console.log(`\nhook latency, ${mode.title}; ${warm} warm-up call(s) per case, then ${rounds} rounds each, alternating with the baseline (node -e 0):`);
    console.log('case'.padEnd(30) + 'baseline p50'.padStart(14) + 'belay p50'.padStart(12) + 'belay p90'.padStart(12) + 'ratio p50'.padStart(12));
    for (const c of cases) {
      const base: number[] = [];
      const belay: number[] = [];
      for (let i = 1; i <= rounds; i++) {
        base.push(time(['-e', '0'], '', mode.env));
        belay.push(time([cli, 'hook', 'claude'], c.input(i), mode.env));
      }
      const ratio = median(belay) / median(base);
      console.log(
        c.name.padEnd(30) +
          `${median(base).toFixed(1)} ms`.padStart(14) +
          `${median(belay).toFixed(1)} ms`.padStart(12) +
          `${p90(belay).toFixed(1)} ms`.padStart(12) +
          `${ratio.toFixed(2)}x`.padStart(12),
      );
    }
  }
  console.log('target: ratio <= 1.25x for a typical PreToolUse (as shipped)');
  spawnSync(process.execPath, [cli, 'serve', 'stop'], { env, encoding: 'utf8' });
  fs.rmSync(ws, { recursive: true, force: true });
  fs.rmSync(home, { recursive: true, force: true });
}
