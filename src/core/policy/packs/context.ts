import os from 'node:os';
import type { NormalizedAction, PathFact, ShellCommandInfo } from '../action.ts';
import type { DecisionContext, RuleMatch, Verdict } from '../engine.ts';
import { domainMatcher, hostOf, nameGlob, PathGlobs, type NameMatcher, type PathContext } from '../matchers.ts';
import { fileRole, type FileRole } from '../normalize.ts';
import { climbsOut, foldPath, isInside, trimSlashes } from '../paths.ts';
import { regenerableByName } from '../regenerable.ts';
import type { PackName, PolicyDoc } from '../schema.ts';

/**
 * What every built-in check gets: the action, the policy, the context, and
 * helpers that answer the questions the checks share (is this path a secret,
 * outside the workspace, scratch space; is this branch protected; is this
 * host trusted).
 */

/**
 * Secret files, in the path-glob syntax of rules. The `~/` ones hold in
 * every user's home, not only the agent's (isSecret): another account's
 * `~/.aws` hands out the same cloud access.
 */
export const SECRET_PATHS = [
  '.env', '.env.*', '.dev.vars', '*.pem', '*.key', '*.p12', '*.pfx', '*.jks', '*.keystore', '*.ppk', '*.kdbx', 'id_rsa*', 'id_dsa*', 'id_ecdsa*',
  'id_ed25519*', '.netrc', '_netrc', '.pgpass', '.git-credentials', '.htpasswd', '*.tfstate', '*.tfstate.backup',
  // keys named for what they open (`deploy_key`, `github_rsa`), Google service-account and OAuth client files, act's secrets file
  '*_key', '*_rsa', '*_ed25519', '*_ecdsa', 'credentials.json', 'service-account*.json', '*-service-account.json', 'client_secret*.json', '.secrets',
  '~/.ssh/**', '~/.aws/**', '~/.npmrc', '~/.pypirc', '~/.yarnrc.yml', '~/.git-credentials', '~/.config/git/credentials', '~/.kube/**', '~/.docker/config.json',
  '~/.config/gcloud/**', '~/.azure/**', '~/.config/gh/hosts.yml', '~/.gnupg/**', '~/.password-store/**', '~/.vault-token', '~/.terraform.d/credentials.tfrc.json',
  '~/.terraformrc', '~/.cargo/credentials', '~/.cargo/credentials.toml', '~/.gem/credentials', '~/.config/hub', '~/.claude/.credentials.json', '~/.codex/auth.json',
  '~/.config/github-copilot/**', '~/.local/share/keyrings/**', '~/Library/Keychains/**', '~/.config/op/**', '~/.boto', '~/.s3cfg', '~/.m2/settings.xml',
  '~/.gradle/gradle.properties', '~/.config/rclone/rclone.conf', '~/.my.cnf', '~/.mylogin.cnf', '~/.config/stripe/config.toml', '~/.fly/config.yml',
  '~/.wrangler/config/**', '~/.config/doctl/config.yaml', '~/.databrickscfg', '~/.oci/**', '~/.config/sops/age/keys.txt', '~/.bash_history', '~/.zsh_history',
  // any process's or thread's environment (/proc/<pid>/environ, /proc/thread-self/environ, /proc/<pid>/task/<tid>/environ)
  'abs:/proc/**/environ', 'abs:/etc/shadow', 'abs:/etc/gshadow', 'abs:/etc/sudoers', 'abs:/etc/ssh/*_key', 'abs:/var/run/secrets/**', 'abs:/run/secrets/**',
];

/** Files Belay registers or that decide what agents may do; no agent action may change them. */
export const GUARD_PATHS = [
  '.github/hooks/**', '/.claude/settings.json', '/.claude/settings.local.json', '.claude/settings*.json', '/.claude/hooks/**', '/.cursor/hooks.json', '/.cursor/hooks/**',
  '/.codex/hooks.json', '/.codex/config.toml', '/.mcp.json', '/.vscode/mcp.json', '/.cursor/mcp.json', '/.cursor/rules/belay*', '.claude-plugin/**',
  '~/.claude/settings.json', '~/.claude/settings.local.json', '~/.claude/hooks/**', '~/.claude.json', '~/.copilot/hooks/**', '~/.copilot/config.json',
  '~/.cursor/hooks.json', '~/.cursor/mcp.json', '~/.codex/hooks.json', '~/.codex/config.toml', '~/.belay/**',
  // other agents' permission and MCP settings
  '/.gemini/settings.json', '~/.gemini/settings.json', '/.cursor/cli.json', '~/.cursor/cli-config.json', '~/.copilot/mcp-config.json',
  '~/.vscode/extensions/belay-dev.belay-*/**', '~/.vscode-server/extensions/belay-dev.belay-*/**', '~/.vscode-insiders/extensions/belay-dev.belay-*/**',
  '~/.local/share/code-server/extensions/belay-dev.belay-*/**', '~/.cursor/extensions/belay-dev.belay-*/**', '~/.vscode/extensions/extensions.json',
  'abs:/etc/cursor/hooks.json', 'abs:/etc/claude-code/**', 'abs:/Library/Application Support/ClaudeCode/**',
];

/** The empty list the checks read where an optional list is absent (never written to: no array made per question). */
export const NONE: readonly never[] = [];

export interface Collected {
  matches: RuleMatch[];
  /** what remember() should record */
  memo: {
    secretReads: string[];
    downloads: { url: string; path: string }[];
    /** `max`: the limit the counter is compared with (no more entries than that are needed to decide) */
    counters: { key: string; n: number; windowMs: number; max: number }[];
  };
}

export class PackContext {
  readonly action: NormalizedAction;
  readonly policy: PolicyDoc;
  readonly ctx: DecisionContext;
  readonly out: Collected;
  readonly secretGlobs: PathGlobs;
  readonly templateNames: NameMatcher;
  readonly guardGlobs: PathGlobs;
  readonly trusted: NameMatcher;
  readonly protectedBranch: NameMatcher;
  private readonly ci: boolean;
  private readonly roots: string[];
  private readonly temps: string[];

  constructor(action: NormalizedAction, policy: PolicyDoc, ctx: DecisionContext, compiled: CompiledPackData, out: Collected) {
    this.action = action;
    this.policy = policy;
    this.ctx = ctx;
    this.out = out;
    this.secretGlobs = compiled.secretGlobs;
    this.templateNames = compiled.templateNames;
    this.guardGlobs = compiled.guardGlobs;
    this.trusted = compiled.trusted;
    this.protectedBranch = compiled.protectedBranch;
    this.ci = ctx.caseInsensitive === true;
    // folding changes nothing when case matters: the context's own list (only read here)
    this.roots = this.ci ? ctx.workspaceRoots.map((r) => foldPath(r, true)) : ctx.workspaceRoots;
    this.temps = this.ci ? compiled.temps.map((t) => t.toLowerCase()) : compiled.temps;
    this.compiled = compiled;
    this.names = { workspaceRoots: ctx.workspaceRoots, home: ctx.home, caseInsensitive: true };
  }

  /** what nameCtx() answers (one object per decision) */
  private readonly names: { workspaceRoots: string[]; home: string; caseInsensitive: boolean };

  readonly compiled: CompiledPackData;

  /** A name glob compiled once per policy. */
  glob(pattern: string): NameMatcher {
    const key = (this.ci ? 'i:' : 's:') + pattern;
    let m = this.compiled.globCache.get(key);
    if (!m) {
      if (this.compiled.globCache.size > 512) this.compiled.globCache.clear();
      m = nameGlob([pattern], this.ci);
      this.compiled.globCache.set(key, m);
    }
    return m;
  }

  on(pack: PackName): boolean {
    return this.compiled.on[pack] === true;
  }

  add(rule: string, effect: Verdict, reason: string, fragment?: string, pack?: string): void {
    if (this.out.matches.some((m) => m.rule === rule && m.fragment === fragment)) return;
    // field by field, in the order the spreads gave: rule, effect, reason, fragment?, pack
    const m: RuleMatch = { rule, effect, reason };
    if (fragment !== undefined) m.fragment = clip(fragment);
    m.pack = pack ? pack : rule.slice(0, rule.indexOf('.') >>> 0);
    this.out.matches.push(m);
  }

  fact(p: string): PathFact | undefined {
    return this.action.paths[p];
  }

  pathCtx(): { workspaceRoots: string[]; home: string; caseInsensitive?: boolean } {
    return { workspaceRoots: this.ctx.workspaceRoots, home: this.ctx.home, caseInsensitive: this.ci };
  }

  /**
   * Secret and guard file names match regardless of case, whatever the file
   * system: `.ENV` is worth protecting even where it is a different file
   * from `.env`, and a checker that does not know the file system's case
   * rules must not let `.Claude/Settings.json` through.
   */
  nameCtx(): { workspaceRoots: string[]; home: string; caseInsensitive: boolean } {
    return this.names;
  }

  /** The workspace folder containing a canonical path. */
  workspaceOf(p: string): string | undefined {
    const f = foldPath(p, this.ci);
    for (let i = 0; i < this.roots.length; i++) if (isInside(f, this.roots[i]!)) return this.ctx.workspaceRoots[i];
    return undefined;
  }

  inWorkspace(p: string): boolean {
    return this.workspaceOf(p) !== undefined;
  }

  isWorkspaceRoot(p: string): boolean {
    const f = foldPath(trimSlashes(p) || '/', this.ci);
    return this.roots.includes(f);
  }

  /** Scratch space agents may write: temp dirs, except next to the workspace and except paths that climb out of it. */
  isScratch(p: string): boolean {
    const f = foldPath(p, this.ci);
    if (/^\/dev\/(null|stdout|stderr|tty|fd\/\d+|zero|random|urandom|shm\/.*)$/.test(f)) return true;
    if (!this.temps.some((t) => isInside(f, t) && f !== t)) return false;
    const fact = this.fact(p);
    if (fact && !fact.given.startsWith('/') && !fact.given.startsWith('~') && climbsOut(fact.given)) return false;
    for (const r of this.roots) {
      const parent = r.replace(/\/[^/]+$/, '') || '/';
      if (this.temps.includes(parent)) continue;
      if (isInside(f, parent)) return false;
    }
    return true;
  }

  isHome(p: string): boolean {
    return foldPath(trimSlashes(p), this.ci) === foldPath(trimSlashes(this.ctx.home), this.ci);
  }

  private secretMemo: Map<string, boolean> | undefined;

  /** A secret file (templates such as `.env.example` only as regular, singly-linked files). */
  isSecret(p: string): boolean {
    return once((this.secretMemo ??= new Map()), p, this, computeSecret);
  }

  /** isSecret without the memo */
  isSecretUncached(p: string): boolean {
    const names = this.namesFor(p);
    const fact = this.fact(p);
    const base = p.slice(p.lastIndexOf('/') + 1);
    // a backup copy is what it copies: `.env~` a secret, `.env.example~` a template
    // TypeScript declarations (`.env.d.ts`, `vite-env.d.ts`) describe variables, they hold no values
    if (base.endsWith('.d.ts') && !fact?.viaSymlink) return false;
    const copy = BACKUP.exec(base);
    const copied = copy ? copy[1] ?? copy[2] ?? copy[3]! : undefined;
    if ((this.templateNames(base) || copied !== undefined && this.templateNames(copied)) && !(fact?.viaSymlink) && (!fact?.exists || fact.type === 'file' && (fact.nlink ?? 1) <= 1)) return false;
    if (this.secretGlobs.test(p, names)) return true;
    if (copied !== undefined && this.secretGlobs.test(p.slice(0, p.length - base.length) + copied, names)) return true;
    // a directory that holds secrets (~/.ssh, ~/.aws)
    if ((!fact || fact.type === 'dir' || !fact.exists) && this.secretGlobs.testChildren(p, names, PROBES, false)) return true;
    if (fact?.glob || /[*?[]/.test(base)) return globMaySecret(p, this, names);
    return false;
  }

  /**
   * nameCtx(), or for a path in another user's home directory
   * (`/home/someone/.aws/credentials`, `/root/.ssh/id_rsa`) the same with
   * that home: home-relative secret patterns hold for every user. A home
   * that is a workspace folder is the project's, not a user's.
   */
  private namesFor(p: string): { workspaceRoots: string[]; home: string; caseInsensitive: boolean } {
    const m = USER_HOME.exec(p);
    if (!m) return this.names;
    const home = m[0];
    if (foldPath(home, true) === foldPath(trimSlashes(this.ctx.home), true) || this.isWorkspaceRoot(home)) return this.names;
    return { workspaceRoots: this.ctx.workspaceRoots, home, caseInsensitive: true };
  }

  isGuardPath(p: string): boolean {
    if (this.ctx.stateDir && isInside(foldPath(p, this.ci), foldPath(this.ctx.stateDir, this.ci))) return true;
    return this.guardGlobs.test(p, this.nameCtx());
  }

  regenerable(p: string): boolean {
    const root = this.workspaceOf(p);
    if (!root) return false;
    if (this.fact(p)?.gitignored === true) return true;
    return regenerableByName(p.slice(root.length).replace(/^\/+/, ''));
  }

  private roles: Map<string, FileRole> | undefined;

  /** fileRole(p, home), worked out once per decision */
  role(p: string): FileRole {
    return once((this.roles ??= new Map()), p, this, computeRole);
  }

  private hosts: Map<string, boolean> | undefined;
  private hostNames: Map<string, string | undefined> | undefined;

  /** hostOf(url), parsed once per decision */
  host(url: string): string | undefined {
    return once((this.hostNames ??= new Map()), url, this, computeHost);
  }

  trustedHost(url: string): boolean {
    return once((this.hosts ??= new Map()), url, this, computeTrusted);
  }

  branchName(b: string): string | undefined {
    return b === 'HEAD' || b === '@' ? this.ctx.branch : b;
  }

  /** Shell sub-commands (empty for other actions). */
  commands(): readonly ShellCommandInfo[] {
    return this.action.shell?.commands ?? NONE;
  }

  hasSecretReadBefore(): boolean {
    const m = this.ctx.memory;
    return (m.secretReads?.length ?? 0) > 0 || (m.secretPrints?.length ?? 0) > 0;
  }
}

/**
 * Every path the action writes, deletes or moves away, and with `targets`
 * the paths it moves to, once each and in that order.
 */
export function changedPaths(a: NormalizedAction, targets: boolean): Iterable<string> {
  // no deletes or moves and at most one write: the writes are that list already
  if (a.deletes.length === 0 && a.moves.length === 0 && a.writes.length <= 1) return a.writes;
  const out = new Set<string>(a.writes);
  for (const p of a.deletes) out.add(p);
  for (const m of a.moves) out.add(m.from);
  if (targets) for (const m of a.moves) out.add(m.to);
  return out;
}

/**
 * `compute(pc, key)`, worked out once per key for the life of the context
 * (one decision). Static computations and the context passed along: no
 * closure is made per question.
 */
function once<V>(memo: Map<string, V>, key: string, pc: PackContext, compute: (pc: PackContext, key: string) => V): V {
  let v = memo.get(key);
  if (v === undefined && !memo.has(key)) {
    v = compute(pc, key);
    memo.set(key, v);
  }
  return v as V;
}
const computeSecret = (pc: PackContext, p: string): boolean => pc.isSecretUncached(p);
const computeRole = (pc: PackContext, p: string): FileRole => fileRole(p, pc.ctx.home);
const computeHost = (_pc: PackContext, url: string): string | undefined => hostOf(url);
const computeTrusted = (pc: PackContext, url: string): boolean => {
  const h = pc.host(url);
  return h !== undefined && pc.trusted(h);
};

/**
 * A backup or swap copy an editor or tool leaves next to a file, and the
 * name of the file it copies: `.env~`, `..env.swp` (vim's swap file of
 * `.env`), `#id_rsa#` (emacs), `server.key.orig`, `id_ed25519.save` (nano),
 * `.pgpass.~1~`. A copy of a secret holds the same values.
 */
const BACKUP = /^(?:\.(.+)\.sw[a-p]|#(.+)#|(.+?)(?:~|\.~\d+~|\.(?:bak|backup|old|orig|save|sav|swp|swo|tmp))+)$/i;

/** a user's home directory at the start of a path: /home/<user>, /Users/<user>, /root, /var/root */
const USER_HOME = /^\/(?:home|users)\/[^/]+|^\/(?:var\/)?root(?=\/|$)/i;

/** names a directory's children are probed with: both must be secrets for the directory to hold secrets */
const PROBES = ['belay-probe', 'belay-probe.txt'];

function clip(s: string): string {
  return s.length > 300 ? s.slice(0, 297) + '…' : s;
}

const SECRET_SAMPLES = ['.env', '.env.local', '.env.production', 'id_rsa', 'id_ed25519', 'server.pem', 'server.key', '.dev.vars', 'credentials', '.git-credentials', '.npmrc'];

/** A glob path (`cat .env*`, `find -name '*.pem'`) that could name a secret file (`names`: the context its home-relative patterns use). */
function globMaySecret(p: string, pc: PackContext, names: PathContext): boolean {
  const base = p.slice(p.lastIndexOf('/') + 1);
  const dir = p.slice(0, p.lastIndexOf('/')) || '/';
  if (base === '*' || base === '**' || base === '') {
    return pc.secretGlobs.test(dir.replace(/\/\*\*$/, '') + '/probe', names);
  }
  // literal text around the wildcards must fit a secret name before the glob is worth compiling
  const first = base.search(/[*?[{]/);
  const lastGlob = Math.max(base.lastIndexOf('*'), base.lastIndexOf('?'), base.lastIndexOf(']'), base.lastIndexOf('}'));
  const prefix = (first < 0 ? base : base.slice(0, first)).toLowerCase();
  const suffix = (lastGlob < 0 ? '' : base.slice(lastGlob + 1)).toLowerCase();
  const candidates = SECRET_SAMPLES.filter((s) => s.startsWith(prefix) && s.endsWith(suffix));
  if (candidates.length === 0) return pc.secretGlobs.test(dir.replace(/\/\*\*$/, '') + '/probe', names);
  const m = pc.glob(base);
  for (const s of candidates) {
    if (!m(s)) continue;
    const candidate = dir.replace(/\/\*\*$/, '') + '/' + s;
    if (pc.secretGlobs.test(candidate, names)) return true;
  }
  // a directory glob inside a secret directory (~/.ssh/*)
  if (pc.secretGlobs.test(dir.replace(/\/\*\*$/, '') + '/probe', names)) return true;
  return false;
}

function tempRoots(): string[] {
  const t = os.tmpdir();
  const out = ['/tmp', '/var/tmp', '/private/tmp', '/private/var/tmp', t];
  if (t.startsWith('/var/folders/')) out.push('/private' + t);
  return out;
}

export interface CompiledPackData {
  /** system temp dirs (scratch space) */
  temps: string[];
  /** name globs compiled on demand (a memo, not policy state) */
  globCache: Map<string, NameMatcher>;
  /** the packs switched on, as a record (one property read per question) */
  on: Readonly<Partial<Record<PackName, boolean>>>;
  secretGlobs: PathGlobs;
  templateNames: NameMatcher;
  guardGlobs: PathGlobs;
  trusted: NameMatcher;
  protectedBranch: NameMatcher;
}

export function compilePackData(policy: PolicyDoc): CompiledPackData {
  const on: Partial<Record<PackName, boolean>> = {};
  for (const [k, v] of Object.entries(policy.packs)) if (v) on[k as PackName] = true;
  return {
    on: Object.freeze(on),
    temps: tempRoots(),
    globCache: new Map(),
    secretGlobs: new PathGlobs([...SECRET_PATHS, ...policy.secrets.paths]),
    templateNames: policy.secrets.templates.every((t) => !/[*?[{]/.test(t))
      ? ((set: Set<string>) => (s: string) => set.has(s.toLowerCase()))(new Set(policy.secrets.templates.map((t) => t.toLowerCase())))
      : nameGlob(policy.secrets.templates, true),
    guardGlobs: new PathGlobs(GUARD_PATHS),
    trusted: domainMatcher(policy.network.allowDomains),
    protectedBranch: nameGlob(policy.protectedBranches),
  };
}
