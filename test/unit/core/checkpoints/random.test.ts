import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { CheckpointStore } from '../../../../src/core/checkpoints/store.ts';
import { seededRandom } from '../../../support/repro.ts';
import { fingerprint, git, makeUserRepo, openStore, rm } from './helpers.ts';

/**
 * Seeded random interleaving of user edits, agent actions (known-path and
 * shell), rollbacks, restores and undos, checking after every step that no
 * user edit is lost unless the user asked for that exact revert.
 *
 * Every line a user or an agent writes carries a unique token (U12, A7), so
 * "an edit survived" is "its token is still in the file".
 *
 *   BELAY_RANDOM_SEED=7 BELAY_RANDOM_STEPS=5000 node --test test/unit/core/checkpoints/random.test.ts
 */

const SEED = Number(process.env.BELAY_RANDOM_SEED ?? 20240601);
const STEPS = Number(process.env.BELAY_RANDOM_STEPS ?? 2000);

type Snap = Map<string, string>;

interface ModelCheckpoint {
  id: string;
  scope: 'paths' | 'full';
  observed?: Set<string>;
  /** file -> content, as the workspace was when the checkpoint was taken */
  files: Snap;
}

interface Action {
  pre: string;
  post: string;
  paths: string[];
  tokens: string[];
  undone: boolean;
}

function readAll(ws: string): Snap {
  const out: Snap = new Map();
  for (const name of fs.readdirSync(ws)) {
    if (name === '.git' || name === '.gitignore') continue;
    out.set(name, fs.readFileSync(path.join(ws, name), 'utf8'));
  }
  return out;
}

function tokensIn(text: string | undefined, prefix: 'U' | 'A'): string[] {
  return text ? (text.match(new RegExp(`\\b${prefix}\\d+\\b`, 'g')) ?? []) : [];
}

/**
 * Runs the scenario; with `reuse`, agent actions' "before" checkpoints are
 * taken as the hook takes them (reuseUnchanged: the newest checkpoint when
 * it would record the same thing).
 */
const scenario = (reuse: boolean) => async () => {
  const rand = seededRandom(SEED);
  const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const ws = makeUserRepo();
  for (const f of fs.readdirSync(ws)) if (f !== '.git' && f !== '.gitignore') fs.rmSync(path.join(ws, f), { recursive: true });
  for (let i = 0; i < 8; i++) fs.writeFileSync(path.join(ws, `f${i}.txt`), Array.from({ length: 12 }, (_, j) => `f${i} line ${j}`).join('\n') + '\n');
  const gitBefore = fingerprint(path.join(ws, '.git'));
  const { store, storeDir } = await openStore(ws);
  const checkpoints: ModelCheckpoint[] = [];
  const actions: Action[] = [];
  /** user token -> step it was written */
  const userTokenStep = new Map<string, number>();
  const checkpointStep = new Map<string, number>();
  let counter = 0;
  let step = 0;
  const counts = { user: 0, action: 0, shell: 0, rollbackOk: 0, rollbackConflict: 0, restore: 0, undo: 0, reused: 0 };

  const record = async (id: string, files: Snap): Promise<void> => {
    const c = (await store.get(id))!;
    if (process.env.BELAY_RANDOM_TRACE === '1') process.stderr.write(`  checkpoint ${id.slice(0, 8)} ${c.kind} ${c.scope} ${c.observed ?? ''} changed=${JSON.stringify(c.changed.map((x) => x.status[0] + ' ' + x.path))}\n`);
    checkpoints.push({ id, scope: c.scope, observed: c.observed ? new Set(c.observed) : undefined, files });
    checkpointStep.set(id, step);
  };
  const take = async (s: CheckpointStore, req: Parameters<CheckpointStore['create']>[0]): Promise<string> => {
    const c = await s.create(req);
    if (checkpointStep.has(c.id)) counts.reused++;
    await record(c.id, readAll(ws));
    return c.id;
  };
  const files = (): string[] => [...readAll(ws).keys()];
  const editLine = (text: string, token: string): string => {
    const ls = text.split('\n').slice(0, -1);
    if (ls.length === 0) return `${token}\n`;
    ls[Math.floor(rand() * ls.length)] = token;
    if (rand() < 0.2) ls.splice(Math.floor(rand() * ls.length), 0, `${token} inserted`);
    return ls.join('\n') + '\n';
  };
  /** one random change to a file; returns the token written (if any) */
  const mutate = (who: 'U' | 'A', name?: string): { file: string; token?: string } => {
    const existing = files();
    const r = rand();
    const token = `${who}${++counter}`;
    if (r < 0.12 || existing.length < 3) {
      const file = name ?? `n${counter}.txt`;
      fs.writeFileSync(path.join(ws, file), `${token} new file\n${token} second line\n`);
      return { file, token };
    }
    const file = name ?? pick(existing);
    if (r < 0.2 && fs.existsSync(path.join(ws, file))) {
      fs.rmSync(path.join(ws, file));
      return { file };
    }
    const old = fs.existsSync(path.join(ws, file)) ? fs.readFileSync(path.join(ws, file), 'utf8') : '';
    fs.writeFileSync(path.join(ws, file), editLine(old, token));
    return { file, token };
  };

  try {
    await take(store, { scope: 'full', name: 'session start' });
    const trace = process.env.BELAY_RANDOM_TRACE === '1';
    for (step = 1; step <= STEPS; step++) {
      const r = rand();
      if (trace) process.stderr.write(`step ${step} r=${r.toFixed(2)} files=${JSON.stringify(Object.fromEntries(readAll(ws)))}\n`);
      if (r < 0.3) {
        // a user edit, never checkpointed
        const m = mutate('U');
        if (m.token) userTokenStep.set(m.token, step);
        counts.user++;
      } else if (r < 0.55) {
        // an agent action on known paths
        const targets = [...new Set([pick(files()), ...(rand() < 0.3 ? [pick(files())] : []), ...(rand() < 0.1 ? [`n${counter + 1}.txt`] : [])])];
        const pre = await take(store, { scope: 'paths', paths: targets, kind: 'pre', reuseUnchanged: reuse });
        const tokens: string[] = [];
        for (const t of targets) {
          const m = mutate('A', t);
          if (m.token) tokens.push(m.token);
        }
        const post = await take(store, { scope: 'paths', paths: targets, kind: 'post', receiptId: `a${step}` });
        actions.push({ pre, post, paths: targets, tokens, undone: false });
        counts.action++;
      } else if (r < 0.65) {
        // a shell command: unknown paths, full checkpoints around it
        const pre = await take(store, { scope: 'full', kind: 'pre', reuseUnchanged: reuse });
        const tokens: string[] = [];
        const touched: string[] = [];
        for (let k = 0; k < 1 + Math.floor(rand() * 3); k++) {
          const m = mutate('A');
          touched.push(m.file);
          if (m.token) tokens.push(m.token);
        }
        const post = await take(store, { scope: 'full', kind: 'post', receiptId: `s${step}` });
        actions.push({ pre, post, paths: touched, tokens, undone: false });
        counts.shell++;
      } else if (r < 0.85) {
        // roll back one earlier action
        const open = actions.filter((a) => !a.undone);
        if (open.length === 0) continue;
        const a = pick(open.slice(-12));
        const before = readAll(ws);
        const result = await store.rollback({ before: a.pre, after: a.post });
        const after = readAll(ws);
        if (!result.ok) {
          assert.equal(result.code, 'conflict', `step ${step}: ${result.message}`);
          assert.deepEqual(after, before, `step ${step}: a refused rollback changed files`);
          counts.rollbackConflict++;
          continue;
        }
        counts.rollbackOk++;
        a.undone = true;
        await record(result.safetyCheckpoint, before);
        await record(result.restoreId, after);
        const changedFiles = new Set(result.changed.map((c) => c.path));
        for (const f of new Set([...before.keys(), ...after.keys()])) {
          if (!changedFiles.has(f)) assert.equal(after.get(f), before.get(f), `step ${step}: rollback touched ${f}, which it did not report`);
          // no user edit present before the rollback is lost
          for (const t of tokensIn(before.get(f), 'U')) assert.ok(tokensIn(after.get(f), 'U').includes(t), `step ${step}: rollback lost user edit ${t} in ${f}`);
        }
        for (const t of a.tokens) for (const [f, text] of after) assert.ok(!tokensIn(text, 'A').includes(t), `step ${step}: ${t} of the rolled-back action is still in ${f}`);
        if (rand() < 0.25) {
          const undone = await store.undoRestore(result.restoreId);
          assert.deepEqual(readAll(ws), before, `step ${step}: undoing a rollback did not give the state back`);
          a.undone = false;
          await record(undone.safetyCheckpoint, after);
          await record(undone.restoreId, before);
          counts.undo++;
        }
      } else if (r < 0.93) {
        // restore an earlier checkpoint (the user asked to revert what happened after it)
        const target = pick(checkpoints.slice(-30));
        const targetIndex = checkpoints.indexOf(target);
        const before = readAll(ws);
        const result = await store.restore(target.id);
        if (trace) process.stderr.write(`restore ${target.id.slice(0, 8)} (${target.scope} ${[...(target.observed ?? [])]}) -> ${JSON.stringify(result.restored)} skipped ${JSON.stringify(result.skipped)}\n`);
        const after = readAll(ws);
        counts.restore++;
        const targetStep = checkpointStep.get(target.id)!;
        const observes = (c: ModelCheckpoint, f: string): boolean => c.scope === 'full' || (c.observed?.has(f) ?? false);
        for (const f of new Set([...before.keys(), ...after.keys(), ...target.files.keys()])) {
          // What Belay knows of f at the target: its first observation at or after it.
          const obsIndex = checkpoints.findIndex((c, i) => i >= targetIndex && observes(c, f));
          if (obsIndex < 0) {
            assert.equal(after.get(f), before.get(f), `step ${step}: restore changed ${f}, which nothing observed after the target`);
            continue;
          }
          const obs = checkpoints[obsIndex]!;
          const expected = obs.files.get(f);
          if (expected !== undefined) assert.equal(after.get(f), expected, `step ${step}: ${f} not restored to its state at step ${checkpointStep.get(obs.id)}`);
          else if (before.has(f)) {
            const seenCreated = checkpoints.slice(obsIndex + 1).some((c) => observes(c, f) && c.files.has(f));
            if (seenCreated) assert.equal(after.has(f), false, `step ${step}: ${f} (created after the target) survived`);
            else assert.equal(after.get(f), before.get(f), `step ${step}: restore deleted ${f}, which no checkpoint saw created`);
          }
          // user edits that existed when the target looked at the file, and still exist, survive
          if (obs === target) {
            const then = tokensIn(target.files.get(f), 'U');
            for (const t of tokensIn(before.get(f), 'U')) if (then.includes(t)) assert.ok(tokensIn(after.get(f), 'U').includes(t), `step ${step}: restore to step ${targetStep} lost user edit ${t} in ${f}`);
          }
        }
        await record(result.safetyCheckpoint, before);
        await record(result.restoreId, after);
        if (rand() < 0.5) {
          const undone = await store.undoRestore(result.restoreId);
          assert.deepEqual(readAll(ws), before, `step ${step}: undo-restore did not return the pre-restore state`);
          await record(undone.safetyCheckpoint, after);
          await record(undone.restoreId, before);
          counts.undo++;
        }
      } else {
        await take(store, { scope: rand() < 0.5 ? 'full' : 'paths', paths: [pick(files())], kind: 'manual' });
      }
    }
    assert.deepEqual(fingerprint(path.join(ws, '.git')), gitBefore, "the user's .git is untouched");
    assert.equal(git(ws, 'stash', 'list').trim().split('\n').length, 1);
    assert.ok(counts.rollbackOk > 0 && counts.restore > 0 && counts.rollbackConflict > 0, JSON.stringify(counts));
    if (reuse) assert.ok(counts.reused > 0, 'some "before" checkpoints were stood in for');
    process.stdout.write(`# ${JSON.stringify(counts)}\n`);
  } finally {
    await store.close();
    rm(ws, path.dirname(storeDir));
  }
};

test(`randomized: user edits are never lost (seed ${SEED}, ${STEPS} steps)`, { timeout: 300_000 }, scenario(false));

test(`randomized, "before" checkpoints taken as the hook takes them: user edits are never lost (seed ${SEED}, ${STEPS} steps)`, { timeout: 300_000 }, scenario(true));

