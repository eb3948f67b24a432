import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { sandbox } from './helpers.ts';

const WRITER = path.join(import.meta.dirname, 'fixtures', 'writer.ts');

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  written: string[];
  completed: string[];
  stderr: string;
}

function runWriter(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [WRITER, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.on('close', (code, signal) => {
      const lines = out.split('\n');
      resolve({
        code,
        signal,
        written: lines.filter((l) => l.startsWith('W ')).map((l) => l.slice(2)),
        completed: lines.filter((l) => l.startsWith('C ')).map((l) => l.slice(2)),
        stderr: err,
      });
    });
  });
}

describe('concurrent writers', () => {
  it('8 processes × 500 receipts at once → 4,000 receipts in one linear chain that verifies, no errors', { timeout: 180_000 }, async () => {
    const sb = sandbox();
    try {
      // Create the store first so all writers race on appends, not on creation (creation races are covered in migrations.test.ts).
      sb.open().close();
      const started = Date.now();
      const runs = await Promise.all(Array.from({ length: 8 }, (_, i) => runWriter([sb.file, sb.workspace, sb.home, `agent${i}`, '500', '3'])));
      const seconds = (Date.now() - started) / 1000;
      for (const r of runs) {
        assert.equal(r.stderr, '', 'no errors (no SQLITE_BUSY) reach the writer');
        assert.equal(r.code, 0);
        assert.equal(r.written.length, 500);
      }
      const store = sb.open({ abandonAfterMs: 0 });
      try {
        const v = store.verify();
        assert.equal(v.ok, true, JSON.stringify(v.firstBad));
        assert.equal(v.receipts, 4000);
        const stats = store.stats();
        assert.equal(stats.total, 4000);
        for (let i = 0; i < 8; i++) assert.equal(stats.byAgent[`agent${i}`], 500);
        // receipt numbers 1..4000 with no gap or repeat, every reported id present
        const seqs = new Set<number>();
        let cursor: string | undefined;
        for (;;) {
          const page = store.list({ order: 'oldest', limit: 1000, ...(cursor ? { cursor } : {}) });
          for (const r of page.items) seqs.add(r.seq);
          if (!page.hasMore) break;
          cursor = page.nextCursor;
        }
        assert.equal(seqs.size, 4000);
        assert.equal(Math.min(...seqs), 1);
        assert.equal(Math.max(...seqs), 4000);
        for (const r of runs) {
          for (const id of r.written.slice(0, 50)) assert.ok(store.get(id), `reported ${id} is present`);
          for (const id of r.completed.slice(0, 20)) assert.equal(store.get(id)?.outcome, 'done');
        }
        // genesis + 8 session opens + 4,000 creates + 1,336 completions (every third of 500 per writer)
        assert.equal(v.checked, 1 + 8 + 4000 + 8 * 167);
      } finally {
        store.close();
      }
      process.stdout.write(`# 8 writers × 500 durable appends (+ ${8 * 167} completions): ${seconds.toFixed(1)} s, ${Math.round((4000 + 8 * 167) / seconds)} events/s\n`);
    } finally {
      sb.cleanup();
    }
  });
});

export { runWriter };
