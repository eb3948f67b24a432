import type { Dialect, NormalizeEnv, NormalizedAction } from './action.ts';
import { detectDialect, parseHookInput, type HookEnvelope } from './adapters.ts';
import { decide, emptyMemory, remember, rememberOutput, rememberSecretValue, type Decision, type DecisionContext, type LoadedPolicy, type PolicyMemory } from './engine.ts';
import { PathResolver, type ResolverOptions } from './paths.ts';

/**
 * A sequence of actions decided as one session: what earlier actions did
 * (secrets read, downloads, rate-limit counts) counts for later ones. Used by
 * `belay policy check`, `belay policy test` and the tests; the hook keeps its
 * memory in the receipts store instead.
 */

export interface SessionOptions {
  workspaceRoots: string[];
  home: string;
  policy: LoadedPolicy;
  /** the clock (time windows, rate limits) */
  now: () => Date;
  branch?: string;
  stateDir?: string;
  caseInsensitive?: boolean;
  platform?: NodeJS.Platform;
  agent?: string;
  /** force one dialect instead of detecting it per document */
  dialect?: Dialect;
}

/** Per-line overrides a generic document may carry (a testing aid): `{"tool", "input", "context": {…}}`. */
export interface LineContext {
  now?: string;
  branch?: string;
  cwd?: string;
  /** secrets the session already read: `NAME=value` entries or paths */
  secrets_read?: string[];
}

export interface SessionResult {
  envelope: HookEnvelope;
  action?: NormalizedAction;
  decision?: Decision;
}

export class PolicySession {
  private memory: PolicyMemory = emptyMemory();
  private readonly opts: SessionOptions;
  private readonly roots: string[];
  private readonly ignoreFiles: NonNullable<ResolverOptions['ignoreFiles']> = new Map();

  private readonly home: string;

  constructor(opts: SessionOptions) {
    this.opts = opts;
    const r = new PathResolver({ workspaceRoots: opts.workspaceRoots, home: opts.home });
    this.roots = r.roots;
    this.home = r.realDir(opts.home);
  }

  get state(): PolicyMemory {
    return this.memory;
  }

  /** Seeds the memory (for example with secrets already read). */
  seed(ctx: LineContext, now: Date): void {
    for (const s of ctx.secrets_read ?? []) {
      const eq = s.indexOf('=');
      if (eq > 0) this.memory = rememberSecretValue(this.memory, s.slice(eq + 1), now);
      else this.memory = { ...this.memory, secretReads: [...this.memory.secretReads, { what: s, at: now.getTime() }] };
    }
  }

  /** Normalises one document without deciding (undefined for events that carry no tool call). */
  normalize(doc: unknown): NormalizedAction | undefined {
    return this.envelope(doc, undefined).action;
  }

  private envelope(doc: unknown, line: LineContext | undefined): HookEnvelope {
    const o = this.opts;
    const dialect = o.dialect ?? detectDialect(doc);
    // options built field by field (conditional spreads of object literals are slow), in the same key order
    const ro: ResolverOptions = { workspaceRoots: this.roots, rootsCanonical: true, ignoreFiles: this.ignoreFiles, home: this.home, homeCanonical: true };
    if (o.caseInsensitive !== undefined) ro.caseInsensitive = o.caseInsensitive;
    if (o.platform !== undefined) ro.platform = o.platform;
    const resolver = new PathResolver(ro);
    const env: NormalizeEnv = { workspaceRoots: this.roots, home: this.home, resolver };
    if (line?.cwd) env.cwd = line.cwd;
    if (o.agent) env.agent = o.agent;
    if (o.caseInsensitive !== undefined) env.caseInsensitive = o.caseInsensitive;
    if (o.platform !== undefined) env.platform = o.platform;
    return parseHookInput(dialect, doc, env);
  }

  /** Normalises and decides one document (any dialect); remembers what it did. Throws on malformed documents. */
  check(doc: unknown): SessionResult {
    const o = this.opts;
    const line = (doc && typeof doc === 'object' && !Array.isArray(doc) ? (doc as Record<string, unknown>).context : undefined) as LineContext | undefined;
    const now = line?.now ? new Date(line.now) : o.now();
    if (Number.isNaN(now.getTime())) throw new Error(`context.now is not a date: ${String(line?.now)}`);
    if (line) this.seed(line, now);
    const envelope = this.envelope(doc, line);
    if (!envelope.action) return { envelope };
    const action = envelope.action;
    const branch = line?.branch ?? o.branch;
    const ctx: DecisionContext = { workspaceRoots: this.roots, home: this.home, now, memory: this.memory };
    if (branch !== undefined) ctx.branch = branch;
    if (o.stateDir !== undefined) ctx.stateDir = o.stateDir;
    if (o.caseInsensitive !== undefined) ctx.caseInsensitive = o.caseInsensitive;
    const decision = decide(action, o.policy, ctx);
    this.memory = remember(this.memory, action, decision, now);
    if (envelope.event === 'PostToolUse' && envelope.toolResponse !== undefined) this.memory = rememberOutput(this.memory, envelope.toolResponse, now);
    return { envelope, action, decision };
  }
}
