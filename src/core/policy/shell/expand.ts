import type { Part, Script, Word } from './ir.ts';

/**
 * Word evaluation: what a shell word becomes before the command runs, as far
 * as it can be known without running anything. Quotes are removed, escapes
 * decoded, `~` and known variables substituted, brace expansions expanded.
 * Unknown pieces (an unset variable, a command substitution) are replaced by
 * `*` and flagged `dyn`, so path rules treat them as wildcards.
 */

export interface ArgWord {
  /** the value, unknown pieces as `*` */
  v: string;
  /** part of it is only known at run time */
  dyn: boolean;
  /** an unquoted glob character is present */
  glob: boolean;
  /** variables referenced */
  vars: string[];
  /** source text of the word */
  raw: string;
  /** command substitutions inside it */
  subs: Script[];
  /** the value came (at least in part) from a variable or a substitution */
  indirect: boolean;
}

export interface ExpandEnv {
  home: string;
  cwd: string;
  /** known variables: a string value, or null when set to something unknown */
  vars: Map<string, string | null>;
  /** computes the output of a command substitution when it is static (echo … | base64 -d) */
  staticSub?: (script: Script) => string | undefined;
  /** sets a variable (`${x:=v}`); without it, vars is written directly */
  setVar?: (name: string, value: string) => void;
}

const DYN = '*';
/** `/[*?[]/.test(s)` */
function hasGlobChar(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 42 || c === 63 || c === 91) return true;
  }
  return false;
}
const MAX_BRACE_WORDS = 256;

interface Seg {
  s: string;
  quoted: boolean;
}

/** Well-known variables whose value is not secret but also not tracked. */
const UNKNOWN_OK = new Set(['PATH', 'PWD', 'OLDPWD', 'USER', 'SHELL', 'TERM', 'LANG']);

const NO_VARS: string[] = Object.freeze([]) as unknown as string[];
const NO_SUBS: Script[] = Object.freeze([]) as unknown as Script[];

/** what separates the positional parameters in the value of `@` (no argument can hold it) */
export const ARG_SEPARATOR = '\u0000';

export function expandWord(word: Word, env: ExpandEnv): ArgWord[] {
  const literal = literalWord(word, env.home);
  if (literal !== undefined) return [literal];
  const segs: Seg[] = [];
  const vars: string[] = [];
  const subs: Script[] = [];
  let dyn = false;
  let indirect = false;
  // words produced by unquoted expansions are split on whitespace
  const splits: Seg[][] = [];
  let current = segs;

  const pushLit = (s: string, quoted: boolean): void => {
    current.push({ s, quoted });
  };
  // an unquoted expansion's value: word splitting on $IFS
  const split = (value: string): void => {
    const pieces = value.split(splitter(env, true));
    pieces.forEach((piece, k) => {
      if (k > 0) {
        splits.push(current);
        current = [];
      }
      if (piece !== '') pushLit(piece, true);
    });
  };

  // every part so far is an expansion to nothing that leaves no word: "$@" with no arguments, an empty unquoted $x
  let vanishes = true;
  const parts = word.parts;
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    // an empty `$()` (nothing to run, nothing printed) vanishes as an empty variable does
    if (vanishes && p.t !== 'var' && !(p.t === 'cmd' && !p.quoted && p.script.items.length === 0)) vanishes = false;
    switch (p.t) {
      case 'lit': {
        let v = p.v;
        if (!p.quoted && i === 0 && current === segs && current.length === 0 && v.startsWith('~')) v = expandTilde(v, env.home);
        pushLit(v, p.quoted);
        break;
      }
      case 'var': {
        vars.push(p.name);
        indirect = true;
        const value = lookupVar(p, env, vars, subs);
        if (vanishes && value !== '') vanishes = false;
        // quoted, only "$@" (and "${a[@]}") of nothing vanishes: "$x" of an empty x is an empty word
        if (vanishes && p.quoted && !(p.name === '@' ? p.op === undefined && env.vars.get('#') === '0' : p.op === '[@]')) vanishes = false;
        if (value === undefined) {
          dyn = true;
          pushLit(DYN, true); // a placeholder for an unknown value, not a glob
        } else if ((p.name === '@' || p.op === '[@]' || p.op === '[*]') && value.includes(ARG_SEPARATOR)) {
          // "$@", "${a[@]}": one word per positional parameter or array element; "${a[*]}" joins them with a space
          if (p.quoted && p.op === '[*]') pushLit(value.split(ARG_SEPARATOR).join(' '), true);
          else {
            value.split(ARG_SEPARATOR).forEach((piece, k) => {
              if (k > 0) {
                splits.push(current);
                current = [];
              }
              if (!p.quoted && splitter(env).test(piece)) split(piece);
              else pushLit(piece, true);
            });
          }
        } else if (!p.quoted && splitter(env).test(value)) split(value);
        else pushLit(value, true);
        break;
      }
      case 'cmd': {
        if (p.script.items.length > 0) subs.push(p.script);
        indirect = true;
        const out = env.staticSub?.(p.script);
        if (out === undefined) {
          dyn = true;
          pushLit(DYN, true); // a placeholder for an unknown value, not a glob
        } else {
          const value = out.replace(/\n+$/, '');
          // unquoted, what it prints is split into words as a variable's value is (`$(echo rm -rf src)`)
          if (!p.quoted && splitter(env).test(value)) split(value);
          else pushLit(value, true);
        }
        break;
      }
      case 'proc':
        subs.push(p.script);
        pushLit('/dev/fd/63', true);
        break;
      case 'opaque':
        if (p.subs) {
          subs.push(...p.subs);
          indirect = true;
        }
        dyn = true;
        pushLit(DYN, true); // a placeholder for an unknown value, not a glob
        break;
    }
  }
  // a word whose expansions run commands keeps them (`${x:-$(…)}`): it does not vanish
  if (vanishes && parts.length > 0 && subs.length === 0) return [];
  // fields split at $IFS whitespace: none is empty (`$(echo " rm")` is one word, rm)
  const all = splits.length > 0 ? [...splits, current].filter((ss) => ss.length > 0) : [segs];
  const out: ArgWord[] = [];
  for (const ss of all) {
    const expanded = braceExpand(ss);
    for (const e of expanded) {
      let v = '';
      let glob = false;
      for (const s of e) {
        v += s.s;
        if (!glob && !s.quoted && hasGlobChar(s.s)) glob = true;
      }
      out.push({ v, dyn, glob, vars, raw: word.raw, subs, indirect });
    }
  }
  if (out.length === 0) out.push({ v: '', dyn, glob: false, vars, raw: word.raw, subs, indirect });
  return out;
}

/**
 * The common case without allocating segments: every part is literal text
 * and no unquoted part holds a brace (nothing to split or brace-expand).
 * Gives exactly what the general path gives; undefined when it does not apply.
 */
export function literalWord(word: Word, home: string): ArgWord | undefined {
  const parts = word.parts;
  let v = '';
  let glob = false;
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (p.t !== 'lit') return undefined;
    let s = p.v;
    if (!p.quoted) {
      if (i === 0 && s.startsWith('~')) s = expandTilde(s, home);
      if (s.includes('{')) return undefined;
      if (!glob && hasGlobChar(s)) glob = true;
    }
    v += s;
  }
  return { v, dyn: false, glob, vars: NO_VARS, raw: word.raw, subs: NO_SUBS, indirect: false };
}

/** Expands a word expected to stay one word (assignment values, redirect targets). */
export function expandSingle(word: Word, env: ExpandEnv): ArgWord {
  const words = expandWord(word, env);
  if (words.length === 1) return words[0]!;
  if (words.length === 0) return { v: '', dyn: false, glob: false, vars: NO_VARS, raw: word.raw, subs: NO_SUBS, indirect: true };
  const first = words[0]!;
  return { ...first, v: words.map((w) => w.v).join(' ') };
}

const DEFAULT_SPLIT = /[ \t\n]+/;
const DEFAULT_SPLIT_G = /[ \t\n]+/g;

/** Field splitting on $IFS (default: space, tab, newline). */
function splitter(env: ExpandEnv, global = false): RegExp {
  const ifs = env.vars.get('IFS');
  if (typeof ifs !== 'string') return global ? DEFAULT_SPLIT_G : DEFAULT_SPLIT;
  const chars = ifs;
  if (chars === '') return /(?!)/;
  const cls = [...chars].map((c) => (/[\\\]^-]/.test(c) ? '\\' + c : c)).join('');
  return new RegExp(`[${cls}]+`, global ? 'g' : '');
}

function lookupVar(p: Extract<Part, { t: 'var' }>, env: ExpandEnv, vars: string[], subs: Script[]): string | undefined {
  const name = p.name;
  let value: string | null | undefined = env.vars.get(name);
  if (value === undefined) {
    if (name === 'HOME') value = env.home;
    else if (name === 'PWD') value = env.cwd;
    else if (name === 'IFS') value = ' \t\n';
    // the user's login shell: whichever it is, a shell
    else if (name === 'SHELL') value = '/bin/sh';
  }
  const op = p.op;
  // an array (`a=(rm -rf src)`): ARG_SEPARATOR, then its elements joined by it; a plain value is element 0
  const array = typeof value === 'string' && value.charCodeAt(0) === 0 && name !== '@';
  const index = op !== undefined && op.charCodeAt(0) === 91 /* [ */ ? /^\[(?:([@*])|(\d+))\]$/.exec(op) : null;
  if (index !== null) {
    if (value === null || value === undefined) return undefined;
    if (index[1] !== undefined) return array ? value.slice(1) : value;
    const elements = array ? value.slice(1).split(ARG_SEPARATOR) : [value];
    return elements[Number(index[2])] ?? '';
  }
  if (array) {
    const end = value!.indexOf(ARG_SEPARATOR, 1);
    value = end < 0 ? value!.slice(1) : value!.slice(1, end);
  }
  if (op === undefined) return value ?? undefined;
  const argValue = (): string | undefined => {
    if (!p.arg) return '';
    const w = expandSingle(p.arg, env);
    vars.push(...w.vars);
    subs.push(...w.subs);
    return w.dyn ? undefined : w.v;
  };
  switch (op) {
    case ':-':
    case '-':
      if (value === undefined || value === null) {
        // unset (or unknown): the default is what we can say; unknown stays unknown
        return value === undefined ? argValue() : undefined;
      }
      return value === '' && op === ':-' ? argValue() : value;
    case ':=':
    case '=':
      if (value === undefined) {
        const v = argValue();
        if (v !== undefined) {
          if (env.setVar !== undefined) env.setVar(name, v);
          else env.vars.set(name, v);
        }
        return v;
      }
      return value ?? undefined;
    case '#':
    case '##':
    case '%':
    case '%%': {
      // only literal patterns are parsed with an argument (a glob pattern has none: not tracked)
      if (!p.arg || value === null) return undefined;
      const v = value ?? '';
      const a = argValue();
      if (a === undefined) return undefined;
      if (op.startsWith('#')) return v.startsWith(a) ? v.slice(a.length) : v;
      return v.endsWith(a) ? v.slice(0, v.length - a.length) : v;
    }
    case ':+':
    case '+':
      return value === undefined ? '' : value === null ? undefined : argValue();
    default:
      // trimming, substitution, case changes: the result is not tracked
      return undefined;
  }
}

function expandTilde(v: string, home: string): string {
  if (v === '~') return home;
  if (v.startsWith('~/')) return home + v.slice(1);
  const m = /^~([A-Za-z0-9._-]+)(\/.*)?$/.exec(v);
  if (m) {
    const user = m[1]!;
    const base = user === 'root' ? '/root' : home.replace(/\/[^/]+\/?$/, '') + '/' + user;
    return base + (m[2] ?? '');
  }
  return v;
}

/** Bash brace expansion over unquoted text: `{a,b}c` -> `ac bc`, `{1..3}` -> `1 2 3`. */
export function braceExpand(segs: Seg[]): Seg[][] {
  // nothing to expand without an unquoted brace (the common case: no per-character copy)
  if (!segs.some((s) => !s.quoted && s.s.includes('{'))) return [segs];
  // flatten into characters with a quoted flag
  const chars: { c: string; q: boolean }[] = [];
  for (const s of segs) for (const c of s.s) chars.push({ c, q: s.quoted });
  const results = expandChars(chars, 0);
  return results.slice(0, MAX_BRACE_WORDS).map((cs) => toSegs(cs));
}

type Ch = { c: string; q: boolean };

function toSegs(cs: Ch[]): Seg[] {
  const out: Seg[] = [];
  for (const ch of cs) {
    const last = out[out.length - 1];
    if (last && last.quoted === ch.q) last.s += ch.c;
    else out.push({ s: ch.c, quoted: ch.q });
  }
  return out;
}

function expandChars(chars: Ch[], depth: number): Ch[][] {
  if (depth > 8) return [chars];
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i]!;
    if (ch.q || ch.c !== '{') continue;
    if (i > 0 && chars[i - 1]!.c === '$' && !chars[i - 1]!.q) continue;
    // find the matching close brace and top-level commas
    let level = 0;
    const commas: number[] = [];
    let close = -1;
    for (let j = i + 1; j < chars.length; j++) {
      const cj = chars[j]!;
      if (cj.q) continue;
      if (cj.c === '\\') {
        j++;
        continue;
      }
      if (cj.c === '{') level++;
      else if (cj.c === '}') {
        if (level === 0) {
          close = j;
          break;
        }
        level--;
      } else if (cj.c === ',' && level === 0) commas.push(j);
    }
    if (close < 0) return [chars];
    const prefix = chars.slice(0, i);
    const suffix = chars.slice(close + 1);
    let alternatives: Ch[][];
    if (commas.length > 0) {
      alternatives = [];
      let start = i + 1;
      for (const k of [...commas, close]) {
        alternatives.push(chars.slice(start, k));
        start = k + 1;
      }
    } else {
      const inner = chars.slice(i + 1, close).map((c) => c.c).join('');
      const seq = sequence(inner);
      if (!seq) {
        // not an expansion: keep the braces and look further
        const rest = expandChars(suffix, depth + 1);
        return rest.map((r) => [...chars.slice(0, close + 1), ...r]);
      }
      alternatives = seq.map((s) => [...s].map((c) => ({ c, q: true })));
    }
    const out: Ch[][] = [];
    for (const alt of alternatives) {
      for (const e of expandChars([...prefix, ...alt, ...suffix], depth + 1)) {
        out.push(e);
        if (out.length >= MAX_BRACE_WORDS) return out;
      }
    }
    return out;
  }
  return [chars];
}

function sequence(inner: string): string[] | undefined {
  const m = /^(-?\d+|[A-Za-z])\.\.(-?\d+|[A-Za-z])(?:\.\.(-?\d+))?$/.exec(inner);
  if (!m) return undefined;
  const a = m[1]!;
  const b = m[2]!;
  const step = Math.abs(Number(m[3] ?? 1)) || 1;
  const numeric = /\d/.test(a) && /\d/.test(b);
  const from = numeric ? Number(a) : a.charCodeAt(0);
  const to = numeric ? Number(b) : b.charCodeAt(0);
  const out: string[] = [];
  const dir = from <= to ? 1 : -1;
  for (let x = from; dir > 0 ? x <= to : x >= to; x += dir * step) {
    out.push(numeric ? String(x) : String.fromCharCode(x));
    if (out.length >= MAX_BRACE_WORDS) break;
  }
  return out;
}

/** Names that look like they hold credentials. */
export function isSecretVarName(name: string): boolean {
  if (UNKNOWN_OK.has(name)) return false;
  if (/TOKENIZERS?_|_TOKENS?_(LIMIT|COUNT|MAX)|MAX_TOKENS/i.test(name)) return false;
  return /(SECRET|TOKEN|PASSW(OR)?D|PASSWD|PWD_|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CREDENTIAL|AUTH|SESSION_?KEY|CLIENT_?SECRET|_PAT$|^PAT_|WEBHOOK|DSN$|CONNECTION_STRING)/i.test(
    name,
  );
}
