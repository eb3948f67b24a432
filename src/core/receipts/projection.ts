import path from 'node:path';
import type { EventDoc } from './chain.ts';
import type { Redaction } from './redact.ts';
import type { ChangedPath, Receipt } from './types.ts';

/**
 * How a receipt's events fold into the receipt: the create event's body is the
 * receipt as first written; each later `complete` event overrides the fields
 * it carries; an `approval` event sets the approver. The receipts table holds
 * the indexed columns of this fold, and verification recomputes it.
 */
export type Folded = Omit<Receipt, 'workspace' | 'hash' | 'prevHash' | 'mac' | 'headHash'> & {
  createSeq: number;
  headSeq: number;
};

/** The indexed columns of the receipts table, as verification compares them. */
export interface ProjectionRow {
  seq: number;
  id: string;
  create_seq: number;
  head_seq: number;
  /** chain positions of the receipt's events, comma-separated */
  events: string;
  time: string;
  kind: string;
  session_id: string | null;
  agent: string;
  tool: string;
  tool_use_id: string | null;
  decision: string;
  outcome: string;
  checkpoint_before: string | null;
  checkpoint_after: string | null;
  idempotency_key: string | null;
  rollback_of: string | null;
  rolled_back_by: string | null;
  approver: string | null;
  redacted: number;
}

export const PROJECTION_COLUMNS: readonly (keyof ProjectionRow)[] = [
  'seq', 'id', 'create_seq', 'head_seq', 'events', 'time', 'kind', 'session_id', 'agent', 'tool', 'tool_use_id', 'decision',
  'outcome', 'checkpoint_before', 'checkpoint_after', 'idempotency_key', 'rollback_of', 'rolled_back_by',
  'approver', 'redacted',
];

/** Fields a `complete` event may carry. */
export const COMPLETE_FIELDS = ['outcome', 'checkpointAfter', 'changedPaths', 'durationMs', 'response', 'rolledBackBy', 'note'] as const;

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** Folds a receipt's events (oldest first, the first being its create event). */
export function foldEvents(events: readonly EventDoc[]): Folded {
  const create = events[0];
  if (!create || create.type !== 'create') throw new Error('first event of a receipt is not its create event');
  const b = create.body;
  const folded = { ...(b as Record<string, unknown>) } as unknown as Folded;
  folded.id = create.receipt ?? '';
  folded.seq = typeof create.n === 'number' ? create.n : 0;
  folded.time = create.time;
  folded.kind = str(b.kind) ?? 'action';
  folded.redacted = b.redacted === true;
  folded.paths = Array.isArray(b.paths) ? (b.paths as string[]) : [];
  folded.createSeq = create.seq;
  folded.headSeq = create.seq;
  folded.eventSeqs = [create.seq];
  for (let i = 1; i < events.length; i++) {
    const e = events[i];
    if (!e) continue;
    folded.headSeq = e.seq;
    folded.eventSeqs.push(e.seq);
    if (e.type === 'complete') {
      const p = e.body;
      for (const k of COMPLETE_FIELDS) {
        if (p[k] !== undefined) (folded as unknown as Record<string, unknown>)[k] = p[k];
      }
      folded.completedAt = e.time;
      if (Array.isArray(p.paths)) folded.paths = mergePaths(folded.paths, p.paths as string[]);
      if (p.redacted === true) folded.redacted = true;
      if (Array.isArray(p.redactions)) folded.redactions = [...(folded.redactions ?? []), ...(p.redactions as Redaction[])];
      if (p.truncated === true) folded.truncated = true;
    } else if (e.type === 'approval') {
      const a = str(e.body.approver);
      if (a !== undefined) folded.approver = a;
    }
  }
  return folded;
}

export function mergePaths(a: readonly string[], b: readonly string[]): string[] {
  if (b.length === 0) return [...a];
  const set = new Set(a);
  for (const p of b) set.add(p);
  return [...set];
}

/** The projection row a fold must produce. */
export function projectionOf(f: Folded): ProjectionRow {
  return {
    seq: f.seq,
    id: f.id,
    create_seq: f.createSeq,
    head_seq: f.headSeq,
    events: f.eventSeqs.join(','),
    time: f.time,
    kind: f.kind,
    session_id: f.sessionId ?? null,
    agent: f.agent,
    tool: f.tool,
    tool_use_id: f.toolUseId ?? null,
    decision: f.decision,
    outcome: f.outcome,
    checkpoint_before: f.checkpointBefore ?? null,
    checkpoint_after: f.checkpointAfter ?? null,
    idempotency_key: f.idempotencyKey ?? null,
    rollback_of: f.rollbackOf ?? null,
    rolled_back_by: f.rolledBackBy ?? null,
    approver: f.approver ?? null,
    redacted: f.redacted ? 1 : 0,
  };
}

/** Names the first column where a stored row differs from the fold, or undefined. */
export function diffProjection(stored: ProjectionRow, expected: ProjectionRow): keyof ProjectionRow | undefined {
  for (const c of PROJECTION_COLUMNS) {
    if (stored[c] !== expected[c]) return c;
  }
  return undefined;
}

// ---- paths and targets ------------------------------------------------------

const PATH_FIELD = new Set(['path', 'filepath', 'file_path', 'notebook_path', 'file', 'filename', 'from', 'to', 'source', 'destination', 'dest', 'src', 'dirpath', 'dir_path']);
const PATH_LIST_FIELD = new Set(['paths', 'reads', 'writes', 'files', 'deletes', 'creates']);
const MAX_PATHS = 64;

/** Workspace-relative POSIX path when inside the workspace, else the absolute path as given. */
export function normalisePath(p: string, workspace: string): string {
  let s = p.trim().replace(/\\/g, '/');
  if (s === '') return s;
  if (s.startsWith('file://')) {
    try {
      s = decodeURIComponent(new URL(s).pathname);
    } catch {
      // keep as is
    }
  }
  const ws = workspace.replace(/\\/g, '/').replace(/\/+$/, '');
  if (path.isAbsolute(s) || /^[A-Za-z]:\//.test(s)) {
    if (ws !== '' && (s === ws || s.startsWith(ws + '/'))) s = s.slice(ws.length + 1);
    else return path.posix.normalize(s);
  }
  s = path.posix.normalize(s);
  if (s === '.' || s === './') return '';
  return s.replace(/^\.\//, '').replace(/(.)\/+$/, '$1');
}

function collectPaths(value: unknown, out: Set<string>, depth: number, workspace: string): void {
  if (out.size >= MAX_PATHS || depth > 3 || value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    for (const v of value) collectPaths(v, out, depth + 1, workspace);
    return;
  }
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const key = k.toLowerCase();
    if (typeof v === 'string' && PATH_FIELD.has(key)) {
      addPath(v, out, workspace);
    } else if (Array.isArray(v) && PATH_LIST_FIELD.has(key)) {
      for (const item of v) {
        if (typeof item === 'string') addPath(item, out, workspace);
        else if (item && typeof item === 'object' && typeof (item as { path?: unknown }).path === 'string') addPath((item as { path: string }).path, out, workspace);
      }
    } else if (v && typeof v === 'object') {
      collectPaths(v, out, depth + 1, workspace);
    }
  }
}

function addPath(p: string, out: Set<string>, workspace: string): void {
  if (out.size >= MAX_PATHS || p.length > 1024 || /^[a-z][a-z0-9+.-]*:\/\//i.test(p) && !p.startsWith('file://')) return;
  const n = normalisePath(p, workspace);
  if (n !== '' && !n.includes('\n')) out.add(n);
}

/** The paths a receipt concerns: given ones, those named in the action and input, and changed ones. */
export function pathsOf(r: { paths?: string[]; action?: unknown; input?: unknown; changedPaths?: ChangedPath[] }, workspace: string): string[] {
  const out = new Set<string>();
  for (const p of r.paths ?? []) addPath(p, out, workspace);
  collectPaths(r.action, out, 0, workspace);
  collectPaths(r.input, out, 0, workspace);
  for (const c of r.changedPaths ?? []) addPath(c.path, out, workspace);
  return [...out];
}

const COMMAND_FIELD = ['command', 'cmd', 'commandLine', 'command_line'];
const URL_FIELD = ['url', 'uri', 'href'];

function firstString(obj: unknown, keys: readonly string[]): string | undefined {
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) return undefined;
  const o = obj as Record<string, unknown>;
  for (const k of keys) {
    const v = o[k];
    if (typeof v === 'string' && v.trim() !== '') return v;
  }
  return undefined;
}

/** A short description of what the action acted on: a command, the first path, a URL. */
export function targetOf(r: { target?: string; action?: unknown; input?: unknown; tool: string }, paths: readonly string[]): string | undefined {
  const raw = r.target ?? firstString(r.action, COMMAND_FIELD) ?? firstString(r.input, COMMAND_FIELD) ?? (paths.length > 0 ? paths.slice(0, 3).join(', ') + (paths.length > 3 ? ` +${paths.length - 3}` : '') : undefined) ?? firstString(r.action, URL_FIELD) ?? firstString(r.input, URL_FIELD);
  if (raw === undefined) return undefined;
  const one = raw.replace(/\s+/g, ' ').trim();
  return one.length > 160 ? one.slice(0, 159) + '…' : one;
}

/** Parses the `events` column: chain positions, oldest first. */
export function parseEventList(text: string): number[] {
  if (text === '') return [];
  return text.split(',').map((x) => Number(x));
}
