import { z } from 'zod';
import type { CheckpointStoreOptions } from './types.ts';

/**
 * The `belay.checkpoints.*` workspace settings: size threshold, exclusions
 * and retention. Written once here in zod so the settings manifest can be
 * generated from it; read by the CLI and the extension alike.
 */
export const checkpointSettingsSchema = z.object({
  maxFileSizeBytes: z.number().int().positive().optional().describe('Files larger than this are left out of full-scan checkpoints (files an agent action touches are always captured). Default 10 MiB.'),
  exclude: z.array(z.string()).optional().describe('Extra gitignore-style patterns left out of full-scan checkpoints; "!pattern" re-includes a default exclusion.'),
  retention: z
    .object({
      maxCount: z.number().int().positive().optional().describe('Keep at most this many checkpoints (default 5000).'),
      maxAgeDays: z.number().positive().optional().describe('Drop checkpoints older than this many days unless a receipt still references them (default 30).'),
      maxSizeBytes: z.number().int().positive().optional().describe('Drop the oldest checkpoints while the store is larger than this (default 5 GiB).'),
    })
    .optional(),
});

export type CheckpointSettings = z.infer<typeof checkpointSettingsSchema>;

/**
 * Store options from flattened `belay.*` settings (either
 * `"belay.checkpoints.retention.maxCount": 100` or a nested
 * `"belay.checkpoints": { "retention": { … } }`). Invalid values are
 * reported, not silently ignored.
 */
export function checkpointOptionsFromSettings(settings: Record<string, unknown>): { options: Partial<CheckpointStoreOptions>; error?: string } {
  const nested: Record<string, unknown> = {};
  const base = settings['belay.checkpoints'];
  if (base && typeof base === 'object' && !Array.isArray(base)) Object.assign(nested, base);
  for (const [key, value] of Object.entries(settings)) {
    if (!key.startsWith('belay.checkpoints.')) continue;
    const parts = key.slice('belay.checkpoints.'.length).split('.');
    let node = nested;
    for (const part of parts.slice(0, -1)) {
      const next = node[part];
      node = (next && typeof next === 'object' && !Array.isArray(next) ? next : (node[part] = {})) as Record<string, unknown>;
    }
    node[parts[parts.length - 1]!] = value;
  }
  const parsed = checkpointSettingsSchema.safeParse(nested);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { options: {}, error: `belay.checkpoints.${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}` };
  }
  const options: Partial<CheckpointStoreOptions> = {};
  if (parsed.data.maxFileSizeBytes !== undefined) options.maxFileSizeBytes = parsed.data.maxFileSizeBytes;
  if (parsed.data.exclude !== undefined) options.exclude = parsed.data.exclude;
  if (parsed.data.retention !== undefined) {
    const r = parsed.data.retention;
    options.retention = {
      ...(r.maxCount !== undefined ? { maxCount: r.maxCount } : {}),
      ...(r.maxAgeDays !== undefined ? { maxAgeDays: r.maxAgeDays } : {}),
      ...(r.maxSizeBytes !== undefined ? { maxSizeBytes: r.maxSizeBytes } : {}),
    };
  }
  return { options };
}
