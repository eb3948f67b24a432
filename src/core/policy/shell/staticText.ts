import type { ShellCommandInfo } from '../action.ts';

/**
 * Text the analysis can compute without running anything: what simple
 * filters print for a known input (echo, printf, base64 -d, xxd -r, rev,
 * tr), which commands decode hidden payloads, and word splitting for text
 * the parser rejected.
 */

/** What a text filter prints for a known input. */
/** The programs staticFilter knows the output of; for any other it returns undefined. */
export const STATIC_PROGRAMS: ReadonlySet<string> = new Set([':', 'true', 'false', 'echo', 'printf', 'cat', 'tee', 'base64', 'base32', 'basenc', 'xxd', 'rev', 'which', 'command', 'type', 'tr', 'dirname', 'basename']);

export function staticFilter(name: string, args: string[], stdin: string | undefined): string | undefined {
  switch (name) {
    // print nothing, whatever they are given
    case ':':
    case 'true':
    case 'false':
      return '';
    // `dirname "$PWD"`, `basename /a/b`: path arithmetic on the text (as coreutils does it, without looking at the disk)
    case 'dirname': {
      const paths = args.filter((a) => !a.startsWith('-'));
      if (paths.length === 0 || paths.length !== args.length) return undefined;
      return paths.map((p) => {
        const t = p.replace(/\/+$/, '');
        if (t === '') return '/';
        const i = t.lastIndexOf('/');
        return i < 0 ? '.' : i === 0 ? '/' : t.slice(0, i).replace(/\/+$/, '') || '/';
      }).join('\n') + '\n';
    }
    case 'basename': {
      if (args.length !== 1 || args[0]!.startsWith('-')) return undefined;
      const t = args[0]!.replace(/\/+$/, '');
      return (t === '' ? '/' : t.slice(t.lastIndexOf('/') + 1)) + '\n';
    }
    case 'echo': {
      let rest = args;
      let newline = true;
      let escapes = false;
      while (rest[0] && /^-[neE]+$/.test(rest[0])) {
        if (rest[0].includes('n')) newline = false;
        if (rest[0].includes('e')) escapes = true;
        rest = rest.slice(1);
      }
      const s = rest.join(' ');
      return (escapes ? printfEscapes(s) : s) + (newline ? '\n' : '');
    }
    case 'printf': {
      if (args.length === 0) return undefined;
      const [fmt, ...vals] = args;
      let k = 0;
      const out = fmt!.replace(/%(-?\d*)([sdbq%])/g, (_m, _w, c: string) => (c === '%' ? '%' : c === 'b' ? printfEscapes(vals[k++] ?? '') : vals[k++] ?? ''));
      return printfEscapes(out);
    }
    case 'cat':
    case 'tee':
      return args.filter((a) => !a.startsWith('-')).length === 0 || name === 'tee' ? stdin : undefined;
    case 'base64':
    case 'base32':
    case 'basenc':
      if (stdin !== undefined && args.some((a) => a === '-d' || a === '--decode' || a === '-D' || /^-[a-zA-Z]*d/.test(a))) {
        try {
          return name === 'base32' ? undefined : Buffer.from(stdin.replace(/\s+/g, ''), 'base64').toString('utf8');
        } catch {
          return undefined;
        }
      }
      if (stdin !== undefined && args.length === 0) return Buffer.from(stdin).toString('base64') + '\n';
      return undefined;
    case 'xxd':
      if (stdin !== undefined && args.includes('-r') && args.includes('-p')) return Buffer.from(stdin.replace(/\s+/g, ''), 'hex').toString('utf8');
      return undefined;
    case 'rev':
      return stdin?.split('\n').map((l) => [...l].reverse().join('')).join('\n');
    case 'which':
    case 'command':
    case 'type': {
      const names = args.filter((a) => !a.startsWith('-'));
      if (names.length !== 1 || name !== 'which' && !args.some((a) => a === '-v' || a === '-p' || a === '-P')) return undefined;
      return `/usr/bin/${names[0]}\n`;
    }
    case 'tr': {
      if (stdin === undefined || args.length !== 2) return undefined;
      const from = expandTrSet(args[0]!);
      const to = expandTrSet(args[1]!);
      if (!from || !to) return undefined;
      return [...stdin].map((ch) => {
        const i = from.indexOf(ch);
        return i >= 0 ? to[Math.min(i, to.length - 1)] ?? ch : ch;
      }).join('');
    }
    default:
      return undefined;
  }
}

function expandTrSet(s: string): string | undefined {
  if (s.length > 200) return undefined;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    if (s[i + 1] === '-' && s[i + 2] !== undefined) {
      const a = s.charCodeAt(i);
      const b = s.charCodeAt(i + 2);
      if (b < a || b - a > 256) return undefined;
      for (let c = a; c <= b; c++) out += String.fromCharCode(c);
      i += 2;
    } else out += s[i];
  }
  return out;
}

function printfEscapes(s: string): string {
  return s.replace(/\\(x[0-9A-Fa-f]{1,2}|[0-7]{1,3}|u[0-9A-Fa-f]{4}|[nrtabfv\\])/g, (_m, e: string) => {
    if (e[0] === 'x') return String.fromCharCode(parseInt(e.slice(1), 16));
    if (e[0] === 'u') return String.fromCharCode(parseInt(e.slice(1), 16));
    if (/^[0-7]/.test(e)) return String.fromCharCode(parseInt(e, 8));
    return ({ n: '\n', r: '\r', t: '\t', a: '\x07', b: '\b', f: '\f', v: '\v', '\\': '\\' } as Record<string, string>)[e] ?? e;
  });
}

/** Decoding commands: what they print was hidden in their input. */
export function isDecoder(c: ShellCommandInfo): boolean {
  const a = c.args;
  switch (c.name) {
    case 'base64':
    case 'base32':
    case 'basenc':
      return a.some((x) => x === '-d' || x === '--decode' || x === '-D' || /^-[a-zA-Z]*d/.test(x));
    case 'xxd':
      return a.some((x) => x === '-r' || /^-[a-z]*r/.test(x));
    case 'openssl':
      return a.includes('-d') || a[0] === 'base64' || a[0] === 'enc';
    case 'uudecode':
    case 'gunzip':
    case 'zcat':
    case 'bunzip2':
    case 'unxz':
    case 'rev':
      return true;
    case 'gzip':
    case 'bzip2':
    case 'xz':
    case 'zstd':
      return a.some((x) => x === '-d' || x === '--decompress');
    case 'tr':
      // a translation (not -d or -s): rot13 and the like
      return a.length === 2 && !a[0]!.startsWith('-');
    case 'printf':
      return a.some((x) => /\\x[0-9a-f]|\\[0-7]{3}/i.test(x));
    default:
      return c.inlineCode !== undefined && /b64decode|atob|base64|fromCharCode|unhexlify|decode\(/.test(c.inlineCode);
  }
}

export function stripQuotes(s: string): string {
  if (s.length >= 2 && (s[0] === '"' && s.endsWith('"') || s[0] === "'" && s.endsWith("'"))) return s.slice(1, -1);
  return s;
}

/** A `#!` line's program and its first argument (`#!/usr/bin/env python3`, `#!/usr/bin/env -S node`), as written; undefined without one. */
export function shebangLine(text: string): { program: string; arg?: string } | undefined {
  const m = /^#!\s*(\S+)(?:[ \t]+(?:-S[ \t]*)?(\S+))?/.exec(text);
  if (m === null) return undefined;
  return m[2] !== undefined ? { program: m[1]!, arg: m[2] } : { program: m[1]! };
}

export function quoteWord(v: string): string {
  return /^[A-Za-z0-9_./=:@%+-]+$/.test(v) ? v : `'${v.replace(/'/g, `'\\''`)}'`;
}

/**
 * Splits text into words at whitespace outside single or double quotes,
 * which are removed; an empty quoted word stays a word. `backslash`: a
 * backslash escapes the next character (POSIX shells; not cmd or PowerShell,
 * where it separates path parts).
 */
export function quotedWords(s: string, opts: { backslash: boolean }): string[] {
  const out: string[] = [];
  let cur = '';
  let quote: string | undefined;
  let any = false;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (quote) {
      if (ch === quote) quote = undefined;
      else cur += ch;
      continue;
    }
    if (ch === "'" || ch === '"') {
      quote = ch;
      any = true;
      continue;
    }
    if (opts.backslash && ch === '\\' && i + 1 < s.length) {
      cur += s[++i];
      any = true;
      continue;
    }
    if (/\s/.test(ch)) {
      if (cur !== '' || any) out.push(cur);
      cur = '';
      any = false;
      continue;
    }
    cur += ch;
  }
  if (cur !== '' || any) out.push(cur);
  return out;
}

/** Splits text into words the simple way (whitespace, quotes, backslashes, `{a,b}`), for text the parser rejected. */
export function splitWords(s: string): string[] {
  // brace expansion of each word
  const expanded: string[] = [];
  for (const wd of quotedWords(s, { backslash: true })) {
    const m = /^\{([^{}]*,[^{}]*)\}$/.exec(wd);
    if (m) expanded.push(...m[1]!.split(','));
    else expanded.push(wd);
  }
  return expanded;
}

export function parseDuration(s: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)([smhd]?)$/.exec(s);
  if (!m) return undefined;
  const n = Number(m[1]);
  return n * ({ '': 1, s: 1, m: 60, h: 3600, d: 86400 } as Record<string, number>)[m[2]!]!;
}

