import { findSecret } from '../content.ts';
import { canonicalHost } from '../matchers.ts';
import { changedPaths, NONE, type PackContext } from './context.ts';

/** Reading secrets, printing them, writing them into files. */

const TOKEN_COMMANDS: { name: string; test: (args: string[]) => boolean; what: string }[] = [
  { name: 'gh', test: (a) => a[0] === 'auth' && (a[1] === 'token' || a[1] === 'status' && a.some((x) => x === '-t' || x === '--show-token')), what: 'the GitHub token' },
  { name: 'aws', test: (a) => a[0] === 'configure' && (a[1] === 'get' && /secret|token|key/i.test(a[2] ?? '') || a[1] === 'export-credentials') || a[0] === 'sts' && a[1] === 'get-session-token' || a[0] === 'ecr' && a[1] === 'get-login-password', what: 'AWS credentials' },
  { name: 'gcloud', test: (a) => a.includes('print-access-token') || a.includes('print-identity-token') || a.includes('print-refresh-token'), what: 'a Google Cloud token' },
  { name: 'az', test: (a) => a[0] === 'account' && a[1] === 'get-access-token', what: 'an Azure token' },
  { name: 'kubectl', test: (a) => a[0] === 'config' && a[1] === 'view' && a.some((x) => x === '--raw' || x === '--flatten') || a[0] === 'get' && /^secrets?$/.test(a[1] ?? '') && a.some((x) => /^-o(yaml|json)?$|^--output/.test(x)), what: 'cluster credentials' },
  { name: 'security', test: (a) => /^find-(generic|internet)-password$/.test(a[0] ?? '') && a.some((x) => /^-[a-zA-Z]*[wg][a-zA-Z]*$/.test(x)) || a[0] === 'dump-keychain', what: 'a keychain password' },
  { name: 'op', test: (a) => a[0] === 'read' || a[0] === 'item' && a[1] === 'get' && a.some((x) => x === '--reveal' || x.startsWith('--fields')), what: 'a 1Password secret' },
  { name: 'vault', test: (a) => a[0] === 'read' || a[0] === 'kv' && a[1] === 'get' || a[0] === 'token' && a[1] === 'lookup', what: 'a Vault secret' },
  { name: 'heroku', test: (a) => a[0] === 'auth:token', what: 'the Heroku token' },
  { name: 'doppler', test: (a) => a[0] === 'secrets' && !a.includes('--only-names'), what: 'Doppler secrets' },
  { name: 'infisical', test: (a) => a[0] === 'secrets', what: 'Infisical secrets' },
  { name: 'npm', test: (a) => a[0] === 'token' && a[1] === 'create', what: 'an npm token' },
  { name: 'secret-tool', test: (a) => a[0] === 'lookup', what: 'a keyring secret' },
  { name: 'gpg', test: (a) => a.some((x) => /^--export-secret-(sub)?keys$/.test(x)), what: 'a private GPG key' },
  { name: 'pass', test: (a) => a[0] !== undefined && !/^(ls|list|find|search|init|git|generate|insert|edit|rm|mv|cp)$/.test(a[0]), what: 'a password-store secret' },
  // secrets kept encrypted, decrypted to the terminal
  { name: 'sops', test: (a) => a.some((x) => x === '-d' || x === '--decrypt' || x === 'decrypt' || x === 'exec-env' || x === 'exec-file') && !a.some((x) => x === '-i' || x === '--in-place' || x === '--output'), what: 'secrets that sops decrypts' },
  // `view`, or `decrypt --output -` (to the terminal; without it the file is decrypted in place)
  { name: 'ansible-vault', test: (a) => a[0] === 'view' || a[0] === 'decrypt' && (a.includes('--output=-') || a[a.indexOf('--output') + 1] === '-' && a.includes('--output')), what: 'an Ansible Vault secret' },
  { name: 'gpg', test: (a) => a.some((x) => x === '-d' || x === '--decrypt') && !a.some((x) => x === '-o' || x === '--output' || x.startsWith('--output=')), what: 'a file GPG decrypts' },
  { name: 'age', test: (a) => a.some((x) => x === '-d' || x === '--decrypt') && !a.some((x) => x === '-o' || x === '--output'), what: 'a file age decrypts' },
  { name: 'keyring', test: (a) => a[0] === 'get', what: 'a keyring password' },
  { name: 'git', test: (a) => a[0] === 'credential' && a[1] === 'fill', what: 'git credentials' },
];

/**
 * Cloud instance metadata services, by canonical host (canonicalHost): any
 * process on the machine may ask them for the instance's cloud credentials
 * (169.254.169.254 for AWS, Azure, GCP, Oracle, DigitalOcean, OpenStack;
 * AWS's IPv6 endpoint and DNS names, ECS and EKS task credentials, GCP's
 * names, Alibaba Cloud). The host is the class: the paths that hand out
 * tokens differ by cloud and version, and user data carries secrets too.
 */
const CLOUD_METADATA_HOSTS = new Set([
  '169.254.169.254', 'fd00:ec2::254', 'instance-data', 'instance-data.ec2.internal', '169.254.170.2', '169.254.170.23', 'fd00:ec2::23',
  'metadata.google.internal', 'metadata.goog', 'metadata', '100.100.100.200',
]);

/** a variable (in the signal's `prints $NAME`) whose name ends in a credential's word: `GITHUB_TOKEN`, `AWS_SECRET_ACCESS_KEY`, `DB_PASSWORD` */
const CREDENTIAL_VAR = /\$[A-Z0-9_]*(?:SECRET|TOKEN|PASSWORD|PASSWD|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CLIENT_?SECRET|_PAT)$/i;

/** programs that print the files they are given */
const FILE_READERS: ReadonlySet<string> = new Set(['cat', 'head', 'tail', 'less', 'more', 'tac', 'nl', 'base64', 'xxd', 'od', 'hexdump', 'strings', 'bat', 'sort', 'uniq', 'cut', 'paste', 'awk', 'sed', 'jq', 'cp', 'tar', 'zip', 'curl']);
const SECRETISH = /\.env\b|\benv\b|\bssh\b|\.pem\b|\.key\b|secret|token|credential|\.aws\b|\.kube\b|npmrc|netrc|\bid_(?:rsa|dsa|ecdsa|ed)|passw/i;

/** TOKEN_COMMANDS by program name (in list order), so each command is compared with its own entries only. */
const TOKEN_BY_NAME = new Map<string, (typeof TOKEN_COMMANDS)[number][]>();
for (const t of TOKEN_COMMANDS) TOKEN_BY_NAME.set(t.name, [...(TOKEN_BY_NAME.get(t.name) ?? []), t]);

/**
 * A word of a line that names a secret file (`.env`, `id_rsa`, `~/.ssh/`)
 * once regex anchors, escapes and quotes are taken off (a glob, or a regex's
 * `.*`, may match one): a search for that name finds secrets
 * (`find . -name '.env*'`, `grep -x '^\.env$'`).
 */
function secretNameIn(pc: PackContext, text: string): string | undefined {
  const root = pc.ctx.workspaceRoots[0] ?? '/';
  for (const raw of text.match(/[^\s'"`$(){}|;&<>=,]+/g) ?? NONE) {
    const w = raw.replace(/\\(.)/g, '$1').replace(/^\^+|\$+$/g, '').replace(/\.\*/g, '*').replace(/^(\.\/)+/, '');
    if (w.length < 3 || w[0] === '-' || !/\.|id_|credentials/.test(w)) continue;
    const p = w.startsWith('~/') ? pc.ctx.home + w.slice(1) : w.startsWith('/') ? w : `${root}/${w}`;
    if (pc.isSecret(p)) return w;
  }
  return undefined;
}

export function checkSecrets(pc: PackContext): void {
  const a = pc.action;
  for (const p of a.reads) {
    if (pc.isSecret(p)) {
      pc.add('secrets.read', 'deny', 'reads a secret file (credentials, keys or .env)', p);
      pc.out.memo.secretReads.push(p);
    }
  }
  for (const c of pc.commands()) {
    for (const u of c.uploads) if (pc.isSecret(u) && !a.reads.includes(u)) pc.add('secrets.read', 'deny', 'sends a secret file', u);
    for (const e of c.execs) {
      if (!pc.isSecret(e)) continue;
      pc.add('secrets.source', 'ask', `loads the secret file ${e} into the shell`, c.text);
      pc.out.memo.secretReads.push(e);
    }
    for (const dir of c.treeReads ?? NONE) {
      const inside = (pc.fact(dir)?.entries ?? []).filter((n) => pc.isSecret(dir.replace(/\/+$/, '') + '/' + n));
      if (inside.length === 0) continue;
      const hunting = c.args.some((x) => /key|token|secret|passw|pwd|credential|api/i.test(x));
      const leaving = c.network || c.uploads.length > 0;
      pc.add('secrets.tree-read', hunting || leaving ? 'deny' : 'ask', `reads ${dir} whole, including ${inside.slice(0, 3).join(', ')}`, c.text);
      pc.out.memo.secretReads.push(...inside.map((n) => `${dir}/${n}`));
    }
    for (const m of c.mounts ?? NONE) {
      if (pc.isSecret(m) || pc.isHome(m) || m === '/' || /^\/(etc|root|var\/run\/docker\.sock)$/.test(m)) pc.add('secrets.container-mount', 'deny', `mounts ${m} into a container`, c.text);
    }
    const dynamicRead = c.reads.find((p) => pc.fact(p)?.dynamic);
    if (dynamicRead && SECRETISH.test(c.text) && !c.reads.some((p) => pc.isSecret(p))) {
      // `cat $(find . -name .env)`: the names come from a search for a secret file's name
      const named = secretNameIn(pc, c.text);
      pc.add('secrets.dynamic-read', named ? 'deny' : 'ask', named ? `reads the files a search for ${named} finds` : 'reads a file chosen at run time that looks like a secret', c.text);
      if (named) pc.out.memo.secretReads.push(c.text);
    }
    // `ls -a | grep '^.env$' | xargs cat`: a reader fed file names by a pipe the line filters for secrets
    else if (c.openArgs && FILE_READERS.has(c.name) && SECRETISH.test(a.command ?? '') && !a.reads.some((p) => pc.isSecret(p))) {
      const named = secretNameIn(pc, a.command ?? '');
      pc.add('secrets.dynamic-read', named ? 'deny' : 'ask', named ? `${c.name} reads the files a search for ${named} finds` : `${c.name} reads files named at run time by a line that looks for secrets`, c.text);
      if (named) pc.out.memo.secretReads.push(c.text);
    }
    for (const t of TOKEN_BY_NAME.get(c.name) ?? NONE) {
      if (t.test(c.args)) {
        pc.add('secrets.cli-token', 'deny', `prints ${t.what} into the agent's context`, c.text);
        pc.out.memo.secretReads.push(c.text);
      }
    }
  }
  // `git add -f .env`: the next commit keeps the secret in the history, and a push sends it
  for (const g of a.gitOps) {
    for (const p of g.stages ?? NONE) if (pc.isSecret(p)) pc.add('secrets.stage', 'ask', `stages the secret file ${p}: the next commit keeps it in the history and a push sends it`, g.text);
  }
  for (const url of a.urls) {
    const host = pc.host(url);
    if (host !== undefined && CLOUD_METADATA_HOSTS.has(canonicalHost(host))) {
      pc.add('secrets.cloud-metadata', 'deny', 'asks the cloud metadata service, which hands out the machine\'s cloud credentials', url);
      pc.out.memo.secretReads.push(url);
    }
  }
  // a secret renamed to an ordinary name is no longer recognised as one: later reads and commits would pass
  for (const m of a.moves) {
    if (pc.isSecret(m.from) && !pc.isSecret(m.to)) {
      pc.add('secrets.rename', 'deny', `renames the secret file ${m.from} to ${m.to}, a name not protected as a secret`, m.from);
      pc.out.memo.secretReads.push(m.from);
    }
  }
  const mutated = changedPaths(a, false);
  for (const p of mutated) {
    if (!pc.inWorkspace(p) || !pc.isSecret(p) || fromTemplate(pc, p)) continue;
    if (a.kind === 'write' && a.writes.includes(p) && pc.fact(p)?.exists) {
      // A whole-file write over an existing secret file destroys the real values.
      pc.add('secrets.overwrite', 'deny', 'overwrites an existing secret file, destroying the values in it', p);
    } else {
      pc.add('secrets.write', 'ask', 'changes a secret file (approve so real values are not clobbered)', p);
    }
  }
  for (const s of a.shell?.signals ?? NONE) {
    if (s.code === 'secrets.cli-token') {
      pc.add('secrets.cli-token', 'deny', s.detail ?? 'prints a token', s.fragment);
      pc.out.memo.secretReads.push(s.fragment);
    } else if (s.code === 'secrets.env-dump') {
      const filtered = envDumpFilteredForSecrets(pc, s.fragment);
      // `set -a; . .env; printenv`: the dump prints the secrets the line has just loaded
      const file = loadedSecret(pc);
      if (file !== undefined) {
        pc.add('secrets.env-dump', 'deny', `prints the environment after loading the secret file ${file}`, s.fragment);
        pc.out.memo.secretReads.push('<environment>');
      } else if (filtered) {
        pc.add('secrets.env-dump', 'deny', 'searches the environment for credentials', s.fragment);
        pc.out.memo.secretReads.push('<environment>');
      } else pc.add('secrets.env-dump', 'ask', s.detail ?? 'prints the environment, credentials included', s.fragment);
    } else if (s.code === 'secrets.echo-var') {
      // `source .env && echo $API_KEY`: the value printed is the one the line has just read from the secret file
      const file = loadedSecret(pc);
      if (file !== undefined) {
        pc.add('secrets.echo-var', 'deny', `${s.detail ?? 'prints a secret variable'} after loading the secret file ${file}`, s.fragment);
        pc.out.memo.secretReads.push(file);
      } else if (CREDENTIAL_VAR.test(s.detail ?? '')) {
        // `echo $AWS_SECRET_ACCESS_KEY`, `printenv GITHUB_TOKEN`: a variable named for a credential, printed into the agent's context
        pc.add('secrets.echo-var', 'deny', s.detail ?? 'prints a credential variable', s.fragment);
        pc.out.memo.secretReads.push(s.fragment);
      } else pc.add('secrets.echo-var', 'ask', s.detail ?? 'prints a secret variable', s.fragment);
    }
  }
  if (a.kind === 'write' || a.kind === 'edit' || a.kind === 'shell') {
    for (const e of a.edits) {
      if (pc.isSecret(e.path)) continue;
      const found = findSecret(e.new);
      if (found) pc.add('secrets.content', 'ask', `writes what looks like a ${found} into ${e.path}`, e.path);
    }
  }
}

/** A secret file the line loads into the shell (`set -a; . .env`), if any. */
function loadedSecret(pc: PackContext): string | undefined {
  for (const c of pc.commands()) for (const e of c.execs) if (pc.isSecret(e)) return e;
  return undefined;
}

/** `cp .env.example .env` when there is no .env yet: bootstrapping from the template clobbers nothing. */
function fromTemplate(pc: PackContext, target: string): boolean {
  if (pc.fact(target)?.exists !== false) return false;
  return pc.commands().some(
    (c) => (c.name === 'cp' || c.name === 'install') && c.writes.includes(target) && c.reads.length === 1 && c.deletes.length === 0 && pc.templateNames(c.reads[0]!.slice(c.reads[0]!.lastIndexOf('/') + 1)) && !pc.isSecret(c.reads[0]!),
  ) && pc.action.deletes.length === 0;
}

/** `env | grep -i token`: the dump is piped into a filter looking for credentials. */
function envDumpFilteredForSecrets(pc: PackContext, fragment: string): boolean {
  const cmds = pc.commands();
  const dump = cmds.find((c) => fragment.includes(c.text) && /^(env|printenv|set|export|declare|compgen|get-childitem|ps)$/.test(c.name));
  const pipeline = dump?.pipeline;
  const later = cmds.filter((c) => pipeline !== undefined && c.pipeline === pipeline && c.stage > (dump?.stage ?? 0));
  const source = later.length > 0 ? later : cmds.filter((c) => c.text !== dump?.text);
  return source.some((c) => /^(grep|egrep|rg|awk|sed|findstr|select-string)$/.test(c.name) && c.args.some((x) => /key|token|secret|pass|pwd|auth|cred|api/i.test(x))) || source.some((c) => c.network);
}
