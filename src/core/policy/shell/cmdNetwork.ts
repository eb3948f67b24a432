import { has, parseArgs, value, values, type ArgSpec } from './args.ts';
import { basename, isFileUrl, joinPath, looksLikeUrl, normaliseUrl, schemelessUrl, type Handler } from './commandKit.ts';
import { rsyncLike } from './cmdFiles.ts';

/**
 * Network clients: what they fetch, upload and write.
 */
// ---------------------------------------------------------------- network

export const CURL_SPEC: ArgSpec = {
  values: [
    'd', 'F', 'T', 'o', 'X', 'H', 'u', 'A', 'e', 'b', 'c', 'K', 'm', 'r', 'w', 'x', 'E', 'U', 'C', 'Y', 'y', 'z', 'P', 'Q', 't',
    '--data', '--data-raw', '--data-binary', '--data-urlencode', '--data-ascii', '--json', '--form', '--form-string', '--upload-file', '--output', '--request',
    '--header', '--user', '--user-agent', '--referer', '--cookie', '--cookie-jar', '--config', '--max-time', '--range', '--write-out', '--proxy',
    '--url', '--output-dir', '--connect-timeout', '--retry', '--cacert', '--cert', '--key', '--resolve', '--connect-to', '--interface', '--oauth2-bearer',
    '--variable', '--expand-url', '--expand-data', '--trace', '--trace-ascii', '--dump-header', '--stderr', '--netrc-file', '--limit-rate', '--unix-socket',
  ],
};

export const curl: Handler = (args, ctx, info) => {
  const p = parseArgs(args, CURL_SPEC);
  info.network = true;
  // curl takes every positional as a URL, scheme or not; a `file:` one reads the local file
  for (const a of p.positionals) {
    if (isFileUrl(a.v)) info.reads.push(ctx.resolve(a));
    else if (looksLikeUrl(a.v) || schemelessUrl(a.v)) info.urls.push(normaliseUrl(a.v));
  }
  for (const u of values(p, '--url')) {
    if (isFileUrl(u)) info.reads.push(ctx.resolve(u));
    else info.urls.push(normaliseUrl(u));
  }
  const dataFlags = ['-d', '--data', '--data-binary', '--data-urlencode', '--data-ascii', '--json', '-F', '--form', '--data-raw', '--form-string'];
  for (const e of p.list) {
    if (!dataFlags.includes(e.flag) || typeof e.value !== 'string') continue;
    const v = e.value;
    if (e.flag === '--data-raw' || e.flag === '--form-string') continue;
    const m = /(?:^|=)[@<](.+)$/.exec(v);
    if (m) {
      if (m[1] === '-') info.uploads.push('-');
      else {
        const path = ctx.resolve(m[1]!.replace(/;.*$/, ''));
        info.reads.push(path);
        info.uploads.push(path);
      }
    }
  }
  for (const t of values(p, '-T', '--upload-file')) {
    if (t === '-' || t === '.') info.uploads.push('-');
    else {
      const path = ctx.resolve(t);
      info.reads.push(path);
      info.uploads.push(path);
    }
  }
  for (const f of values(p, '-K', '--config', '--netrc-file')) info.reads.push(ctx.resolve(f));
  const outDir = value(p, '--output-dir');
  const base = outDir !== undefined ? ctx.resolve(outDir) : ctx.cwd;
  for (const o of values(p, '-o', '--output')) {
    if (o === '-' || o === '/dev/stdout') continue;
    const path = ctx.resolve(o, base);
    info.writes.push(path);
    info.downloads.push({ url: info.urls[0] ?? '', path });
  }
  if (has(p, '-O', '--remote-name', '--remote-name-all')) {
    for (const u of info.urls) {
      const name = basename(u.replace(/[?#].*$/, '')) || 'index.html';
      const path = joinPath(base, name);
      info.writes.push(path);
      info.downloads.push({ url: u, path });
    }
  }
  for (const c of values(p, '-c', '--cookie-jar', '-D', '--dump-header', '--trace', '--trace-ascii')) if (c !== '-') info.writes.push(ctx.resolve(c));
};

/** aria2c, axel: download their URLs to -o/--out (inside -d/--dir), else to the URLs' base names. */
export const downloader: Handler = (args, ctx, info) => {
  const p = parseArgs(args, {
    values: ['o', 'd', 'i', 'x', 's', 'n', 'j', 'a', 'U', 'H', '--out', '--output', '--dir', '--input-file', '--num-connections', '--max-connection-per-server', '--split', '--user-agent', '--header'],
  });
  info.network = true;
  for (const a of p.positionals) if (looksLikeUrl(a.v) || schemelessUrl(a.v)) info.urls.push(normaliseUrl(a.v));
  for (const f of values(p, '-i', '--input-file')) if (f !== '-') info.reads.push(ctx.resolve(f));
  const dir = value(p, '-d', '--dir');
  const out = value(p, '-o', '--out', '--output');
  const named = out !== undefined ? info.urls.slice(0, 1).map((u) => ({ u, name: out })) : info.urls.map((u) => ({ u, name: basename(u.replace(/[?#].*$/, '')) || 'index.html' }));
  for (const { u, name } of named) {
    const path = ctx.resolve(dir !== undefined ? joinPath(dir, name) : name);
    info.writes.push(path);
    info.downloads.push({ url: u, path });
  }
};

export const wget: Handler = (args, ctx, info) => {
  const p = parseArgs(args, {
    values: ['O', 'o', 'a', 'P', 'i', 'U', 'e', 't', 'T', 'w', 'Q', 'l', 'A', 'R', 'D', 'I', 'X', '--output-document', '--output-file', '--directory-prefix', '--input-file', '--post-data', '--post-file', '--body-data', '--body-file', '--method', '--header', '--user-agent', '--execute', '--user', '--password', '--load-cookies', '--save-cookies', '--tries', '--timeout'],
  });
  info.network = true;
  for (const a of p.positionals) if (looksLikeUrl(a.v) || schemelessUrl(a.v)) info.urls.push(normaliseUrl(a.v));
  for (const f of values(p, '--post-file', '--body-file')) {
    const path = ctx.resolve(f);
    info.reads.push(path);
    info.uploads.push(path);
  }
  for (const f of values(p, '-i', '--input-file', '--load-cookies')) if (f !== '-') info.reads.push(ctx.resolve(f));
  const out = value(p, '-O', '--output-document');
  if (out !== undefined) {
    if (out !== '-') {
      const path = ctx.resolve(out);
      info.writes.push(path);
      info.downloads.push({ url: info.urls[0] ?? '', path });
    }
  } else if (!has(p, '--spider')) {
    const dir = value(p, '-P', '--directory-prefix');
    const base = dir !== undefined ? ctx.resolve(dir) : ctx.cwd;
    for (const u of info.urls) {
      const path = joinPath(base, basename(u.replace(/[?#].*$/, '')) || 'index.html');
      info.writes.push(path);
      info.downloads.push({ url: u, path });
    }
  }
};

export const httpie: Handler = (args, ctx, info) => {
  const p = parseArgs(args, { values: ['a', 'o', '--auth', '--output', '--session'] });
  info.network = true;
  for (const a of p.positionals) {
    if (looksLikeUrl(a.v) || /^(localhost|[\w-]+(\.[\w-]+)+)(:\d+)?(\/|$)/.test(a.v)) info.urls.push(normaliseUrl(a.v));
    const m = /^[^=@:]+(?:=@|@|:=@)(.+)$/.exec(a.v);
    if (m) {
      const path = ctx.resolve(m[1]!);
      info.reads.push(path);
      info.uploads.push(path);
    }
  }
  const out = value(p, '-o', '--output');
  if (out) info.writes.push(ctx.resolve(out));
};

export const netcat: Handler = (args, _ctx, info) => {
  const p = parseArgs(args, { values: ['p', 'w', 'i', 's', 'x', 'X', 'e', 'c', 'q'] });
  info.network = true;
  const host = p.positionals[0]?.v;
  if (host) info.urls.push(`tcp://${host}${p.positionals[1] ? ':' + p.positionals[1].v : ''}`);
  const exec = value(p, '-e', '-c');
  if (exec) info.execs.push(exec);
  info.uploads.push('-');
};

export const scp: Handler = (args, ctx, info) => {
  const p = parseArgs(args, { values: ['i', 'P', 'o', 'F', 'c', 'l', 'S', 'J'] });
  const pos = p.positionals;
  if (pos.length < 2) return;
  rsyncLike([...pos.map((a) => a)], ctx, info, []);
  info.network = true;
};

export const ssh: Handler = (args, ctx, info) => {
  const p = parseArgs(args, { values: ['i', 'p', 'o', 'F', 'l', 'L', 'R', 'D', 'J', 'W', 'E', 'S', 'c', 'm', 'b', 'e', 'w', 'O', 'Q', 'B'], stopAtFirstPositional: true });
  info.network = true;
  // options that run a local command: -o ProxyCommand=…, -o LocalCommand=… (ssh runs them through the shell)
  for (const o of values(p, '-o')) {
    const m = /^\s*(ProxyCommand|LocalCommand|KnownHostsCommand)\s*[= ]\s*(.+)$/i.exec(o);
    if (m && m[2]!.trim().toLowerCase() !== 'none') ctx.nested(m[2]!.replace(/%[a-zA-Z%]/g, 'x'), `ssh ${m[1]}`);
  }
  const host = p.positionals[0]?.v;
  if (host) info.urls.push(`ssh://${host.replace(/^[^@]*@/, '')}`);
  info.uploads.push('-');
  // a command for this very machine (`ssh localhost 'rm -rf ~'`) runs here, through the login shell
  const remote = p.positionals.slice(1).map((a) => a.v).join(' ');
  if (host && remote !== '' && /^(?:[^@]*@)?(?:localhost|127(?:\.\d+){3}|::1|\[::1\]|0\.0\.0\.0)$/i.test(host)) ctx.nested(remote, 'ssh localhost');
};

export const cloudCopy: Handler = (args, ctx, info) => {
  // aws s3 cp|sync|mv, gsutil cp|rsync, rclone copy|sync, azcopy copy
  const pos = args.filter((a) => !a.v.startsWith('-'));
  const remote = (v: string): boolean => /^(s3|gs|az|wasbs?|abfss?|https?):\/\//.test(v) || /^[\w-]+:/.test(v) && !/^[A-Za-z]:[\\/]/.test(v);
  const verbs = new Set(['cp', 'sync', 'mv', 'copy', 'rsync', 'move', 'copyto', 'moveto']);
  const verbIdx = pos.findIndex((a) => verbs.has(a.v));
  if (verbIdx < 0) return;
  const rest = pos.slice(verbIdx + 1);
  if (rest.length < 2) return;
  info.network = true;
  const dest = rest[rest.length - 1]!;
  const sources = rest.slice(0, -1);
  if (remote(dest.v)) {
    info.urls.push(dest.v);
    for (const s of sources) {
      if (remote(s.v)) continue;
      const path = ctx.resolve(s);
      info.reads.push(path);
      info.uploads.push(path);
    }
  } else {
    info.writes.push(ctx.resolve(dest));
    for (const s of sources) if (remote(s.v)) info.urls.push(s.v);
  }
};


