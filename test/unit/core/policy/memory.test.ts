import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { emptyMemory, remember, type Decision, type PolicyMemory } from '../../../../src/core/policy/engine.ts';
import type { NormalizedAction } from '../../../../src/core/policy/action.ts';
import { countInWindow } from '../../../../src/core/policy/packs/github.ts';

/** What remember() keeps: the last 200 entries of each list, the new ones included. */
describe('remember keeps the last 200 entries of each list', () => {
  const now = new Date('2026-03-17T10:00:00Z');
  const t = now.getTime();
  const action = {} as NormalizedAction;
  const decision = (verdict: Decision['decision'], memo: NonNullable<Decision['memo']>): Decision =>
    ({ decision: verdict, evaluated: verdict, rule: 'r', reason: 'r', matches: [], mode: 'enforce', policyHash: 'h', memo }) as Decision;

  for (const before of [0, 1, 197, 199, 200, 201, 350]) {
    for (const added of [0, 1, 3, 250]) {
      test(`${before} entries, ${added} new`, () => {
        const memory: PolicyMemory = {
          ...emptyMemory(),
          secretReads: Array.from({ length: before }, (_, i) => ({ what: `r${i}`, at: i })),
          secretPrints: Array.from({ length: before }, (_, i) => ({ h: `h${i}`, len: 8 })),
          downloads: Array.from({ length: before }, (_, i) => ({ url: `u${i}`, path: `/p${i}`, at: i })),
          counters: { k: Array.from({ length: before }, () => ({ t, n: 1 })), other: [{ t, n: 2 }] },
        };
        const snapshot = JSON.stringify(memory);
        const memo = {
          secretReads: Array.from({ length: added }, (_, i) => `n${i}`),
          downloads: Array.from({ length: added }, (_, i) => ({ url: `nu${i}`, path: `/np${i}` })),
          counters: [{ key: 'k', n: 1, windowMs: 60_000, max: 1000 }],
        };
        for (const verdict of ['allow', 'deny'] as const) {
          const m = remember(memory, action, decision(verdict, memo), now);
          const reads = [...memory.secretReads, ...memo.secretReads.map((what) => ({ what, at: t }))].slice(-200);
          const downloads = verdict === 'deny' ? memory.downloads.slice(-200) : [...memory.downloads, ...memo.downloads.map((d) => ({ ...d, at: t }))].slice(-200);
          const counter = verdict === 'deny' ? memory.counters.k : [...memory.counters.k!, { t, n: 1 }].slice(-200);
          assert.deepEqual(m.secretReads, reads);
          assert.deepEqual(m.downloads, downloads);
          assert.deepEqual(m.secretPrints, memory.secretPrints.slice(-200));
          assert.deepEqual(m.counters.k, counter);
          assert.deepEqual(m.counters.other, [{ t, n: 2 }]);
          // a new memory: the one passed in is left as it was; a list that gains or drops
          // nothing is shared with it (lists are never written in place), any other is new
          assert.equal(JSON.stringify(memory), snapshot);
          const trimmed = before > 200;
          const same = (next: unknown, prev: unknown, changes: boolean) => (changes ? assert.notEqual(next, prev) : assert.equal(next, prev));
          same(m.secretReads, memory.secretReads, trimmed || added > 0);
          same(m.downloads, memory.downloads, trimmed || verdict === 'allow' && added > 0);
          same(m.secretPrints, memory.secretPrints, trimmed);
        }
      });
    }
  }
});

/** Rate-limit counters: entries outside the window (or older than a day) go, the newest 200 (or the limit plus one, if fewer) stay. */
describe('remember drops counter entries outside their window', () => {
  const now = new Date('2026-03-17T10:00:00Z');
  const t = now.getTime();
  const action = {} as NormalizedAction;
  const decision = (memo: NonNullable<Decision['memo']>): Decision =>
    ({ decision: 'allow', evaluated: 'allow', rule: 'r', reason: 'r', matches: [], mode: 'enforce', policyHash: 'h', memo }) as Decision;
  const DAY = 86_400_000;

  for (const windowMs of [0, 1, 60_000, 2 * DAY]) {
    for (const count of [0, 5, 199, 200, 260, 500]) {
      for (const max of [1000, 30, 0]) {
        test(`window ${windowMs} ms, ${count} entries, limit ${max}`, () => {
          // ages spread over two days, some in the future, in no particular order
          const entries = Array.from({ length: count }, (_, i) => ({ t: t - ((i * 7919) % (2 * DAY + 5)) + (i % 13 === 0 ? 1000 : 0), n: i }));
          const memory: PolicyMemory = { ...emptyMemory(), counters: { k: entries } };
          const m = remember(memory, action, decision({ secretReads: [], downloads: [], counters: [{ key: 'k', n: 9, windowMs, max }] }), now);
          const expected = [...entries.filter((e) => t - e.t < Math.max(windowMs, 1) && t - e.t < DAY), { t, n: 9 }].slice(-Math.min(200, Math.max(1, max + 1)));
          assert.deepEqual(m.counters.k, expected);
          assert.equal(memory.counters.k, entries);
          assert.equal(entries.length, count);
        });
      }
    }
  }
});

describe('countInWindow', () => {
  const now = 1_000_000;
  const entries = Array.from({ length: 100 }, (_, i) => ({ t: now - (100 - i) * 1000, n: 1 + (i % 3) }));
  test('counts the entries within the window, exactly when it does not pass the limit', () => {
    for (const windowMs of [0, 1, 5_000, 50_000, 200_000]) {
      const exact = entries.filter((e) => now - e.t < windowMs && e.t <= now).reduce((s, e) => s + e.n, 0);
      assert.equal(countInWindow(entries, now, windowMs), exact, `window ${windowMs}`);
      for (const enough of [0, 5, 30, 1000]) {
        const got = countInWindow(entries, now, windowMs, enough);
        // the same answer to "more than enough?", and the exact count whenever it is not more
        assert.equal(got > enough, exact > enough, `window ${windowMs}, enough ${enough}`);
        if (exact <= enough) assert.equal(got, exact);
      }
    }
  });
  test('entries from the future do not count', () => {
    assert.equal(countInWindow([{ t: now + 1, n: 5 }, { t: now, n: 1 }], now, 10_000), 1);
    assert.equal(countInWindow(undefined, now, 10_000), 0);
  });
});
