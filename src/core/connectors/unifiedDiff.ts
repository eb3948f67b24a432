/**
 * A unified diff (`diff -u` style, 3 lines of context) between two versions
 * of a small text file, for showing what `belay connect` is about to change.
 * `undefined` stands for "no file" (shown as /dev/null).
 */
export function unifiedDiff(label: string, before: string | undefined, after: string | undefined, context = 3): string {
  if (before === after) return '';
  const a = toLines(before);
  const b = toLines(after);
  const ops = diffLines(a, b);
  const out: string[] = [`--- ${before === undefined ? '/dev/null' : `a/${label}`}`, `+++ ${after === undefined ? '/dev/null' : `b/${label}`}`];

  // Group the edit script into hunks with `context` unchanged lines around changes.
  let i = 0;
  while (i < ops.length) {
    if ((ops[i] as Op).kind === '=') {
      i++;
      continue;
    }
    let start = i;
    let lead = 0;
    while (start > 0 && (ops[start - 1] as Op).kind === '=' && lead < context) {
      start--;
      lead++;
    }
    let end = i;
    for (;;) {
      while (end < ops.length && (ops[end] as Op).kind !== '=') end++;
      let run = 0;
      while (end + run < ops.length && (ops[end + run] as Op).kind === '=') run++;
      if (end + run < ops.length && run <= context * 2) {
        end += run;
        continue;
      }
      end += Math.min(run, context);
      break;
    }
    const hunk = ops.slice(start, end);
    const aPos = Math.min(...hunk.map((o) => o.a));
    const bPos = Math.min(...hunk.map((o) => o.b));
    const aCount = hunk.filter((o) => o.kind !== '+').length;
    const bCount = hunk.filter((o) => o.kind !== '-').length;
    const aStart = aCount === 0 ? aPos : aPos + 1;
    const bStart = bCount === 0 ? bPos : bPos + 1;
    out.push(`@@ -${aStart}${aCount === 1 ? '' : `,${aCount}`} +${bStart}${bCount === 1 ? '' : `,${bCount}`} @@`);
    for (const o of hunk) {
      const noEol = o.text.endsWith(NO_EOL);
      out.push(`${o.kind === '=' ? ' ' : o.kind}${noEol ? o.text.slice(0, -NO_EOL.length) : o.text}`);
      if (noEol) out.push('\\ No newline at end of file');
    }
    i = end;
  }
  return out.join('\n') + '\n';
}

interface Op {
  kind: '=' | '-' | '+';
  text: string;
  /** index in the old lines (for '+', the old index the insertion precedes) */
  a: number;
  /** index in the new lines (for '-', the new index the deletion precedes) */
  b: number;
}

/** Marks the last line of a file that does not end with a newline (so it differs from the same text with one). */
const NO_EOL = '\u0000no-eol';

function toLines(text: string | undefined): string[] {
  if (text === undefined || text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  else lines[lines.length - 1] += NO_EOL;
  return lines;
}

/** Longest-common-subsequence edit script; config files are small, so O(n·m) is fine. */
function diffLines(a: string[], b: string[]): Op[] {
  const n = a.length;
  const m = b.length;
  const lcs: Uint32Array[] = [];
  for (let i = 0; i <= n; i++) lcs.push(new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    const row = lcs[i] as Uint32Array;
    const next = lcs[i + 1] as Uint32Array;
    for (let j = m - 1; j >= 0; j--) row[j] = a[i] === b[j] ? (next[j + 1] as number) + 1 : Math.max(next[j] as number, row[j + 1] as number);
  }
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      ops.push({ kind: '=', text: a[i] as string, a: i, b: j });
      i++;
      j++;
    } else if (j < m && (i >= n || ((lcs[i] as Uint32Array)[j + 1] as number) >= ((lcs[i + 1] as Uint32Array)[j] as number))) {
      ops.push({ kind: '+', text: b[j] as string, a: i, b: j });
      j++;
    } else {
      ops.push({ kind: '-', text: a[i] as string, a: i, b: j });
      i++;
    }
  }
  // Show deletions before insertions within a changed block, as diff -u does.
  for (let k = 0; k < ops.length; k++) {
    if ((ops[k] as Op).kind === '=') continue;
    let e = k;
    while (e < ops.length && (ops[e] as Op).kind !== '=') e++;
    const block = ops.slice(k, e);
    const sorted = [...block.filter((o) => o.kind === '-'), ...block.filter((o) => o.kind === '+')];
    ops.splice(k, e - k, ...sorted);
    k = e;
  }
  return ops;
}
