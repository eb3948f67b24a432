/**
 * An inline program's strings as it will build them. The scan of inline code
 * (cmdCode.ts) looks for calls with literal arguments; programs that hide
 * their target build it first: `'rm -rf '+'~'`, Ruby's `%q(…)`, Perl's
 * `q(…)`, a variable holding the literal (`p='.vscode/settings.json';
 * open(p,'w')`), or a base64 literal decoded in place. `foldInlineStrings`
 * rewrites those forms into plain double-quoted literals at the place they
 * are used, so the scan sees what runs. It is a rewrite of text, not an
 * interpreter: what it cannot fold stays as it was (and the scan's checks
 * for computed arguments still see it).
 */

const MAX_PASSES = 16;
/** at most this many variables are followed (one pass over the program each) */
const MAX_VARIABLES = 32;

/** `"…"` with the text escaped for a double-quoted literal. */
function quoted(text: string): string {
  return '"' + text.replace(/\\/g, '\\\\').replace(/"/g, '\\"') + '"';
}

/** The text of a literal's body (`\'` → `'`, `\\` → `\`; other escapes kept as written). */
export function unescaped(body: string): string {
  return body.replace(/\\(["'\\])/g, '$1');
}

const CLOSE: Record<string, string> = { '(': ')', '[': ']', '{': '}', '<': '>' };

/** Ruby `%q(…)`, `%Q{…}`, `%(…)` and Perl `q(…)`, `qq{…}`, `q|…|` as double-quoted literals (no nesting). */
function otherQuotes(code: string, lang: string): string {
  const re = lang === 'ruby' ? /%[qQ]?([([{<|!/^])/g : lang === 'perl' ? /(?<![\w$@%&])qq?\s*([([{<|!/#^])/g : undefined;
  if (!re) return code;
  let out = '';
  let last = 0;
  for (let m = re.exec(code); m; m = re.exec(code)) {
    const open = m[1]!;
    const close = CLOSE[open] ?? open;
    const start = m.index + m[0].length;
    const end = code.indexOf(close, start);
    if (end < 0) break;
    out += code.slice(last, m.index) + quoted(code.slice(start, end));
    last = end + 1;
    re.lastIndex = last;
  }
  return last === 0 ? code : out + code.slice(last);
}

/** `'a' + 'b'`, `"a" . "b"`, `'a' .. 'b'`, `'a' 'b'`: one literal. */
const CONCAT = /(["'])((?:\\.|(?!\1)[^\\\n])*)\1[ \t]*(?:\+|\.\.?)?[ \t]*(["'])((?:\\.|(?!\3)[^\\\n])*)\3/g;

/** `''.join(['r', 'm'])`, `['r','m'].join('')` (a list of literals joined) */
const JOIN_LIST = /(["'])((?:\\.|(?!\1)[^\\\n])*)\1\s*\.\s*join\(\s*\[\s*((?:(["'])(?:\\.|(?!\4)[^\\\n])*\4\s*(?:,\s*)?)+)\]\s*\)|\[\s*((?:(["'])(?:\\.|(?!\6)[^\\\n])*\6\s*(?:,\s*)?)+)\]\s*\.\s*join\(\s*(["'])((?:\\.|(?!\7)[^\\\n])*)\7\s*\)/g;
/** `chr(114)`, `String.fromCharCode(114, 109)`, Perl's `chr 114` */
const CHAR_CODES = /\b(?:chr|String\.fromCharCode)\s*\(\s*(\d{1,7}(?:\s*,\s*\d{1,7})*)\s*\)/g;

function literalItems(list: string): string[] {
  return [...list.matchAll(/(["'])((?:\\.|(?!\1)[^\\\n])*)\1/g)].map((m) => unescaped(m[2]!));
}

function joinsAndCodes(code: string): string {
  return code
    .replace(CHAR_CODES, (_all, codes: string) => quoted(String.fromCharCode(...codes.split(',').map((n) => Number(n.trim())).filter((n) => n <= 0x10ffff))))
    .replace(JOIN_LIST, (_all, _q, sep1: string | undefined, list1: string | undefined, _q4, list2: string | undefined, _q6, _q7, sep2: string | undefined) =>
      quoted(literalItems(list1 ?? list2 ?? '').join(unescaped(sep1 ?? sep2 ?? ''))),
    );
}

function concatenations(code: string): string {
  let cur = code;
  for (let i = 0; i < MAX_PASSES; i++) {
    const next = cur.replace(CONCAT, (_all, _q1: string, a: string, _q2: string, b: string) => quoted(unescaped(a) + unescaped(b)));
    if (next === cur) return cur;
    cur = next;
  }
  return cur;
}

/** `name = "literal"` as a whole statement (Python, JavaScript, Ruby, Perl, PHP, Lua). */
const ASSIGN = /(?:^|[;\n{(]|\b(?:const|let|var|my|our|local)\b)[ \t]*([$]?[A-Za-z_]\w*)[ \t]*=[ \t]*(["'])((?:\\.|(?!\2)[^\\\n])*)\2[ \t]*(?=[;\n)}]|$)/g;

/** Names assigned once, with the literal they hold. */
function literalVariables(code: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const m of code.matchAll(ASSIGN)) {
    const name = m[1]!;
    if (found.size >= MAX_VARIABLES && !found.has(name)) break;
    if (found.has(name)) found.set(name, '\0');
    else found.set(name, unescaped(m[3]!));
  }
  for (const [name, value] of found) {
    // assigned again in any other form (`p = p + x`, `p += …`): its value is not known
    const esc = name.replace(/\$/g, '\\$');
    const writes = code.match(new RegExp(`(?<![\\w$])${esc}[ \\t]*(?:[-+*/.|&]|\\.\\.)?=(?!=)`, 'g'))?.length ?? 0;
    if (value === '\0' || writes > 1) found.delete(name);
  }
  return found;
}

/** Uses of a literal variable as a call's argument (`f(p)`, `f(x, p)`, Perl's and Ruby's `system $c`): the literal. */
function substituteVariables(code: string, vars: Map<string, string>): string {
  let cur = code;
  let n = 0;
  for (const [name, value] of vars) {
    if (++n > MAX_VARIABLES) break;
    const esc = name.replace(/\$/g, '\\$');
    const arg = new RegExp(`(?<=[(,\\[][ \\t]*)${esc}(?![\\w$])(?=[ \\t]*[,)\\]])|(?<=(?<![.\\w$])(?:system|exec|spawn|popen)[ \\t]+)${esc}(?![\\w$])`, 'g');
    cur = cur.replace(arg, () => quoted(value));
  }
  return cur;
}

/** Base64 literals decoded in place: `b64decode("…")`, `atob('…')`, `decode_base64(…)`, `Buffer.from("…", "base64")`, `"…".decode('base64')`. */
const B64_CALL = /(?:(?:base64\.)?(?:b64decode|standard_b64decode|urlsafe_b64decode)|atob|decode_base64|Base64\.decode64|Base64\.strict_decode64|base64_decode)\s*\(\s*(["'])([A-Za-z0-9+/=_-]{4,})\1\s*\)|Buffer\.from\(\s*(["'])([A-Za-z0-9+/=]{4,})\3\s*,\s*["']base64["']\s*\)|(["'])([A-Za-z0-9+/=]{4,})\5(?:\.encode\(\))?\.decode\(\s*["']base64["']\s*\)/g;

function decodedLiterals(code: string): string {
  return code.replace(B64_CALL, (all: string, _q1, a: string | undefined, _q2, b: string | undefined, _q3, c: string | undefined) => {
    const body = a ?? b ?? c ?? '';
    const text = Buffer.from(body.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('latin1');
    // only text: binary payloads stay as they were (the decoded-exec check flags them)
    return /^[\x20-\x7e\t\n\r]+$/.test(text) ? quoted(text) : all;
  });
}

/** Cheap test: nothing to fold in most inline programs. */
const MAY_FOLD = /["'][ \t]*(?:\+|\.\.?)?[ \t]*["']|%[qQ]?[([{<|!/^]|(?<![\w$@%&])qq?\s*[([{<|!/#^]|=[ \t]*["']|b64decode|atob|base64|Base64|join\(|chr\s*\(|fromCharCode/;

export function foldInlineStrings(code: string, lang: string): string {
  if (!MAY_FOLD.test(code)) return code;
  let cur = concatenations(joinsAndCodes(otherQuotes(code, lang)));
  cur = decodedLiterals(cur);
  const vars = literalVariables(cur);
  if (vars.size > 0) cur = substituteVariables(cur, vars);
  return concatenations(cur);
}

/** Literals naming files that guard agents (editor and agent settings, hooks, Belay's state). */
const GUARDISH = /["']((?:[^"'\s]*\/)?(?:\.vscode|\.claude|\.cursor|\.github\/hooks|\.belay|\.codex|\.gemini|\.windsurf)(?:\/[^"'\s]*)?|[^"'\s]*\.code-workspace)["']/g;

/** The guard-related paths an inline program names (to be counted as written when it writes somewhere it computes). */
export function guardishLiterals(code: string): string[] {
  const out: string[] = [];
  for (const m of code.matchAll(GUARDISH)) out.push(m[1]!);
  return out;
}
