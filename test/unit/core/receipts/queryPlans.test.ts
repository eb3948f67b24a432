import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openSqlite } from '../../../../src/core/config/sqlite.ts';
import { editReceipt, sandbox } from './helpers.ts';

/**
 * The hot queries must read an index, never scan the receipts table: a scan
 * is invisible at test sizes and costs hundreds of milliseconds at a million
 * receipts (and markAbandoned runs on every hook call). SQLite's planner is
 * asked directly, with the statements the store runs.
 */
const queries: Array<[string, string, RegExp]> = [
  ['findPending', "SELECT * FROM receipts INDEXED BY receipts_open WHERE outcome IN ('pending', 'abandoned') AND outcome = 'pending' AND tool_use_id = ? AND session_id = ?", /^SEARCH receipts USING INDEX receipts_open \(outcome=\?\)$/],
  ['markAbandoned', "SELECT seq, id FROM receipts INDEXED BY receipts_open WHERE outcome IN ('pending', 'abandoned') AND outcome = 'pending' AND time < ? ORDER BY seq", /SEARCH receipts USING INDEX receipts_open \(outcome=\?\)/],
  ['get by id', 'SELECT * FROM receipts WHERE id = ?', /USING INDEX sqlite_autoindex_receipts_1/],
  ['id prefix', 'SELECT id FROM receipts WHERE id >= ? AND id < ? || char(1114111) ORDER BY id LIMIT 6', /USING COVERING INDEX sqlite_autoindex_receipts_1/],
  ['page', 'SELECT * FROM receipts r WHERE r.seq < ? ORDER BY r.seq DESC LIMIT 51', /USING INTEGER PRIMARY KEY/],
  ['by session', 'SELECT * FROM receipts r WHERE r.seq < ? AND r.session_id = ? ORDER BY r.seq DESC LIMIT 51', /USING INDEX receipts_session/],
  ['by agent', 'SELECT * FROM receipts r WHERE r.agent = ? ORDER BY r.seq DESC LIMIT 51', /USING INDEX receipts_agent/],
  ['denied', "SELECT * FROM receipts r WHERE r.decision = ? AND r.decision <> 'allow' ORDER BY r.seq DESC LIMIT 51", /USING INDEX receipts_decision/],
  ['blocked', "SELECT * FROM receipts r WHERE r.outcome = ? AND r.outcome NOT IN ('done', 'pending') ORDER BY r.seq DESC LIMIT 51", /USING INDEX receipts_outcome/],
  ['pending', "SELECT * FROM receipts r WHERE r.seq < ? AND r.outcome = ? AND r.outcome IN ('pending', 'abandoned') ORDER BY r.seq DESC LIMIT 51", /SEARCH r USING INDEX receipts_open \(outcome=\? AND seq<\?\)/],
  ['prompts', "SELECT * FROM receipts r WHERE r.kind = ? AND r.kind <> 'action' ORDER BY r.seq DESC LIMIT 51", /USING INDEX receipts_kind/],
  ['one path', 'SELECT r.* FROM receipt_paths p CROSS JOIN receipts r ON r.seq = p.receipt_seq WHERE p.path = ? AND p.receipt_seq < ? ORDER BY p.receipt_seq DESC LIMIT 51', /SEARCH p USING PRIMARY KEY \(path=\? AND receipt_seq<\?\)/],
  ['path in the index', 'SELECT 1 FROM receipt_paths WHERE path = ? AND receipt_seq = ?', /USING PRIMARY KEY/],
  ['last receipt', 'SELECT max(seq) AS m FROM receipts', /SEARCH receipts|USING INTEGER PRIMARY KEY|max/i],
  ['stats: pending', "SELECT count(*) AS n FROM receipts WHERE outcome IN ('pending', 'abandoned') AND outcome = 'pending'", /COVERING INDEX receipts_open/],
];

describe('query plans of the hot queries', () => {
  const sb = sandbox();
  const store = sb.open();
  for (let i = 0; i < 20; i++) store.append(editReceipt({ outcome: i % 3 ? 'done' : 'pending' }));
  store.close();
  const db = openSqlite(sb.file, { readonly: true });
  for (const [name, sql, expected] of queries) {
    it(`${name} reads an index, not the whole table`, () => {
      const args = Array((sql.match(/\?/g) ?? []).length).fill('x');
      const plan = db.prepare<unknown[], { detail: string }>(`EXPLAIN QUERY PLAN ${sql}`).all(...args).map((r) => r.detail).join(' | ');
      assert.match(plan, expected, plan);
      assert.ok(!/^SCAN receipts$|\| SCAN receipts$|^SCAN r$|\| SCAN r\b(?! USING)/.test(plan), `no table scan: ${plan}`);
    });
  }
  it('closes', () => {
    db.close();
    sb.cleanup();
  });
});
