import { has, parseArgs, value, values, type ArgSpec } from './args.ts';
import { addReads, addWrites, basename, joinPath, patchEffects, stdinFileOf, w, type CommandCtx, type Handler } from './commandKit.ts';
import type { ArgWord } from './expand.ts';
import { emacsArgs } from './cmdCode.ts';
import type { ShellCommandInfo, Signal } from '../action.ts';

/**
 * Commands that read, write, copy, archive and delete files.
 */
// ---------------------------------------------------------------- readers

/** Commands whose positional arguments are files they read. */
export const READERS: Record<string, ArgSpec> = {
  cat: {}, tac: {}, nl: { values: ['b', 'n', 's', 'v', 'w'] }, less: {}, more: {}, most: {}, bat: { values: ['l', 'r', '--language', '--line-range', '--style', '--theme'] },
  batcat: {}, head: { values: ['n', 'c', '--lines', '--bytes'] }, tail: { values: ['n', 'c', '--lines', '--bytes', '-s'] },
  od: { values: ['t', 'A', 'N', 'j', 'w'] }, hexdump: { values: ['n', 's', 'e', 'f'] }, hd: {}, xxd: { values: ['l', 's', 'c', 'g', 'o'] },
  strings: { values: ['n', 't', 'e'] }, base64: { values: ['w', '--wrap'] }, base32: { values: ['w'] }, basenc: {}, uuencode: {},
  wc: {}, md5sum: {}, sha1sum: {}, sha224sum: {}, sha256sum: {}, sha384sum: {}, sha512sum: {}, shasum: { values: ['a'] }, b2sum: {}, cksum: {}, md5: {},
  file: {}, sort: { values: ['k', 't', 'o', 'S', 'T', '--key', '--output'] }, uniq: { values: ['f', 's', 'w'] }, cut: { values: ['d', 'f', 'c', 'b'] },
  paste: { values: ['d'] }, join: { values: ['t', '1', '2', 'o', 'j'] }, fold: { values: ['w'] }, fmt: { values: ['w'] }, column: { values: ['s', 'c', 'o', 'N', 'W', 'H', 'E', 'R', 'l'] },
  iconv: { values: ['f', 't', '--from-code', '--to-code'] }, comm: {}, diff: { values: ['U', 'C', '--label'] }, cmp: {}, sdiff: {},
  zcat: {}, gzcat: {}, bzcat: {}, xzcat: {}, zless: {}, zmore: {}, lzcat: {}, zstdcat: {}, expand: {}, unexpand: {}, look: {}, rev: {}, shuf: {},
  vim: {}, vi: {}, nvim: {}, nano: {}, emacs: {}, view: {}, ed: {}, stat: { values: ['c', 'f', '--format'] }, readlink: {}, realpath: {},
  openssl: {}, gpg: { values: ['o', 'r', 'u', '--output', '--recipient'] }, pr: {}, tsort: {}, split: {}, csplit: {}, xmllint: {}, yq: {}, source: {}, '.': {},
  type: {}, 'get-content': {}, gc: {},
  // viewers, pagers, editors, highlighters, printers and preprocessors: each shows or passes on what the file holds
  colordiff: { values: ['U', 'C'] }, diff3: {}, vimdiff: {}, pg: {}, micro: {}, ex: {}, hx: {}, kak: {}, zed: {}, subl: {}, jless: {}, fx: {},
  glow: { values: ['s', 'w', '--style', '--width'] }, mdcat: {}, highlight: { values: ['O', 'S', 's', '--out-format', '--syntax', '--style'] },
  pygmentize: { values: ['l', 'f', 'O', 'P', 'F'] }, 'source-highlight': { values: ['s', 'f', '--src-lang', '--out-format'] }, enscript: { values: ['p', 'o'] },
  a2ps: { values: ['o'] }, lp: { values: ['d', 'n', 'o', 't'] }, lpr: { values: ['P', '#', 'T'] }, csvlook: { values: ['d'] }, csvcut: { values: ['c', 'd'] },
  gron: {}, m4: { values: ['D', 'U', 'I'] }, cpp: { values: ['D', 'U', 'I', 'o'] },
  // encryption tools read what they encrypt or decrypt, and the key they are given
  sops: { values: ['--output', '--extract', '--input-type', '--output-type', '--config'] }, age: { values: ['i', 'r', 'R', 'o', '--identity', '--recipient', '--recipients-file', '--output'] },
};

/** Readers whose first positional argument is a pattern or a program, not a file. */
export const PATTERN_FIRST: Record<string, { spec: ArgSpec; patternFlags: string[]; fileFlags: string[] }> = {
  // `--color[=WHEN]` takes its value only attached: the word after `--color` is the pattern
  grep: { spec: { values: ['e', 'f', 'm', 'A', 'B', 'C', 'd', 'D', '--regexp', '--file', '--include', '--exclude', '--exclude-dir', '--max-count', '--context', '--label'] }, patternFlags: ['-e', '--regexp'], fileFlags: ['-f', '--file'] },
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

const AWKS: ReadonlySet<string> = new Set(['awk', 'gawk', 'mawk', 'nawk']);

/** an awk string literal, its text in group 1 */
const AWK_STRING = String.raw`"((?:[^"\\]|\\.)*)"`;
const AWK_SYSTEM = /\bsystem\s*\(/g;
const AWK_SYSTEM_LITERAL = new RegExp(String.raw`^\s*` + AWK_STRING + String.raw`\s*\)`);
const AWK_TO_COMMAND = new RegExp(String.raw`\|\s*` + AWK_STRING, 'g');
const AWK_FROM_COMMAND = new RegExp(AWK_STRING + String.raw`\s*\|\s*getline`, 'g');
const AWK_PIPE_DYNAMIC = /\|\s*[A-Za-z_(]|[A-Za-z_)]\s*\|\s*getline/;
const AWK_GETLINE_FILE = new RegExp(String.raw`getline\b[^<;}\n]*<\s*` + AWK_STRING, 'g');
const AWK_PRINT_FILE = new RegExp(String.raw`\bprint[f]?\b[^;}\n]*?>>?\s*` + AWK_STRING, 'g');

function awkText(s: string): string {
  return s.replace(/\\(["\\/])/g, '$1').replace(/\\n/g, '\n').replace(/\\t/g, '\t');
}

/**
 * What an awk program runs, reads and writes besides its input: system("…"),
 * "…" | getline and print | "…" run shell commands (analysed as such; built
 * at run time, they are asked about); getline < "file" reads a file; print
 * > "file" writes one.
 */
function awkEffects(program: string, ctx: CommandCtx, info: ShellCommandInfo, signals: Signal[]): void {
  if (!program.includes('system') && !program.includes('|') && !program.includes('getline') && !program.includes('>')) return;
  let dynamic = false;
  for (const m of program.matchAll(AWK_SYSTEM)) {
    const lit = AWK_SYSTEM_LITERAL.exec(program.slice(m.index + m[0].length));
    if (lit) ctx.nested(awkText(lit[1]!), 'awk system()');
    else dynamic = true;
  }
  for (const m of program.matchAll(AWK_TO_COMMAND)) {
    const target = awkText(m[1]!);
    ctx.nested(target, 'awk print |');
    // printing into a shell or an interpreter runs what the program prints
    if (/^\s*(\S*\/)?((ba|z|da|k|fi|c|tc)?sh|python\d*|perl|ruby|node|php)(\s|$)/.test(target)) dynamic = true;
  }
  for (const m of program.matchAll(AWK_FROM_COMMAND)) ctx.nested(awkText(m[1]!), 'awk getline');
  if (AWK_PIPE_DYNAMIC.test(program.replace(/\|\|/g, ''))) dynamic = true;
  for (const m of program.matchAll(AWK_GETLINE_FILE)) info.reads.push(ctx.resolve(awkText(m[1]!)));
  for (const m of program.matchAll(AWK_PRINT_FILE)) info.writes.push(ctx.resolve(awkText(m[1]!)));
  if (dynamic) signals.push({ code: 'shell.eval-dynamic', fragment: info.text, detail: 'awk runs a command built at run time' });
}

export function handlePatternFirst(name: string): Handler {
  const def = PATTERN_FIRST[name]!;
  return (args, ctx, info, signals) => {
    const p = parseArgs(args, def.spec);
    const explicitPattern = def.patternFlags.some((f) => p.flags.has(f)) || def.fileFlags.some((f) => p.flags.has(f));
    const files = explicitPattern ? p.positionals : p.positionals.slice(1);
    addReads(info, ctx, files);
    const recursive = /grep$/.test(name) ? has(p, '-r', '-R', '--recursive', '--dereference-recursive') : name === 'rg' || name === 'ag' ? has(p, '--hidden', '-.', '-u', '--unrestricted', '--no-ignore') : false;
    // the working folder, resolved so what it holds is looked at (`rg --hidden KEY` searches .env too)
    if (recursive) info.treeReads = (files.length > 0 ? files.map((f) => ctx.resolve(f)) : [ctx.resolve(ctx.cwd)]);
    for (const f of def.fileFlags) for (const v of values(p, f)) info.reads.push(ctx.resolve(v));
    if (name === 'jq' || name === 'awk' || name === 'gawk') {
      for (const e of p.list) if ((e.flag === '--slurpfile' || e.flag === '--rawfile') && e.word) info.reads.push(ctx.resolve(e.word));
    }
    if (AWKS.has(name) && !explicitPattern && p.positionals[0]) awkEffects(p.positionals[0].v, ctx, info, signals);
    if ((name === 'grep' || name === 'rg') && files.length === 0 && !ctx.stdin && (has(p, '-r', '-R', '--recursive') || name === 'rg')) {
      info.reads.push(ctx.cwd);
    }
  };
}

/**
 * Readers whose output says nothing of a file's content (metadata, counts,
 * the kind of file): their paths are resolved and judged as paths, but
 * they read no secret (`stat .env`, `wc -l .env`).
 */
const METADATA_ONLY: ReadonlySet<string> = new Set(['stat', 'wc', 'file']);

export function handleReader(name: string): Handler {
  const spec = READERS[name]!;
  return (args, ctx, info, signals) => {
    const p = parseArgs(args, spec);
    if (METADATA_ONLY.has(name)) {
      for (const a of p.positionals) if (a.v !== '' && a.v !== '-') ctx.resolve(a);
      return;
    }
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
      const files = name === 'emacs' ? emacsArgs(args, ctx, info, signals) : p.positionals;
      addReads(info, ctx, files);
      addWrites(info, ctx, files);
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

/** sed's `e COMMAND` (after an optional address or range): runs COMMAND */
const SED_E_COMMAND = /(?:^|[;\n{])\s*(?:(?:\d+|\$|\/(?:[^/\\\n]|\\.)*\/)(?:\s*,\s*(?:\d+|\$|\/(?:[^/\\\n]|\\.)*\/))?)?\s*!?\s*e[ \t]+([^\n;}]+)/g;
/** `s/…/…/FLAGS` with the common delimiters; the replacement in group 2, the flags in group 3 */
const SED_SUBSTITUTE = /(?:^|[;\n{])\s*(?:\d+|\$|\/(?:[^/\\\n]|\\.)*\/)?\s*s([\/|#:,@])((?:[^\\\n]|\\.)*?)\1((?:[^\\\n]|\\.)*?)\1([a-zA-Z0-9]*)/g;

/**
 * What a sed script runs: the `e` command runs its text; the `e` flag of
 * `s` runs the edited line, whose new text is analysed and, being only
 * known at run time, asked about.
 */
function sedRuns(script: string, ctx: CommandCtx, info: ShellCommandInfo, signals: Signal[]): void {
  if (!script.includes('e')) return;
  for (const m of script.matchAll(SED_E_COMMAND)) ctx.nested(m[1]!.trim(), 'sed e');
  for (const m of script.matchAll(SED_SUBSTITUTE)) {
    if (!m[4]!.includes('e')) continue;
    const replacement = m[3]!.replace(/\\(.)/g, '$1');
    if (replacement.trim() !== '' && !/&/.test(m[3]!)) ctx.nested(replacement, 'sed s///e');
    signals.push({ code: 'shell.eval-dynamic', fragment: info.text, detail: 'sed runs the lines it edits as commands' });
  }
}

export const sed: Handler = (args, ctx, info, signals) => {
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
  sedRuns(script, ctx, info, signals);
  for (const m of script.matchAll(/(?:^|[;\n])\s*(?:\d+|\/[^/]*\/)?\s*w\s+(\S+)/g)) info.writes.push(ctx.resolve(m[1]!));
};


export const tee: Handler = (args, ctx, info) => {
  const p = parseArgs(args, {});
  addWrites(info, ctx, p.positionals);
};

export const dd: Handler = (args, ctx, info) => {
  for (const a of args) {
    if (a.v.startsWith('if=')) info.reads.push(ctx.resolve(a.v.slice(3)));
    else if (a.v.startsWith('of=')) info.writes.push(ctx.resolve(a.v.slice(3)));
  }
};

export function copyLike(kind: 'cp' | 'mv' | 'install' | 'ln'): Handler {
  // `--backup[=CONTROL]` and `--context[=CTX]` take their values only attached: the word after them is a file
  const spec: ArgSpec = { values: ['t', 'S', 'm', 'o', 'g', '--target-directory', '--suffix', '--mode', '--owner', '--group'] };
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


export const touchLike: Handler = (args, ctx, info) => {
  const p = parseArgs(args, { values: ['m', 'd', 'r', 't', 's', '--mode', '--date', '--reference', '--size', '-size'] });
  addWrites(info, ctx, p.positionals);
  // `truncate -s 0 f`: the content is gone, as with a delete of the file
  const size = p.flags.get('-s') ?? p.flags.get('--size');
  if (info.name === 'truncate' && typeof size === 'string' && /^[<%]?0+$/.test(size)) {
    for (const a of p.positionals) info.deletes.push({ path: ctx.resolve(a), recursive: false, via: 'truncate' });
  }
};

export const rsyncLike: Handler = (args, ctx, info) => {
  const p = parseArgs(args, { values: ['e', 'P', 'i', 'o', 'F', 'l', '--rsh', '--exclude', '--include', '--filter', '--port', '-port'] });
  const pos = p.positionals;
  // `-e 'cmd'` / `--rsh=cmd`: the program rsync starts here to reach the other side
  const rsh = p.flags.get('-e') ?? p.flags.get('--rsh');
  if (typeof rsh === 'string' && !/^\s*(ssh|rsh)\b[^|;&`$]*$/.test(rsh)) ctx.nested(rsh, 'rsync -e');
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

export const tar: Handler = (args, ctx, info) => {
  // tar accepts old-style bundled flags without a dash: `tar czf out.tgz src`
  let list = args;
  if (list[0] && !list[0].v.startsWith('-') && /^[a-zA-Z]+$/.test(list[0].v)) list = [w('-' + list[0].v), ...list.slice(1)];
  const p = parseArgs(list, { values: ['f', 'C', 'T', 'X', 'b', 'H', 'I', '--file', '--directory', '--files-from', '--exclude-from', '--exclude', '--use-compress-program', '--transform', '--to-command'] });
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
    // members named are written at their paths below the destination (`tar xf x.tar .git/hooks/pre-commit`)
    for (const m of p.positionals) if (m.v !== '') info.writes.push(ctx.resolve(m.v, cwd));
  } else if (archive && archive !== '-') info.reads.push(ctx.resolve(archive));
  const toCommand = value(p, '--to-command', '--use-compress-program', '-I');
  if (toCommand) ctx.nested(toCommand, 'tar --to-command');
  for (const e of p.list) if (e.flag.startsWith('--checkpoint-action') && typeof e.value === 'string' && e.value.startsWith('exec=')) ctx.nested(e.value.slice(5), 'tar --checkpoint-action');
};

/**
 * patch [-pN] [-i PATCHFILE] [FILE]: the files the patch names (read from
 * -i or the file on stdin, when it can be read now) are written; FILE,
 * when given, is the one patched; otherwise unknown files in the directory.
 */
export const patch: Handler = (args, ctx, info) => {
  const p = parseArgs(args, { values: ['p', 'i', 'o', 'd', 'D', 'F', 'B', 'Y', 'z', 'V', 'r', '--strip', '--input', '--output', '--directory', '--prefix', '--suffix', '--reject-file'] });
  if (has(p, '--dry-run', '-C', '--check')) return;
  const dirArg = value(p, '-d', '--directory');
  const dir = dirArg !== undefined ? ctx.resolve(dirArg) : ctx.cwd;
  const out = value(p, '-o', '--output');
  if (out !== undefined && out !== '-') info.writes.push(ctx.resolve(out, dir));
  const input = value(p, '-i', '--input');
  const source = input !== undefined && input !== '-' ? ctx.resolve(input) : stdinFileOf(info);
  if (input !== undefined && input !== '-') info.reads.push(source!);
  const [target] = p.positionals;
  if (target !== undefined) {
    info.writes.push(ctx.resolve(target, dir));
    return;
  }
  if (out !== undefined) return;
  const text = source !== undefined ? ctx.readText?.(source) : undefined;
  if (text === undefined || !patchEffects(text, dir, ctx, info, 'patch')) info.writes.push(joinPath(dir, '*'));
};

export const zip: Handler = (args, ctx, info) => {
  // -TT/--unzip-command: the command zip runs to test the archive
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!.v;
    const cmd = a === '-TT' || a === '--unzip-command' ? args[++i]?.v : a.startsWith('--unzip-command=') ? a.slice(16) : undefined;
    if (cmd !== undefined && cmd !== '') ctx.nested(cmd.replace(/\{\}/g, 'archive.zip'), 'zip -TT');
  }
  const p = parseArgs(args.filter((a, i) => !(a.v === '-TT' || a.v === '--unzip-command' || a.v.startsWith('--unzip-command=') || i > 0 && (args[i - 1]!.v === '-TT' || args[i - 1]!.v === '--unzip-command'))), { values: ['x', 'i', 'b', 'n', 't', 'P', '--password'] });
  const [archive, ...files] = p.positionals;
  if (archive) info.writes.push(ctx.resolve(archive));
  addReads(info, ctx, files);
  if (has(p, '-r', '--recurse-paths')) info.treeReads = files.map((f) => ctx.resolve(f));
};

export const unzip: Handler = (args, ctx, info) => {
  const p = parseArgs(args, { values: ['d', 'x', 'P'] });
  const [archive] = p.positionals;
  if (archive) info.reads.push(ctx.resolve(archive));
  const dir = value(p, '-d');
  if (has(p, '-p', '-l', '-t', '-v', '-Z')) return;
  const dest = dir !== undefined ? ctx.resolve(dir) : ctx.cwd;
  info.writes.push(joinPath(dest, '*'));
  // members named after the archive are written at their paths below the destination (`unzip -o x.zip .vscode/settings.json`);
  // the words after -x are members left out
  const at = args.findIndex((a) => a.v === archive?.v);
  for (let i = at + 1; at >= 0 && i < args.length; i++) {
    const m = args[i]!.v;
    if (m === '-x') break;
    if (m === '-d') i++;
    else if (m !== '' && !m.startsWith('-')) info.writes.push(ctx.resolve(m, dest));
  }
};

export const compressor: Handler = (args, ctx, info) => {
  const p = parseArgs(args, { values: ['S', '--suffix', 'T'] });
  addReads(info, ctx, p.positionals);
  if (!has(p, '-c', '--stdout', '--to-stdout', '-l', '--list', '-t', '--test', '-k', '--keep')) addWrites(info, ctx, p.positionals);
};

export const chmodLike: Handler = (args, ctx, info) => {
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

export const chownLike: Handler = (args, ctx, info) => {
  const p = parseArgs(args, { values: ['--reference', '--from'] });
  const pos = p.flags.has('--reference') ? p.positionals : p.positionals.slice(1);
  info.chmod = { mode: 'owner:' + (p.positionals[0]?.v ?? ''), recursive: has(p, '-R', '--recursive') };
  addWrites(info, ctx, pos);
};

// ---------------------------------------------------------------- deleters

export const rm: Handler = (args, ctx, info) => {
  // `--interactive[=WHEN]` and `--preserve-root[=all]` take their values only attached: the word after them is a file
  const p = parseArgs(args, {});
  const recursive = has(p, '-r', '-R', '--recursive');
  for (const a of p.positionals) {
    const d: (typeof info.deletes)[number] = { path: ctx.resolve(a), recursive, via: 'rm' };
    if (a.glob) d.filtered = true;
    info.deletes.push(d);
  }
};

export const rmdir: Handler = (args, ctx, info) => {
  const p = parseArgs(args, {});
  for (const a of p.positionals) info.deletes.push({ path: ctx.resolve(a), recursive: false, via: 'rmdir' });
};

export const shred: Handler = (args, ctx, info) => {
  // `--remove` takes its optional HOW only attached (`--remove=wipesync`): the word after it is a file
  const p = parseArgs(args, { values: ['n', 's', '--iterations', '--size', '--random-source'] });
  for (const a of p.positionals) {
    const path = ctx.resolve(a);
    info.deletes.push({ path, recursive: false, via: 'shred' });
    info.writes.push(path);
  }
};

export const recursiveDeleter = (via: string): Handler => (args, ctx, info) => {
  const p = parseArgs(args, {});
  for (const a of p.positionals) info.deletes.push({ path: ctx.resolve(a), recursive: true, via });
};

export const trash: Handler = (args, ctx, info) => {
  const p = parseArgs(args, {});
  const pos = p.positionals[0]?.v === 'trash' ? p.positionals.slice(1) : p.positionals;
  // recoverable, but still removes the files from the workspace
  for (const a of pos) info.moves.push({ from: ctx.resolve(a), to: joinPath(ctx.home, '.local/share/Trash') });
};

