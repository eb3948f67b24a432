/**
 * Masks secret values before anything reaches the receipt store. Each masked
 * value becomes `[REDACTED:<kind>]`; the caller records that redaction
 * happened (the receipt's `redacted` flag and `redactions` list), so a reader
 * knows the stored text is not what the agent sent.
 *
 * The rules favour recognisable shapes (provider token formats, PEM blocks,
 * credentials in URLs and headers, secret-named assignments and fields) over
 * entropy guesses: a receipt must stay readable, and a false positive only
 * hides a harmless value.
 */

export interface Redaction {
  /** where in the value, e.g. `input.content` or `input.headers.Authorization` */
  at: string;
  /** what was found, e.g. `github_token`, `private_key`, `env_value` */
  kind: string;
}

export interface RedactOptions {
  /** strings longer than this are cut (after redaction of the kept part); default 4096 */
  maxStringLength?: number;
  /** at most this many redactions are listed (all are still masked); default 50 */
  maxListed?: number;
}

export interface RedactResult<T = unknown> {
  value: T;
  redactions: Redaction[];
  /** some redaction happened (the list may be capped) */
  redacted: boolean;
  /** some string was cut to maxStringLength */
  truncated: boolean;
}

export const DEFAULT_MAX_STRING_LENGTH = 4096;
const TRUNCATION_MARGIN = 2048;

export function mask(kind: string): string {
  return `[REDACTED:${kind}]`;
}

interface TextRule {
  kind: string;
  re: RegExp;
  /** a cheap test that must pass before `re` runs (for rules whose pattern matches ordinary text often) */
  hint?: RegExp;
  /** replacement; default masks the whole match */
  replace?: (match: string, ...groups: string[]) => string;
}

/** Words that, as a whole segment of a name (`DB_PASSWORD`, `apiKey`, `x-auth-token`), make its value a secret. */
const SECRET_WORDS = new Set([
  'password', 'passwd', 'passphrase', 'pwd', 'secret', 'secrets', 'token', 'credential', 'credentials',
  'apikey', 'authorization', 'cookie', 'dsn', 'privatekey', 'sessionid', 'pat', 'bearer',
]);
/** Values that are type names or flags, not secrets (`token: string`, `password: boolean`). */
const NOT_SECRET_VALUES = new Set([
  'string', 'number', 'boolean', 'bigint', 'symbol', 'object', 'any', 'unknown', 'never', 'void', 'null', 'undefined',
  'true', 'false', 'none', 'nil', 'yes', 'no', 'required', 'optional', 'str', 'int', 'bool', 'bytes',
]);
/** Words that make a secret name when followed by `key` (`api_key`, `PRIVATE_KEY`, `signingKey`). */
const KEY_QUALIFIERS = new Set(['api', 'access', 'private', 'secret', 'signing', 'encryption', 'master', 'client', 'session', 'auth', 'license']);

function nameSegments(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((s) => s !== '');
}

/** True when a variable, field, header or flag name says its value is a secret. */
const SECRET_NAME_HINT = /pass|pwd|secret|token|credential|key|auth|cookie|dsn|sessionid|pat|bearer/i;

/** Answers of isSecretName for names seen before (field and variable names repeat from receipt to receipt). */
const secretNameMemo = new Map<string, boolean>();
const SECRET_NAME_MEMO_MAX = 4096;

export function isSecretName(name: string): boolean {
  if (!SECRET_NAME_HINT.test(name)) return false;
  let known = secretNameMemo.get(name);
  if (known === undefined) {
    known = secretNameBySegments(name);
    if (name.length <= 128) {
      if (secretNameMemo.size >= SECRET_NAME_MEMO_MAX) secretNameMemo.clear();
      secretNameMemo.set(name, known);
    }
  }
  return known;
}

function secretNameBySegments(name: string): boolean {
  const segs = nameSegments(name);
  // PWD/OLDPWD are the shell's working directories, not passwords.
  if (segs.length === 1 && (segs[0] === 'pwd' || segs[0] === 'oldpwd')) return false;
  for (let i = 0; i < segs.length; i++) {
    const s = segs[i] ?? '';
    if (SECRET_WORDS.has(s)) return true;
    if ((s === 'key' || s === 'keys') && i > 0 && KEY_QUALIFIERS.has(segs[i - 1] ?? '')) return true;
    if (s === 'auth' && (segs[i + 1] === 'token' || segs[i + 1] === undefined) && i > 0) return true;
  }
  return false;
}

/** A value that is a reference, not a secret: `$VAR`, `${VAR}`, `process.env.X`, empty, already masked. */
function isReference(value: string): boolean {
  return value === '' || NOT_SECRET_VALUES.has(value.toLowerCase()) || value.startsWith('$') || value.startsWith('[REDACTED:') || /^process\.env\./.test(value) || /^<[^>]*>$/.test(value);
}

const TEXT_RULES: TextRule[] = [
  {
    kind: 'private_key',
    re: /-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|$(?![\s\S]))/g,
  },
  { kind: 'aws_access_key_id', re: /\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA|ABIA|ACCA)[0-9A-Z]{16}\b/g },
  { kind: 'github_token', re: /\b(?:gh[pousr]_[A-Za-z0-9]{30,255}|github_pat_[A-Za-z0-9_]{22,255})\b/g },
  { kind: 'gitlab_token', re: /\bgl(?:pat|dt|ptt|rt)-[A-Za-z0-9_-]{20,}\b/g },
  { kind: 'slack_token', re: /\bxox[abposre]-[A-Za-z0-9-]{10,}\b/g },
  { kind: 'slack_webhook', re: /https:\/\/hooks\.slack\.com\/services\/[A-Za-z0-9/_-]+/g },
  { kind: 'stripe_key', re: /\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,}\b/g },
  { kind: 'anthropic_key', re: /\bsk-ant-[A-Za-z0-9_-]{20,}/g },
  { kind: 'openai_key', re: /\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}/g },
  { kind: 'google_api_key', re: /\bAIza[0-9A-Za-z_-]{35}\b/g },
  { kind: 'npm_token', re: /\bnpm_[A-Za-z0-9]{36}\b/g },
  { kind: 'huggingface_token', re: /\bhf_[A-Za-z0-9]{30,}\b/g },
  { kind: 'pypi_token', re: /\bpypi-[A-Za-z0-9_-]{50,}\b/g },
  { kind: 'jwt', re: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g },
  {
    // Authorization: Bearer xxx / Basic xxx (headers, curl -H, JSON-ish text)
    kind: 'authorization',
    hint: /authorization/i,
    re: /\b((?:proxy-)?authorization["']?\s*[:=]\s*["']?)(?:(bearer|basic|token|digest|bot|apikey)\s+)?([^\s"',;]+)/gi,
    replace: (_m, head = '', scheme, cred = '') => (isReference(cred) ? _m : `${head}${scheme ? scheme + ' ' : ''}${mask('authorization')}`),
  },
  {
    kind: 'bearer_token',
    hint: /bearer/i,
    re: /\b(bearer\s+)([A-Za-z0-9._~+/=-]{12,})/gi,
    replace: (_m, head = '', cred = '') => (cred.startsWith('[REDACTED') ? _m : `${head}${mask('bearer_token')}`),
  },
  {
    kind: 'header_secret',
    hint: /api-key|auth-token|access-token|private-token|cookie/i,
    re: /\b((?:x-api-key|api-key|x-auth-token|x-access-token|private-token|cookie|set-cookie)\s*:\s*)([^\r\n"']+)/gi,
    replace: (_m, head = '', value = '') => (isReference(value.trim()) ? _m : `${head}${mask('header_secret')}`),
  },
  {
    // scheme://user:password@host
    kind: 'url_password',
    hint: /:\/\/[^\s/@]*:/,
    re: /\b([a-z][a-z0-9+.-]*:\/\/[^/\s:@"']*:)([^@\s/"']+)(@)/gi,
    replace: (_m, head = '', pass = '', at = '') => (isReference(pass) ? _m : `${head}${mask('url_password')}${at}`),
  },
  {
    // --password X, --token=X, -p? (not: too ambiguous)
    kind: 'cli_secret',
    hint: /-(?:pass|token|api|secret|client|access|auth|private)/i,
    re: /(--?(?:password|passwd|pass|token|api-key|apikey|secret|client-secret|access-token|auth-token|private-key)(?:=|\s+))(["']?)([^\s"']+)\2/gi,
    replace: (_m, head = '', q = '', value = '') => (isReference(value) || value.startsWith('-') ? _m : `${head}${q}${mask('cli_secret')}${q}`),
  },
  {
    // NAME=value, NAME: value, "NAME": "value", export NAME="value" where NAME is secret-named
    kind: 'secret_assignment',
    hint: /pass|pwd|secret|token|credential|key|auth|cookie|dsn|session|bearer|_pat\b|\bpat\b/i,
    re: /(^|[\s;&|(,{?'"`])((?:export[ \t]+)?["']?)([A-Za-z_][A-Za-z0-9_.-]*)(["']?[ \t]*(?:=|:(?!\/\/))[ \t]*)(["']?)([^\s"'`,;}()[\]<>]+)\5/gm,
    replace: (m, lead = '', pre = '', name = '', sep = '', q = '', value = '') =>
      isSecretName(name) && !isReference(value) ? `${lead}${pre}${name}${sep}${q}${mask('secret_assignment')}${q}` : m,
  },
];

/** `.env`-style line: every value is masked when the text comes from an env file. */
const ENV_LINE = /^([ \t]*(?:export[ \t]+)?[A-Za-z_][A-Za-z0-9_.-]*[ \t]*=[ \t]*)(["']?)(.*?)\2([ \t]*(?:#.*)?)$/gm;

/**
 * Text none of the rules without a hint can match: every one of them needs
 * one of these fragments (a token's prefix, a PEM header, Slack's webhook
 * host), here matched case-insensitively and anywhere, so a superset.
 */
const TOKEN_SHAPE = /-----BEGIN|hooks\.slack\.com|A[BCGIKNRS][A-Z]{2}[0-9A-Z]{16}|gh[pousr]_|github_pat_|gl(?:pat|dt|ptt|rt)-|xox[abposre]-|[spr]k_(?:live|test)_|sk-|AIza|npm_|hf_|pypi-|eyJ/i;

/** Text no rule can match: no assignment, header, flag or known token prefix. */
const MAY_HOLD_SECRET = /[=:]|-----BEGIN|--?(?:pass|token|api|secret|client|access|auth|private)|\b(?:A[BCGIKNRS][A-Z]{2}[0-9A-Z]{16}|gh[pousr]_|github_pat_|gl(?:pat|dt|ptt|rt)-|xox[abposre]-|[spr]k_(?:live|test)_|sk-|AIza|npm_|hf_|pypi-|eyJ|bearer\s)/i;

export function redactText(text: string, envFile = false): { text: string; kinds: string[] } {
  const kinds: string[] = [];
  if (text.length < 8 || (!envFile && !MAY_HOLD_SECRET.test(text))) return { text, kinds };
  let out = text;
  const tokens = TOKEN_SHAPE.test(text);
  for (const rule of TEXT_RULES) {
    if (rule.hint ? !rule.hint.test(out) : !tokens) continue;
    rule.re.lastIndex = 0;
    if (!rule.re.test(out)) continue;
    rule.re.lastIndex = 0;
    let hit = false;
    out = out.replace(rule.re, (...args: unknown[]) => {
      const match = String(args[0]);
      const groups = args.slice(1, -2).map((g) => (g === undefined ? '' : String(g)));
      const replaced = rule.replace ? rule.replace(match, ...groups) : mask(rule.kind);
      if (replaced !== match) hit = true;
      return replaced;
    });
    if (hit) kinds.push(rule.kind);
  }
  if (envFile) {
    let hit = false;
    out = out.replace(ENV_LINE, (m: string, head: string, q: string, value: string, tail: string) => {
      if (isReference(value) || value.startsWith('[REDACTED:')) return m;
      hit = true;
      return `${head}${q}${mask('env_value')}${q}${tail}`;
    });
    if (hit) kinds.push('env_value');
  }
  return { text: out, kinds };
}

/** A path naming a dotenv-style file: `.env`, `.env.local`, `prod.env`, `.envrc`, `.npmrc`, `.pypirc`, `.netrc`. */
export function isEnvFilePath(p: string): boolean {
  return ENV_FILE_NAME.test(p);
}
/** The last segment (after `/` or `\\`) is `.env`, `.env.<x>`, `<x>.env` or a known credentials file. */
const ENV_FILE_NAME = /(?:^|[\\/])(?:\.env(?:\.[^\\/\n\r\u2028\u2029]+)?|[^\\/]*\.env|\.(?:envrc|npmrc|pypirc|netrc|pgpass|git-credentials))$/i;

const PATH_KEYS = new Set(['path', 'filepath', 'file_path', 'file', 'filename', 'target', 'notebook_path', 'uri']);
const PATH_LIST_KEYS = new Set(['paths', 'writes', 'files', 'targets']);

function namesEnvFile(key: string, value: unknown): boolean {
  const k = key.toLowerCase();
  if (typeof value === 'string') return PATH_KEYS.has(k) && isEnvFilePath(value);
  if (Array.isArray(value) && PATH_LIST_KEYS.has(k)) {
    return value.some((v) => (typeof v === 'string' ? isEnvFilePath(v) : typeof v === 'object' && v !== null && typeof (v as { path?: unknown }).path === 'string' && isEnvFilePath((v as { path: string }).path)));
  }
  return false;
}

/**
 * Redacts every string in a JSON value: secret-named fields are masked whole;
 * other strings go through the text rules; strings of an object whose path
 * field names a dotenv-style file are read as env files; strings longer than
 * maxStringLength are cut with a note.
 */
export function redactValue<T = unknown>(value: T, options: RedactOptions = {}, at = ''): RedactResult<T> {
  const ctx: Ctx = {
    max: options.maxStringLength ?? DEFAULT_MAX_STRING_LENGTH,
    maxListed: options.maxListed ?? 50,
    redactions: [],
    redacted: false,
    truncated: false,
  };
  const out = walk(value, at, false, ctx, 0) as T;
  return { value: out, redactions: ctx.redactions, redacted: ctx.redacted, truncated: ctx.truncated };
}

interface Ctx {
  max: number;
  maxListed: number;
  redactions: Redaction[];
  redacted: boolean;
  truncated: boolean;
}

function note(ctx: Ctx, at: string, kind: string): void {
  ctx.redacted = true;
  if (ctx.redactions.length < ctx.maxListed) ctx.redactions.push({ at: at === '' ? '$' : at, kind });
}

function join(at: string, key: string | number): string {
  if (typeof key === 'number') return `${at}[${key}]`;
  return at === '' ? key : `${at}.${key}`;
}

/** Redacts one string found at `at` (or, when `key` is given, at member `key` of `at`: the location is only spelled out when something is found). */
function redactString(s: string, at: string, envFile: boolean, ctx: Ctx, key?: string | number): string {
  let text = s;
  let cut = 0;
  if (text.length > ctx.max) {
    // Redact a window a little longer than what is kept, so a secret that
    // straddles the cut is still recognised whole.
    cut = text.length;
    text = text.slice(0, ctx.max + TRUNCATION_MARGIN);
  }
  const r = redactText(text, envFile);
  if (r.kinds.length > 0) {
    const where = key === undefined ? at : join(at, key);
    for (const kind of r.kinds) note(ctx, where, kind);
  }
  text = r.text;
  if (cut > 0) {
    ctx.truncated = true;
    text = `${text.slice(0, ctx.max)}…[truncated: ${cut} chars]`;
  }
  return text;
}

function walk(value: unknown, at: string, envFile: boolean, ctx: Ctx, depth: number): unknown {
  if (typeof value === 'string') return redactString(value, at, envFile, ctx);
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'bigint') return value.toString();
    if (typeof value === 'function' || typeof value === 'symbol') return undefined;
    return value;
  }
  if (depth > 64) {
    ctx.truncated = true;
    return '[truncated: nested too deep]';
  }
  if (Array.isArray(value)) return value.map((v, i) => (typeof v === 'string' ? redactString(v, at, envFile, ctx, i) : walk(v, join(at, i), envFile, ctx, depth + 1)));
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj);
  let env = envFile;
  if (!env) {
    for (const k of keys) {
      if (namesEnvFile(k, obj[k])) {
        env = true;
        break;
      }
    }
  }
  // Keys are copied in sorted order: the canonical order the chain hashes in.
  const out: Record<string, unknown> = {};
  for (const k of keys.sort()) {
    const v = obj[k];
    if (typeof v === 'string' && v !== '' && isSecretName(k) && !isReference(v)) {
      out[k] = mask('secret_field');
      note(ctx, join(at, k), 'secret_field');
      continue;
    }
    if (v === null || (typeof v !== 'object' && typeof v !== 'string')) {
      // numbers, booleans, null: nothing to redact, no location to name
      out[k] = walk(v, at, false, ctx, depth + 1);
      continue;
    }
    let inEnv = env;
    if (inEnv) {
      const lower = k.toLowerCase();
      inEnv = !PATH_KEYS.has(lower) && !PATH_LIST_KEYS.has(lower);
    }
    out[k] = typeof v === 'string' ? redactString(v, at, inEnv, ctx, k) : walk(v, join(at, k), inEnv, ctx, depth + 1);
  }
  return out;
}
