import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { NormalizedAction } from '../../../../src/core/policy/action.ts';
import { normalizeGeneric } from '../../../../src/core/policy/adapters.ts';
import { decide, emptyMemory, initPolicyEngine, loadPolicy, type Decision, type DecisionContext, type LoadedPolicy } from '../../../../src/core/policy/engine.ts';

/** A real temporary workspace and home directory, removed by `cleanup()`. */
export interface TempWorld {
  root: string;
  workspace: string;
  home: string;
  /** writes a file (relative to the workspace unless absolute) */
  file(rel: string, content?: string): string;
  dir(rel: string): string;
  /** creates a symlink at `rel` pointing to `target` (as given) */
  link(rel: string, target: string): string;
  cleanup(): void;
}

export function tempWorld(branch = 'feature-x'): TempWorld {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'belay-policy-')));
  const workspace = path.join(root, 'workspace');
  const home = path.join(root, 'home');
  fs.mkdirSync(path.join(workspace, '.git'), { recursive: true });
  fs.mkdirSync(home, { recursive: true });
  fs.writeFileSync(path.join(workspace, '.git', 'HEAD'), `ref: refs/heads/${branch}\n`);
  const abs = (rel: string): string => (path.isAbsolute(rel) ? rel : path.join(workspace, rel));
  return {
    root,
    workspace,
    home,
    file(rel, content = 'x\n') {
      const p = abs(rel);
      fs.mkdirSync(path.dirname(p), { recursive: true });
      fs.writeFileSync(p, content);
      return p;
    },
    dir(rel) {
      const p = abs(rel);
      fs.mkdirSync(p, { recursive: true });
      return p;
    },
    link(rel, target) {
      const p = abs(rel);
      fs.mkdirSync(path.dirname(p), { recursive: true });
      fs.symlinkSync(target, p);
      return p;
    },
    cleanup() {
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}

export async function ready(): Promise<void> {
  await initPolicyEngine();
}

export function act(w: TempWorld, tool: string, input: Record<string, unknown>, extra: { caseInsensitive?: boolean; cwd?: string } = {}): NormalizedAction {
  return normalizeGeneric({ tool, input }, { workspaceRoots: [w.workspace], home: w.home, ...extra });
}

export function sh(w: TempWorld, command: string): NormalizedAction {
  return act(w, 'shell', { command });
}

export function ctxFor(w: TempWorld, over: Partial<DecisionContext> = {}): DecisionContext {
  return { workspaceRoots: [w.workspace], home: w.home, now: new Date('2026-03-17T10:00:00+01:00'), branch: 'feature-x', memory: emptyMemory(), ...over };
}

export function judge(w: TempWorld, tool: string, input: Record<string, unknown>, opts: { policy?: LoadedPolicy; ctx?: Partial<DecisionContext>; caseInsensitive?: boolean } = {}): Decision {
  const a = act(w, tool, input, opts.caseInsensitive ? { caseInsensitive: true } : {});
  return decide(a, opts.policy ?? loadPolicy({}), ctxFor(w, { ...(opts.caseInsensitive ? { caseInsensitive: true } : {}), ...opts.ctx }));
}

export function judgeShell(w: TempWorld, command: string, opts: { policy?: LoadedPolicy; ctx?: Partial<DecisionContext> } = {}): Decision {
  return judge(w, 'shell', { command }, opts);
}

export function rules(d: Decision): string[] {
  return d.matches.map((m) => m.rule);
}

/** Asserts a decision, and (when given) the rule that made it; `what` names the case in the message. */
export function expectDecision(d: Decision, decision: Decision['decision'], rule: string | undefined, what: string): void {
  assert.equal(d.decision, decision, `${what}: ${d.decision} (${d.rule}: ${d.reason})`);
  if (rule) assert.equal(d.rule, rule, `${what}: decided by ${d.rule}`);
}
