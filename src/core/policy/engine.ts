import crypto from 'node:crypto';
import type { ActionKind, NormalizedAction, ShellAnalysis } from './action.ts';
import { secretFingerprints } from './content.ts';
import {
  compileCommandPattern,
  domainMatcher,
  durationMs,
  hostOf,
  inWindow,
  matchCommand,
  nameGlob,
  PathGlobs,
  validTimezone,
  type CommandPattern,
  type NameMatcher,
} from './matchers.ts';
import { foldPath, isInside } from './paths.ts';
import { compilePackData, PackContext, type Collected, type CompiledPackData } from './packs/context.ts';
import { checkDeferred, syntheticShell } from './packs/deferred.ts';
import { checkBoundary, checkDestructive } from './packs/destructive.ts';
import { checkGit } from './packs/git.ts';
import { checkGithub, checkRateLimits, countInWindow } from './packs/github.ts';
import { checkGuard } from './packs/guard.ts';
import { checkExfiltration, checkRemoteCode } from './packs/network.ts';
import { checkDatabase, checkDeploy, checkPermissions } from './packs/operations.ts';
import { checkSecrets } from './packs/secrets.ts';
import { checkShell } from './packs/shell.ts';
import { POLICY_SETTING, policySchema, verdictSchema, type PolicyDoc, type PolicyRule } from './schema.ts';
import { initShellParser } from './shell/parse.ts';

/**
 * The policy engine: `loadPolicy` validates and compiles the `belay.policy`
 * setting; `decide` is the one pure function every entry point (hook, CLI,
 * extension) calls; `remember` carries what later decisions depend on
 * (secrets read, downloads, rate-limit counters) from one action to the next.
 */

export type Verdict = 'allow' | 'ask' | 'deny';

export interface RuleMatch {
  rule: string;
  effect: Verdict;
  reason: string;
  /** the sub-command, path or URL that matched */
  fragment?: string;
  pack?: string;
}

export interface Decision {
  /** what Belay answers the agent after mode */
  decision: Verdict;
  /** what the rules said */
  evaluated: Verdict;
  rule: string;
  reason: string;
  matches: RuleMatch[];
  mode: 'enforce' | 'monitor' | 'off';
  policyHash: string;
  failClosed?: boolean;
  /** pack matches lifted by an allow rule's `overrides` */
  lifted?: RuleMatch[];
  /** what `remember` records from this action */
  memo?: Collected['memo'];
}

export interface PolicyMemory {
  version: 1;
  /** secret files read (or attempted) in this session */
  secretReads: { what: string; at: number }[];
  /** fingerprints of secret values seen, to recognise them leaving */
  secretPrints: { h: string; len: number }[];
  /** files downloaded in this session */
  downloads: { url: string; path: string; at: number }[];
  /** rate-limit counters: key -> entries */
  counters: Record<string, { t: number; n: number }[]>;
}

export interface DecisionContext {
  workspaceRoots: string[];
  home: string;
  now: Date;
  branch?: string;
  /** Belay's state dir, self-protected */
  stateDir?: string;
  caseInsensitive?: boolean;
  memory: PolicyMemory;
}

export interface PolicyError {
  /** e.g. `belay.policy.rules[2].effect` */
  path: string;
  message: string;
}

interface CompiledRule {
  rule: PolicyRule;
  kinds?: Set<ActionKind>;
  agents?: NameMatcher;
  tools?: NameMatcher;
  paths?: PathGlobs;
  access: Set<'read' | 'write' | 'delete'>;
  commands?: CommandPattern[];
  branches?: NameMatcher;
  remotes?: NameMatcher;
  domains?: NameMatcher;
  mcpServers?: NameMatcher;
  mcpTools?: NameMatcher;
  content?: RegExp[];
  rate?: { max: number; windowMs: number; key: 'rule' | 'agent' | 'session' | 'tool' | 'kind' };
  overrides?: NameMatcher;
}

export interface LoadedPolicy {
  ok: boolean;
  errors: PolicyError[];
  hash: string;
  mode: 'enforce' | 'monitor' | 'off';
  /** the policy with defaults filled in (the built-in default when invalid) */
  doc: PolicyDoc;
  rules: CompiledRule[];
  packData: CompiledPackData;
  /** what reads get while the policy is invalid (taken from the setting when that field itself is valid) */
  readFailMode: Verdict;
}

const ENGINE_VERSION = 'belay-policy/1';
const RANK: Record<Verdict, number> = { allow: 0, ask: 1, deny: 2 };

/** Loads the bash grammar once per process; everything after it is synchronous. Idempotent. */
export async function initPolicyEngine(): Promise<void> {
  await initShellParser();
}

export function emptyMemory(): PolicyMemory {
  return { version: 1, secretReads: emptyList(), secretPrints: emptyList(), downloads: emptyList(), counters: {} };
}

/**
 * An empty list of entries made as the lists remember() fills are (`[x]`
 * with x popped: an empty list that holds objects, not small integers), so
 * the memory's fields hold one kind of array, empty or not. A fresh memory
 * with `[]` lists made every check that reads them, once compiled on
 * filled lists, deoptimise on the next session's first decision.
 */
function emptyList<T>(): T[] {
  const list = [undefined] as unknown as T[];
  list.pop();
  return list;
}

function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v as Record<string, unknown>)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

function sha(s: string): string {
  return crypto.createHash('sha256').update(s).digest('hex');
}

function issuePath(path: readonly PropertyKey[]): string {
  let out = POLICY_SETTING;
  for (const seg of path) out += typeof seg === 'number' ? `[${seg}]` : `.${String(seg)}`;
  return out;
}

/** The compiled built-in policy, built on first use (a constant, memoised; it never changes). */
let defaultCache: LoadedPolicy | undefined;

/** The built-in default policy (every pack on, no rules). */
export function defaultPolicy(): LoadedPolicy {
  return (defaultCache ??= loadPolicy({}));
}

/**
 * Validates and compiles the policy from the dotted `belay.*` settings.
 * Never throws: problems come back as `errors` with the setting path, and
 * `ok: false` makes `decide` fail closed.
 */
export function loadPolicy(settings: Record<string, unknown>, loadError?: { setting: string; message: string }): LoadedPolicy {
  const raw = settings[POLICY_SETTING];
  const errors: PolicyError[] = [];
  if (loadError) errors.push({ path: loadError.setting, message: loadError.message });
  const parsed = policySchema.safeParse(raw ?? {});
  if (!parsed.success) {
    for (const issue of parsed.error.issues) errors.push({ path: issuePath(issue.path), message: issue.message });
  }
  const doc: PolicyDoc = parsed.success ? parsed.data : policySchema.parse({});
  const rules: CompiledRule[] = [];
  if (parsed.success) {
    // checking a zone loads ICU data (tens of milliseconds in a cold hook process): skip the default
    if (doc.deployWindow.timezone !== 'Europe/Berlin' && !validTimezone(doc.deployWindow.timezone)) errors.push({ path: `${POLICY_SETTING}.deployWindow.timezone`, message: `unknown time zone "${doc.deployWindow.timezone}"` });
    doc.rules.forEach((r, i) => {
      const compiled = compileRule(r, `${POLICY_SETTING}.rules[${i}]`, errors);
      if (compiled) rules.push(compiled);
    });
    const ids = new Map<string, number>();
    doc.rules.forEach((r, i) => {
      if (ids.has(r.id)) errors.push({ path: `${POLICY_SETTING}.rules[${i}].id`, message: `duplicate rule id "${r.id}" (also rules[${ids.get(r.id)}])` });
      ids.set(r.id, i);
    });
  }
  const ok = errors.length === 0;
  const hash = sha(ENGINE_VERSION + '\n' + (ok ? stableJson(doc) : stableJson({ raw: raw ?? null, errors })));
  let readFailMode: Verdict = doc.readFailMode;
  if (!ok && raw && typeof raw === 'object') {
    const fm = verdictSchema.safeParse((raw as Record<string, unknown>).readFailMode);
    if (fm.success) readFailMode = fm.data;
  }
  return { ok, errors, hash, mode: ok ? doc.mode : 'enforce', doc, rules: ok ? rules : [], packData: compilePackData(doc), readFailMode };
}

function compileRule(r: PolicyRule, at: string, errors: PolicyError[]): CompiledRule | undefined {
  const c: CompiledRule = { rule: r, access: new Set() };
  try {
    if (r.kinds) c.kinds = new Set(r.kinds);
    if (r.agents) c.agents = nameGlob(r.agents, true);
    if (r.tools) c.tools = nameGlob(r.tools);
    if (r.paths) c.paths = new PathGlobs(r.paths);
    if (r.access) for (const x of r.access) c.access.add(x);
    else if (r.kinds) {
      for (const k of r.kinds) {
        if (k === 'read') c.access.add('read');
        if (k === 'write' || k === 'edit' || k === 'move') c.access.add('write');
        if (k === 'delete' || k === 'move') c.access.add('delete');
        if (k === 'shell' || k === 'mcp' || k === 'other' || k === 'git' || k === 'github' || k === 'fetch') ['read', 'write', 'delete'].forEach((x) => c.access.add(x as 'read'));
      }
    }
    if (c.access.size === 0) ['read', 'write', 'delete'].forEach((x) => c.access.add(x as 'read'));
    if (r.commands) c.commands = r.commands.map(compileCommandPattern);
    if (r.branches) c.branches = nameGlob(r.branches);
    if (r.remotes) c.remotes = nameGlob(r.remotes);
    if (r.domains) c.domains = domainMatcher(r.domains);
    if (r.mcpServers) c.mcpServers = nameGlob(r.mcpServers, true);
    if (r.mcpTools) c.mcpTools = nameGlob(r.mcpTools, true);
    if (r.overrides) {
      if (r.effect !== 'allow') errors.push({ path: `${at}.overrides`, message: 'only allow rules can lift pack rules' });
      if (r.overrides.some((o) => o.startsWith('guard') || o === '*' || o === '**')) errors.push({ path: `${at}.overrides`, message: 'guard rules (self-protection, critical deletes) cannot be lifted' });
      c.overrides = nameGlob(r.overrides);
    }
    if (r.rateLimit) c.rate = { max: r.rateLimit.max, windowMs: durationMs(r.rateLimit.window), key: r.rateLimit.key };
    if (r.when?.timezone && !validTimezone(r.when.timezone)) errors.push({ path: `${at}.when.timezone`, message: `unknown time zone "${r.when.timezone}"` });
  } catch (err) {
    errors.push({ path: at, message: (err as Error).message.split('\n')[0]! });
    return undefined;
  }
  if (r.content) {
    c.content = [];
    r.content.forEach((src, j) => {
      try {
        const m = /^\/(.*)\/([a-z]*)$/s.exec(src);
        c.content!.push(m ? new RegExp(m[1]!, m[2]!) : new RegExp(src));
      } catch (err) {
        errors.push({ path: `${at}.content[${j}]`, message: `invalid regular expression: ${(err as Error).message.split('\n')[0]}` });
      }
    });
  }
  return c;
}

// ---------------------------------------------------------------- deciding

function hasKind(a: NormalizedAction, k: ActionKind): boolean {
  if (a.kind === k) return true;
  switch (k) {
    case 'write':
    case 'edit':
      return a.writes.length > 0;
    case 'delete':
      return a.deletes.length > 0;
    case 'move':
      return a.moves.length > 0;
    case 'read':
      return a.reads.length > 0;
    case 'fetch':
      return a.urls.length > 0;
    case 'git':
      return a.gitOps.length > 0;
    case 'github':
      return a.githubOps.length > 0;
    default:
      return false;
  }
}

function contentTexts(a: NormalizedAction): string[] {
  const out: string[] = [];
  if (a.content) out.push(a.content);
  for (const e of a.edits) if (e.new !== a.content) out.push(e.new);
  if (a.command) out.push(a.command);
  if (a.mcp?.arguments !== undefined) out.push(JSON.stringify(a.mcp.arguments));
  return out;
}

function ruleKey(c: CompiledRule, a: NormalizedAction): string {
  const k = c.rate?.key ?? 'rule';
  const v = k === 'agent' ? a.agent : k === 'session' ? a.sessionId ?? '' : k === 'tool' ? a.tool : k === 'kind' ? a.kind : '';
  return `rule:${c.rule.id}:${v}`;
}

/** Does a user rule match? Returns the fragment that matched, or false. */
function matchRule(c: CompiledRule, a: NormalizedAction, ctx: DecisionContext): { fragment?: string } | false {
  let fragment: string | undefined;
  if (c.kinds && ![...c.kinds].some((k) => hasKind(a, k))) return false;
  if (c.agents && !c.agents(a.agent)) return false;
  if (c.tools && !c.tools(a.tool)) return false;
  if (c.paths) {
    const candidates: string[] = [];
    if (c.access.has('read')) candidates.push(...a.reads);
    if (c.access.has('write')) candidates.push(...a.writes);
    if (c.access.has('delete')) candidates.push(...a.deletes, ...a.moves.map((m) => m.from));
    const pctx = { workspaceRoots: ctx.workspaceRoots, home: ctx.home, ...(ctx.caseInsensitive !== undefined ? { caseInsensitive: ctx.caseInsensitive } : {}) };
    const hit = candidates.find((p) => c.paths!.test(p, pctx, a.paths[p]?.type === 'dir'));
    if (hit === undefined) return false;
    fragment = hit;
  }
  if (c.rule.outsideWorkspace !== undefined) {
    const ci = ctx.caseInsensitive === true;
    const outside = [...a.writes, ...a.deletes].find((p) => !ctx.workspaceRoots.some((r) => isInside(foldPath(p, ci), foldPath(r, ci))));
    if (c.rule.outsideWorkspace !== (outside !== undefined)) return false;
    fragment ??= outside;
  }
  if (c.commands) {
    const cmds = a.shell?.commands ?? [];
    const hit = cmds.find((cmd) => c.commands!.some((p) => matchCommand(p, cmd.name, cmd.args)));
    if (!hit) return false;
    fragment = hit.text;
  }
  if (c.branches) {
    const candidates = new Set<string>();
    for (const g of a.gitOps) for (const b of g.branches) candidates.add(b === 'HEAD' ? ctx.branch ?? 'HEAD' : b);
    for (const g of a.githubOps) if (g.branch) candidates.add(g.branch);
    if (ctx.branch) candidates.add(ctx.branch);
    const hit = [...candidates].find((b) => c.branches!(b));
    if (hit === undefined) return false;
    fragment ??= hit;
  }
  if (c.remotes) {
    const hit = a.gitOps.find((g) => g.remote !== undefined && c.remotes!(g.remote));
    if (!hit) return false;
    fragment ??= hit.remote;
  }
  if (c.domains) {
    const hit = a.urls.find((u) => {
      const h = hostOf(u);
      return h !== undefined && c.domains!(h);
    });
    if (hit === undefined) return false;
    fragment ??= hit;
  }
  if (c.mcpServers && !(a.mcp && c.mcpServers(a.mcp.server))) return false;
  if (c.mcpTools && !(a.mcp && c.mcpTools(a.mcp.tool))) return false;
  if ((c.mcpServers || c.mcpTools) && a.mcp) fragment ??= `${a.mcp.server}.${a.mcp.tool}`;
  if (c.content) {
    const texts = contentTexts(a);
    let hit: string | undefined;
    for (const re of c.content) {
      for (const t of texts) {
        re.lastIndex = 0;
        const m = re.exec(t);
        if (m) {
          hit = m[0].slice(0, 80);
          break;
        }
      }
      if (hit !== undefined) break;
    }
    if (hit === undefined) return false;
    fragment ??= hit;
  }
  if (c.rule.when) {
    const inside = inWindow(ctx.now, c.rule.when);
    if (c.rule.when.outside ? inside : !inside) return false;
  }
  return fragment !== undefined ? { fragment } : {};
}

function runPacks(action: NormalizedAction, policy: LoadedPolicy, ctx: DecisionContext, out: Collected, nested: boolean): PackContext {
  const pc = new PackContext(action, policy.doc, ctx, policy.packData, out);
  checkGuard(pc);
  checkShell(pc);
  if (nested) {
    if (pc.on('remoteCode')) checkRemoteCode(pc);
    if (pc.on('exfiltration')) checkExfiltration(pc);
    if (pc.on('destructive')) checkDestructive(pc);
    return pc;
  }
  if (pc.on('secrets')) checkSecrets(pc);
  if (pc.on('destructive')) checkDestructive(pc);
  if (pc.on('boundary')) checkBoundary(pc);
  if (pc.on('git')) checkGit(pc);
  if (pc.on('github')) checkGithub(pc);
  if (pc.on('exfiltration')) checkExfiltration(pc);
  if (pc.on('remoteCode')) checkRemoteCode(pc);
  if (pc.on('deferredExec')) {
    checkDeferred(pc, (analysis: ShellAnalysis) => {
      const inner: Collected = { matches: [], memo: { secretReads: [], downloads: [], counters: [] } };
      runPacks(syntheticShell(action, analysis), policy, { ...ctx, memory: emptyMemory() }, inner, true);
      const deny = inner.matches.find((m) => m.effect === 'deny');
      if (deny) return { verdict: 'deny', reason: deny.reason };
      const ask = inner.matches.find((m) => m.effect === 'ask' && !m.rule.startsWith('shell.unparsed'));
      return ask ? { verdict: 'ask', reason: ask.reason } : { verdict: undefined, reason: '' };
    });
  }
  if (pc.on('database')) checkDatabase(pc);
  if (pc.on('deploy')) checkDeploy(pc);
  if (pc.on('permissions')) checkPermissions(pc);
  if (pc.on('rateLimits')) checkRateLimits(pc);
  return pc;
}

function tierOf(m: RuleMatch): number {
  if (m.pack === 'guard' || m.pack === 'policy') return 0;
  if (m.pack === 'rule') return 1;
  if (m.pack === 'default') return 3;
  return 2;
}

/** The decision the matches give; callers add failClosed, memo and lifted (in that order, when present) to it. */
function assemble(matches: RuleMatch[], policy: LoadedPolicy, mode: Decision['mode']): Decision {
  let evaluated: Verdict = 'allow';
  for (const m of matches) if (RANK[m.effect] > RANK[evaluated]) evaluated = m.effect;
  // the first match of the lowest tier among those with the evaluated effect (what a stable sort by tier puts first)
  let winner: RuleMatch | undefined;
  let best = Infinity;
  for (const m of matches) {
    if (m.effect !== evaluated) continue;
    const t = tierOf(m);
    if (t < best) {
      best = t;
      winner = m;
    }
  }
  const decision: Verdict = mode === 'enforce' ? evaluated : 'allow';
  return {
    decision,
    evaluated,
    rule: winner?.rule ?? 'default',
    reason: winner?.reason ?? 'no rule matched',
    matches,
    mode,
    policyHash: policy.hash,
  };
}

/**
 * Decides one action. Pure and synchronous: it reads only its arguments
 * (the action already carries what the file system said about its paths).
 */
export function decide(action: NormalizedAction, policy: LoadedPolicy, context: DecisionContext): Decision {
  const ctx = shaped(context, action.homeCanonical && action.homeCanonical !== context.home ? action.homeCanonical : context.home);
  if (!policy.ok) return decideInvalid(action, policy, ctx);
  const out: Collected = { matches: [], memo: { secretReads: [], downloads: [], counters: [] } };
  runPacks(action, policy, ctx, out, false);

  // user rules
  let overrides: NameMatcher[] | undefined;
  for (const c of policy.rules) {
    const m = matchRule(c, action, ctx);
    if (!m) continue;
    if (c.rate) {
      const key = ruleKey(c, action);
      out.memo.counters.push({ key, n: 1, windowMs: c.rate.windowMs, max: c.rate.max });
      const seen = countInWindow(ctx.memory.counters?.[key], ctx.now.getTime(), c.rate.windowMs, c.rate.max - 1);
      if (seen < c.rate.max) continue;
    }
    const reason = c.rule.reason ?? `matched rule ${c.rule.id}`;
    out.matches.push({ rule: c.rule.id, effect: c.rule.effect, reason: c.rate ? `${reason} (more than ${c.rate.max} in ${c.rule.rateLimit!.window})` : reason, pack: 'rule', ...(m.fragment !== undefined ? { fragment: m.fragment } : {}) });
    if (c.overrides) (overrides ??= []).push(c.overrides);
  }
  let lifted: RuleMatch[] | undefined;
  if (overrides !== undefined) {
    const lifts = overrides;
    out.matches = out.matches.filter((m) => {
      const liftable = m.pack !== 'guard' && m.pack !== 'rule' && m.pack !== 'policy';
      if (liftable && lifts.some((o) => o(m.rule))) {
        (lifted ??= []).push(m);
        return false;
      }
      return true;
    });
  }

  // defaults
  if (action.kind === 'other' && !action.toolKnown && policy.doc.defaults.unknownTool !== 'allow' && !out.matches.some((m) => m.pack === 'rule')) {
    out.matches.push({ rule: 'default.unknown-tool', effect: policy.doc.defaults.unknownTool, reason: `Belay does not know the tool ${action.tool}`, pack: 'default', fragment: action.tool });
  }
  if (action.kind === 'mcp' && policy.doc.defaults.mcp !== 'allow' && !out.matches.some((m) => m.pack === 'rule')) {
    out.matches.push({ rule: 'default.mcp', effect: policy.doc.defaults.mcp, reason: 'MCP tool calls need approval by default', pack: 'default', ...(action.mcp ? { fragment: `${action.mcp.server}.${action.mcp.tool}` } : {}) });
  }
  // members added one by one, in the order the spread of { memo, lifted } gave (a spread into a literal is a slow copy)
  const decision = assemble(out.matches, policy, policy.mode);
  decision.memo = out.memo;
  if (lifted !== undefined) decision.lifted = lifted;
  return decision;
}

/**
 * The context in one fixed shape (every key, always in this order), however
 * the caller built it: a session, the hook and a test each make it their own
 * way, and the checks, which read it on every decision, then see one hidden
 * class instead of a new one per caller (each new one made the compiled
 * checks throw their code away and compile it again, generic).
 */
function shaped(c: DecisionContext, home: string): DecisionContext {
  return { workspaceRoots: c.workspaceRoots, home, now: c.now, branch: c.branch, stateDir: c.stateDir, caseInsensitive: c.caseInsensitive, memory: c.memory };
}

/** Fail closed: mutating actions are denied; reads get the built-in packs and at least the read fail mode. */
function decideInvalid(action: NormalizedAction, policy: LoadedPolicy, ctx: DecisionContext): Decision {
  const first = policy.errors[0] ?? { path: POLICY_SETTING, message: 'invalid' };
  const reason = `Belay's policy is invalid (${first.path}: ${first.message}); changes are blocked until it is fixed`;
  if (action.mutating) {
    const denied = assemble([{ rule: 'policy.invalid', effect: 'deny', reason, pack: 'policy', fragment: first.path }], policy, 'enforce');
    denied.failClosed = true;
    return denied;
  }
  const base = decide(action, defaultPolicy(), ctx);
  const readMode = policyReadFailMode(policy);
  const matches = [...base.matches];
  if (RANK[readMode] > 0) matches.push({ rule: 'policy.invalid', effect: readMode, reason, pack: 'policy', fragment: first.path });
  const decision = assemble(matches, policy, 'enforce');
  decision.failClosed = true;
  if (base.memo) decision.memo = base.memo;
  return decision;
}

function policyReadFailMode(policy: LoadedPolicy): Verdict {
  return policy.readFailMode;
}

// ---------------------------------------------------------------- memory

const MAX_ENTRIES = 200;
const DAY = 86_400_000;

/** Records what later decisions depend on: secrets read, downloads, rate-limit counts. */
export function remember(memory: PolicyMemory, action: NormalizedAction, decision: Decision, now: Date): PolicyMemory {
  void action;
  const t = now.getTime();
  const memo = decision.memo;
  if (!memo || memo.secretReads.length === 0 && memo.downloads.length === 0 && memo.counters.length === 0) return memory;
  const drop = decision.decision === 'deny';
  const m: PolicyMemory = {
    version: 1,
    secretReads: lastEntries(memory.secretReads ?? [], memo.secretReads.map((what) => ({ what, at: t }))),
    secretPrints: lastEntries(memory.secretPrints ?? [], []),
    downloads: lastEntries(memory.downloads ?? [], drop ? [] : memo.downloads.map((d) => ({ ...d, at: t }))),
    counters: { ...(memory.counters ?? {}) },
  };
  if (!drop) for (const c of memo.counters) m.counters[c.key] = keptCounts(m.counters[c.key], c.windowMs, t, c.n, c.max);
  return m;
}

/**
 * `[...list.filter(in window), { t, n }].slice(-keep)` as one new array:
 * entries older than the window (or a day) dropped, the new entry last, at
 * most `keep` kept (one count pass, one copy, no closure). `keep` is one more
 * than the limit (every entry counts at least 1, so the newest `max` entries
 * already decide whether the limit is passed), and at most MAX_ENTRIES.
 */
function keptCounts(list: readonly { t: number; n: number }[] | undefined, windowMs: number, t: number, n: number, max: number): { t: number; n: number }[] {
  const keep = Math.min(MAX_ENTRIES, Math.max(1, max + 1));
  const win = Math.max(windowMs, 1);
  const out: { t: number; n: number }[] = [];
  if (list !== undefined) {
    let live = 0;
    for (let i = 0; i < list.length; i++) {
      const age = t - list[i]!.t;
      if (age < win && age < DAY) live++;
    }
    // the oldest live entries beyond what fits beside the new one
    let skip = live + 1 > keep ? live + 1 - keep : 0;
    for (let i = 0; i < list.length; i++) {
      const e = list[i]!;
      const age = t - e.t;
      if (!(age < win && age < DAY)) continue;
      if (skip > 0) skip--;
      else out.push(e);
    }
  }
  out.push({ t, n });
  return out;
}

/**
 * The last MAX_ENTRIES of `list` followed by `extra`: `list` itself when
 * nothing is added and nothing dropped (memory lists are never changed in
 * place, so versions share them), else one new array whatever the lengths.
 */
function lastEntries<T>(list: readonly T[], extra: readonly T[]): T[] {
  if (extra.length === 0 && list.length <= MAX_ENTRIES) return list as T[];
  const total = list.length + extra.length;
  const skip = total > MAX_ENTRIES ? total - MAX_ENTRIES : 0;
  const out: T[] = [];
  for (let i = skip; i < list.length; i++) out.push(list[i]!);
  for (let i = Math.max(0, skip - list.length); i < extra.length; i++) out.push(extra[i]!);
  return out;
}

/** Records a secret value (e.g. seen in a tool's output) so it is recognised if it leaves later; only hashes are kept. */
export function rememberSecretValue(memory: PolicyMemory, value: string, now: Date): PolicyMemory {
  if (value.length < 8) return memory;
  return {
    ...memory,
    secretReads: [...(memory.secretReads ?? []), { what: '<value>', at: now.getTime() }].slice(-MAX_ENTRIES),
    secretPrints: [...(memory.secretPrints ?? []), ...secretFingerprints(value)].slice(-MAX_ENTRIES),
  };
}

/** Scans a tool's output (PostToolUse) for credential values and remembers them. */
export function rememberOutput(memory: PolicyMemory, output: unknown, now: Date): PolicyMemory {
  const text = typeof output === 'string' ? output : JSON.stringify(output ?? '');
  let m = memory;
  for (const line of text.slice(0, 200_000).split('\n')) {
    const kv = /^\s*(?:export\s+)?([A-Z0-9_]*(?:SECRET|TOKEN|PASSW(?:OR)?D|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CREDENTIAL)[A-Z0-9_]*)\s*[=:]\s*["']?([^"'\s]{8,})/i.exec(line);
    if (kv) m = rememberSecretValue(m, kv[2]!, now);
  }
  return m;
}
