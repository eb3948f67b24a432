import type { Receipt, ReceiptStore, Session } from '../receipts/store.ts';

/** How long an agent session without end counts as open after its last receipt. */
export const SESSION_IDLE_MS = 10 * 60 * 1000;
/** How far back a receipt can explain a file change. */
export const EXPLAIN_WINDOW_MS = 2 * 60 * 1000;

interface ActionShape {
  pathsKnown?: boolean;
  writes?: string[];
  deletes?: string[];
}

/** Agent sessions that have started, not ended, and were active recently. */
export function openSessions(receipts: ReceiptStore, now: Date, idleMs = SESSION_IDLE_MS): Session[] {
  const open: Session[] = [];
  for (const s of receipts.sessions(50)) {
    if (s.endedAt) continue;
    const last = receipts.list({ sessionId: s.id, limit: 1, order: 'newest' }).items[0];
    const lastTime = Date.parse(last?.time ?? s.startedAt);
    if (now.getTime() - lastTime <= idleMs) open.push(s);
  }
  return open;
}

/**
 * The receipt that explains a change to `relPath` (workspace-relative), if
 * any: a recent receipt touching that path, or a shell command still running
 * (its after-scan will record whatever it changed).
 */
export function explainChange(receipts: ReceiptStore, relPath: string, now: Date, windowMs = EXPLAIN_WINDOW_MS): Receipt | undefined {
  const since = new Date(now.getTime() - windowMs).toISOString();
  const explains = (r: Receipt) => r.kind !== 'unguarded' && r.decision !== 'deny';
  const touching = receipts.list({ path: relPath, since, limit: 20, order: 'newest' }).items.find(explains);
  if (touching) return touching;
  // a folder that went away with what was in it
  const inside = receipts.list({ path: `${relPath}/`, since, limit: 20, order: 'newest' }).items.find(explains);
  if (inside) return inside;
  const pending = receipts.list({ outcome: 'pending', since, limit: 50, order: 'newest' }).items;
  return pending.find((r) => {
    const a = (r.action ?? {}) as ActionShape;
    if (a.pathsKnown === false) return true;
    return [...(a.writes ?? []), ...(a.deletes ?? [])].some((p) => p === relPath || p.endsWith('/' + relPath));
  });
}
