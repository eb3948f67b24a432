/**
 * Patches agents send instead of whole files: the V4A format of `apply_patch`
 * (VS Code, Codex, Copilot CLI) and unified diffs. Only what the policy needs
 * is extracted: which files are added, updated, moved or deleted, and the
 * text the patch adds and removes.
 */

export interface PatchFile {
  op: 'add' | 'update' | 'delete';
  path: string;
  /** `*** Move to:` target of an update */
  moveTo?: string;
  /** lines the patch adds (without their `+`) */
  added: string;
  /** lines the patch removes (without their `-`) */
  removed: string;
}

const V4A_HEADER = /^\*\*\* (Add|Update|Delete) File: (.+?)\s*$/;
const V4A_MOVE = /^\*\*\* Move to: (.+?)\s*$/;

export function isV4A(text: string): boolean {
  return /^\s*\*\*\* Begin Patch/m.test(text) || /^\*\*\* (Add|Update|Delete) File: /m.test(text);
}

export function parsePatch(text: string): PatchFile[] {
  if (isV4A(text)) return parseV4A(text);
  return parseUnified(text);
}

function parseV4A(text: string): PatchFile[] {
  const files: PatchFile[] = [];
  let cur: PatchFile | undefined;
  const added: string[] = [];
  const removed: string[] = [];
  const flush = (): void => {
    if (cur) {
      cur.added = added.join('\n');
      cur.removed = removed.join('\n');
      files.push(cur);
    }
    added.length = 0;
    removed.length = 0;
    cur = undefined;
  };
  for (const line of text.split(/\r?\n/)) {
    const h = V4A_HEADER.exec(line);
    if (h) {
      flush();
      cur = { op: h[1]!.toLowerCase() as PatchFile['op'], path: h[2]!, added: '', removed: '' };
      continue;
    }
    const m = V4A_MOVE.exec(line);
    if (m && cur) {
      cur.moveTo = m[1]!;
      continue;
    }
    if (line.startsWith('*** End Patch') || line.startsWith('*** Begin Patch') || line.startsWith('*** End of File')) continue;
    if (!cur) continue;
    if (line.startsWith('+')) added.push(line.slice(1));
    else if (line.startsWith('-')) removed.push(line.slice(1));
  }
  flush();
  return files;
}

function parseUnified(text: string): PatchFile[] {
  const files: PatchFile[] = [];
  const lines = text.split(/\r?\n/);
  let cur: PatchFile | undefined;
  const added: string[] = [];
  const removed: string[] = [];
  const flush = (): void => {
    if (cur) {
      cur.added = added.join('\n');
      cur.removed = removed.join('\n');
      files.push(cur);
    }
    added.length = 0;
    removed.length = 0;
    cur = undefined;
  };
  const strip = (p: string): string => p.replace(/\t.*$/, '').replace(/^[ab]\//, '');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.startsWith('--- ') && lines[i + 1]?.startsWith('+++ ')) {
      flush();
      const from = strip(line.slice(4).trim());
      const to = strip(lines[i + 1]!.slice(4).trim());
      i++;
      if (from === '/dev/null') cur = { op: 'add', path: to, added: '', removed: '' };
      else if (to === '/dev/null') cur = { op: 'delete', path: from, added: '', removed: '' };
      else cur = { op: 'update', path: to, added: '', removed: '', ...(to !== from ? { moveTo: to } : {}) };
      if (to !== from && from !== '/dev/null' && to !== '/dev/null') cur.path = from;
      continue;
    }
    const rename = /^rename to (.+)$/.exec(line);
    if (rename && cur) cur.moveTo = rename[1]!;
    if (!cur) continue;
    if (line.startsWith('+') && !line.startsWith('+++')) added.push(line.slice(1));
    else if (line.startsWith('-') && !line.startsWith('---')) removed.push(line.slice(1));
  }
  flush();
  return files;
}
