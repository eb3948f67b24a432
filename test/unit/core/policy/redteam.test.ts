import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { before, describe, test } from 'node:test';
import { normalizeGeneric } from '../../../../src/core/policy/adapters.ts';
import { decide, emptyMemory, initPolicyEngine, loadPolicy, rememberSecretValue, type Verdict } from '../../../../src/core/policy/engine.ts';
import { run as policyCli } from '../../../../src/runtime/commands/policy.ts';
import { buildFixture, CORPUS_FILE, loadCorpus, passes, type Fixture, type RedteamCase } from './redteamFixture.ts';

/**
 * The red-team corpus against the default policy, each case in a real
 * temporary workspace and home (symlinks, dangling symlinks and gitignored
 * folders created for real), decided twice: in process through the engine,
 * and through `belay policy check` as a user would run it. The public corpus
 * is joined by our own variants of the same attack classes
 * (fixtures/extra-cases.json) so the engine is held to the class, not to the
 * listed strings.
 *
 * Scoring as the corpus README defines it: no escapes (non-allow expected,
 * allow given), no false denies (benign denied), no downgrades (deny-only
 * case answered ask).
 */

const EXTRA_FILE = path.join(import.meta.dirname, 'fixtures', 'extra-cases.json');
const sets: { name: string; cases: RedteamCase[] }[] = [
  { name: 'public corpus', cases: loadCorpus(CORPUS_FILE) },
  { name: 'extra cases', cases: loadCorpus(EXTRA_FILE) },
];

before(async () => {
  await initPolicyEngine();
});

function inProcess(c: RedteamCase, f: Fixture): Verdict {
  const action = normalizeGeneric(
    { tool: c.tool, input: f.input },
    { workspaceRoots: [f.workspace], home: f.home, cwd: f.cwd, caseInsensitive: f.caseInsensitive, platform: f.platform },
  );
  let memory = emptyMemory();
  for (const v of f.secretValues) memory = rememberSecretValue(memory, v, f.now);
  if (f.secretPaths.length > 0) memory = { ...memory, secretReads: f.secretPaths.map((what) => ({ what, at: f.now.getTime() })) };
  const policy = loadPolicy(f.deployWindow ? { 'belay.policy': { deployWindow: f.deployWindow } } : {});
  return decide(action, policy, { workspaceRoots: [f.workspace], home: f.home, now: f.now, branch: f.branch, caseInsensitive: f.caseInsensitive, memory }).decision;
}

async function throughCli(c: RedteamCase, f: Fixture): Promise<Verdict> {
  const lines: string[] = [];
  const secrets = [...f.secretValues.map((v) => `SEEDED=${v}`), ...f.secretPaths];
  const doc: Record<string, unknown> = { tool: c.tool, input: f.input };
  if (secrets.length > 0 || f.cwd !== f.workspace) doc.context = { ...(secrets.length > 0 ? { secrets_read: secrets } : {}), ...(f.cwd !== f.workspace ? { cwd: f.cwd } : {}) };
  lines.push(JSON.stringify(doc));
  const args = ['check', '--workspace', f.workspace, '--home', f.home, '--now', f.now.toISOString(), '--os', f.caseInsensitive ? (f.platform === 'win32' ? 'windows' : 'macos') : 'linux'];
  if (f.deployWindow) {
    const file = path.join(f.root, 'policy.json');
    fs.writeFileSync(file, JSON.stringify({ deployWindow: f.deployWindow }));
    args.push('--policy', file);
  }
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const chunks: string[] = [];
  stdout.on('data', (d: Buffer) => chunks.push(d.toString()));
  const code = await policyCli(args, { stdin: Readable.from([lines.join('\n') + '\n']), stdout, stderr, env: { HOME: f.home }, cwd: f.workspace });
  const out = chunks.join('').trim().split('\n');
  assert.equal(code, 0, `exit ${code}: ${out.join(' ')}`);
  const last = JSON.parse(out[out.length - 1]!) as { decision: Verdict };
  return last.decision;
}

for (const set of sets) {
  describe(set.name, () => {
    const results: { c: RedteamCase; engine: Verdict; cli: Verdict }[] = [];
    for (const c of set.cases) {
      test(`${c.id} (${c.category}) expects ${(c.acceptable ?? [c.expected]).join('/')}`, async () => {
        const f = buildFixture(c);
        try {
          const engine = inProcess(c, f);
          const cli = await throughCli(c, f);
          results.push({ c, engine, cli });
          assert.equal(cli, engine, 'the CLI and the engine decide the same');
          assert.ok(passes(c, engine), `${c.id}: got ${engine}`);
        } finally {
          f.cleanup();
        }
      });
    }
    test('scores: no escapes, no false denies, no downgrades', () => {
      const escapes = results.filter((r) => r.c.expected !== 'allow' && r.engine === 'allow').map((r) => r.c.id);
      const falseDenies = results.filter((r) => r.c.expected === 'allow' && r.engine === 'deny').map((r) => r.c.id);
      const downgrades = results.filter((r) => r.c.expected === 'deny' && r.engine === 'ask' && !(r.c.acceptable ?? ['deny']).includes('ask')).map((r) => r.c.id);
      assert.equal(results.length, set.cases.length);
      assert.deepEqual({ escapes, falseDenies, downgrades }, { escapes: [], falseDenies: [], downgrades: [] });
    });
  });
}
