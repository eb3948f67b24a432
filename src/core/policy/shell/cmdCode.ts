import type { ShellCommandInfo, Signal } from '../action.ts';
import { has, parseArgs, value, values, type ArgSpec } from './args.ts';
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
  // the strings the program builds, at the places it uses them
  const code = foldInlineStrings(raw, lang);
  if (FORK_LOOP.test(code)) signals.push({ code: 'system.fork-bomb', fragment: info.text, detail: `${lang} forks without end` });
  for (const m of code.matchAll(HOME_DELETE)) info.deletes.push({ path: ctx.resolve(ctx.home), recursive: true, via: `${lang} ${m[1]}` });
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
    ctx.nested(words.map((x) => (/[\s'"$`\\|;&<>()]/.test(x) ? `'${x.replace(/'/g, `'\\''`)}'` : x)).join(' '), `${lang} command`);
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
  if (DECODE_EXEC.test(raw) || /\b(exec|eval|compile|Function|system|popen|execSync)\s*\(|\bsystem\s/.test(raw) && /\b(b64decode|atob|a85decode|b32decode|unhexlify|fromCharCode|FromBase64String|decode_base64|decode64)\b|Buffer\.from\([^)]*['"](base64|hex)['"]|codecs\.decode|\.decode\(\s*['"](?:base64|hex|rot13|zlib)/.test(raw)) {
    signals.push({ code: 'obfuscation.decoded-exec', fragment: info.text, detail: `${lang} runs code it decodes at run time` });
  }
  const computed = (lang === 'perl' || lang === 'ruby' ? /(?<![.\w$])(system|exec)[ \t]+(?=[$@])/.exec(code) : null) ?? /\b(os\.system|os\.popen|subprocess\.(?:run|call|Popen|check_output|check_call|getoutput)|execSync|execFileSync|spawnSync|child_process\.exec|shell_exec|passthru|proc_open|Kernel\.system|IO\.popen)\s*\(\s*(?!["'`\[]|r["'])/.exec(code);
  if (computed) {
    if (/b64decode|atob|base64|fromCharCode|unhexlify|decode\(|Buffer\.from/.test(code)) signals.push({ code: 'obfuscation.decoded-exec', fragment: info.text, detail: `${lang} runs a command it decodes at run time` });
    else signals.push({ code: 'shell.eval-dynamic', fragment: info.text, detail: `${lang} runs a command built at run time (${computed[1]})` });
  }
  if (SQL_DESTRUCTIVE.test(normaliseSql(code))) info.sql.push(code);
}


export const perl: Handler = (args, ctx, info, signals) => {
  const p = parseArgs(args, { values: ['e', 'E', 'I', 'M', 'm', 'x'] });
  const code = values(p, '-e', '-E').join('\n');
  const inPlace = args.some((a) => /^-[a-zA-Z]*i/.test(a.v));
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
