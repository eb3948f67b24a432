import type { Assign, Node, Part, Redirect, Script, Word } from './ir.ts';

/**
 * A lexer for the plainly regular subset of shell lines: words made of
 * ordinary characters and quotes without expansions, joined by `&&`, `||`,
 * `|` and `;`, with simple redirects. For such lines there is nothing for a
 * grammar to decide, and skipping the WASM parser saves most of the time a
 * decision takes. Anything else — `$`, backquotes, backslashes, parentheses,
 * braces, brackets, `&` on its own, `#`, `!`, newlines, keywords — returns
 * undefined and goes to tree-sitter-bash. A unit test checks that both give
 * the same analysis on every line this lexer accepts.
 */

/** Characters that stand for themselves in an unquoted word: `A-Za-z0-9_@%+=:,./~^*?-` (a table, not a regex per character). */
const PLAIN = new Uint8Array(128);
for (const ch of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_@%+=:,./~^*?-') PLAIN[ch.charCodeAt(0)] = 1;
const RESERVED = new Set([
  'if', 'then', 'elif', 'else', 'fi', 'for', 'while', 'until', 'do', 'done', 'case', 'esac', 'function', 'select', 'time', 'coproc',
  'export', 'declare', 'local', 'readonly', 'typeset', 'unset', '[[', ']]', 'in',
]);
const MAX = 1000;

type Tok =
  | { k: 'word'; word: Word; start: number; end: number }
  | { k: 'op'; op: '&&' | '||' | '|' | ';' }
  | { k: 'redir'; r: Redirect; start: number; end: number }
  /** a `for NAME in WORDS; do …; done` loop, already built */
  | { k: 'node'; node: Node; start: number; end: number };

export function fastParse(text: string): Script | undefined {
  if (text.length > MAX) return undefined;
  const raw = tokenize(text);
  const toks = raw && foldLoops(text, raw);
  if (!toks) return undefined;
  return statements(text, toks);
}

/** Statements split on ';' (a trailing ';' ends the last one). */
function statements(text: string, toks: Tok[]): Script | undefined {
  const items: { node: Node; op: string }[] = [];
  let i = 0;
  while (i < toks.length) {
    let j = i;
    while (j < toks.length && !(toks[j]!.k === 'op' && (toks[j] as { op: string }).op === ';')) j++;
    if (j === i) return undefined; // empty statement
    const node = list(text, toks, i, j);
    if (!node) return undefined;
    const hasSemi = j < toks.length;
    items.push({ node, op: hasSemi ? ';' : '\n' });
    i = j + 1;
    if (hasSemi && i >= toks.length) break; // trailing ';'
  }
  if (items.length === 0) return undefined;
  return { items, error: false };
}

function keyword(t: Tok | undefined, name: string): t is Extract<Tok, { k: 'word' }> {
  if (!t || t.k !== 'word') return false;
  const p = t.word.parts;
  return p.length === 1 && p[0]!.t === 'lit' && !p[0]!.quoted && t.word.raw === name;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * One-line `for NAME in WORDS; do LIST; done` loops, at the start of a
 * command and followed by nothing or an operator, become one token holding
 * the loop; anything else about them (no `in`, nesting, redirects on the
 * loop) is left to the grammar.
 */
function foldLoops(text: string, toks: Tok[]): Tok[] | undefined {
  for (let i = 0; i < toks.length; i++) if (keyword(toks[i], 'for')) return foldLoopsIn(text, toks);
  return toks;
}

/**
 * foldLoops for lines that have a `for` word: a function of its own, so the
 * check every line makes stays small to compile and the folding, which few
 * lines need, is compiled only if it gets used that often.
 */
function foldLoopsIn(text: string, toks: Tok[]): Tok[] | undefined {
  const out: Tok[] = [];
  let i = 0;
  while (i < toks.length) {
    const t = toks[i]!;
    const atStart = i === 0 || toks[i - 1]!.k === 'op';
    if (!atStart || !keyword(t, 'for')) {
      out.push(t);
      i++;
      continue;
    }
    const v = toks[i + 1];
    if (!v || v.k !== 'word' || !NAME.test(v.word.raw) || v.word.parts.length !== 1 || RESERVED.has(v.word.raw) || !keyword(toks[i + 2], 'in')) return undefined;
    let j = i + 3;
    const values: Word[] = [];
    while (j < toks.length && toks[j]!.k === 'word') {
      const w = toks[j] as Extract<Tok, { k: 'word' }>;
      if (RESERVED.has(w.word.raw)) return undefined;
      values.push(w.word);
      j++;
    }
    const semi = toks[j];
    if (values.length === 0 || !semi || semi.k !== 'op' || semi.op !== ';' || !keyword(toks[j + 1], 'do')) return undefined;
    const doTok = toks[j + 1] as Extract<Tok, { k: 'word' }>;
    // the body runs to the first `done` in command position; it must end with ';'
    let k = j + 2;
    while (k < toks.length && !(keyword(toks[k], 'done') && toks[k - 1]!.k === 'op')) k++;
    if (k >= toks.length) return undefined;
    const doneTok = toks[k] as Extract<Tok, { k: 'word' }>;
    const bodyToks = toks.slice(j + 2, k);
    const lastBody = bodyToks[bodyToks.length - 1];
    if (!lastBody || lastBody.k !== 'op' || lastBody.op !== ';') return undefined;
    if (bodyToks.some((b) => b.k === 'word' && (keyword(b, 'for') || keyword(b, 'do') || keyword(b, 'done')))) return undefined;
    const body = statements(text, bodyToks);
    if (!body) return undefined;
    const after = toks[k + 1];
    if (after && after.k !== 'op') return undefined;
    const node: Node = {
      t: 'for',
      variable: v.word.raw,
      values,
      body: { items: [{ node: { t: 'group', body, redirects: [], text: text.slice(doTok.start, doneTok.end) }, op: '\n' }], error: false },
      redirects: [],
      text: text.slice(t.start, doneTok.end),
    };
    out.push({ k: 'node', node, start: t.start, end: doneTok.end });
    i = k + 1;
  }
  return out;
}

/** Source text of a list or pipeline toks[from…to): trailing redirects belong to its last command, not to it. */
function span(text: string, toks: Tok[], from: number, to: number): string {
  let start = Infinity;
  let end = -1;
  for (let i = from; i < to; i++) {
    const t = toks[i]!;
    if (t.k === 'op') continue;
    start = Math.min(start, t.start);
    if (t.k === 'word' || t.k === 'node') end = Math.max(end, t.end);
  }
  return end < 0 ? '' : text.slice(start, end);
}

/** `&&` or `||` */
function isListOp(t: Tok): t is Extract<Tok, { k: 'op' }> {
  return t.k === 'op' && (t.op === '&&' || t.op === '||');
}

/** The and-or list toks[from…to) (token ranges, not copies, are passed down). */
function list(text: string, toks: Tok[], from: number, to: number): Node | undefined {
  let nodes: { node: Node; op: string }[] | undefined;
  let start = from;
  for (let i = from; i <= to; i++) {
    const t = i < to ? toks[i]! : undefined;
    if (t !== undefined && !isListOp(t)) continue;
    if (i === start) return undefined;
    const n = pipeline(text, toks, start, i);
    if (!n) return undefined;
    if (t === undefined && nodes === undefined) return n;
    (nodes ??= []).push({ node: n, op: t === undefined ? '' : t.op });
    start = i + 1;
  }
  return { t: 'list', items: nodes!, text: span(text, toks, from, to) };
}

function pipeline(text: string, toks: Tok[], from: number, to: number): Node | undefined {
  let nodes: Node[] | undefined;
  let start = from;
  for (let i = from; i <= to; i++) {
    const t = i < to ? toks[i]! : undefined;
    if (t !== undefined && !(t.k === 'op' && t.op === '|')) continue;
    if (i === start) return undefined;
    const c = command(text, toks, start, i);
    if (!c) return undefined;
    if (t === undefined && nodes === undefined) return c;
    (nodes ??= []).push(c);
    start = i + 1;
  }
  return { t: 'pipeline', stages: nodes!, text: span(text, toks, from, to) };
}

const ASSIGN = /^([A-Za-z_][A-Za-z0-9_]*)(\+?)=/;

function command(text: string, toks: Tok[], from: number, to: number): Node | undefined {
  const assigns: Assign[] = [];
  const words: Word[] = [];
  const redirects: Redirect[] = [];
  let wordStart = -1;
  let wordEnd = -1;
  let seenRedirect = false;
  const head = toks[from]!;
  if (head.k === 'node') return to - from === 1 ? head.node : undefined;
  for (let i = from; i < to; i++) {
    const t = toks[i]!;
    if (t.k === 'op' || t.k === 'node') return undefined;
    if (t.k === 'redir') {
      redirects.push(t.r);
      seenRedirect = true;
      continue;
    }
    if (seenRedirect) return undefined; // words after a redirect: leave it to the parser
    if (words.length === 0) {
      const first = t.word.parts[0];
      const m = first && first.t === 'lit' && !first.quoted && first.v.includes('=') ? ASSIGN.exec(first.v) : null;
      if (m) {
        const rest = t.word.raw.slice(m[0].length);
        if (rest.includes('~') || rest.includes('=') || rest.includes('$') || rest.includes('"') || rest.includes("'")) return undefined;
        const valueParts: Part[] = [];
        const head = first && first.t === 'lit' ? first.v.slice(m[0].length) : '';
        if (head !== '') valueParts.push({ t: 'lit', v: head, quoted: false });
        valueParts.push(...t.word.parts.slice(1));
        const a: Assign = { name: m[1]!, append: m[2] === '+' };
        if (valueParts.length > 0) a.value = { parts: valueParts, raw: rest };
        else return undefined; // `X=` with no value: the parser's shape differs
        assigns.push(a);
        continue;
      }
      const name = t.word.raw;
      if (RESERVED.has(name) || name.startsWith('#')) return undefined;
      wordStart = t.start;
    }
    words.push(t.word);
    wordEnd = t.end;
  }
  if (words.length === 0 && assigns.length > 0 && redirects.length > 0) return undefined;
  if (words.length === 0 && redirects.length > 0) return undefined;
  const cmdText = words.length > 0 ? text.slice(wordStart, wordEnd) : span(text, toks, from, to);
  if (words.length > 0 && assigns.length > 0) {
    // the parser's command text starts at the first assignment
    let firstTok: Tok | undefined;
    for (let i = from; i < to && firstTok === undefined; i++) if (toks[i]!.k === 'word') firstTok = toks[i];
    if (firstTok && firstTok.k === 'word') return { t: 'cmd', assigns, words, redirects, text: text.slice(firstTok.start, wordEnd) };
  }
  return { t: 'cmd', assigns, words, redirects, text: cmdText };
}

function tokenize(text: string): Tok[] | undefined {
  const toks: Tok[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    const ch = text[i]!;
    if (ch === ' ' || ch === '\t') {
      i++;
      continue;
    }
    if (ch === '&') {
      if (text[i + 1] === '&') {
        toks.push({ k: 'op', op: '&&' });
        i += 2;
        continue;
      }
      if (text[i + 1] === '>') {
        const r = redirect(text, i, undefined);
        if (!r) return undefined;
        toks.push(r.tok);
        i = r.next;
        continue;
      }
      return undefined; // background job
    }
    if (ch === '|') {
      if (text[i + 1] === '|') {
        toks.push({ k: 'op', op: '||' });
        i += 2;
      } else if (text[i + 1] === '&') return undefined;
      else {
        toks.push({ k: 'op', op: '|' });
        i++;
      }
      continue;
    }
    if (ch === ';') {
      if (text[i + 1] === ';' || text[i + 1] === '&') return undefined;
      toks.push({ k: 'op', op: ';' });
      i++;
      continue;
    }
    if (ch === '>' || ch === '<') {
      const r = redirect(text, i, undefined);
      if (!r) return undefined;
      toks.push(r.tok);
      i = r.next;
      continue;
    }
    if (ch >= '0' && ch <= '9') {
      // `2>file`, `2>&1`: a file descriptor right before a redirect operator
      let j = i;
      while (j < n && text[j]! >= '0' && text[j]! <= '9') j++;
      if ((text[j] === '>' || text[j] === '<') && (i === 0 || text[i - 1] === ' ' || text[i - 1] === '\t')) {
        const r = redirect(text, j, Number(text.slice(i, j)), i);
        if (!r) return undefined;
        toks.push(r.tok);
        i = r.next;
        continue;
      }
    }
    const w = word(text, i);
    if (!w) return undefined;
    toks.push({ k: 'word', word: w.word, start: i, end: w.next });
    i = w.next;
  }
  return toks;
}

function redirect(text: string, i: number, fd: number | undefined, start = i): { tok: Tok; next: number } | undefined {
  const rest = text.slice(i, i + 3);
  let op: string;
  if (rest.startsWith('&>>')) op = '&>>';
  else if (rest.startsWith('&>')) op = '&>';
  else if (rest.startsWith('>>')) op = '>>';
  else if (rest.startsWith('>&')) op = '>&';
  else if (rest.startsWith('>|')) op = '>|';
  else if (rest.startsWith('<<') || rest.startsWith('<>') || rest.startsWith('<&')) return undefined;
  else if (rest.startsWith('>')) op = '>';
  else if (rest.startsWith('<')) op = '<';
  else return undefined;
  let j = i + op.length;
  if (op === '>&') {
    // only descriptor duplication: 2>&1, >&2
    let k = j;
    while (k < text.length && text[k]! >= '0' && text[k]! <= '9') k++;
    if (k === j || (k < text.length && text[k] !== ' ' && text[k] !== '\t' && text[k] !== ';' && text[k] !== '|' && text[k] !== '&')) return undefined;
    const target: Word = { parts: [{ t: 'lit', v: text.slice(j, k), quoted: false }], raw: text.slice(j, k) };
    return { tok: { k: 'redir', r: { op, ...(fd !== undefined ? { fd } : {}), target }, start, end: k }, next: k };
  }
  while (j < text.length && (text[j] === ' ' || text[j] === '\t')) j++;
  const w = word(text, j);
  if (!w) return undefined;
  if (/^\d+$/.test(w.word.raw)) return undefined; // `> 1` reads like a number node to the parser
  return { tok: { k: 'redir', r: { op, ...(fd !== undefined ? { fd } : {}), target: w.word }, start, end: w.next }, next: w.next };
}

/** `$NAME` or `${NAME}` (plain names only; anything else needs the grammar). */
function variable(text: string, i: number): { name: string; next: number } | undefined {
  const m = /^\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))/.exec(text.slice(i, i + 256));
  if (!m) return undefined;
  const next = i + m[0].length;
  // `$X[…]`, `${X}…` followed by more expansion syntax: leave to the grammar
  if (m[2] !== undefined && text[next] === '[') return undefined;
  return { name: (m[1] ?? m[2])!, next };
}

/** The inside of a double-quoted string: literal text and plain variables. */
function quotedParts(body: string, parts: Part[]): boolean {
  // literal runs are sliced from the text once, not built a character at a time
  let litStart = 0;
  for (let k = 0; k < body.length; ) {
    if (body.charCodeAt(k) === 36 /* $ */) {
      const v = variable(body, k);
      if (!v) return false;
      if (k > litStart) parts.push({ t: 'lit', v: body.slice(litStart, k), quoted: true });
      parts.push({ t: 'var', name: v.name, quoted: true });
      k = v.next;
      litStart = k;
    } else k++;
  }
  if (body.length > litStart) parts.push({ t: 'lit', v: body.slice(litStart), quoted: true });
  return true;
}

function word(text: string, i: number): { word: Word; next: number } | undefined {
  const parts: Part[] = [];
  let j = i;
  // the unquoted literal run being read is text.slice(litStart, j) (plain characters are contiguous)
  let litStart = i;
  if (text[i] === '#' || text[i] === '~' && i + 1 < text.length && text[i + 1] !== '/' && text[i + 1] !== ' ') return undefined;
  while (j < text.length) {
    const code = text.charCodeAt(j);
    // space, tab, ; | & > <
    if (code === 32 || code === 9 || code === 59 || code === 124 || code === 38 || code === 62 || code === 60) break;
    if (code === 39 /* ' */) {
      const end = text.indexOf("'", j + 1);
      if (end < 0) return undefined;
      if (j > litStart) parts.push({ t: 'lit', v: text.slice(litStart, j), quoted: false });
      parts.push({ t: 'lit', v: text.slice(j + 1, end), quoted: true });
      j = end + 1;
      litStart = j;
      continue;
    }
    if (code === 34 /* " */) {
      const end = text.indexOf('"', j + 1);
      if (end < 0) return undefined;
      const body = text.slice(j + 1, end);
      if (/[`\\!\n]/.test(body)) return undefined;
      if (j > litStart) parts.push({ t: 'lit', v: text.slice(litStart, j), quoted: false });
      if (!quotedParts(body, parts)) return undefined;
      j = end + 1;
      litStart = j;
      continue;
    }
    if (code === 36 /* $ */) {
      const v = variable(text, j);
      if (!v) return undefined;
      if (j > litStart) parts.push({ t: 'lit', v: text.slice(litStart, j), quoted: false });
      parts.push({ t: 'var', name: v.name, quoted: false });
      j = v.next;
      litStart = j;
      continue;
    }
    if (code >= 128 || PLAIN[code] !== 1) return undefined;
    // `~` past the start is literal (`HEAD~2`), except after `=` or `:`, where bash may expand it
    if (code === 126 /* ~ */ && j !== i && (text[j - 1] === '=' || text[j - 1] === ':')) return undefined;
    if (code === 61 /* = */ && j === i) return undefined;
    j++;
  }
  if (j > litStart) {
    const v = text.slice(litStart, j);
    // a word that is one unquoted literal run (most words): its raw text is that run (one string,
    // not two), and nothing was pushed yet: its list made at its size is the same list without
    // the room for 16 more elements that a push onto an empty one allocates
    if (litStart === i) return { word: { parts: [{ t: 'lit', v, quoted: false }], raw: v }, next: j };
    parts.push({ t: 'lit', v, quoted: false });
  }
  if (j === i) return undefined;
  // a quoted piece inside an unquoted word: the parser splits concatenations the same way
  if (parts.length === 0) return undefined;
  return { word: { parts, raw: text.slice(i, j) }, next: j };
}
