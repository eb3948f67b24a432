import type { ShellCommandInfo, Signal } from '../action.ts';
import { looksLikeUrl } from './commandKit.ts';
import { quotedWords } from './staticText.ts';
import { own } from '../own.ts';

/**
 * Commands for cmd.exe and PowerShell, as agents send them through
 * `cmd /c …`, `powershell -Command …` or straight to a PowerShell terminal.
 * There is no grammar for these here: statements are split on their
 * separators and words on whitespace and quotes, which is enough to see
 * recursive deletes, downloads run with `iex`, and writes.
 */

export interface WindowsCtx {
  cwd: string;
  home: string;
  resolve(given: string, cwd: string): string;
  make(text: string, name: string, args: string[], cwd: string): ShellCommandInfo;
}

const PS_ALIASES: Record<string, string> = {
  ri: 'remove-item', rm: 'remove-item', del: 'remove-item', erase: 'remove-item', rd: 'remove-item', rmdir: 'remove-item',
  sl: 'set-location', cd: 'set-location', chdir: 'set-location', pushd: 'set-location', 'push-location': 'set-location',
  gc: 'get-content', cat: 'get-content', type: 'get-content',
  sc: 'set-content', ac: 'add-content', ni: 'new-item',
  cp: 'copy-item', copy: 'copy-item', cpi: 'copy-item', mv: 'move-item', move: 'move-item', mi: 'move-item',
  iwr: 'invoke-webrequest', wget: 'invoke-webrequest', curl: 'invoke-webrequest', irm: 'invoke-restmethod',
  iex: 'invoke-expression', saps: 'start-process', start: 'start-process',
  gci: 'get-childitem', ls: 'get-childitem', dir: 'get-childitem',
};

/** Splits into statements and pipelines on `&&`, `||`, `&`, `;`, `|` outside quotes. */
function statements(s: string, dialect: 'cmd' | 'powershell'): { text: string; pipeline: number; stage: number }[] {
  const out: { text: string; pipeline: number; stage: number }[] = [];
  let cur = '';
  let quote: string | undefined;
  let pipeline = 0;
  let stage = 0;
  const flush = (): void => {
    if (cur.trim() !== '') out.push({ text: cur.trim(), pipeline, stage });
    cur = '';
  };
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (quote) {
      if (ch === quote) quote = undefined;
      cur += ch;
      continue;
    }
    if (ch === '"' || ch === "'") {
      quote = ch;
      cur += ch;
      continue;
    }
    const two = s.slice(i, i + 2);
    if (two === '&&' || two === '||') {
      flush();
      pipeline++;
      stage = 0;
      i++;
      continue;
    }
    if (ch === '&' && dialect === 'cmd' || ch === ';' || ch === '\n') {
      flush();
      pipeline++;
      stage = 0;
      continue;
    }
    if (ch === '|') {
      flush();
      stage++;
      continue;
    }
    cur += ch;
  }
  flush();
  return out;
}

function flag(args: string[], ...names: string[]): boolean {
  return args.some((a) => names.includes(a.toLowerCase()));
}

function param(args: string[], ...names: string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!.toLowerCase();
    for (const n of names) {
      if (a === n) return args[i + 1];
      if (a.startsWith(n + ':')) return args[i]!.slice(n.length + 1);
    }
  }
  return undefined;
}

/** Positional arguments: words that are not switches (cmd `/x`, PowerShell `-Name value`). */
function positionals(args: string[], dialect: 'cmd' | 'powershell', valued: string[] = []): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (dialect === 'cmd' && /^\/[A-Za-z?]/.test(a) && a.length <= 4) continue;
    if (dialect === 'powershell' && /^-[A-Za-z]/.test(a)) {
      if (valued.includes(a.toLowerCase())) i++;
      continue;
    }
    out.push(a);
  }
  return out;
}

export function analyzeWindows(script: string, dialect: 'cmd' | 'powershell', ctx: WindowsCtx): { commands: ShellCommandInfo[]; signals: Signal[] } {
  const commands: ShellCommandInfo[] = [];
  const signals: Signal[] = [];
  let cwd = ctx.cwd;
  const stmts = statements(script, dialect);
  for (const st of stmts) {
    const words = quotedWords(st.text, { backslash: false });
    if (words.length === 0) continue;
    const raw = words[0]!.replace(/\.(exe|cmd|bat)$/i, '').toLowerCase();
    const name = dialect === 'powershell' ? own(PS_ALIASES, raw) ?? raw : raw;
    const args = words.slice(1);
    const info = ctx.make(st.text, name, args, cwd);
    info.pipeline = st.pipeline;
    info.stage = st.stage;
    const res = (p: string): string => ctx.resolve(p, cwd);
    const upstream = commands.filter((c) => c.pipeline === st.pipeline && c.stage < st.stage);
    switch (name) {
      case 'rd':
      case 'rmdir':
        for (const p of positionals(args, 'cmd')) info.deletes.push({ path: res(p), recursive: flag(args, '/s'), via: `${name}${flag(args, '/s') ? ' /s' : ''}` });
        break;
      case 'del':
      case 'erase':
        for (const p of positionals(args, 'cmd')) info.deletes.push({ path: res(p), recursive: flag(args, '/s'), via: name, ...(/[*?]/.test(p) ? { filtered: true } : {}) });
        break;
      case 'remove-item': {
        const recursive = args.some((a) => /^-r(e(c(u(r(s(e)?)?)?)?)?)?$/i.test(a));
        const targets = [param(args, '-path', '-literalpath'), ...positionals(args, 'powershell', ['-path', '-literalpath', '-include', '-exclude', '-filter'])].filter((x): x is string => !!x);
        for (const p of targets) for (const one of p.split(',')) info.deletes.push({ path: res(one.trim()), recursive, via: 'Remove-Item' + (recursive ? ' -Recurse' : '') });
        break;
      }
      case 'set-location':
      case 'cd':
      case 'chdir':
      case 'pushd': {
        const target = param(args, '-path', '-literalpath') ?? positionals(args, dialect)[0];
        if (target) cwd = res(target);
        break;
      }
      case 'get-content':
      case 'type':
      case 'more': {
        const targets = [param(args, '-path', '-literalpath'), ...positionals(args, dialect, ['-path', '-literalpath', '-totalcount', '-tail', '-head', '-encoding', '-delimiter'])].filter((x): x is string => !!x);
        for (const p of targets) {
          if (/^env:/i.test(p)) signals.push({ code: 'secrets.env-dump', fragment: st.text, detail: 'reads environment variables' });
          else info.reads.push(res(p));
        }
        break;
      }
      case 'set-content':
      case 'add-content':
      case 'out-file':
      case 'new-item': {
        const target = param(args, '-path', '-filepath', '-literalpath') ?? positionals(args, dialect, ['-value', '-itemtype', '-encoding', '-name'])[0];
        if (target) info.writes.push(res(target));
        break;
      }
      case 'copy-item':
      case 'move-item':
      case 'copy':
      case 'xcopy':
      case 'robocopy':
      case 'move': {
        const pos = positionals(args, dialect, ['-path', '-destination', '-literalpath']);
        const src = param(args, '-path', '-literalpath') ?? pos[0];
        const dst = param(args, '-destination') ?? pos[pos.length - 1];
        if (src) info.reads.push(res(src));
        if (dst && dst !== src) info.writes.push(res(dst));
        if (name === 'move-item' || name === 'move') if (src && dst) info.moves.push({ from: res(src), to: res(dst) });
        if (name === 'robocopy' && flag(args, '/mir', '/purge') && dst) info.deletes.push({ path: res(dst), recursive: true, via: 'robocopy /MIR', filtered: true });
        break;
      }
      case 'invoke-webrequest':
      case 'invoke-restmethod':
      case 'certutil':
      case 'bitsadmin':
      case 'start-bitstransfer': {
        info.network = true;
        for (const a of args) if (looksLikeUrl(a)) info.urls.push(a);
        const uri = param(args, '-uri', '-source');
        if (uri && !info.urls.includes(uri)) info.urls.push(uri);
        const out = param(args, '-outfile', '-destination');
        if (out) {
          const p = res(out);
          info.writes.push(p);
          info.downloads.push({ url: info.urls[0] ?? '', path: p });
        }
        const inFile = param(args, '-infile');
        if (inFile) {
          const p = res(inFile);
          info.reads.push(p);
          info.uploads.push(p);
        }
        if (name === 'certutil' && flag(args, '-decode', '/decode')) signals.push({ code: 'obfuscation.decoder', fragment: st.text, detail: 'certutil -decode' });
        break;
      }
      case 'invoke-expression': {
        const fromNet = upstream.some((c) => c.network) || /\b(iwr|irm|invoke-webrequest|invoke-restmethod|downloadstring|net\.webclient)\b/i.test(st.text);
        if (fromNet) signals.push({ code: 'remote.pipe-to-interpreter', fragment: st.text, detail: 'Invoke-Expression runs downloaded code' });
        else if (/frombase64string/i.test(st.text) || upstream.some((c) => /frombase64string/i.test(c.text))) signals.push({ code: 'obfuscation.decoded-exec', fragment: st.text, detail: 'Invoke-Expression runs a decoded payload' });
        else signals.push({ code: 'shell.eval-dynamic', fragment: st.text, detail: 'Invoke-Expression runs text built at run time' });
        break;
      }
      case 'start-process': {
        // Start-Process [-FilePath] PROGRAM [-ArgumentList] ARGS: that program runs with those words
        const file = param(args, '-filepath') ?? positionals(args, 'powershell', ['-filepath', '-argumentlist', '-workingdirectory', '-verb', '-windowstyle', '-redirectstandardoutput', '-redirectstandardinput', '-redirectstandarderror'])[0];
        const list = param(args, '-argumentlist', '-args') ?? positionals(args, 'powershell', ['-filepath', '-argumentlist', '-workingdirectory', '-verb', '-windowstyle'])[1];
        if (file) {
          const prog = file.replace(/\.(exe|cmd|bat)$/i, '').toLowerCase();
          const line = list !== undefined ? `${file} ${list}` : file;
          const inner = prog === 'cmd' && list !== undefined && /^\s*\/[ck]\s/i.test(list) ? analyzeWindows(list.replace(/^\s*\/[ck]\s+/i, ''), 'cmd', { ...ctx, cwd }) : prog === 'cmd' ? undefined : analyzeWindows(line, dialect, { ...ctx, cwd });
          if (inner) {
            commands.push(...inner.commands);
            signals.push(...inner.signals);
          }
        }
        break;
      }
      case 'mshta':
      case 'regsvr32':
      case 'rundll32':
        if (args.some((a) => /https?:/i.test(a))) signals.push({ code: 'remote.pipe-to-interpreter', fragment: st.text, detail: `${name} runs remote code` });
        break;
      case 'format':
      case 'format-volume':
      case 'clear-disk':
      case 'initialize-disk':
      case 'diskpart':
        signals.push({ code: 'system.disk', fragment: st.text, detail: `${name} erases a disk` });
        break;
      case 'stop-computer':
      case 'restart-computer':
      case 'shutdown':
        signals.push({ code: 'system.power', fragment: st.text, detail: name });
        break;
      case 'get-childitem':
        if (args.some((a) => /^env:/i.test(a))) signals.push({ code: 'secrets.env-dump', fragment: st.text, detail: 'lists environment variables' });
        break;
      case 'reg':
        if ((args[0] ?? '').toLowerCase() === 'delete') signals.push({ code: 'system.registry', fragment: st.text, detail: 'deletes registry keys' });
        break;
      case 'schtasks':
        if (flag(args, '/create')) signals.push({ code: 'deferred.schedule', fragment: st.text, detail: 'creates a scheduled task' });
        break;
      default:
        break;
    }
    if (/\$env:[A-Za-z_]*(SECRET|TOKEN|PASSWORD|KEY)/i.test(st.text) && info.network) signals.push({ code: 'net.secret-var', fragment: st.text, detail: 'sends an environment secret' });
    if (/frombase64string/i.test(st.text) && name !== 'invoke-expression') signals.push({ code: 'obfuscation.decoder', fragment: st.text, detail: 'decodes base64' });
    commands.push(info);
  }
  return { commands, signals };
}
