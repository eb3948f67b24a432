import type { JSONPath } from 'jsonc-parser';
import { belayHookDialect, type HookDialect } from './commands.ts';
import { addMember, appendValue, ConnectError, hasComments, parseConfig, removeAt, splitBom } from './jsonEdit.ts';

/**
 * The two shapes agents give their hook files:
 * - `grouped` (Claude Code, Codex): `hooks.<Event>` is a list of matcher
 *   groups `{ matcher?, hooks: [handler, …] }`;
 * - `flat` (Cursor, Copilot CLI, VS Code): `hooks.<event>` is a list of
 *   handlers.
 */
export type HooksLayout = 'grouped' | 'flat';

/** One hook Belay wants in a file. */
export interface HookEntry {
  event: string;
  /** grouped layout: the matcher of the group Belay adds (absent: every occurrence) */
  matcher?: string;
  /** the handler object exactly as the agent reads it */
  handler: Record<string, unknown>;
}

export interface HooksFileSpec {
  layout: HooksLayout;
  /** top-level members the agent needs (e.g. Cursor's `"version": 1`), added when missing */
  header?: Record<string, unknown>;
  /** top-level members written only into a file Belay creates (optional for the agent) */
  headerOnCreate?: Record<string, unknown>;
}

/** A Belay handler found in a file. */
export interface FoundHook {
  event: string;
  dialect: HookDialect;
  handler: Record<string, unknown>;
  /** grouped layout: the group's matcher and how many handlers the group holds */
  group?: { matcher: unknown; size: number };
  path: JSONPath;
}

/** Handler members that hold a command line, across the agents' formats. */
const COMMAND_KEYS = ['command', 'bash', 'powershell', 'windows', 'linux', 'osx', 'commandWindows'];

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function handlerDialect(handler: unknown): HookDialect | undefined {
  if (!isObject(handler)) return undefined;
  for (const key of COMMAND_KEYS) {
    const v = handler[key];
    if (typeof v === 'string') {
      const d = belayHookDialect(v);
      if (d) return d;
    }
  }
  return undefined;
}

/** The `hooks` object of a parsed file, checked to be an object (or absent). */
function hooksOf(doc: Record<string, unknown>, file: string): Record<string, unknown> | undefined {
  const hooks = doc.hooks;
  if (hooks === undefined) return undefined;
  if (!isObject(hooks)) throw new ConnectError(`${file}: "hooks" is not an object; Belay left the file untouched`, file);
  return hooks;
}

/** Every Belay handler in the document, in file order. */
export function findBelayHooks(doc: Record<string, unknown>, layout: HooksLayout, file: string): FoundHook[] {
  const hooks = hooksOf(doc, file);
  if (!hooks) return [];
  const found: FoundHook[] = [];
  for (const [event, list] of Object.entries(hooks)) {
    if (!Array.isArray(list)) continue;
    list.forEach((item: unknown, i) => {
      if (layout === 'flat') {
        const dialect = handlerDialect(item);
        if (dialect) found.push({ event, dialect, handler: item as Record<string, unknown>, path: ['hooks', event, i] });
        return;
      }
      if (!isObject(item) || !Array.isArray(item.hooks)) return;
      const inner = item.hooks as unknown[];
      inner.forEach((handler, j) => {
        const dialect = handlerDialect(handler);
        if (dialect) {
          found.push({
            event,
            dialect,
            handler: handler as Record<string, unknown>,
            group: { matcher: item.matcher, size: inner.length },
            path: ['hooks', event, i, 'hooks', j],
          });
        }
      });
    });
  }
  return found;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  }
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

/**
 * Whether the Belay hooks in the file are exactly `entries`: per event the
 * same handlers (and, grouped, each alone in a group with the same matcher),
 * and none elsewhere. The order of the events in the file does not matter.
 */
export function matchesEntries(found: FoundHook[], entries: HookEntry[], layout: HooksLayout): boolean {
  if (found.length !== entries.length) return false;
  const events = new Set(entries.map((e) => e.event));
  if (found.some((f) => !events.has(f.event))) return false;
  for (const event of events) {
    const want = entries.filter((e) => e.event === event);
    const have = found.filter((f) => f.event === event);
    if (want.length !== have.length) return false;
    const same = want.every((e, i) => {
      const f = have[i] as FoundHook;
      if (!deepEqual(f.handler, e.handler)) return false;
      return layout === 'flat' || (f.group !== undefined && f.group.size === 1 && f.group.matcher === e.matcher);
    });
    if (!same) return false;
  }
  return true;
}

/** Removes every Belay handler (and groups and event lists left empty), one edit at a time. */
function stripBelayHooks(text: string, layout: HooksLayout, file: string): string {
  for (;;) {
    const doc = parseConfig(text, file) as Record<string, unknown>;
    const first = findBelayHooks(doc, layout, file)[0];
    if (!first) return text;
    const removeGroup = first.group !== undefined && first.group.size === 1;
    text = removeAt(text, removeGroup ? first.path.slice(0, 3) : first.path, file);
    const after = hooksOf(parseConfig(text, file) as Record<string, unknown>, file);
    const list = after?.[first.event];
    if (Array.isArray(list) && list.length === 0) text = removeAt(text, ['hooks', first.event], file);
  }
}

function withEol(text: string): string {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  return text.endsWith('\n') ? text : text + eol;
}

/**
 * The file's text with exactly `entries` as its Belay hooks: the same text
 * when it already has them (connecting twice changes nothing); otherwise
 * Belay's old hooks are removed and the new ones appended to each event's
 * list, after the user's own hooks, which are kept as they were.
 */
export function connectText(before: string | undefined, entries: HookEntry[], spec: HooksFileSpec, file: string): string {
  const { bom, body } = splitBom(before ?? '');
  const doc = parseConfig(body, file) as Record<string, unknown>;
  const hooks = hooksOf(doc, file);
  for (const e of entries) {
    const list = hooks?.[e.event];
    if (list !== undefined && !Array.isArray(list)) {
      throw new ConnectError(`${file}: "hooks.${e.event}" is not a list; Belay left the file untouched`, file);
    }
    if (spec.layout === 'grouped' && Array.isArray(list) && list.some((g) => !isObject(g))) {
      throw new ConnectError(`${file}: "hooks.${e.event}" holds something other than matcher groups; Belay left the file untouched`, file);
    }
  }
  const header = { ...(before === undefined || before.trim() === '' ? spec.headerOnCreate : {}), ...spec.header };
  const missingHeader = Object.entries(header).filter(([k]) => doc[k] === undefined);
  if (before !== undefined && missingHeader.length === 0 && matchesEntries(findBelayHooks(doc, spec.layout, file), entries, spec.layout)) {
    return before;
  }
  let text = stripBelayHooks(body, spec.layout, file);
  for (const [k, v] of missingHeader) text = addMember(text, [], k, v, file);
  for (const e of entries) {
    const item = spec.layout === 'grouped' ? { ...(e.matcher !== undefined ? { matcher: e.matcher } : {}), hooks: [e.handler] } : e.handler;
    const now = hooksOf(parseConfig(text, file) as Record<string, unknown>, file);
    if (!now) text = addMember(text, [], 'hooks', { [e.event]: [item] }, file);
    else if (Array.isArray(now[e.event])) text = appendValue(text, ['hooks', e.event], item, file);
    else text = addMember(text, ['hooks'], e.event, [item], file);
  }
  return bom + withEol(text);
}

/**
 * The file's text without Belay's hooks, or `undefined` (delete the file)
 * when nothing of the user's is left: no other settings, no other hooks, no
 * comments. A file without Belay hooks is returned unchanged.
 */
export function disconnectText(before: string | undefined, spec: HooksFileSpec, file: string): string | undefined {
  if (before === undefined) return undefined;
  const { bom, body } = splitBom(before);
  const doc = parseConfig(body, file) as Record<string, unknown>;
  if (findBelayHooks(doc, spec.layout, file).length === 0) return before;
  let text = stripBelayHooks(body, spec.layout, file);
  const left = parseConfig(text, file) as Record<string, unknown>;
  const hooks = hooksOf(left, file);
  if (hooks && Object.keys(hooks).length === 0) text = removeAt(text, ['hooks'], file);
  const rest = parseConfig(text, file) as Record<string, unknown>;
  const header = { ...spec.headerOnCreate, ...spec.header };
  const userKeys = Object.keys(rest).filter((k) => !(k in header && deepEqual(rest[k], header[k])));
  if (userKeys.length === 0 && !hasComments(text)) return undefined;
  return bom + withEol(text);
}
