import fs from 'node:fs';
import { ensureWorkspaceState, workspaceState } from '../../core/config/paths.ts';
import { loadWorkspaceSettings } from '../../core/config/workspaceSettings.ts';
import { CheckpointError, CheckpointStore, type Checkpoint } from '../../core/checkpoints/store.ts';
import { checkpointOptionsFromSettings } from '../../core/checkpoints/settings.ts';
import { DEFAULT_RETENTION } from '../../core/checkpoints/gc.ts';
import { CliError, resolveWorkspace, writeJson, type CliIO } from '../cliTypes.ts';

const USAGE = `usage: belay checkpoint <command> [--workspace DIR] [--json]
  create [--name N] [--paths P...]   take a checkpoint (of the given files only, with --paths)
  list [--limit N]                   checkpoints, newest first
  diff A [B] [--paths P...]          unified diff between two checkpoints, or A and the working tree
  restore ID [--paths P...]          restore a checkpoint (or some of its files); undoable
  undo-restore ID                    undo a restore, rollback or undo (ID: its record)
  gc [--keep ID...]                  apply the retention policy; keeps what receipts still reference
  size                               how many checkpoints and how much disk they take`;

interface Args {
  sub: string | undefined;
  positionals: string[];
  workspace?: string;
  json: boolean;
  name?: string;
  limit?: string;
  paths: string[];
  keep: string[];
}

/** `--paths a b c` takes every following word up to the next option; options may repeat. */
function parse(argv: string[]): Args {
  const args: Args = { sub: undefined, positionals: [], json: false, paths: [], keep: [] };
  let list: string[] | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const takeValue = (): string => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new CliError(`${a} needs a value`, 2);
      return v;
    };
    if (a.startsWith('--')) {
      list = undefined;
      const [flag, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
      switch (flag) {
        case '--json':
          args.json = true;
          break;
        case '--workspace':
          args.workspace = inline ?? takeValue();
          break;
        case '--name':
          args.name = inline ?? takeValue();
          break;
        case '--limit':
          args.limit = inline ?? takeValue();
          break;
        case '--paths':
          list = args.paths;
          if (inline !== undefined) args.paths.push(inline);
          break;
        case '--keep':
          list = args.keep;
          if (inline !== undefined) args.keep.push(inline);
          break;
        case '--help':
          args.sub = 'help';
          break;
        default:
          throw new CliError(`unknown option ${flag} (try: belay checkpoint --help)`, 2);
      }
      continue;
    }
    if (list) list.push(a);
    else if (args.sub === undefined) args.sub = a;
    else args.positionals.push(a);
  }
  return args;
}

function short(id: string): string {
  return id.slice(0, 12);
}

function describe(c: Checkpoint): string {
  const name = c.name ? `  ${c.name}` : '';
  return `${short(c.id)}  ${c.createdAt}  ${c.kind.padEnd(6)} ${c.scope.padEnd(5)} ${String(c.changedCount).padStart(5)} changed${name}`;
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 * 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return `${(n / 1024 / 1024 / 1024).toFixed(2)} GiB`;
}

function needId(args: Args, what: string): string {
  const id = args.positionals[0];
  if (!id) throw new CliError(`usage: belay checkpoint ${what} <checkpoint-id>`, 2);
  return id;
}

/** Checkpoint ids young receipts still reference (read-only); none when there is no receipts database. */
async function referencedByReceipts(file: string, workspace: string, env: NodeJS.ProcessEnv, maxAgeDays: number): Promise<Set<string>> {
  if (!fs.existsSync(file)) return new Set();
  const { ReceiptStore } = await import('../../core/receipts/store.ts');
  let receipts;
  try {
    receipts = ReceiptStore.open({ file, workspace, env, readonly: true });
  } catch (err) {
    throw new CliError(`cannot read the receipts (${(err as Error).message}), so gc cannot tell which checkpoints they still need; nothing was removed`);
  }
  try {
    return receipts.referencedCheckpoints(new Date(Date.now() - maxAgeDays * 86_400_000).toISOString());
  } finally {
    receipts.close();
  }
}

export async function run(argv: string[], io: CliIO): Promise<number> {
  const args = parse(argv);
  if (args.sub === undefined || args.sub === 'help') {
    (args.sub === 'help' ? io.stdout : io.stderr).write(USAGE + '\n');
    return args.sub === 'help' ? 0 : 2;
  }
  const known = ['create', 'list', 'diff', 'restore', 'undo-restore', 'gc', 'size'];
  if (!known.includes(args.sub)) throw new CliError(`unknown checkpoint command '${args.sub}' (one of: ${known.join(', ')})`, 2);
  const started = performance.now();
  const workspace = resolveWorkspace(args.workspace, io);
  const state = workspaceState(workspace, io.env);
  ensureWorkspaceState(state);
  const settings = loadWorkspaceSettings(state.workspace);
  const fromSettings = checkpointOptionsFromSettings(settings.settings);
  if (fromSettings.error) throw new CliError(`invalid workspace setting ${fromSettings.error}`, 2);
  let store: CheckpointStore;
  try {
    store = await CheckpointStore.open({ ...fromSettings.options, workspace: state.workspace, storeDir: state.checkpointsDir });
  } catch (err) {
    if (err instanceof CheckpointError) throw new CliError(`${err.code}: ${err.message}`);
    throw err;
  }
  const took = (): number => Math.round((performance.now() - started) * 10) / 10;
  const out = (json: Record<string, unknown>, text: string): void => {
    if (args.json) writeJson(io.stdout, { ...json, tookMs: took() });
    else io.stdout.write(text.endsWith('\n') || text === '' ? text : text + '\n');
  };
  try {
    switch (args.sub) {
      case 'create': {
        const c = await store.create({ scope: args.paths.length > 0 ? 'paths' : 'full', paths: args.paths, kind: 'manual', ...(args.name ? { name: args.name } : {}) });
        const skipped = c.skipped?.length ? `; not captured: ${c.skipped.map((s) => `${s.path} (${s.reason})`).join(', ')}` : '';
        out({ checkpoint: c }, `checkpoint ${short(c.id)} (${c.scope}, ${c.changedCount} changed, ${c.tookMs} ms)${skipped}`);
        return 0;
      }
      case 'list': {
        let limit: number | undefined;
        if (args.limit !== undefined) {
          limit = Number(args.limit);
          if (!Number.isInteger(limit) || limit < 0) throw new CliError(`--limit takes a whole number, not '${args.limit}'`, 2);
        }
        const list = await store.list({ limit });
        out({ checkpoints: list }, list.length === 0 ? 'no checkpoints yet' : list.map(describe).join('\n'));
        return 0;
      }
      case 'diff': {
        const a = needId(args, 'diff');
        const b = args.positionals[1];
        const files = await store.diff(a, b, args.paths.length > 0 ? { paths: args.paths } : {});
        out({ from: a, to: b ?? 'working tree', files }, files.map((f) => f.patch).join(''));
        return 0;
      }
      case 'restore': {
        const id = needId(args, 'restore');
        const r = await store.restore(id, args.paths.length > 0 ? { paths: args.paths } : {});
        const lines = [`restored ${r.restored.length} file(s) from ${short(id)} in ${r.tookMs} ms (safety checkpoint ${short(r.safetyCheckpoint)})`];
        for (const c of r.restored) lines.push(`  ${c.status.padEnd(8)} ${c.path}`);
        for (const s of r.skipped) lines.push(`  left     ${s.path}: ${s.reason}`);
        lines.push(`undo with: belay checkpoint undo-restore ${short(r.restoreId)}`);
        out({ ...r }, lines.join('\n'));
        return 0;
      }
      case 'undo-restore': {
        const id = needId(args, 'undo-restore');
        const r = await store.undoRestore(id);
        const lines = [`put back ${r.restored.length} file(s) in ${r.tookMs} ms (safety checkpoint ${short(r.safetyCheckpoint)})`];
        for (const c of r.restored) lines.push(`  ${c.status.padEnd(8)} ${c.path}`);
        lines.push(`redo with: belay checkpoint undo-restore ${short(r.restoreId)}`);
        out({ ...r }, lines.join('\n'));
        return 0;
      }
      case 'gc': {
        const maxAgeDays = fromSettings.options.retention?.maxAgeDays ?? DEFAULT_RETENTION.maxAgeDays;
        const referenced = await referencedByReceipts(state.receiptsFile, state.workspace, io.env, maxAgeDays);
        for (const k of args.keep) {
          const c = await store.get(k);
          if (!c) throw new CliError(`--keep: no checkpoint ${k}`, 2);
          referenced.add(c.id);
        }
        const r = await store.gc({ referenced });
        out({ ...r }, `removed ${r.removed} checkpoint(s), kept ${r.kept}; store ${formatBytes(r.bytesBefore)} -> ${formatBytes(r.bytesAfter)}`);
        return 0;
      }
      case 'size': {
        const r = await store.sizeReport();
        out({ ...r, storeDir: state.checkpointsDir }, `${r.checkpoints} checkpoint(s), ${formatBytes(r.bytes)} in ${state.checkpointsDir}`);
        return 0;
      }
    }
    return 2;
  } catch (err) {
    if (err instanceof CheckpointError) throw new CliError(`${err.code}: ${err.message}`, err.code === 'invalid' ? 2 : 1);
    throw err;
  } finally {
    await store.close();
  }
}
