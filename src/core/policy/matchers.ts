import ignore, { type Ignore } from 'ignore';
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

interface Group {
  patterns: string[];
  cs?: Ignore;
  ci?: Ignore;
}

/**
 * Gitignore-syntax globs with explicit anchors:
 * - `src/**`, `/build`, `.env` — relative to each workspace folder (a pattern
 *   without a slash matches at any depth, as in .gitignore; such patterns
 *   also match outside the workspace, `*.pem` is a key file anywhere);
 * - `~/…` or `${userHome}/…` — relative to the home directory;
 * - `abs:/…` — an absolute path;
 * - `${workspaceFolder}/…` — the same as a leading `/`.
 */
export class PathGlobs {
  private readonly anywhere: Group = { patterns: [] };
  private readonly workspace: Group = { patterns: [] };
  private readonly home: Group = { patterns: [] };
  private readonly absolute: Group = { patterns: [] };
  readonly empty: boolean;

  constructor(patterns: readonly string[]) {
    for (const raw of patterns) {
      const { group, pattern } = this.classify(raw.trim());
      if (pattern !== '') group.patterns.push(pattern);
    }
    this.empty = patterns.length === 0;
  }

  private classify(p: string): { group: Group; pattern: string } {
    const neg = p.startsWith('!') ? '!' : '';
    const body = neg ? p.slice(1) : p;
    if (body.startsWith('~/')) return { group: this.home, pattern: neg + '/' + body.slice(2) };
    if (body.startsWith('${userHome}/')) return { group: this.home, pattern: neg + '/' + body.slice('${userHome}/'.length) };
    if (body.startsWith('abs:')) return { group: this.absolute, pattern: neg + '/' + body.slice(4).replace(/^\/+/, '') };
    if (body.startsWith('${workspaceFolder}/')) return { group: this.workspace, pattern: neg + '/' + body.slice('${workspaceFolder}/'.length) };
    const inner = body.replace(/\/$/, '');
    if (!inner.includes('/')) return { group: this.anywhere, pattern: p };
    return { group: this.workspace, pattern: p };
  }

  private ig(g: Group, ci: boolean): Ignore | undefined {
    if (g.patterns.length === 0) return undefined;
    if (ci) return (g.ci ??= ignore({ ignorecase: true }).add(g.patterns));
    return (g.cs ??= ignore({ ignorecase: false }).add(g.patterns));
  }

  /** Does `p` (canonical, absolute) match? `isDir` lets `dir/` patterns match. */
  test(p: string, ctx: PathContext, isDir = false): boolean {
    if (this.empty) return false;
    const ci = ctx.caseInsensitive === true;
    const fp = foldPath(p, ci);
    const probe = (ig: Ignore | undefined, rel: string): boolean => {
      if (!ig || rel === '' || rel.startsWith('..')) return false;
      try {
        return ig.ignores(isDir ? rel + '/' : rel);
      } catch {
        return false;
      }
    };
    const relTo = (base: string): string | undefined => {
      const fb = foldPath(base, ci);
      if (!isInside(fp, fb) || fp === fb) return undefined;
      return p.slice(base.length).replace(/^[\\/]+/, '');
    };
    const absRel = p.replace(/^\/+/, '').replace(/^([A-Za-z]):\//, '$1:/');
    if (probe(this.ig(this.anywhere, ci), absRel)) return true;
    if (probe(this.ig(this.absolute, ci), absRel)) return true;
    const h = relTo(ctx.home);
    if (h !== undefined && probe(this.ig(this.home, ci), h)) return true;
    for (const root of ctx.workspaceRoots) {
      const r = relTo(root);
      if (r !== undefined && probe(this.ig(this.workspace, ci), r)) return true;
    }
    return false;
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
  const positionals: NameMatcher[] = [];
  for (const tok of tokens) {
    if (tok.startsWith('-') && tok.length > 1 && tok !== '--') flags.push(tok);
    else if (tok === '*' && positionals.length === tokens.filter((x) => !x.startsWith('-')).length - 1 && !exact) {
      // a trailing lone `*` means "and anything"
    } else positionals.push(nameGlob([tok]));
  }
  return { name: nameGlob([name]), flags, positionals, exact, text };
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

export function domainMatcher(patterns: readonly string[]): NameMatcher {
  const ms = patterns.map((p) => {
    const lower = p.toLowerCase();
    if (lower.startsWith('*.')) {
      const base = lower.slice(2);
      return (h: string) => h === base || h.endsWith('.' + base);
    }
    if (/[*?]/.test(lower)) return picomatch(lower, { dot: true });
    return (h: string) => h === lower;
  });
  return (h) => ms.some((m) => m(h.toLowerCase()));
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
  const m = /^(\d+(?:\.\d+)?)\s*(s|m|h|d)$/.exec(s.trim());
  if (!m) return 0;
  return Number(m[1]) * { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 's' | 'm' | 'h' | 'd'];
}
