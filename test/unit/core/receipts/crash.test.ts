import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { openSqlite } from '../../../../src/core/config/sqlite.ts';
import { sandbox } from './helpers.ts';
import type { Sandbox } from './helpers.ts';

const WRITER = path.join(import.meta.dirname, 'fixtures', 'writer.ts');
const RUNS = Number(process.env.BELAY_CRASH_RUNS ?? 40);

interface Killed {
  written: string[];
  completed: string[];
  signal: NodeJS.Signals | null;
}

/**
 * Starts a writer that appends forever and SIGKILLs it: either at a random
 * moment after spawning (which also lands in start-up, key creation, schema
 * creation and the first appends), or a random 0–3 ms after it reported its
 * k-th receipt (which lands inside appends and completions). Every fourth
 * writer appends through group commit, reporting each receipt when its
 * promise resolves.
 */
function runAndKill(sb: Sandbox, run: number): Promise<Killed> {
  return new Promise((resolve) => {
    // every fourth run appends through group commit, 8 in flight
    const env = run % 4 === 3 ? { ...process.env, BELAY_WRITER_GROUPED: '8' } : process.env;
    const child = spawn(process.execPath, [WRITER, sb.file, sb.workspace, sb.home, `crash${run}`, '0', '2'], { stdio: ['ignore', 'pipe', 'pipe'], env });
    let out = '';
    let killed = false;
    const kill = (): void => {
      if (killed) return;
      killed = true;
      child.kill('SIGKILL');
    };
    const byTime = run % 2 === 0;
    const k = 1 + Math.floor(Math.random() * 60);
    if (byTime) setTimeout(kill, Math.random() * 700);
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (!byTime && !killed && out.split('\n').filter((l) => l.startsWith('W ')).length >= k) setTimeout(kill, Math.random() * 3);
    });
    child.stderr.resume();
    const safety = setTimeout(kill, 10_000);
    child.on('close', (_code, signal) => {
      clearTimeout(safety);
      // only whole lines count as reported
      const lines = out.split('\n').slice(0, -1);
      resolve({
        written: lines.filter((l) => l.startsWith('W ')).map((l) => l.slice(2)),
        completed: lines.filter((l) => l.startsWith('C ')).map((l) => l.slice(2)),
        signal,
      });
    });
  });
}

describe('crash safety', () => {
  it(`a writer SIGKILLed at random moments (${RUNS} runs, one at a time and with group commit): every receipt it reported is present, the database opens, the chain verifies`, { timeout: 600_000 }, async () => {
    let sb = sandbox();
    let reported = 0;
    let kills = 0;
    try {
      const all: Killed[] = [];
      for (let run = 0; run < RUNS; run++) {
        if (run > 0 && run % 10 === 0) {
          // a fresh install now and then: kills during key and schema creation
          sb.cleanup();
          sb = sandbox();
          all.length = 0;
        }
        const r = await runAndKill(sb, run);
        if (r.signal === 'SIGKILL') kills++;
        all.push(r);
        reported += r.written.length;
        if (fs.existsSync(sb.file)) {
          const db = openSqlite(sb.file);
          try {
            assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
          } finally {
            db.close();
          }
        } else {
          assert.equal(r.written.length, 0, 'killed before the database existed');
        }
        const store = sb.open({ abandonAfterMs: 0 });
        try {
          const v = store.verify();
          assert.equal(v.ok, true, `run ${run}: ${JSON.stringify(v.firstBad)}`);
          for (const prev of all) {
            for (const id of prev.written) assert.ok(store.get(id), `run ${run}: reported receipt ${id} is present`);
            for (const id of prev.completed) assert.equal(store.get(id)?.outcome, 'done', `run ${run}: reported completion of ${id} is present`);
          }
        } finally {
          store.close();
        }
      }
      assert.ok(kills >= RUNS * 0.9, `most runs were killed (${kills}/${RUNS})`);
      process.stdout.write(`# crash test: ${RUNS} runs, ${kills} SIGKILLs, ${reported} reported receipts all present, chain verified after each\n`);
    } finally {
      sb.cleanup();
    }
  });
});
