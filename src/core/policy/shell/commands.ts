import type { ShellCommandInfo, Signal } from '../action.ts';
import { type CommandCtx, type Handler } from './commandKit.ts';
import { interpreter, interpreterFamily, perl, tcl } from './cmdCode.ts';
import { dbClient, DB_CLIENTS } from './cmdDatabases.ts';
import { chmodLike, chownLike, compressor, copyLike, dd, handlePatternFirst, handleReader, patch, PATTERN_FIRST, READERS, recursiveDeleter, rm, rmdir, rsyncLike, sed, shred, tar, tee, touchLike, trash, unzip, zip } from './cmdFiles.ts';
import { git } from './cmdGit.ts';
import { gh, graphqlMutations, MAKES_PUBLIC } from './cmdGithub.ts';
import { cloudCopy, curl, downloader, httpie, netcat, scp, ssh, wget } from './cmdNetwork.ts';
import { container, deployOf, npmPkg } from './cmdOps.ts';
import { looksLikeUrl, normaliseUrl } from './commandKit.ts';
import type { ArgWord } from './expand.ts';

/**
 * What the commands the policy knows do to files, the network, git and
 * GitHub: the registry of handlers by program name. Each handler reads the
 * evaluated arguments of one simple command (wrappers already removed) and
 * fills in its effects; the handlers live by domain in cmd*.ts.
 */

export type { CommandCtx };

const psWeb: Handler = (args, ctx, info) => {
  info.network = true;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!.v;
    if (looksLikeUrl(a)) info.urls.push(a);
    else if (/^-uri$/i.test(a) && args[i + 1]) info.urls.push(normaliseUrl(args[i + 1]!.v));
    else if (/^-outfile$/i.test(a) && args[i + 1]) {
      const path = ctx.resolve(args[i + 1]!);
      info.writes.push(path);
      info.downloads.push({ url: info.urls[0] ?? '', path });
    } else if (/^-infile$/i.test(a) && args[i + 1]) {
      const path = ctx.resolve(args[i + 1]!);
      info.reads.push(path);
      info.uploads.push(path);
    }
  }
};

const HANDLERS: Record<string, Handler> = {
  sed, perl, tee, sponge: tee, dd, patch, tclsh: tcl, wish: tcl, expect: tcl,
  cp: copyLike('cp'), mv: copyLike('mv'), install: copyLike('install'), ln: copyLike('ln'), link: copyLike('ln'),
  touch: touchLike, mkdir: touchLike, truncate: touchLike, mkfifo: touchLike, mknod: touchLike,
  rsync: rsyncLike, scp, sftp: ssh, tar, bsdtar: tar, gtar: tar, zip, '7z': zip, unzip,
  gzip: compressor, gunzip: compressor, bzip2: compressor, bunzip2: compressor, xz: compressor, unxz: compressor, zstd: compressor, lz4: compressor,
  chmod: chmodLike, chown: chownLike, chgrp: chownLike, chattr: chmodLike, setfacl: chmodLike, xattr: touchLike,
  rm, unlink: rmdir, rmdir, shred, srm: shred, wipe: shred,
  rimraf: recursiveDeleter('rimraf'), 'del-cli': recursiveDeleter('del'), trash, 'trash-put': trash, gio: trash,
  curl, wget, aria2c: downloader, axel: downloader, http: httpie, https: httpie, xh: httpie, xhs: httpie,
  nc: netcat, ncat: netcat, netcat, socat: netcat, telnet: netcat, ssh, mosh: ssh,
  aws: cloudCopy, gsutil: cloudCopy, rclone: cloudCopy, azcopy: cloudCopy, s3cmd: cloudCopy,
  git, gh,
  iwr: psWeb, irm: psWeb, 'invoke-webrequest': psWeb, 'invoke-restmethod': psWeb,
  docker: container, podman: container, nerdctl: container, npm: npmPkg, pnpm: npmPkg,
};
for (const n of Object.keys(READERS)) HANDLERS[n] ??= handleReader(n);
for (const n of Object.keys(PATTERN_FIRST)) HANDLERS[n] = handlePatternFirst(n);
for (const n of Object.keys(DB_CLIENTS)) HANDLERS[n] = dbClient(n);

/**
 * HANDLERS as a Map: looking a command name up in a large object first
 * interns the name (a string-table probe per command), and a command named
 * like an Object.prototype member (`valueOf`, `__proto__`) finds nothing.
 */
const HANDLER_MAP = new Map<string, Handler>(Object.entries(HANDLERS));

/** The programs with a handler: what a command name written as a pattern (`/bin/c?t`) may expand to. */
export function handledNames(): IterableIterator<string> {
  return HANDLER_MAP.keys();
}

function handlerOf(name: string): Handler | undefined {
  return HANDLER_MAP.get(name);
}

/** Fills in the effects of one simple command. */
const CLOUD_CLIS = new Set(['gsutil', 'rclone', 'az', 'gcloud', 'kubectl', 'helm', 'terraform']);
const PACKAGE_MANAGERS = new Set(['pip', 'pip3', 'npm', 'pnpm', 'yarn', 'cargo', 'go', 'gem', 'brew', 'apt', 'apt-get']);
const FETCHING = new Set(['install', 'add', 'i', 'ci', 'update', 'upgrade', 'get', 'fetch', 'download']);

const HTTP_CLIENTS: ReadonlySet<string> = new Set(['curl', 'wget', 'http', 'https', 'xh', 'xhs']);
const GITHUB_API = /^https?:\/\/api\.github\.com(?:\/|$)/i;

/**
 * `curl -X DELETE https://api.github.com/repos/o/r`: a raw GitHub API call,
 * judged as `gh api` is (method from -X/--request/--method or the data
 * flags, HTTPie's leading method word; a GraphQL mutation as MUTATION).
 */
function githubApiCall(name: string, plain: readonly string[], info: ShellCommandInfo): void {
  const url = info.urls.find((u) => GITHUB_API.test(u));
  if (url === undefined || info.github) return;
  let method: string | undefined;
  for (let i = 0; i < plain.length; i++) {
    const a = plain[i]!;
    if (a === '-X' || a === '--request' || a === '--method') method = plain[i + 1];
    else if (/^-X[A-Za-z]+$/.test(a)) method = a.slice(2);
    else if (/^--(request|method)=/.test(a)) method = a.slice(a.indexOf('=') + 1);
  }
  const first = plain.find((a) => !a.startsWith('-'));
  if (method === undefined && name !== 'curl' && name !== 'wget' && first !== undefined && /^(GET|POST|PUT|PATCH|DELETE)$/i.test(first)) method = first;
  const sends = plain.some((a) => /^(-d|--data|--data-\w+|-F|--form|--json|--post-data|--post-file|--body-data|--body-file)(=|$)/.test(a));
  const endpoint = url.replace(GITHUB_API, '').replace(/[?#].*$/, '');
  let m = (method ?? (sends ? 'POST' : 'GET')).toUpperCase();
  const mutations = endpoint === 'graphql' && plain.some((a) => /mutation/i.test(a)) ? graphqlMutations(plain) : undefined;
  if (mutations !== undefined) m = 'MUTATION';
  info.github = { op: 'api', method: m, endpoint, count: 1, bulk: false, admin: false, text: info.text };
  if (mutations !== undefined && mutations.length > 0) info.github.mutations = mutations;
  if (m !== 'GET' && plain.some((a) => MAKES_PUBLIC.test(a))) info.github.makesPublic = true;
}

export function describeCommand(name: string, args: ArgWord[], ctx: CommandCtx, info: ShellCommandInfo, signals: Signal[]): void {
  let handler = handlerOf(name);
  if (!handler) {
    const family = interpreterFamily(name);
    if (family) handler = interpreter(family);
  }
  if (handler) handler(args, ctx, info, signals);
  const plain = args.map((a) => a.v);
  if (HTTP_CLIENTS.has(name) && info.urls.length > 0) githubApiCall(name, plain, info);
  // a bind mount shows a folder at another place (`mount --bind ~/.ssh ./m`, `bindfs ~ ./m`): judged as a container's mounts are
  if (name === 'bindfs' || name === 'mount' && plain.some((a) => a === '--bind' || a === '--rbind' || a === '-B' || a === '-R' || /^-o.*\bbind\b/.test(a) || /\bbind\b/.test(a) && plain[plain.indexOf(a) - 1] === '-o')) {
    const pos = args.filter((a, i) => !a.v.startsWith('-') && !(i > 0 && args[i - 1]!.v === '-o'));
    if (pos.length >= 2) (info.mounts ??= []).push(ctx.resolve(pos[0]!));
  }
  const deploy = deployOf(name, plain);
  if (deploy) info.deploy = deploy;
  if (name === 'aws' && plain[0] !== 's3' || CLOUD_CLIS.has(name) || name === 'docker' && plain[0] === 'push') info.network = true;
  if (PACKAGE_MANAGERS.has(name) && FETCHING.has(plain[0] ?? '')) info.network = true;
}

