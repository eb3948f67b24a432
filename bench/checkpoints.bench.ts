/**
 * Checkpoint benchmark: Belay's checkpoint engine against a baseline that
 * does what Cline's shadow-repository checkpoints do (a separate git dir with
 * the workspace as work tree; `git add . --ignore-errors` then
 * `git commit --allow-empty --no-verify`; undo = `git reset --hard`), side by
 * side in the same run on the same synthetic git workspace.
 *
 *   node bench/checkpoints.bench.ts            10k and 30k files
 *   BELAY_BENCH_FULL=1 node bench/...          10k, 30k and 100k files
 *   BELAY_BENCH_SIZES=5000 node bench/...      chosen sizes
 *
 * Everything lives in a temporary folder that is removed afterwards.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { CheckpointStore } from '../src/core/checkpoints/store.ts';
import { isolatedGitEnv, seededRandom } from '../test/support/repro.ts';

interface Row {
  label: string;
  belay: number | undefined;
  baseline: number | undefined;
  unit: 'ms' | 'MiB';
  target?: { ratio?: number; absolute?: number; note: string };
  /** the individual measurements, when the figure is a median worth showing them for */
  samples?: string;
}

const GIT_ENV = isolatedGitEnv({ name: 'bench', email: 'bench@localhost' });

function git(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): string {
  const r = spawnSync('git', args, { cwd: opts.cwd, env: { ...GIT_ENV, ...opts.env }, encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** Source-like files: mostly small, some medium, a few large; ~25 files per folder, 4 levels deep. */
export function buildWorkspace(dir: string, files: number): void {
  fs.mkdirSync(dir, { recursive: true });
  const rand = seededRandom(files);
  for (let i = 0; i < files; i++) {
    const rel = path.join(`pkg${Math.floor(i / 2500)}`, `mod${Math.floor(i / 250) % 10}`, `sub${Math.floor(i / 25) % 10}`, `file${i}.ts`);
    const r = rand();
    const size = r < 0.7 ? 200 + Math.floor(rand() * 3800) : r < 0.95 ? 4000 + Math.floor(rand() * 16000) : r < 0.997 ? 20000 + Math.floor(rand() * 40000) : 100000 + Math.floor(rand() * 300000);
    const line = `export const value${i}_${Math.floor(rand() * 1e9).toString(36)} = ${Math.floor(rand() * 1e9)};\n`;
    fs.mkdirSync(path.join(dir, path.dirname(rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), line.repeat(Math.ceil(size / line.length)).slice(0, size));
  }
  fs.writeFileSync(path.join(dir, '.gitignore'), 'node_modules/\n*.log\n');
  git(['init', '-q'], { cwd: dir });
  git(['add', '-A'], { cwd: dir });
  git(['commit', '-q', '-m', 'workspace'], { cwd: dir });
}

function filesOf(files: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < files; i++) out.push(`pkg${Math.floor(i / 2500)}/mod${Math.floor(i / 250) % 10}/sub${Math.floor(i / 25) % 10}/file${i}.ts`);
  return out;
}

/** The Cline-style shadow repository. */
class Baseline {
  readonly gitDir: string;
  readonly workspace: string;
  constructor(gitDir: string, workspace: string) {
    this.gitDir = gitDir;
    this.workspace = workspace;
    fs.mkdirSync(gitDir, { recursive: true });
    git(['init', '-q'], { cwd: gitDir });
    const dotGit = path.join(gitDir, '.git');
    for (const [k, v] of [
      ['core.worktree', workspace],
      ['commit.gpgSign', 'false'],
      ['user.name', 'Checkpoint'],
      ['user.email', 'checkpoint@localhost'],
    ] as const) {
      git(['config', k, v], { env: { GIT_DIR: dotGit } });
    }
  }
  private env(): NodeJS.ProcessEnv {
    return { GIT_DIR: path.join(this.gitDir, '.git'), GIT_WORK_TREE: this.workspace };
  }
  checkpoint(): string {
    git(['add', '.', '--ignore-errors'], { cwd: this.workspace, env: this.env() });
    git(['commit', '-q', '--allow-empty', '--no-verify', '-m', 'checkpoint'], { cwd: this.workspace, env: this.env() });
    return git(['rev-parse', 'HEAD'], { cwd: this.workspace, env: this.env() }).trim();
  }
  reset(commit: string): void {
    git(['reset', '-q', '--hard', commit], { cwd: this.workspace, env: this.env() });
  }
}

async function time<T>(fn: () => Promise<T> | T): Promise<[number, T]> {
  const t = performance.now();
  const v = await fn();
  return [performance.now() - t, v];
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function touch(workspace: string, rel: string, tag: string): void {
  fs.appendFileSync(path.join(workspace, rel), `// ${tag}\n`);
}

/** Peak memory (MiB) of a command and its children, through GNU time when present. */
function peakMiB(cmd: string[], env: NodeJS.ProcessEnv): number | undefined {
  if (!fs.existsSync('/usr/bin/time')) return undefined;
  const r = spawnSync('/usr/bin/time', ['-f', '%M', ...cmd], { env, encoding: 'utf8', maxBuffer: 1 << 28 });
  const kb = Number(r.stderr.trim().split('\n').pop());
  return Number.isFinite(kb) && kb > 0 ? kb / 1024 : undefined;
}

const PROBE = '--memory-probe';

/** In a child process: what Belay does for a session's first checkpoints, for the memory figure. */
async function memoryProbe(workspace: string, storeDir: string): Promise<void> {
  const store = await CheckpointStore.open({ workspace, storeDir });
  await store.create({ scope: 'full', kind: 'manual' });
  touch(workspace, filesOf(1)[0]!, 'probe');
  await store.create({ scope: 'full', kind: 'auto' });
  await store.create({ scope: 'paths', paths: [filesOf(1)[0]!], kind: 'auto' });
  await store.close();
}

async function benchSize(root: string, files: number, log: (s: string) => void): Promise<Row[]> {
  const ws = path.join(root, `ws-${files}`);
  const t0 = performance.now();
  buildWorkspace(ws, files);
  log(`  built a ${files}-file git workspace in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const list = filesOf(files);
  const rows: Row[] = [];

  // First checkpoint.
  const baseline = new Baseline(path.join(root, `baseline-${files}`), ws);
  const [baseCold] = await time(() => baseline.checkpoint());
  const storeDir = path.join(root, `belay-${files}`);
  const [belayFirst, store] = await time(async () => {
    const s = await CheckpointStore.open({ workspace: ws, storeDir });
    await s.create({ scope: 'full', kind: 'manual', name: 'first' });
    return s;
  });
  rows.push({ label: 'first checkpoint (git-tracked workspace)', belay: belayFirst, baseline: baseCold, unit: 'ms', target: { ratio: 0.3, note: '≤ 0.3× baseline cold' } });

  // Warm-up: both sides have seen the workspace once more.
  baseline.checkpoint();
  await store.create({ scope: 'full', kind: 'auto' });

  // Checkpoint after a one-file edit.
  const reps = 7;
  const baseWarm: number[] = [];
  const known: number[] = [];
  const full: number[] = [];
  for (let i = 0; i < reps; i++) {
    const f = list[(i * 7919) % files]!;
    touch(ws, f, `edit ${i} a`);
    baseWarm.push((await time(() => baseline.checkpoint()))[0]);
    touch(ws, f, `edit ${i} b`);
    known.push((await time(() => store.create({ scope: 'paths', paths: [f], kind: 'post' })))[0]);
    touch(ws, f, `edit ${i} c`);
    full.push((await time(() => store.create({ scope: 'full', kind: 'post' })))[0]);
  }
  const warm = median(baseWarm);
  rows.push({ label: 'checkpoint after 1-file edit, path known', belay: median(known), baseline: warm, unit: 'ms', target: { ratio: 0.1, note: '≤ 0.1× baseline warm' } });
  rows.push({ label: 'checkpoint after 1-file edit, full scan', belay: median(full), baseline: warm, unit: 'ms', target: { ratio: 1, note: '≤ 1× baseline warm' } });

  // Restore of 1,000 changed files: the median of three rounds (one is at the
  // mercy of whatever else the disk is doing), each side restoring fresh edits.
  const n = Math.min(1000, files);
  const restores: number[] = [];
  const resets: number[] = [];
  for (let round = 0; round < 3; round++) {
    const baseBefore = baseline.checkpoint();
    const belayBefore = await store.create({ scope: 'full', kind: 'manual', name: 'before 1000 edits' });
    for (let i = 0; i < n; i++) touch(ws, list[(i * 31 + round) % files]!, 'bulk edit');
    baseline.checkpoint();
    await store.create({ scope: 'full', kind: 'post' });
    const [ms, restored] = await time(() => store.restore(belayBefore.id));
    if (restored.restored.length < n) throw new Error(`restore changed ${restored.restored.length} files, expected ${n}`);
    restores.push(ms);
    for (let i = 0; i < n; i++) touch(ws, list[(i * 31 + round) % files]!, 'bulk edit');
    baseline.checkpoint();
    resets.push((await time(() => baseline.reset(baseBefore)))[0]);
  }
  rows.push({
    label: `restore of ${n.toLocaleString('en')} changed files`,
    belay: median(restores),
    baseline: median(resets),
    unit: 'ms',
    target: { absolute: 1000, note: '≤ 1 s' },
    samples: `median of ${restores.map((r) => fmt(r, 'ms')).join(', ')} (baseline ${resets.map((r) => fmt(r, 'ms')).join(', ')})`,
  });

  // Single-action rollback (known paths: pre, edit, post, rollback).
  const rb: number[] = [];
  const baseRb: number[] = [];
  for (let i = 0; i < 5; i++) {
    const f = list[(i * 104729 + 17) % files]!;
    const pre = await store.create({ scope: 'paths', paths: [f], kind: 'pre' });
    const baseAt = baseline.checkpoint();
    touch(ws, f, `agent ${i}`);
    const post = await store.create({ scope: 'paths', paths: [f], kind: 'post', receiptId: `bench-${i}` });
    baseline.checkpoint();
    const [ms, r] = await time(() => store.rollback({ before: pre.id, after: post.id }));
    if (!r.ok) throw new Error(`rollback failed: ${r.message}`);
    rb.push(ms);
    touch(ws, f, `agent ${i} again`);
    baseline.checkpoint();
    baseRb.push((await time(() => baseline.reset(baseAt)))[0]);
  }
  rows.push({ label: 'single-action rollback', belay: median(rb), baseline: median(baseRb), unit: 'ms', target: { absolute: 100, note: '≤ 100 ms' } });
  await store.close();

  // Peak memory, each side in its own process (children included).
  const memWs = path.join(root, `ws-mem-${files}`);
  fs.renameSync(ws, memWs);
  const belayMem = peakMiB([process.execPath, import.meta.filename, PROBE, memWs, path.join(root, `belay-mem-${files}`)], process.env);
  const memBase = path.join(root, `baseline-mem-${files}`);
  new Baseline(memBase, memWs);
  const env = { ...GIT_ENV, GIT_DIR: path.join(memBase, '.git'), GIT_WORK_TREE: memWs };
  const baseMem = peakMiB(['sh', '-c', 'cd "$GIT_WORK_TREE" && git add . --ignore-errors && git commit -q --allow-empty --no-verify -m c'], env);
  rows.push({ label: 'peak memory (first checkpoints)', belay: belayMem, baseline: baseMem, unit: 'MiB' });
  const engineUrl = pathToFileURL(path.join(import.meta.dirname, '..', 'src', 'core', 'checkpoints', 'store.ts')).href;
  const nodeAlone = peakMiB([process.execPath, '-e', `await import(${JSON.stringify(engineUrl)})`], process.env);
  rows.push({ label: '  of which Node with the engine loaded, idle', belay: nodeAlone, baseline: undefined, unit: 'MiB' });
  fs.rmSync(memWs, { recursive: true, force: true });
  return rows;
}

function fmt(v: number | undefined, unit: string): string {
  if (v === undefined) return 'n/a';
  return unit === 'ms' ? (v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v.toFixed(1)} ms`) : `${v.toFixed(0)} MiB`;
}

function verdict(r: Row): string {
  if (!r.target || r.belay === undefined) return '';
  if (r.target.absolute !== undefined) return `${r.belay <= r.target.absolute ? 'ok' : 'MISSED'} (${r.target.note})`;
  if (r.target.ratio !== undefined && r.baseline !== undefined) return `${r.belay <= r.baseline * r.target.ratio ? 'ok' : 'MISSED'} (${r.target.note})`;
  return '';
}

export async function run(opts: { sizes?: number[]; log?: (s: string) => void } = {}): Promise<void> {
  const log = opts.log ?? ((s: string) => process.stdout.write(s + '\n'));
  const fromEnv = process.env.BELAY_BENCH_SIZES?.split(',').map(Number).filter((n) => n > 0);
  const sizes = opts.sizes ?? (fromEnv && fromEnv.length > 0 ? fromEnv : process.env.BELAY_BENCH_FULL === '1' ? [10_000, 30_000, 100_000] : [10_000, 30_000]);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'belay-bench-checkpoints-'));
  log(`checkpoint benchmark: Belay vs a Cline-style shadow repository (git add . && git commit), git ${git(['--version']).trim().replace('git version ', '')}, ${os.availableParallelism()} CPUs`);
  const all = new Map<number, Row[]>();
  try {
    for (const files of sizes) {
      log(`\n${files.toLocaleString('en')} files`);
      const rows = await benchSize(root, files, log);
      all.set(files, rows);
      const w = Math.max(...rows.map((r) => r.label.length));
      log(`  ${'operation'.padEnd(w)}  ${'Belay'.padStart(10)}  ${'baseline'.padStart(10)}  ${'ratio'.padStart(7)}  target`);
      for (const r of rows) {
        const ratio = r.belay !== undefined && r.baseline !== undefined && r.baseline > 0 ? `${(r.belay / r.baseline).toFixed(3)}×` : '';
        log(`  ${r.label.padEnd(w)}  ${fmt(r.belay, r.unit).padStart(10)}  ${fmt(r.baseline, r.unit).padStart(10)}  ${ratio.padStart(7)}  ${verdict(r)}`);
        if (r.samples) log(`  ${''.padEnd(w)}  ${r.samples}`);
      }
      fs.rmSync(path.join(root, `baseline-${files}`), { recursive: true, force: true });
      fs.rmSync(path.join(root, `belay-${files}`), { recursive: true, force: true });
    }
    if (sizes.length > 1) {
      log('\nknown-path checkpoint as the workspace grows (flat is the target):');
      for (const [files, rows] of all) {
        const r = rows.find((x) => x.label.includes('path known'))!;
        log(`  ${files.toLocaleString('en').padStart(8)} files  Belay ${fmt(r.belay, 'ms').padStart(9)}   baseline warm ${fmt(r.baseline, 'ms').padStart(9)}`);
      }
    }
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === import.meta.filename) {
  if (process.argv[2] === PROBE) await memoryProbe(process.argv[3]!, process.argv[4]!);
  else await run();
}
