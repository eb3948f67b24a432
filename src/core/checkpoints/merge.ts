import { diff3Merge } from 'node-diff3';

/**
 * Line-based three-way merge for undoing one action: `base` is the file just
 * after the action, `current` what is on disk now, `before` the file just
 * before the action. Undoing = applying base→before onto current; hunks
 * edited since the action on both sides conflict.
 *
 * Text is handled as latin1 so every byte survives the round trip (line
 * endings included); conflict hunks are shown decoded as UTF-8.
 */

export type MergeOutcome = { clean: true; content: Buffer } | { clean: false; content?: Buffer; hunks: string };

function lines(b: Buffer): string[] {
  if (b.length === 0) return [];
  return b.toString('latin1').split(/(?<=\n)/);
}

function show(ls: string[]): string {
  const text = Buffer.from(ls.join(''), 'latin1').toString('utf8');
  return text.endsWith('\n') || text === '' ? text : text + '\n\\ No newline at end of file\n';
}

/**
 * `resolve` picks a side for overlapping hunks: 'keep-current' keeps the
 * later edit there, 'take-before' restores the pre-action text there; other
 * hunks are undone either way.
 */
export function mergeUndo(current: Buffer, base: Buffer, before: Buffer, resolve?: 'keep-current' | 'take-before'): MergeOutcome {
  const regions = diff3Merge(lines(current), lines(base), lines(before), { excludeFalseConflicts: true });
  const out: string[] = [];
  const hunks: string[] = [];
  for (const r of regions) {
    if (r.ok) {
      out.push(...r.ok);
      continue;
    }
    const c = r.conflict!;
    if (resolve === 'keep-current') out.push(...c.a);
    else if (resolve === 'take-before') out.push(...c.b);
    hunks.push(
      `@@ current line ${c.aIndex + 1} @@\n<<<<<<< current\n${show(c.a)}||||||| after the action\n${show(c.o)}=======\n${show(c.b)}>>>>>>> before the action\n`,
    );
  }
  const content = Buffer.from(out.join(''), 'latin1');
  if (hunks.length === 0) return { clean: true, content };
  return resolve ? { clean: false, content, hunks: hunks.join('') } : { clean: false, hunks: hunks.join('') };
}
