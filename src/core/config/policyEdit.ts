import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { applyEdits, modify, parse } from 'jsonc-parser';
import { settingsFile } from './workspaceSettings.ts';

export interface AlwaysAllowRule {
  id: string;
  effect: 'allow';
  reason: string;
  tools: string[];
  commands?: string[];
  paths?: string[];
  overrides?: string[];
}

/**
 * Builds the workspace rule a person's "Always allow" stands for: the same
 * tool with the same command (or the same paths), lifting the built-in rule
 * that asked. Paths are stored workspace-relative and anchored.
 */
export function alwaysAllowRule(opts: {
  workspace: string;
  tool: string;
  command?: string;
  paths: string[];
  askedBy: string;
  by: string;
  now: Date;
}): AlwaysAllowRule {
  const rel = opts.paths.map((p) => {
    const r = path.relative(opts.workspace, p).split(path.sep).join('/');
    return r && !r.startsWith('..') && !path.isAbsolute(r) ? `/${r}` : `abs:${p}`;
  });
  const key = JSON.stringify([opts.tool, opts.command ?? '', rel, opts.askedBy]);
  const rule: AlwaysAllowRule = {
    id: `always.${crypto.createHash('sha256').update(key).digest('hex').slice(0, 10)}`,
    effect: 'allow',
    reason: `Always allowed by ${opts.by} on ${opts.now.toISOString().slice(0, 10)} (asked by ${opts.askedBy})`,
    tools: [opts.tool],
  };
  if (opts.command) rule.commands = [opts.command];
  else if (rel.length > 0) rule.paths = rel;
  if (!opts.askedBy.startsWith('approval.') && opts.askedBy.includes('.')) rule.overrides = [opts.askedBy];
  return rule;
}

/**
 * Appends a rule to `belay.policy.rules` in the workspace's
 * .vscode/settings.json, keeping the file's comments and formatting; does
 * nothing when a rule with that id is already there. Atomic write.
 */
export function addPolicyRule(workspace: string, rule: AlwaysAllowRule): boolean {
  const file = settingsFile(workspace);
  let text = '{}\n';
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const root = (parse(text) ?? {}) as Record<string, unknown>;
  const policy = (root['belay.policy'] ?? {}) as { rules?: Array<{ id?: string }> };
  if (Array.isArray(policy.rules) && policy.rules.some((r) => r?.id === rule.id)) return false;
  const index = Array.isArray(policy.rules) ? policy.rules.length : undefined;
  const edits =
    index === undefined
      ? modify(text, ['belay.policy', 'rules'], [rule], { formattingOptions: { insertSpaces: true, tabSize: 2 } })
      : modify(text, ['belay.policy', 'rules', index], rule, { formattingOptions: { insertSpaces: true, tabSize: 2 }, isArrayInsertion: true });
  const next = applyEdits(text, edits);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, next);
  fs.renameSync(tmp, file);
  return true;
}
