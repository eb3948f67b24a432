import os from 'node:os';
import path from 'node:path';
import { loadWorkspaceSettings } from '../config/workspaceSettings.ts';
import { belayHome, ensureWorkspaceState, workspaceState, type WorkspaceState } from '../config/paths.ts';
import type { HookEnvelope } from '../policy/adapters.ts';
import type { NormalizedAction } from '../policy/action.ts';
import {
  decide,
  emptyMemory,
  initPolicyEngine,
  loadPolicy,
  remember,
  type Decision,
  type LoadedPolicy,
  type PolicyMemory,
} from '../policy/engine.ts';
import { CheckpointStore, type ChangedPath } from '../checkpoints/store.ts';
import { ReceiptStore, type PruneResult, type Receipt } from '../receipts/store.ts';
import { settingValue } from '../config/settings.ts';
import { readCurrentBranch } from '../config/git.ts';
import { addPolicyRule, alwaysAllowRule } from '../config/policyEdit.ts';
import { readKillSwitch, setKillSwitch, type KillSwitchState } from './killSwitch.ts';

export interface GuardOptions {
  workspace: string;
  env?: NodeJS.ProcessEnv;
  /** home directory used for `~` in policies (default: the user's) */
  home?: string;
  /** clock for time rules and receipts */
  now?: () => Date;
  /** who acts when a person uses Belay itself (rollback, restore) */
  actor?: string;
  /**
   * `on-demand`: do not load the shell parser on open; the caller loads it
   * (initPolicyEngine) before normalising an action that needs it, see
   * `needsShellParser`. Default: loaded on open.
   */
  shellParser?: 'on-open' | 'on-demand';
}

/** Asks a person about an `ask` decision (the approval channel); never throws. */
export type Approver = (req: { tool: string; summary: string; detail?: string; rule: string; reason: string }) => Promise<{
  answer: 'approve' | 'deny' | 'always';
  by: string;
  reason?: string;
}>;

/** The result of PreToolUse: what to answer the agent, and what was recorded. */
export interface PreResult {
  decision: Decision;
  receipt: Receipt;
}

export type UndoOutcome =
  | { ok: true; message: string; receipt: Receipt; changed: ChangedPath[] }
  | { ok: false; code: string; message: string; receipt?: Receipt; conflicts?: Array<{ path: string; hunks: string }> };

/** When `maintain` last pruned receipts (a state key of the receipt store). */
const LAST_PRUNE_KEY = 'maintenance:last-prune';

/** The receipt fields every record of an agent's tool call shares. */
function actionFields(envelope: HookEnvelope, meta: { agent: string; harness?: string }, action: NormalizedAction, decision: Decision) {
  return {
    sessionId: envelope.sessionId,
    agent: meta.agent,
    harness: meta.harness,
    tool: action.tool,
    toolUseId: envelope.toolUseId,
    action,
    input: action.input,
    decision: decision.decision,
    evaluated: decision.evaluated,
    rule: decision.rule,
    reason: decision.reason,
    matches: decision.matches,
    policyHash: decision.policyHash,
  };
}

/** A decision replaced by a verdict of Belay's own (kill switch, approval, checkpoint failure), keeping what the rules said. */
function overrule(decision: Decision, verdict: Decision['decision'], rule: string, reason: string, first = false): Decision {
  const match = { rule, effect: verdict, reason };
  return {
    ...decision,
    decision: verdict,
    rule,
    reason,
    matches: first ? [match, ...decision.matches] : [...decision.matches, match],
  };
}

/** One line saying what an action does, for a person to approve. */
function summarize(action: NormalizedAction): string {
  if (action.command) return action.command.replace(/\s+/g, ' ').slice(0, 300);
  const paths = [...action.writes, ...action.deletes];
  if (paths.length) return `${action.kind} ${paths.join(', ')}`.slice(0, 300);
  if (action.urls.length) return `${action.kind} ${action.urls.join(' ')}`.slice(0, 300);
  if (action.mcp) return `mcp ${action.mcp.server}/${action.mcp.tool}`;
  return `${action.kind} ${action.tool}`;
}

/** Paths an action will change, relative to the workspace when inside it. */
function touchedPaths(action: NormalizedAction): string[] {
  return [...new Set([...action.writes, ...action.deletes])];
}

function relativeInside(workspace: string, p: string): string | undefined {
  const rel = path.relative(workspace, p);
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
  return rel.split(path.sep).join('/');
}

/**
 * One workspace's guard: decides with the policy engine, checkpoints with the
 * shadow store and records receipts. The hook CLI, `belay rollback` and the
 * extension all go through this one class, so they behave the same.
 */
export class Guard {
  readonly state: WorkspaceState;
  readonly receipts: ReceiptStore;
  private readonly env: NodeJS.ProcessEnv;
  private readonly home: string;
  private readonly now: () => Date;
  private readonly actor: string;
  private checkpointStore: Promise<CheckpointStore> | undefined;
  private compiled: { key: string; policy: LoadedPolicy } | undefined;

  private constructor(state: WorkspaceState, receipts: ReceiptStore, opts: GuardOptions) {
    this.state = state;
    this.receipts = receipts;
    this.env = opts.env ?? process.env;
    this.home = opts.home ?? this.env.HOME ?? os.homedir();
    this.now = opts.now ?? (() => new Date());
    this.actor = opts.actor ?? 'user';
  }

  static async open(opts: GuardOptions): Promise<Guard> {
    const env = opts.env ?? process.env;
    const state = workspaceState(opts.workspace, env);
    ensureWorkspaceState(state);
    // The bash grammar (WebAssembly) takes tens of milliseconds to load; a
    // one-shot hook process that reads or edits a file never needs it.
    if (opts.shellParser !== 'on-demand') await initPolicyEngine();
    const receipts = ReceiptStore.open({ file: state.receiptsFile, workspace: state.workspace, env });
    return new Guard(state, receipts, opts);
  }

  get workspace(): string {
    return this.state.workspace;
  }

  /**
   * The policy as the workspace settings define it now (fails closed when
   * invalid). The settings file is read every time; it is compiled again only
   * when what it says changed, so a long-lived guard (the hook server, the
   * extension) follows every edit at the cost of one small read.
   */
  policy(): LoadedPolicy {
    const load = loadWorkspaceSettings(this.workspace);
    const key = JSON.stringify([load.settings, load.error ?? null]);
    if (this.compiled?.key === key) return this.compiled.policy;
    const policy = loadPolicy(load.settings, load.error);
    this.compiled = { key, policy };
    return policy;
  }

  checkpoints(): Promise<CheckpointStore> {
    const store =
      this.checkpointStore ??
      CheckpointStore.open({ workspace: this.workspace, storeDir: this.state.checkpointsDir }).then(async (opened) => {
        // Every later checkpoint builds on its parent's tree: start from a
        // full baseline, so what a path checkpoint does not touch is known too
        // (an unannounced change can then be told from a new file).
        if ((await opened.list({ limit: 1 })).length === 0) await opened.create({ scope: 'full', kind: 'auto', name: 'baseline' });
        return opened;
      });
    this.checkpointStore = store;
    return store;
  }

  private memoryKey(action: NormalizedAction): string {
    return `policy-memory:${action.sessionId ?? 'default'}`;
  }

  private loadMemory(action: NormalizedAction): PolicyMemory {
    const raw = this.receipts.getState(this.memoryKey(action));
    if (!raw) return emptyMemory();
    try {
      return JSON.parse(raw) as PolicyMemory;
    } catch {
      return emptyMemory();
    }
  }

  /** Decides one action without recording anything (dry run / explain). */
  evaluate(action: NormalizedAction, memory: PolicyMemory = this.loadMemory(action)): Decision {
    return decide(action, this.policy(), {
      workspaceRoots: [this.workspace],
      home: this.home,
      now: this.now(),
      branch: readCurrentBranch(this.workspace),
      stateDir: belayHome(this.env),
      memory,
    });
  }

  /**
   * PreToolUse: decide; for an allowed (or asked) mutating action take the
   * "before" checkpoint of what it will touch and write a pending receipt; a
   * denied action gets its final, blocked receipt at once.
   */
  async pre(
    envelope: HookEnvelope,
    meta: { agent: string; harness?: string; approver?: Approver; /** false: the agent cannot ask a person (an unanswered ask is a deny) */ agentAsks?: boolean },
  ): Promise<PreResult> {
    const action = envelope.action;
    if (!action) throw new Error(`${envelope.event} carries no tool call`);
    const started = Date.now();
    const memory = this.loadMemory(action);
    // The same call seen by a second hook (VS Code also runs the hooks it
    // finds in ~/.copilot/hooks and .claude/settings.json): answer as the
    // first did, without a second checkpoint, receipt, approval or count.
    const twin = envelope.toolUseId ? this.receipts.findPending({ sessionId: envelope.sessionId, toolUseId: envelope.toolUseId, abandoned: false }) : undefined;
    if (twin) {
      const again = this.evaluate(action, memory);
      return { decision: { ...again, decision: twin.decision as Decision['decision'], rule: twin.rule ?? again.rule, reason: twin.reason ?? again.reason }, receipt: twin };
    }
    let decision = this.evaluate(action, memory);
    const kill = readKillSwitch(this.env);
    if (kill.on && action.mutating) {
      const reason = kill.reason ?? `the Belay kill switch is on${kill.by ? ` (turned on by ${kill.by}${kill.since ? ` at ${kill.since}` : ''})` : ''}: agents may not change anything until it is turned off`;
      decision = { ...overrule(decision, 'deny', 'belay.kill-switch', reason, true), evaluated: 'deny' };
    }
    // (an unchanged memory is not written again: one commit less per call)
    const remembered = remember(memory, action, decision, this.now());
    if (remembered !== memory) this.receipts.setState(this.memoryKey(action), JSON.stringify(remembered));
    if (envelope.sessionId) this.receipts.openSession({ id: envelope.sessionId, agent: meta.agent, harness: meta.harness });

    // An `ask` for an agent with no confirmation of its own goes to a person in VS Code.
    let approval: { by: string; answer: string; reason?: string } | undefined;
    if (decision.decision === 'ask' && meta.approver) {
      const a = await meta.approver({
        tool: action.tool,
        summary: summarize(action),
        detail: action.command ?? action.content,
        rule: decision.rule,
        reason: decision.reason,
      });
      approval = a;
      if (a.answer === 'always') {
        const rule = alwaysAllowRule({
          workspace: this.workspace,
          tool: action.tool,
          command: action.command,
          paths: touchedPaths(action),
          askedBy: decision.rule,
          by: a.by,
          now: this.now(),
        });
        addPolicyRule(this.workspace, rule);
      }
      const approved = a.answer === 'approve' || a.answer === 'always';
      const rule = approved ? 'approval.approved' : 'approval.denied';
      const reason = approved
        ? `approved by ${a.by}${a.answer === 'always' ? ' (always)' : ''} after: ${decision.reason}`
        : `not approved${a.reason ? ` (${a.reason})` : ''}: ${decision.reason}`;
      decision = overrule(decision, approved ? 'allow' : 'deny', rule, reason);
    }

    // An agent with no confirmation of its own, and no person to ask: the
    // ask stands as the deny the agent is answered with.
    if (decision.decision === 'ask' && !approval && meta.agentAsks === false) {
      decision = overrule(decision, 'deny', decision.rule, `${decision.reason} (${meta.agent} cannot ask a person, so it is denied)`);
    }

    let checkpointBefore: string | undefined;
    if (decision.decision !== 'deny' && action.mutating) {
      try {
        const store = await this.checkpoints();
        const paths = touchedPaths(action);
        // (nothing changed since the last checkpoint, which looked at the same files: that one is the "before")
        const cp = await store.create({ scope: action.pathsKnown ? 'paths' : 'full', paths, kind: 'pre', reuseUnchanged: true });
        checkpointBefore = cp.id;
      } catch (err) {
        // Without a checkpoint the action could not be undone: refuse it.
        const reason = `Belay could not checkpoint before this action, so it could not be undone: ${(err as Error).message}`;
        decision = { ...overrule(decision, decision.mode === 'enforce' ? 'deny' : decision.decision, 'checkpoint.failed', reason), evaluated: 'deny' };
      }
    }
    const blocked = decision.decision === 'deny';
    // (grouped: calls the hook server answers at once share one fsync)
    const receipt = await this.receipts.appendGrouped({
      kind: 'action',
      ...actionFields(envelope, meta, action, decision),
      approver: approval?.by,
      checkpointBefore,
      outcome: blocked ? 'blocked' : action.mutating ? 'pending' : 'done',
      durationMs: blocked || !action.mutating ? Date.now() - started : undefined,
    });
    if (approval) {
      this.receipts.recordApproval({
        receiptId: receipt.id,
        approver: approval.by,
        decision: decision.decision,
        scope: approval.answer === 'always' ? 'always' : 'once',
        reason: approval.reason,
      });
    }
    return { decision, receipt };
  }

  /**
   * PostToolUse: take the "after" checkpoint of the same scope and complete
   * the pending receipt with the files the tool really changed.
   */
  async post(envelope: HookEnvelope, meta: { agent: string; harness?: string }): Promise<Receipt | undefined> {
    const action = envelope.action;
    if (!action) return undefined;
    const pending = envelope.toolUseId
      ? this.receipts.findPending({ sessionId: envelope.sessionId, toolUseId: envelope.toolUseId })
      : undefined;
    if (!pending) {
      if (!action.mutating) return undefined;
      // a second hook of a call another hook already completed
      const twin = envelope.toolUseId ? this.recentlyCompleted(envelope.toolUseId, envelope.sessionId) : undefined;
      if (twin) return twin;
      // A tool ran without its PreToolUse reaching Belay: record what we can.
      const decision = this.evaluate(action);
      return this.receipts.appendGrouped({
        kind: 'unguarded',
        ...actionFields(envelope, meta, action, decision),
        reason: `ran without a PreToolUse check: ${decision.reason}`,
        outcome: 'done',
      });
    }
    let checkpointAfter: string | undefined;
    let changedPaths: ChangedPath[] | undefined;
    if (pending.checkpointBefore) {
      const store = await this.checkpoints();
      const before = await store.get(pending.checkpointBefore);
      const cp =
        before?.scope === 'full'
          ? await store.create({ scope: 'full', paths: touchedPaths(action), kind: 'post', receiptId: pending.id })
          : await store.create({ scope: 'paths', paths: touchedPaths(action), kind: 'post', receiptId: pending.id });
      checkpointAfter = cp.id;
      changedPaths = await store.changes(pending.checkpointBefore, cp.id);
    }
    const startedAt = Date.parse(pending.time);
    return this.receipts.completeGrouped(pending.id, {
      outcome: 'done',
      checkpointAfter,
      changedPaths,
      durationMs: Number.isFinite(startedAt) ? Math.max(0, this.now().getTime() - startedAt) : undefined,
      response: envelope.toolResponse,
    });
  }

  /** A receipt of this call (created within the last hour) that is no longer pending, if any. */
  private recentlyCompleted(toolUseId: string, sessionId: string | undefined): Receipt | undefined {
    const since = new Date(this.now().getTime() - 60 * 60_000).toISOString();
    return this.receipts
      .list({ since, limit: 200, order: 'newest', kind: 'action', sessionId })
      .items.find((r) => r.toolUseId === toolUseId && r.outcome !== 'pending');
  }

  /** Whether a receipt's own change can be undone on its own. */
  static canRollback(r: Receipt): boolean {
    return (
      r.checkpointBefore !== undefined &&
      r.checkpointAfter !== undefined &&
      r.outcome === 'done' &&
      r.rolledBackBy === undefined &&
      (r.changedPaths?.length ?? 0) > 0
    );
  }

  /**
   * Undoes one receipt's change with a three-way merge, keeping later edits;
   * works the same for agent actions and for Belay's own rollbacks/restores
   * (undoing those is "undo restore"). Records a receipt of the rollback.
   */
  async rollback(receiptId: string, opts: { resolve?: 'keep-current' | 'take-before'; sessionId?: string } = {}): Promise<UndoOutcome> {
    const target = this.receipts.get(receiptId);
    if (!target) return { ok: false, code: 'target_missing', message: `no receipt ${receiptId}` };
    const check = this.receipts.verifyReceipt(target.id);
    if (!check.ok) {
      return { ok: false, code: 'tampered', message: `receipt ${target.id} fails verification (${check.problem ?? 'unknown'}); refusing to roll back` };
    }
    if (target.rolledBackBy) return { ok: false, code: 'already_rolled_back', message: `receipt ${target.id} was already rolled back by ${target.rolledBackBy}` };
    if (!target.checkpointBefore || !target.checkpointAfter || target.outcome !== 'done') {
      return { ok: false, code: 'not_undoable', message: `receipt ${target.id} (${target.tool}, ${target.outcome}) changed nothing Belay can undo` };
    }
    const store = await this.checkpoints();
    const paths = (target.changedPaths ?? []).map((c) => c.path);
    const result = await store.rollback({ before: target.checkpointBefore, after: target.checkpointAfter, paths, resolve: opts.resolve });
    const base = {
      kind: 'rollback',
      sessionId: opts.sessionId,
      agent: this.actor,
      tool: 'belay.rollback',
      action: { kind: 'rollback', receipt: target.id },
      rollbackOf: target.id,
    } as const;
    if (!result.ok) {
      const receipt = this.receipts.append({
        ...base,
        decision: 'deny',
        rule: `rollback.${result.code}`,
        reason: result.message,
        outcome: 'failed',
        rollbackData: { conflicts: result.conflicts },
      });
      return { ok: false, code: result.code, message: result.message, receipt, conflicts: result.conflicts };
    }
    const after = await store.create({ scope: 'paths', paths: result.changed.map((c) => c.path), kind: 'post' });
    const receipt = this.receipts.append({
      ...base,
      decision: 'allow',
      rule: 'user.rollback',
      reason: `rolled back ${target.id} (${target.tool})`,
      checkpointBefore: result.safetyCheckpoint,
      checkpointAfter: after.id,
      changedPaths: result.changed,
      outcome: 'done',
      durationMs: result.tookMs,
    });
    this.receipts.complete(target.id, { outcome: 'rolled_back', rolledBackBy: receipt.id });
    const files = result.changed.map((c) => c.path).join(', ') || 'no files';
    return { ok: true, message: `Rolled back ${target.tool} (${target.id}): ${files}`, receipt, changed: result.changed };
  }

  /** Undoes the last N undoable actions of a session, newest first. */
  async rollbackLast(n: number, sessionId?: string): Promise<UndoOutcome[]> {
    const results: UndoOutcome[] = [];
    let cursor: string | undefined;
    while (results.length < n) {
      const page = this.receipts.list({ cursor, limit: 100, order: 'newest', kind: 'action', sessionId });
      for (const r of page.items) {
        if (results.length >= n) break;
        if (!Guard.canRollback(r)) continue;
        const outcome = await this.rollback(r.id, { sessionId });
        results.push(outcome);
        if (!outcome.ok) return results;
      }
      if (!page.hasMore || !page.nextCursor) break;
      cursor = page.nextCursor;
    }
    return results;
  }

  /** Restores a whole checkpoint (or some of its files); the restore is itself undoable. */
  async restore(checkpointId: string, opts: { paths?: string[] } = {}): Promise<UndoOutcome> {
    const store = await this.checkpoints();
    const base = { kind: 'restore', agent: this.actor, tool: 'belay.restore', action: { kind: 'restore', checkpoint: checkpointId, paths: opts.paths } } as const;
    let result;
    try {
      result = await store.restore(checkpointId, opts);
    } catch (err) {
      const code = (err as { code?: string }).code ?? 'failed';
      const message = (err as Error).message;
      const receipt = this.receipts.append({ ...base, decision: 'deny', rule: `restore.${code}`, reason: message, outcome: 'failed' });
      return { ok: false, code, message, receipt };
    }
    const after = await store.create({ scope: 'paths', paths: result.restored.map((c) => c.path), kind: 'post' });
    const receipt = this.receipts.append({
      ...base,
      decision: 'allow',
      rule: 'user.restore',
      reason: `restored checkpoint ${checkpointId}`,
      checkpointBefore: result.safetyCheckpoint,
      checkpointAfter: after.id,
      changedPaths: result.restored,
      outcome: 'done',
      durationMs: result.tookMs,
      rollbackData: { restoreId: result.restoreId },
    });
    return { ok: true, message: `Restored checkpoint ${checkpointId}: ${result.restored.length} file(s)`, receipt, changed: result.restored };
  }

  /**
   * Records files that changed while an agent session was open with no
   * receipt to explain them (a hook that did not report, a tool nobody
   * announced). The change is checkpointed so it can be rolled back: its
   * "before" is the store's last known state of those files.
   */
  async recordUnguarded(relPaths: string[], session?: { id: string; agent: string }): Promise<Receipt | undefined> {
    if (relPaths.length === 0) return undefined;
    const store = await this.checkpoints();
    const [latest] = await store.list({ limit: 1 });
    const after = await store.create({ scope: 'paths', paths: relPaths, kind: 'auto' });
    const changed = latest ? await store.changes(latest.id, after.id) : after.changed;
    if (changed.length === 0) return undefined;
    const reason = `changed while ${session ? `${session.agent} session ${session.id}` : 'an agent session'} was open, and no hook reported it`;
    return this.receipts.appendGrouped({
      kind: 'unguarded',
      sessionId: session?.id,
      agent: session?.agent ?? 'unknown',
      tool: 'file-change',
      action: { kind: 'write', writes: changed.map((c) => path.join(this.workspace, c.path)), pathsKnown: true, mutating: true },
      decision: 'allow',
      rule: 'belay.unguarded-change',
      reason,
      checkpointBefore: latest?.id,
      checkpointAfter: after.id,
      changedPaths: changed,
      outcome: 'done',
    });
  }

  /**
   * Housekeeping the receipt settings ask for: pending receipts whose
   * completion never came (`belay.receipts.pendingTimeoutMinutes`) are marked
   * abandoned, and receipts older than `belay.receipts.retentionDays` are
   * pruned behind a signed anchor, at most once a day. Long-lived callers
   * (the extension, the hook server) run it now and then; hooks run it at
   * session boundaries.
   */
  maintain(): { abandoned: number; packed: number; pruned?: PruneResult } {
    const { settings } = loadWorkspaceSettings(this.workspace);
    const now = this.now();
    const abandoned = this.receipts.markAbandoned(settingValue(settings, 'belay.receipts.pendingTimeoutMinutes') * 60_000, now);
    // bodies hook calls stored compacted to answer sooner
    const packed = this.receipts.packBodies();
    const days = settingValue(settings, 'belay.receipts.retentionDays');
    if (days <= 0) return { abandoned, packed };
    const last = Date.parse(this.receipts.getState(LAST_PRUNE_KEY) ?? '');
    if (Number.isFinite(last) && now.getTime() - last < 86_400_000) return { abandoned, packed };
    const pruned = this.receipts.prune({ olderThanDays: days, now });
    this.receipts.setState(LAST_PRUNE_KEY, now.toISOString());
    return { abandoned, packed, pruned };
  }

  /** Turns the kill switch on or off for every agent and records who did it. */
  setKillSwitch(on: boolean): { state: KillSwitchState; receipt: Receipt } {
    const state = setKillSwitch(on, this.actor, this.env, this.now());
    const receipt = this.receipts.append({
      kind: 'kill_switch',
      agent: this.actor,
      tool: 'belay.kill-switch',
      action: { kind: 'kill_switch', on },
      decision: 'allow',
      rule: 'user.kill-switch',
      reason: on ? 'kill switch turned on: every agent is denied mutating actions' : 'kill switch turned off',
      outcome: 'done',
    });
    return { state, receipt };
  }

  /** Path of a changed file inside the workspace, for diffs. */
  relative(p: string): string | undefined {
    return relativeInside(this.workspace, p);
  }

  async close(): Promise<void> {
    if (this.checkpointStore) await (await this.checkpointStore).close();
    this.receipts.close();
  }
}
