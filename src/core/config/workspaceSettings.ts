import fs from 'node:fs';
import path from 'node:path';
import { parse, printParseErrorCode, type ParseError } from 'jsonc-parser';
import { absent } from './files.ts';

/** `belay.*` settings of a workspace, keyed by their full dotted name. */
export type BelaySettings = Record<string, unknown>;

export interface SettingsLoad {
  settings: BelaySettings;
  /** the file read, when it exists */
  file?: string;
  /** a problem reading or parsing the file: the policy must then fail closed */
  error?: { setting: string; message: string };
}

/** Where VS Code keeps a folder's workspace settings. */
export function settingsFile(workspace: string): string {
  return path.join(workspace, '.vscode', 'settings.json');
}

function lineOf(text: string, offset: number): number {
  return text.slice(0, offset).split('\n').length;
}

/**
 * Reads the `belay.*` keys of `.vscode/settings.json` (JSONC, as VS Code
 * writes it), flattening nested `"belay": { "policy": … }` forms to dotted
 * keys. A missing file means defaults; an unreadable or malformed one is
 * reported so callers fail closed.
 */
export function loadWorkspaceSettings(workspace: string): SettingsLoad {
  const file = settingsFile(workspace);
  // (a workspace often has none; see absent)
  if (absent(file)) return { settings: {} };
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { settings: {} };
    return { settings: {}, file, error: { setting: file, message: `cannot read ${file}: ${(err as Error).message}` } };
  }
  const errors: ParseError[] = [];
  const root: unknown = parse(text, errors, { allowTrailingComma: true, disallowComments: false });
  if (errors.length > 0) {
    const first = errors[0]!;
    return {
      settings: {},
      file,
      error: { setting: file, message: `${file}:${lineOf(text, first.offset)}: ${printParseErrorCode(first.error)}` },
    };
  }
  if (root === undefined || root === null) return { settings: {}, file };
  if (typeof root !== 'object' || Array.isArray(root)) {
    return { settings: {}, file, error: { setting: file, message: `${file}: expected a JSON object` } };
  }
  const settings: BelaySettings = {};
  const visit = (prefix: string, value: unknown): void => {
    settings[prefix] = value;
  };
  for (const [key, value] of Object.entries(root as Record<string, unknown>)) {
    if (key === 'belay' && value && typeof value === 'object' && !Array.isArray(value)) {
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) visit(`belay.${k}`, v);
    } else if (key.startsWith('belay.')) {
      visit(key, value);
    }
  }
  return { settings, file };
}
