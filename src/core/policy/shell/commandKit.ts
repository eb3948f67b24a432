import type { ShellCommandInfo, Signal } from '../action.ts';
import type { ArgWord } from './expand.ts';
import { parsePatch } from '../patch.ts';

/**
 * What command handlers share: the context a handler gets and small helpers
 * for recording what a command reads and writes.
 */

export interface CommandCtx {
  cwd: string;
  home: string;
  /** what arrives on stdin: a here-document, a here-string, or a pipe */
  stdin?: { text?: string; dynamic: boolean; fromPipe: boolean };
  /** canonical path of a word, relative to `cwd` (or the given directory) */
  resolve(word: ArgWord | string, cwd?: string): string;
  /** analyses code for another shell found inside this command (git rebase -x, os.system) */
  nested(script: string, via: string): void;
  /** a link this command creates: later paths through `link` lead to `target` */
  link?(link: string, target: string): void;
  /** the text of a small file the command reads as its instructions (a patch), when it can be read now */
  readText?(path: string): string | undefined;
  /** what an earlier command of the same line wrote to a file (`echo … > /tmp/x.py; python3 /tmp/x.py`), when it is known */
  writtenText?(path: string): string | undefined;
}

/**
 * What a patch file changes (`git apply x.patch`, `patch -p1 < x.patch`):
 * the files it adds, updates and moves are written, those it deletes are
 * deleted, each relative to `dir`. False when the text holds no patch.
 */
export function patchEffects(text: string, dir: string, ctx: CommandCtx, info: ShellCommandInfo, via: string): boolean {
  const files = parsePatch(text);
  for (const f of files) {
    const path = ctx.resolve(f.path, dir);
    if (f.op === 'delete') info.deletes.push({ path, recursive: false, via });
    else info.writes.push(path);
    if (f.moveTo !== undefined) info.writes.push(ctx.resolve(f.moveTo, dir));
  }
  return files.length > 0;
}

export type Handler = (args: ArgWord[], ctx: CommandCtx, info: ShellCommandInfo, signals: Signal[]) => void;

/** a command whose redirects feed its stdin: from a file (`< f`), or from what commands print (`< <(…)`, `<<< "$(…)"`) */
export type Redirected = ShellCommandInfo & { stdinFile?: string; stdinFrom?: ShellCommandInfo[] };

/** The file redirected into a command's stdin (`git apply < x.patch`, `mysql < x.sql`), if any. */
export function stdinFileOf(info: ShellCommandInfo): string | undefined {
  return (info as Redirected).stdinFile;
}

export const w = (v: string): ArgWord => ({ v, dyn: false, glob: false, vars: [], raw: v, subs: [], indirect: false });

export function addReads(info: ShellCommandInfo, ctx: CommandCtx, words: readonly ArgWord[]): void {
  for (const a of words) if (a.v !== '' && a.v !== '-') info.reads.push(ctx.resolve(a));
}

export function addWrites(info: ShellCommandInfo, ctx: CommandCtx, words: readonly ArgWord[]): void {
  for (const a of words) if (a.v !== '' && a.v !== '-') info.writes.push(ctx.resolve(a));
}

export function basename(p: string): string {
  const s = p.replace(/[\\/]+$/, '');
  const i = Math.max(s.lastIndexOf('/'), s.lastIndexOf('\\'));
  return i >= 0 ? s.slice(i + 1) : s;
}


export function joinPath(dir: string, name: string): string {
  if (name === '' || name === '.' || name === '..') return dir;
  return dir.endsWith('/') ? dir + name : dir + '/' + name;
}

export function looksLikeUrl(v: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(v) && !/^file:/i.test(v);
}

/** A `file:` URL (`file:///p`, `file://localhost/p`, `file:/p`): a local path, not a network address. */
export function isFileUrl(v: string): boolean {
  return (v.charCodeAt(0) | 32) === 102 && /^file:\//i.test(v);
}

/** The local path a `file:` URL names: percent-decoded, `/C:/x` as `C:/x`; undefined when it does not parse. */
export function fileUrlPath(v: string): string | undefined {
  try {
    const p = decodeURIComponent(new URL(v).pathname);
    return /^\/[A-Za-z]:\//.test(p) ? p.slice(1) : p;
  } catch {
    return undefined;
  }
}

/**
 * A URL written without a scheme, as curl and wget take one (`example.com/x`,
 * `169.254.169.254/latest`, `2852039166/`, `[fd00:ec2::254]/`): host-like up
 * to the first slash.
 */
export function schemelessUrl(v: string): boolean {
  return /^(localhost|\[[0-9a-f:.]+\]|[\w-]+(\.[\w-]+)+\.?|\d+|0x[0-9a-f]+)(:\d+)?(\/|$)/i.test(v);
}

export function normaliseUrl(v: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(v) ? v : 'http://' + v;
}

/** URLs mentioned anywhere in a text (inline code, arguments of unknown tools). */
export function urlsIn(text: string): string[] {
  const out: string[] = [];
  // an exec loop over one shared expression: matchAll copies the expression on every call
  const re = URL_IN_TEXT;
  re.lastIndex = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) out.push(m[0]);
  return out;
}

/** global: used by one exec loop at a time, lastIndex reset before each */
const URL_IN_TEXT = /\b(?:https?|ftp|wss?):\/\/[^\s'"`<>)\]}]+/gi;
