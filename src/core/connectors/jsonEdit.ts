import { createScanner, findNodeAtLocation, parse, parseTree, printParseErrorCode, type FormattingOptions, type JSONPath, type Node, type ParseError } from 'jsonc-parser';

// jsonc-parser's SyntaxKind is an ambient const enum (not usable under isolated modules): its values.
const LINE_COMMENT = 12;
const BLOCK_COMMENT = 13;
const EOF = 17;

/**
 * Editing agents' JSON configuration files the way a person would: only the
 * values Belay owns change; the user's other settings, their order, their
 * comments and their indentation stay as they were (jsonc-parser's `modify`
 * computes minimal text edits).
 */

/** A configuration file Belay refuses to touch, with why and where. */
export class ConnectError extends Error {
  readonly file: string | undefined;
  constructor(message: string, file?: string) {
    super(message);
    this.name = 'ConnectError';
    this.file = file;
  }
}

/** Parses JSON with comments; a syntax error is a ConnectError naming the line and column. */
export function parseConfig(text: string, file: string): unknown {
  const errors: ParseError[] = [];
  const value: unknown = parse(text, errors, { allowTrailingComma: true, disallowComments: false, allowEmptyContent: true });
  const first = errors[0];
  if (first) {
    const { line, column } = position(text, first.offset);
    throw new ConnectError(`${file} is not valid JSON (${describe(printParseErrorCode(first.error))} at line ${line}, column ${column}); Belay left it untouched — fix it and run belay connect again`, file);
  }
  if (text.trim() === '') return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ConnectError(`${file} does not hold a JSON object; Belay left it untouched`, file);
  }
  return value;
}

function describe(code: string): string {
  return code.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}

function position(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  return { line, column };
}

/** Indentation and line ending as the file already uses them (2 spaces and \n for a new file). */
export function detectFormatting(text: string): FormattingOptions {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const indented = /^([ \t]+)\S/m.exec(text);
  if (indented && (indented[1] as string).startsWith('\t')) return { insertSpaces: false, tabSize: 4, eol };
  const size = indented ? (indented[1] as string).length : 2;
  return { insertSpaces: true, tabSize: size > 0 && size <= 8 ? size : 2, eol };
}

/*
 * Edits are made by hand rather than with jsonc-parser's `modify`, whose
 * formatter rewrites the whole line around an edit (a user's one-line hook
 * entry next to Belay's would be reflowed). Here only Belay's own text is
 * inserted or removed, indented like its neighbours.
 */

function nodeAt(text: string, path: JSONPath, file = 'the file'): Node {
  const root = parseTree(text, [], { allowTrailingComma: true, disallowComments: false });
  const node = root && (path.length === 0 ? root : findNodeAtLocation(root, path));
  if (!node) throw new ConnectError(`${file}: nothing at ${path.join('.')}`, file);
  return node;
}

function lineStart(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

/** The whitespace a line starts with. */
function indentOf(text: string, offset: number): string {
  const start = lineStart(text, offset);
  return /^[ \t]*/.exec(text.slice(start))?.[0] ?? '';
}

/** Whether only whitespace precedes `offset` on its line. */
function startsLine(text: string, offset: number): boolean {
  return /^[ \t]*$/.test(text.slice(lineStart(text, offset), offset));
}

function unit(fmt: FormattingOptions): string {
  return fmt.insertSpaces ? ' '.repeat(fmt.tabSize ?? 2) : '\t';
}

/** The indentation for a new child of the object or array `node`: as its existing children, else one level in. */
function childIndent(text: string, node: Node, fmt: FormattingOptions): string {
  const first = node.children?.[0];
  if (first && startsLine(text, first.offset)) return indentOf(text, first.offset);
  return indentOf(text, node.offset) + unit(fmt);
}

function render(value: unknown, indent: string, fmt: FormattingOptions): string {
  return JSON.stringify(value, null, unit(fmt)).split('\n').join((fmt.eol ?? '\n') + indent);
}

function splice(text: string, from: number, to: number, insert: string): string {
  return text.slice(0, from) + insert + text.slice(to);
}

/** Inserts `member` (an array item, or `"key": value`) as the last child of the container `node`. */
function appendChild(text: string, node: Node, member: (indent: string) => string): string {
  const fmt = detectFormatting(text);
  const eol = fmt.eol ?? '\n';
  const children = node.children ?? [];
  const indent = childIndent(text, node, fmt);
  const last = children[children.length - 1];
  if (!last) {
    const close = node.offset + node.length - 1;
    return splice(text, node.offset + 1, close, eol + indent + member(indent) + eol + indentOf(text, node.offset));
  }
  const end = last.offset + last.length;
  return splice(text, end, end, ',' + eol + indent + member(indent));
}

/** Appends `value` to the array at `path` (which must exist). */
export function appendValue(text: string, path: JSONPath, value: unknown, file?: string): string {
  const node = nodeAt(text, path, file);
  if (node.type !== 'array') throw new ConnectError(`${file ?? 'the file'}: ${path.join('.')} is not a list`, file);
  return appendChild(text, node, (indent) => render(value, indent, detectFormatting(text)));
}

/** Adds the member `key` (which must not exist yet) to the object at `path`; an empty text becomes `{}` first. */
export function addMember(text: string, path: JSONPath, key: string, value: unknown, file?: string): string {
  if (text.trim() === '') text = '{}';
  const node = nodeAt(text, path, file);
  if (node.type !== 'object') throw new ConnectError(`${file ?? 'the file'}: ${path.join('.') || 'the document'} is not an object`, file);
  return appendChild(text, node, (indent) => `${JSON.stringify(key)}: ${render(value, indent, detectFormatting(text))}`);
}

/**
 * Removes the array item or object member at `path` with the separator and
 * line it sat on, leaving its neighbours as they were.
 */
export function removeAt(text: string, path: JSONPath, file?: string): string {
  const target = nodeAt(text, path, file);
  // An object member is the property node (key and value), its parent the object.
  const item = target.parent?.type === 'property' ? target.parent : target;
  const container = item.parent;
  if (!container) throw new ConnectError(`${file ?? 'the file'}: cannot remove the whole document`, file);
  const siblings = container.children ?? [];
  const i = siblings.indexOf(item);
  if (siblings.length === 1) {
    return splice(text, container.offset + 1, container.offset + container.length - 1, '');
  }
  if (i < siblings.length - 1) {
    const next = siblings[i + 1] as Node;
    const from = startsLine(text, item.offset) ? lineStart(text, item.offset) : item.offset;
    const to = startsLine(text, next.offset) ? lineStart(text, next.offset) : next.offset;
    return splice(text, from, to, '');
  }
  const prev = siblings[i - 1] as Node;
  return splice(text, prev.offset + prev.length, item.offset + item.length, '');
}

/** Whether the text holds a comment (then a file emptied of Belay's entries is kept, not deleted). */
export function hasComments(text: string): boolean {
  const scanner = createScanner(text, false);
  for (let kind: number = scanner.scan(); kind !== EOF; kind = scanner.scan()) {
    if (kind === LINE_COMMENT || kind === BLOCK_COMMENT) return true;
  }
  return false;
}

/** Splits off a UTF-8 byte order mark so edits work on the text and the mark is written back. */
export function splitBom(text: string): { bom: string; body: string } {
  return text.startsWith('\uFEFF') ? { bom: '\uFEFF', body: text.slice(1) } : { bom: '', body: text };
}
