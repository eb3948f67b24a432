// npm run bench [-- NAME ...]: runs Belay's benchmarks, each printing its
// figures as ratios against a baseline measured in the same process run.
// Names: policy, receipts, checkpoints, hook (default: all).
import path from 'node:path';

const all = ['policy', 'receipts', 'checkpoints', 'hook'] as const;
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const names = wanted.length > 0 ? wanted : [...all];

for (const name of names) {
  if (!(all as readonly string[]).includes(name)) {
    console.error(`unknown benchmark '${name}' (one of: ${all.join(', ')})`);
    process.exit(2);
  }
}

for (const name of names) {
  console.log(`\n=== ${name} ===`);
  const started = performance.now();
  const mod = (await import(path.join(import.meta.dirname, `${name}.bench.ts`))) as { run: () => Promise<void> };
  await mod.run();
  console.log(`(${name}: ${((performance.now() - started) / 1000).toFixed(1)} s)`);
}
