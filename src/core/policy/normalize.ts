import fs from 'node:fs';
import path from 'node:path';
import { parse as parseJsonc, type ParseError } from 'jsonc-parser';
import {
  blankAction,
  type ActionKind,
  type Dialect,
  type FileEdit,
  type GitOp,
  type GithubOp,
  type NormalizeEnv,
  type NormalizedAction,
  type ShellAnalysis,
} from './action.ts';
import { parsePatch } from './patch.ts';
import { PathResolver, foldPath, isInside } from './paths.ts';
import { regenerableByName } from './regenerable.ts';
import { analyzeShell } from './shell/analyze.ts';
import { isExecGitConfig, parseRefspec } from './shell/cmdGit.ts';
import { execConfigKey } from './content.ts';
import { fileUrlPath, isFileUrl, looksLikeUrl, urlsIn } from './shell/commandKit.ts';
import type { ArgWord } from './shell/expand.ts';
import { quoteWord, shebangLine } from './shell/staticText.ts';
import { ParserNotReadyError, shellParserReady } from './shell/parse.ts';

/**
 * Builds one NormalizedAction: resolves every path it names against the
 * real file system, analyses shell text, and works out what edits to
 * settings files and runnable files change. Adapters call it; the engine
 * never touches the file system.
 */
/**
 * Whether normalising `action` met shell text while the shell parser was not
 * loaded (such text is marked as unparsable, which decides strictly): the
 * caller loads the parser (initPolicyEngine) and normalises again.
 */
export function needsShellParser(action: Pick<NormalizedAction, 'signals' | 'shell' | 'edits'> | undefined): boolean {
  if (!action || shellParserReady()) return false;
  const notReady = new ParserNotReadyError().message;
  const hit = (signals: readonly { code: string; detail?: string }[] | undefined) => (signals ?? []).some((s) => s.code === 'shell.parse-error' && s.detail === notReady);
  return hit(action.signals) || hit(action.shell?.signals) || action.edits.some((e) => (e.commands ?? []).some((c) => hit(c.signals)));
}

export class ActionBuilder {
  readonly action: NormalizedAction;
  readonly resolver: PathResolver;
  readonly env: NormalizeEnv;
  private readonly cwdCanonical: string;

  constructor(kind: ActionKind, dialect: Dialect, tool: string, input: unknown, env: NormalizeEnv, cwd?: string) {
    this.env = env;
    this.resolver =
      env.resolver ??
      new PathResolver({
        workspaceRoots: env.workspaceRoots,
        home: env.home,
        ...(env.caseInsensitive !== undefined ? { caseInsensitive: env.caseInsensitive } : {}),
        ...(env.platform !== undefined ? { platform: env.platform } : {}),
      });
    const roots = this.resolver.roots;
    const base = cwd ?? env.cwd ?? roots[0] ?? env.home;
    this.cwdCanonical = this.resolver.realDir(path.isAbsolute(base) || /^[A-Za-z]:[\\/]/.test(base) ? base : path.resolve(roots[0] ?? env.home, base));
    // blankAction reads the agent, the cwd, the roots and home only
    this.action = blankAction(kind, dialect, tool, input, { workspaceRoots: env.workspaceRoots, home: env.home, cwd: this.cwdCanonical, agent: env.agent });
    const home = this.resolver.opts.homeCanonical ? env.home : this.resolver.realDir(env.home);
    if (home !== env.home) this.action.homeCanonical = home;
  }

  get cwd(): string {
    return this.cwdCanonical;
  }

  /** Canonical path of `given` (relative to the action's cwd unless `cwd` is given); records its facts. */
  path(given: string, cwd?: string, word?: ArgWord, expand = true): string {
    const g = isFileUrl(given) ? fileUrlPath(given) ?? given : given;
    const r = this.resolver.resolve(g, cwd ?? this.cwdCanonical, expand);
    const existing = this.action.paths[r.canonical];
    if (!existing) {
      const fact = { ...r.fact };
      if (word?.dyn) fact.dynamic = true;
      if (word?.glob) fact.glob = true;
      this.action.paths[r.canonical] = fact;
    } else {
      if (word?.dyn) existing.dynamic = true;
      if (word?.glob) existing.glob = true;
    }
    return r.canonical;
  }

  read(given: string): string {
    const p = this.path(given);
    this.action.reads.push(p);
    return p;
  }

  write(given: string): string {
    const p = this.path(given);
    this.action.writes.push(p);
    return p;
  }

  delete(given: string, recursive: boolean, via: string): string {
    const p = this.path(given);
    this.action.deletes.push(p);
    this.action.deleteOps.push({ path: p, recursive, via });
    return p;
  }

  move(from: string, to: string): void {
    const f = this.path(from);
    const t = this.path(to);
    this.action.moves.push({ from: f, to: t });
    this.action.writes.push(t);
  }

  /** A file edit: records the write, the content, and what it changes in runnable or settings files. */
  edit(given: string, next: string, old: string | undefined, whole: boolean): void {
    const p = this.write(given);
    const e: FileEdit = { path: p, new: next, whole };
    if (old !== undefined) e.old = old;
    this.describeEdit(e);
    this.action.edits.push(e);
    this.action.content = this.action.content === undefined ? next : this.action.content + '\n' + next;
  }

  shell(command: string, cwd?: string): ShellAnalysis {
    this.action.command = this.action.command === undefined ? command : this.action.command + '\n' + command;
    const analysis = this.analyse(command, cwd ?? this.cwdCanonical);
    this.absorb(analysis);
    return analysis;
  }

  private analyse(command: string, cwd: string): ShellAnalysis {
    if (!shellParserReady()) {
      return {
        commands: [],
        signals: [{ code: 'shell.parse-error', fragment: command.slice(0, 200), detail: new ParserNotReadyError().message }],
        parseError: true,
      };
    }
    const vars: Record<string, string> = this.env.vars ? { HOME: this.env.home, ...this.env.vars } : { HOME: this.env.home };
    return analyzeShell(command, {
      cwd,
      home: this.env.home,
      vars,
      resolve: (given, dir, word) => this.path(given, dir, word, false),
      link: (link, target) => this.resolver.addLink(link, target),
      // a patch a command applies is read now, for the files it names (at most 1 MB)
      readText: (p) => this.resolver.readSmall(p),
      repoRoot: (dir) => this.resolver.workspaceOf(dir),
    });
  }

  /** Merges a shell analysis into the action's lists. */
  private absorb(a: ShellAnalysis): void {
    const act = this.action;
    act.shell = act.shell ? { commands: [...act.shell.commands, ...a.commands], signals: [...act.shell.signals, ...a.signals], parseError: act.shell.parseError || a.parseError } : a;
    for (const c of a.commands) {
      act.reads.push(...c.reads);
      act.writes.push(...c.writes);
      for (const d of c.deletes) {
        act.deletes.push(d.path);
        act.deleteOps.push(d);
      }
      act.moves.push(...c.moves);
      act.urls.push(...c.urls);
      if (c.git) act.gitOps.push(c.git);
      if (c.github) act.githubOps.push(c.github);
      for (const d of c.treeReads ?? []) this.listDir(d);
      if (c.inlineCode !== undefined) act.content = act.content === undefined ? c.inlineCode : act.content + '\n' + c.inlineCode;
    }
    for (const w of a.contentWrites ?? []) {
      const e: FileEdit = { path: w.path, new: w.text, whole: !w.append };
      this.describeEdit(e);
      act.edits.push(e);
    }
    act.pathsKnown = false;
    act.mutating = a.commands.some((c) => !isReadOnly(c.name, c.args)) || a.commands.some((c) => c.writes.length > 0 || c.deletes.length > 0) || a.commands.length === 0 && a.signals.length > 0;
  }

  /** Records what a directory read whole contains at its top (secret files there are read too). */
  private listDir(dir: string): void {
    const fact = this.action.paths[dir];
    if (!fact || fact.entries || fact.type !== 'dir') return;
    try {
      fact.entries = fs.readdirSync(dir).slice(0, 500);
    } catch {
      // unreadable: nothing known
    }
  }

  git(op: GitOp): void {
    this.action.gitOps.push(op);
  }

  github(op: GithubOp): void {
    this.action.githubOps.push(op);
  }

  urls(...urls: string[]): void {
    this.action.urls.push(...urls);
  }

  /** Looks at what an edit puts into settings files and files that run commands. */
  private describeEdit(e: FileEdit): void {
    const role = editRole(fileRole(e.path, this.env.home), e);
    if (role === 'settings' || role === 'package') {
      const current = this.resolver.readSmall(e.path);
      let after: string | undefined;
      if (e.whole) after = e.new;
      else if (current !== undefined && e.old !== undefined && e.old !== '' && current.includes(e.old)) after = current.replace(e.old, e.new);
      else if (current !== undefined && e.old === undefined) after = undefined;
      if (after !== undefined) {
        const diff = jsonKeyChanges(current ?? '{}', after);
        if (diff) e.keys = diff;
        else e.keysUnknown = true;
      } else {
        e.keysUnknown = true;
        e.keys = fragmentKeys(e.old ?? '', e.new);
      }
    } else if (role === 'script' && configFile(path.basename(e.path).toLowerCase(), e.path)) e.keys = configKeys(e.new);
    const whole = { script: false };
    const runnable = runnableCommands(e, role, whole);
    if (runnable.length === 0) return;
    // a script kept outside the workspace (`/tmp/x.sh`) runs from wherever it is started, for an agent the
    // workspace: its relative paths are judged from there (`rm -rf src` there deletes the workspace's src)
    const from = whole.script && !this.inWorkspace(e.path) ? this.cwdCanonical : path.dirname(e.path);
    e.commands = runnable.slice(0, 32).map((c) => this.analyse(c, from));
  }

  finish(): NormalizedAction {
    const a = this.action;
    a.reads = dedupe(a.reads);
    a.writes = dedupe(a.writes);
    a.deletes = dedupe(a.deletes);
    a.urls = dedupe(a.urls);
    a.git = a.gitOps[0];
    a.github = a.githubOps[0];
    // gitignore status of what gets deleted or moved away, where it can change the decision: a delete of a
    // tree, a glob or a name known at run time only (a single file's delete is judged the same either way),
    // of something not already known as build output by its name
    const considered: string[] = [];
    for (const d of a.deleteOps) {
      const fact = a.paths[d.path];
      if (d.recursive || d.path.includes('*') || fact?.glob === true || fact?.dynamic === true) considered.push(d.path);
    }
    for (const m of a.moves) considered.push(m.from);
    for (const p of considered) {
      const fact = a.paths[p];
      if (!fact || fact.gitignored !== undefined) continue;
      const root = this.resolver.workspaceOf(p);
      if (root === undefined || regenerableByName(p.slice(root.length).replace(/^\/+/, ''))) continue;
      const base = p.replace(/\/\*\*(\/.*)?$/, '');
      const baseFact = a.paths[base];
      const ig = this.resolver.gitignored(base, (baseFact ?? fact).type === 'dir' || p !== base);
      if (ig !== undefined) fact.gitignored = ig;
    }
    return a;
  }

  /** Canonical workspace containment, for adapters that need it. */
  inWorkspace(p: string): boolean {
    const ci = this.env.caseInsensitive;
    return this.resolver.roots.some((r) => isInside(foldPath(p, ci), foldPath(r, ci)));
  }
}

function dedupe(list: string[]): string[] {
  if (list.length < 2) return list;
  if (list.length === 2) return list[0] === list[1] ? [list[0]!] : list;
  return [...new Set(list)];
}

const READ_ONLY = new Set([
  'cat', 'ls', 'll', 'dir', 'grep', 'egrep', 'fgrep', 'rg', 'ag', 'ack', 'head', 'tail', 'less', 'more', 'wc', 'echo', 'printf', 'pwd', 'which', 'whereis',
  'type', 'file', 'stat', 'du', 'df', 'tree', 'find', 'sort', 'uniq', 'cut', 'tr', 'diff', 'cmp', 'jq', 'yq', 'awk', 'sed', 'date', 'whoami', 'id',
  'uname', 'hostname', 'env', 'printenv', 'true', 'false', 'test', '[', 'basename', 'dirname', 'realpath', 'readlink', 'nl', 'od', 'xxd', 'hexdump',
  'md5sum', 'sha256sum', 'sha1sum', 'column', 'cd', 'sleep', 'ps', 'top', 'uptime', 'free', 'lsof', 'tac', 'rev', 'seq', 'expr', 'bat', 'fd', 'man',
  'help', 'history', 'time', 'base64', 'strings', 'look', 'comm', 'paste', 'join', 'fold', 'fmt', ':',
]);

function isReadOnly(name: string, args: string[]): boolean {
  if (name === 'git') return /^(status|log|diff|show|blame|branch|rev-parse|ls-files|remote|describe|shortlog|grep|config|tag|reflog|cat-file|ls-tree|whatchanged|help|version|fetch)$/.test(args.find((a) => !a.startsWith('-')) ?? '') && !args.some((a) => /^-[dDmMfc]$|^--(delete|force|set-url|add|unset)/.test(a));
  if (name === 'sed') return !args.some((a) => /^-[a-zA-Z]*i|^--in-place/.test(a));
  if (name === 'find') return !args.some((a) => a === '-delete' || a.startsWith('-exec') || a.startsWith('-ok') || a.startsWith('-fprint'));
  if (name === 'gh') return /^(view|list|status|diff|checks|browse)$/.test(args[1] ?? '') || args[0] === 'api' && !args.some((a) => /^-(X|-method)$|^-[fF]$|^--(field|raw-field|input)/.test(a));
  return READ_ONLY.has(name);
}

export type FileRole = 'settings' | 'package' | 'git-hook' | 'autorun' | 'script' | 'other';

/** What kind of file a path is, for edits that plant commands or change settings. */
const PLAIN_SOURCE = new Set(['ts', 'tsx', 'js', 'jsx', 'mjs', 'cjs', 'py', 'rb', 'go', 'rs', 'java', 'kt', 'c', 'h', 'cc', 'cpp', 'hpp', 'cs', 'swift', 'php', 'md', 'txt', 'css', 'scss', 'html', 'vue', 'svelte', 'sql', 'csv', 'svg', 'png', 'jpg', 'lock', 'log']);

/** `/\.(ts|tsx|…|log)$/.test(base)`: the extension after the last dot is a plain source one (none has a dot in it). */
export function plainSource(base: string): boolean {
  const dot = base.lastIndexOf('.');
  return dot >= 0 && PLAIN_SOURCE.has(base.slice(dot + 1));
}

export function fileRole(p: string, home: string): FileRole {
  const base = p.slice(p.lastIndexOf('/') + 1).toLowerCase();
  // the common case first: ordinary sources outside the special folders
  if (plainSource(base) && !(p.includes('/.') && /\/\.(git|husky|githooks|vscode|devcontainer|claude|cursor)\//i.test(p)) && !/\/(library\/launchagents|\.config\/autostart)\//i.test(p)) {
    // installed packages' code runs whenever a project imports it
    return toolCode(base) || p.includes('_modules/') && /\/node_modules\//.test(p) || p.includes('-packages/') && /\/(site|dist)-packages\//.test(p) ? 'script' : 'other';
  }
  return roleByName(p, base, home);
}

const CARGO_CONFIG = /\/\.cargo\/config(\.toml)?$/;

/** Source files a build, test or package tool loads and runs on every run (`conftest.py` on pytest, `build.rs` on cargo build, `jest.config.js`). */
const TOOL_CODE = new Set(['noxfile.py', 'setup.py', 'conftest.py', 'fabfile.py', 'dodo.py', 'build.rs', 'gulpfile.js', 'gulpfile.mjs', 'gulpfile.ts', 'gruntfile.js', 'jakefile.js', '.pnpmfile.cjs', 'sitecustomize.py', 'usercustomize.py']);

function toolCode(base: string): boolean {
  // `vite.config.ts`, `eslint.config.mjs`, `.eslintrc.js`, `.mocharc.cjs`: loaded by the tool they configure
  return TOOL_CODE.has(base) || (base.includes('.config.') || base.charCodeAt(0) === 46) && /\.config\.[cm]?[jt]s$|^\.[a-z]+rc\.[cm]?js$/.test(base);
}

/** fileRole past its common case (`base`: the last segment of `p`, in lower case); apart, so the common case is small to compile. */
function roleByName(p: string, base: string, home: string): FileRole {
  const lower = p.toLowerCase();
  // each test on the whole path only where the name (the last segment of `lower`) or a literal piece of it allows a match
  const dotDir = lower.includes('/.');
  if (base === 'settings.json' && (/\/\.vscode\/settings\.json$/.test(lower) || /\/(code|code - insiders|cursor|vscodium|code-server|windsurf)\/user\/settings\.json$/.test(lower) || /\/\.vscode-server\/data\/(machine|user)\/settings\.json$/.test(lower)) || base.endsWith('.code-workspace')) return 'settings';
  if (dotDir && (base === 'settings.json' || base === 'settings.local.json') && /\/\.claude\/settings(\.local)?\.json$/.test(lower) || dotDir && (base === 'hooks.json' || base === 'mcp.json') && /\/\.cursor\/(hooks|mcp)\.json$/.test(lower) || base === 'mcp.json' && /\/\.vscode\/mcp\.json$/.test(lower) || base === '.mcp.json') return 'settings';
  if (base === 'package.json' || base === 'composer.json' || base === 'deno.json' || base === 'deno.jsonc') return 'package';
  if (dotDir && (/\/\.git\/hooks\//.test(lower) || /\/\.husky\/[^_]/.test(lower) || /\/\.githooks\//.test(lower)) || base === '.pre-commit-config.yaml' || base === 'lefthook.yml' || base === 'lefthook.yaml') return 'git-hook';
  // a `.pth` file in site-packages runs its `import` lines on every start of that Python
  if (base.endsWith('.pth') && /\/(site|dist)-packages\/[^/]+$/.test(lower)) return 'autorun';
  if (base === '.envrc' || base === 'tasks.json' && /\/\.vscode\/tasks\.json$/.test(lower) || lower.includes('/.devcontainer/') && /\/\.devcontainer\/.*\.json$/.test(lower) || base.charCodeAt(0) === 46 && /^\.(bash|zsh|ksh)rc$|^\.(bash_)?profile$|^\.zprofile$|^\.zshenv$|^\.bash_login$|^\.bash_logout$|^\.inputrc$/.test(base) || lower.includes('/.config/autostart/') && lower.startsWith(home.toLowerCase() + '/.config/autostart/') || lower.includes('/library/launchagents/')) return 'autorun';
  if (/\.(sh|bash|zsh|ksh|fish|ps1|psm1|cmd|bat)$/.test(base) || base === 'makefile' || base === 'gnumakefile' || base.endsWith('.mk') || base === 'justfile' || base === 'dockerfile' || base.startsWith('dockerfile.') || lower.includes('/.github/workflows/') && /\/\.github\/workflows\/[^/]+\.ya?ml$/.test(lower) || base === '.gitlab-ci.yml' || /^taskfile\.ya?ml$/.test(base) || base === 'procfile' || base === 'tox.ini' || base === 'launch.json' && /\/\.vscode\/launch\.json$/.test(lower) || toolCode(base) || base === 'pyproject.toml' || base === '.npmrc' || base === '.yarnrc.yml' || base === '.yarnrc' || base === 'rakefile' || base === 'gemfile' || dotDir && CARGO_CONFIG.test(lower)) return 'script';
  return 'other';
}

/** Config files of package managers and build tools read as `key = value` lines (INI or TOML; `.yarnrc.yml` as `key: value`). */
function configFile(base: string, p: string): boolean {
  return base === '.npmrc' || base === '.yarnrc' || base === '.yarnrc.yml' || CARGO_CONFIG.test(p);
}

/** `key = value` lines of an INI, TOML or flat YAML text; quoted values unquoted, TOML arrays of strings joined into a command line. */
function configKeys(text: string): { path: string[]; value: unknown }[] {
  const out: { path: string[]; value: unknown }[] = [];
  for (const m of text.matchAll(/^\s*["']?([\w@/:.-]+?)["']?\s*[=:]\s*(.*?)\s*$/gm)) {
    const raw = m[2]!;
    const items = raw.startsWith('[') ? [...raw.matchAll(/"((?:[^"\\]|\\.)*)"|'([^']*)'/g)].map((x) => x[1] ?? x[2]!) : [];
    const value = items.length > 0 ? items.map(quoteWord).join(' ') : raw.replace(/^(["'])(.*)\1$/, '$2');
    out.push({ path: [m[1]!], value });
  }
  return out;
}

/** The interpreter line that runs a program given inline, by its language. */
const RUNNERS = { python: 'python3 -c', node: 'node -e', ruby: 'ruby -e', perl: 'perl -e', php: 'php -r', bash: 'bash -c', rust: 'rust-script -e' } as const;
type CodeLanguage = keyof typeof RUNNERS;

/** `program` as the command line an interpreter runs it with, so the inline-code scan sees its downloads, deletes and commands. */
function runnerLine(lang: CodeLanguage, program: string): string {
  return `${RUNNERS[lang]} ${quoteWord(program)}`;
}

/**
 * The language a `#!` line names (`#!/bin/sh`, `#!/usr/bin/env python3`);
 * undefined without one, or for an interpreter Belay does not read.
 */
function shebangLanguage(text: string): CodeLanguage | undefined {
  const line = shebangLine(text);
  if (line === undefined) return undefined;
  let prog = line.program.slice(line.program.lastIndexOf('/') + 1);
  if (prog === 'env' && line.arg !== undefined) prog = line.arg;
  if (/^(ba|da|z|k|mk|a|fi)?sh$/.test(prog)) return 'bash';
  if (/^python(\d+(\.\d+)*)?$/.test(prog)) return 'python';
  if (prog === 'node' || prog === 'nodejs' || prog === 'deno' || prog === 'bun') return 'node';
  if (prog === 'ruby') return 'ruby';
  if (prog === 'perl') return 'perl';
  if (/^php\d*$/.test(prog)) return 'php';
  return undefined;
}

/** A file written whole with a `#!` line is a program wherever it is kept (`node_modules/.bin/tsc`): judged as a script. */
export function editRole(role: FileRole, e: FileEdit): FileRole {
  return role === 'other' && e.whole === true && e.new.startsWith('#!') && shebangLanguage(e.new) !== undefined ? 'script' : role;
}

/**
 * The language of a tool's source file (`conftest.py`, `gulpfile.js`,
 * `build.rs`, a site-packages `.pth`), by its name; undefined for files in
 * other languages.
 */
function codeLanguage(base: string): CodeLanguage | undefined {
  const ext = base.slice(base.lastIndexOf('.') + 1);
  if (ext === 'py' || ext === 'pth') return 'python';
  if (/^[cm]?[jt]s$/.test(ext)) return 'node';
  if (ext === 'rb' || base === 'rakefile' || base === 'gemfile') return 'ruby';
  if (ext === 'rs') return 'rust';
  return undefined;
}

/**
 * The scripts of YAML block scalars under a command key (`run: |` and the
 * lines indented below it, as a CI step writes a multi-line script), each
 * as one script text.
 */
function blockScalarCommands(text: string): string[] {
  if (!/:\s*[|>]/.test(text)) return [];
  const out: string[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const key = /^(\s*)(?:-\s+)?(?:run|entry|command|script|cmd|shell|before_script|after_script)\s*:\s*([|>])[-+]?\d*\s*(?:#.*)?$/i.exec(lines[i]!);
    if (!key) continue;
    const indent = key[1]!.length;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const line = lines[j]!;
      if (line.trim() === '') {
        body.push('');
        continue;
      }
      if (line.length - line.trimStart().length <= indent) break;
      body.push(line);
    }
    let margin = Infinity;
    for (const l of body) if (l !== '') margin = Math.min(margin, l.length - l.trimStart().length);
    const script = body.map((l) => l.slice(Number.isFinite(margin) ? margin : 0)).join(key[2] === '>' ? ' ' : '\n').trim();
    if (script !== '') out.push(script);
    i = j - 1;
  }
  return out;
}

/** The command lines a file edit puts where they will run; `whole.script` is set when the whole text is one program. */
function runnableCommands(e: FileEdit, role: FileRole, whole: { script: boolean }): string[] {
  if (role === 'other' || role === 'settings') return [];
  const base = e.path.slice(e.path.lastIndexOf('/') + 1).toLowerCase();
  const text = e.new;
  if (text.length > 200_000) return [];
  if (configFile(base, e.path)) return (e.keys ?? []).filter((k) => execConfigKey(base, k.path[0]!, String(k.value)) !== undefined).map((k) => String(k.value));
  const lang = role !== 'package' ? codeLanguage(base) ?? (e.whole === true && text.startsWith('#!') ? shebangLanguage(text) : undefined) : undefined;
  if (lang !== undefined) {
    whole.script = true;
    return [runnerLine(lang, text)];
  }
  if (role === 'package' || base.endsWith('.json') || base.endsWith('.jsonc')) {
    const out: string[] = [];
    for (const m of text.matchAll(/"(?:[^"\\]|\\.)*"\s*:\s*"((?:[^"\\]|\\.)*)"/g)) {
      try {
        out.push(JSON.parse(`"${m[1]!}"`) as string);
      } catch {
        out.push(m[1]!);
      }
    }
    return out.filter((s) => /\s|\|/.test(s));
  }
  if (base.endsWith('.yml') || base.endsWith('.yaml')) {
    const out: string[] = [];
    for (const m of text.matchAll(/^\s*(?:-\s*)?(?:run|entry|command|script|cmd)\s*:\s*[|>]?\s*(.*)$/gim)) if (m[1]!.trim() !== '') out.push(m[1]!.trim());
    out.push(...blockScalarCommands(text));
    for (const m of text.matchAll(/^\s*-\s+(.+)$/gm)) out.push(m[1]!);
    // a CI expression naming a repository secret is that secret in the step's environment: `curl -d "${{ secrets.NPM_TOKEN }}" …` sends it
    return text.includes('${{') ? out.map((c) => c.replace(CI_SECRET, (_, name: string | undefined) => (name ? `\${SECRET_${name}}` : '${GITHUB_TOKEN}'))) : out;
  }
  if (base === 'makefile' || base === 'gnumakefile' || base.endsWith('.mk') || base === 'justfile') {
    return text.split('\n').filter((l) => /^\t|^ {4}/.test(l)).map((l) => l.trim().replace(/^[@-]+/, '')).filter((l) => l !== '');
  }
  if (base === 'dockerfile' || base.startsWith('dockerfile.')) {
    return [...text.matchAll(/^\s*RUN\s+(.+)$/gim)].map((m) => m[1]!);
  }
  if (base === 'tox.ini') return toxCommands(text);
  if (/\.(py|ts|js|toml|ini|rs|yml)$/.test(base)) return [];
  whole.script = true;
  return [text];
}

/** tox.ini's `commands`, `commands_pre` and `commands_post`: one command per line, continued on indented lines */
function toxCommands(text: string): string[] {
  const out: string[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const m = /^\s*commands(?:_pre|_post)?\s*=\s*(.*)$/.exec(lines[i]!);
    if (!m) continue;
    if (m[1]!.trim() !== '') out.push(m[1]!.trim());
    for (; i + 1 < lines.length && /^\s+\S/.test(lines[i + 1]!); i++) out.push(lines[i + 1]!.trim());
  }
  return out;
}

const CI_SECRET = /\$\{\{\s*(?:secrets\.([A-Za-z_][\w-]*)|github\.token)\s*\}\}/g;

/** Changed keys between two JSONC documents (settings style: top-level keys, objects compared by value). */
export function jsonKeyChanges(before: string, after: string): { path: string[]; value: unknown }[] | undefined {
  const errs: ParseError[] = [];
  const b = parseJsonc(before, errs, { allowTrailingComma: true }) as unknown;
  const a = parseJsonc(after, errs, { allowTrailingComma: true }) as unknown;
  if (errs.length > 0 || !isObj(a)) return undefined;
  const out: { path: string[]; value: unknown }[] = [];
  diffObj(isObj(b) ? b : {}, a, [], out, 0);
  return out;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function diffObj(b: Record<string, unknown>, a: Record<string, unknown>, at: string[], out: { path: string[]; value: unknown }[], depth: number): void {
  const keys = new Set([...Object.keys(b), ...Object.keys(a)]);
  for (const k of keys) {
    const bv = b[k];
    const av = a[k];
    if (JSON.stringify(bv) === JSON.stringify(av)) continue;
    if (isObj(bv) && isObj(av) && depth < 4) diffObj(bv, av, [...at, k], out, depth + 1);
    else out.push({ path: [...at, k], value: av });
  }
}

/** Keys named in an edit fragment that could not be placed in its file. */
function fragmentKeys(old: string, next: string): { path: string[]; value: unknown }[] {
  const out: { path: string[]; value: unknown }[] = [];
  for (const text of [old, next]) {
    for (const m of text.matchAll(/"((?:[^"\\]|\\.)*)"\s*:\s*("(?:[^"\\]|\\.)*"|[^,\n}]*)/g)) {
      let value: unknown = m[2];
      try {
        value = JSON.parse(m[2]!.trim());
      } catch {
        // keep the text
      }
      out.push({ path: [m[1]!], value });
    }
  }
  return out;
}

/** A structured git call in the generic form (`op`, `remote`, `branch`, `refspec`, `force`). */
export function gitOpFromInput(input: Record<string, unknown>, text: string): GitOp {
  const opName = String(input.op ?? input.operation ?? input.command ?? '').toLowerCase().replace(/-/g, '_');
  const remote = typeof input.remote === 'string' ? input.remote : undefined;
  const branch = typeof input.branch === 'string' ? input.branch : undefined;
  const refspec = typeof input.refspec === 'string' ? input.refspec : undefined;
  const forceFlag = input.force === true || input.force === 'true' || input.forceWithLease === true || input.force_with_lease === true;
  const op: GitOp = { op: opName, args: [], branches: [], force: forceFlag, deleteBranch: false, config: [], skipsHooks: input.noVerify === true || input.no_verify === true, text, ...(remote ? { remote } : {}) };
  switch (opName) {
    case 'push':
    case 'force_push': {
      op.op = 'push';
      if (opName === 'force_push') op.force = true;
      const specs = refspec !== undefined ? [refspec] : Array.isArray(input.refspecs) ? input.refspecs.map(String) : [];
      for (const r of specs) {
        const rs = parseRefspec(r);
        if (rs.force) op.force = true;
        if (rs.delete) op.deleteBranch = true;
        op.branches.push(rs.dst === 'HEAD' ? 'HEAD' : rs.dst);
      }
      if (specs.length === 0) op.branches.push(branch ?? 'HEAD');
      if (input.delete === true) op.deleteBranch = true;
      op.remote ??= 'origin';
      op.remoteIsUrl = /:\/\/|^[^/\s]+@[^:\s]+:/.test(op.remote);
      break;
    }
    case 'branch_delete':
    case 'delete_branch':
    case 'branch_remove': {
      op.op = 'branch-delete';
      op.deleteBranch = true;
      op.forceDelete = forceFlag;
      if (branch) op.branches.push(branch);
      break;
    }
    case 'reset':
      if (input.hard === true || input.mode === 'hard') op.op = 'reset-hard';
      break;
    case 'clean':
      op.op = input.ignored === true || input.x === true ? 'clean-ignored' : 'clean-dirs';
      break;
    case 'checkout':
    case 'restore':
    case 'switch':
      if (forceFlag || input.discard === true || input.path === '.') op.op = 'discard-all';
      break;
    case 'config':
    case 'config_set': {
      const key = String(input.key ?? '').toLowerCase();
      op.op = 'config-set';
      op.config.push({ key, value: String(input.value ?? '') });
      break;
    }
    case 'merge':
      if (branch) op.branches.push(branch);
      break;
    // operations that are destructive by their name alone, as the shell's checks name them
    case 'filter_branch':
    case 'filter_repo':
    case 'rewrite_history':
      op.op = 'rewrite-history';
      break;
    case 'reflog_expire':
      op.op = 'reflog-expire';
      break;
    case 'gc_prune':
    case 'prune':
      op.op = 'gc-prune';
      break;
    case 'stash_clear':
      op.op = 'stash-clear';
      break;
    case 'stash_drop':
      op.op = 'stash-drop';
      break;
    default:
      if (branch) op.branches.push(branch);
  }
  for (const c of op.config) if (c.key === 'core.hookspath') op.skipsHooks = true;
  if (op.config.some((c) => isExecGitConfig(c.key))) op.args.push('--exec-config');
  return op;
}

/** MCP tools named after the command-line program they run */
const CLI_TOOL = /^(kubectl|oc|helm|aws|gcloud|az|terraform|tofu|pulumi|docker|podman|gh|git|npm|pnpm|yarn|npx|pip|psql|mysql|redis-cli|mongosh|heroku|fly|flyctl|doctl|vercel)$/;

/** `kubectl_delete`, `helm.uninstall`, `terraform_destroy`: an infrastructure program and its sub-command */
const CLI_VERB = /^(kubectl|oc|helm|terraform|tofu|pulumi|docker|podman|aws|gcloud|az|heroku|fly|flyctl|doctl)[_.]([a-z][a-z_.-]*)$/;

/**
 * The command line such a tool runs: the sub-command, then its arguments'
 * values in order (a namespace as `-n`, true flags as `--name`, lists word
 * by word).
 */
function cliLine(program: string, sub: readonly string[], args: Record<string, unknown>): string {
  const words = [program, ...sub];
  for (const [k, v] of Object.entries(args)) {
    const flag = '--' + k.replace(/([a-z])([A-Z])/g, '$1-$2').replace(/_/g, '-').toLowerCase();
    if (typeof v === 'string' || typeof v === 'number') {
      if (/^(namespace|ns)$/i.test(k)) words.push('-n', String(v));
      else if (/^(context|kubeconfig|region|profile|project|zone|cluster|app|stack|workspace)$/i.test(k)) words.push(flag, String(v));
      else words.push(String(v));
    } else if (v === true) words.push(flag);
    else if (Array.isArray(v)) for (const x of v) if (typeof x === 'string' || typeof x === 'number') words.push(String(x));
  }
  return words.map(quoteWord).join(' ');
}

/** Paths, contents and URLs found in the arguments of an MCP tool, classified by what the tool's name says it does. */
export function mcpArguments(b: ActionBuilder, server: string, tool: string, args: unknown): void {
  const verb = tool.toLowerCase();
  const writes = /(write|create|save|edit|update|put|upload|append|insert|replace|patch|set|store|rename|move|mkdir|copy|commit|push)/.test(verb);
  const deletes = /(delete|remove|unlink|rmdir|drop|destroy|purge|trash|wipe|truncate)/.test(verb);
  const moves = /(move|rename)/.test(verb);
  const runsCommands = runsShell(tool);
  const browserTool = /puppeteer|playwright|browser|chrome|selenium|webdriver/i.test(server) || /evaluate|execute_?script|run_?(?:js|javascript)|page_?eval/i.test(tool);
  const seenPaths: string[] = [];
  const program = CLI_TOOL.test(verb) ? verb : undefined;
  if (program !== undefined && isObj(args)) {
    // its words as a list: `kubectl {args: ["delete", "ns", "prod"]}`
    const list = args.args ?? args.argv ?? args.arguments;
    if (Array.isArray(list) && list.length > 0 && list.every((x) => typeof x === 'string')) b.shell([program, ...(list as string[])].map(quoteWord).join(' '));
  } else if (isObj(args)) {
    // a tool named after a program and its sub-command (`kubectl_delete {resourceType: "namespace", name: "prod"}`) runs that command
    const cli = CLI_VERB.exec(verb);
    if (cli !== null && !('command' in args) && !('cmd' in args) && !('args' in args)) b.shell(cliLine(cli[1]!, cli[2]!.split(/[_.]/), args));
  }
  const walk = (v: unknown, key: string, depth: number): void => {
    if (depth > 6) return;
    if (typeof v === 'string') {
      const k = key.toLowerCase();
      if (/^(path|paths|file|files|filepath|file_path|filename|file_name|name|dir|directory|dirpath|folder|target|destination|dest|source|src|from|to|uri|location|output|input_path|output_path|root|cwd|attachment|attachments|file_paths|filepaths)$/.test(k) && looksLikePath(v, k)) {
        seenPaths.push(v);
      } else if (isFileUrl(v)) {
        // a browser navigating to a `file:` URL (or any tool fetching one) reads that file, whatever the tool's verb says
        b.read(v);
        return;
      } else if (browserTool && /^(script|function|expression|code|js|pagefunction)$/.test(k)) {
        // a browser tool's page script is JavaScript, not a command line
        b.shell(runnerLine('node', v));
      } else if (/^(command|cmd|script|shell|commandline|command_line)$/.test(k) || runsCommands && !PROSE_KEYS.test(k)) {
        // a tool named after a program (`kubectl {command: "delete ns prod"}`) runs that program with the words given
        b.shell(program !== undefined && !v.trimStart().startsWith(program) ? `${program} ${v}` : v);
      } else if (/^(code|source|source_code|sourcecode|program|snippet)$/.test(k) && !PROSE_KEYS.test(k)) {
        // a code runner's program: scanned as an inline program of its language
        b.shell(runnerLine(inlineLanguage(args, tool), v));
      }
      if (/^(sql|query|statement|stmt|command)$/.test(k) && /\b(select|insert|update|delete|drop|truncate|alter|create|flush)\b/i.test(v)) b.action.signals.push({ code: 'mcp.sql', fragment: v.slice(0, 500) });
      if (looksLikeUrl(v)) b.urls(v);
      else for (const u of urlsIn(v)) b.urls(u);
      return;
    }
    if (Array.isArray(v)) {
      for (const x of v) walk(x, key, depth + 1);
      return;
    }
    if (isObj(v)) for (const [k, x] of Object.entries(v)) walk(x, k, depth + 1);
  };
  walk(args, '', 0);
  const a = b.action;
  if (moves && seenPaths.length >= 2) {
    b.move(seenPaths[0]!, seenPaths[1]!);
  } else if (/copy|duplicate/.test(verb) && seenPaths.length >= 2) {
    // `copy_file {source, destination}`: the first is read, the last written
    for (const p of seenPaths.slice(0, -1)) b.read(p);
    b.write(seenPaths[seenPaths.length - 1]!);
  } else if (writes && !deletes && seenPaths.length === 1 && isObj(args) && fileText(args) !== undefined) {
    // a file server's write or edit: judged as the same edit by an agent's own tool (install scripts, tasks, secrets in content)
    const t = fileText(args)!;
    if (t.edits !== undefined) for (const e of t.edits) b.edit(seenPaths[0]!, e.new, e.old, false);
    else b.edit(seenPaths[0]!, t.whole!, undefined, true);
  } else {
    for (const p of seenPaths) {
      if (deletes) b.delete(p, /recurs/i.test(JSON.stringify(args ?? '')), `${server}.${tool}`);
      else if (writes) b.write(p);
      else b.read(p);
    }
  }
  const content = collectStrings(args).filter((s) => s.length > 0).join('\n');
  if (content) a.content = content;
  void server;
}

/**
 * The text a file tool writes: the whole file (`content`, `text`, `data`), or
 * its edits (`edits: [{oldText, newText}]`, as the filesystem server takes
 * them; `old_string`/`new_string`).
 */
function fileText(args: Record<string, unknown>): { whole?: string; edits?: { old: string; new: string }[] } | undefined {
  for (const k of ['content', 'text', 'data', 'contents', 'file_text']) if (typeof args[k] === 'string') return { whole: args[k] };
  if (Array.isArray(args.edits)) {
    const edits: { old: string; new: string }[] = [];
    for (const e of args.edits) {
      if (!isObj(e)) continue;
      const o = e.oldText ?? e.old_text ?? e.old_string ?? e.old;
      const n = e.newText ?? e.new_text ?? e.new_string ?? e.new;
      if (typeof o === 'string' && typeof n === 'string') edits.push({ old: o, new: n });
    }
    if (edits.length > 0) return { edits };
  }
  if (typeof args.old_string === 'string' && typeof args.new_string === 'string') return { edits: [{ old: args.old_string, new: args.new_string }] };
  return undefined;
}

/** The language of a code runner's program: its `language` argument, or the tool's name, else Python. */
function inlineLanguage(args: unknown, tool: string): CodeLanguage {
  const lang = (isObj(args) ? String(args.language ?? args.lang ?? args.runtime ?? '') : '').toLowerCase() + ' ' + tool.toLowerCase();
  if (/\b(bash|sh|shell|zsh)\b/.test(lang)) return 'bash';
  if (/node|javascript|\bjs\b|typescript|\bts\b|deno|bun/.test(lang)) return 'node';
  if (/ruby/.test(lang)) return 'ruby';
  if (/perl/.test(lang)) return 'perl';
  if (/php/.test(lang)) return 'php';
  return 'python';
}

/**
 * Words of a tool name that say the tool runs shell commands (`bash`,
 * `run_shell_command`, `execCommand`, `terminal-run`): every string
 * argument of such a tool is taken as a command, whatever the server
 * named it (`input`, `code`, `line`, `keys`).
 */
const SHELL_TOOL_WORDS = new Set(['bash', 'sh', 'zsh', 'ksh', 'fish', 'shell', 'terminal', 'powershell', 'pwsh', 'cmd', 'command', 'commands', 'exec']);

/** arguments that describe a command to the user rather than being run (Claude's `description`); their prose is no command */
const PROSE_KEYS = /^(description|explanation|reason|title|summary|comment|intent|purpose)$/;

function runsShell(tool: string): boolean {
  for (const word of tool.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase().split(/[^a-z0-9]+/)) if (SHELL_TOOL_WORDS.has(word)) return true;
  return false;
}

function looksLikePath(v: string, key: string): boolean {
  if (v === '' || v.length > 4096 || /\n/.test(v)) return false;
  if (looksLikeUrl(v) && !/^file:/i.test(v)) return false;
  if (key === 'name') return /[\\/]|^\.|\.\w{1,8}$/.test(v);
  return true;
}

/** The strings in `v` (depth first, in order), down to depth 6, pushed onto one list. */
function collectStrings(v: unknown, depth = 0, out: string[] = []): string[] {
  if (depth > 6) return out;
  if (typeof v === 'string') out.push(v);
  else if (Array.isArray(v)) for (const x of v) collectStrings(x, depth + 1, out);
  else if (isObj(v)) for (const k of Object.keys(v)) collectStrings(v[k], depth + 1, out);
  return out;
}

/** Applies a patch (V4A or unified) as edits, deletes and moves. */
export function applyPatchText(b: ActionBuilder, text: string): void {
  const files = parsePatch(text);
  if (files.length === 0) {
    b.action.pathsKnown = false;
    b.action.signals.push({ code: 'patch.unparsed', fragment: text.slice(0, 200) });
    return;
  }
  for (const f of files) {
    if (f.op === 'delete') b.delete(f.path, false, 'apply_patch');
    else if (f.op === 'add') b.edit(f.path, f.added, undefined, true);
    else {
      b.edit(f.path, f.added, f.removed, false);
      if (f.moveTo) b.move(f.path, f.moveTo);
    }
  }
}
