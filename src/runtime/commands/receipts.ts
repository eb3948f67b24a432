import fs from 'node:fs';
import path from 'node:path';
import { belayHome, ensureWorkspaceState, workspaceState } from '../../core/config/paths.ts';
import type { WorkspaceState } from '../../core/config/paths.ts';
import { verifyExportText } from '../../core/receipts/exportJsonl.ts';
import { ReceiptStore, ReceiptStoreError } from '../../core/receipts/store.ts';
import type { ListQuery, Outcome, Receipt, Stats, Verdict, VerifyResult } from '../../core/receipts/store.ts';
import { OUTCOMES, VERDICTS } from '../../core/receipts/types.ts';
import { CliError, resolveWorkspace, writeJson } from '../cliTypes.ts';
import type { CliIO } from '../cliTypes.ts';

const USAGE = `usage: belay receipts <command> [--workspace DIR] [--json]
  list [filters] [--limit N] [--cursor C] [--oldest]
                        receipts, newest first; filters: --session S --agent A --tool T
                        --decision allow|ask|deny --outcome O --kind K --path P|DIR/
                        --since T --until T (ISO time, or an age: 30m, 12h, 7d)
  show ID               one receipt (ID: a unique prefix of its id, or #number)
  verify [--up-to ID]   check the chain and every receipt; non-zero exit on the first bad one
  verify --export FILE  check an export file (and its signatures, with this install's key)
  export --format jsonl [--out FILE]
                        the chain as JSON lines, verifiable outside Belay (docs/receipts.md)
  stats                 counts by decision, agent, outcome and kind
  prune --older-than-days N
                        drop old receipts, keeping the chain verifiable (a signed anchor)`;

const VALUE_FLAGS = new Set(['--workspace', '--limit', '--cursor', '--order', '--session', '--agent', '--tool', '--decision', '--outcome', '--kind', '--path', '--since', '--until', '--up-to', '--export', '--format', '--out', '--older-than-days']);
const BOOL_FLAGS = new Set(['--json', '--oldest', '--newest', '--help']);

interface Args {
  sub: string | undefined;
  positionals: string[];
  flags: Map<string, string>;
  json: boolean;
}

function parse(argv: string[]): Args {
  const args: Args = { sub: undefined, positionals: [], flags: new Map(), json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const flag = eq > 0 ? a.slice(0, eq) : a;
      if (BOOL_FLAGS.has(flag)) {
        if (eq > 0) throw new CliError(`${flag} takes no value`, 2);
        if (flag === '--json') args.json = true;
        else if (flag === '--help') args.sub = 'help';
        else args.flags.set(flag, 'true');
        continue;
      }
      if (!VALUE_FLAGS.has(flag)) throw new CliError(`unknown option ${flag} (try: belay receipts --help)`, 2);
      const value = eq > 0 ? a.slice(eq + 1) : argv[++i];
      if (value === undefined || (eq < 0 && value.startsWith('--'))) throw new CliError(`${flag} needs a value`, 2);
      args.flags.set(flag, value);
      continue;
    }
    if (args.sub === undefined) args.sub = a;
    else args.positionals.push(a);
  }
  return args;
}

/** An ISO time, or an age before now: `90s`, `30m`, `12h`, `7d`, `2w`. */
export function parseTime(value: string, flag: string, now: Date = new Date()): string {
  const age = /^(\d+(?:\.\d+)?)\s*(s|m|h|d|w)$/i.exec(value.trim());
  if (age) {
    const unit = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[(age[2] as string).toLowerCase() as 's'];
    return new Date(now.getTime() - Number(age[1]) * unit).toISOString();
  }
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw new CliError(`${flag} takes an ISO time (2025-06-01T12:00:00Z) or an age (30m, 12h, 7d), not '${value}'`, 2);
  return new Date(t).toISOString();
}

function positiveInt(value: string, flag: string, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new CliError(`${flag} takes a whole number from 1 to ${max}, not '${value}'`, 2);
  return n;
}

function clip(s: string, width: number): string {
  return s.length <= width ? s : s.slice(0, Math.max(0, width - 1)) + '…';
}

function shortTime(iso: string): string {
  return iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

/** The readable table of `list`. */
export function formatTable(items: Receipt[]): string {
  const cols: Array<{ title: string; max: number; get: (r: Receipt) => string }> = [
    { title: 'ID', max: 10, get: (r) => r.id },
    { title: 'TIME (UTC)', max: 20, get: (r) => shortTime(r.time) },
    { title: 'AGENT', max: 14, get: (r) => r.agent },
    { title: 'TOOL', max: 18, get: (r) => r.tool },
    { title: 'DECISION', max: 8, get: (r) => r.decision },
    { title: 'OUTCOME', max: 11, get: (r) => r.outcome },
    { title: 'RULE', max: 22, get: (r) => r.rule },
    { title: 'TARGET', max: 60, get: (r) => (r.target ?? '').replace(/\s+/g, ' ') },
  ];
  const cells = items.map((r) => cols.map((c) => clip(c.get(r), c.max)));
  const widths = cols.map((c, i) => Math.max(c.title.length, ...cells.map((row) => (row[i] as string).length)));
  const line = (row: string[]): string => row.map((v, i) => (i === row.length - 1 ? v : v.padEnd(widths[i] as number))).join('  ').trimEnd();
  return [line(cols.map((c) => c.title)), ...cells.map(line)].join('\n');
}

function pretty(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(/\n/g, '\n  ');
}

/** The readable view of `show`. */
export function formatReceipt(r: Receipt, check: { ok: boolean; problem?: string }): string {
  const lines: string[] = [];
  const row = (k: string, v: string | undefined): void => {
    if (v !== undefined && v !== '') lines.push(`${k.padEnd(12)}${v}`);
  };
  row('receipt', `${r.id}  (#${r.seq}, ${r.kind})`);
  row('time', r.time + (r.completedAt ? `  (completed ${r.completedAt})` : ''));
  row('agent', r.agent + (r.harness ? ` via ${r.harness}` : '') + (r.sessionId ? `  session ${r.sessionId}` : '') + (r.turn ? `  turn ${r.turn}` : ''));
  row('tool', r.tool + (r.toolUseId ? `  (${r.toolUseId})` : ''));
  const decided = r.evaluated && r.evaluated !== r.decision ? ` (policy said ${r.evaluated})` : '';
  row('decision', `${r.decision}${decided}${r.approver ? `, decided by ${r.approver}` : ''}`);
  row('rule', `${r.rule}: ${r.reason}`);
  for (const m of r.matches ?? []) row('  matched', `${m.rule} (${m.effect}): ${m.reason}${m.fragment ? ` [${m.fragment}]` : ''}`);
  row('policy', r.policyHash);
  row('outcome', r.outcome + (r.durationMs !== undefined ? `  after ${r.durationMs} ms` : '') + (r.note ? `  (${r.note})` : ''));
  row('target', r.target);
  row('paths', r.paths.join(', '));
  for (const c of r.changedPaths ?? []) row('  changed', `${c.status} ${c.path}${c.size !== undefined ? ` (${c.size} B)` : ''}`);
  row('checkpoint', [r.checkpointBefore ? `before ${r.checkpointBefore}` : '', r.checkpointAfter ? `after ${r.checkpointAfter}` : ''].filter(Boolean).join('  '));
  row('rollback', [r.rollbackOf ? `undoes ${r.rollbackOf}` : '', r.rolledBackBy ? `undone by ${r.rolledBackBy}` : ''].filter(Boolean).join('  '));
  if (r.redacted) row('redacted', (r.redactions ?? []).map((x) => `${x.at} (${x.kind})`).join(', ') || 'yes');
  if (r.truncated) row('truncated', 'long values were cut before storage');
  if (r.migratedFrom !== undefined) row('migrated', `from schema v${r.migratedFrom}`);
  row('hash', `${r.hash}  (prev ${r.prevHash.slice(0, 16)}…, events ${r.eventSeqs.join(', ')})`);
  row('verified', check.ok ? 'yes' : `NO: ${check.problem ?? 'does not check out'}`);
  if (r.action !== undefined) row('action', pretty(r.action));
  if (r.input !== undefined) row('input', pretty(r.input));
  if (r.response !== undefined) row('response', pretty(r.response));
  if (r.rollbackData !== undefined) row('rollback data', pretty(r.rollbackData));
  return lines.join('\n');
}

function formatStats(s: Stats): string {
  const counts = (m: Record<string, number>): string => Object.entries(m).sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(', ') || '-';
  return [
    `receipts    ${s.total}${s.first ? `  (${shortTime(s.first)} – ${shortTime(s.last ?? s.first)})` : ''}`,
    `sessions    ${s.sessions}`,
    `decisions   ${counts(s.byDecision)}`,
    `outcomes    ${counts(s.byOutcome)}`,
    `agents      ${counts(s.byAgent)}`,
    `kinds       ${counts(s.byKind)}`,
  ].join('\n');
}

function listQuery(args: Args, now: Date): ListQuery {
  const f = args.flags;
  const q: ListQuery = {};
  if (f.has('--limit')) q.limit = positiveInt(f.get('--limit') as string, '--limit', 1000);
  if (f.has('--cursor')) q.cursor = f.get('--cursor') as string;
  const order = f.get('--order') ?? (f.has('--oldest') ? 'oldest' : 'newest');
  if (order !== 'newest' && order !== 'oldest') throw new CliError(`--order takes newest or oldest, not '${order}'`, 2);
  q.order = order;
  if (f.has('--session')) q.sessionId = f.get('--session') as string;
  if (f.has('--agent')) q.agent = f.get('--agent') as string;
  if (f.has('--tool')) q.tool = f.get('--tool') as string;
  if (f.has('--kind')) q.kind = f.get('--kind') as string;
  if (f.has('--path')) q.path = f.get('--path') as string;
  const decision = f.get('--decision');
  if (decision !== undefined) {
    if (!VERDICTS.includes(decision as Verdict)) throw new CliError(`--decision takes one of ${VERDICTS.join(', ')}, not '${decision}'`, 2);
    q.decision = decision as Verdict;
  }
  const outcome = f.get('--outcome');
  if (outcome !== undefined) {
    if (!OUTCOMES.includes(outcome as Outcome)) throw new CliError(`--outcome takes one of ${OUTCOMES.join(', ')}, not '${outcome}'`, 2);
    q.outcome = outcome as Outcome;
  }
  if (f.has('--since')) q.since = parseTime(f.get('--since') as string, '--since', now);
  if (f.has('--until')) q.until = parseTime(f.get('--until') as string, '--until', now);
  return q;
}

function describeBad(v: VerifyResult): string {
  const bad = v.firstBad;
  if (!bad) return 'the chain does not check out';
  const who = bad.id.startsWith('event#') || bad.id === 'anchor' ? bad.id : `receipt ${bad.id} (#${bad.seq})`;
  return `${who} does not check out: ${bad.problem}`;
}

function openStore(state: WorkspaceState, io: CliIO, create: boolean): ReceiptStore | undefined {
  if (!create && !fs.existsSync(state.receiptsFile)) return undefined;
  if (create) ensureWorkspaceState(state);
  return ReceiptStore.open({ file: state.receiptsFile, workspace: state.workspace, env: io.env });
}

const SUBCOMMANDS = ['list', 'show', 'verify', 'export', 'stats', 'prune'];

export async function run(argv: string[], io: CliIO): Promise<number> {
  const args = parse(argv);
  if (args.sub === undefined || args.sub === 'help') {
    (args.sub === 'help' ? io.stdout : io.stderr).write(USAGE + '\n');
    return args.sub === 'help' ? 0 : 2;
  }
  if (!SUBCOMMANDS.includes(args.sub)) throw new CliError(`unknown receipts command '${args.sub}' (one of: ${SUBCOMMANDS.join(', ')})`, 2);
  const workspace = resolveWorkspace(args.flags.get('--workspace'), io);
  const state = workspaceState(workspace, io.env);
  const now = new Date();
  const out = (json: unknown, text: string): void => {
    if (args.json) writeJson(io.stdout, json);
    else io.stdout.write(text.endsWith('\n') || text === '' ? text : text + '\n');
  };

  // `verify --export FILE` needs no store, only the key when there is one.
  if (args.sub === 'verify' && args.flags.has('--export')) return verifyExportFile(args, io);

  let store: ReceiptStore | undefined;
  try {
    store = openStore(state, io, args.sub === 'export' || args.sub === 'prune');
  } catch (err) {
    if (err instanceof ReceiptStoreError) throw new CliError(err.message);
    throw err;
  }
  try {
    switch (args.sub) {
      case 'list': {
        const q = listQuery(args, now);
        const page = store ? store.list(q) : { items: [], hasMore: false };
        const more = page.hasMore && 'nextCursor' in page && page.nextCursor ? `\nmore: belay receipts list --cursor ${page.nextCursor}${q.order === 'oldest' ? ' --oldest' : ''} (same filters)` : '';
        out(page, page.items.length === 0 ? `no receipts${q.cursor || Object.keys(q).length > 1 ? ' match' : ' yet'} in ${state.workspace}` : formatTable(page.items) + more);
        return 0;
      }
      case 'show': {
        const ref = args.positionals[0];
        if (!ref) throw new CliError('usage: belay receipts show <id | id-prefix | #number>', 2);
        const r = store?.get(ref);
        if (!r || !store) throw new CliError(`no receipt '${ref}' in ${state.workspace}`);
        const check = store.verifyReceipt(r.id);
        out({ receipt: r, verified: check }, formatReceipt(r, check));
        return 0;
      }
      case 'verify': {
        let upTo: string | undefined;
        if (args.flags.has('--up-to')) upTo = args.flags.get('--up-to');
        if (!store) {
          if (upTo !== undefined) throw new CliError(`no receipt '${upTo}' in ${state.workspace}`);
          out({ ok: true, checked: 0, receipts: 0 }, `ok: no receipts yet in ${state.workspace}`);
          return 0;
        }
        const v = store.verify(upTo !== undefined ? { upTo } : {});
        if (args.json) {
          writeJson(io.stdout, v);
          if (!v.ok) io.stderr.write(`belay: ${describeBad(v)}\n`);
          return v.ok ? 0 : 1;
        }
        if (!v.ok) throw new CliError(describeBad(v), 1);
        out(v, `ok: ${v.receipts} receipts and ${v.checked} chain events check out; head ${v.headHash ?? '(empty)'}`);
        return 0;
      }
      case 'export': {
        const format = args.flags.get('--format') ?? 'jsonl';
        if (format !== 'jsonl') throw new CliError(`--format takes jsonl, not '${format}'`, 2);
        const s = store as ReceiptStore;
        const file = args.flags.get('--out');
        if (file === undefined) {
          const res = s.exportJsonl(io.stdout);
          if (args.json) io.stderr.write(JSON.stringify(res) + '\n');
          return 0;
        }
        const target = path.resolve(io.cwd, file);
        const tmp = `${target}.${process.pid}.tmp`;
        const fd = fs.openSync(tmp, 'w', 0o600);
        let res;
        try {
          res = s.exportJsonl({ write: (chunk: string) => fs.writeSync(fd, chunk) });
          fs.fsyncSync(fd);
        } finally {
          fs.closeSync(fd);
        }
        fs.renameSync(tmp, target);
        out({ file: target, ...res }, `exported ${res.events} events to ${target}; head ${res.head}`);
        return 0;
      }
      case 'stats': {
        const s = store?.stats() ?? { total: 0, byDecision: {}, byAgent: {}, byOutcome: {}, byKind: {}, sessions: 0 };
        out(s, formatStats(s));
        return 0;
      }
      case 'prune': {
        const days = Number(args.flags.get('--older-than-days'));
        if (!args.flags.has('--older-than-days') || !Number.isFinite(days) || days < 0) throw new CliError('usage: belay receipts prune --older-than-days N (N ≥ 0)', 2);
        const res = (store as ReceiptStore).prune({ olderThanDays: days });
        out(res, res.prunedEvents === 0 ? 'nothing to prune' : `pruned ${res.prunedReceipts} receipts (${res.prunedEvents} chain events) up to event ${res.throughSeq}; the chain continues from signed anchor ${res.anchorHash?.slice(0, 16)}…`);
        return 0;
      }
    }
    return 2;
  } catch (err) {
    if (err instanceof ReceiptStoreError) throw new CliError(err.message, err.code === 'invalid' || err.code === 'ambiguous' ? 2 : 1);
    throw err;
  } finally {
    store?.close();
  }
}

function verifyExportFile(args: Args, io: CliIO): number {
  const file = path.resolve(io.cwd, args.flags.get('--export') as string);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, 2);
  }
  let key: Buffer | undefined;
  try {
    const hex = fs.readFileSync(path.join(belayHome(io.env), 'secret.key'), 'utf8').trim();
    if (/^[0-9a-f]{64}$/i.test(hex)) key = Buffer.from(hex, 'hex');
  } catch {
    // no key here: hashes only
  }
  const check = verifyExportText(text, key);
  if (args.json) {
    writeJson(io.stdout, check);
    if (!check.ok) io.stderr.write(`belay: ${file}: line ${check.line}: ${check.problem}\n`);
    return check.ok ? 0 : 1;
  }
  if (!check.ok) throw new CliError(`${file}: line ${check.line}: ${check.problem}`, 1);
  io.stdout.write(`ok: ${check.events} events link up to head ${check.head}; signatures ${check.signaturesChecked ? 'checked with this install\'s key' : 'not checked (the export was signed with another key)'}\n`);
  return 0;
}
