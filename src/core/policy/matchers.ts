import picomatch from 'picomatch';
import { canonicalTokens } from './shell/args.ts';
import { foldPath, isInside } from './paths.ts';

/**
 * The matchers rules are made of: path globs (gitignore syntax with anchors),
 * command patterns, name globs, host names, time windows.
 */

// ---------------------------------------------------------------- names

export type NameMatcher = (s: string) => boolean;

/** Glob over plain names (agents, tools, branches, MCP servers): `*` spans anything. */
export function nameGlob(patterns: readonly string[], nocase = false): NameMatcher {
  const ms = patterns.map((p) => picomatch(p, { nocase, dot: true, bash: true }));
  return (s) => ms.some((m) => m(s));
}

// ---------------------------------------------------------------- paths

export interface PathContext {
  workspaceRoots: string[];
  home: string;
  caseInsensitive?: boolean;
}

interface Rule {
  re: RegExp;
  negate: boolean;
  dirOnly: boolean;
}

interface Group {
  rules: Rule[];
  /** anchored groups: every possible first path segment, when all patterns start with a literal one */
  firstSegments?: Set<string>;
  /** a pattern starts with a glob: no first-segment pre-check */
  openStart: boolean;
  /** unanchored groups: literal prefix and suffix each pattern's matches must have (a cheap pre-check) */
  affixes?: Affix[];
  /** all non-negated patterns in one regex (files and directories / directories only) */
  any?: RegExp;
  dirs?: RegExp;
  hasNegation: boolean;
  /** the affixes indexed by the first character of their prefix, or (empty prefix) the last of their suffix */
  byFirst?: Map<string, Affix[]>;
  byLast?: Map<string, Affix[]>;
  /** byFirst and byLast for ASCII characters, indexed by character code */
  byFirstCode?: (Affix[] | undefined)[];
  byLastCode?: (Affix[] | undefined)[];
  /** an affix with neither prefix nor suffix (`*`): every segment may match */
  anyAffix?: boolean;
}

interface Affix {
  prefix: string;
  suffix: string;
  /** the shortest segment that can carry both */
  min: number;
}

interface Compiled {
  anywhere: Group;
  workspace: Group;
  home: Group;
  absolute: Group;
  /** some pattern is negated */
  negation: boolean;
  /** some (non-negated) pattern matches directories only */
  dirRules: boolean;
}

/**
 * Gitignore-syntax globs with explicit anchors:
 * - `src/**`, `/build`, `.env` — relative to each workspace folder (a pattern
 *   without a slash matches at any depth, as in .gitignore; such patterns
 *   also match outside the workspace, `*.pem` is a key file anywhere);
 * - `~/…` or `${userHome}/…` — relative to the home directory;
 * - `abs:/…` — an absolute path;
 * - `${workspaceFolder}/…` — the same as a leading `/`.
 *
 * As in .gitignore, a pattern that matches a directory matches everything
 * below it, a trailing `/` matches directories only, and `!pattern`
 * re-includes (except below an excluded directory). Patterns compile to
 * regular expressions once; a test costs one regex per path segment.
 */
export class PathGlobs {
  private readonly cs: Compiled;
  private ci?: Compiled;
  private readonly patterns: readonly string[];
  readonly empty: boolean;

  constructor(patterns: readonly string[]) {
    this.patterns = patterns;
    this.empty = patterns.length === 0;
    this.cs = compileGroups(patterns, false);
  }

  private groups(caseInsensitive: boolean): Compiled {
    if (!caseInsensitive) return this.cs;
    return (this.ci ??= compileGroups(this.patterns, true));
  }

  /** Does `p` (canonical, absolute) match? `isDir` lets `dir/` patterns match the path itself. */
  test(p: string, ctx: PathContext, isDir = false): boolean {
    if (this.empty) return false;
    const ci = ctx.caseInsensitive === true;
    const g = this.groups(ci);
    let lead = 0;
    while (lead < p.length && p.charCodeAt(lead) === 47) lead++;
    const absRel = lead === 0 ? p : p.slice(lead);
    // ASCII paths fold by position: the folded text lines up with the original, so segments need no copies
    const ascii = isAscii(p);
    const fp = ci ? lowerOf(p, ascii) : p;
    const foldedRel = ascii ? (lead === 0 ? fp : fp.slice(lead)) : undefined;
    if (g.anywhere.rules.length > 0 && (foldedRel !== undefined ? testSegmentsFolded(g.anywhere, absRel, foldedRel, isDir, ci) : testSegments(g.anywhere, absRel, isDir, ci))) return true;
    if (g.absolute.rules.length > 0 && testPrefixes(g.absolute, absRel, isDir, ci, foldedRel)) return true;
    if (g.home.rules.length === 0 && g.workspace.rules.length === 0) return false;
    if (g.home.rules.length > 0) {
      const h = relativeTo(p, fp, ctx.home, ci, this.folded(ctx.home, ci));
      if (h !== undefined && testPrefixes(g.home, h, isDir, ci, foldedRel !== undefined && ci ? fp.slice(p.length - h.length) : undefined)) return true;
    }
    if (g.workspace.rules.length > 0) {
      for (const root of ctx.workspaceRoots) {
        const r = relativeTo(p, fp, root, ci, this.folded(root, ci));
        if (r !== undefined && testPrefixes(g.workspace, r, isDir, ci, foldedRel !== undefined && ci ? fp.slice(p.length - r.length) : undefined)) return true;
      }
    }
    return false;
  }

  /**
   * Whether `p/<name>` matches, as a file, for every name: exactly
   * `names.every((n) => this.test(p + '/' + n, ctx))`. Without negated
   * patterns the parts all children share (p's segments and prefixes, as
   * directories) are tested once — not at all when `pAsFile`, the answer of
   * `test(p, ctx)`, is false and no pattern is for directories only — and
   * each child adds its own name and full path.
   */
  testChildren(p: string, ctx: PathContext, names: readonly string[], pAsFile?: boolean): boolean {
    const ci = ctx.caseInsensitive === true;
    const g = this.groups(ci);
    const simple =
      !this.empty &&
      !g.negation &&
      p.length > 1 &&
      p.charCodeAt(0) === 47 &&
      p.charCodeAt(1) !== 47 &&
      p.charCodeAt(p.length - 1) !== 47 &&
      isAscii(p) &&
      names.every((n) => n !== '' && !n.includes('/') && !NON_ASCII.test(n));
    if (!simple) return names.every((n) => this.test(p + '/' + n, ctx));
    const shared = pAsFile === false && !g.dirRules ? false : this.test(p, ctx, true);
    if (shared) return true;
    for (const n of names) if (!this.childOnly(g, p, ctx, n, ci)) return false;
    return true;
  }

  /** What `test(p + '/' + n)` adds to `test(p, ctx, true)`: the name as a segment, the full path as the last prefix. */
  private childOnly(g: Compiled, p: string, ctx: PathContext, n: string, ci: boolean): boolean {
    if (g.anywhere.rules.length > 0 && this.nameMatches(g, n, ci)) return true;
    // the child's texts are built only once a group may match below p (its first segment, its base folder)
    let child: string | undefined;
    if (g.absolute.rules.length > 0 && firstSegmentMay(g.absolute, p, ci) && lastPrefix(g.absolute, (child ??= p + '/' + n).slice(1), ci)) return true;
    if (g.home.rules.length === 0 && g.workspace.rules.length === 0) return false;
    // ASCII (testChildren's simple case) folds character by character: the folded parent (folded once) plus the folded name
    const fp = ci ? lowerOf(p, true) : p;
    let fc: string | undefined;
    if (g.home.rules.length > 0) {
      const fb = this.folded(ctx.home, ci);
      if (mayHoldChild(fp, fb)) {
        child ??= p + '/' + n;
        fc ??= ci ? fp + '/' + toLowerAscii(n) : child;
        const h = relativeTo(child, fc, ctx.home, ci, fb);
        if (h !== undefined && lastPrefix(g.home, h, ci)) return true;
      }
    }
    if (g.workspace.rules.length > 0) {
      for (const root of ctx.workspaceRoots) {
        const fb = this.folded(root, ci);
        if (!mayHoldChild(fp, fb)) continue;
        child ??= p + '/' + n;
        fc ??= ci ? fp + '/' + toLowerAscii(n) : child;
        const r = relativeTo(child, fc, root, ci, fb);
        if (r !== undefined && lastPrefix(g.workspace, r, ci)) return true;
      }
    }
    return false;
  }

  /** `mayMatch(g.anywhere, n, ci) && quick(g.anywhere, n, false)`: a pure function of the name, worked out once per name */
  private readonly nameMemo = new Map<string, boolean>();
  private readonly nameMemoCi = new Map<string, boolean>();

  private nameMatches(g: Compiled, n: string, ci: boolean): boolean {
    const memo = ci ? this.nameMemoCi : this.nameMemo;
    let v = memo.get(n);
    if (v === undefined) {
      v = mayMatch(g.anywhere, n, ci) && quick(g.anywhere, n, false);
      if (memo.size >= 64) memo.clear();
      memo.set(n, v);
    }
    return v;
  }

  /** home and workspace folders as compared (lower case when the test ignores case); a memo of a pure function */
  private readonly foldMemo = new Map<string, string>();

  private folded(base: string, ci: boolean): string {
    if (!ci) return base;
    let f = this.foldMemo.get(base);
    if (f === undefined) {
      if (this.foldMemo.size >= 64) this.foldMemo.clear();
      f = base.toLowerCase();
      this.foldMemo.set(base, f);
    }
    return f;
  }
}

const NON_ASCII = /[^\x00-\x7f]/;
const UPPER_ASCII = /[A-Z]/;

/*
 * One-entry memos of two pure functions of a string. The secret and guard
 * tests of one path (file test, child probes, guard globs) come one after
 * another, so the path is scanned and folded once instead of once per test.
 * They hold no file-system state: the answer depends on the text alone.
 */
let asciiFor: string | undefined;
let asciiValue = true;
let lowerFor: string | undefined;
let lowerValue = '';

/** `!NON_ASCII.test(s)` */
function isAscii(s: string): boolean {
  if (s !== asciiFor) {
    asciiValue = !NON_ASCII.test(s);
    asciiFor = s;
  }
  return asciiValue;
}

/** `s` in lower case (`ascii`: isAscii(s)) */
function lowerOf(s: string, ascii: boolean): string {
  if (s !== lowerFor) {
    lowerValue = ascii ? toLowerAscii(s) : s.toLowerCase();
    lowerFor = s;
  }
  return lowerValue;
}

/** `s.toLowerCase()` for ASCII text (no copy when already lower case). */
function toLowerAscii(s: string): string {
  return UPPER_ASCII.test(s) ? s.toLowerCase() : s;
}

/** `p` relative to `base` (without leading separators) when strictly below it; `fb` is `base` folded as `fp` is. */
function relativeTo(p: string, fp: string, base: string, ci: boolean, fb: string = foldPath(base, ci)): string | undefined {
  if (fp === fb || !isInside(fp, fb)) return undefined;
  let i = base.length;
  while (i < p.length && (p.charCodeAt(i) === 47 || p.charCodeAt(i) === 92)) i++;
  return p.slice(i);
}

function compileGroups(patterns: readonly string[], nocase: boolean): Compiled {
  const c: Compiled = { anywhere: group(), workspace: group(), home: group(), absolute: group(), negation: false, dirRules: false };
  for (const raw of patterns) {
    let p = raw.trim();
    if (p === '' || p.startsWith('#')) continue;
    const negate = p.startsWith('!');
    if (negate) p = p.slice(1);
    let target: Group;
    if (p.startsWith('~/')) {
      target = c.home;
      p = p.slice(2);
    } else if (p.startsWith('${userHome}/')) {
      target = c.home;
      p = p.slice('${userHome}/'.length);
    } else if (p.startsWith('abs:')) {
      target = c.absolute;
      p = p.slice(4);
    } else if (p.startsWith('${workspaceFolder}/')) {
      target = c.workspace;
      p = p.slice('${workspaceFolder}/'.length);
    } else {
      target = p.replace(/\/$/, '').includes('/') ? c.workspace : c.anywhere;
    }
    const dirOnly = p.endsWith('/');
    p = p.replace(/^\/+/, '').replace(/\/+$/, '');
    if (p === '') continue;
    const re = picomatch.makeRe(p, { dot: true, nocase });
    target.rules.push({ re, negate, dirOnly });
    if (negate) target.hasNegation = true;
    const literal = nocase ? p.toLowerCase() : p;
    if (target === c.anywhere) {
      const a = affixOf(literal);
      (target.affixes ??= []).push(a);
      if (a.prefix !== '') pushTo((target.byFirst ??= new Map()), a.prefix[0]!, a);
      else if (a.suffix !== '') pushTo((target.byLast ??= new Map()), a.suffix[a.suffix.length - 1]!, a);
      else target.anyAffix = true;
    } else {
      const first = literal.split('/')[0]!;
      if (GLOB_CHARS.test(first) || first === '') {
        target.openStart = true;
        delete target.firstSegments;
      } else if (!target.openStart) (target.firstSegments ??= new Set()).add(first);
    }
  }
  for (const g of [c.anywhere, c.workspace, c.home, c.absolute]) {
    const files = g.rules.filter((r) => !r.negate && !r.dirOnly).map((r) => `(?:${r.re.source})`);
    const dirs = g.rules.filter((r) => !r.negate && r.dirOnly).map((r) => `(?:${r.re.source})`);
    const flags = nocase ? 'i' : '';
    if (g.byFirst) g.byFirstCode = byCode(g.byFirst);
    if (g.byLast) g.byLastCode = byCode(g.byLast);
    if (files.length > 0) g.any = new RegExp(files.join('|'), flags);
    if (dirs.length > 0) g.dirs = new RegExp(dirs.join('|'), flags);
    if (g.hasNegation) c.negation = true;
    if (g.dirs) c.dirRules = true;
  }
  return c;
}

function group(): Group {
  return { rules: [], hasNegation: false, openStart: false };
}

const GLOB_CHARS = /[*?[\]{}()!+@\\]/;

/** The ASCII entries of an affix index as an array by character code (no one-character string to look up). */
function byCode(m: Map<string, Affix[]>): (Affix[] | undefined)[] {
  const out: (Affix[] | undefined)[] = new Array<Affix[] | undefined>(128).fill(undefined);
  for (const [k, list] of m) if (k.charCodeAt(0) < 128) out[k.charCodeAt(0)] = list;
  return out;
}

function pushTo(m: Map<string, Affix[]>, k: string, a: Affix): void {
  const list = m.get(k);
  if (list) list.push(a);
  else m.set(k, [a]);
}

/** Literal text before the first and after the last glob character of a one-segment pattern. */
function affixOf(p: string): Affix {
  const first = p.search(GLOB_CHARS);
  if (first < 0) return { prefix: p, suffix: p, min: p.length };
  let last = -1;
  for (let i = p.length - 1; i >= 0; i--) {
    if (GLOB_CHARS.test(p[i]!)) {
      last = i;
      break;
    }
  }
  const prefix = p.slice(0, first);
  const suffix = p.slice(last + 1);
  return { prefix, suffix, min: Math.max(prefix.length, suffix.length) };
}

/** Ordered gitignore evaluation of one candidate (last matching rule wins). */
function verdict(g: Group, candidate: string, isDir: boolean): boolean | undefined {
  let v: boolean | undefined;
  for (const r of g.rules) {
    if (r.dirOnly && !isDir) continue;
    if (r.re.test(candidate)) v = !r.negate;
  }
  return v;
}

function quick(g: Group, candidate: string, isDir: boolean): boolean {
  return (g.any?.test(candidate) ?? false) || (isDir && (g.dirs?.test(candidate) ?? false));
}

/** Could any pattern of an unanchored group match this segment? (its literal prefix and suffix must be there) */
function mayMatch(g: Group, segment: string, nocase: boolean): boolean {
  if (!g.affixes || g.anyAffix) return true;
  const s = nocase ? segment.toLowerCase() : segment;
  const n = s.length;
  if (n === 0) return false;
  const byFirst = g.byFirst?.get(s[0]!);
  const byLast = g.byLast?.get(s[n - 1]!);
  if (byFirst) for (const a of byFirst) if (n >= a.min && s.startsWith(a.prefix) && s.endsWith(a.suffix)) return true;
  if (byLast) for (const a of byLast) if (n >= a.min && s.endsWith(a.suffix)) return true;
  return false;
}

/** Unanchored patterns: any path segment (a matching directory covers its contents). */
function testSegments(g: Group, rel: string, isDir: boolean, nocase = false): boolean {
  let start = 0;
  for (;;) {
    const end = rel.indexOf('/', start);
    const last = end < 0;
    const seg = last ? rel.slice(start) : rel.slice(start, end);
    const dir = !last || isDir;
    if (g.hasNegation) {
      if (verdict(g, seg, dir) === true) return true;
    } else if (mayMatch(g, seg, nocase) && quick(g, seg, dir)) return true;
    if (last) return false;
    start = end + 1;
  }
}

/**
 * testSegments for a path whose folded form (lower case when the group
 * ignores case, else the path itself) has the same length and positions:
 * the literal pre-check reads the folded text in place, and only segments
 * that pass it are copied for the regular expressions.
 */
function testSegmentsFolded(g: Group, rel: string, folded: string, isDir: boolean, nocase: boolean): boolean {
  if (g.hasNegation) return testSegments(g, rel, isDir, nocase);
  const open = !g.affixes || g.anyAffix === true;
  let start = 0;
  for (;;) {
    const slash = rel.indexOf('/', start);
    const last = slash < 0;
    const end = last ? rel.length : slash;
    if (open || mayMatchAt(g, folded, start, end)) {
      const seg = rel.slice(start, end);
      if (quick(g, seg, !last || isDir)) return true;
    }
    if (last) return false;
    start = end + 1;
  }
}

/** mayMatch over `s.slice(start, end)` (already folded), without the copy. */
function mayMatchAt(g: Group, s: string, start: number, end: number): boolean {
  const n = end - start;
  if (n === 0) return false;
  const c0 = s.charCodeAt(start);
  const c1 = s.charCodeAt(end - 1);
  const byFirst = c0 < 128 ? g.byFirstCode?.[c0] : g.byFirst?.get(s[start]!);
  const byLast = c1 < 128 ? g.byLastCode?.[c1] : g.byLast?.get(s[end - 1]!);
  // every affix fits inside the segment (n >= min), so the comparisons stay within it
  if (byFirst) for (const a of byFirst) if (n >= a.min && s.startsWith(a.prefix, start) && s.endsWith(a.suffix, end)) return true;
  if (byLast) for (const a of byLast) if (n >= a.min && s.endsWith(a.suffix, end)) return true;
  return false;
}

/**
 * Whether `lastPrefix(g, (p + '/' + name).slice(1), nocase)` can pass its
 * first-segment check, read from `p` (absolute, no doubled leading slash):
 * the child's first segment is p's.
 */
function firstSegmentMay(g: Group, p: string, nocase: boolean): boolean {
  if (!g.firstSegments) return true;
  const slash = p.indexOf('/', 1);
  const first = p.slice(1, slash < 0 ? p.length : slash);
  return g.firstSegments.has(nocase ? first.toLowerCase() : first);
}

/**
 * False only when `fp + '/' + name` cannot be inside `fb` for any name (so
 * relativeTo would answer undefined): `fb` fits within `fp` but does not
 * start it. Longer bases are left to relativeTo.
 */
function mayHoldChild(fp: string, fb: string): boolean {
  return fb.length > fp.length || fp.startsWith(fb);
}

/** testPrefixes reduced to its last step: `rel` itself, as a file (groups without negation). */
function lastPrefix(g: Group, rel: string, nocase: boolean): boolean {
  if (g.firstSegments) {
    const slash = rel.indexOf('/');
    const first = slash < 0 ? rel : rel.slice(0, slash);
    if (!g.firstSegments.has(nocase ? first.toLowerCase() : first)) return false;
  }
  return quick(g, rel, false);
}

/** Anchored patterns: the path or any of its parent directories. `folded`: `rel` in lower case, position for position (ASCII). */
function testPrefixes(g: Group, rel: string, isDir: boolean, nocase = false, folded?: string): boolean {
  if (g.firstSegments && !g.hasNegation) {
    const slash = rel.indexOf('/');
    const first = nocase && folded !== undefined ? (slash < 0 ? folded : folded.slice(0, slash)) : slash < 0 ? rel : rel.slice(0, slash);
    if (!g.firstSegments.has(nocase && folded === undefined ? first.toLowerCase() : first)) return false;
  }
  let end = -1;
  for (;;) {
    end = rel.indexOf('/', end + 1);
    const last = end < 0;
    const prefix = last ? rel : rel.slice(0, end);
    const dir = !last || isDir;
    if (g.hasNegation) {
      const v = verdict(g, prefix, dir);
      if (v === true) return true;
    } else if (quick(g, prefix, dir)) return true;
    if (last) return false;
  }
}

// ---------------------------------------------------------------- commands

interface CommandPattern {
  name: NameMatcher;
  flags: string[];
  positionals: NameMatcher[];
  exact: boolean;
  text: string;
}

/**
 * A command pattern such as `git push --force *` or `rm -rf /`. The first
 * word is the command name (a glob); flags must all be present, in any order
 * and spelling; the other words match the command's positional arguments in
 * order (globs, `*` also spans `/`). A pattern matches as a prefix unless it
 * ends with `$`.
 */
export function compileCommandPattern(text: string): CommandPattern {
  let t = text.trim();
  let exact = false;
  if (t.endsWith(' $') || t === '$') {
    exact = true;
    t = t.slice(0, -1).trim();
  }
  const words = splitPattern(t);
  const name = words[0] ?? '*';
  const tokens = canonicalTokens(name, words.slice(1));
  const flags: string[] = [];
  const positionals: string[] = [];
  for (const tok of tokens) {
    if (tok.startsWith('-') && tok.length > 1 && tok !== '--') flags.push(tok);
    else positionals.push(tok);
  }
  // a trailing lone `*` means "and anything": prefix matching already does that
  if (!exact && positionals[positionals.length - 1] === '*') positionals.pop();
  return { name: wordGlob(name), flags, positionals: positionals.map(wordGlob), exact, text };
}

/** A glob over one command word where `*` spans anything, `/` included. */
function wordGlob(pattern: string): NameMatcher {
  if (!/[*?]/.test(pattern)) return (s) => s === pattern;
  const re = new RegExp('^' + pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*+/g, '.*').replace(/\?/g, '.') + '$', 's');
  return (s) => re.test(s);
}

function splitPattern(s: string): string[] {
  const out: string[] = [];
  for (const m of s.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)) out.push(m[1] ?? m[2] ?? m[3]!);
  return out;
}

/** Matches one sub-command (its program name and evaluated arguments). */
export function matchCommand(p: CommandPattern, name: string, args: readonly string[]): boolean {
  if (!p.name(name)) return false;
  const tokens = canonicalTokens(name, args);
  const flagSet = new Set<string>();
  const positionals: string[] = [];
  for (const tok of tokens) {
    if (tok.startsWith('-') && tok.length > 1 && tok !== '--') {
      flagSet.add(tok);
      const eq = tok.indexOf('=');
      if (eq > 0) flagSet.add(tok.slice(0, eq));
    } else positionals.push(tok);
  }
  for (const f of p.flags) if (!flagSet.has(f)) return false;
  if (p.positionals.length > positionals.length) return false;
  for (let i = 0; i < p.positionals.length; i++) if (!p.positionals[i]!(positionals[i]!)) return false;
  if (p.exact && positionals.length !== p.positionals.length) return false;
  return true;
}

export { type CommandPattern };

// ---------------------------------------------------------------- hosts

/** Host name of a URL (lower case, no port); undefined when it has none. */
export function hostOf(url: string): string | undefined {
  try {
    const u = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(url) ? url : 'http://' + url);
    return u.hostname.toLowerCase().replace(/^\[|\]$/g, '') || undefined;
  } catch {
    const m = /^[a-z]+:\/\/([^/:?#]+)/i.exec(url);
    return m ? m[1]!.toLowerCase() : undefined;
  }
}

/**
 * A host as the client connects to it, in one spelling: lower case, no
 * trailing dot, an IPv4 address in dotted decimal however it was written
 * (`2852039166`, `0xa9fea9fe`, `0251.0376.0251.0376`, `169.254.43518`),
 * and an IPv6 address that carries an IPv4 one (`::ffff:169.254.169.254`,
 * NAT64 `64:ff9b::…`) as that IPv4 address. URLs with special schemes
 * arrive with IPv4 already canonical (the URL parser does it); hosts of
 * other schemes (`gopher://2852039166/`) and of schemeless text are
 * re-read here.
 */
export function canonicalHost(host: string): string {
  let h = host.toLowerCase();
  while (h.endsWith('.')) h = h.slice(0, -1);
  const numeric = NUMERIC_HOST.test(h);
  if (!numeric && !h.includes(':')) return h;
  try {
    h = new URL(numeric ? `http://${h}/` : `http://[${h.replace(/^\[|\]$/g, '')}]/`).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return h;
  }
  const v4 = EMBEDDED_V4.exec(h);
  if (!v4) return h;
  const hi = parseInt(v4[1]!, 16);
  const lo = parseInt(v4[2]!, 16);
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

/** digits, dots and hex: a host the URL parser may read as an IPv4 address */
const NUMERIC_HOST = /^(?=.*\d)[0-9a-fx.]+$/;
/** IPv4-mapped, IPv4-compatible, IPv4-translated and NAT64 IPv6 addresses, as the URL parser writes them */
const EMBEDDED_V4 = /^(?:::ffff:|::|::ffff:0:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/;

export function domainMatcher(patterns: readonly string[]): NameMatcher {
  // any pattern matching is the answer, so the three kinds are tried apart: exact names in a set,
  // `*.base` as suffixes built once, other globs compiled; the host is lower-cased once
  const exact = new Set<string>();
  const suffixes: string[] = [];
  const globs: ((h: string) => boolean)[] = [];
  for (const p of patterns) {
    const lower = p.toLowerCase();
    if (lower.startsWith('*.')) {
      const base = lower.slice(2);
      exact.add(base);
      suffixes.push('.' + base);
    } else if (/[*?]/.test(lower)) globs.push(picomatch(lower, { dot: true }));
    else exact.add(lower);
  }
  return (host) => {
    const h = host.toLowerCase();
    if (exact.has(h)) return true;
    for (const s of suffixes) if (h.endsWith(s)) return true;
    for (const g of globs) if (g(h)) return true;
    return false;
  };
}

// ---------------------------------------------------------------- time

const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

/** Day of week and minutes since midnight of `now` in a time zone. */
export function localTime(now: Date, timezone: string | undefined): { day: string; minutes: number } {
  if (!timezone) return { day: DAYS[now.getDay()]!, minutes: now.getHours() * 60 + now.getMinutes() };
  const fmt = new Intl.DateTimeFormat('en-US', { timeZone: timezone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  let day = 'mon';
  let hour = 0;
  let minute = 0;
  for (const part of fmt.formatToParts(now)) {
    if (part.type === 'weekday') day = part.value.slice(0, 3).toLowerCase();
    else if (part.type === 'hour') hour = Number(part.value) % 24;
    else if (part.type === 'minute') minute = Number(part.value);
  }
  return { day, minutes: hour * 60 + minute };
}

export function validTimezone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

function minutesOf(hm: string): number {
  const [h, m] = hm.split(':');
  return Number(h) * 60 + Number(m ?? 0);
}

/** Is `now` inside the window (days, `HH:MM-HH:MM`, zone)? Ranges may wrap past midnight. */
export function inWindow(now: Date, w: { days?: readonly string[] | undefined; hours?: string | undefined; timezone?: string | undefined }): boolean {
  const { day, minutes } = localTime(now, w.timezone);
  if (w.hours) {
    const [from, to] = w.hours.split('-') as [string, string];
    const a = minutesOf(from);
    const b = minutesOf(to);
    if (a <= b) {
      if (!(minutes >= a && minutes < b)) return false;
      if (w.days && !w.days.includes(day)) return false;
      return true;
    }
    // wraps midnight: the part after midnight belongs to the previous day's window
    if (minutes >= a) return !w.days || w.days.includes(day);
    if (minutes < b) {
      const prev = DAYS[(DAYS.indexOf(day) + 6) % 7]!;
      return !w.days || w.days.includes(prev);
    }
    return false;
  }
  return !w.days || w.days.includes(day);
}

/** `30s`, `10m`, `1h`, `1d` in milliseconds. */
export function durationMs(s: string): number {
  // a one-entry memo of a pure function of the text (the same policy window is asked for again and again)
  if (s === durationFor) return durationValue;
  const m = /^(\d+(?:\.\d+)?)\s*(s|m|h|d)$/.exec(s.trim());
  const v = m ? Number(m[1]) * UNIT_MS[m[2] as 's' | 'm' | 'h' | 'd'] : 0;
  durationFor = s;
  durationValue = v;
  return v;
}
const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
let durationFor: string | undefined;
let durationValue = 0;
