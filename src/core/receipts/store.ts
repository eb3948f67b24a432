import fs from 'node:fs';
import path from 'node:path';
import { belayHome } from '../config/paths.ts';
import { openSqlite } from '../config/sqlite.ts';
import type { SqliteDatabase } from '../config/sqlite.ts';
import { ChainWriter, DEFLATE_FROM, EVENT_COLUMNS, PreparedBody, docText, docTime, expandText, packBody } from './chain.ts';
import type { AnchorDoc, AppendedEvent, EventDoc, Head, StoredEvent } from './chain.ts';
import { ReceiptStoreError } from './errors.ts';
import { writeExport } from './exportJsonl.ts';
import type { ExportOptions } from './exportJsonl.ts';
import { IdSource, normaliseIdPrefix } from './ids.ts';
import { foldEvents, normalisePath, parseEventList, pathsOf, targetOf } from './projection.ts';
import type { ProjectionRow } from './projection.ts';
import { redactValue } from './redact.ts';
import type { RedactOptions } from './redact.ts';
import { SCHEMA_V2, SCHEMA_VERSION, schemaVersion } from './schema.ts';
import type { LegacyReceiptV1 } from './schema.ts';
import { isInside, loadOrCreateSecretKey } from './secretKey.ts';
import type { SecretKey } from './secretKey.ts';
import { OUTCOMES, VERDICTS } from './types.ts';
import type { ChangedPath, CompletePatch, ListPage, ListQuery, NewReceipt, Outcome, Receipt, Session, Stats, Verdict, VerifyResult } from './types.ts';
import { verifyOneReceipt, verifyStore } from './verify.ts';

export type { ChangedPath, CompletePatch, ListPage, ListQuery, NewReceipt, Outcome, Receipt, ReceiptKind, RuleMatch, Session, Stats, Verdict, VerifyProblem, VerifyResult } from './types.ts';
export { ReceiptStoreError } from './errors.ts';

/** A pending receipt with no completion after this long is marked abandoned when a store opens. */
export const DEFAULT_ABANDON_AFTER_MS = 60 * 60 * 1000;
export const DEFAULT_BUSY_TIMEOUT_MS = 5000;

/** Writes one entry of the state table. */
const SET_STATE = 'INSERT INTO state (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at';

/** state key: the last event packBodies looked at */
const PACKED_THROUGH_KEY = 'bodies-packed-through';

export interface ReceiptStoreOptions {
  /** the SQLite file (usually `workspaceState(ws).receiptsFile`) */
  file: string;
  /** the workspace this chain records */
  workspace: string;
  /** the HMAC key file; default `<belayHome>/secret.key`; refused inside the workspace */
  keyFile?: string;
  /** how long a write waits for other writers before failing with code `busy`; default 5000 */
  busyTimeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  /** mark pending receipts older than this abandoned on open; default one hour; 0 disables */
  abandonAfterMs?: number;
  /** open without writing (no migration, no abandonment); the file must exist */
  readonly?: boolean;
  /** `full` (default) makes every append durable on return; `normal` is for benchmarks only */
  synchronous?: 'full' | 'normal';
  redact?: RedactOptions;
  /** clock for tests */
  clock?: () => Date;
}

export interface PruneResult {
  prunedReceipts: number;
  prunedEvents: number;
  /** last pruned chain position (the anchor's end), when something was pruned */
  throughSeq?: number;
  anchorHash?: string;
}

export interface ApprovalInput {
  receiptId?: string;
  approver: string;
  decision: Verdict;
  scope?: 'once' | 'session' | 'always' | string;
  reason?: string;
}

export interface CheckpointInput {
  id: string;
  receiptId?: string;
  kind: 'before' | 'after' | 'named' | 'safety' | string;
  parent?: string;
  label?: string;
}

interface PreparedReceipt {
  body: Record<string, unknown>;
  /** the body with its canonical JSON, serialised before the write lock is taken */
  prepared: PreparedBody;
  /** an id drawn before the write lock; checked for uniqueness under it */
  id: string;
  paths: string[];
  target: string | undefined;
}

type Transaction = ((fn: () => unknown) => unknown) & { immediate: (fn: () => unknown) => unknown };

/** Counts of fields a receipt never changes, up to receipt number `through`, for receipts from `lo` on. */
interface FixedCounts {
  lo: number | null;
  through: number;
  total: number;
  byAgent: Record<string, number>;
  byDecision: Record<string, number>;
  byKind: Record<string, number>;
}

interface Subscription {
  cb: (r: Receipt) => void;
  after: number;
  timer: NodeJS.Timeout;
  dataVersion: number;
  localWrites: number;
}

const RECEIPT_COLUMNS = 'seq, id, create_seq, head_seq, events, time, kind, session_id, agent, tool, tool_use_id, decision, outcome, checkpoint_before, checkpoint_after, idempotency_key, rollback_of, rolled_back_by, approver, redacted';

const RECEIPT_COLUMNS_R = RECEIPT_COLUMNS.split(', ').map((c) => 'r.' + c).join(', ');
const INSERT_RECEIPT = `INSERT INTO receipts (${RECEIPT_COLUMNS}) VALUES (${RECEIPT_COLUMNS.split(',').map(() => '?').join(', ')})`;

/** SQL fragment recording a new event of a receipt (binds: the event's seq twice). */
const ADD_EVENT = "head_seq = ?, events = events || ',' || CAST(? AS INTEGER)";

function isBusy(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}

/** The receipts row could not be inserted because its id is taken. */
function isIdTaken(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown };
  return e.code === 'SQLITE_CONSTRAINT_UNIQUE' && typeof e.message === 'string' && e.message.includes('receipts.id');
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function invalid(message: string): ReceiptStoreError {
  return new ReceiptStoreError('invalid', message);
}

function checkString(v: unknown, name: string, required: boolean): void {
  if (v === undefined && !required) return;
  if (typeof v !== 'string' || (required && v.trim() === '')) throw invalid(`receipt field '${name}' must be a ${required ? 'non-empty ' : ''}string`);
}

function validateNew(r: NewReceipt): void {
  if (r === null || typeof r !== 'object') throw invalid('a receipt must be an object');
  checkString(r.agent, 'agent', true);
  checkString(r.tool, 'tool', true);
  checkString(r.rule, 'rule', false);
  checkString(r.reason, 'reason', false);
  if (typeof r.rule !== 'string') throw invalid("receipt field 'rule' must be a string");
  if (typeof r.reason !== 'string') throw invalid("receipt field 'reason' must be a string");
  if (!VERDICTS.includes(r.decision)) throw invalid(`receipt decision must be one of ${VERDICTS.join(', ')} (got ${JSON.stringify(r.decision)})`);
  if (r.evaluated !== undefined && !VERDICTS.includes(r.evaluated)) throw invalid(`receipt 'evaluated' must be one of ${VERDICTS.join(', ')}`);
  if (!OUTCOMES.includes(r.outcome)) throw invalid(`receipt outcome must be one of ${OUTCOMES.join(', ')} (got ${JSON.stringify(r.outcome)})`);
  for (const k of ['kind', 'sessionId', 'harness', 'toolUseId', 'turn', 'policyHash', 'approver', 'checkpointBefore', 'checkpointAfter', 'idempotencyKey', 'rollbackOf', 'target'] as const) {
    checkString(r[k], k, false);
  }
  if (r.durationMs !== undefined && (typeof r.durationMs !== 'number' || !Number.isFinite(r.durationMs) || r.durationMs < 0)) throw invalid("receipt 'durationMs' must be a non-negative number");
  if (r.changedPaths !== undefined && (!Array.isArray(r.changedPaths) || r.changedPaths.some((c) => !c || typeof c.path !== 'string' || typeof c.status !== 'string'))) {
    throw invalid("receipt 'changedPaths' must be a list of { path, status, size? }");
  }
  if (r.paths !== undefined && (!Array.isArray(r.paths) || r.paths.some((p) => typeof p !== 'string'))) throw invalid("receipt 'paths' must be a list of strings");
}

/** Changed paths as plain objects with keys in canonical order. */
function sortedChanges(changes: readonly ChangedPath[] | undefined): ChangedPath[] | undefined {
  return changes?.map((c) => (c.size !== undefined ? { path: c.path, size: c.size, status: c.status } : { path: c.path, status: c.status }));
}

function toIso(value: string, name: string): string {
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw invalid(`${name} is not a time: ${JSON.stringify(value)} (use ISO 8601, e.g. 2025-01-31T12:00:00Z)`);
  return new Date(t).toISOString();
}

/** A write waiting for group commit: run inside the group's transaction, then built into its receipt. */
interface GroupedWrite {
  run: () => unknown;
  finish: (result: unknown) => Receipt;
  resolve: (r: Receipt) => void;
  reject: (e: Error) => void;
}

/**
 * The receipt store of one workspace: an append-only, hash-chained and signed
 * event log in SQLite (WAL, synchronous=FULL) with a queryable projection of
 * receipts. Safe to use from several processes at once; every write is one
 * `BEGIN IMMEDIATE` transaction, so the chain never forks.
 */
export class ReceiptStore {
  readonly file: string;
  readonly workspace: string;
  readonly #db: SqliteDatabase;
  readonly #key: SecretKey;
  readonly #readonly: boolean;
  readonly #busyMs: number;
  readonly #redact: RedactOptions;
  readonly #clock: () => Date;
  readonly #stmts = new Map<string, ReturnType<SqliteDatabase['prepare']>>();
  readonly #subs = new Set<Subscription>();
  readonly #ids = new IdSource();
  /** sessions known to have a row (sessions are only removed by prune, which clears this) */
  readonly #knownSessions = new Set<string>();
  #chain: ChainWriter | undefined;
  readonly #tx: Transaction;
  #localWrites = 0;
  /** appendGrouped and completeGrouped calls waiting for the next turn of the event loop */
  readonly #group: GroupedWrite[] = [];
  #txReceiptSeq: number | undefined;
  #counts: FixedCounts | undefined;
  #closed = false;

  private constructor(db: SqliteDatabase, key: SecretKey, opts: ReceiptStoreOptions) {
    this.#db = db;
    this.#key = key;
    this.file = path.resolve(opts.file);
    this.workspace = path.resolve(opts.workspace);
    this.#readonly = opts.readonly ?? false;
    this.#busyMs = opts.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
    this.#redact = opts.redact ?? {};
    this.#clock = opts.clock ?? (() => new Date());
    this.#tx = db.transaction((fn: () => unknown) => fn()) as unknown as Transaction;
  }

  /** Opens (creating, or migrating an older schema) the store; synchronous. */
  static open(opts: ReceiptStoreOptions): ReceiptStore {
    const env = opts.env ?? process.env;
    const file = path.resolve(opts.file);
    const keyFile = path.resolve(opts.keyFile ?? path.join(belayHome(env), 'secret.key'));
    if (isInside(keyFile, opts.workspace)) {
      throw new ReceiptStoreError('key', `the receipt signing key must live outside the workspace (${keyFile} is inside ${path.resolve(opts.workspace)}); set BELAY_HOME to a folder outside it`);
    }
    if (isInside(file, opts.workspace)) {
      throw new ReceiptStoreError('invalid', `the receipts database must live outside the workspace (${file} is inside ${path.resolve(opts.workspace)})`);
    }
    const key = loadOrCreateSecretKey(keyFile);
    const readonly = opts.readonly ?? false;
    const existed = fs.existsSync(file);
    if (readonly && !existed) throw new ReceiptStoreError('not_found', `no receipts database at ${file}`);
    if (!existed) fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const busyMs = opts.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
    const db = openSqlite(file, { readonly, timeout: busyMs });
    try {
      if (!existed && process.platform !== 'win32') fs.chmodSync(file, 0o600);
      // Refuse a newer or foreign file before anything (even WAL mode) touches it.
      refuseUnreadable(retryBusy(busyMs, () => schemaVersion(db)), file);
      if (!readonly) {
        retryBusy(busyMs, () => {
          const mode = db.pragma('journal_mode = WAL', { simple: true });
          if (mode !== 'wal') throw new ReceiptStoreError('invalid', `could not switch ${file} to WAL mode (got ${String(mode)})`);
        });
      }
      db.pragma(`synchronous = ${opts.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
      const store = new ReceiptStore(db, key, opts);
      store.#ensureSchema();
      const abandonAfter = opts.abandonAfterMs ?? DEFAULT_ABANDON_AFTER_MS;
      if (!readonly && abandonAfter > 0) store.markAbandoned(abandonAfter);
      return store;
    } catch (err) {
      db.close();
      throw err;
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#flushGroup();
    for (const s of this.#subs) clearInterval(s.timer);
    this.#subs.clear();
    this.#closed = true;
    this.#db.close();
  }

  /** The id of the install key that signs this store's events. */
  get keyId(): string {
    return this.#key.id;
  }

  // ---- plumbing ------------------------------------------------------------

  #stmt<R = unknown>(sql: string): { get: (...a: unknown[]) => R | undefined; all: (...a: unknown[]) => R[]; run: (...a: unknown[]) => { changes: number } } {
    let s = this.#stmts.get(sql);
    if (!s) {
      s = this.#db.prepare(sql);
      this.#stmts.set(sql, s);
    }
    return s as unknown as { get: (...a: unknown[]) => R | undefined; all: (...a: unknown[]) => R[]; run: (...a: unknown[]) => { changes: number } };
  }

  get #writer(): ChainWriter {
    this.#chain ??= new ChainWriter(this.#db, this.#key);
    return this.#chain;
  }

  /** Runs fn in a BEGIN IMMEDIATE transaction, waiting out other writers up to the busy budget. */
  #write<T>(fn: () => T): T {
    if (this.#closed) throw new ReceiptStoreError('invalid', 'the receipt store is closed');
    if (this.#readonly) throw new ReceiptStoreError('invalid', 'the receipt store was opened read-only');
    let result: T;
    // Waiting for the write lock is left to SQLite's busy handler (sleeps in C
    // of 1, 2, 5 … 100 ms, within the busy budget). Measured with 8 writer
    // processes on 2 CPUs, it gave 1.4–1.8x the throughput of short
    // randomised sleeps in JavaScript: fewer wake-ups (each a failed BEGIN and
    // a thrown error) leave the CPU to the writer holding the lock. A retry
    // loop remains for a BUSY that still gets through.
    try {
      result = retryBusy(
        this.#busyMs,
        () => {
          this.#chain?.forgetHead();
          this.#txReceiptSeq = undefined;
          try {
            return this.#tx.immediate(fn) as T;
          } catch (err) {
            this.#chain?.forgetAll();
            throw err;
          } finally {
            this.#chain?.forgetHead();
            this.#txReceiptSeq = undefined;
          }
        },
        this.file,
      );
    } catch (err) {
      // a rolled-back transaction may have added sessions to the cache
      this.#knownSessions.clear();
      throw err;
    }
    this.#localWrites++;
    return result;
  }

  #ensureSchema(): void {
    const check = (v: number): boolean => {
      refuseUnreadable(v, this.file);
      return v === SCHEMA_VERSION;
    };
    if (check(schemaVersion(this.#db))) return;
    if (this.#readonly) throw new ReceiptStoreError('invalid', `the receipts database ${this.file} uses an older schema; open it once read-write to migrate it`);
    this.#write(() => {
      let v = schemaVersion(this.#db);
      if (check(v)) return;
      if (v === 0) {
        this.#db.exec(SCHEMA_V2);
        this.#writer.append('genesis', undefined, { workspace: this.workspace, schema: SCHEMA_VERSION }, this.#clock());
        v = SCHEMA_VERSION;
      }
      if (v === 1) {
        this.#migrateFromV1();
        v = 2;
      }
      this.#db.pragma(`user_version = ${v}`);
    });
  }

  /** v1 → v2: the skeleton's flat rows become create events of a new chain, in time order. */
  #migrateFromV1(): void {
    const db = this.#db;
    for (const ix of db.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'receipts' AND sql IS NOT NULL").all()) {
      db.exec(`DROP INDEX "${ix.name.replace(/"/g, '""')}"`);
    }
    db.exec('ALTER TABLE receipts RENAME TO receipts_v1');
    db.exec(SCHEMA_V2);
    const legacy = db.prepare<[], LegacyReceiptV1>('SELECT * FROM receipts_v1 ORDER BY time, rowid').all();
    this.#writer.append('genesis', undefined, { workspace: this.workspace, schema: SCHEMA_VERSION, migratedFrom: 1, legacyReceipts: legacy.length }, legacy[0] ? new Date(Date.parse(legacy[0].time) || 0) : this.#clock());
    const rollbacks: { id: string; of: string }[] = [];
    for (const row of legacy) {
      let action: unknown = undefined;
      if (row.action !== null && row.action !== undefined) {
        try {
          action = JSON.parse(row.action);
        } catch {
          action = row.action;
        }
      }
      const decision: Verdict = VERDICTS.includes(row.decision as Verdict) ? (row.decision as Verdict) : 'ask';
      const nr: NewReceipt = {
        kind: row.rollback_of ? 'rollback' : 'action',
        agent: row.agent || 'unknown',
        tool: row.tool || 'unknown',
        decision,
        rule: row.rule ?? '',
        reason: row.reason ?? '',
        outcome: decision === 'deny' ? 'blocked' : 'done',
        ...(row.session ? { sessionId: row.session } : {}),
        ...(action !== undefined ? { action } : {}),
        ...(row.checkpoint_before ? { checkpointBefore: row.checkpoint_before } : {}),
        ...(row.checkpoint_after ? { checkpointAfter: row.checkpoint_after } : {}),
        ...(row.rollback_of ? { rollbackOf: row.rollback_of } : {}),
      };
      const time = new Date(Date.parse(row.time) || 0);
      const prepared = this.#prepare(nr, { migratedFrom: 1 });
      this.#insertReceipt(prepared, nr, time, String(row.id));
      if (row.rollback_of) rollbacks.push({ id: String(row.id), of: row.rollback_of });
    }
    for (const rb of rollbacks) this.#markRolledBack(rb.of, rb.id, this.#clock());
    db.exec('DROP TABLE receipts_v1');
  }

  // ---- writing -------------------------------------------------------------

  /** Redaction and derived fields: done before taking the write lock. */
  #prepare(r: NewReceipt, extra: { migratedFrom?: number; deferDeflate?: boolean } = {}): PreparedReceipt {
    validateNew(r);
    const red = redactValue(
      { action: r.action, input: r.input, reason: r.reason, matches: r.matches, rollbackData: r.rollbackData, target: r.target },
      this.#redact,
    );
    const v = red.value;
    const paths = pathsOf({ paths: r.paths, action: v.action, input: v.input, changedPaths: r.changedPaths }, this.workspace);
    const target = targetOf({ target: v.target, action: v.action, input: v.input, tool: r.tool }, paths);
    // Keys in sorted order (and nested values sorted by redaction), so the
    // canonical serialisation is the native one. (No spread inside this
    // literal: one makes V8 define every later key through the runtime.)
    const body: Record<string, unknown> = {
      action: v.action,
      agent: r.agent,
      approver: r.approver,
      changedPaths: sortedChanges(r.changedPaths),
      checkpointAfter: r.checkpointAfter,
      checkpointBefore: r.checkpointBefore,
      decision: r.decision,
      durationMs: r.durationMs,
      evaluated: r.evaluated,
      harness: r.harness,
      idempotencyKey: r.idempotencyKey,
      input: v.input,
      kind: r.kind ?? 'action',
      matches: v.matches,
      migratedFrom: extra.migratedFrom,
      outcome: r.outcome,
      paths,
      policyHash: r.policyHash,
      reason: v.reason,
      redacted: red.redacted ? true : undefined,
      redactions: red.redactions.length > 0 ? red.redactions : undefined,
      rollbackData: v.rollbackData,
      rollbackOf: r.rollbackOf,
      rule: r.rule,
      sessionId: r.sessionId,
      target,
      tool: r.tool,
      toolUseId: r.toolUseId,
      truncated: red.truncated ? true : undefined,
      turn: r.turn,
    };
    return { body, prepared: new PreparedBody(body, extra.deferDeflate), id: this.#ids.next(), paths, target };
  }

  /** The receipt number after `max` (the largest in the table, or null when it is empty). */
  #receiptSeqAfter(max: number | null | undefined): number {
    if (max !== null && max !== undefined) return max + 1;
    const anchor = this.#writer.lastAnchor();
    return anchor ? (JSON.parse(anchor.doc) as AnchorDoc).throughReceiptSeq + 1 : 1;
  }

  #ensureSession(sessionId: string, agent: string, harness: string | undefined, now: Date, startedAt: string = now.toISOString()): void {
    if (this.#knownSessions.has(sessionId)) return;
    if (this.#stmt('SELECT 1 FROM sessions WHERE id = ?').get(sessionId) !== undefined) {
      this.#knownSessions.add(sessionId);
      return;
    }
    this.#writer.append('session_open', undefined, { id: sessionId, agent, harness, startedAt, workspace: this.workspace }, now);
    this.#stmt('INSERT INTO sessions (id, agent, harness, started_at, workspace) VALUES (?, ?, ?, ?, ?)').run(sessionId, agent, harness ?? null, startedAt, this.workspace);
    this.#knownSessions.add(sessionId);
  }

  /**
   * Inside a write transaction: the create event and its projection. The
   * row goes in first, at the position and time the event will get, so the
   * id's UNIQUE index is its uniqueness check: a drawn id that is taken
   * (about one chance in 10^9 at a million receipts) fails that insert alone
   * and another is drawn. One query reads both the chain's last position
   * and the last receipt number.
   */
  #insertReceipt(p: PreparedReceipt, r: NewReceipt, now: Date, id?: string): { id: string; seq: number; event: AppendedEvent } {
    if (r.sessionId !== undefined) this.#ensureSession(r.sessionId, r.agent, r.harness, now);
    let seq: number;
    let head: Head;
    if (this.#txReceiptSeq !== undefined) {
      seq = ++this.#txReceiptSeq;
      head = this.#writer.head();
    } else {
      const last = this.#stmt<{ e: number | null; r: number | null }>('SELECT (SELECT seq FROM events ORDER BY seq DESC LIMIT 1) AS e, (SELECT seq FROM receipts ORDER BY seq DESC LIMIT 1) AS r').get();
      head = this.#writer.head(last?.e ?? null);
      seq = this.#receiptSeqAfter(last?.r);
      this.#txReceiptSeq = seq;
    }
    const evSeq = head.seq + 1;
    const time = ChainWriter.timeAfter(head, now);
    const insert = this.#stmt(INSERT_RECEIPT);
    let rid = id ?? p.id;
    for (let attempt = 0; ; attempt++) {
      try {
        insert.run(
          seq, rid, evSeq, evSeq, String(evSeq), time, r.kind ?? 'action', r.sessionId ?? null, r.agent, r.tool, r.toolUseId ?? null, r.decision,
          r.outcome, r.checkpointBefore ?? null, r.checkpointAfter ?? null, r.idempotencyKey ?? null, r.rollbackOf ?? null,
          null, r.approver ?? null, p.body.redacted === true ? 1 : 0,
        );
        break;
      } catch (err) {
        // only a drawn id that is taken is drawn again; a given id (migration) or another conflict is an error
        if (id !== undefined || attempt >= 16 || !isIdTaken(err)) throw err;
        rid = this.#ids.next();
      }
    }
    const ev = this.#writer.append('create', rid, p.prepared, now, head, seq, time);
    const ins = this.#stmt('INSERT OR IGNORE INTO receipt_paths (path, receipt_seq) VALUES (?, ?)');
    for (const pth of p.paths) ins.run(pth, seq);
    return { id: rid, seq, event: ev };
  }

  /** Records a receipt; it is durable (fsynced) when this returns. */
  append(r: NewReceipt): Receipt {
    const prepared = this.#prepare(r);
    return this.#appended(this.#write(() => this.#appendInTx(r, prepared)));
  }

  /**
   * Records a receipt together with the others appended in the same turn of
   * the event loop: one transaction and one fsync for all of them (group
   * commit). Resolves once the receipt is durable, exactly as `append` returns;
   * the order of the chain is the order of the calls. A group whose
   * transaction fails is retried one receipt at a time, so a receipt that
   * cannot be written fails alone.
   */
  appendGrouped(r: NewReceipt): Promise<Receipt> {
    return this.#grouped(() => {
      // (the hook call is waiting: a large body is deflated later, see packBodies)
      const prepared = this.#prepare(r, { deferDeflate: true });
      return { run: () => this.#appendInTx(r, prepared), finish: (res) => this.#appended(res as string | AppendedEvent) };
    });
  }

  /** `complete` through group commit (see appendGrouped): resolves once the completion is durable. */
  completeGrouped(id: string, patch: CompletePatch): Promise<Receipt> {
    return this.#grouped(() => {
      const run = this.#prepareComplete(id, patch, true);
      return { run, finish: (res) => this.#mustGet(res as string) };
    });
  }

  /** Queues a write for the next turn of the event loop; what cannot even be prepared is refused at once. */
  #grouped(make: () => Omit<GroupedWrite, 'resolve' | 'reject'>): Promise<Receipt> {
    let w: Omit<GroupedWrite, 'resolve' | 'reject'>;
    try {
      if (this.#closed) throw new ReceiptStoreError('invalid', 'the receipt store is closed');
      w = make();
    } catch (err) {
      return Promise.reject(err as Error);
    }
    return new Promise<Receipt>((resolve, reject) => {
      this.#group.push({ ...w, resolve, reject });
      if (this.#group.length === 1) setImmediate(() => this.#flushGroup());
    });
  }

  /** Writes the waiting group (also run by close(), so nothing queued is dropped). */
  #flushGroup(): void {
    const group = this.#group.splice(0);
    if (group.length === 0) return;
    let results: unknown[] | undefined;
    if (group.length > 1) {
      try {
        results = this.#write(() => group.map((g) => g.run()));
      } catch {
        results = undefined; // rolled back as a whole: one at a time below
      }
    }
    for (let i = 0; i < group.length; i++) {
      const g = group[i] as GroupedWrite;
      try {
        g.resolve(g.finish(results ? results[i] : this.#write(() => g.run())));
      } catch (err) {
        g.reject(err as Error);
      }
    }
  }

  /** Inside a write transaction: one receipt's create event and projection, or the id of the receipt its idempotency key names. */
  #appendInTx(r: NewReceipt, prepared: PreparedReceipt): string | AppendedEvent {
    if (r.idempotencyKey !== undefined) {
      const existing = this.#stmt<{ id: string }>('SELECT id FROM receipts WHERE idempotency_key = ?').get(r.idempotencyKey);
      if (existing) return existing.id;
    }
    const now = this.#clock();
    const created = this.#insertReceipt(prepared, r, now);
    if (r.rollbackOf !== undefined && r.outcome === 'done') this.#markRolledBack(r.rollbackOf, created.id, now);
    return created.event;
  }

  /** The receipt an append wrote, built from what was written, after the lock is released. */
  #appended(result: string | AppendedEvent): Receipt {
    return typeof result === 'string' ? this.#mustGet(result) : this.#receiptOf([result.parsed], [{ hash: result.hash, mac: result.mac }]);
  }

  /**
   * Records many receipts in one transaction (one fsync): for imports and
   * benchmarks. Returns their ids in order; a receipt whose idempotency key
   * is already taken (before or earlier in the same batch) gives the id of
   * the receipt that holds it, as `append` does.
   */
  appendMany(rs: readonly NewReceipt[]): string[] {
    const prepared = rs.map((r) => this.#prepare(r));
    return this.#write(() =>
      rs.map((r, i) => {
        const res = this.#appendInTx(r, prepared[i] as PreparedReceipt);
        return typeof res === 'string' ? res : (res.parsed.receipt as string);
      }),
    );
  }

  /** Inside a write transaction: marks `targetId` rolled back by `byId` (a later event, history kept). */
  #markRolledBack(targetId: string, byId: string, now: Date): void {
    const target = this.#stmt<{ seq: number; outcome: string; rolled_back_by: string | null }>('SELECT seq, outcome, rolled_back_by FROM receipts WHERE id = ?').get(targetId);
    if (!target || (target.outcome === 'rolled_back' && target.rolled_back_by === byId)) return;
    const ev = this.#writer.append('complete', targetId, { outcome: 'rolled_back', rolledBackBy: byId }, now);
    this.#stmt(`UPDATE receipts SET outcome = ?, rolled_back_by = ?, ${ADD_EVENT} WHERE seq = ?`).run('rolled_back', byId, ev.seq, ev.seq, target.seq);
  }

  /**
   * Completes a receipt (PostToolUse, a rollback, a late answer): a new
   * `complete` event in the chain; the create event is never rewritten.
   * Completing with the outcome it already has and nothing new is a no-op.
   */
  complete(id: string, patch: CompletePatch): Receipt {
    const run = this.#prepareComplete(id, patch);
    return this.#mustGet(this.#write(run));
  }

  /** Checks and redacts a completion; returns what writes it inside a transaction (the receipt's id). */
  #prepareComplete(id: string, patch: CompletePatch, deferDeflate = false): () => string {
    if (!patch || !OUTCOMES.includes(patch.outcome)) throw invalid(`outcome must be one of ${OUTCOMES.join(', ')}`);
    if (patch.outcome === 'pending') throw invalid('a receipt cannot be completed as pending');
    checkString(patch.checkpointAfter, 'checkpointAfter', false);
    checkString(patch.rolledBackBy, 'rolledBackBy', false);
    checkString(patch.note, 'note', false);
    if (patch.durationMs !== undefined && (typeof patch.durationMs !== 'number' || !Number.isFinite(patch.durationMs) || patch.durationMs < 0)) throw invalid("'durationMs' must be a non-negative number");
    if (patch.changedPaths !== undefined && (!Array.isArray(patch.changedPaths) || patch.changedPaths.some((c) => !c || typeof c.path !== 'string' || typeof c.status !== 'string'))) {
      throw invalid("'changedPaths' must be a list of { path, status, size? }");
    }
    const red = redactValue({ response: patch.response, note: patch.note }, this.#redact);
    return () => {
      const row = this.#stmt<{ seq: number; id: string; outcome: string; rollback_of: string | null }>('SELECT seq, id, outcome, rollback_of FROM receipts WHERE id = ?').get(id);
      if (!row) throw new ReceiptStoreError('not_found', `no receipt ${id}`);
      const nothingNew = patch.checkpointAfter === undefined && patch.changedPaths === undefined && patch.durationMs === undefined && patch.response === undefined && patch.rolledBackBy === undefined && patch.note === undefined;
      if (row.outcome === patch.outcome && nothingNew) return row.id;
      const has = this.#stmt('SELECT 1 FROM receipt_paths WHERE path = ? AND receipt_seq = ?');
      const added = (patch.changedPaths ?? []).map((c) => normalisePath(c.path, this.workspace)).filter((p) => p !== '' && has.get(p, row.seq) === undefined);
      const newPaths = [...new Set(added)];
      const now = this.#clock();
      const ev = this.#writer.append('complete', row.id, new PreparedBody({
        changedPaths: sortedChanges(patch.changedPaths),
        checkpointAfter: patch.checkpointAfter,
        durationMs: patch.durationMs,
        note: red.value.note,
        outcome: patch.outcome,
        paths: newPaths.length > 0 ? newPaths : undefined,
        redacted: red.redacted ? true : undefined,
        redactions: red.redactions.length > 0 ? red.redactions : undefined,
        response: red.value.response,
        rolledBackBy: patch.rolledBackBy,
        truncated: red.truncated ? true : undefined,
      }, deferDeflate), now);
      this.#stmt(`UPDATE receipts SET outcome = ?, checkpoint_after = coalesce(?, checkpoint_after), rolled_back_by = coalesce(?, rolled_back_by), redacted = max(redacted, ?), ${ADD_EVENT} WHERE seq = ?`).run(
        patch.outcome, patch.checkpointAfter ?? null, patch.rolledBackBy ?? null, red.redacted ? 1 : 0, ev.seq, ev.seq, row.seq,
      );
      const ins = this.#stmt('INSERT OR IGNORE INTO receipt_paths (path, receipt_seq) VALUES (?, ?)');
      for (const p of newPaths) ins.run(p, row.seq);
      if (row.rollback_of !== null && patch.outcome === 'done') this.#markRolledBack(row.rollback_of, row.id, now);
      return row.id;
    };
  }

  /** Opens a session (idempotent: a second call with the same id changes nothing). */
  openSession(s: { id: string; agent: string; harness?: string; startedAt?: string }): void {
    checkString(s?.id, 'id', true);
    checkString(s.agent, 'agent', true);
    checkString(s.harness, 'harness', false);
    if (this.#stmt('SELECT 1 FROM sessions WHERE id = ?').get(s.id) !== undefined) return;
    const startedAt = s.startedAt !== undefined ? toIso(s.startedAt, 'startedAt') : undefined;
    this.#write(() => this.#ensureSession(s.id, s.agent, s.harness, this.#clock(), startedAt));
  }

  /** Ends a session (idempotent; an unknown session is ignored). */
  endSession(id: string, at?: string): void {
    const endedAt = at !== undefined ? toIso(at, 'endedAt') : this.#clock().toISOString();
    this.#write(() => {
      const row = this.#stmt<{ ended_at: string | null }>('SELECT ended_at FROM sessions WHERE id = ?').get(id);
      if (!row || row.ended_at !== null) return;
      this.#writer.append('session_end', undefined, { id, endedAt }, this.#clock());
      this.#stmt('UPDATE sessions SET ended_at = ? WHERE id = ?').run(endedAt, id);
    });
  }

  getSession(id: string): Session | undefined {
    const row = this.#stmt<{ id: string; agent: string; harness: string | null; started_at: string; ended_at: string | null; workspace: string }>('SELECT * FROM sessions WHERE id = ?').get(id);
    if (!row) return undefined;
    const s: Session = { id: row.id, agent: row.agent, startedAt: row.started_at, workspace: row.workspace };
    if (row.harness !== null) s.harness = row.harness;
    if (row.ended_at !== null) s.endedAt = row.ended_at;
    return s;
  }

  /** Records a person's answer to an `ask` (signed into the chain). */
  recordApproval(a: ApprovalInput): void {
    checkString(a?.approver, 'approver', true);
    if (!VERDICTS.includes(a.decision)) throw invalid(`approval decision must be one of ${VERDICTS.join(', ')}`);
    const red = redactValue({ reason: a.reason }, this.#redact);
    this.#write(() => {
      const target = a.receiptId !== undefined ? this.#stmt<{ seq: number }>('SELECT seq FROM receipts WHERE id = ?').get(a.receiptId) : undefined;
      const ev = this.#writer.append('approval', target ? a.receiptId : undefined, { receiptId: a.receiptId, approver: a.approver, decision: a.decision, scope: a.scope, reason: red.value.reason }, this.#clock());
      this.#stmt('INSERT INTO approvals (receipt_id, approver, decision, scope, reason, time, event_seq) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
        a.receiptId ?? null, a.approver, a.decision, a.scope ?? null, (red.value.reason as string | undefined) ?? null, ev.time, ev.seq,
      );
      if (target) this.#stmt(`UPDATE receipts SET approver = ?, ${ADD_EVENT} WHERE seq = ?`).run(a.approver, ev.seq, ev.seq, target.seq);
    });
  }

  /** Records a checkpoint and the receipt it belongs to (idempotent by checkpoint id). */
  recordCheckpoint(c: CheckpointInput): void {
    checkString(c?.id, 'id', true);
    checkString(c.kind, 'kind', true);
    if (this.#stmt('SELECT 1 FROM checkpoints WHERE id = ?').get(c.id) !== undefined) return;
    this.#write(() => {
      if (this.#stmt('SELECT 1 FROM checkpoints WHERE id = ?').get(c.id) !== undefined) return;
      const ev = this.#writer.append('checkpoint', undefined, { id: c.id, receiptId: c.receiptId, kind: c.kind, parent: c.parent, label: c.label }, this.#clock());
      this.#stmt('INSERT INTO checkpoints (id, receipt_id, kind, time, parent, label, event_seq) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
        c.id, c.receiptId ?? null, c.kind, ev.time, c.parent ?? null, c.label ?? null, ev.seq,
      );
    });
  }

  /**
   * Marks pending receipts older than `olderThanMs` abandoned (a `complete`
   * event with a note), so a crashed agent or killed hook never leaves one
   * dangling silently. Returns how many were marked.
   */
  markAbandoned(olderThanMs: number, now: Date = this.#clock()): number {
    if (!(olderThanMs >= 0)) throw invalid('olderThanMs must be a non-negative number');
    const cutoff = new Date(now.getTime() - olderThanMs).toISOString();
    // Runs on every open (every hook call): it must read the small index of
    // open receipts, never the table (INDEXED BY, in case the planner would
    // rather scan the table in seq order).
    const sql = "SELECT seq, id FROM receipts INDEXED BY receipts_open WHERE outcome IN ('pending', 'abandoned') AND outcome = 'pending' AND time < ? ORDER BY seq";
    if (this.#stmt(sql).get(cutoff) === undefined) return 0;
    const note = `no completion within ${formatDuration(olderThanMs)} (the agent or its hook stopped before reporting the result)`;
    return this.#write(() => {
      const rows = this.#stmt<{ seq: number; id: string }>(sql).all(cutoff);
      for (const row of rows) {
        const ev = this.#writer.append('complete', row.id, { outcome: 'abandoned', note }, this.#clock());
        this.#stmt(`UPDATE receipts SET outcome = ?, ${ADD_EVENT} WHERE seq = ?`).run('abandoned', ev.seq, ev.seq, row.seq);
      }
      return rows.length;
    });
  }

  /**
   * Deflates the bodies stored compacted for now (see DEFER_DEFLATE_UP_TO).
   * An event's document, and so its hash and signature, stays exactly what
   * it was; only its stored form shrinks. Goes on from the last event it
   * looked at, over at most `maxScan` events and `maxPacks` bodies a run,
   * all in one transaction. A store it never ran on is looked at from
   * `maxScan` events before its end: bodies waited only since this
   * version, and every older one was deflated when written. Returns how
   * many bodies it deflated.
   */
  packBodies(opts: { maxPacks?: number; maxScan?: number } = {}): number {
    const maxPacks = opts.maxPacks ?? 1000;
    const maxScan = opts.maxScan ?? 5000;
    const saved = this.getState(PACKED_THROUGH_KEY);
    let from: number;
    if (saved === undefined) {
      from = Math.max(0, (this.#span('events').hi ?? 0) - maxScan);
    } else {
      from = Number(saved) || 0;
    }
    const packs: Array<{ seq: number; old: string; z: Buffer }> = [];
    let through = from;
    let scanned = 0;
    scan: while (scanned < maxScan && packs.length < maxPacks) {
      const rows = this.#stmt<{ seq: number; body: string | Buffer }>('SELECT seq, body FROM events WHERE seq > ? ORDER BY seq LIMIT 500').all(through);
      for (const row of rows) {
        if (scanned >= maxScan || packs.length >= maxPacks) break scan;
        scanned++;
        through = row.seq;
        if (typeof row.body !== 'string') continue;
        const json = expandText(row.body);
        if (json.length >= DEFLATE_FROM) packs.push({ seq: row.seq, old: row.body, z: packBody(json) });
      }
      if (rows.length < 500) break;
    }
    if (through === from && saved !== undefined) return 0;
    return this.#write(() => {
      let n = 0;
      const update = this.#stmt('UPDATE events SET body = ? WHERE seq = ? AND body = ?');
      for (const p of packs) n += update.run(p.z, p.seq, p.old).changes;
      this.#stmt(SET_STATE).run(PACKED_THROUGH_KEY, String(through), this.#clock().toISOString());
      return n;
    });
  }

  getState(key: string): string | undefined {
    return this.#stmt<{ value: string }>('SELECT value FROM state WHERE key = ?').get(key)?.value;
  }

  setState(key: string, value: string): void {
    checkString(key, 'key', true);
    checkString(value, 'value', false);
    this.#write(() => {
      this.#stmt(SET_STATE).run(key, value, this.#clock().toISOString());
    });
  }

  deleteState(key: string): void {
    this.#write(() => {
      this.#stmt('DELETE FROM state WHERE key = ?').run(key);
    });
  }

  // ---- reading -------------------------------------------------------------

  #mustGet(id: string): Receipt {
    const r = this.#loadById(id);
    if (!r) throw new ReceiptStoreError('not_found', `no receipt ${id}`);
    return r;
  }

  #loadById(id: string): Receipt | undefined {
    const row = this.#stmt<ProjectionRow>(`SELECT ${RECEIPT_COLUMNS} FROM receipts WHERE id = ?`).get(id);
    return row ? this.#materialise(row) : undefined;
  }

  #materialise(row: ProjectionRow, fetched?: Map<number, StoredEvent>): Receipt {
    const at = this.#stmt<StoredEvent>(`SELECT ${EVENT_COLUMNS} FROM events WHERE seq = ?`);
    const events: StoredEvent[] = [];
    for (const seq of parseEventList(row.events)) {
      const e = fetched?.get(seq) ?? at.get(seq);
      if (!e || e.receipt !== row.id) return this.#fromRowOnly(row, `its event ${seq} is missing or belongs elsewhere`);
      events.push(e);
    }
    let docs: EventDoc[];
    try {
      docs = events.map((e) => JSON.parse(docText(e)) as EventDoc);
    } catch {
      return this.#fromRowOnly(row, 'its events are unreadable');
    }
    return this.#receiptOf(docs, events.map((e) => ({ hash: e.hash.toString('hex'), mac: e.mac.toString('hex') })), row);
  }

  /** A receipt from its parsed events (oldest first) and their hashes. */
  #receiptOf(docs: EventDoc[], sigs: { hash: string; mac: string }[], row?: ProjectionRow): Receipt {
    const first = sigs[0];
    const last = sigs[sigs.length - 1];
    if (!first || !last || docs[0]?.type !== 'create') {
      if (row) return this.#fromRowOnly(row, 'its events are missing or unreadable');
      throw new ReceiptStoreError('invalid', 'a receipt needs its create event');
    }
    const f = foldEvents(docs);
    // id, seq, time and kind first, then the other fields in their order
    // (a plain loop: a rest pattern and a spread in the middle of a literal
    // both go through V8's slow generic paths)
    const r: Record<string, unknown> = { id: f.id, seq: f.seq, time: f.time, kind: f.kind };
    const from = f as unknown as Record<string, unknown>;
    for (const k in from) {
      if (k === 'createSeq' || k === 'headSeq' || k === 'id' || k === 'seq' || k === 'time' || k === 'kind') continue;
      if (k === 'migratedFrom' && from[k] === undefined) continue;
      r[k] = from[k];
    }
    r.workspace = this.workspace;
    r.hash = first.hash;
    r.prevHash = docs[0].prev;
    r.mac = first.mac;
    r.headHash = last.hash;
    return r as unknown as Receipt;
  }

  /** A receipt whose events cannot be read: shown from its row, flagged. */
  #fromRowOnly(row: ProjectionRow, problem: string): Receipt {
    const r: Receipt = {
      id: row.id,
      seq: row.seq,
      time: row.time,
      workspace: this.workspace,
      kind: row.kind,
      agent: row.agent,
      tool: row.tool,
      decision: row.decision as Verdict,
      rule: '',
      reason: `(unverifiable: ${problem})`,
      outcome: row.outcome as Outcome,
      hash: '',
      prevHash: '',
      mac: '',
      headHash: '',
      eventSeqs: [],
      redacted: row.redacted === 1,
      paths: [],
    };
    if (row.session_id !== null) r.sessionId = row.session_id;
    return r;
  }

  /**
   * One receipt by id, by a unique prefix of its id (Crockford-style: case and
   * i/l/o forgiven), or by number as `#42`. Throws `ambiguous` (with the
   * candidates) when a prefix matches several.
   */
  get(idOrPrefix: string): Receipt | undefined {
    const q = String(idOrPrefix ?? '').trim();
    if (q === '') return undefined;
    const bySeq = /^#(\d+)$/.exec(q);
    if (bySeq) {
      const row = this.#stmt<ProjectionRow>(`SELECT ${RECEIPT_COLUMNS} FROM receipts WHERE seq = ?`).get(Number(bySeq[1]));
      return row ? this.#materialise(row) : undefined;
    }
    const exact = this.#loadById(q);
    if (exact) return exact;
    const candidates = new Set<string>();
    for (const prefix of new Set([q, q.toLowerCase(), normaliseIdPrefix(q)].filter((p): p is string => p !== undefined && p !== ''))) {
      for (const row of this.#stmt<{ id: string }>("SELECT id FROM receipts WHERE id >= ? AND id < ? || char(1114111) ORDER BY id LIMIT 6").all(prefix, prefix)) candidates.add(row.id);
    }
    if (candidates.size === 0) return undefined;
    if (candidates.size > 1) {
      const list = [...candidates].slice(0, 5);
      throw new ReceiptStoreError('ambiguous', `receipt prefix '${q}' matches ${candidates.size > 5 ? 'more than 5' : candidates.size} receipts (${list.join(', ')}); type more characters`, list);
    }
    return this.#loadById([...candidates][0] as string);
  }

  /**
   * The receipt a PostToolUse belongs to: the newest pending receipt with
   * this tool-use id, else the newest abandoned one (a completion that came
   * late). Reads only the index of open receipts. `abandoned: false` looks
   * at pending receipts alone (abandoned ones pile up until retention prunes
   * them, and each is a step of this index walk).
   */
  findPending(q: { sessionId?: string; toolUseId: string; abandoned?: boolean }): Receipt | undefined {
    // Run on every hook call, nearly always finding nothing. The outcome is
    // written into the statement rather than bound, and the newest match is
    // picked here rather than by ORDER BY … LIMIT 1 (a call id matches one
    // receipt, rarely a few): either way SQLite set up more per run than the
    // search costs (about 20 µs each, against 4 µs for the search).
    for (const outcome of q.abandoned === false ? ['pending'] : ['pending', 'abandoned']) {
      const sql = `SELECT ${RECEIPT_COLUMNS} FROM receipts INDEXED BY receipts_open WHERE outcome IN ('pending', 'abandoned') AND outcome = '${outcome}' AND tool_use_id = ?${q.sessionId !== undefined ? ' AND session_id = ?' : ''}`;
      const rows = q.sessionId !== undefined ? this.#stmt<ProjectionRow>(sql).all(q.toolUseId, q.sessionId) : this.#stmt<ProjectionRow>(sql).all(q.toolUseId);
      let newest: ProjectionRow | undefined;
      for (const row of rows) if (newest === undefined || row.seq > newest.seq) newest = row;
      if (newest) return this.#materialise(newest);
    }
    return undefined;
  }

  /**
   * First and last seq of a table, each by its own query: SQLite answers a
   * lone min() or max() from the b-tree's edge, but scans for both at once.
   */
  #span(table: 'receipts' | 'events'): { lo: number | null; hi: number | null } {
    const lo = this.#stmt<{ seq: number }>(`SELECT seq FROM ${table} ORDER BY seq ASC LIMIT 1`).get()?.seq ?? null;
    const hi = this.#stmt<{ seq: number }>(`SELECT seq FROM ${table} ORDER BY seq DESC LIMIT 1`).get()?.seq ?? null;
    return { lo, hi };
  }

  /** Smallest receipt number whose time is at or after `iso` (times never decrease along the chain). */
  #seqAtTime(iso: string): number {
    const bounds = this.#span('receipts');
    if (!bounds || bounds.lo === null || bounds.hi === null) return 1;
    const at = this.#stmt<{ seq: number; time: string }>('SELECT seq, time FROM receipts WHERE seq >= ? ORDER BY seq LIMIT 1');
    let lo = bounds.lo;
    let hi = bounds.hi + 1;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      const row = at.get(mid);
      if (!row) {
        hi = mid;
        continue;
      }
      if (row.time < iso) lo = row.seq + 1;
      else hi = mid;
    }
    return lo;
  }

  /** A page of receipts, newest first by default; pass `nextCursor` back as `cursor` for the next page. */
  list(q: ListQuery = {}): ListPage {
    const limit = q.limit === undefined ? 50 : Math.floor(q.limit);
    if (!(limit >= 1 && limit <= 1000)) throw invalid('limit must be between 1 and 1000');
    const order = q.order ?? 'newest';
    if (order !== 'newest' && order !== 'oldest') throw invalid("order must be 'newest' or 'oldest'");
    const where: string[] = [];
    const args: unknown[] = [];
    // With an exact path the path index drives the query, in its own seq order.
    const exactPath = q.path !== undefined && !q.path.endsWith('/') && !q.path.endsWith('\\') && normalisePath(q.path, this.workspace) !== '';
    const seqCol = exactPath ? 'p.receipt_seq' : 'r.seq';
    if (q.cursor !== undefined) {
      const m = /^([no])(\d+)$/.exec(q.cursor);
      if (!m || (m[1] === 'n') !== (order === 'newest')) throw invalid(`bad cursor ${JSON.stringify(q.cursor)} (pass back nextCursor from a page of the same order)`);
      where.push(order === 'newest' ? `${seqCol} < ?` : `${seqCol} > ?`);
      args.push(Number(m[2]));
    }
    if (q.sessionId !== undefined) {
      where.push('r.session_id = ?');
      args.push(q.sessionId);
    }
    if (q.agent !== undefined) {
      where.push('r.agent = ?');
      args.push(q.agent);
    }
    if (q.decision !== undefined) {
      if (!VERDICTS.includes(q.decision)) throw invalid(`decision must be one of ${VERDICTS.join(', ')}`);
      // the partial index holds only the rarer verdicts; say so for the planner
      where.push(q.decision === 'allow' ? 'r.decision = ?' : "r.decision = ? AND r.decision <> 'allow'");
      args.push(q.decision);
    }
    if (q.outcome !== undefined) {
      if (!OUTCOMES.includes(q.outcome)) throw invalid(`outcome must be one of ${OUTCOMES.join(', ')}`);
      if (q.outcome === 'pending' || q.outcome === 'abandoned') {
        // the index of open receipts, in seq order
        where.push("r.outcome = ? AND r.outcome IN ('pending', 'abandoned')");
      } else {
        where.push(q.outcome === 'done' ? 'r.outcome = ?' : "r.outcome = ? AND r.outcome NOT IN ('done', 'pending')");
      }
      args.push(q.outcome);
    }
    if (q.kind !== undefined) {
      where.push(q.kind === 'action' ? 'r.kind = ?' : "r.kind = ? AND r.kind <> 'action'");
      args.push(q.kind);
    }
    if (q.tool !== undefined) {
      where.push('r.tool = ?');
      args.push(q.tool);
    }
    if (q.since !== undefined) {
      where.push(`${seqCol} >= ?`);
      args.push(this.#seqAtTime(toIso(q.since, 'since')));
    }
    if (q.until !== undefined) {
      where.push(`${seqCol} < ?`);
      args.push(this.#seqAtTime(toIso(q.until, 'until')));
    }
    let from = 'receipts r';
    if (q.path !== undefined) {
      const n = normalisePath(q.path, this.workspace).replace(/\/+$/, '');
      const p = q.path.endsWith('/') || q.path.endsWith('\\') ? n + '/' : n;
      if (p === '' || p === '/') {
        // the whole workspace: no path condition
      } else if (p.endsWith('/')) {
        where.push("r.seq IN (SELECT receipt_seq FROM receipt_paths WHERE path >= ? AND path < ? || char(1114111))");
        args.push(p, p);
      } else {
        from = 'receipt_paths p CROSS JOIN receipts r ON r.seq = p.receipt_seq';
        where.push('p.path = ?');
        args.push(p);
      }
    }
    const sql = `SELECT ${RECEIPT_COLUMNS_R} FROM ${from}${where.length ? ' WHERE ' + where.join(' AND ') : ''} ORDER BY ${seqCol} ${order === 'newest' ? 'DESC' : 'ASC'} LIMIT ?`;
    const rows = this.#stmt<ProjectionRow>(sql).all(...args, limit + 1);
    const hasMore = rows.length > limit;
    const kept = rows.slice(0, limit);
    // One query for the events of the whole page.
    const seqs: number[] = [];
    for (const row of kept) for (const n of parseEventList(row.events)) seqs.push(n);
    const fetched = new Map<number, StoredEvent>();
    if (seqs.length > 0) {
      for (const e of this.#stmt<StoredEvent>(`SELECT ${EVENT_COLUMNS} FROM events WHERE seq IN (SELECT value FROM json_each(?))`).all(JSON.stringify(seqs))) fetched.set(e.seq, e);
    }
    const items = kept.map((row) => this.#materialise(row, fetched));
    const page: ListPage = { items, hasMore };
    const last = items[items.length - 1];
    if (hasMore && last) page.nextCursor = `${order === 'newest' ? 'n' : 'o'}${last.seq}`;
    return page;
  }

  /**
   * Counts for a status view. Agent, decision and kind never change once a
   * receipt is written, so their counts are kept per store instance and only
   * receipts added since are counted again (a prune starts over); outcomes
   * change and are counted each time from their partial indexes. The common
   * values (allow, done, action) are the total minus the counted rarer ones.
   */
  stats(): Stats {
    const read = this.#db.transaction((): Stats => {
      const span = this.#span('receipts');
      const fixed = this.#fixedCounts(span);
      const total = fixed.total;
      const count = (sql: string): Record<string, number> => {
        const out: Record<string, number> = {};
        for (const r of this.#stmt<{ k: string; n: number }>(sql).all()) if (r.n > 0) out[r.k] = r.n;
        return out;
      };
      const withCommon = (rare: Record<string, number>, common: string): Record<string, number> => {
        const rest = total - Object.values(rare).reduce((a, b) => a + b, 0);
        return rest > 0 ? { [common]: rest, ...rare } : rare;
      };
      const stats: Stats = {
        total,
        byDecision: withCommon({ ...fixed.byDecision }, 'allow'),
        byAgent: { ...fixed.byAgent },
        byOutcome: withCommon(
          count("SELECT outcome AS k, count(*) AS n FROM receipts WHERE outcome NOT IN ('done', 'pending') GROUP BY outcome UNION ALL SELECT 'pending' AS k, count(*) AS n FROM receipts WHERE outcome IN ('pending', 'abandoned') AND outcome = 'pending'"),
          'done',
        ),
        byKind: withCommon({ ...fixed.byKind }, 'action'),
        sessions: this.#stmt<{ n: number }>('SELECT count(*) AS n FROM sessions').get()?.n ?? 0,
      };
      if (span.lo !== null && span.hi !== null) {
        const t = this.#stmt<{ time: string }>('SELECT time FROM receipts WHERE seq = ?');
        const first = t.get(span.lo)?.time;
        const last = t.get(span.hi)?.time;
        if (first !== undefined) stats.first = first;
        if (last !== undefined) stats.last = last;
      }
      return stats;
    });
    return read();
  }

  /** Counts of the fields that never change (rarer decisions and kinds only), brought up to date. */
  #fixedCounts(span: { lo: number | null; hi: number | null }): FixedCounts {
    const add = (into: Record<string, number>, rows: { k: string; n: number }[]): void => {
      for (const r of rows) into[r.k] = (into[r.k] ?? 0) + r.n;
    };
    let c = this.#counts;
    if (!c || c.lo !== span.lo || (span.hi ?? 0) < c.through) {
      // first time, or receipts were pruned: count everything (covering index scans)
      c = { lo: span.lo, through: span.hi ?? 0, total: 0, byAgent: {}, byDecision: {}, byKind: {} };
      add(c.byAgent, this.#stmt<{ k: string; n: number }>('SELECT agent AS k, count(*) AS n FROM receipts GROUP BY agent').all());
      add(c.byDecision, this.#stmt<{ k: string; n: number }>("SELECT decision AS k, count(*) AS n FROM receipts WHERE decision <> 'allow' GROUP BY decision").all());
      add(c.byKind, this.#stmt<{ k: string; n: number }>("SELECT kind AS k, count(*) AS n FROM receipts WHERE kind <> 'action' GROUP BY kind").all());
      c.total = Object.values(c.byAgent).reduce((a, b) => a + b, 0);
    } else if ((span.hi ?? 0) > c.through) {
      const rows = this.#stmt<{ agent: string; decision: string; kind: string; n: number }>('SELECT agent, decision, kind, count(*) AS n FROM receipts WHERE seq > ? GROUP BY agent, decision, kind').all(c.through);
      for (const r of rows) {
        c.byAgent[r.agent] = (c.byAgent[r.agent] ?? 0) + r.n;
        if (r.decision !== 'allow') c.byDecision[r.decision] = (c.byDecision[r.decision] ?? 0) + r.n;
        if (r.kind !== 'action') c.byKind[r.kind] = (c.byKind[r.kind] ?? 0) + r.n;
        c.total += r.n;
      }
      c.through = span.hi ?? 0;
    }
    this.#counts = c;
    return c;
  }

  /** The chain's last position and hash. */
  head(): { seq: number; hash: string; time: string } {
    return this.#writer.head();
  }

  /** Walks the chain and the receipts table; reports the first receipt that does not check out. */
  verify(opts: { upTo?: string } = {}): VerifyResult {
    if (opts.upTo !== undefined) {
      const r = this.get(opts.upTo);
      if (!r) throw new ReceiptStoreError('not_found', `no receipt ${opts.upTo}`);
      return verifyStore(this.#db, this.#key, { uptoEventSeq: r.eventSeqs[r.eventSeqs.length - 1] ?? 0, uptoReceiptSeq: r.seq });
    }
    return verifyStore(this.#db, this.#key);
  }

  /** Checks one receipt: its signed events, their links to their neighbours, its row. Rollback refuses a receipt failing this. */
  verifyReceipt(id: string): { ok: boolean; problem?: string } {
    return verifyOneReceipt(this.#db, this.#key, id);
  }

  /**
   * A change feed: calls `cb` with each receipt created or changed after
   * subscribing, in chain order, including other processes' writes (polled
   * every `pollMs`, default 250 ms, cheaply via `PRAGMA data_version`).
   * Returns the unsubscribe function.
   */
  subscribe(cb: (r: Receipt) => void, opts: { pollMs?: number } = {}): () => void {
    const pollMs = Math.max(10, opts.pollMs ?? 250);
    const sub: Subscription = {
      cb,
      after: this.#writer.head().seq,
      dataVersion: this.#db.pragma('data_version', { simple: true }) as number,
      localWrites: this.#localWrites,
      timer: setInterval(() => this.#poll(sub), pollMs),
    };
    sub.timer.unref();
    this.#subs.add(sub);
    return () => {
      clearInterval(sub.timer);
      this.#subs.delete(sub);
    };
  }

  #poll(sub: Subscription): void {
    if (this.#closed || !this.#subs.has(sub)) return;
    try {
      const dv = this.#db.pragma('data_version', { simple: true }) as number;
      if (dv === sub.dataVersion && this.#localWrites === sub.localWrites) return;
      sub.dataVersion = dv;
      sub.localWrites = this.#localWrites;
      for (;;) {
        const rows = this.#stmt<{ seq: number; receipt: string | null }>('SELECT seq, receipt FROM events WHERE seq > ? ORDER BY seq LIMIT 500').all(sub.after);
        if (rows.length === 0) break;
        const ids: string[] = [];
        for (const r of rows) {
          sub.after = r.seq;
          if (r.receipt !== null && !ids.includes(r.receipt)) ids.push(r.receipt);
        }
        for (const id of ids) {
          const receipt = this.#loadById(id);
          if (!receipt) continue;
          try {
            sub.cb(receipt);
          } catch {
            // a subscriber's failure must not stop the feed
          }
          if (!this.#subs.has(sub) || this.#closed) return;
        }
        if (rows.length < 500) break;
      }
    } catch {
      // the database may be busy or closing; try again next tick
    }
  }

  /** Checkpoint ids still referenced by receipts at or after `sinceIso` (and by any pending receipt): checkpoint GC keeps them. */
  referencedCheckpoints(sinceIso: string): Set<string> {
    const since = toIso(sinceIso, 'since');
    const fromSeq = this.#seqAtTime(since);
    const out = new Set<string>();
    const add = (v: string | null | undefined): void => {
      if (v) out.add(v);
    };
    for (const r of this.#stmt<{ a: string | null; b: string | null }>('SELECT checkpoint_before AS a, checkpoint_after AS b FROM receipts WHERE seq >= ? OR outcome = ?').all(fromSeq, 'pending')) {
      add(r.a);
      add(r.b);
    }
    for (const r of this.#stmt<{ id: string }>('SELECT c.id AS id FROM checkpoints c LEFT JOIN receipts r ON r.id = c.receipt_id WHERE c.time >= ? OR r.seq >= ?').all(since, fromSeq)) add(r.id);
    return out;
  }

  /**
   * Writes the chain as JSON lines that can be verified without Belay (see
   * docs/receipts.md): a header, one line per event with its exact hashed
   * text, and a trailer with the head hash.
   */
  exportJsonl(out: { write(chunk: string): unknown }, opts: ExportOptions = {}): { events: number; head: string } {
    return writeExport(this.#db, this.#key.id, this.workspace, out, opts, this.#clock());
  }

  /**
   * Retention: drops events and receipts older than `olderThanDays`, never
   * splitting a receipt from its later events, and leaves a signed anchor
   * (position, hash and time of the last pruned event, counts) from which the
   * kept chain still verifies; the prune itself is an event in the chain.
   */
  prune(opts: { olderThanDays: number; now?: Date }): PruneResult {
    if (!(typeof opts?.olderThanDays === 'number' && opts.olderThanDays >= 0)) throw invalid('olderThanDays must be a non-negative number');
    const now = opts.now ?? this.#clock();
    const cutoff = new Date(now.getTime() - opts.olderThanDays * 86_400_000).toISOString();
    const result = this.#write((): PruneResult => {
      const bounds = this.#span('events');
      if (!bounds || bounds.lo === null || bounds.hi === null) return { prunedReceipts: 0, prunedEvents: 0 };
      // Largest event position with time < cutoff (times never decrease).
      const timeAt = this.#stmt<{ seq: number; tail: string }>('SELECT seq, tail FROM events WHERE seq >= ? ORDER BY seq LIMIT 1');
      let lo = bounds.lo;
      let hi = bounds.hi + 1;
      while (lo < hi) {
        const mid = Math.floor((lo + hi) / 2);
        const row = timeAt.get(mid);
        if (!row) {
          hi = mid;
          continue;
        }
        if ((docTime(expandText(row.tail)) ?? '') < cutoff) lo = row.seq + 1;
        else hi = mid;
      }
      let through = lo - 1;
      // Never split a receipt: stop before any receipt that has events on both sides.
      for (;;) {
        const split = this.#stmt<{ m: number | null }>('SELECT min(create_seq) AS m FROM receipts WHERE create_seq <= ? AND head_seq > ?').get(through, through)?.m;
        if (split === null || split === undefined) break;
        through = split - 1;
      }
      if (through < bounds.lo) return { prunedReceipts: 0, prunedEvents: 0 };
      const last = this.#stmt<{ seq: number; tail: string; hash: Buffer }>('SELECT seq, tail, hash FROM events WHERE seq = ?').get(through);
      if (!last) return { prunedReceipts: 0, prunedEvents: 0 };
      const receiptsThrough = this.#stmt<{ m: number | null }>('SELECT max(seq) AS m FROM receipts WHERE create_seq <= ?').get(through)?.m ?? null;
      const prevAnchorRow = this.#writer.lastAnchor();
      const prevAnchor = prevAnchorRow ? (JSON.parse(prevAnchorRow.doc) as AnchorDoc) : undefined;
      const throughReceiptSeq = receiptsThrough ?? prevAnchor?.throughReceiptSeq ?? 0;
      const prunedReceipts = receiptsThrough === null ? 0 : (this.#stmt<{ n: number }>('SELECT count(*) AS n FROM receipts WHERE seq <= ?').get(receiptsThrough)?.n ?? 0);
      const prunedEvents = this.#stmt<{ n: number }>('SELECT count(*) AS n FROM events WHERE seq <= ?').get(through)?.n ?? 0;
      if (receiptsThrough !== null) {
        this.#stmt('DELETE FROM receipt_paths WHERE receipt_seq <= ?').run(receiptsThrough);
        this.#stmt('DELETE FROM receipts WHERE seq <= ?').run(receiptsThrough);
      }
      this.#stmt('DELETE FROM approvals WHERE event_seq <= ?').run(through);
      this.#stmt('DELETE FROM checkpoints WHERE event_seq <= ?').run(through);
      this.#knownSessions.clear();
      this.#stmt('DELETE FROM sessions WHERE started_at < ? AND ended_at IS NOT NULL AND ended_at < ? AND NOT EXISTS (SELECT 1 FROM receipts r WHERE r.session_id = sessions.id)').run(cutoff, cutoff);
      this.#stmt('DELETE FROM events WHERE seq <= ?').run(through);
      const anchor = this.#writer.writeAnchor({
        throughSeq: through,
        throughHash: last.hash.toString('hex'),
        throughTime: docTime(expandText(last.tail)) ?? '',
        throughReceiptSeq,
        prunedEvents,
        prunedReceipts,
        prevAnchor: prevAnchorRow ? prevAnchorRow.hash.toString('hex') : null,
        workspace: this.workspace,
        time: now.toISOString(),
      });
      this.#writer.append('prune', undefined, { anchor: anchor.hash, throughSeq: through, prunedEvents, prunedReceipts, olderThanDays: opts.olderThanDays }, this.#clock());
      return { prunedReceipts, prunedEvents, throughSeq: through, anchorHash: anchor.hash };
    });
    return result;
  }

  /** Sessions, newest first. */
  sessions(limit = 100): Session[] {
    const rows = this.#stmt<{ id: string; agent: string; harness: string | null; started_at: string; ended_at: string | null; workspace: string }>('SELECT * FROM sessions ORDER BY started_at DESC LIMIT ?').all(limit);
    return rows.map((row) => {
      const s: Session = { id: row.id, agent: row.agent, startedAt: row.started_at, workspace: row.workspace };
      if (row.harness !== null) s.harness = row.harness;
      if (row.ended_at !== null) s.endedAt = row.ended_at;
      return s;
    });
  }
}

/** Throws for a schema this code must not touch: newer than it knows, or not a receipts database. */
function refuseUnreadable(v: number, file: string): void {
  if (v > SCHEMA_VERSION) {
    throw new ReceiptStoreError('schema_too_new', `the receipts database ${file} has schema version ${v}, newer than this Belay understands (${SCHEMA_VERSION}); update Belay to read it (the file was left unchanged)`);
  }
  if (v < 0) throw new ReceiptStoreError('schema_unknown', `${file} is not a Belay receipts database (unknown tables); move it aside`);
}

/** Retries `fn` while SQLite reports the database busy (past its own busy handler), up to `budgetMs` in all. */
function retryBusy<T>(budgetMs: number, fn: () => T, file = 'the receipts database'): T {
  const deadline = Date.now() + budgetMs;
  let cap = 1;
  for (;;) {
    try {
      return fn();
    } catch (err) {
      if (!isBusy(err)) throw err;
      if (Date.now() >= deadline) {
        throw new ReceiptStoreError('busy', `${file} stayed locked by other writers for more than ${budgetMs} ms`);
      }
      sleepSync(cap + Math.random() * cap);
      cap = Math.min(cap * 2, 25);
    }
  }
}

function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  if (ms % 1000 === 0) return `${ms / 1000} s`;
  return `${ms} ms`;
}

export type { ExportOptions } from './exportJsonl.ts';
