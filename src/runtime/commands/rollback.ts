import { parseArgs } from 'node:util';
import { Guard, type UndoOutcome } from '../../core/actions/guard.ts';
import { CliError, resolveWorkspace, writeJson, type CliIO } from '../cliTypes.ts';

function describe(o: UndoOutcome): string {
  if (o.ok) return `${o.message} (receipt ${o.receipt.id})`;
  const conflicts = o.conflicts?.length ? `\n${o.conflicts.map((c) => `  conflict in ${c.path}:\n${c.hunks}`).join('\n')}` : '';
  return `rollback refused [${o.code}]: ${o.message}${conflicts}`;
}

/**
 * `belay rollback <receipt-id> [--resolve keep-current|take-before]` undoes one
 * recorded action (keeping later edits); `belay rollback --last N [--session S]`
 * undoes the last N actions. Rolling back a rollback or restore receipt undoes it.
 */
export async function run(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      workspace: { type: 'string' },
      last: { type: 'string' },
      session: { type: 'string' },
      resolve: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
    allowPositionals: true,
    strict: true,
  });
  const workspace = resolveWorkspace(values.workspace, io);
  const resolve = values.resolve;
  if (resolve !== undefined && resolve !== 'keep-current' && resolve !== 'take-before') {
    throw new CliError(`--resolve takes keep-current or take-before, not '${resolve}'`, 2);
  }
  const receiptId = positionals[0];
  if (values.last === undefined && !receiptId) throw new CliError('usage: belay rollback <receipt-id> | --last N [--session S]', 2);
  if (values.last !== undefined && receiptId) throw new CliError('give a receipt id or --last N, not both', 2);
  const started = Date.now();
  const guard = await Guard.open({ workspace, env: io.env });
  try {
    let outcomes: UndoOutcome[];
    if (values.last !== undefined) {
      const n = Number(values.last);
      if (!Number.isInteger(n) || n < 1) throw new CliError(`--last takes a positive whole number, not '${values.last}'`, 2);
      outcomes = await guard.rollbackLast(n, values.session);
      if (outcomes.length === 0) throw new CliError('nothing to roll back', 1);
    } else {
      outcomes = [await guard.rollback(receiptId!, { resolve })];
    }
    const ok = outcomes.every((o) => o.ok);
    if (values.json) {
      writeJson(io.stdout, {
        ok,
        tookMs: Date.now() - started,
        results: outcomes.map((o) =>
          o.ok
            ? { ok: true, receipt: o.receipt.id, rollbackOf: o.receipt.rollbackOf, changed: o.changed, message: o.message }
            : { ok: false, code: o.code, message: o.message, receipt: o.receipt?.id, conflicts: o.conflicts },
        ),
      });
    } else {
      for (const o of outcomes) (o.ok ? io.stdout : io.stderr).write(describe(o) + '\n');
    }
    return ok ? 0 : 1;
  } finally {
    await guard.close();
  }
}
