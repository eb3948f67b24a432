import crypto from 'node:crypto';

/**
 * Recognisers for what content, URLs and settings keys carry: credentials,
 * encoded credentials, look-alike host names, settings that run programs.
 */

interface SecretPattern {
  name: string;
  re: RegExp;
}

export const SECRET_PATTERNS: readonly SecretPattern[] = [
  { name: 'private key', re: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/ },
  { name: 'AWS access key id', re: /\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b/ },
  { name: 'AWS secret access key', re: /aws_?secret_?access_?key["']?\s*[:=]\s*["']?[A-Za-z0-9/+=]{30,}/i },
  { name: 'GitHub token', re: /\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{40,})\b/ },
  { name: 'GitLab token', re: /\bglpat-[A-Za-z0-9_-]{20,}\b/ },
  { name: 'Stripe key', re: /\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{10,}\b/ },
  { name: 'Slack token', re: /\bxox[abposr]-[A-Za-z0-9-]{10,}\b/ },
  { name: 'Slack webhook', re: /hooks\.slack\.com\/services\/T[A-Za-z0-9]+\/B[A-Za-z0-9]+\/[A-Za-z0-9]+/ },
  { name: 'Google API key', re: /\bAIza[0-9A-Za-z_-]{35}\b/ },
  { name: 'OpenAI key', re: /\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{32,}\b/ },
  { name: 'Anthropic key', re: /\bsk-ant-[A-Za-z0-9_-]{32,}\b/ },
  { name: 'npm token', re: /\bnpm_[A-Za-z0-9]{36}\b/ },
  { name: 'PyPI token', re: /\bpypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{20,}/ },
  { name: 'Twilio key', re: /\bSK[0-9a-fA-F]{32}\b/ },
  { name: 'SendGrid key', re: /\bSG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}\b/ },
  { name: 'JSON web token', re: /\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/ },
  { name: 'URL with a password', re: /\b[a-z][a-z0-9+.-]*:\/\/[^:@\s/'"]+:[^@\s/'"]{6,}@[^\s'"]+/i },
];

/**
 * All the patterns in one expression (each keeps its own case rule through
 * a modifier group): one scan tells whether any of them matches, which for
 * most texts is the whole answer. Undefined if a pattern uses another flag.
 */
const ANY_SECRET: RegExp | undefined = SECRET_PATTERNS.every((p) => p.re.flags === '' || p.re.flags === 'i')
  ? new RegExp(SECRET_PATTERNS.map((p) => (p.re.flags === 'i' ? `(?i:${p.re.source})` : `(?:${p.re.source})`)).join('|'))
  : undefined;

/**
 * Text every match of some pattern above contains (in the pattern's own case
 * rule): without any of it no pattern can match, and this literal scan is
 * about twice as fast as ANY_SECRET. One entry per pattern, in order; a
 * pattern added above needs its own entry here (a test counts them and
 * checks samples of every pattern).
 */
export const SECRET_HINTS = [
  '-----BEGIN ', 'A(?:KIA|SIA|BIA|CCA)', '(?i:secret)', 'gh[pousr]_|github_pat_', 'glpat-', 'k_(?:live|test)_', 'xox', 'hooks\\.slack\\.com', 'AIza', 'sk-', 'sk-ant-', 'npm_',
  'pypi-', 'SK[0-9a-fA-F]', 'SG\\.', 'eyJ', ':\\/\\/[^@\\s]*@',
];
const ANY_HINT = new RegExp(SECRET_HINTS.join('|'));

/** The first kind of credential found in a text, if any. */
export function findSecret(text: string): string | undefined {
  if (text.length > 2_000_000) text = text.slice(0, 2_000_000);
  if (!ANY_HINT.test(text)) return undefined;
  if (ANY_SECRET && !ANY_SECRET.test(text)) return undefined;
  for (const p of SECRET_PATTERNS) if (p.re.test(text)) return p.name;
  return undefined;
}

/** `NAME=value` where NAME says it is a credential. */
export const SECRET_ASSIGNMENT = /\b[A-Z0-9_]*(?:SECRET|TOKEN|PASSW(?:OR)?D|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CREDENTIALS?|AUTH)[A-Z0-9_]*\s*[=:]/i;

const NO_BLOBS: readonly string[] = [];

/** A character of a base64 (standard or URL-safe) or hex run: `[A-Za-z0-9+/_-]`. */
function blobChar(c: number): boolean {
  return c >= 97 && c <= 122 || c >= 65 && c <= 90 || c >= 47 && c <= 57 || c === 43 || c === 45 || c === 95;
}

/**
 * What `/[A-Za-z0-9+/_-]{16,}={0,2}/g` finds, in order (every run of 16 or
 * more such characters with up to two `=` after it), in one pass: the
 * expression retried the minimum length at every position of a URL.
 */
export function urlBlobs(s: string): readonly string[] {
  let out: string[] | undefined;
  let start = -1;
  for (let i = 0; i <= s.length; i++) {
    if (i < s.length && blobChar(s.charCodeAt(i))) {
      if (start < 0) start = i;
      continue;
    }
    if (start >= 0 && i - start >= 16) {
      let end = i;
      while (end < s.length && end - i < 2 && s.charCodeAt(end) === 61) end++;
      (out ??= []).push(s.slice(start, end));
      // go on after the `=`s (the loop steps to `end`)
      i = end - 1;
    }
    start = -1;
  }
  return out ?? NO_BLOBS;
}

/**
 * Encoded data in a URL that decodes to a credential or a credential
 * assignment: base64 (standard or URL-safe) and hex blobs in the query,
 * fragment or path.
 */
export function encodedSecretInUrl(url: string): string | undefined {
  let decodedUrl = url;
  try {
    // only percent escapes change (or fail)
    if (url.includes('%')) decodedUrl = decodeURIComponent(url);
  } catch {
    // keep raw
  }
  const secret = findSecret(decodedUrl);
  if (secret) return secret;
  for (const blob of urlBlobs(decodedUrl)) {
    for (const decoded of decodings(blob)) {
      if (!isMostlyPrintable(decoded)) continue;
      const s = findSecret(decoded);
      if (s) return `${s} (encoded)`;
      if (SECRET_ASSIGNMENT.test(decoded)) return 'an encoded credential assignment';
    }
  }
  return undefined;
}

function decodings(blob: string): string[] {
  const out: string[] = [];
  const b64 = blob.replace(/-/g, '+').replace(/_/g, '/');
  try {
    out.push(Buffer.from(b64, 'base64').toString('utf8'));
  } catch {
    // not base64
  }
  if (/^[0-9a-fA-F]+$/.test(blob) && blob.length % 2 === 0) out.push(Buffer.from(blob, 'hex').toString('utf8'));
  return out;
}

function isMostlyPrintable(s: string): boolean {
  if (s.length < 8) return false;
  let printable = 0;
  const head = s.slice(0, 24);
  // a code point in \x20-\x7E (a surrogate pair's first unit is never in range)
  for (const ch of head) {
    const c = ch.charCodeAt(0);
    if (c >= 0x20 && c <= 0x7e) printable++;
  }
  return printable / head.length > 0.85;
}

/** long runs in a query or fragment (global: lastIndex reset before each loop) */
const QUERY_BLOB = /[=/#&]([A-Za-z0-9+/_%=-]{48,})/g;

/** A long opaque blob in a URL's query or fragment (data smuggled out). */
export function opaqueBlobInUrl(url: string): string | undefined {
  const q = url.replace(/^[^?#]*/, '');
  const blobs = QUERY_BLOB;
  blobs.lastIndex = 0;
  for (let m = blobs.exec(q); m !== null; m = blobs.exec(q)) {
    const blob = m[1]!;
    if (/^[a-z-]+$/i.test(blob) || /^\d+$/.test(blob)) continue;
    return blob.slice(0, 24) + '…';
  }
  return undefined;
}

/** Top-level domains that, met in the middle of a host name, mean a whole domain is embedded there. */
const TLDS = new Set(['com', 'org', 'net', 'io', 'ai', 'gov', 'edu', 'co']);

/** Second-level public suffixes under which a TLD-looking label is normal (bbc.co.uk, foo.com.au). */
const PUBLIC_SUFFIX_2 = /(^|\.)(co|com|net|org|gov|edu|ac|or|ne|go|gob|nic|mil)\.[a-z]{2}$/;

/**
 * A host that embeds another registrable domain before its own:
 * `github.com.attacker.example`, `pypi.org-files.evil.io`. Also punycode
 * labels, which can spell look-alike characters.
 */
export function lookalikeHost(host: string): string | undefined {
  const h = host.toLowerCase().replace(/\.$/, '');
  if (/^[\d.]+$/.test(h) || h.includes(':')) return undefined;
  if (h.includes('xn--') && h.split('.').some((l) => l.startsWith('xn--'))) return 'uses punycode, which can imitate another name';
  const labels = h.split('.');
  const suffixLen = PUBLIC_SUFFIX_2.test(h) ? 2 : 1;
  // the registrable name joins a well-known one with a dash: `api-github.com`, `pypi-files.org`
  const name = labels[labels.length - 1 - suffixLen];
  if (name !== undefined && name.includes('-')) {
    const brand = name.split('-').find((part) => BRANDS.has(part));
    if (brand) return `imitates ${brand}`;
  }
  if (labels.length < 3) return undefined;
  // a first label spelling a domain with a dash, before another domain: `github-com.example.net`
  const dashed = /^([a-z0-9]+)-(com|org|net|io)$/.exec(labels[0]!);
  if (dashed) return `imitates ${dashed[1]}.${dashed[2]}`;
  // labels strictly inside: not the first, not the public suffix
  for (let i = 1; i < labels.length - suffixLen; i++) {
    const l = labels[i]!;
    if (TLDS.has(l) && i >= 1 && labels[i - 1]!.length >= 2) {
      const embedded = labels.slice(Math.max(0, i - 1), i + 1).join('.');
      // `www.example.com.au` style is covered by the suffix check; here a full domain sits before more labels
      if (i + 1 <= labels.length - suffixLen) return `embeds ${embedded} before ${labels.slice(i + 1).join('.')}`;
    }
  }
  return undefined;
}

/** names whose look-alikes are used to catch credentials and code (registries, forges, clouds, AI providers) */
const BRANDS: ReadonlySet<string> = new Set(['github', 'githubusercontent', 'gitlab', 'bitbucket', 'npmjs', 'npm', 'pypi', 'pythonhosted', 'rubygems', 'crates', 'docker', 'google', 'googleapis', 'microsoft', 'azure', 'amazonaws', 'aws', 'cloudflare', 'openai', 'anthropic', 'slack', 'stripe', 'paypal', 'apple', 'icloud', 'okta', 'auth0', 'vercel', 'netlify', 'heroku', 'digitalocean', 'huggingface']);

/** Settings keys that guard agents: auto-approval, hooks, permissions, MCP servers, Belay itself. */
export function protectedSettingKey(key: string): boolean {
  const k = key.toLowerCase();
  return (
    k === 'belay' ||
    k.startsWith('belay.') ||
    k.startsWith('chat.tools.') ||
    k.startsWith('chat.hook') ||
    k === 'chat.usehooks' ||
    k === 'chat.useclaudehooks' ||
    k.startsWith('chat.permissions') ||
    k.startsWith('chat.agent.') ||
    k.startsWith('chat.mcp.') ||
    k === 'chat.plugins' ||
    k.startsWith('chat.plugin') ||
    k.includes('autoapprove') ||
    k.startsWith('github.copilot.chat.agent') ||
    k === 'mcp' ||
    k === 'mcpservers' ||
    k.startsWith('security.workspace.trust') ||
    k === 'task.allowautomatictasks' ||
    k === 'permissions' ||
    k === 'hooks' ||
    k === 'enabledmcpjsonservers' ||
    k === 'enableallprojectmcpservers' ||
    k === 'defaultmode' ||
    k === 'extensions.autoupdate' ||
    k.startsWith('extensions.')
  );
}

/** Settings that point the editor at a program to run (`php.validate.executablePath`, terminal profiles, …). */
export function execSettingKey(key: string): boolean {
  const k = key.toLowerCase();
  return (
    /executablepath|interpreterpath|serverpath|\.server\.path$|\.path$|\.paths?\.|\.exe$|commandpath|binpath|\.binary$|\.runtime$|\.runtimeexecutable|\.java\.home$|\.jdk|goroot|toolsgopath|\.commands?$|\.commands?\.|\.envfile$/.test(k) ||
    // a program or the module folder a tool loads code from (`typescript.tsdk`, `eslint.nodePath`, `prettier.prettierPath`), a tool by name (`go.alternateTools`), a command line
    /\.tsdk$|nodepath$|[a-z]path$|alternatetools|\.interpreter$|nodeexecutable|commandline$|overridecommand|lspbin/.test(k) ||
    // environment a language server or tool starts with, where a variable names a program or preloads code (`rust-analyzer.server.extraEnv` with RUSTC_WRAPPER)
    /(extraenv|toolsenvvars|\.env)\.(?:[^.]*(wrapper|rustc|node_options|ld_preload|dyld_insert|pythonstartup|pythonpath|perl5opt|rubyopt|bash_env|editor|git_ssh)|(?:[^.]*_)?path$)/.test(k) ||
    k.startsWith('terminal.integrated.shell') ||
    k.startsWith('terminal.integrated.profiles') ||
    k.startsWith('terminal.integrated.defaultprofile') ||
    k.startsWith('terminal.integrated.env') ||
    k.startsWith('terminal.integrated.automationprofile') ||
    k.startsWith('terminal.integrated.automationshell') ||
    k === 'git.path' ||
    k.startsWith('npm.') && k.includes('packagemanager') ||
    k.endsWith('.args') && k.startsWith('terminal.')
  );
}

/**
 * Keys of tool config files that name a program or code every later run of
 * the tool starts: `deny` where the package manager itself runs through it
 * (`.npmrc` script-shell, node-options preloading a module, `.yarnrc.yml`
 * yarnPath), `ask` where projects set it for their own tools (a cargo
 * runner or rustc wrapper, whose command is checked besides).
 */
export function execConfigKey(file: string, key: string, value: string): 'deny' | 'ask' | undefined {
  const k = key.toLowerCase().replace(/_/g, '-');
  if (file === '.npmrc') {
    if (NPMRC_EXEC.has(k)) return 'deny';
    return k === 'node-options' && NODE_PRELOAD.test(value) ? 'deny' : undefined;
  }
  if (file === '.yarnrc.yml' || file === '.yarnrc') return k === 'yarnpath' || k === 'yarn-path' || k === 'plugins' ? 'deny' : undefined;
  return CARGO_EXEC.has(k) ? 'ask' : undefined;
}

const NPMRC_EXEC = new Set(['script-shell', 'shell', 'git', 'onload-script', 'init-module', 'editor', 'pnpmfile', 'global-pnpmfile', 'node-gyp', 'ruby', 'python']);
const NODE_PRELOAD = /(^|\s)(-r|--require|--import|--loader|--experimental-loader)(\s|=|$)/;
const CARGO_EXEC = new Set(['runner', 'rustc-wrapper', 'rustc-workspace-wrapper', 'rustc', 'rustdoc', 'linker']);

/** Package manager scripts that run on install (or on every `npm publish`, `prepare` on git installs). */
export const LIFECYCLE_SCRIPTS = new Set(['preinstall', 'install', 'postinstall', 'prepare', 'preprepare', 'postprepare', 'prepublish', 'prepublishonly', 'prepack', 'postpack', 'dependencies', 'postuninstall', 'preuninstall']);

/** Hashes of a secret value and its common encodings, for later recognition without storing it. */
export function secretFingerprints(value: string): { h: string; len: number }[] {
  const forms = new Set([value, Buffer.from(value).toString('base64').replace(/=+$/, ''), encodeURIComponent(value), Buffer.from(value).toString('hex')]);
  return [...forms].filter((f) => f.length >= 8).map((f) => ({ h: hash(f), len: f.length }));
}

export function hash(s: string): string {
  return crypto.createHash('sha256').update(s).digest('hex').slice(0, 24);
}

/** Does `text` contain any fingerprinted secret? */
export function containsFingerprint(text: string, prints: readonly { h: string; len: number }[]): boolean {
  if (prints.length === 0 || text.length > 100_000) return false;
  const lens = new Set(prints.map((p) => p.len));
  const hashes = new Set(prints.map((p) => p.h));
  for (const len of lens) {
    for (let i = 0; i + len <= text.length; i++) {
      if (hashes.has(hash(text.slice(i, i + len)))) return true;
    }
  }
  return false;
}
