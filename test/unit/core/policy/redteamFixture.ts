import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Builds the real file system a red-team case describes: a temporary
 * workspace and home substituted for `/workspace` and `/home/user`, the
 * case's `context.fs` fixtures created for real (symlinks, dangling
 * symlinks, gitignored directories), `.git/HEAD` on the case's branch.
 */

export interface RedteamCase {
  id: string;
  category: string;
  tool: string;
  input: Record<string, unknown>;
  expected: 'allow' | 'ask' | 'deny';
  acceptable?: ('allow' | 'ask' | 'deny')[];
  policy?: string;
  context?: {
    fs?: Record<string, string>;
    os?: string;
    now?: string;
    branch?: string;
    cwd?: string;
    session?: Record<string, unknown>;
    deploy_window?: string;
    upstream?: string;
  };
  intent?: string;
  notes?: string;
}

export interface Fixture {
  root: string;
  workspace: string;
  home: string;
  cwd: string;
  now: Date;
  branch: string;
  caseInsensitive: boolean;
  platform: NodeJS.Platform;
  /** the case input with real paths */
  input: Record<string, unknown>;
  /** secrets the session already read: values (K=V entries) and paths */
  secretValues: string[];
  secretPaths: string[];
  /** deploy window from the case, when it names one */
  deployWindow?: { days: string[]; hours: string; timezone: string };
  cleanup(): void;
}

/** The shared public corpus (next to the checkout), or the file BELAY_REDTEAM_CORPUS names. */
export const CORPUS_FILE = process.env.BELAY_REDTEAM_CORPUS ?? path.resolve(import.meta.dirname, '../../../../../shared/redteam/public-corpus.json');

export function loadCorpus(file = CORPUS_FILE): RedteamCase[] {
  if (!fs.existsSync(file)) throw new Error(`red-team corpus not found at ${file} (set BELAY_REDTEAM_CORPUS)`);
  return JSON.parse(fs.readFileSync(file, 'utf8')) as RedteamCase[];
}

/** Default clock: a Tuesday inside the default deploy window. */
export const DEFAULT_NOW = '2026-03-17T10:00:00+01:00';

export function substitute(value: unknown, workspace: string, home: string): unknown {
  if (typeof value === 'string') {
    return value
      .replace(/\/home\/user(?=\/|$|[\s'":;,)])/g, home)
      .replace(/\/workspace(?=\/|$|[\s'":;,)])/g, workspace)
      .replace(/^C:\\workspace/i, workspace);
  }
  if (Array.isArray(value)) return value.map((v) => substitute(v, workspace, home));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = substitute(v, workspace, home);
    return out;
  }
  return value;
}

const DAY_NAMES = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

function parseWindow(text: string): { days: string[]; hours: string; timezone: string } | undefined {
  const m = /^(\w{3})-(\w{3})\s+(\d{1,2}:\d{2}-\d{1,2}:\d{2})\s+(\S+)$/.exec(text.trim());
  if (!m) return undefined;
  const a = DAY_NAMES.indexOf(m[1]!.toLowerCase());
  const b = DAY_NAMES.indexOf(m[2]!.toLowerCase());
  if (a < 0 || b < 0) return undefined;
  const days: string[] = [];
  for (let i = a; ; i = (i + 1) % 7) {
    days.push(DAY_NAMES[i]!);
    if (i === b) break;
  }
  return { days, hours: m[3]!, timezone: m[4]! };
}

export function buildFixture(c: RedteamCase): Fixture {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), `belay-rt-${c.id.toLowerCase()}-`)));
  const workspace = path.join(root, 'workspace');
  const home = path.join(root, 'home');
  fs.mkdirSync(workspace, { recursive: true });
  fs.mkdirSync(home, { recursive: true });
  const ctx = c.context ?? {};
  const branch = ctx.branch ?? 'feature-x';
  fs.mkdirSync(path.join(workspace, '.git'), { recursive: true });
  fs.writeFileSync(path.join(workspace, '.git', 'HEAD'), `ref: refs/heads/${branch}\n`);
  const input = substitute(c.input, workspace, home) as Record<string, unknown>;
  const inputText = JSON.stringify(input);
  const ignored: string[] = [];
  for (const [rawKey, spec] of Object.entries(ctx.fs ?? {})) {
    const key = substitute(rawKey, workspace, home) as string;
    const p = path.isAbsolute(key) ? key : path.join(workspace, key);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    const link = /^(dangling )?symlink\s*->\s*(.+)$/.exec(spec);
    if (link) {
      const target = substitute(link[2]!.trim(), workspace, home) as string;
      if (!link[1]) {
        const abs = path.isAbsolute(target) ? target : path.resolve(path.dirname(p), target);
        if (!fs.existsSync(abs) && abs.startsWith(root)) {
          const usedAsDir = inputText.includes(key + '/') || inputText.includes(p + '/');
          if (usedAsDir) fs.mkdirSync(abs, { recursive: true });
          else {
            fs.mkdirSync(path.dirname(abs), { recursive: true });
            fs.writeFileSync(abs, 'SECRET=value\n');
          }
        }
      }
      fs.rmSync(p, { force: true, recursive: true });
      fs.symlinkSync(target, p);
    } else if (/^absent$/.test(spec)) {
      fs.rmSync(p, { force: true, recursive: true });
    } else if (/directory/.test(spec)) {
      fs.mkdirSync(p, { recursive: true });
      fs.writeFileSync(path.join(p, '.keep'), '');
      if (/gitignored/.test(spec)) ignored.push('/' + path.relative(workspace, p).split(path.sep).join('/') + '/');
    } else {
      fs.writeFileSync(p, /env/.test(p) ? 'KEY=value\n' : 'content\n');
    }
  }
  if (ignored.length > 0) fs.writeFileSync(path.join(workspace, '.gitignore'), ignored.join('\n') + '\n');
  const secretValues: string[] = [];
  const secretPaths: string[] = [];
  const read = ctx.session?.secrets_read;
  if (Array.isArray(read)) {
    for (const s of read) {
      if (typeof s !== 'string') continue;
      const eq = s.indexOf('=');
      if (eq > 0) secretValues.push(s.slice(eq + 1));
      else secretPaths.push(s);
    }
  }
  const cwdRaw = ctx.cwd ? (substitute(ctx.cwd, workspace, home) as string) : workspace;
  const window = ctx.deploy_window ? parseWindow(ctx.deploy_window) : undefined;
  return {
    root,
    workspace,
    home,
    cwd: /^[A-Za-z]:\\/.test(cwdRaw) ? workspace : cwdRaw,
    now: new Date(ctx.now ?? DEFAULT_NOW),
    branch,
    caseInsensitive: ctx.os === 'macos' || ctx.os === 'windows',
    platform: ctx.os === 'windows' ? 'win32' : ctx.os === 'macos' ? 'darwin' : 'linux',
    input,
    secretValues,
    secretPaths,
    ...(window ? { deployWindow: window } : {}),
    cleanup: () => fs.rmSync(root, { recursive: true, force: true }),
  };
}

export function passes(c: RedteamCase, decision: 'allow' | 'ask' | 'deny'): boolean {
  return (c.acceptable ?? [c.expected]).includes(decision);
}
