import type { Engine } from './engine.ts';
import { runGit } from './git.ts';
import { diffTrees } from './trees.ts';
import type { FileDiff } from './types.ts';

/**
 * Per-file unified diffs between two checkpoints, or a checkpoint and the
 * working tree. The file list comes from comparing trees; the patch text is
 * git's own (`diff-tree -p`, no external diff or textconv drivers).
 */

/** Decodes a C-style quoted path as git prints it. */
function unquote(s: string): string {
  const bytes: number[] = [];
  for (let i = 1; i < s.length - 1; i++) {
    const c = s[i]!;
    if (c !== '\\') {
      bytes.push(...Buffer.from(c, 'utf8'));
      continue;
    }
    const n = s[++i]!;
    if (/[0-7]/.test(n)) {
      bytes.push(parseInt(s.slice(i, i + 3), 8));
      i += 2;
    } else bytes.push(({ n: 10, t: 9, r: 13, a: 7, b: 8, f: 12, v: 11 } as Record<string, number>)[n] ?? n.charCodeAt(0));
  }
  return Buffer.from(bytes).toString('utf8');
}

function pathOfHeader(line: string): string {
  const rest = line.slice('diff --git '.length);
  if (rest.startsWith('"')) {
    let i = 1;
    while (i < rest.length && !(rest[i] === '"' && rest[i - 1] !== '\\')) i++;
    return unquote(rest.slice(0, i + 1)).slice(2);
  }
  return rest.slice(2, 2 + (rest.length - 5) / 2);
}

export async function diffLocked(engine: Engine, a: string, b: string | undefined, opts: { paths?: string[] }, snapshotFull: () => Promise<string>): Promise<FileDiff[]> {
  const from = await engine.require(a);
  const filter = opts.paths && opts.paths.length > 0 ? engine.normalizeStrict(opts.paths) : undefined;
  const match = (q: string): boolean => !filter || filter.length === 0 || filter.some((f) => q === f || q.startsWith(f + '/'));
  let toTree: string;
  if (b !== undefined) toTree = (await engine.require(b)).tree;
  else if (filter && filter.length > 0) toTree = await engine.snapshotPaths(filter, from.tree);
  else toTree = await snapshotFull();
  const changes = (await diffTrees(engine.db, from.tree, toTree)).filter((c) => match(c.path));
  if (changes.length === 0) return [];
  const args = ['diff-tree', '-r', '-p', '--no-renames', '--no-ext-diff', '--no-textconv', '--no-color', from.tree, toTree];
  if (filter && filter.length > 0) args.push('--', ...filter);
  const out = (await runGit(engine.readCtx(), args, { env: { GIT_LITERAL_PATHSPECS: '1' } })).stdout.toString('utf8');
  const patches = new Map<string, string>();
  const chunks = out.split(/^(?=diff --git )/m);
  for (const chunk of chunks) {
    if (!chunk.startsWith('diff --git ')) continue;
    const header = chunk.slice(0, chunk.indexOf('\n'));
    patches.set(pathOfHeader(header), chunk);
  }
  return changes.map((c) => {
    const patch = patches.get(c.path) ?? '';
    return { path: c.path, status: c.status, patch, binary: /^Binary files .* differ$/m.test(patch) || patch.includes('GIT binary patch') };
  });
}
