import { z } from 'zod';
import { policySchema } from '../policy/schema.ts';

/**
 * Every Belay setting, written once in zod. `npm run gen:manifest` turns this
 * into package.json's contributes.configuration, and a unit test fails when
 * package.json is stale. Keys are the full setting ids.
 */
export const settingsSchema = {
  'belay.policy': policySchema,
  'belay.checkpoints.maxFileSizeMB': z
    .number()
    .min(0)
    .max(1024)
    .default(20)
    .describe('Files larger than this (in MB) are left out of full-scan checkpoints. A file an agent action is about to change is always captured.'),
  'belay.checkpoints.exclude': z
    .array(z.string())
    .default([])
    .describe('Extra gitignore-style patterns left out of full-scan checkpoints (dependency and build folders such as node_modules are left out already).'),
  'belay.checkpoints.retention.maxCount': z
    .number()
    .int()
    .min(0)
    .default(2000)
    .describe('Keep at most this many checkpoints (0 = no limit). Checkpoints that young receipts still refer to are always kept.'),
  'belay.checkpoints.retention.maxAgeDays': z
    .number()
    .min(0)
    .default(30)
    .describe('Drop checkpoints older than this many days (0 = no limit) when garbage-collecting.'),
  'belay.checkpoints.retention.maxSizeMB': z
    .number()
    .min(0)
    .default(2048)
    .describe('Keep the checkpoint store under this size in MB (0 = no limit) when garbage-collecting.'),
  'belay.receipts.pendingTimeoutMinutes': z
    .number()
    .min(1)
    .default(30)
    .describe('A receipt whose action never reported completion is marked abandoned after this many minutes.'),
  'belay.receipts.retentionDays': z
    .number()
    .min(0)
    .default(0)
    .describe('Prune receipts older than this many days, keeping the chain verifiable (0 = keep all).'),
  'belay.approvals.timeoutSeconds': z
    .number()
    .min(5)
    .max(3600)
    .default(45)
    .describe(
      'How long Belay waits for a person to approve an action an agent cannot confirm on its own (Codex, Copilot CLI, Claude Code without prompts). No answer means deny. Keep it below the agent\'s hook timeout.',
    ),
} as const;

export type SettingKey = keyof typeof settingsSchema;

/**
 * One setting's value from the flattened workspace settings, or its default
 * when it is missing or invalid (an invalid value is reported by whoever
 * validates the file; maintenance must still run).
 */
export function settingValue<K extends SettingKey>(settings: Record<string, unknown>, key: K): z.output<(typeof settingsSchema)[K]> {
  const schema = settingsSchema[key] as z.ZodType;
  const parsed = schema.safeParse(settings[key]);
  return (parsed.success ? parsed.data : schema.parse(undefined)) as z.output<(typeof settingsSchema)[K]>;
}

interface JsonSchema {
  [key: string]: unknown;
}

/** One VS Code configuration property per setting, from its zod schema. */
export function configurationProperties(): Record<string, JsonSchema> {
  const out: Record<string, JsonSchema> = {};
  for (const [key, schema] of Object.entries(settingsSchema)) {
    const json = z.toJSONSchema(schema as z.ZodType, { target: 'draft-7', io: 'input', unrepresentable: 'any' }) as JsonSchema;
    delete json.$schema;
    const description = (schema as z.ZodType).description;
    const property: JsonSchema = { ...json, scope: 'resource' };
    if (description) {
      delete property.description;
      property.markdownDescription = description;
    }
    if (key === 'belay.policy') property.order = 0;
    out[key] = property;
  }
  return out;
}

/** The contributes.configuration block of package.json. */
export function configurationContribution(): JsonSchema {
  return { title: 'Belay', properties: configurationProperties() };
}
