import type { ShellCommandInfo, Signal } from '../action.ts';
import { has, parseArgs, value, values, type ArgSpec } from './args.ts';
import type { ArgWord } from './expand.ts';
import { addReads, addWrites, looksLikeUrl, urlsIn, type CommandCtx, type Handler } from './commandKit.ts';
import { normaliseSql, SQL_DESTRUCTIVE } from './cmdDatabases.ts';
import { foldInlineStrings, guardishLiterals, unescaped } from './inlineStrings.ts';

/**
 * Interpreters and the programs given to them inline.
 */
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
  rust: { inline: ['-e', '--expr'], spec: { values: ['e', '--expr', 'd', '--dep'] } },
  // tclsh, wish and expect have a handler of their own; a versioned name (`tclsh8.6`) is read with this spec
  tcl: { inline: ['-c'], spec: { values: ['c', 'f', '-encoding'] } },
  // emacs is read by its reader handler (emacsArgs): listed only for the option that gives it a program inline
  elisp: { inline: ['--eval'], spec: {} },
  pwsh_: { inline: [], spec: {} },
};

/** The option that hands an interpreter its program inline (`python3 -c`, `node -e`), by family. */
export function inlineFlag(family: string): string | undefined {
  return family === 'perl' ? '-e' : SCRIPT_INTERPRETERS[family]?.inline[0];
}

export function interpreterFamily(name: string): string | undefined {
  // by first letter: each test below can only match names starting with its letter
  switch (name.charCodeAt(0)) {
    case 112: // p
      if (/^python(\d+(\.\d+)*)?$|^pypy\d*$/.test(name)) return 'python';
      if (/^php\d*$/.test(name)) return 'php';
      return undefined;
    case 110: // n
      return name === 'node' || name === 'nodejs' ? 'node' : undefined;
    case 114: // r
      if (name === 'ruby') return 'ruby';
      if (name === 'rust-script') return 'rust';
      return name === 'rscript' ? 'rscript' : undefined;
    case 105: // i
      return name === 'irb' ? 'ruby' : undefined;
    case 116: // t
    case 119: // w
      return name === 'tclsh' || /^tclsh\d/.test(name) || name === 'wish' ? 'tcl' : undefined;
    case 101: // e
      return name === 'expect' ? 'tcl' : name === 'emacs' ? 'elisp' : undefined;
    case 82: // R
      return name === 'Rscript' || name === 'R' ? 'rscript' : undefined;
    case 108: // l
      return /^lua(jit|\d(\.\d)?)?$/.test(name) ? 'lua' : undefined;
    case 100: // d
    case 98: // b
    case 111: // o
      return name === 'deno' || name === 'bun' || name === 'osascript' ? name : undefined;
    default:
      return undefined;
  }
}

export const interpreter = (family: string): Handler => (args, ctx, info, signals) => {
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
        } else if (script.v === '-') info.interpreterStdin = true;
        else if (/[./]/.test(script.v)) info.execs.push(ctx.resolve(script));
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
    // `python3 -m json.tool .env`, `-m base64 .env`: a module given file names reads them
    if (mod !== 'http.server' && mod !== 'SimpleHTTPServer') addReads(info, ctx, p.positionals.filter((a) => !a.v.startsWith('-') && /[./]/.test(a.v)));
    if (mod === 'http.server' || mod === 'SimpleHTTPServer') {
      // the folder served: --directory/-d after the module, else the working folder
      const at = args.findIndex((a) => a.v === '--directory' || a.v === '-d' || a.v.startsWith('--directory='));
      const dir = at < 0 ? ctx.cwd : args[at]!.v.startsWith('--directory=') ? ctx.resolve(args[at]!.v.slice('--directory='.length)) : args[at + 1] ? ctx.resolve(args[at + 1]!) : ctx.cwd;
      signals.push({ code: 'net.serve', fragment: info.text, detail: dir });
    }
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
  const path = ctx.resolve(script);
  info.execs.push(path);
  info.reads.push(path);
  addReads(info, ctx, p.positionals.slice(1).filter((a) => /[./]/.test(a.v) && !a.v.startsWith('-')));
  // a program the same line wrote first (`echo "…" > /tmp/x.py; python3 /tmp/x.py`) is judged as if given inline
  const written = ctx.writtenText?.(path);
  if (written !== undefined) scanInlineCode(written, family, ctx, info, signals);
};

const DELETE_API = /\b(Deno\.removeSync|Deno\.remove|rmSync|rmdirSync|unlinkSync|rimraf(?:\.sync)?|rmtree|rm_rf|rm_r|remove_dir_all|removedirs|fs\.rm|fs\.rmdir|fs\.unlink|fsp?\.rm|os\.remove|os\.unlink|os\.rmdir|unlink|Path\([^)]*\)\.unlink|File\.delete|FileUtils\.rm\w*|Remove-Item|deleteSync|emptyDirSync|remove_file)\s*\(\s*(?:r?["'`]([^"'`]*)["'`])?/g;
const READ_API = /\b(readFileSync|readFile|read_text|read_bytes|open|File\.read|File\.open|file_get_contents|load_dotenv|dotenv_values|fopen|createReadStream|IO\.read)\s*\(\s*r?["'`]([^"'`]+)["'`]/g;
const WRITE_API = /\b(writeFileSync|writeFile|appendFileSync|appendFile|write_text|write_bytes|File\.write|file_put_contents|createWriteStream|IO\.write)\s*\(\s*r?["'`]([^"'`]+)["'`]/g;
const OPEN_WRITE = /\bopen\s*\(\s*r?["']([^"']+)["']\s*,\s*r?["'][wax+]/g;
/** `Path('f').write_text(…)`, `Path('f').open('w')`, `Path('f').touch()` */
const PATH_WRITE = /\bPath\(\s*r?["']([^"']+)["']\s*\)\s*\.\s*(?:write_text|write_bytes|touch|open\s*\(\s*r?["'][wax+]|symlink_to|hardlink_to)/g;
/** copies and moves between two literal paths: the second is written */
const COPY_API = /\b(copyFileSync|copyFile|cpSync|renameSync|rename|copy|copy2|copyfile|copytree|move|replace|symlinkSync|symlink|FileUtils\.(?:cp|mv|copy|move|ln_s)\w*)\s*\(\s*r?["']([^"']+)["']\s*,\s*r?["']([^"']+)["']/g;
/** a write whose target the program computes (not a literal) */
const COMPUTED_WRITE = /\b(?:writeFileSync|writeFile|appendFileSync|appendFile|write_text|write_bytes|File\.write|file_put_contents|createWriteStream|IO\.write|copyFileSync|copyFile|cpSync|renameSync|symlinkSync|shutil\.(?:copy\w*|move)|os\.(?:replace|rename|symlink))\s*\(\s*(?!r?["'`])|\bopen\s*\(\s*(?!r?["'])[^,()]*(?:\([^()]*\))?[^,()]*,\s*r?["'][wax+]|\bPath\(\s*(?!r?["'])[^)]*\)\s*\.\s*(?:write_text|write_bytes|open\s*\(\s*r?["'][wax+])/;
/** what a page holds for its user: cookies, web storage, credentials */
const BROWSER_SECRETS = /\bdocument\.cookie\b|\b(?:localStorage|sessionStorage|indexedDB)\b|navigator\.credentials/;
/** Perl's and Ruby's calls without parentheses: `system "…"`, `exec '…'` */
const BARE_SHELL = /(?<![.\w$])(system|exec)[ \t]+(["'])((?:\\.|(?!\2).)*)\2/g;
const SHELL_API = /\b(os\.execute|system|popen|exec|execSync|execFileSync|spawnSync|spawn|run|call|check_call|check_output|getoutput|getstatusoutput|Popen|shell_exec|passthru|proc_open|`)\s*\(\s*(?:\[([^\]]*)\]|r?(["'])((?:\\.|(?!\3).)*)\3)/g;
const NET_API = /\b(requests\.(get|post|put|patch|delete|request)|urllib\.request|urllib2|urlopen|httpx\.|http\.client|fetch\s*\(|axios|https?\.request|https?\.get|require\(\s*['"](?:node:)?https?['"]\s*\)|socket\.(socket|create_connection)|net\.connect|XMLHttpRequest|Net::HTTP|open-uri|URI\.open|LWP::|HTTP::Tiny|curl_exec|file_get_contents\s*\(\s*['"]https?:|Invoke-WebRequest|Invoke-RestMethod|WebClient)/;
/**
 * Code evaluated at run time: `exec(…)`, `eval …` (Perl's and Ruby's without
 * parentheses), `new Function(…)`, `vm.runInThisContext`. Not a method of
 * that name (`/re/.exec(s)`), nor Perl's `eval { … }` block (a try).
 */
const EVAL_CODE = /(?<![.\w$])(?:eval|exec|execfile|instance_eval|class_eval|module_eval|execScript)\s*(?:\(|\s+(?![\s{=]))|(?<![.\w$])Function\s*\(|\brunIn(?:This|New)?Context\s*\(|\bvm\.Script\b/;
/** A command started from Rust (`Command::new("sh").arg("-c").arg("…")`) or Go (`exec.Command("sh", "-c", "…")`), with its literal arguments. */
const NATIVE_COMMAND = /\bCommand::new\(\s*("(?:[^"\\]|\\.)*")\s*\)((?:\s*\.args?\(\s*&?(?:"(?:[^"\\]|\\.)*"|\[[^\]]*\])\s*\))*)|\bexec\.Command(?:Context)?\(\s*(?:\w+\s*,\s*)?((?:"(?:[^"\\]|\\.)*"\s*,?\s*)+)\)/g;
/**
 * A word of a program's argument list (`Command::new("rm").arg("-rf")`, Tcl's `exec`, Lisp's `call-process`) as the
 * command line analysed for it: quoted only where shell syntax would change it; globs and `~` stay as they are.
 */
const shellQuote = (x: string): string => (/[\s'"$`\\|;&<>()]/.test(x) ? `'${x.replace(/'/g, `'\\''`)}'` : x);

const DECODE_EXEC = /\b(eval|exec|Function|compile|execScript)\s*\(\s*(?:[\w.]*\b(b64decode|atob|decode|fromCharCode|unhexlify|decompress|FromBase64String)\b|Buffer\.from\([^)]*base64)/;

/**
 * What an interpreter's inline program does, found by looking for the calls
 * that delete, read, write, run commands or reach the network. The program
 * is in another language, so this is a scan, not a parse: constructs it does
 * not recognise are flagged rather than trusted.
 */
/** a program that forks without end: `fork while fork`, `while 1: os.fork()`, `for(;;) fork();` */
const FORK_LOOP = /\bfork\s+while\s+fork\b|\bwhile\s*\(?\s*(?:1|True|true)\s*\)?\s*(?::|\{|do\b)?[\s;{]*(?:os\.|Process\.)?fork\s*[({;]|\bfor\s*\(\s*;\s*;\s*\)\s*\{?\s*(?:os\.)?fork\s*\(/;
/** a recursive delete of the home directory named through the language's own API (expanduser('~'), homedir(), Dir.home, $HOME) */
const HOME_DELETE = /\b(rmtree|rmSync|rm_rf|rm_r|remove_dir_all|rimraf(?:\.sync)?|rmdirSync|remove_entry_secure)\s*\(\s*(?:(?:__import__\(\s*['"]os['"]\s*\)|os)\.path\.expanduser\(\s*['"]~\/?['"]\s*\)|\$ENV\{\s*['"]?HOME['"]?\s*\}|(?:pathlib\.)?Path\.home\(\)|(?:require\(\s*['"](?:node:)?os['"]\s*\)|os)\.homedir\(\)|Dir\.home|ENV\[['"]HOME['"]\]|os\.environ\[['"]HOME['"]\]|os\.getenv\(\s*['"]HOME['"]\s*\)|process\.env\.HOME)\s*[,)]/g;

export function scanInlineCode(source: string, lang: string, ctx: CommandCtx, info: ShellCommandInfo, signals: Signal[]): void {
  const raw = source.length > 200_000 ? source.slice(0, 200_000) : source;
  if (lang === 'tcl') return scanTcl(raw, ctx, info);
  if (lang === 'elisp') return scanElisp(raw, ctx, info);
  // the strings the program builds, at the places it uses them
  const code = foldInlineStrings(raw, lang);
  if (FORK_LOOP.test(code)) signals.push({ code: 'system.fork-bomb', fragment: info.text, detail: `${lang} forks without end` });
  for (const m of code.matchAll(HOME_DELETE)) info.deletes.push({ path: ctx.resolve(ctx.home), recursive: true, via: `${lang} ${m[1]}` });
  for (const m of code.matchAll(DELETE_API)) {
    const target = m[2];
    const fn = m[1]!;
    const recursive = /rmtree|rm_rf|rm_r|rimraf|remove_dir_all|removedirs|emptyDir|Remove-Item/.test(fn) || /recursive\s*[:=]\s*(true|True|TRUE|T\b)|-Recurse/.test(code);
    if (target !== undefined && target !== '') info.deletes.push({ path: ctx.resolve(target), recursive, via: `${lang} ${fn}` });
    else signals.push({ code: 'exec.inline-delete', fragment: m[0], detail: `${lang} deletes files it computes at run time` });
  }
  for (const m of code.matchAll(READ_API)) info.reads.push(ctx.resolve(m[2]!));
  for (const m of code.matchAll(WRITE_API)) info.writes.push(ctx.resolve(m[2]!));
  for (const m of code.matchAll(OPEN_WRITE)) info.writes.push(ctx.resolve(m[1]!));
  for (const m of code.matchAll(PATH_WRITE)) info.writes.push(ctx.resolve(m[1]!));
  for (const m of code.matchAll(COPY_API)) {
    info.reads.push(ctx.resolve(m[2]!));
    info.writes.push(ctx.resolve(m[3]!));
  }
  // a write to a place computed at run time, in a program that names guarded files: those may be the place
  if (COMPUTED_WRITE.test(code)) for (const g of guardishLiterals(code)) info.writes.push(ctx.resolve(g));
  for (const m of code.matchAll(SHELL_API)) {
    if (m[1] === 'run' && !/subprocess|sh\.|os\./.test(code)) continue;
    const list = m[2];
    const str = m[4];
    if (list !== undefined) {
      const items = [...list.matchAll(/["']([^"']*)["']/g)].map((x) => x[1]!);
      if (items.length > 0) ctx.nested(items.map((x) => (/[\s'"$`\\]/.test(x) ? `'${x.replace(/'/g, `'\\''`)}'` : x)).join(' '), `${lang} subprocess`);
    } else if (str !== undefined) ctx.nested(unescaped(str), `${lang} ${m[1]}`);
  }
  if (lang === 'perl' || lang === 'ruby') for (const m of code.matchAll(BARE_SHELL)) ctx.nested(unescaped(m[3]!), `${lang} ${m[1]}`);
  for (const m of code.matchAll(NATIVE_COMMAND)) {
    const words = [...`${m[1] ?? ''} ${m[2] ?? ''} ${m[3] ?? ''}`.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((x) => x[1]!.replace(/\\(["\\])/g, '$1'));
    ctx.nested(words.map(shellQuote).join(' '), `${lang} command`);
  }
  if (NET_API.test(code)) {
    // a page script sending the browser's cookies or storage away (an MCP browser tool's `evaluate`)
    if (BROWSER_SECRETS.test(code)) signals.push({ code: 'net.browser-secrets', fragment: info.text, detail: `${lang} sends the browser's cookies or storage over the network` });
    info.network = true;
    for (const u of urlsIn(code)) info.urls.push(u);
    if (info.urls.length === 0) signals.push({ code: 'net.inline', fragment: info.text });
    // fetching code and evaluating it is running whatever the server sends
    if (EVAL_CODE.test(code)) signals.push({ code: 'remote.inline-eval', fragment: info.text, detail: `${lang} evaluates code it fetches from the network` });
  }
  // decodings are looked for in the program as written (folding replaced the ones it could decode)
  if (DECODE_EXEC.test(raw) || /\b(exec|eval|compile|Function|system|popen|execSync)\s*\(|\bsystem\s/.test(raw) && /\b(b64decode|atob|a85decode|b32decode|unhexlify|fromCharCode|FromBase64String|decode_base64|decode64|fromhex)\b|\bpack\s*\(?\s*["'][Hhu]\*?["']|Buffer\.from\([^)]*['"](base64|hex)['"]|codecs\.decode|\.decode\(\s*['"](?:base64|hex|rot13|zlib)/.test(raw)) {
    signals.push({ code: 'obfuscation.decoded-exec', fragment: info.text, detail: `${lang} runs code it decodes at run time` });
  }
  const computed = (lang === 'perl' || lang === 'ruby' ? /(?<![.\w$])(system|exec)[ \t]+(?=[$@])/.exec(code) : null) ?? /\b(os\.system|os\.popen|subprocess\.(?:run|call|Popen|check_output|check_call|getoutput)|execSync|execFileSync|spawnSync|child_process\.exec|shell_exec|passthru|proc_open|Kernel\.system|IO\.popen)\s*\(\s*(?!["'`\[]|r["'])/.exec(code);
  if (computed) {
    if (/b64decode|atob|base64|fromCharCode|unhexlify|fromhex|decode\(|Buffer\.from|\bpack\s*\(?\s*["'][Hhu]/.test(code)) signals.push({ code: 'obfuscation.decoded-exec', fragment: info.text, detail: `${lang} runs a command it decodes at run time` });
    else signals.push({ code: 'shell.eval-dynamic', fragment: info.text, detail: `${lang} runs a command built at run time (${computed[1]})` });
  }
  if (SQL_DESTRUCTIVE.test(normaliseSql(code))) info.sql.push(code);
  // the whole environment printed (`node -p process.env`, `print(os.environ)`, `puts ENV.to_h`): credentials included
  if (ENV_PRINT.test(code) || lang === 'node' && /^\s*process\.env\s*;?\s*$/.test(code)) signals.push({ code: 'secrets.env-dump', fragment: info.text, detail: `${lang} prints every environment variable` });
}

/** a print of the whole environment object (a member of it, `process.env.HOME`, is not the whole) */
const ENV_PRINT = /\b(?:print|console\.(?:log|dir|info|error)|puts|pp?|json\.dumps|JSON\.stringify|say|Write-Output|echo)\s*\(?\s*(?:dict\(\s*|str\(\s*|list\(\s*)?(?:os\.environ(?:\.items\(\))?|process\.env|ENV(?:\.to_h)?|%ENV|\$_ENV|getenv\(\))\s*\)?\s*(?:[,;)]|$)/m;


/**
 * A perl switch bundle with `-i` in it (`-pi`, `-0pi`, `-i.bak`): the letters
 * before a switch that takes the rest as its value (`-Mstrict`, `-e…`), and
 * the digits after `-0`/`-l`, are skipped.
 */
function perlInPlace(word: string): boolean {
  if (word.length < 2 || word[0] !== '-' || word[1] === '-') return false;
  for (let i = 1; i < word.length; i++) {
    const c = word[i]!;
    if (c === 'i') return true;
    if ('eEIMmxdDC'.includes(c)) return false;
    if (c === '0' || c === 'l') while (i + 1 < word.length && /[0-9a-fA-Fx]/.test(word[i + 1]!)) i++;
  }
  return false;
}

export const perl: Handler = (args, ctx, info, signals) => {
  const p = parseArgs(args, { values: ['e', 'E', 'I', 'M', 'm', 'x'] });
  const code = values(p, '-e', '-E').join('\n');
  const inPlace = args.some((a) => perlInPlace(a.v));
  if (code) {
    info.inlineCode = code;
    addReads(info, ctx, p.positionals);
    if (inPlace) addWrites(info, ctx, p.positionals);
    scanInlineCode(code, 'perl', ctx, info, signals);
  } else if (p.positionals[0]) {
    const path = ctx.resolve(p.positionals[0]);
    info.execs.push(path);
    addReads(info, ctx, p.positionals);
    const written = ctx.writtenText?.(path);
    if (written !== undefined) scanInlineCode(written, 'perl', ctx, info, signals);
  } else info.interpreterStdin = true;
};

// ---------------------------------------------------------------- Tcl and Emacs Lisp

/** Tcl's words: `"…"` and `{…}` group, whitespace separates. */
function tclWords(text: string): string[] {
  return [...text.matchAll(/"((?:[^"\\]|\\.)*)"|\{([^{}]*)\}|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]!);
}

/** `exec …` and expect's `spawn …` (options first), up to the end of the Tcl command */
const TCL_RUN = /(?:^|[\n;[{])[ \t]*(exec|spawn)((?:[ \t]+-(?!-[ \t])\S+)*)(?:[ \t]+--)?[ \t]+([^\n;\]}]+)/g;
const TCL_FILE = /(?:^|[\n;[{])[ \t]*file[ \t]+(delete|copy|rename|link)[ \t]+([^\n;\]}]+)/g;
const TCL_OPEN = /(?:^|[\n;[{])[ \t]*(?:set[ \t]+\S+[ \t]+\[)?open[ \t]+("[^"]*"|\{[^}]*\}|[^\s\]]+)(?:[ \t]+("[^"]*"|\{[^}]*\}|[^\s\]]+))?/g;

/**
 * A Tcl program (tclsh, wish, expect): `exec` and `spawn` run programs,
 * `file delete -force` deletes whole trees, `file copy|rename|link` and
 * `open` read and write files, `http::geturl` and `socket` reach the network.
 */
function scanTcl(code: string, ctx: CommandCtx, info: ShellCommandInfo): void {
  for (const m of code.matchAll(TCL_RUN)) {
    const words = tclWords(m[3]!);
    if (words.length > 0) ctx.nested(words.map(shellQuote).join(' '), `tcl ${m[1]}`);
  }
  for (const m of code.matchAll(TCL_FILE)) {
    const words = tclWords(m[2]!);
    const names = words.filter((x) => !x.startsWith('-'));
    if (m[1] === 'delete') {
      const force = words.includes('-force');
      for (const n of names) info.deletes.push({ path: ctx.resolve(n), recursive: force, via: 'tcl file delete' });
    } else if (names.length >= 2) {
      // copy|rename SOURCE… TARGET; link LINK TARGET makes LINK
      if (m[1] === 'link') info.writes.push(ctx.resolve(names[0]!));
      else {
        for (const n of names.slice(0, -1)) info.reads.push(ctx.resolve(n));
        info.writes.push(ctx.resolve(names[names.length - 1]!));
      }
    }
  }
  for (const m of code.matchAll(TCL_OPEN)) {
    const name = tclWords(m[1]!)[0];
    if (name === undefined || name.startsWith('|') || name.startsWith('$')) continue;
    const mode = m[2] !== undefined ? tclWords(m[2])[0] ?? 'r' : 'r';
    if (/[wa]|WRONLY|RDWR|CREAT|APPEND|TRUNC/.test(mode)) info.writes.push(ctx.resolve(name));
    else info.reads.push(ctx.resolve(name));
  }
  if (/\bhttp::geturl\b|(?:^|[\s[;{])socket[ \t]/.test(code)) {
    info.network = true;
    for (const u of urlsIn(code)) info.urls.push(u);
  }
}

/** the Emacs Lisp calls that delete, run programs, read, write or fetch, with the text up to their closing parenthesis (one level of nesting) */
const ELISP_CALL = /\((delete-directory|delete-file|shell-command|shell-command-to-string|async-shell-command|call-process-shell-command|start-process-shell-command|call-process|process-lines|start-process|make-process|insert-file-contents|insert-file-contents-literally|find-file|find-file-noselect|write-region|append-to-file|copy-file|rename-file|make-symbolic-link|add-name-to-file|copy-directory|url-retrieve|url-retrieve-synchronously)\b((?:[^()"]|"(?:[^"\\]|\\.)*"|\((?:[^()"]|"(?:[^"\\]|\\.)*")*\))*)\)/g;

const elispStrings = (text: string): string[] => [...text.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]!.replace(/\\(.)/g, '$1'));

/** An Emacs Lisp program (`emacs --batch --eval …`): what its calls delete, run, read, write and fetch. */
function scanElisp(code: string, ctx: CommandCtx, info: ShellCommandInfo): void {
  for (const m of code.matchAll(ELISP_CALL)) {
    const fn = m[1]!;
    const rest = m[2]!;
    const strs = elispStrings(rest);
    switch (fn) {
      case 'delete-directory': {
        if (strs[0] === undefined) break;
        // the second argument, when given and not nil, deletes the contents too
        const after = rest.slice(rest.indexOf('"' + strs[0]) + strs[0].length + 2).trim();
        info.deletes.push({ path: ctx.resolve(strs[0]), recursive: after !== '' && !/^nil\b/.test(after), via: 'elisp delete-directory' });
        break;
      }
      case 'delete-file':
        if (strs[0] !== undefined) info.deletes.push({ path: ctx.resolve(strs[0]), recursive: false, via: 'elisp delete-file' });
        break;
      case 'shell-command':
      case 'shell-command-to-string':
      case 'async-shell-command':
      case 'call-process-shell-command':
        if (strs[0] !== undefined) ctx.nested(strs[0], `elisp ${fn}`);
        break;
      case 'start-process-shell-command':
        if (strs.length > 0) ctx.nested(strs[strs.length - 1]!, `elisp ${fn}`);
        break;
      case 'call-process':
      case 'process-lines':
      case 'start-process':
      case 'make-process': {
        // call-process PROGRAM INFILE DESTINATION DISPLAY ARGS…; start-process NAME BUFFER PROGRAM ARGS…; make-process :command '(PROGRAM ARGS…)
        let words = strs;
        if (fn === 'make-process') words = elispStrings(/:command\s+'?\(([^()]*)\)/.exec(rest)?.[1] ?? '');
        else if (fn === 'start-process') words = strs.slice(strs.length > 2 && /^\*/.test(strs[1]!) ? 2 : 1);
        else if (fn === 'call-process') words = strs.filter((x, i) => i === 0 || !/^\*/.test(x));
        if (words.length > 0) ctx.nested(words.map(shellQuote).join(' '), `elisp ${fn}`);
        break;
      }
      case 'insert-file-contents':
      case 'insert-file-contents-literally':
      case 'find-file':
      case 'find-file-noselect':
        if (strs[0] !== undefined) info.reads.push(ctx.resolve(strs[0]));
        break;
      case 'write-region':
      case 'append-to-file':
        if (strs.length > 0) info.writes.push(ctx.resolve(strs[strs.length - 1]!));
        break;
      case 'url-retrieve':
      case 'url-retrieve-synchronously':
        info.network = true;
        for (const u of urlsIn(rest)) info.urls.push(u);
        break;
      default:
        // copy-file, rename-file, make-symbolic-link, add-name-to-file, copy-directory: FROM TO
        if (strs.length >= 2) {
          info.reads.push(ctx.resolve(strs[0]!));
          info.writes.push(ctx.resolve(strs[1]!));
        }
    }
  }
}

/** tclsh, wish and expect: `-c` programs (expect), a script file, or the program on stdin. */
export const tcl: Handler = (args, ctx, info, signals) => {
  const inline: string[] = [];
  let script: ArgWord | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!.v;
    if (a === '-c') {
      const c = args[++i];
      if (c) inline.push(c.v);
    } else if (a === '-f') script = args[++i];
    else if (a === '-encoding') i++;
    else if (a === '--') {
      script ??= args[i + 1];
      break;
    } else if (!a.startsWith('-') || a === '-') {
      if (a !== '-') script ??= args[i];
      break;
    }
  }
  for (const c of inline) {
    info.inlineCode = c;
    scanInlineCode(c, 'tcl', ctx, info, signals);
  }
  if (script !== undefined) {
    const path = ctx.resolve(script);
    info.execs.push(path);
    info.reads.push(path);
    const written = ctx.writtenText?.(path);
    if (written !== undefined) scanInlineCode(written, 'tcl', ctx, info, signals);
  } else if (inline.length === 0) info.interpreterStdin = true;
};

/** `emacs [--batch] --eval EXPR -l FILE FILES…`: the expressions run; the files are opened for editing. */
export function emacsArgs(args: readonly ArgWord[], ctx: CommandCtx, info: ShellCommandInfo, signals: Signal[]): ArgWord[] {
  const files: ArgWord[] = [];
  const programs: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!.v;
    if (a === '--eval' || a === '-eval' || a === '--execute' || a === '-execute') {
      const e = args[++i];
      if (e) programs.push(e.v);
    } else if (a.startsWith('--eval=')) programs.push(a.slice(7));
    else if (a === '-l' || a === '--load' || a === '-load' || a === '--script' || a === '-scriptload' || a === '-x') {
      const f = args[++i];
      if (!f) continue;
      const path = ctx.resolve(f);
      info.execs.push(path);
      info.reads.push(path);
      const written = ctx.writtenText?.(path);
      if (written !== undefined) programs.push(written);
    } else if (/^(-f|--funcall|-L|--directory|--chdir|-t|--terminal|-d|--display|--fg-color|--bg-color|-fn|--font|--name|-T|--title|--geometry|-g)$/.test(a)) i++;
    else if (!a.startsWith('-') && !a.startsWith('+')) files.push(args[i]!);
  }
  for (const p of programs) {
    info.inlineCode = p;
    scanInlineCode(p, 'elisp', ctx, info, signals);
  }
  return files;
}
