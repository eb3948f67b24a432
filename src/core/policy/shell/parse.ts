import { Language, Parser, type Node as SyntaxNode, type TreeCursor } from 'web-tree-sitter';
import { assetPath } from '../../config/runtimeInfo.ts';
import { fastParse } from './fastLex.ts';
import type { Assign, Node, Part, Redirect, Script, Word } from './ir.ts';

/**
 * Bash parsing with tree-sitter-bash (WASM). `initShellParser()` loads the
 * grammar once per process; after that `parseShell()` is synchronous.
 *
 * The loaded parser is the one piece of module state in the policy engine:
 * WASM initialisation is asynchronous and process-wide by nature, and every
 * caller (hook, CLI, extension) needs the same instance.
 */

interface Loaded {
  parser: Parser;
  /** lines seen at least twice, least recently used first */
  cache: Map<string, Script>;
  /** lines seen once, in a ring of FRESH_LIMIT slots: a line seen again soon is moved to the cache (the same script) */
  freshText: (string | undefined)[];
  freshScript: (Script | undefined)[];
  /** the slot the next line seen once takes (the oldest) */
  freshNext: number;
}

let loading: Promise<Loaded> | undefined;
let loaded: Loaded | undefined;

const CACHE_LIMIT = 2048;
const CACHE_MAX_TEXT = 4096;
/**
 * Lines seen once are kept only until FRESH_LIMIT other lines have been
 * parsed: enough for the same call normalised twice (before and after it
 * runs) to be cached, short enough that the trees of lines never seen again
 * die young. Keeping each of them for CACHE_LIMIT lines meant every tree
 * alive at a scavenge was promoted to the old generation, which cost more
 * garbage collection than the cache saved on lines that never repeat.
 *
 * They are kept in a ring of slots, not a Map: a long-lived Map that is
 * written and pruned all the time is rehashed again and again, and each
 * table it leaves behind (in the old generation, until a full collection)
 * still reaches the next one, so every tree that had passed through the map
 * since the last full collection survived each scavenge (measured on the
 * bench's unique lines: 2.7 MB promoted and 12 ms per scavenge, against
 * under 0.1 MB and 1 ms with the ring).
 */
const FRESH_LIMIT = 16;

export async function initShellParser(): Promise<void> {
  if (loaded) return;
  loading ??= (async () => {
    await Parser.init({ locateFile: () => assetPath('web-tree-sitter/tree-sitter.wasm') });
    const language = await Language.load(assetPath('tree-sitter-bash/tree-sitter-bash.wasm'));
    const parser = new Parser();
    parser.setLanguage(language);
    const freshText: (string | undefined)[] = [];
    const freshScript: (Script | undefined)[] = [];
    for (let i = 0; i < FRESH_LIMIT; i++) {
      freshText.push(undefined);
      freshScript.push(undefined);
    }
    return { parser, cache: new Map<string, Script>(), freshText, freshScript, freshNext: 0 };
  })();
  try {
    loaded = await loading;
  } catch (err) {
    loading = undefined;
    throw err;
  }
}

export function shellParserReady(): boolean {
  return loaded !== undefined;
}

export class ParserNotReadyError extends Error {
  constructor() {
    super('the shell parser is not initialised (await initPolicyEngine() first)');
    this.name = 'ParserNotReadyError';
  }
}

/** Parses a bash command line; results of lines seen more than once are cached by text. */
export function parseShell(text: string): Script {
  const l = loaded;
  if (!l) throw new ParserNotReadyError();
  const hit = l.cache.get(text);
  if (hit) {
    // refresh recency
    l.cache.delete(text);
    l.cache.set(text, hit);
    return hit;
  }
  for (let i = 0; i < FRESH_LIMIT; i++) {
    if (l.freshText[i] !== text) continue;
    // a second sighting: from now on the line stays in the cache
    const seen = l.freshScript[i]!;
    l.freshText[i] = undefined;
    l.freshScript[i] = undefined;
    remember(l, text, seen);
    return seen;
  }
  const script = fastParse(text) ?? treeSitterParse(l.parser, text);
  if (text.length <= CACHE_MAX_TEXT) {
    // the oldest slot makes room
    const slot = l.freshNext;
    l.freshText[slot] = text;
    l.freshScript[slot] = script;
    l.freshNext = slot + 1 === FRESH_LIMIT ? 0 : slot + 1;
  }
  return script;
}

/** Puts a line seen again into the cache (least recently used lines make room). */
function remember(l: Loaded, text: string, script: Script): void {
  // the least recently used eighth at once: starting an iteration skips every slot freed since the
  // table was last rebuilt, too slow to do for each new line (what is cached never changes a result)
  if (l.cache.size >= CACHE_LIMIT) dropOldest(l.cache, CACHE_LIMIT >> 3);
  l.cache.set(text, script);
}

/** Removes the `count` oldest entries of a map (in insertion order). */
function dropOldest(map: Map<string, Script>, count: number): void {
  let drop = count;
  for (const oldest of map.keys()) {
    map.delete(oldest);
    if (--drop === 0) break;
  }
}

/** Parses with tree-sitter-bash, bypassing the fast lexer (tests compare the two). */
export function parseShellWithGrammar(text: string): Script {
  const l = loaded;
  if (!l) throw new ParserNotReadyError();
  return treeSitterParse(l.parser, text);
}

function treeSitterParse(parser: Parser, text: string): Script {
  const tree = parser.parse(text);
  if (!tree) return { items: [{ node: { t: 'error', text }, op: '' }], error: true };
  try {
    const cursor = tree.walk();
    return new Builder(text).program(cursor, tree.rootNode.hasError && realError(tree.rootNode));
  } finally {
    tree.delete();
  }
}

/** `$()`, `$( )`, `` ` ` ``: a substitution that runs nothing (the grammar reads it as a command missing its name). */
function emptySubstitution(text: string): boolean {
  return /^(?:\$\(\s*\)|`\s*`)$/.test(text);
}

/**
 * Whether a tree the grammar marks as erroneous has an error outside empty
 * substitutions: bash runs `r$()m` as `rm`, and the grammar's only
 * complaint there is the missing command inside `$()`.
 */
function realError(node: SyntaxNode): boolean {
  if (node.type === 'command_substitution' && emptySubstitution(node.text)) return false;
  if (node.isError || node.isMissing) return true;
  for (const child of node.children) if (child && child.hasError && realError(child)) return true;
  return false;
}

const STATEMENT_SEPARATORS = new Set([';', '&', ';;', '\n']);
const LIST_OPS = new Set(['&&', '||']);
const REDIRECT_TYPES = new Set(['file_redirect', 'heredoc_redirect', 'herestring_redirect']);

/** Decodes the escapes of bash's `$'…'` strings. */
export function decodeAnsiC(body: string): string {
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]!;
    if (ch !== '\\' || i === body.length - 1) {
      out += ch;
      continue;
    }
    const n = body[++i]!;
    switch (n) {
      case 'n': out += '\n'; break;
      case 't': out += '\t'; break;
      case 'r': out += '\r'; break;
      case 'a': out += '\x07'; break;
      case 'b': out += '\b'; break;
      case 'e': case 'E': out += '\x1b'; break;
      case 'f': out += '\f'; break;
      case 'v': out += '\v'; break;
      case '\\': out += '\\'; break;
      case "'": out += "'"; break;
      case '"': out += '"'; break;
      case '?': out += '?'; break;
      case 'x': {
        const m = /^[0-9A-Fa-f]{1,2}/.exec(body.slice(i + 1));
        if (m) { out += String.fromCharCode(parseInt(m[0], 16)); i += m[0].length; } else out += '\\x';
        break;
      }
      case 'u': case 'U': {
        const m = (n === 'u' ? /^[0-9A-Fa-f]{1,4}/ : /^[0-9A-Fa-f]{1,8}/).exec(body.slice(i + 1));
        if (m) {
          const cp = parseInt(m[0], 16);
          out += cp <= 0x10ffff ? String.fromCodePoint(cp) : '';
          i += m[0].length;
        } else out += '\\' + n;
        break;
      }
      case 'c': {
        const c = body[i + 1];
        if (c !== undefined) { out += String.fromCharCode(c.charCodeAt(0) & 0x1f); i++; }
        break;
      }
      default:
        if (n >= '0' && n <= '7') {
          const m = /^[0-7]{1,3}/.exec(body.slice(i));
          out += String.fromCharCode(parseInt(m![0], 8) & 0xff);
          i += m![0].length - 1;
        } else out += '\\' + n;
    }
  }
  return out;
}

/** Removes the backslashes of an unquoted word (`\r\m` -> `rm`, `\<newline>` -> nothing). */
function unescapeUnquoted(s: string): string {
  if (!s.includes('\\')) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (ch === '\\' && i + 1 < s.length) {
      const n = s[++i]!;
      if (n !== '\n') out += n;
    } else out += ch;
  }
  return out;
}

/** Inside double quotes only `$`, backtick, `"`, `\` and newline are escaped. */
function unescapeDouble(s: string): string {
  if (!s.includes('\\')) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (ch === '\\' && i + 1 < s.length) {
      const n = s[i + 1]!;
      if (n === '$' || n === '`' || n === '"' || n === '\\') { out += n; i++; continue; }
      if (n === '\n') { i++; continue; }
    }
    out += ch;
  }
  return out;
}

/** An empty command substitution (two backquotes with nothing between): bash replaces it with nothing. */
const EMPTY_SUB: Script = { items: [], error: false };

/**
 * The parts of literal source text, unescaped: tree-sitter-bash reads an
 * empty pair of backquotes as text, where bash runs an empty command and
 * splices its (empty) output in: `r``m` is `rm`. Such pairs (not escaped
 * by a backslash) become command substitutions of nothing.
 */
function litParts(raw: string, quoted: boolean, unescape: (s: string) => string): Part[] {
  let at = raw.indexOf('``');
  if (at < 0) return [{ t: 'lit', v: unescape(raw), quoted }];
  const parts: Part[] = [];
  let from = 0;
  while (at >= 0) {
    let slashes = 0;
    while (at - slashes - 1 >= from && raw.charCodeAt(at - slashes - 1) === 92) slashes++;
    if (slashes % 2 === 1) {
      // an escaped backquote followed by another: literal text, look further on
      at = raw.indexOf('``', at + 1);
      continue;
    }
    if (at > from) parts.push({ t: 'lit', v: unescape(raw.slice(from, at)), quoted });
    parts.push({ t: 'cmd', script: EMPTY_SUB, quoted, text: '``' });
    from = at + 2;
    at = raw.indexOf('``', from);
  }
  if (from < raw.length) parts.push({ t: 'lit', v: unescape(raw.slice(from)), quoted });
  return parts;
}

class Builder {
  private readonly src: string;
  constructor(src: string) {
    this.src = src;
  }

  private text(c: TreeCursor): string {
    return this.src.slice(c.startIndex, c.endIndex);
  }

  program(c: TreeCursor, error: boolean): Script {
    const items = this.statements(c);
    return { items, error };
  }

  /** The statements among the children of the current node, with their separators. */
  private statements(c: TreeCursor, skip?: Set<string>): { node: Node; op: string }[] {
    const items: { node: Node; op: string }[] = [];
    if (!c.gotoFirstChild()) return items;
    do {
      const type = c.nodeType;
      if (!c.nodeIsNamed) {
        if (STATEMENT_SEPARATORS.has(type) && items.length > 0) items[items.length - 1]!.op = type;
        continue;
      }
      if (type === 'comment' || (skip && skip.has(c.currentFieldName ?? '')) || (skip && skip.has(type))) continue;
      const node = this.statement(c);
      if (node) items.push({ node, op: '\n' });
    } while (c.gotoNextSibling());
    c.gotoParent();
    return items;
  }

  private statement(c: TreeCursor): Node | undefined {
    const type = c.nodeType;
    const text = this.text(c);
    switch (type) {
      case 'command':
        return this.command(c);
      case 'redirected_statement':
        return this.redirected(c);
      case 'list':
        return this.list(c);
      case 'pipeline': {
        const stages: Node[] = [];
        this.eachNamed(c, () => {
          const n = this.statement(c);
          if (n) stages.push(n);
        });
        return regroupPipeline(stages, text);
      }
      case 'subshell':
        return { t: 'subshell', body: { items: this.statements(c), error: false }, redirects: [], text };
      case 'compound_statement':
        return { t: 'group', body: { items: this.statements(c), error: false }, redirects: [], text };
      case 'do_group':
      case 'else_clause':
      case 'elif_clause':
        return { t: 'group', body: { items: this.statements(c), error: false }, redirects: [], text };
      case 'if_statement':
      case 'while_statement':
      case 'until_statement':
      case 'case_statement':
      case 'c_style_for_statement':
      case 'select_statement':
        return this.compound(c, type);
      case 'for_statement':
        return this.forLoop(c);
      case 'function_definition': {
        let name = '';
        let body: Script = { items: [], error: false };
        this.eachNamed(c, () => {
          if (c.currentFieldName === 'name') name = this.text(c);
          else if (c.currentFieldName === 'body') {
            const n = this.statement(c);
            if (n) body = { items: [{ node: n, op: '\n' }], error: false };
          }
        });
        return { t: 'func', name, body, text };
      }
      case 'negated_command': {
        let inner: Node | undefined;
        this.eachNamed(c, () => {
          inner ??= this.statement(c);
        });
        return inner ? { t: 'negate', node: inner, text } : undefined;
      }
      case 'variable_assignment': {
        const a = this.assignment(c);
        return { t: 'cmd', assigns: a ? [a] : [], words: [], redirects: [], text };
      }
      case 'variable_assignments': {
        const assigns: Assign[] = [];
        this.eachNamed(c, () => {
          const a = c.nodeType === 'variable_assignment' ? this.assignment(c) : undefined;
          if (a) assigns.push(a);
        });
        return { t: 'cmd', assigns, words: [], redirects: [], text };
      }
      case 'declaration_command':
      case 'unset_command': {
        const assigns: Assign[] = [];
        const words: Word[] = [];
        let keyword = '';
        if (c.gotoFirstChild()) {
          do {
            if (!c.nodeIsNamed) {
              if (!keyword) keyword = c.nodeType;
              continue;
            }
            if (c.nodeType === 'variable_assignment') {
              const a = this.assignment(c);
              if (a) assigns.push(a);
            } else words.push(this.word(c));
          } while (c.gotoNextSibling());
          c.gotoParent();
        }
        return { t: 'declare', keyword, assigns, words, text };
      }
      case 'test_command': {
        const words: Word[] = [];
        this.collectWords(c, words);
        return { t: 'test', words, text };
      }
      case 'ERROR':
        return { t: 'error', text };
      default:
        // Anything else (a bare word, a stray expansion) is read as a command of its words.
        if (c.nodeIsNamed) {
          const words: Word[] = [];
          this.collectWords(c, words);
          return words.length > 0 ? { t: 'cmd', assigns: [], words, redirects: [], text } : { t: 'error', text };
        }
        return undefined;
    }
  }

  /** Every word-like node below the current one (for test expressions and unknown nodes). */
  private collectWords(c: TreeCursor, out: Word[]): void {
    if (!c.gotoFirstChild()) return;
    do {
      if (!c.nodeIsNamed) continue;
      if (WORD_TYPES.has(c.nodeType)) out.push(this.word(c));
      else this.collectWords(c, out);
    } while (c.gotoNextSibling());
    c.gotoParent();
  }

  private eachNamed(c: TreeCursor, fn: () => void): void {
    if (!c.gotoFirstChild()) return;
    do {
      if (c.nodeIsNamed && c.nodeType !== 'comment') fn();
    } while (c.gotoNextSibling());
    c.gotoParent();
  }

  private list(c: TreeCursor): Node {
    const text = this.text(c);
    const items: { node: Node; op: string }[] = [];
    if (c.gotoFirstChild()) {
      do {
        if (!c.nodeIsNamed) {
          if ((LIST_OPS.has(c.nodeType) || STATEMENT_SEPARATORS.has(c.nodeType)) && items.length > 0) items[items.length - 1]!.op = c.nodeType;
          continue;
        }
        if (c.nodeType === 'comment') continue;
        const n = this.statement(c);
        if (!n) continue;
        if (n.t === 'list') items.push(...n.items);
        else items.push({ node: n, op: '' });
      } while (c.gotoNextSibling());
      c.gotoParent();
    }
    return { t: 'list', items, text };
  }

  private compound(c: TreeCursor, kind: string): Node {
    const text = this.text(c);
    const words: Word[] = [];
    const bodies: Script[] = [];
    const direct: { node: Node; op: string }[] = [];
    if (c.gotoFirstChild()) {
      do {
        if (!c.nodeIsNamed || c.nodeType === 'comment') continue;
        const field = c.currentFieldName;
        if (c.nodeType === 'case_item') {
          bodies.push({ items: this.statements(c, new Set(['value'])), error: false });
        } else if (field === 'value' && WORD_TYPES.has(c.nodeType)) {
          words.push(this.word(c));
        } else if (field === 'value' || field === 'initializer' || field === 'update' || field === 'condition' && !STATEMENT_TYPES.has(c.nodeType)) {
          this.collectWords(c, words);
        } else {
          const n = this.statement(c);
          if (n) direct.push({ node: n, op: '\n' });
        }
      } while (c.gotoNextSibling());
      c.gotoParent();
    }
    if (direct.length > 0) bodies.unshift({ items: direct, error: false });
    return { t: 'compound', kind, words, bodies, redirects: [], text };
  }

  private forLoop(c: TreeCursor): Node {
    const text = this.text(c);
    let variable = '';
    let values: Word[] | undefined;
    let body: Script = { items: [], error: false };
    this.eachNamed(c, () => {
      const field = c.currentFieldName;
      if (field === 'variable') variable = this.text(c);
      else if (field === 'value') (values ??= []).push(this.word(c));
      else if (field === 'body') {
        const n = this.statement(c);
        if (n) body = { items: [{ node: n, op: '\n' }], error: false };
      }
    });
    return { t: 'for', variable, values, body, redirects: [], text };
  }

  private command(c: TreeCursor): Node {
    const text = this.text(c);
    const assigns: Assign[] = [];
    const words: Word[] = [];
    const redirects: Redirect[] = [];
    if (c.gotoFirstChild()) {
      do {
        if (!c.nodeIsNamed) continue;
        const type = c.nodeType;
        if (type === 'variable_assignment') {
          const a = this.assignment(c);
          if (a) assigns.push(a);
        } else if (type === 'command_name') {
          if (c.gotoFirstChild()) {
            words.push(this.word(c));
            c.gotoParent();
          }
        } else if (REDIRECT_TYPES.has(type)) {
          const r = this.redirect(c, []);
          if (r) redirects.push(r);
        } else if (type !== 'comment') {
          words.push(this.word(c));
        }
      } while (c.gotoNextSibling());
      c.gotoParent();
    }
    return { t: 'cmd', assigns, words, redirects, text };
  }

  private redirected(c: TreeCursor): Node {
    const text = this.text(c);
    let body: Node | undefined;
    const redirects: Redirect[] = [];
    const continuation: { op: string; node: Node }[] = [];
    if (c.gotoFirstChild()) {
      do {
        if (!c.nodeIsNamed) continue;
        if (c.currentFieldName === 'body' || (!REDIRECT_TYPES.has(c.nodeType) && body === undefined)) {
          body = this.statement(c);
        } else if (REDIRECT_TYPES.has(c.nodeType)) {
          const r = this.redirect(c, continuation);
          if (r) redirects.push(r);
        }
      } while (c.gotoNextSibling());
      c.gotoParent();
    }
    const node: Node = body ? attachRedirects(body, redirects, text) : { t: 'cmd', assigns: [], words: [], redirects, text };
    if (continuation.length === 0) return node;
    // `cmd <<EOF | next` / `cmd <<EOF && next`: the parser hangs what follows the
    // here-document start under the redirect; put it back in sequence.
    const first = continuation[0]!;
    if (first.op === '|' || first.op === '|&') {
      const stages: Node[] = [node];
      for (const k of continuation) {
        if (k.node.t === 'pipeline') stages.push(...k.node.stages);
        else stages.push(k.node);
      }
      return { t: 'pipeline', stages, text };
    }
    const items: { node: Node; op: string }[] = [{ node, op: first.op }];
    for (let i = 0; i < continuation.length; i++) {
      const k = continuation[i]!;
      items.push({ node: k.node, op: continuation[i + 1]?.op ?? '' });
    }
    return { t: 'list', items, text };
  }

  private redirect(c: TreeCursor, continuation: { op: string; node: Node }[]): Redirect | undefined {
    const type = c.nodeType;
    let op = '';
    let fd: number | undefined;
    let target: Word | undefined;
    let body: Word | undefined;
    let literal = false;
    let pendingOp = '';
    if (c.gotoFirstChild()) {
      do {
        const t = c.nodeType;
        if (!c.nodeIsNamed) {
          if (!op) op = t;
          else pendingOp = t;
          continue;
        }
        if (t === 'file_descriptor') fd = Number(this.text(c));
        else if (t === 'heredoc_start') literal = /['"\\]/.test(this.text(c));
        else if (t === 'heredoc_body') body = this.heredocBody(c, literal);
        else if (t === 'heredoc_end') continue;
        else if (type === 'heredoc_redirect') {
          const n = this.statement(c);
          if (n) continuation.push({ op: pendingOp || (n.t === 'pipeline' && n.text.startsWith('|') ? '|' : ';'), node: n });
          pendingOp = '';
        } else if (target === undefined) target = this.word(c);
        else {
          // `> a b`: bash would complain; keep the first target, the rest are words of nothing.
        }
      } while (c.gotoNextSibling());
      c.gotoParent();
    }
    if (type === 'heredoc_redirect') return { op: op || '<<', body: body ?? { parts: [], raw: '' }, literal };
    if (type === 'herestring_redirect') return { op: '<<<', ...(target ? { target } : {}) };
    return { op, ...(fd !== undefined ? { fd } : {}), ...(target ? { target } : {}) };
  }

  private heredocBody(c: TreeCursor, literal: boolean): Word {
    const start = c.startIndex;
    const end = c.endIndex;
    const raw = this.src.slice(start, end);
    if (literal) return { parts: [{ t: 'lit', v: raw, quoted: true }], raw };
    return { parts: this.partsWithGaps(c, start, end, (s) => unescapeDouble(s)), raw };
  }

  /** Children parts of a string-like node, with the text between children as literals. */
  private partsWithGaps(c: TreeCursor, start: number, end: number, unescape: (s: string) => string): Part[] {
    const parts: Part[] = [];
    let pos = start;
    if (c.gotoFirstChild()) {
      do {
        if (!c.nodeIsNamed) continue;
        const t = c.nodeType;
        if (t === 'string_content' || t === 'heredoc_content') continue;
        if (c.startIndex > pos) parts.push(...litParts(this.src.slice(pos, c.startIndex), true, unescape));
        const p = this.expansionPart(c, true);
        parts.push(...p);
        pos = c.endIndex;
      } while (c.gotoNextSibling());
      c.gotoParent();
    }
    if (end > pos) parts.push(...litParts(this.src.slice(pos, end), true, unescape));
    return parts;
  }

  private assignment(c: TreeCursor): Assign | undefined {
    let name = '';
    let value: Word | undefined;
    let array: Word[] | undefined;
    let append = false;
    if (c.gotoFirstChild()) {
      do {
        if (!c.nodeIsNamed) {
          if (c.nodeType === '+=') append = true;
          continue;
        }
        if (c.currentFieldName === 'name') name = this.text(c);
        else if (c.currentFieldName === 'value' || value === undefined) {
          if (c.nodeType === 'array') {
            array = [];
            this.collectWords(c, array);
          } else value = this.word(c);
        }
      } while (c.gotoNextSibling());
      c.gotoParent();
    }
    if (!name) return undefined;
    return { name, append, ...(value ? { value } : {}), ...(array ? { array } : {}) };
  }

  /** A word-like node to a Word. */
  private word(c: TreeCursor): Word {
    const raw = this.text(c);
    return { parts: this.wordParts(c), raw };
  }

  private wordParts(c: TreeCursor): Part[] {
    const type = c.nodeType;
    switch (type) {
      case 'word':
      case 'number':
      case 'extglob_pattern':
      case 'regex':
      case 'file_descriptor':
      case 'variable_name':
        return litParts(this.text(c), false, unescapeUnquoted);
      case 'raw_string': {
        const s = this.text(c);
        return [{ t: 'lit', v: s.slice(1, s.endsWith("'") && s.length > 1 ? -1 : undefined), quoted: true }];
      }
      case 'ansi_c_string': {
        const s = this.text(c);
        return [{ t: 'lit', v: decodeAnsiC(s.slice(2, s.endsWith("'") && s.length > 2 ? -1 : undefined)), quoted: true }];
      }
      case 'string':
      case 'translated_string': {
        const s = this.text(c);
        const open = type === 'translated_string' ? 2 : 1;
        const start = c.startIndex + open;
        const end = s.endsWith('"') && s.length > open ? c.endIndex - 1 : c.endIndex;
        if (type === 'translated_string') {
          // $"…" holds a string node
          const parts: Part[] = [];
          if (c.gotoFirstChild()) {
            do {
              if (c.nodeIsNamed) parts.push(...this.wordParts(c));
            } while (c.gotoNextSibling());
            c.gotoParent();
          }
          return parts;
        }
        return this.partsWithGaps(c, start, end, unescapeDouble);
      }
      case 'concatenation': {
        const parts: Part[] = [];
        let pos = c.startIndex;
        const end = c.endIndex;
        if (c.gotoFirstChild()) {
          do {
            if (c.startIndex > pos) parts.push(...litParts(this.src.slice(pos, c.startIndex), false, unescapeUnquoted));
            parts.push(...this.wordParts(c));
            pos = c.endIndex;
          } while (c.gotoNextSibling());
          c.gotoParent();
        }
        if (end > pos) parts.push(...litParts(this.src.slice(pos, end), false, unescapeUnquoted));
        return parts;
      }
      case 'simple_expansion':
      case 'expansion':
      case 'command_substitution':
      case 'process_substitution':
      case 'arithmetic_expansion':
        return this.expansionPart(c, false);
      case 'brace_expression':
        return [{ t: 'lit', v: this.text(c), quoted: false }];
      default:
        if (!c.nodeIsNamed) return litParts(this.text(c), false, unescapeUnquoted);
        return [this.opaque(c, this.text(c), false)];
    }
  }

  /** Text whose value is not tracked; the command substitutions inside it still run (`$(( $(cmd) + 1 ))`). */
  private opaque(c: TreeCursor, text: string, quoted: boolean): Part {
    const subs = this.nestedSubstitutions(c, []);
    return subs.length > 0 ? { t: 'opaque', text, quoted, subs } : { t: 'opaque', text, quoted };
  }

  /** The command and process substitutions below the current node (not inside one another: each script holds its own). */
  private nestedSubstitutions(c: TreeCursor, out: Script[]): Script[] {
    if (!c.gotoFirstChild()) return out;
    do {
      const t = c.nodeType;
      if (t === 'command_substitution' || t === 'process_substitution') out.push({ items: this.substitutionItems(c), error: false });
      else this.nestedSubstitutions(c, out);
    } while (c.gotoNextSibling());
    c.gotoParent();
    return out;
  }

  /**
   * The statements of a command substitution. `$(<file)` has no command,
   * only a redirect: bash prints the file, as `$(cat file)` does.
   */
  private substitutionItems(c: TreeCursor): { node: Node; op: string }[] {
    if (emptySubstitution(this.text(c))) return [];
    let named = 0;
    let source: Word | undefined;
    let text = '';
    if (c.gotoFirstChild()) {
      do {
        if (!c.nodeIsNamed) continue;
        named++;
        if (c.nodeType !== 'file_redirect' || !/^\d*<(?![<&>])/.test(this.text(c))) continue;
        text = this.text(c);
        if (c.gotoFirstChild()) {
          do {
            if (c.currentFieldName === 'destination') source = this.word(c);
          } while (c.gotoNextSibling());
          c.gotoParent();
        }
      } while (c.gotoNextSibling());
      c.gotoParent();
    }
    if (named !== 1 || !source) return this.statements(c);
    const cat: Word = { parts: [{ t: 'lit', v: 'cat', quoted: false }], raw: 'cat' };
    return [{ node: { t: 'cmd', assigns: [], words: [cat, source], redirects: [], text }, op: '\n' }];
  }

  private expansionPart(c: TreeCursor, quoted: boolean): Part[] {
    const type = c.nodeType;
    const text = this.text(c);
    switch (type) {
      case 'simple_expansion': {
        const name = text.slice(1);
        return [{ t: 'var', name, quoted }];
      }
      case 'expansion':
        return [this.braceExpansion(c, text, quoted)];
      case 'command_substitution': {
        const items = this.substitutionItems(c);
        return [{ t: 'cmd', script: { items, error: false }, quoted, text }];
      }
      case 'process_substitution': {
        const items = this.statements(c);
        return [{ t: 'proc', script: { items, error: false }, dir: text.startsWith('>') ? '>' : '<', text }];
      }
      case 'string':
        return this.wordParts(c).map((p) => (p.t === 'lit' || p.t === 'cmd' ? { ...p, quoted: true } : p));
      default:
        return [this.opaque(c, text, quoted)];
    }
  }

  /** `${name}`, `${name:-word}`, `${#name}` … */
  private braceExpansion(c: TreeCursor, text: string, quoted: boolean): Part {
    const inner = text.slice(2, text.endsWith('}') ? -1 : undefined);
    const m = /^([A-Za-z_][A-Za-z0-9_]*|[0-9]+|[@*#?$!-])(.*)$/s.exec(inner);
    if (!m || inner.startsWith('#') && inner.length > 1 || inner.startsWith('!')) return this.opaque(c, text, quoted);
    const name = m[1]!;
    const rest = m[2]!;
    if (rest === '') return { t: 'var', name, quoted };
    const opm = /^(:?[-=?+]|##?|%%?|\/\/?|\^\^?|,,?|:)/.exec(rest);
    const op = opm ? opm[0] : rest;
    let arg: Word | undefined;
    if (opm && (op.endsWith('-') || op.endsWith('=') || op.endsWith('+'))) {
      // the default/alternative word: parse its parts from the children after the operator
      const parts: Part[] = [];
      let seenName = false;
      if (c.gotoFirstChild()) {
        do {
          if (!c.nodeIsNamed) continue;
          if (!seenName && (c.nodeType === 'variable_name' || c.nodeType === 'special_variable_name' || c.nodeType === 'subscript')) {
            seenName = true;
            continue;
          }
          parts.push(...this.wordParts(c));
        } while (c.gotoNextSibling());
        c.gotoParent();
      }
      arg = { parts, raw: rest.slice(op.length) };
    } else if (opm && (op === '#' || op === '##' || op === '%' || op === '%%') && /^[A-Za-z0-9_.,:=+@/-]*$/.test(rest.slice(op.length))) {
      // trimming a literal prefix or suffix (`${HOME%/}`, `${f#./}`): the result is known
      arg = { parts: [{ t: 'lit', v: rest.slice(op.length), quoted: true }], raw: rest.slice(op.length) };
    } else if (rest.includes('$(') || rest.includes('`') || rest.includes('<(') || rest.includes('>(')) {
      // `${x/pattern/$(cmd)}`: the value is not tracked, but what runs to make it is
      const sub = this.opaque(c, text, quoted);
      if (sub.t === 'opaque' && sub.subs) return sub;
    }
    return { t: 'var', name, quoted, op, ...(arg ? { arg } : {}) };
  }
}

/**
 * tree-sitter-bash hangs a trailing redirect on the whole `a && b > f` or
 * `a | b > f`; bash applies it to the last command only.
 */
/**
 * tree-sitter-bash reads a redirect in the middle of `a && b 2>&1 | c` or
 * `a | b 2>&1 | c` as applying to everything before it, so the pipe's first
 * stage comes out as the whole list or pipeline. Bash binds `|` tighter than
 * `&&` and `||`: `b`'s output feeds `c`, and `a` runs on its own. Put the
 * stages back where bash has them.
 */
function regroupPipeline(stages: Node[], text: string): Node {
  const head = stages[0];
  if (!head || stages.length < 2) return { t: 'pipeline', stages, text };
  if (head.t === 'pipeline') return { t: 'pipeline', stages: [...head.stages, ...stages.slice(1)], text };
  if (head.t === 'list' && head.items.length > 1 && text.startsWith(head.text)) {
    const last = head.items[head.items.length - 1]!;
    if (head.text.endsWith(last.node.text)) {
      const tail = regroupPipeline([last.node, ...stages.slice(1)], text.slice(head.text.length - last.node.text.length));
      return { t: 'list', items: [...head.items.slice(0, -1), { node: tail, op: last.op }], text };
    }
  }
  return { t: 'pipeline', stages, text };
}

function attachRedirects(node: Node, redirects: Redirect[], text: string): Node {
  if (redirects.length === 0) return node;
  switch (node.t) {
    case 'cmd':
      return { ...node, redirects: [...node.redirects, ...redirects] };
    case 'list': {
      const items = [...node.items];
      const last = items[items.length - 1];
      if (!last) return node;
      items[items.length - 1] = { ...last, node: attachRedirects(last.node, redirects, text) };
      return { ...node, items };
    }
    case 'pipeline': {
      const stages = [...node.stages];
      const last = stages[stages.length - 1];
      if (!last) return node;
      stages[stages.length - 1] = attachRedirects(last, redirects, text);
      return { ...node, stages };
    }
    case 'negate':
      return { ...node, node: attachRedirects(node.node, redirects, text) };
    case 'subshell':
    case 'group':
    case 'compound':
    case 'for':
      return { ...node, redirects: [...node.redirects, ...redirects] };
    default:
      return { t: 'group', body: { items: [{ node, op: '\n' }], error: false }, redirects, text };
  }
}

const WORD_TYPES = new Set([
  'word', 'string', 'raw_string', 'ansi_c_string', 'translated_string', 'concatenation', 'simple_expansion', 'expansion',
  'command_substitution', 'process_substitution', 'arithmetic_expansion', 'number', 'extglob_pattern', 'brace_expression', 'regex',
]);

const STATEMENT_TYPES = new Set([
  'command', 'redirected_statement', 'list', 'pipeline', 'subshell', 'compound_statement', 'if_statement', 'while_statement',
  'for_statement', 'case_statement', 'function_definition', 'negated_command', 'variable_assignment', 'declaration_command', 'test_command',
]);
