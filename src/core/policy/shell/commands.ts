import type { GitOp, GithubOp, ShellCommandInfo, Signal } from '../action.ts';
import { has, parseArgs, value, values, type ArgSpec, type ParsedArgs } from './args.ts';
import type { ArgWord } from './expand.ts';

/**
 * What the commands the policy knows do to files, the network, git and
 * GitHub. Each handler reads the evaluated arguments of one simple command
 * (wrappers already removed) and fills in its effects.
 */

export interface CommandCtx {
  cwd: string;
  home: string;
  /** what arrives on stdin: a here-document, a here-string, or a pipe */
  stdin?: { text?: string; dynamic: boolean; fromPipe: boolean };
  /** canonical path of a word, relative to `cwd` (or the given directory) */
  resolve(word: ArgWord | string, cwd?: string): string;
  /** analyses code for another shell found inside this command (git rebase -x, os.system) */
  nested(script: string, via: string): void;
  /** a link this command creates: later paths through `link` lead to `target` */
  link?(link: string, target: string): void;
}

type Handler = (args: ArgWord[], ctx: CommandCtx, info: ShellCommandInfo, signals: Signal[]) => void;

const w = (v: string): ArgWord => ({ v, dyn: false, glob: false, vars: [], raw: v, subs: [], indirect: false });

function addReads(info: ShellCommandInfo, ctx: CommandCtx, words: readonly ArgWord[]): void {
  for (const a of words) if (a.v !== '' && a.v !== '-') info.reads.push(ctx.resolve(a));
}

function addWrites(info: ShellCommandInfo, ctx: CommandCtx, words: readonly ArgWord[]): void {
  for (const a of words) if (a.v !== '' && a.v !== '-') info.writes.push(ctx.resolve(a));
}

function basename(p: string): string {
  const s = p.replace(/[\\/]+$/, '');
  const i = Math.max(s.lastIndexOf('/'), s.lastIndexOf('\\'));
  return i >= 0 ? s.slice(i + 1) : s;
}

// ---------------------------------------------------------------- readers

/** Commands whose positional arguments are files they read. */
const READERS: Record<string, ArgSpec> = {
  cat: {}, tac: {}, nl: { values: ['b', 'n', 's', 'v', 'w'] }, less: {}, more: {}, most: {}, bat: { values: ['l', 'r', '--language', '--line-range', '--style', '--theme'] },
  batcat: {}, head: { values: ['n', 'c', '--lines', '--bytes'] }, tail: { values: ['n', 'c', '--lines', '--bytes', '-s'] },
  od: { values: ['t', 'A', 'N', 'j', 'w'] }, hexdump: { values: ['n', 's', 'e', 'f'] }, hd: {}, xxd: { values: ['l', 's', 'c', 'g', 'o'] },
  strings: { values: ['n', 't', 'e'] }, base64: { values: ['w', '--wrap'] }, base32: { values: ['w'] }, basenc: {}, uuencode: {},
  wc: {}, md5sum: {}, sha1sum: {}, sha224sum: {}, sha256sum: {}, sha384sum: {}, sha512sum: {}, shasum: { values: ['a'] }, b2sum: {}, cksum: {}, md5: {},
  file: {}, sort: { values: ['k', 't', 'o', 'S', 'T', '--key', '--output'] }, uniq: { values: ['f', 's', 'w'] }, cut: { values: ['d', 'f', 'c', 'b'] },
  paste: { values: ['d'] }, join: { values: ['t', '1', '2', 'o', 'j'] }, fold: { values: ['w'] }, fmt: { values: ['w'] }, column: { values: ['s', 't', 'c'] },
  iconv: { values: ['f', 't', '--from-code', '--to-code'] }, comm: {}, diff: { values: ['U', 'C', '--label'] }, cmp: {}, sdiff: {},
  zcat: {}, gzcat: {}, bzcat: {}, xzcat: {}, zless: {}, zmore: {}, lzcat: {}, zstdcat: {}, expand: {}, unexpand: {}, look: {}, rev: {}, shuf: {},
  vim: {}, vi: {}, nvim: {}, nano: {}, emacs: {}, view: {}, ed: {}, stat: { values: ['c', 'f', '--format'] }, readlink: {}, realpath: {},
  openssl: {}, gpg: { values: ['o', 'r', 'u', '--output', '--recipient'] }, pr: {}, tsort: {}, split: {}, csplit: {}, xmllint: {}, yq: {}, source: {}, '.': {},
  type: {}, 'get-content': {}, gc: {},
};

/** Readers whose first positional argument is a pattern or a program, not a file. */
const PATTERN_FIRST: Record<string, { spec: ArgSpec; patternFlags: string[]; fileFlags: string[] }> = {
  grep: { spec: { values: ['e', 'f', 'm', 'A', 'B', 'C', 'd', 'D', '--regexp', '--file', '--include', '--exclude', '--exclude-dir', '--max-count', '--context', '--color', '--label'] }, patternFlags: ['-e', '--regexp'], fileFlags: ['-f', '--file'] },
  egrep: { spec: { values: ['e', 'f', 'm', 'A', 'B', 'C'] }, patternFlags: ['-e'], fileFlags: ['-f'] },
  fgrep: { spec: { values: ['e', 'f', 'm', 'A', 'B', 'C'] }, patternFlags: ['-e'], fileFlags: ['-f'] },
  zgrep: { spec: { values: ['e', 'f', 'm', 'A', 'B', 'C'] }, patternFlags: ['-e'], fileFlags: ['-f'] },
  rg: { spec: { values: ['e', 'f', 'g', 't', 'T', 'm', 'A', 'B', 'C', 'M', 'j', 'r', '--regexp', '--file', '--glob', '--iglob', '--type', '--type-not', '--max-count', '--context', '--replace', '--max-columns', '--threads', '--color', '--colors', '--sort', '--sortr', '--type-add', '--pre', '--max-depth', '--encoding', '--engine', '--field-match-separator', '--path-separator'] }, patternFlags: ['-e', '--regexp'], fileFlags: ['-f', '--file'] },
  ag: { spec: { values: ['G', 'A', 'B', 'C', 'm', '--ignore', '--file-search-regex'] }, patternFlags: [], fileFlags: [] },
  ack: { spec: { values: ['A', 'B', 'C', 'm', '--type'] }, patternFlags: [], fileFlags: [] },
  awk: { spec: { values: ['F', 'v', 'f', '--field-separator', '--assign', '--file'] }, patternFlags: [], fileFlags: ['-f', '--file'] },
  gawk: { spec: { values: ['F', 'v', 'f'] }, patternFlags: [], fileFlags: ['-f'] },
  mawk: { spec: { values: ['F', 'v', 'f'] }, patternFlags: [], fileFlags: ['-f'] },
  nawk: { spec: { values: ['F', 'v', 'f'] }, patternFlags: [], fileFlags: ['-f'] },
  jq: { spec: { values: ['f', '--arg', '--argjson', '--slurpfile', '--rawfile', '--indent', '--from-file', '--args', '-L'] }, patternFlags: [], fileFlags: ['-f', '--from-file'] },
  'select-string': { spec: { values: ['-pattern', '-path'], singleDashLong: true }, patternFlags: [], fileFlags: [] },
};

function handlePatternFirst(name: string): Handler {
  const def = PATTERN_FIRST[name]!;
  return (args, ctx, info) => {
    const p = parseArgs(args, def.spec);
    const explicitPattern = def.patternFlags.some((f) => p.flags.has(f)) || def.fileFlags.some((f) => p.flags.has(f));
    const files = explicitPattern ? p.positionals : p.positionals.slice(1);
    addReads(info, ctx, files);
    const recursive = /grep$/.test(name) ? has(p, '-r', '-R', '--recursive', '--dereference-recursive') : name === 'rg' || name === 'ag' ? has(p, '--hidden', '-.', '-u', '--unrestricted', '--no-ignore') : false;
    if (recursive) info.treeReads = (files.length > 0 ? files.map((f) => ctx.resolve(f)) : [ctx.cwd]);
    for (const f of def.fileFlags) for (const v of values(p, f)) info.reads.push(ctx.resolve(v));
    if (name === 'jq' || name === 'awk' || name === 'gawk') {
      for (const e of p.list) if ((e.flag === '--slurpfile' || e.flag === '--rawfile') && e.word) info.reads.push(ctx.resolve(e.word));
    }
    if ((name === 'grep' || name === 'rg') && files.length === 0 && !ctx.stdin && (has(p, '-r', '-R', '--recursive') || name === 'rg')) {
      info.reads.push(ctx.cwd);
    }
  };
}

function handleReader(name: string): Handler {
  const spec = READERS[name]!;
  return (args, ctx, info) => {
    const p = parseArgs(args, spec);
    if (name === 'sort') {
      const out = value(p, '-o', '--output');
      if (out) info.writes.push(ctx.resolve(out));
    }
    if (name === 'uniq' && p.positionals.length >= 2) {
      addReads(info, ctx, p.positionals.slice(0, 1));
      addWrites(info, ctx, p.positionals.slice(1, 2));
      return;
    }
    if (name === 'openssl') {
      for (const e of p.list) {
        if ((e.flag === '-i' || e.flag === '-in' || e.flag === '-inkey' || e.flag === '-key') && typeof e.value === 'string') info.reads.push(ctx.resolve(e.value));
      }
      const inIdx = args.findIndex((a) => a.v === '-in' || a.v === '-inkey' || a.v === '-key');
      if (inIdx >= 0 && args[inIdx + 1]) info.reads.push(ctx.resolve(args[inIdx + 1]!));
      const outIdx = args.findIndex((a) => a.v === '-out');
      if (outIdx >= 0 && args[outIdx + 1]) info.writes.push(ctx.resolve(args[outIdx + 1]!));
      return;
    }
    if (name === 'gpg') {
      const out = value(p, '-o', '--output');
      if (out) info.writes.push(ctx.resolve(out));
    }
    if (name === 'split' || name === 'csplit') {
      addReads(info, ctx, p.positionals.slice(0, 1));
      return;
    }
    if (name === 'vim' || name === 'vi' || name === 'nvim' || name === 'nano' || name === 'emacs' || name === 'ed') {
      addReads(info, ctx, p.positionals);
      addWrites(info, ctx, p.positionals);
      return;
    }
    if (name === 'source' || name === '.') {
      // runs the file in this shell: its variables load, nothing is printed
      if (p.positionals[0]) info.execs.push(ctx.resolve(p.positionals[0]));
      return;
    }
    addReads(info, ctx, p.positionals);
  };
}

// ---------------------------------------------------------------- writers / copiers

const sed: Handler = (args, ctx, info) => {
  // -i takes an optional attached suffix (GNU) or a separate one (BSD `-i ''`)
  const inPlace = args.some((a) => /^-[a-zA-Z]*i/.test(a.v) && !a.v.startsWith('--') || a.v.startsWith('--in-place'));
  const rest = args.filter((a, i) => !(a.v === '' && i > 0 && /^-[a-zA-Z]*i$/.test(args[i - 1]!.v)));
  const p = parseArgs(rest, { values: ['e', 'f', 'l', '--expression', '--file', '--line-length'] });
  const scripted = has(p, '-e', '--expression', '-f', '--file');
  const files = scripted ? p.positionals : p.positionals.slice(1);
  for (const f of values(p, '-f', '--file')) info.reads.push(ctx.resolve(f));
  addReads(info, ctx, files);
  if (inPlace) addWrites(info, ctx, files);
  const script = [...values(p, '-e', '--expression'), ...(scripted ? [] : p.positionals.slice(0, 1).map((a) => a.v))].join('\n');
  // sed's `e` command and `w file` write/run things
  if (/(^|[;\n}])\s*e(\s|$)|\/e\b/.test(script)) info.execs.push('sed:e');
  for (const m of script.matchAll(/(?:^|[;\n])\s*(?:\d+|\/[^/]*\/)?\s*w\s+(\S+)/g)) info.writes.push(ctx.resolve(m[1]!));
};

const perl: Handler = (args, ctx, info, signals) => {
  const p = parseArgs(args, { values: ['e', 'E', 'I', 'M', 'm', 'x'] });
  const code = values(p, '-e', '-E').join('\n');
  const inPlace = args.some((a) => /^-[a-zA-Z]*i/.test(a.v));
  if (code) {
    info.inlineCode = code;
    addReads(info, ctx, p.positionals);
    if (inPlace) addWrites(info, ctx, p.positionals);
    scanInlineCode(code, 'perl', ctx, info, signals);
  } else if (p.positionals[0]) {
    info.execs.push(ctx.resolve(p.positionals[0]));
    addReads(info, ctx, p.positionals);
  } else info.interpreterStdin = true;
};

const tee: Handler = (args, ctx, info) => {
  const p = parseArgs(args, {});
  addWrites(info, ctx, p.positionals);
};

const dd: Handler = (args, ctx, info) => {
  for (const a of args) {
    if (a.v.startsWith('if=')) info.reads.push(ctx.resolve(a.v.slice(3)));
    else if (a.v.startsWith('of=')) info.writes.push(ctx.resolve(a.v.slice(3)));
  }
};

function copyLike(kind: 'cp' | 'mv' | 'install' | 'ln'): Handler {
  const spec: ArgSpec = { values: ['t', 'S', 'm', 'o', 'g', '--target-directory', '--suffix', '--mode', '--owner', '--group', '--backup', '--context'] };
  return (args, ctx, info) => {
    const p = parseArgs(args, spec);
    if (kind === 'install' && has(p, '-d', '--directory')) {
      addWrites(info, ctx, p.positionals);
      return;
    }
    const target = value(p, '-t', '--target-directory');
    let sources: ArgWord[];
    let dest: ArgWord | undefined;
    if (target !== undefined) {
      sources = p.positionals;
      dest = w(target);
    } else {
      if (p.positionals.length === 1 && kind === 'ln') {
        sources = p.positionals;
        dest = w('.');
      } else {
        sources = p.positionals.slice(0, -1);
        dest = p.positionals[p.positionals.length - 1];
      }
    }
    if (!dest) return;
    if (kind === 'cp' && has(p, '-r', '-R', '--recursive', '-a', '--archive')) info.treeReads = sources.map((s) => ctx.resolve(s));
    const destPath = ctx.resolve(dest);
    const intoDir = target !== undefined || sources.length > 1 || /[\\/]$/.test(dest.v) || dest.v === '.' || dest.v === '..';
    const symbolic = kind === 'ln' && has(p, '-s', '--symbolic');
    for (const s of sources) {
      const to = intoDir ? joinPath(destPath, basename(s.v)) : destPath;
      const src = symbolic && !s.v.startsWith('/') ? ctx.resolve(s, to.slice(0, to.lastIndexOf('/')) || '/') : ctx.resolve(s);
      if (kind === 'ln') ctx.link?.(to, src);
      if (kind === 'mv') {
        info.moves.push({ from: src, to });
        info.writes.push(to);
      } else {
        // ln exposes its target under a new name: treat the target as read
        info.reads.push(src);
        info.writes.push(to);
      }
    }
    if (sources.length === 0 && kind !== 'ln') info.writes.push(destPath);
  };
}

function joinPath(dir: string, name: string): string {
  if (name === '' || name === '.' || name === '..') return dir;
  return dir.endsWith('/') ? dir + name : dir + '/' + name;
}

const touchLike: Handler = (args, ctx, info) => {
  const p = parseArgs(args, { values: ['m', 'd', 'r', 't', 's', '--mode', '--date', '--reference', '--size', '-size'] });
  addWrites(info, ctx, p.positionals);
};

const rsyncLike: Handler = (args, ctx, info) => {
  const p = parseArgs(args, { values: ['e', 'P', 'i', 'o', 'F', 'l', '--rsh', '--exclude', '--include', '--filter', '--port', '-port'] });
  const pos = p.positionals;
  if (pos.length < 2) return;
  const dest = pos[pos.length - 1]!;
  const sources = pos.slice(0, -1);
  const isRemote = (a: ArgWord): boolean => /^[^/\s]*[^/\\\s]:(?!\\)/.test(a.v) && !/^[A-Za-z]:[\\/]/.test(a.v) || /^(rsync|sftp|scp):\/\//.test(a.v);
  info.network = true;
  if (isRemote(dest)) {
    for (const s of sources) {
      if (isRemote(s)) continue;
      const src = ctx.resolve(s);
      info.reads.push(src);
      info.uploads.push(src);
      info.treeReads = [...(info.treeReads ?? []), src];
    }
    info.urls.push(remoteUrl(dest.v));
  } else {
    info.writes.push(ctx.resolve(dest));
    for (const s of sources) if (isRemote(s)) info.urls.push(remoteUrl(s.v));
    else info.reads.push(ctx.resolve(s));
  }
  if (has(p, '--delete', '--delete-before', '--delete-after', '--delete-during', '--delete-excluded', '--remove-source-files') && !isRemote(dest)) {
    info.deletes.push({ path: ctx.resolve(dest), recursive: true, via: 'rsync --delete', filtered: true });
  }
};

function remoteUrl(spec: string): string {
  if (/^[a-z]+:\/\//.test(spec)) return spec;
  const m = /^(?:([^@\s]+)@)?([^:\s]+):(.*)$/.exec(spec);
  return m ? `ssh://${m[2]}/${m[3]}` : spec;
}

const tar: Handler = (args, ctx, info) => {
  // tar accepts old-style bundled flags without a dash: `tar czf out.tgz src`
  let list = args;
  if (list[0] && !list[0].v.startsWith('-') && /^[a-zA-Z]+$/.test(list[0].v)) list = [w('-' + list[0].v), ...list.slice(1)];
  const p = parseArgs(list, { values: ['f', 'C', 'T', 'X', 'b', 'H', 'I', '--file', '--directory', '--files-from', '--exclude-from', '--use-compress-program', '--transform', '--to-command'] });
  const archive = value(p, '-f', '--file');
  const dir = value(p, '-C', '--directory');
  const cwd = dir !== undefined ? ctx.resolve(dir) : ctx.cwd;
  const create = has(p, '-c', '--create', '-r', '--append', '-u', '--update');
  const extract = has(p, '-x', '--extract', '--get');
  if (create) {
    if (archive && archive !== '-') info.writes.push(ctx.resolve(archive));
    for (const a of p.positionals) info.reads.push(ctx.resolve(a, cwd));
    info.treeReads = p.positionals.map((a) => ctx.resolve(a, cwd));
  } else if (extract) {
    if (archive && archive !== '-') info.reads.push(ctx.resolve(archive));
    info.writes.push(joinPath(cwd, '*'));
  } else if (archive && archive !== '-') info.reads.push(ctx.resolve(archive));
  const toCommand = value(p, '--to-command', '--use-compress-program', '-I');
  if (toCommand) ctx.nested(toCommand, 'tar --to-command');
  for (const e of p.list) if (e.flag.startsWith('--checkpoint-action') && typeof e.value === 'string' && e.value.startsWith('exec=')) ctx.nested(e.value.slice(5), 'tar --checkpoint-action');
};

const zip: Handler = (args, ctx, info) => {
  const p = parseArgs(args, { values: ['x', 'i', 'b', 'n', 't', 'P', '--password'] });
  const [archive, ...files] = p.positionals;
  if (archive) info.writes.push(ctx.resolve(archive));
  addReads(info, ctx, files);
  if (has(p, '-r', '--recurse-paths')) info.treeReads = files.map((f) => ctx.resolve(f));
};

const unzip: Handler = (args, ctx, info) => {
  const p = parseArgs(args, { values: ['d', 'x', 'P'] });
  const [archive] = p.positionals;
  if (archive) info.reads.push(ctx.resolve(archive));
  const dir = value(p, '-d');
  if (has(p, '-p', '-l', '-t', '-v', '-Z')) return;
  info.writes.push(joinPath(dir !== undefined ? ctx.resolve(dir) : ctx.cwd, '*'));
};

const compressor: Handler = (args, ctx, info) => {
  const p = parseArgs(args, { values: ['S', '--suffix', 'T'] });
  addReads(info, ctx, p.positionals);
  if (!has(p, '-c', '--stdout', '--to-stdout', '-l', '--list', '-t', '--test', '-k', '--keep')) addWrites(info, ctx, p.positionals);
};

const chmodLike: Handler = (args, ctx, info) => {
  const p = parseArgs(args, { values: ['--reference', '--from'] });
  const recursive = has(p, '-R', '--recursive');
  let pos = p.positionals;
  // a mode like -w or -x looks like a flag
  const modeFlag = args.find((a) => /^-[rwxXst]+$/.test(a.v) && !/^-R$/.test(a.v));
  let mode = modeFlag?.v;
  if (mode === undefined && !p.flags.has('--reference')) {
    mode = pos[0]?.v;
    pos = pos.slice(1);
  }
  info.chmod = { mode: mode ?? '', recursive };
  addWrites(info, ctx, pos);
};

const chownLike: Handler = (args, ctx, info) => {
  const p = parseArgs(args, { values: ['--reference', '--from'] });
  const pos = p.flags.has('--reference') ? p.positionals : p.positionals.slice(1);
  info.chmod = { mode: 'owner:' + (p.positionals[0]?.v ?? ''), recursive: has(p, '-R', '--recursive') };
  addWrites(info, ctx, pos);
};

// ---------------------------------------------------------------- deleters

const rm: Handler = (args, ctx, info) => {
  const p = parseArgs(args, { values: ['--interactive', '--preserve-root'] });
  const recursive = has(p, '-r', '-R', '--recursive');
  for (const a of p.positionals) info.deletes.push({ path: ctx.resolve(a), recursive, via: 'rm', ...(a.glob ? { filtered: true } : {}) });
};

const rmdir: Handler = (args, ctx, info) => {
  const p = parseArgs(args, {});
  for (const a of p.positionals) info.deletes.push({ path: ctx.resolve(a), recursive: false, via: 'rmdir' });
};

const shred: Handler = (args, ctx, info) => {
  const p = parseArgs(args, { values: ['n', 's', '--iterations', '--size', '--random-source', '--remove'] });
  for (const a of p.positionals) {
    const path = ctx.resolve(a);
    info.deletes.push({ path, recursive: false, via: 'shred' });
    info.writes.push(path);
  }
};

const recursiveDeleter = (via: string): Handler => (args, ctx, info) => {
  const p = parseArgs(args, {});
  for (const a of p.positionals) info.deletes.push({ path: ctx.resolve(a), recursive: true, via });
};

const trash: Handler = (args, ctx, info) => {
  const p = parseArgs(args, {});
  const pos = p.positionals[0]?.v === 'trash' ? p.positionals.slice(1) : p.positionals;
  // recoverable, but still removes the files from the workspace
  for (const a of pos) info.moves.push({ from: ctx.resolve(a), to: joinPath(ctx.home, '.local/share/Trash') });
};

// ---------------------------------------------------------------- network

const CURL_SPEC: ArgSpec = {
  values: [
    'd', 'F', 'T', 'o', 'X', 'H', 'u', 'A', 'e', 'b', 'c', 'K', 'm', 'r', 'w', 'x', 'E', 'U', 'C', 'Y', 'y', 'z', 'P', 'Q', 't',
    '--data', '--data-raw', '--data-binary', '--data-urlencode', '--data-ascii', '--json', '--form', '--form-string', '--upload-file', '--output', '--request',
    '--header', '--user', '--user-agent', '--referer', '--cookie', '--cookie-jar', '--config', '--max-time', '--range', '--write-out', '--proxy',
    '--url', '--output-dir', '--connect-timeout', '--retry', '--cacert', '--cert', '--key', '--resolve', '--connect-to', '--interface', '--oauth2-bearer',
    '--variable', '--expand-url', '--expand-data', '--trace', '--trace-ascii', '--dump-header', '--stderr', '--netrc-file', '--limit-rate', '--unix-socket',
  ],
};

const curl: Handler = (args, ctx, info) => {
  const p = parseArgs(args, CURL_SPEC);
  info.network = true;
  for (const a of p.positionals) if (looksLikeUrl(a.v)) info.urls.push(normaliseUrl(a.v));
  for (const u of values(p, '--url')) info.urls.push(normaliseUrl(u));
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

const wget: Handler = (args, ctx, info) => {
  const p = parseArgs(args, {
    values: ['O', 'o', 'a', 'P', 'i', 'U', 'e', 't', 'T', 'w', 'Q', 'l', 'A', 'R', 'D', 'I', 'X', '--output-document', '--output-file', '--directory-prefix', '--input-file', '--post-data', '--post-file', '--body-data', '--body-file', '--method', '--header', '--user-agent', '--execute', '--user', '--password', '--load-cookies', '--save-cookies', '--tries', '--timeout'],
  });
  info.network = true;
  for (const a of p.positionals) if (looksLikeUrl(a.v) || /^[\w.-]+\.[a-z]{2,}(\/|$)/i.test(a.v)) info.urls.push(normaliseUrl(a.v));
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

const httpie: Handler = (args, ctx, info) => {
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

const netcat: Handler = (args, _ctx, info) => {
  const p = parseArgs(args, { values: ['p', 'w', 'i', 's', 'x', 'X', 'e', 'c', 'q'] });
  info.network = true;
  const host = p.positionals[0]?.v;
  if (host) info.urls.push(`tcp://${host}${p.positionals[1] ? ':' + p.positionals[1].v : ''}`);
  const exec = value(p, '-e', '-c');
  if (exec) info.execs.push(exec);
  info.uploads.push('-');
};

const scp: Handler = (args, ctx, info) => {
  const p = parseArgs(args, { values: ['i', 'P', 'o', 'F', 'c', 'l', 'S', 'J'] });
  const pos = p.positionals;
  if (pos.length < 2) return;
  rsyncLike([...pos.map((a) => a)], ctx, info, []);
  info.network = true;
};

const ssh: Handler = (args, _ctx, info) => {
  const p = parseArgs(args, { values: ['i', 'p', 'o', 'F', 'l', 'L', 'R', 'D', 'J', 'W', 'E', 'S', 'c', 'm', 'b', 'e', 'w', 'O', 'Q', 'B'], stopAtFirstPositional: true });
  info.network = true;
  const host = p.positionals[0]?.v;
  if (host) info.urls.push(`ssh://${host.replace(/^[^@]*@/, '')}`);
  info.uploads.push('-');
};

const cloudCopy: Handler = (args, ctx, info) => {
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

export function looksLikeUrl(v: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(v) && !/^file:/i.test(v);
}

export function normaliseUrl(v: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(v) ? v : 'http://' + v;
}

/** URLs mentioned anywhere in a text (inline code, arguments of unknown tools). */
export function urlsIn(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/\b(?:https?|ftp|wss?):\/\/[^\s'"`<>)\]}]+/gi)) out.push(m[0]);
  return out;
}

// ---------------------------------------------------------------- interpreters and inline code

const SCRIPT_INTERPRETERS: Record<string, { inline: string[]; spec: ArgSpec }> = {
  python: { inline: ['-c'], spec: { values: ['c', 'm', 'W', 'X', 'Q'] } },
  node: { inline: ['-e', '--eval', '-p', '--print'], spec: { values: ['e', 'p', 'r', '--eval', '--print', '--require', '--import', '--loader', '--input-type', '--env-file', '--conditions', '-C'] } },
  ruby: { inline: ['-e'], spec: { values: ['e', 'r', 'I', 'C', 'E'] } },
  php: { inline: ['-r'], spec: { values: ['r', 'c', 'd', 'f', 'z', 'B', 'R', 'F', 'E'] } },
  lua: { inline: ['-e'], spec: { values: ['e', 'l'] } },
  deno: { inline: ['eval'], spec: { values: ['--allow-read', '--allow-write', '--allow-net', '--config', '-c', '--import-map'] } },
  bun: { inline: ['-e', '--eval', '-p', '--print'], spec: { values: ['e', 'p', '--eval', '--print', '-r', '--preload', '--cwd'] } },
  rscript: { inline: ['-e'], spec: { values: ['e'] } },
  osascript: { inline: ['-e'], spec: { values: ['e', 'l', 's'] } },
  pwsh_: { inline: [], spec: {} },
};

export function interpreterFamily(name: string): string | undefined {
  if (/^python(\d+(\.\d+)*)?$|^pypy\d*$/.test(name)) return 'python';
  if (name === 'node' || name === 'nodejs') return 'node';
  if (name === 'ruby' || name === 'irb') return 'ruby';
  if (/^php\d*$/.test(name)) return 'php';
  if (/^lua(jit|\d(\.\d)?)?$/.test(name)) return 'lua';
  if (name === 'deno' || name === 'bun' || name === 'osascript') return name;
  if (name === 'rscript') return 'rscript';
  return undefined;
}

const interpreter = (family: string): Handler => (args, ctx, info, signals) => {
  const def = SCRIPT_INTERPRETERS[family]!;
  const p = parseArgs(args, { ...def.spec, stopAtFirstPositional: true });
  if (family === 'deno' || family === 'bun') {
    const sub = p.positionals[0]?.v;
    if (sub === 'eval' && p.positionals[1]) {
      info.inlineCode = p.positionals[1].v;
      scanInlineCode(info.inlineCode, family, ctx, info, signals);
      return;
    }
    if (sub === 'run' || sub === 'x') {
      const script = p.positionals[1];
      if (script) {
        if (looksLikeUrl(script.v)) {
          info.urls.push(script.v);
          info.network = true;
          signals.push({ code: 'exec.remote-script', fragment: script.v });
        } else if (/[./]/.test(script.v)) info.execs.push(ctx.resolve(script));
      }
      return;
    }
  }
  const inline = def.inline.map((f) => value(p, f)).find((v) => v !== undefined);
  if (inline !== undefined) {
    info.inlineCode = inline;
    scanInlineCode(inline, family, ctx, info, signals);
    return;
  }
  if (family === 'python' && has(p, '-m')) {
    const mod = value(p, '-m') ?? '';
    if (mod === 'http.server' || mod === 'SimpleHTTPServer') signals.push({ code: 'net.serve', fragment: info.text });
    return;
  }
  const script = p.positionals[0];
  if (!script || script.v === '-') {
    info.interpreterStdin = true;
    return;
  }
  if (looksLikeUrl(script.v)) {
    info.urls.push(script.v);
    info.network = true;
    signals.push({ code: 'exec.remote-script', fragment: script.v });
    return;
  }
  info.execs.push(ctx.resolve(script));
  info.reads.push(ctx.resolve(script));
  addReads(info, ctx, p.positionals.slice(1).filter((a) => /[./]/.test(a.v) && !a.v.startsWith('-')));
};

const DELETE_API = /\b(rmSync|rmdirSync|unlinkSync|rimraf(?:\.sync)?|rmtree|rm_rf|rm_r|remove_dir_all|removedirs|fs\.rm|fs\.rmdir|fs\.unlink|fsp?\.rm|os\.remove|os\.unlink|os\.rmdir|unlink|Path\([^)]*\)\.unlink|File\.delete|FileUtils\.rm\w*|Remove-Item|deleteSync|emptyDirSync|remove_file)\s*\(\s*(?:r?["'`]([^"'`]*)["'`])?/g;
const READ_API = /\b(readFileSync|readFile|read_text|read_bytes|open|File\.read|File\.open|file_get_contents|load_dotenv|dotenv_values|fopen|createReadStream|IO\.read)\s*\(\s*r?["'`]([^"'`]+)["'`]/g;
const WRITE_API = /\b(writeFileSync|writeFile|appendFileSync|appendFile|write_text|write_bytes|File\.write|file_put_contents|createWriteStream|IO\.write)\s*\(\s*r?["'`]([^"'`]+)["'`]/g;
const OPEN_WRITE = /\bopen\s*\(\s*r?["']([^"']+)["']\s*,\s*r?["'][wax+]/g;
const SHELL_API = /\b(system|popen|exec|execSync|execFileSync|spawnSync|spawn|run|call|check_call|check_output|getoutput|getstatusoutput|Popen|shell_exec|passthru|proc_open|`)\s*\(\s*(?:\[([^\]]*)\]|r?(["'])((?:\\.|(?!\3).)*)\3)/g;
const NET_API = /\b(requests\.(get|post|put|patch|delete|request)|urllib\.request|urlopen|http\.client|fetch\s*\(|axios|https?\.request|https?\.get|socket\.(socket|create_connection)|net\.connect|XMLHttpRequest|Net::HTTP|curl_exec|Invoke-WebRequest|WebClient)/;
const DECODE_EXEC = /\b(eval|exec|Function|compile|execScript)\s*\(\s*(?:[\w.]*\b(b64decode|atob|decode|fromCharCode|unhexlify|decompress|FromBase64String)\b|Buffer\.from\([^)]*base64)/;

/**
 * What an interpreter's inline program does, found by looking for the calls
 * that delete, read, write, run commands or reach the network. The program
 * is in another language, so this is a scan, not a parse: constructs it does
 * not recognise are flagged rather than trusted.
 */
export function scanInlineCode(source: string, lang: string, ctx: CommandCtx, info: ShellCommandInfo, signals: Signal[]): void {
  const code = source.length > 200_000 ? source.slice(0, 200_000) : source;
  for (const m of code.matchAll(DELETE_API)) {
    const target = m[2];
    const fn = m[1]!;
    const recursive = /rmtree|rm_rf|rm_r|rimraf|remove_dir_all|removedirs|emptyDir|Remove-Item/.test(fn) || /recursive\s*[:=]\s*(true|True)|-Recurse/.test(code);
    if (target !== undefined && target !== '') info.deletes.push({ path: ctx.resolve(target), recursive, via: `${lang} ${fn}` });
    else signals.push({ code: 'exec.inline-delete', fragment: m[0], detail: `${lang} deletes files it computes at run time` });
  }
  for (const m of code.matchAll(READ_API)) info.reads.push(ctx.resolve(m[2]!));
  for (const m of code.matchAll(WRITE_API)) info.writes.push(ctx.resolve(m[2]!));
  for (const m of code.matchAll(OPEN_WRITE)) info.writes.push(ctx.resolve(m[1]!));
  for (const m of code.matchAll(SHELL_API)) {
    if (m[1] === 'run' && !/subprocess|sh\.|os\./.test(code)) continue;
    const list = m[2];
    const str = m[4];
    if (list !== undefined) {
      const items = [...list.matchAll(/["']([^"']*)["']/g)].map((x) => x[1]!);
      if (items.length > 0) ctx.nested(items.map((x) => (/[\s'"$`\\]/.test(x) ? `'${x.replace(/'/g, `'\\''`)}'` : x)).join(' '), `${lang} subprocess`);
    } else if (str !== undefined) ctx.nested(str.replace(/\\(["'\\])/g, '$1'), `${lang} ${m[1]}`);
  }
  if (NET_API.test(code)) {
    info.network = true;
    for (const u of urlsIn(code)) info.urls.push(u);
    if (info.urls.length === 0) signals.push({ code: 'net.inline', fragment: info.text });
  }
  if (DECODE_EXEC.test(code) || /\b(exec|eval|compile|Function|system|popen|execSync)\s*\(/.test(code) && /\b(b64decode|atob|a85decode|b32decode|unhexlify|fromCharCode|FromBase64String)\b|Buffer\.from\([^)]*['"](base64|hex)['"]|codecs\.decode/.test(code)) {
    signals.push({ code: 'obfuscation.decoded-exec', fragment: info.text, detail: `${lang} runs code it decodes at run time` });
  }
  const computed = /\b(os\.system|os\.popen|subprocess\.(?:run|call|Popen|check_output|check_call|getoutput)|execSync|execFileSync|spawnSync|child_process\.exec|shell_exec|passthru|proc_open|Kernel\.system|IO\.popen)\s*\(\s*(?!["'`\[]|r["'])/.exec(code);
  if (computed) {
    if (/b64decode|atob|base64|fromCharCode|unhexlify|decode\(|Buffer\.from/.test(code)) signals.push({ code: 'obfuscation.decoded-exec', fragment: info.text, detail: `${lang} runs a command it decodes at run time` });
    else signals.push({ code: 'shell.eval-dynamic', fragment: info.text, detail: `${lang} runs a command built at run time (${computed[1]})` });
  }
  if (SQL_DESTRUCTIVE.test(normaliseSql(code))) info.sql.push(code);
}

// ---------------------------------------------------------------- databases

export const SQL_DESTRUCTIVE = /\b(DROP\s+(TABLE|DATABASE|SCHEMA|INDEX|VIEW|USER|ROLE|COLLECTION|KEYSPACE|OWNED)|TRUNCATE(\s+TABLE)?\s+\w|DELETE\s+FROM\s+[\w."`\[\]]+\s*(;|$)|DELETE\s+FROM\s+\S+\s+WHERE\s+(1\s*=\s*1|TRUE|'1'\s*=\s*'1'|1)\s*(;|$)|ALTER\s+TABLE\s+\S+\s+DROP|FLUSHALL|FLUSHDB|\bDEL\s+\*|\bUNLINK\s+\*|DROPDATABASE|\.DROP\s*\(|DELETEMANY\s*\(\s*\{\s*\}\s*\)|REMOVE\s*\(\s*\{\s*\}\s*\)|UPDATE\s+[\w."`]+\s+SET\s+[^;]*?(;|$)(?![\s\S]*WHERE))/;

/** Upper-cases SQL and removes comments, so `DrOp/**\/TaBlE` reads as `DROP TABLE`. */
export function normaliseSql(sql: string): string {
  return sql
    .slice(0, 20_000)
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/--[^\n]*/g, ' ')
    .replace(/#[^\n]*/g, (m) => (/^#\s*\w+\s*=/.test(m) ? m : ' '))
    .replace(/\s+/g, ' ')
    .toUpperCase();
}

const DB_CLIENTS: Record<string, { flags: string[]; spec: ArgSpec; positionalSql?: 'after-db' | 'all' }> = {
  psql: { flags: ['-c', '--command'], spec: { values: ['c', 'f', 'd', 'h', 'p', 'U', 'v', 'o', 'P', 'T', 'F', 'R', 'L', '--command', '--file', '--dbname', '--host', '--port', '--username', '--set', '--variable', '--output'] } },
  pgcli: { flags: ['-c'], spec: { values: ['c', 'h', 'p', 'U', 'd'] } },
  mysql: { flags: ['-e', '--execute'], spec: { values: ['e', 'h', 'u', 'p', 'P', 'D', 'S', '--execute', '--host', '--user', '--database', '--port', '--socket'] } },
  mariadb: { flags: ['-e', '--execute'], spec: { values: ['e', 'h', 'u', 'P', 'D', 'S', '--execute'] } },
  mycli: { flags: ['-e', '--execute'], spec: { values: ['e', 'h', 'u', 'P', 'D'] } },
  sqlite3: { flags: ['-cmd'], spec: { values: ['-cmd', '-separator', '-nullvalue', '-init'], singleDashLong: true }, positionalSql: 'after-db' },
  litecli: { flags: ['-e'], spec: { values: ['e'] } },
  duckdb: { flags: ['-c'], spec: { values: ['c', '-cmd'] }, positionalSql: 'after-db' },
  mongo: { flags: ['--eval'], spec: { values: ['--eval', '--host', '--port', '-u', '-p', '--authenticationDatabase'] } },
  mongosh: { flags: ['--eval'], spec: { values: ['--eval', '--host', '--port', '-u', '-p', '--authenticationDatabase'] } },
  'redis-cli': { flags: [], spec: { values: ['h', 'p', 'a', 'n', 'u', 's', 'r', 'i', '--user', '--pass'] }, positionalSql: 'all' },
  cqlsh: { flags: ['-e', '--execute'], spec: { values: ['e', 'u', 'p', 'k', '--execute', '--keyspace'] } },
  'clickhouse-client': { flags: ['-q', '--query'], spec: { values: ['q', 'h', 'u', 'd', '--query', '--host', '--user', '--database', '--password', '--port'] } },
  sqlcmd: { flags: ['-Q', '-q'], spec: { values: ['Q', 'q', 'S', 'U', 'P', 'd', 'i', 'o'] } },
  bq: { flags: [], spec: { values: ['--project_id', '--location'] }, positionalSql: 'all' },
  snowsql: { flags: ['-q', '--query'], spec: { values: ['q', 'a', 'u', 'd', 's', 'w', 'r', '--query'] } },
};

const dbClient = (name: string): Handler => (args, ctx, info) => {
  const def = DB_CLIENTS[name]!;
  const p = parseArgs(args, def.spec);
  const sql: string[] = [];
  for (const f of def.flags) sql.push(...values(p, f));
  if (name === 'sqlite3' || name === 'duckdb') {
    // sqlite3 DB "SQL…"; -cmd is single-dash long
    const pos = p.positionals;
    if (pos[0]) info.writes.push(ctx.resolve(pos[0]));
    sql.push(...pos.slice(1).map((a) => a.v));
    for (let i = 0; i < args.length - 1; i++) if (args[i]!.v === '-cmd') sql.push(args[i + 1]!.v);
  } else if (def.positionalSql === 'all') {
    sql.push(p.positionals.map((a) => a.v).join(' '));
  }
  for (const f of values(p, '-f', '--file', '-i')) {
    info.reads.push(ctx.resolve(f));
    sql.push(`\\i ${f}`);
  }
  if (ctx.stdin?.text) sql.push(ctx.stdin.text);
  if (ctx.stdin && ctx.stdin.text === undefined) info.sql.push('<stdin>');
  info.sql.push(...sql.filter((s) => s.trim() !== ''));
  info.network = info.network || p.flags.has('-h') || p.flags.has('--host');
};

// ---------------------------------------------------------------- git

const GIT_EXEC_CONFIG = /^(core\.(fsmonitor|hookspath|sshcommand|pager|editor|askpass|gitproxy|alternaterefscommand)|alias\..*|protocol\..*\.allow|protocol\.allow|uploadpack\.packobjectshook|credential\.(helper|.*\.helper)|diff\..*\.(textconv|command)|merge\..*\.driver|filter\..*\.(clean|smudge|process)|sequence\.editor|gpg\.(program|.*\.program)|remote\..*\.(receivepack|uploadpack|vcs)|url\..*\.insteadof|include\.path|includeif\..*|submodule\..*\.update|http\.proxy|core\.worktree|init\.templatedir|sendemail\..*|difftool\..*\.cmd|mergetool\..*\.cmd|pager\..*|browser\..*\.cmd|web\.browser|instaweb\..*)$/i;

export function isExecGitConfig(key: string): boolean {
  return GIT_EXEC_CONFIG.test(key);
}

function refBranch(ref: string): string {
  return ref.replace(/^refs\/heads\//, '').replace(/^heads\//, '');
}

/** Parses a push refspec: `+src:dst`, `:dst` (delete), `src` (same name). */
export function parseRefspec(spec: string): { dst: string; force: boolean; delete: boolean; src: string } {
  let s = spec;
  let force = false;
  if (s.startsWith('+')) {
    force = true;
    s = s.slice(1);
  }
  const colon = s.indexOf(':');
  if (colon < 0) return { src: s, dst: refBranch(s), force, delete: false };
  const src = s.slice(0, colon);
  const dst = refBranch(s.slice(colon + 1) || src);
  return { src, dst, force, delete: src === '' };
}

const GIT_GLOBAL_VALUES = new Set(['-C', '-c', '--git-dir', '--work-tree', '--namespace', '--exec-path', '--config-env', '--super-prefix', '--list-cmds', '--attr-source']);

const git: Handler = (args, ctx, info, signals) => {
  const config: { key: string; value: string }[] = [];
  let i = 0;
  let cwd = ctx.cwd;
  for (; i < args.length; i++) {
    const a = args[i]!.v;
    if (!a.startsWith('-')) break;
    const eq = a.indexOf('=');
    const flag = eq > 0 ? a.slice(0, eq) : a;
    if (GIT_GLOBAL_VALUES.has(flag)) {
      const v = eq > 0 ? a.slice(eq + 1) : args[++i]?.v ?? '';
      if (flag === '-c') {
        const e = v.indexOf('=');
        config.push({ key: (e >= 0 ? v.slice(0, e) : v).toLowerCase(), value: e >= 0 ? v.slice(e + 1) : 'true' });
      } else if (flag === '-C') cwd = ctx.resolve(v, cwd);
      else if (flag === '--config-env') config.push({ key: v.split('=')[0]!.toLowerCase(), value: '$' + (v.split('=')[1] ?? '') });
    }
  }
  const sub = args[i]?.v ?? '';
  const rest = args.slice(i + 1);
  const op: GitOp = { op: sub, args: rest.map((a) => a.v), branches: [], force: false, deleteBranch: false, config, skipsHooks: false, text: info.text };
  info.git = op;
  const local: CommandCtx = cwd === ctx.cwd ? ctx : { ...ctx, cwd, resolve: (wd, dir) => ctx.resolve(wd, dir ?? cwd) };
  if (config.some((c) => c.key === 'core.hookspath')) op.skipsHooks = true;
  switch (sub) {
    case 'push': {
      const p = parseArgs(rest, { values: ['o', '--push-option', '--repo', '--receive-pack', '--exec'] });
      op.force = has(p, '-f', '--force', '--force-with-lease', '--force-if-includes', '--mirror');
      op.allBranches = has(p, '--all', '--mirror', '--branches');
      op.skipsHooks = op.skipsHooks || has(p, '--no-verify');
      const del = has(p, '-d', '--delete');
      const exec = value(p, '--receive-pack', '--exec');
      if (exec) signals.push({ code: 'git.exec-config', fragment: info.text, detail: `--receive-pack ${exec}` });
      const [remote, ...refspecs] = p.positionals.map((a) => a.v);
      const repo = value(p, '--repo');
      op.remote = remote ?? repo ?? 'origin';
      op.remoteIsUrl = /:\/\/|^[^/\s]+@[^:\s]+:|\.git$|^\.{0,2}\//.test(op.remote);
      if (refspecs.length === 0 && !op.allBranches && !has(p, '--tags')) op.branches.push('HEAD');
      for (const r of refspecs) {
        const rs = parseRefspec(r);
        if (rs.force) op.force = true;
        if (rs.delete || del) op.deleteBranch = true;
        if (rs.dst.startsWith('refs/tags/')) continue;
        op.branches.push(rs.dst === 'HEAD' || rs.dst === '@' ? 'HEAD' : rs.dst);
      }
      info.network = true;
      break;
    }
    case 'branch': {
      const p = parseArgs(rest, { values: ['u', '--set-upstream-to', '--contains', '--merged', '--no-merged', '--format', '--sort', '--points-at'] });
      const del = has(p, '-d', '-D', '--delete');
      if (del) {
        op.op = 'branch-delete';
        op.deleteBranch = true;
        op.forceDelete = has(p, '-D', '-f', '--force');
        op.branches.push(...p.positionals.map((a) => a.v));
      } else if (has(p, '-f', '--force', '-M', '-C') && p.positionals.length > 0) {
        op.op = 'branch-force';
        op.force = true;
        op.branches.push(p.positionals[0]!.v);
      }
      break;
    }
    case 'reset': {
      const p = parseArgs(rest, {});
      if (has(p, '--hard')) op.op = 'reset-hard';
      else if (has(p, '--keep', '--merge')) op.op = 'reset-keep';
      break;
    }
    case 'clean': {
      const p = parseArgs(rest, { values: ['e', '--exclude'] });
      const dry = has(p, '-n', '--dry-run');
      if (!dry && has(p, '-f', '--force')) {
        op.op = has(p, '-x', '-X') ? 'clean-ignored' : has(p, '-d') ? 'clean-dirs' : 'clean';
        const paths = p.positionals.length > 0 ? p.positionals : [w('.')];
        for (const a of paths) info.deletes.push({ path: local.resolve(a), recursive: true, via: 'git clean', filtered: true });
      } else op.op = dry ? 'clean-dry-run' : 'clean-interactive';
      break;
    }
    case 'checkout':
    case 'restore':
    case 'switch': {
      const p = parseArgs(rest, { values: ['b', 'B', 's', '--source', '-c', '-C', '--conflict', '--orphan', '--pathspec-from-file'] });
      const dashdash = rest.findIndex((a) => a.v === '--');
      const force = has(p, '-f', '--force', '--discard-changes');
      let paths: ArgWord[] = [];
      if (sub === 'restore') {
        if (!has(p, '--staged', '-S') || has(p, '--worktree', '-W')) paths = p.positionals;
      } else if (sub === 'checkout') {
        if (dashdash >= 0) paths = rest.slice(dashdash + 1);
        else if (p.positionals.length === 1 && (p.positionals[0]!.v === '.' || p.positionals[0]!.v === ':/' || p.positionals[0]!.glob)) paths = p.positionals;
        else if (p.positionals.length > 1) paths = p.positionals.slice(1);
      }
      if (force || paths.some((a) => a.v === '.' || a.v === ':/' || a.v === '*' || a.v === ':(top)' || local.resolve(a) === cwd && /^\.\/?$/.test(a.v))) {
        op.op = 'discard-all';
      } else if (paths.length > 0) {
        op.op = 'discard-paths';
        for (const a of paths) info.writes.push(local.resolve(a));
      }
      if (has(p, '-B')) op.force = true;
      break;
    }
    case 'stash': {
      const verb = rest[0]?.v ?? 'push';
      if (verb === 'clear') op.op = 'stash-clear';
      else if (verb === 'drop') op.op = 'stash-drop';
      break;
    }
    case 'filter-branch':
    case 'filter-repo':
      op.op = 'rewrite-history';
      break;
    case 'reflog':
      if (rest[0]?.v === 'expire' || rest[0]?.v === 'delete') op.op = 'reflog-expire';
      break;
    case 'gc':
      if (rest.some((a) => /^--prune(=now|=all)?$/.test(a.v) && a.v !== '--prune=2.weeks.ago') || rest.some((a) => a.v === '--aggressive')) op.op = 'gc-prune';
      break;
    case 'prune':
      op.op = 'gc-prune';
      break;
    case 'update-ref':
      if (rest.some((a) => a.v === '-d')) {
        op.op = 'update-ref-delete';
        op.deleteBranch = true;
        op.branches.push(...rest.filter((a) => !a.v.startsWith('-')).slice(0, 1).map((a) => refBranch(a.v)));
      }
      break;
    case 'commit': {
      const p = parseArgs(rest, { values: ['m', 'F', 'C', 'c', '--message', '--file', '--author', '--date', '--fixup', '--squash', '-t', '--template', '--trailer'] });
      if (has(p, '-n', '--no-verify')) op.skipsHooks = true;
      for (const f of values(p, '-F', '--file')) if (f !== '-') info.reads.push(local.resolve(f));
      break;
    }
    case 'merge':
    case 'rebase':
    case 'cherry-pick':
    case 'revert':
    case 'pull':
    case 'am': {
      const p = parseArgs(rest, { values: ['s', 'X', 'm', 'x', '--exec', '--strategy', '--strategy-option', '--onto', '-F', '--file'] });
      if (has(p, '--no-verify')) op.skipsHooks = true;
      for (const x of values(p, '-x', '--exec')) ctx.nested(x, `git ${sub} --exec`);
      if (sub === 'pull') info.network = true;
      break;
    }
    case 'config': {
      const p = parseArgs(rest, { values: ['f', '--file', '--blob', '--type', '--default', '--comment'] });
      const reading = has(p, '--get', '--get-all', '--get-regexp', '-l', '--list', '--get-urlmatch', '--show-origin', '--name-only', '-e', '--edit');
      const unset = has(p, '--unset', '--unset-all', '--remove-section', '--rename-section');
      const pos = p.positionals.map((a) => a.v);
      let key = pos[0];
      let val = pos[1];
      if (key === 'set' || key === 'unset' || key === 'get' || key === 'list') {
        const verb = key;
        key = pos[1];
        val = pos[2];
        if (verb === 'get' || verb === 'list') break;
      }
      if (!reading && key && (val !== undefined || unset || has(p, '--add', '--replace-all'))) {
        op.op = 'config-set';
        op.config.push({ key: key.toLowerCase(), value: val ?? '' });
        if (has(p, '--global', '--system')) op.args.push('--global');
        const file = value(p, '-f', '--file');
        if (file) info.writes.push(local.resolve(file));
      }
      if (has(p, '-e', '--edit')) op.op = 'config-edit';
      break;
    }
    case 'clone':
    case 'submodule':
    case 'fetch':
    case 'ls-remote':
    case 'remote': {
      const p = parseArgs(rest, { values: ['c', '--config', '-u', '--upload-pack', '-b', '--branch', '-o', '--origin', '--depth', '--reference', '--template', '--separate-git-dir', '-j', '--jobs', '--filter'] });
      for (const c of values(p, '-c', '--config')) {
        const e = c.indexOf('=');
        op.config.push({ key: (e >= 0 ? c.slice(0, e) : c).toLowerCase(), value: e >= 0 ? c.slice(e + 1) : 'true' });
      }
      const up = value(p, '-u', '--upload-pack');
      if (up) signals.push({ code: 'git.exec-config', fragment: info.text, detail: `--upload-pack ${up}` });
      for (const a of p.positionals) {
        if (/^ext::/i.test(a.v) || /^fd::/i.test(a.v)) signals.push({ code: 'git.exec-config', fragment: a.v, detail: 'the ext:: transport runs a command' });
        if (looksLikeUrl(a.v)) info.urls.push(a.v);
      }
      if (sub === 'clone' && p.positionals[1]) info.writes.push(local.resolve(p.positionals[1]));
      if (sub === 'submodule' && p.positionals[0]?.v === 'foreach') {
        const script = p.positionals.slice(1).map((a) => a.v).join(' ');
        if (script) ctx.nested(script, 'git submodule foreach');
      }
      if (sub === 'remote' && (p.positionals[0]?.v === 'set-url' || p.positionals[0]?.v === 'add')) {
        op.op = `remote-${p.positionals[0]!.v}`;
        op.args = p.positionals.map((a) => a.v);
      }
      info.network = sub !== 'remote' && sub !== 'submodule' || info.network;
      break;
    }
    case 'bisect':
      if (rest[0]?.v === 'run') ctx.nested(rest.slice(1).map((a) => a.v).join(' '), 'git bisect run');
      break;
    case 'show':
    case 'cat-file':
    case 'log':
    case 'diff':
    case 'grep':
    case 'blame':
    case 'archive': {
      for (const a of rest) {
        const m = /^[^:\s-][^:\s]*:(.+)$/.exec(a.v);
        if (m && !looksLikeUrl(a.v)) info.reads.push(local.resolve(m[1]!, cwd));
      }
      const dashdash = rest.findIndex((a) => a.v === '--');
      if (dashdash >= 0 && (sub === 'log' || sub === 'diff' || sub === 'show' || sub === 'blame')) {
        for (const a of rest.slice(dashdash + 1)) info.reads.push(local.resolve(a));
      }
      if (sub === 'archive') {
        const p = parseArgs(rest, { values: ['o', '--output', '--remote', '--prefix', '--format'] });
        const out = value(p, '-o', '--output');
        if (out) info.writes.push(local.resolve(out));
        if (value(p, '--remote')) info.network = true;
      }
      break;
    }
    case 'rm': {
      const p = parseArgs(rest, { values: ['--pathspec-from-file'] });
      if (!has(p, '--cached')) {
        const recursive = has(p, '-r');
        for (const a of p.positionals) info.deletes.push({ path: local.resolve(a), recursive, via: 'git rm' });
      }
      break;
    }
    case 'mv': {
      const p = parseArgs(rest, {});
      const pos = p.positionals;
      if (pos.length >= 2) {
        const dest = local.resolve(pos[pos.length - 1]!);
        for (const s of pos.slice(0, -1)) info.moves.push({ from: local.resolve(s), to: dest });
      }
      break;
    }
    case 'apply':
      for (const a of rest) if (!a.v.startsWith('-')) info.reads.push(local.resolve(a));
      info.writes.push(joinPath(cwd, '*'));
      break;
    case 'worktree':
      if (rest[0]?.v === 'remove' && rest.some((a) => a.v === '-f' || a.v === '--force')) {
        const target = rest.filter((a) => !a.v.startsWith('-'))[1];
        if (target) info.deletes.push({ path: local.resolve(target), recursive: true, via: 'git worktree remove --force' });
      }
      break;
    case 'send-email':
      info.network = true;
      for (const a of rest) if (!a.v.startsWith('-')) {
        const path = local.resolve(a);
        info.reads.push(path);
        info.uploads.push(path);
      }
      break;
    default:
      break;
  }
  for (const c of op.config) {
    if (c.key === 'core.hookspath') op.skipsHooks = true;
  }
};

// ---------------------------------------------------------------- GitHub CLI

const gh: Handler = (args, ctx, info, signals) => {
  const group = args[0]?.v ?? '';
  const verb = args[1]?.v ?? '';
  const rest = args.slice(2);
  const p = parseArgs(rest, {
    values: ['R', '--repo', 'X', '--method', 'f', 'F', '--field', '--raw-field', 'H', '--header', '--input', 'q', '--jq', 't', '--template', 'b', '--body', 'B', '--base', 'H', '--head', 'c', '--comment', 'r', '--ref', '--title', '--visibility', '-T', '-L', '--limit', '-s', '--state', '--json', '-l', '--label', '-a', '--assignee', '-m', '--milestone', '-F', '--body-file', '--reason', '-d', '--desc', '--notes', '--notes-file', '-n', '--target'],
  });
  const repo = value(p, '-R', '--repo');
  const num = p.positionals.find((a) => /^#?\d+$/.test(a.v));
  const op: GithubOp = { op: `${group}.${verb}`, count: 1, bulk: false, admin: false, text: info.text, ...(repo ? { repo } : {}), ...(num ? { number: Number(num.v.replace('#', '')) } : {}) };
  info.github = op;
  info.network = true;
  if (group === 'api') {
    const endpoint = args.slice(1).find((a) => !a.v.startsWith('-') && (a.v.includes('/') || a.v === 'graphql'))?.v ?? verb;
    const all = parseArgs(args.slice(1), { values: ['X', '--method', 'f', 'F', '--field', '--raw-field', 'H', '--header', '--input', 'q', '--jq', 't', '--template', '--cache', '--hostname', '-p', '--preview'] });
    const fields = [...values(all, '-f', '--raw-field'), ...values(all, '-F', '--field')];
    const input = value(all, '--input');
    let method = (value(all, '-X', '--method') ?? (fields.length > 0 || input ? 'POST' : 'GET')).toUpperCase();
    if (endpoint === 'graphql' && fields.some((f) => /mutation/i.test(f))) method = 'MUTATION';
    op.op = 'api';
    op.method = method;
    op.endpoint = endpoint;
    for (const f of values(all, '-F', '--field')) {
      const m = /^[^=]+=@(.+)$/.exec(f);
      if (m && m[1] !== '-') {
        const path = ctx.resolve(m[1]!);
        info.reads.push(path);
        info.uploads.push(path);
      }
    }
    if (input && input !== '-') {
      const path = ctx.resolve(input);
      info.reads.push(path);
      info.uploads.push(path);
    }
    return;
  }
  if (group === 'pr' && verb === 'merge') {
    op.op = 'merge_pr';
    op.admin = has(p, '--admin');
  } else if (group === 'issue' || group === 'pr') {
    op.op = `${verb}_${group === 'pr' ? 'pr' : 'issue'}`;
  } else if (group === 'repo') {
    op.op = `repo_${verb}`;
    const vis = value(p, '--visibility');
    if (verb === 'edit' && vis) op.op = vis === 'public' ? 'repo_make_public' : 'repo_edit';
    if (verb === 'create' || verb === 'clone' || verb === 'fork') {
      const target = p.positionals[1] ?? (verb === 'clone' ? p.positionals[0] && w(p.positionals[0].v.split('/').pop() ?? '') : undefined);
      if (target && verb === 'clone') info.writes.push(ctx.resolve(target));
    }
  } else if (group === 'release') {
    op.op = `release_${verb}`;
    if (verb === 'upload' || verb === 'create') for (const a of p.positionals.slice(1)) if (!/^v?\d/.test(a.v)) {
      const path = ctx.resolve(a.v.replace(/#.*$/, ''));
      info.reads.push(path);
      info.uploads.push(path);
    }
  } else if (group === 'gist' && (verb === 'create' || verb === 'new' || verb === 'edit')) {
    op.op = 'gist_create';
    for (const a of p.positionals) if (a.v !== '-') {
      const path = ctx.resolve(a);
      info.reads.push(path);
      info.uploads.push(path);
    }
  } else if (group === 'auth' && (verb === 'token' || (verb === 'status' && has(p, '-t', '--show-token')))) {
    op.op = 'auth_token';
    signals.push({ code: 'secrets.cli-token', fragment: info.text, detail: 'prints the GitHub token' });
  } else if (group === 'secret' || group === 'variable') {
    op.op = `${group}_${verb}`;
  } else if (group === 'workflow' || group === 'run') {
    op.op = `${group}_${verb}`;
  } else if (group === 'extension' || group === 'ext') {
    op.op = `extension_${verb}`;
  } else if (group === 'ssh-key' || group === 'gpg-key') {
    op.op = `${group}_${verb}`;
  }
  const branch = value(p, '-B', '--base');
  if (branch) op.branch = branch;
  if (has(p, '-d', '--delete-branch') && group === 'pr') op.op += '+delete-branch';
  for (const f of values(p, '-F', '--body-file', '--notes-file')) if (f !== '-') {
    const path = ctx.resolve(f);
    info.reads.push(path);
    info.uploads.push(path);
  }
};

// ---------------------------------------------------------------- deploys, scheduling, disks

/** A script whose name says it deploys: deploy.sh, deploy-prod, release.sh, rollout.py */
export const DEPLOY_SCRIPT = /^(deploy|release|rollout|publish|promote|ship)([-_.].*)?$|[-_](deploy|release|rollout)(\.\w+)?$/i;

const DEPLOY_WORD = /(^|[-_:./])(deploy|deployment|release|publish|prod|production|rollout|ship|promote)([-_:./]|$)/i;

export function deployOf(name: string, args: readonly string[]): string | undefined {
  if (args.some((a) => /^--(dry-run|dryrun|check|diff|plan|what-if|preview|noop)(=.*)?$/.test(a)) || (name === 'make' || name === 'just') && args.some((a) => a === '-n' || a === '--just-print' || a === '--dry-run')) return undefined;
  const a0 = args[0] ?? '';
  const a1 = args[1] ?? '';
  const joined = args.join(' ');
  switch (name) {
    case 'kubectl':
    case 'oc':
      if (/^(apply|create|delete|replace|patch|rollout|scale|set|edit|drain|cordon|uncordon|taint|annotate|label|autoscale|expose|run)$/.test(a0)) return `${name} ${a0}`;
      return undefined;
    case 'helm':
      return /^(install|upgrade|uninstall|delete|rollback)$/.test(a0) ? `helm ${a0}` : undefined;
    case 'terraform':
    case 'tofu':
    case 'terragrunt':
      return /^(apply|destroy|import|taint|untaint)$/.test(a0) || (a0 === 'state' && /^(rm|mv|push|replace-provider)$/.test(a1)) || a0 === 'run-all' && /^(apply|destroy)$/.test(a1) ? `${name} ${a0}` : undefined;
    case 'pulumi':
      return /^(up|update|destroy|import|refresh)$/.test(a0) ? `pulumi ${a0}` : undefined;
    case 'cdk':
    case 'cdktf':
      return /^(deploy|destroy)$/.test(a0) ? `${name} ${a0}` : undefined;
    case 'serverless':
    case 'sls':
    case 'wrangler':
    case 'firebase':
    case 'netlify':
    case 'fly':
    case 'flyctl':
    case 'eb':
    case 'kamal':
    case 'skaffold':
    case 'railway':
    case 'amplify':
    case 'sst':
    case 'cap':
      return /^(deploy|publish|run|up|remove|destroy|release|rollback|launch|push)$/.test(a0) || /\b(deploy|production)\b/.test(joined) ? `${name} ${a0}` : undefined;
    case 'vercel':
      return a0 === '' || /^(deploy|--prod|promote|rollback|alias|remove|rm)$/.test(a0) || args.includes('--prod') ? 'vercel deploy' : undefined;
    case 'heroku':
      return /^(releases:rollback|ps:scale|container:release|pg:reset|apps:destroy|config:set)$/.test(a0) ? `heroku ${a0}` : undefined;
    case 'gcloud':
      return /\b(deploy|delete|update|create)\b/.test(joined) && /\b(app|run|functions|compute|container|sql|deployment-manager)\b/.test(joined) ? 'gcloud deploy' : undefined;
    case 'aws':
      return /\b(deploy|create-stack|update-stack|delete-stack|update-function-code|update-service|terminate-instances|delete-bucket|rb|put-bucket-policy)\b/.test(joined) ? `aws ${a0}` : undefined;
    case 'az':
      return /\b(deploy|delete|up|create)\b/.test(joined) && /\b(webapp|functionapp|deployment|aks|containerapp|group)\b/.test(joined) ? `az ${a0}` : undefined;
    case 'ansible-playbook':
      return 'ansible-playbook';
    case 'argocd':
      return a0 === 'app' && /^(sync|delete|rollback|set)$/.test(a1) ? `argocd app ${a1}` : undefined;
    case 'nomad':
      return a0 === 'job' && /^(run|stop|dispatch|revert)$/.test(a1) ? `nomad job ${a1}` : undefined;
    case 'docker':
      if (a0 === 'push') return 'docker push';
      if (a0 === 'stack' && a1 === 'deploy') return 'docker stack deploy';
      if (a0 === 'service' && /^(update|create|rm|scale|rollback)$/.test(a1)) return `docker service ${a1}`;
      return undefined;
    case 'npm':
    case 'pnpm':
    case 'yarn':
    case 'bun':
      if (a0 === 'publish' || a0 === 'unpublish' || a0 === 'deprecate') return `${name} ${a0}`;
      if ((a0 === 'run' || a0 === 'run-script') && DEPLOY_WORD.test(a1)) return `${name} run ${a1}`;
      if (name === 'yarn' && DEPLOY_WORD.test(a0) && a0 !== 'release-notes') return `yarn ${a0}`;
      return undefined;
    case 'cargo':
      return a0 === 'publish' || a0 === 'yank' ? `cargo ${a0}` : undefined;
    case 'twine':
      return a0 === 'upload' ? 'twine upload' : undefined;
    case 'gem':
      return a0 === 'push' || a0 === 'yank' ? `gem ${a0}` : undefined;
    case 'poetry':
    case 'uv':
    case 'hatch':
    case 'flit':
      return a0 === 'publish' ? `${name} publish` : undefined;
    case 'make':
    case 'just':
    case 'task':
    case 'mage':
    case 'rake':
    case 'invoke':
    case 'fab':
    case 'nx':
    case 'turbo':
    case 'gradle':
    case './gradlew':
    case 'mvn': {
      const target = args.find((a) => !a.startsWith('-') && !a.includes('=') && DEPLOY_WORD.test(a));
      return target ? `${name} ${target}` : undefined;
    }
    case 'gh':
      if (a0 === 'workflow' && a1 === 'run' && (DEPLOY_WORD.test(args[2] ?? '') || /environment=|env=/.test(joined))) return `gh workflow run ${args[2] ?? ''}`;
      if (a0 === 'release' && (a1 === 'create' || a1 === 'delete')) return `gh release ${a1}`;
      return undefined;
    default:
      if (DEPLOY_SCRIPT.test(name.replace(/^.*\//, ''))) return name;
      return undefined;
  }
}

const DISK_TOOLS = new Set(['mkfs', 'mke2fs', 'mkswap', 'wipefs', 'fdisk', 'sfdisk', 'cfdisk', 'parted', 'gdisk', 'sgdisk', 'blkdiscard', 'mkdosfs', 'mkntfs', 'newfs', 'zpool', 'lvremove', 'vgremove', 'pvremove', 'cryptsetup', 'format', 'diskpart', 'format-volume', 'clear-disk', 'initialize-disk']);

export function isDiskTool(name: string, args: readonly string[]): boolean {
  if (name.startsWith('mkfs.') || name.startsWith('mkfs_') || DISK_TOOLS.has(name)) {
    if (name === 'zpool') return args[0] === 'destroy' || args[0] === 'labelclear';
    if (name === 'cryptsetup') return /^(luksFormat|erase|luksErase|reencrypt)$/.test(args[0] ?? '');
    if (name === 'fdisk' || name === 'sfdisk' || name === 'parted' || name === 'gdisk') return !args.some((a) => a === '-l' || a === '--list' || a === 'print');
    if (name === 'format') return args.some((a) => /^[A-Za-z]:$/.test(a));
    return true;
  }
  if (name === 'diskutil') return /^(erase\w*|zeroDisk|randomDisk|secureErase|partitionDisk|reformat)$/i.test(args[0] ?? '');
  if (name === 'hdparm') return args.some((a) => /security-erase|--trim-sector-ranges|--write-sector/.test(a));
  return false;
}

export const DEVICE_PATH = /^\/dev\/(sd[a-z]+\d*|hd[a-z]+\d*|vd[a-z]+\d*|xvd[a-z]+\d*|nvme\d+(n\d+)?(p\d+)?|mmcblk\d+(p\d+)?|disk\d+(s\d+)?|rdisk\d+|dm-\d+|md\d+|mapper\/.+|loop\d+|sr\d+|mtdblock\d+|root|disk\/.+)$/;

// ---------------------------------------------------------------- table

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

/** docker/podman run|create with -v/--volume/--mount: the mounted host paths are exposed to the container. */
const container: Handler = (args, ctx, info) => {
  const verb = args.find((a) => !a.v.startsWith('-'))?.v;
  if (verb !== 'run' && verb !== 'create' && !(verb === 'compose' || verb === 'container')) return;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!.v;
    let spec: string | undefined;
    if (a === '-v' || a === '--volume' || a === '--mount') spec = args[++i]?.v;
    else if (a.startsWith('--volume=') || a.startsWith('--mount=')) spec = a.slice(a.indexOf('=') + 1);
    else if (/^-v./.test(a)) spec = a.slice(2);
    if (!spec) continue;
    const src = spec.includes('source=') || spec.includes('src=') ? /(?:source|src)=([^,]+)/.exec(spec)?.[1] : spec.split(':')[0];
    if (src && (src.startsWith('/') || src.startsWith('.') || src.startsWith('~') || src.startsWith('$'))) {
      const path = ctx.resolve(src);
      info.reads.push(path);
      info.mounts = [...(info.mounts ?? []), path];
    }
  }
};

const npmPkg: Handler = (args, _ctx, info, signals) => {
  if (args[0]?.v !== 'pkg' || args[1]?.v !== 'set') return;
  for (const a of args.slice(2)) {
    const m = /^scripts\.([^=]+)=(.*)$/s.exec(a.v);
    if (m) signals.push({ code: 'deferred.npm-script', fragment: info.text, detail: `${m[1]}=${m[2]}` });
  }
};

const HANDLERS: Record<string, Handler> = {
  sed, perl, tee, dd,
  cp: copyLike('cp'), mv: copyLike('mv'), install: copyLike('install'), ln: copyLike('ln'), link: copyLike('ln'),
  touch: touchLike, mkdir: touchLike, truncate: touchLike, mkfifo: touchLike, mknod: touchLike,
  rsync: rsyncLike, scp, sftp: ssh, tar, bsdtar: tar, gtar: tar, zip, '7z': zip, unzip,
  gzip: compressor, gunzip: compressor, bzip2: compressor, bunzip2: compressor, xz: compressor, unxz: compressor, zstd: compressor, lz4: compressor,
  chmod: chmodLike, chown: chownLike, chgrp: chownLike, chattr: chmodLike, setfacl: chmodLike, xattr: touchLike,
  rm, unlink: rmdir, rmdir, shred, srm: shred, wipe: shred,
  rimraf: recursiveDeleter('rimraf'), 'del-cli': recursiveDeleter('del'), trash, 'trash-put': trash, gio: trash,
  curl, wget, http: httpie, https: httpie, xh: httpie, xhs: httpie,
  nc: netcat, ncat: netcat, netcat, socat: netcat, telnet: netcat, ssh, mosh: ssh,
  aws: cloudCopy, gsutil: cloudCopy, rclone: cloudCopy, azcopy: cloudCopy, s3cmd: cloudCopy,
  git, gh,
  iwr: psWeb, irm: psWeb, 'invoke-webrequest': psWeb, 'invoke-restmethod': psWeb,
  docker: container, podman: container, nerdctl: container, npm: npmPkg, pnpm: npmPkg,
};
for (const n of Object.keys(READERS)) HANDLERS[n] ??= handleReader(n);
for (const n of Object.keys(PATTERN_FIRST)) HANDLERS[n] = handlePatternFirst(n);
for (const n of Object.keys(DB_CLIENTS)) HANDLERS[n] = dbClient(n);

/** Fills in the effects of one simple command. */
const CLOUD_CLIS = new Set(['gsutil', 'rclone', 'az', 'gcloud', 'kubectl', 'helm', 'terraform']);
const PACKAGE_MANAGERS = new Set(['pip', 'pip3', 'npm', 'pnpm', 'yarn', 'cargo', 'go', 'gem', 'brew', 'apt', 'apt-get']);
const FETCHING = new Set(['install', 'add', 'i', 'ci', 'update', 'upgrade', 'get', 'fetch', 'download']);

export function describeCommand(name: string, args: ArgWord[], ctx: CommandCtx, info: ShellCommandInfo, signals: Signal[]): void {
  let handler = HANDLERS[name];
  if (!handler) {
    const family = interpreterFamily(name);
    if (family) handler = interpreter(family);
  }
  if (handler) handler(args, ctx, info, signals);
  const plain = args.map((a) => a.v);
  const deploy = deployOf(name, plain);
  if (deploy) info.deploy = deploy;
  if (name === 'aws' && plain[0] !== 's3' || CLOUD_CLIS.has(name) || name === 'docker' && plain[0] === 'push') info.network = true;
  if (PACKAGE_MANAGERS.has(name) && FETCHING.has(plain[0] ?? '')) info.network = true;
}

export { parseArgs, type ParsedArgs };
