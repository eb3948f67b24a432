import path from 'node:path';
import type { Receipt } from '../receipts/store.ts';
import type { TimelineItem } from '../../shared/protocol.ts';
import { Guard } from './guard.ts';

interface ActionLike {
  kind?: string;
  command?: string;
  urls?: string[];
  writes?: string[];
  deletes?: string[];
  reads?: string[];
  mcp?: { server?: string; tool?: string };
  receipt?: string;
  checkpoint?: string;
}

function shorten(text: string, max = 120): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > max ? one.slice(0, max - 1) + '…' : one;
}

/** A short description of what a receipt's action targets. */
export function receiptTarget(r: Receipt, workspace: string): string {
  const a = (r.action ?? {}) as ActionLike;
  const rel = (p: string): string => {
    const x = path.relative(workspace, p);
    return x && !x.startsWith('..') && !path.isAbsolute(x) ? x.split(path.sep).join('/') : p;
  };
  if (r.kind === 'rollback') return `undo ${a.receipt ?? r.rollbackOf ?? ''}`.trim();
  if (r.kind === 'restore') return `checkpoint ${a.checkpoint ?? ''}`.trim();
  if (r.kind === 'prompt') return 'prompt';
  if (a.command) return shorten(a.command);
  const paths = [...(a.writes ?? []), ...(a.deletes ?? []), ...(a.reads ?? [])];
  if (paths.length > 0) return shorten(paths.map(rel).join(', '));
  if (a.urls && a.urls.length > 0) return shorten(a.urls.join(' '));
  if (a.mcp?.server) return `${a.mcp.server}/${a.mcp.tool ?? ''}`;
  return '';
}

const ownTools: Record<string, string> = {
  rollback: 'Rollback',
  restore: 'Restore',
  kill_switch: 'Kill switch',
  unguarded: 'Unguarded change',
  prompt: 'Prompt',
};

/** What the timeline and the tree show of one receipt. */
export function toTimelineItem(r: Receipt, workspace: string): TimelineItem {
  const undoable = Guard.canRollback(r);
  const own = r.kind === 'rollback' || r.kind === 'restore';
  return {
    id: r.id,
    seq: r.seq,
    time: r.time,
    kind: r.kind ?? 'action',
    agent: r.agent,
    tool: ownTools[r.kind ?? ''] ?? r.tool,
    target: receiptTarget(r, workspace),
    decision: r.decision,
    outcome: r.outcome,
    rule: r.rule,
    reason: r.reason,
    changedPaths: (r.changedPaths ?? []).map((c) => c.path),
    checkpointBefore: r.checkpointBefore,
    checkpointAfter: r.checkpointAfter,
    rollbackOf: r.rollbackOf,
    rolledBackBy: r.rolledBackBy,
    canRollback: undoable && !own,
    canUndo: undoable && own,
  };
}
