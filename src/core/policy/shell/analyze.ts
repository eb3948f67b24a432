import type { ShellAnalysis, ShellCommandInfo, Signal } from '../action.ts';
import { has, parseArgs, value, values } from './args.ts';
import { inlineFlag, interpreterFamily, scanInlineCode } from './cmdCode.ts';
import { isDeployScript } from './cmdOps.ts';
import { w, type CommandCtx, type Redirected } from './commandKit.ts';
import { describeCommand, handledNames } from './commands.ts';
import { isDecoder, parseDuration, quoteWord, shebangLine, splitWords, STATIC_PROGRAMS, staticFilter, stripQuotes } from './staticText.ts';
import { ARG_SEPARATOR, expandSingle, expandWord, isSecretVarName, literalWord, type ArgWord, type ExpandEnv } from './expand.ts';
import type { CommandNode, Node, Redirect, Script, Word } from './ir.ts';
import { parseShell } from './parse.ts';
import { analyzeWindows } from './windows.ts';

/**
 * Walks a parsed command line the way bash would run it and lists every
 * simple command that would execute, with wrappers (sudo, env, timeout,
 * xargs, find -exec, bash -c, eval, …) unwrapped, the working directory
 * followed through `cd`, variables assigned earlier substituted, and data
 * flowing through pipes tracked far enough to see `curl … | sh` and
 * `echo … | base64 -d | sh`.
 */

export interface AnalyzeOptions {
  cwd: string;
  home: string;
  vars?: Record<string, string>;
  /** canonical path of `given` relative to `cwd`; records what the file system says about it */
  resolve(given: string, cwd: string, word?: ArgWord): string;
  /** upper bound on simple commands before the line is called too complex */
  maxCommands?: number;
  /** a link the line creates (`ln -s target link`): later paths through it lead to the target */
  link?(link: string, target: string): void;
  /** the text of a small file a command takes its instructions from (a patch it applies); undefined when unreadable */
  readText?(path: string): string | undefined;
  /** the workspace folder (a repository's top) holding a directory, if one does */
  repoRoot?(dir: string): string | undefined;
}

interface Scope {
  cwd: string;
  cwdUnknown: boolean;
  /** read freely; write only through setVar/deleteVar (the map may be shared with copies) */
  vars: Map<string, string | null>;
  /** read freely; write only through setFunc */
  funcs: Map<string, Script>;
  /** vars is shared with another scope: copy it before the first write */
  sharedVars?: boolean;
  /** funcs is shared with another scope: copy it before the first write */
  sharedFuncs?: boolean;
  /** the expansion environment of this scope, made on first use (dropped when cwd changes) */
  env?: ExpandEnv;
}

/** Every member is always present (undefined when unknown), in this order: stdin records then share one hidden class. */
interface Stdin {
  text?: string;
  dynamic: boolean;
  fromPipe: boolean;
  /** the pipeline and stage whose output this is */
  pipeline?: number;
  stage?: number;
  /** static output of the upstream stages, when known */
  upstream?: string;
  /** the upstream stage is a `find`: its output names these paths */
  findPaths?: string[];
}

/** A stdin record with every member present, in the interface's order (see Stdin); pipes set pipeline and stage after. */
function newStdin(text: string | undefined, dynamic: boolean, fromPipe: boolean): Stdin {
  return { text, dynamic, fromPipe, pipeline: undefined, stage: undefined, upstream: undefined, findPaths: undefined };
}

interface Frame {
  via: string[];
  inSub: boolean;
  depth: number;
  pipeline: number;
  stage: number;
  background: boolean;
  stdin?: Stdin;
  delay: number;
  calls: string[];
  /** the command's arguments include extra unknown ones (xargs, find -exec {}) */
  openArgs?: boolean;
  /** commands run by the substitutions in this command's words */
  subCmds?: ShellCommandInfo[];
  /** walking one stage of a pipeline: commands inside keep its pipeline id and stage */
  inStage?: boolean;
}

const MAX_DEPTH = 10;
/** `while true`, `while :`, `until false`, `for ((;;))`: loops with no condition that ends them */
const ENDLESS_LOOP = /^(?:while\s+(?:true|:|\[\s*1\s*\]|\(\(\s*1\s*\)\))|until\s+(?:false|!\s*true)|for\s*\(\(\s*;\s*;\s*\)\))\s*(?:;|\n|do\b)/;
const SHELLS = new Set(['sh', 'bash', 'zsh', 'dash', 'ksh', 'mksh', 'ash', 'fish', 'csh', 'tcsh', 'yash', 'rbash', 'pdksh', 'busybox-sh']);
const HIDDEN_CHARS = /[\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF\u00AD\u180E\u061C]|[\x00-\x08\x0B\x0C\x0E-\x1F\x7F]/;
const SYSTEM_DIRS = /^\/(usr\/(local\/)?(s?bin|lib\w*)|s?bin|opt\/homebrew\/bin|nix\/store|snap\/bin)\//;
/** variables whose value is a command line that programs run later (git, ssh, editors, pagers, the prompt) */
const COMMAND_VARS: ReadonlySet<string> = new Set([
  'GIT_SSH_COMMAND', 'GIT_SSH', 'GIT_PAGER', 'GIT_EDITOR', 'GIT_SEQUENCE_EDITOR', 'GIT_EXTERNAL_DIFF', 'GIT_ASKPASS', 'GIT_PROXY_COMMAND', 'SSH_ASKPASS',
  'SUDO_ASKPASS', 'EDITOR', 'VISUAL', 'PAGER', 'MANPAGER', 'SYSTEMD_PAGER', 'LESSOPEN', 'LESSCLOSE', 'PROMPT_COMMAND', 'BROWSER',
]);
/** variables that make programs load code: a library, a startup script, an option string (for NODE_OPTIONS and Java, only code-loading options) */
const LOAD_VARS = /^(LD_PRELOAD|LD_AUDIT|DYLD_INSERT_LIBRARIES|PYTHONSTARTUP|BASH_ENV|ENV|PERL5OPT|PERL5DB|RUBYOPT)$/;
const LOADING_OPTIONS: Readonly<Record<string, RegExp>> = {
  NODE_OPTIONS: /(^|\s)(-r|--require|--import|--loader|--experimental-loader)(\s|=|$)/,
  JAVA_TOOL_OPTIONS: /-javaagent|-agentpath|-agentlib/,
  _JAVA_OPTIONS: /-javaagent|-agentpath|-agentlib/,
};

const BYPASS_VAR = /BYPASS|SKIP_?(HOOKS?|CHECKS?|GUARD|VERIFY|CI)$|NO_?VERIFY|DISABLE_?(HOOKS?|GUARD|SAFETY|CHECKS?)|^HUSKY$|^SKIP$|^PRE_COMMIT_ALLOW_NO_CONFIG$|^GIT_HOOKS?_DISABLED?$/i;
/** A line that bash cannot parse and that reads as PowerShell: a cmdlet or alias first, .NET calls, `$env:` */
const POWERSHELL_LIKE = /^\s*(?:iex|invoke-expression|saps|start-process|iwr|irm|invoke-webrequest|invoke-restmethod|remove-item|ri|set-content|add-content|new-object|\$[a-z_]\w*\s*=|\[[a-z.]+\]::)\b|new-object\s+(?:system\.)?net\.|\[(?:system\.)?(?:io\.|convert\]|text\.encoding)|\$env:/i;
/** PowerShell cmdlets, and aliases of them no POSIX program shares */
const POWERSHELL_CMDLETS = new Set([
  'ri', 'saps', 'gci', 'ni', 'cpi', 'mi',
  'remove-item', 'set-content', 'add-content', 'out-file', 'new-item', 'copy-item', 'move-item', 'get-content', 'invoke-webrequest',
  'invoke-restmethod', 'invoke-expression', 'start-process', 'format-volume', 'clear-disk', 'stop-computer', 'restart-computer', 'get-childitem',
  'start-bitstransfer', 'initialize-disk',
]);
const ENV_DUMP = new Set(['env', 'printenv', 'set', 'export', 'declare', 'typeset', 'compgen']);

/**
 * The names the switches of wrapper() and extraSemantics() have a case for. A
 * name outside them skips the switch: a switch over strings compares the name
 * with each case in turn, which for a name no case has costs microseconds. A
 * unit test checks these lists against the cases in this file.
 */
/** what names Belay, or the editor that runs it, among the arguments of a kill or a process lookup */
const KILL_GUARD = /belay|code(-server|-insiders)?$|extensionhost/i;
/** programs that print process ids */
const PID_LOOKUP: ReadonlySet<string> = new Set(['pgrep', 'pidof', 'pgrep.exe', 'lsof', 'fuser']);
const NO_INFOS: readonly ShellCommandInfo[] = [];

/** what a command reads on stdin, when it is known now (upstream's static output, or a here-document) */
function fedText(frame: Frame): string | undefined {
  return frame.stdin?.dynamic ? undefined : frame.stdin?.upstream ?? frame.stdin?.text;
}

/** programs whose output names the files in what they are given */
const LISTERS: ReadonlySet<string> = new Set(['ls', 'find', 'tree', 'du', 'stat', 'dir']);
/** programs that print who and where the agent runs */
const IDENTITY: ReadonlySet<string> = new Set(['whoami', 'id', 'hostname', 'groups', 'users', 'who', 'w', 'logname', 'ifconfig', 'ip', 'hostnamectl']);
/** programs that send their arguments through DNS or ICMP (the name looked up carries data) */
export const DNS_CLIENTS: ReadonlySet<string> = new Set(['dig', 'nslookup', 'host', 'drill', 'delv', 'ping', 'ping6', 'traceroute', 'tracepath', 'resolvectl']);

/** programs that write what they read on stdin into the files they write */
const STDIN_COPIERS: ReadonlySet<string> = new Set(['tee', 'sponge', 'dd', 'cat']);
/** words that open a group or a subshell where the grammar does not know the keyword before them (`coproc`) */
const GROUP_OPENERS: ReadonlySet<string> = new Set(['{', '(']);

/** `pkill [-SIGNAL] -u USER` with no pattern: every process of that user. */
function killsAllOfAUser(args: readonly string[]): boolean {
  let byUser = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-u' || a === '-U' || a === '--euid' || a === '--uid') {
      byUser = true;
      i++;
    } else if (/^(-[uU].+|--e?uid=.*)$/.test(a)) byUser = true;
    else if (!a.startsWith('-')) return false;
  }
  return byUser;
}

export const WRAPPER_NAMES: ReadonlySet<string> = new Set([
  'sudo', 'doas', 'pkexec', 'run0', 'su', 'env', 'timeout', 'nice', 'renice', 'ionice', 'chrt', 'taskset', 'stdbuf', 'numactl', 'cpulimit',
  'prlimit', 'systemd-inhibit', 'caffeinate', 'nohup', 'setsid', 'builtin', 'unbuffer', 'dbus-run-session', 'proxychains', 'proxychains4',
  'torsocks', 'tsocks', 'catchsegv', 'faketime', 'sg', 'script-replay', 'valgrind', 'fakeroot', 'chronic', 'ifne', 'sem', 'rlwrap', 'time',
  'command', 'exec', 'watch', 'flock', 'script', 'chroot', 'strace', 'ltrace', 'ltrace64', 'xvfb-run', 'firejail', 'bwrap', 'unshare', 'nsenter',
  'busybox', 'toybox', 'npx', 'bunx', 'pnpx', 'npm', 'pnpm', 'yarn', 'bun', 'uv', 'poetry', 'pipenv', 'pdm', 'hatch', 'rye', 'bundle', 'mise',
  'asdf', 'conda', 'mamba', 'micromamba', 'pixi', 'dotenv', 'op', 'doppler', 'infisical', 'aws-vault', 'direnv', 'nix-shell', 'devbox', 'uvx',
  'pipx', 'xargs', 'parallel', 'find', 'eval', 'source', '.', 'cmd', 'powershell', 'pwsh', 'systemd-run', 'runuser', 'coproc', 'screen', 'tmux',
  'xterm', 'uxterm', 'urxvt', 'gnome-terminal', 'konsole', 'xfce4-terminal', 'alacritty', 'kitty', 'wezterm', 'terminator', 'x-terminal-emulator',
  'proot', 'entr', 'perf', 'gdb', 'fd', 'fdfind', 'nix', 'toolbox', 'distrobox', 'distrobox-enter', 'machinectl', 'hyperfine', 'nodemon', 'watchexec',
  'byobu',
]);

/** the options of a plain wrapper that take the next word as their value (exact words: `-n`, `--rewrite`, mpirun's `-np`) */
const MPI_VALUES = ['-n', '-c', '-N', '-H', '-x', '-np', '-host', '-hostfile', '-machinefile', '--host', '--hostfile', '--map-by', '--bind-to', '-wdir', '--wdir', '-npernode', '--npernode'];
/**
 * Programs that run the command after their options and a fixed number of
 * operands (a user name, a socket): `gosu app rm -rf src`,
 * `eatmydata rm -rf src`, `mpirun -np 4 cmd`.
 */
export const PLAIN_WRAPPERS: ReadonlyMap<string, { values: ReadonlySet<string>; operands: number }> = new Map(
  ([
    ['fakechroot', ['-e', '-c', '-l', '-d', '--environment', '--config-dir', '--lib', '--elfloader']],
    ['chpst', ['-u', '-U', '-b', '-e', '-/', '-n', '-l', '-L', '-m', '-d', '-o', '-p', '-f', '-c', '-r', '-t']],
    ['setpriv', ['--reuid', '--regid', '--ruid', '--euid', '--rgid', '--egid', '--groups', '--inh-caps', '--ambient-caps', '--bounding-set', '--securebits', '--pdeathsig', '--selinux-label', '--apparmor-profile', '--landlock-access', '--landlock-rule']],
    ['nocache', []], ['eatmydata', []], ['winpty', []], ['with-contenv', []], ['dbus-launch', []], ['flatpak-spawn', []], ['nq', []],
    ['tini', ['-p', '-e']],
    ['dumb-init', ['-r', '--rewrite']],
    // they change user only when already root (to drop rights): no privilege is gained
    ['gosu', [], 1], ['su-exec', [], 1], ['s6-setuidgid', [], 1],
    ['cgexec', ['-g']],
    ['mpirun', MPI_VALUES], ['mpiexec', MPI_VALUES],
    ['srun', ['-n', '-N', '-p', '-t', '-c', '-J', '-A', '-w', '-x', '-o', '-e', '-i', '-D', '-G', '-q', '-C', '-d', '-m', '-r', '-T', '-W', '-B', '-L', '-M', '-S']],
    ['sshpass', ['-p', '-f', '-d', '-P']],
    ['retry', ['-t', '-d', '-u', '-w', '--times', '--delay', '--until', '--while']],
    ['reflex', ['-r', '-R', '-g', '-G', '-c', '-d', '--regex', '--inverse-regex', '--glob', '--inverse-glob', '--config', '--decoration']],
    ['tsp', ['-L', '-D', '-W', '-N']], ['ts', ['-L', '-D', '-W', '-N']],
    // `dtach -n SOCKET cmd`, `abduco -n NAME cmd`
    ['dtach', ['-e', '-r'], 1], ['abduco', ['-e'], 1],
  ] as [string, string[], number?][]).map(([n, v, operands = 0]) => [n, { values: new Set(v), operands }]),
);
for (const n of PLAIN_WRAPPERS.keys()) (WRAPPER_NAMES as Set<string>).add(n);

/** The words after a plain wrapper's options (up to `--`) and operands: the command it runs. */
function afterPlainOptions(args: readonly ArgWord[], values: ReadonlySet<string>, operands: number): ArgWord[] {
  let i = 0;
  while (i < args.length) {
    const a = args[i]!.v;
    if (a === '--') {
      i++;
      break;
    }
    if (a.length < 2 || a[0] !== '-') break;
    i++;
    if (values.has(a)) i++;
  }
  return args.slice(Math.min(args.length, i + operands));
}
/** tmux commands that start a program: their last words are a shell command */
const TMUX_RUNS: ReadonlySet<string> = new Set([
  'new', 'new-session', 'new-window', 'neww', 'split-window', 'splitw', 'respawn-pane', 'respawnp', 'respawn-window', 'respawnw', 'run-shell', 'run',
  'display-popup', 'popup', 'send-keys', 'send', 'if-shell', 'if', 'pipe-pane', 'pipep',
]);
export const SEMANTIC_NAMES: ReadonlySet<string> = new Set([
  'cd', 'pushd', 'chdir', 'set-location', 'sl', 'push-location', 'popd', 'pop-location', 'read', 'mapfile', 'readarray', 'printenv', 'set',
  'compgen', 'echo', 'printf', 'print', 'write-output', 'write-host', 'at', 'batch', 'crontab', 'iex', 'invoke-expression', 'launchctl', 'schtasks',
  'trap', 'alias', 'kill', 'pkill', 'killall', 'stop-process', 'taskkill', 'shutdown', 'reboot', 'halt', 'poweroff', 'stop-computer',
  'restart-computer', 'systemctl', 'init', 'telinit', 'code', 'code-insiders', 'cursor', 'codium', 'code-server', 'windsurf', 'history', 'claude',
  'codex', 'gemini', 'cursor-agent', 'copilot', 'vim', 'vi', 'nvim', 'view', 'ex', 'less', 'man', 'make', 'gmake', 'ps',
]);
/** an editor or pager command that runs a shell command: `:!cmd`, `!cmd`, `:r !cmd`, `:w !cmd`, `:silent !cmd` (the command in group 1) */
const EDITOR_BANG = /^\s*:?\s*(?:silent!?\s+)?(?:(?:r|read|w|write|\.)\s*)?!(.+)$/;

/** programs a command-name pattern may stand for before it is only asked about */
const MAX_GLOB_NAMES = 24;

/** A shell pattern (`c?t`, `r[m]`, `*sh`) as a regular expression over whole names. */
function globRegex(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) re += '\\[';
      else {
        const body = pattern.slice(i + 1, end);
        re += '[' + (body[0] === '!' || body[0] === '^' ? '^' + body.slice(1) : body).replace(/\\/g, '\\\\') + ']';
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\\]]/g, '\\$&');
  }
  try {
    return new RegExp('^' + re + '$');
  } catch {
    // a class no regular expression takes (`[z-a]`): the name stays unknown, and asked about
    return /(?!)/;
  }
}

/** A variable's value, not only whether it is set or its length, appears in a command's text: `$X`, `${X}`, `${X:-d}`, `${X:0:4}`. */
function printsValue(text: string, name: string): boolean {
  for (let at = text.indexOf(name); at >= 0; at = text.indexOf(name, at + 1)) {
    const before = text.slice(Math.max(0, at - 2), at);
    const after = text[at + name.length] ?? '';
    if (/\w/.test(after)) continue;
    if (before.endsWith('$') && !before.endsWith('\\$')) return true;
    if (before === '${' && !/^:?\+/.test(text.slice(at + name.length))) return true;
  }
  return false;
}

/** agent CLI options that turn their approvals off */
const AGENT_BYPASS = /^(--dangerously-skip-permissions|--dangerously-bypass-approvals-and-sandbox|--yolo|--allow-all-tools|--allow-all-paths|--allow-all|--force|--permission-mode=bypassPermissions|--approval-mode=yolo|--ask-for-approval=never|--sandbox=danger-full-access)$/;

/** Normalises a command word to its program name: `/usr/bin/rm` -> `rm`, `RM.EXE` -> `rm`. */
export function programName(word: string): string {
  let n = word;
  const slash = Math.max(n.lastIndexOf('/'), n.lastIndexOf('\\'));
  if (slash >= 0) n = n.slice(slash + 1);
  if (n.includes('.') && /\.(exe|cmd|bat|com|ps1)$/i.test(n)) n = n.replace(/\.(exe|cmd|bat|com|ps1)$/i, '').toLowerCase();
  if (n.includes('-') && /^[A-Za-z]+-[A-Za-z]+$/.test(n) && /[A-Z]/.test(n)) n = n.toLowerCase();
  return n;
}

export function analyzeShell(text: string, opts: AnalyzeOptions): ShellAnalysis {
  const a = new Analyzer(opts);
  a.run(text);
  // built member by member (a conditional spread into a literal is a slow copy), in the same order
  const out: ShellAnalysis = { commands: a.commands, signals: a.signals, parseError: a.parseError };
  if (a.contentWrites.length > 0) out.contentWrites = a.contentWrites;
  return out;
}

class Analyzer {
  readonly commands: ShellCommandInfo[] = [];
  readonly signals: Signal[] = [];
  readonly contentWrites: { path: string; text: string; append: boolean }[] = [];
  parseError = false;
  private readonly opts: AnalyzeOptions;
  private pipelines = 0;
  private readonly max: number;
  private tooComplex = false;
  /** per pipeline: the paths its `find` stage prints (made when a find prints any) */
  private findOutput: Map<number, string[]> | undefined;

  constructor(opts: AnalyzeOptions) {
    this.opts = opts;
    this.max = opts.maxCommands ?? 2000;
  }

  run(text: string): void {
    if (HIDDEN_CHARS.test(text)) {
      const ch = HIDDEN_CHARS.exec(text)![0];
      this.signal('obfuscation.hidden-chars', text, `invisible or direction-changing character U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`);
    }
    if (text.length > 100_000) {
      this.signal('shell.too-complex', text.slice(0, 120), 'the command line is longer than 100,000 characters');
      return;
    }
    const vars = new Map<string, string | null>();
    const given = this.opts.vars;
    if (given) for (const k of Object.keys(given)) vars.set(k, given[k]!);
    // no functions yet: the shared empty map, copied on the first definition. Every member is
    // present, in copyScope's order: all scopes then share one hidden class (members added later,
    // and in another order, made the code reading scopes polymorphic)
    const scope: Scope = { cwd: this.opts.cwd, cwdUnknown: false, vars, funcs: NO_FUNCS, sharedVars: false, sharedFuncs: true, env: undefined };
    this.nestedScript(text, scope, this.rootFrame(), undefined);
  }

  private rootFrame(): Frame {
    // every member present (undefined until set), in the interface's order: the frames spread from
    // this one then all share its hidden class, and the code that reads them stays monomorphic
    return { via: [], inSub: false, depth: 0, pipeline: this.pipelines++, stage: 0, background: false, stdin: undefined, delay: 0, calls: [], openArgs: undefined, subCmds: undefined, inStage: undefined };
  }

  private signal(code: string, fragment: string, detail?: string): void {
    if (this.signals.some((s) => s.code === code && s.fragment === fragment)) return;
    const s: Signal = { code, fragment };
    if (detail !== undefined) s.detail = detail;
    this.signals.push(s);
  }

  /** Parses and walks a script given as text (the top level, `bash -c`, `eval`, here-documents fed to a shell). */
  private nestedScript(text: string, scope: Scope, frame: Frame, via: string | undefined): void {
    if (frame.depth > MAX_DEPTH) {
      this.signal('shell.too-complex', text.slice(0, 200), 'nested shells go deeper than the analysis follows');
      return;
    }
    const script = parseShell(text);
    if (script.error) {
      this.parseError = true;
      this.signal('shell.parse-error', text.length > 200 ? text.slice(0, 200) + '…' : text);
      // PowerShell sent to a bash tool (`iex (New-Object Net.WebClient).DownloadString(…)`) is read as PowerShell too
      if (POWERSHELL_LIKE.test(text)) this.windowsText(text, 'powershell', scope, frame);
    }
    const f = via ? { ...frame, via: [...frame.via, via], depth: frame.depth + 1, inStage: false } : frame;
    this.script(script, scope, f);
  }

  private script(s: Script, scope: Scope, frame: Frame): void {
    let delay = frame.delay;
    for (const item of s.items) {
      const background = item.op === '&';
      const before = this.commands.length;
      this.node(item.node, scope, { ...frame, background: frame.background || background, delay, pipeline: item.node.t === 'pipeline' || frame.inStage ? frame.pipeline : this.pipelines++ });
      delay = this.delayAfter(before, delay);
    }
  }

  /** `sleep N && x`: x runs N seconds later (what deploy windows care about). */
  private delayAfter(before: number, delay: number): number {
    for (let i = before; i < this.commands.length; i++) {
      const c = this.commands[i]!;
      if (c.name === 'sleep' && !c.inSubstitution) {
        const secs = parseDuration(c.args[0] ?? '');
        if (secs !== undefined) delay += secs;
      }
    }
    return delay;
  }

  private node(n: Node, scope: Scope, frame: Frame): void {
    if (this.commands.length >= this.max) {
      if (!this.tooComplex) {
        this.tooComplex = true;
        this.signal('shell.too-complex', n.t === 'error' ? n.text : n.text.slice(0, 200), `more than ${this.max} commands`);
      }
      return;
    }
    switch (n.t) {
      case 'cmd':
        this.simple(n, scope, frame);
        return;
      case 'pipeline': {
        const id = this.pipelines++;
        let upstream: string | undefined = frame.stdin?.upstream;
        let upstreamDynamic = frame.stdin?.dynamic ?? false;
        n.stages.forEach((stage, i) => {
          const stageScope = n.stages.length > 1 ? copyScope(scope) : scope;
          let stdin: Stdin | undefined = frame.stdin;
          if (i > 0) {
            stdin = newStdin(undefined, upstream === undefined || upstreamDynamic, true);
            stdin.pipeline = id;
            stdin.stage = i - 1;
            if (upstream !== undefined) {
              stdin.upstream = upstream;
              stdin.text = upstream;
            }
            const found = this.findOutput?.get(id);
            if (found !== undefined) stdin.findPaths = found;
          }
          const before = this.commands.length;
          this.node(stage, stageScope, { ...frame, pipeline: id, stage: i, inStage: n.stages.length > 1, stdin });
          if (stage.t === 'cmd' && upstream !== undefined) this.teeContent(stage, stageScope, upstream);
          const out = this.staticOutput(stage, stageScope, i === 0 ? frame.stdin?.text : upstream);
          upstream = out;
          upstreamDynamic = out === undefined;
          void before;
        });
        return;
      }
      case 'list': {
        let delay = frame.delay;
        for (const item of n.items) {
          const before = this.commands.length;
          this.node(item.node, scope, { ...frame, delay, background: frame.background || item.op === '&' });
          delay = this.delayAfter(before, delay);
        }
        return;
      }
      case 'subshell':
        this.redirects(n.redirects, scope, frame);
        this.script(n.body, copyScope(scope), frame);
        return;
      case 'group':
        this.redirects(n.redirects, scope, frame);
        this.script(n.body, scope, frame);
        return;
      case 'compound': {
        this.redirects(n.redirects, scope, frame);
        for (const wd of n.words) this.expandArgs([wd], scope, frame);
        const loop = n.kind === 'while_statement' || n.kind === 'until_statement' || n.kind === 'c_style_for_statement' || n.kind === 'select_statement';
        const before = this.commands.length;
        for (const b of n.bodies) this.script(b, scope, loop ? { ...frame, openArgs: true } : frame);
        // an endless loop that leaves a process behind on every turn: processes without end
        if (loop && ENDLESS_LOOP.test(n.text) && this.commands.slice(before).some((c) => c.background && !frame.background)) {
          this.signal('system.fork-bomb', n.text, 'an endless loop starts a background process on every turn');
        }
        return;
      }
      case 'for': {
        this.redirects(n.redirects, scope, frame);
        const values: ArgWord[] = n.values ? this.expandArgs(n.values, scope, frame) : [];
        const known = n.values !== undefined && values.length > 0 && values.length <= 16 && values.every((v) => !v.dyn);
        if (known) {
          for (const v of values) {
            setVar(scope, n.variable, v.v);
            this.script(n.body, scope, frame);
          }
        } else {
          setVar(scope, n.variable, null);
          this.script(n.body, scope, { ...frame, openArgs: true });
        }
        return;
      }
      case 'func':
        setFunc(scope, n.name, n.body);
        return;
      case 'negate':
        this.node(n.node, scope, frame);
        return;
      case 'declare': {
        for (const a of n.assigns) this.assign(a.name, a.value, scope, frame, a.append, a.array);
        const args = this.expandArgs(n.words, scope, frame);
        if (n.keyword === 'unset') for (const a of args) deleteVar(scope, a.v);
        const flags = args.filter((a) => a.v.startsWith('-')).map((a) => a.v);
        if ((n.keyword === 'export' || n.keyword === 'declare' || n.keyword === 'typeset') && n.assigns.length === 0 && args.every((a) => a.v.startsWith('-')) && (n.keyword === 'export' || flags.some((f) => /[px]/.test(f)))) {
          this.signal('secrets.env-dump', n.text, 'prints every exported variable, credentials included');
        }
        return;
      }
      case 'test':
        this.expandArgs(n.words, scope, frame);
        return;
      case 'error':
        this.errorNode(n.text, scope, frame);
        return;
    }
  }

  /**
   * Text the parser rejected. Brace expansions in command position
   * (`{rm,-rf,src}`) land here: split the text into words the simple way,
   * expand braces, and read it as a command, flagged as unparsed.
   */
  private errorNode(text: string, scope: Scope, frame: Frame): void {
    this.parseError = true;
    this.signal('shell.parse-error', text.length > 200 ? text.slice(0, 200) + '…' : text);
    const trimmed = text.trim();
    if (trimmed === '' || trimmed.length > 2000) return;
    for (const segment of trimmed.split(/\s*(?:&&|\|\||;|\n|\|)\s*/)) {
      if (segment === '') continue;
      const words = splitWords(segment);
      if (words.length === 0) continue;
      const node: CommandNode = {
        t: 'cmd',
        assigns: [],
        words: words.map((v) => ({ parts: [{ t: 'lit', v, quoted: false }], raw: v })),
        redirects: [],
        text: segment,
      };
      this.simple(node, scope, frame);
    }
  }

  private assign(name: string, value: Word | undefined, scope: Scope, frame: Frame, append = false, array?: Word[]): void {
    this.checkVarName(name, name + '=' + (value?.raw ?? ''));
    if (array) {
      // `a=(rm -rf src)`: the elements, joined by ARG_SEPARATOR (unknown when one is)
      const env = this.expandEnv(scope);
      const elements: string[] = [];
      let known = true;
      for (const wd of array) {
        const expanded = expandWord(wd, env);
        for (const sub of expanded[0]?.subs ?? []) this.substitution(sub, scope, frame);
        for (const e of expanded) {
          if (e.dyn) known = false;
          elements.push(e.v);
        }
      }
      // kept as ARG_SEPARATOR followed by the elements joined by it (how expansion tells an array from a plain value)
      const prev = scope.vars.get(name);
      const before = append && typeof prev === 'string' && prev !== '' && prev !== ARG_SEPARATOR ? (prev.charCodeAt(0) === 0 ? prev : ARG_SEPARATOR + prev) + ARG_SEPARATOR : ARG_SEPARATOR;
      const value = known && !(append && prev === null) ? before + elements.join(ARG_SEPARATOR) : null;
      // an array grown past what the analysis follows (`a+=("${a[@]}")` doubles it each time) is unknown
      setVar(scope, name, value !== null && value.length <= MAX_ARRAY_TEXT && elements.length <= MAX_ARRAY_ELEMENTS ? value : null);
      return;
    }
    if (!value) {
      if (!scope.vars.has(name)) setVar(scope, name, '');
      return;
    }
    const v = expandSingle(value, this.expandEnv(scope));
    for (const sub of v.subs) this.substitution(sub, scope, frame);
    this.execEnv(name, v, scope, frame, name + '=' + value.raw);
    const prev = scope.vars.get(name);
    if (v.dyn || (append && prev === null)) setVar(scope, name, null);
    else setVar(scope, name, append && typeof prev === 'string' ? prev + v.v : v.v);
  }

  /**
   * Variables that make programs run or load something: the command line in
   * GIT_SSH_COMMAND, EDITOR, PAGER… is analysed as the command it is; a
   * library or startup script (LD_PRELOAD, BASH_ENV…) is at least asked
   * about, and a startup script given as a process substitution runs what
   * that prints.
   */
  private execEnv(name: string, value: ArgWord | undefined, scope: Scope, frame: Frame, text: string): void {
    if (value === undefined || value.v === '' && !value.dyn) return;
    if (COMMAND_VARS.has(name)) {
      if (value.dyn) this.signal('shell.exec-env', text, `sets ${name} to a command only known at run time`);
      else this.nestedScript(value.v, copyScope(scope), { ...frame, stdin: undefined }, `${name}=`);
      return;
    }
    const loading = LOADING_OPTIONS[name];
    if (!LOAD_VARS.test(name) && !(loading !== undefined && (value.dyn || loading.test(value.v)))) return;
    this.signal('shell.exec-env', text, `sets ${name}, which makes programs load ${value.dyn ? 'code chosen at run time' : value.v}`);
    if ((name === 'BASH_ENV' || name === 'ENV') && value.subs.length > 0) {
      for (const sub of value.subs) {
        const out = this.staticScriptOutput(sub, copyScope(scope));
        if (out !== undefined) this.nestedScript(out, copyScope(scope), { ...frame, stdin: undefined }, `${name}=<(…)`);
      }
    }
  }

  private checkVarName(name: string, text: string): void {
    if (/^BELAY_/i.test(name)) this.signal('guard.env', text, `sets ${name}, which changes how Belay runs`);
    else if (BYPASS_VAR.test(name)) this.signal('shell.bypass-env', text, `sets ${name}, which looks like it switches a safety check off`);
  }

  private expandEnv(scope: Scope): ExpandEnv {
    if (scope.env !== undefined && scope.env.cwd === scope.cwd) return scope.env;
    const env: ExpandEnv = {
      home: this.opts.home,
      cwd: scope.cwd,
      vars: scope.vars,
      // a command substitution runs in a subshell: what it assigns (`${x:=v}`) stays there
      staticSub: (script) => this.staticScriptOutput(script, copyScope(scope)),
      setVar: (name, v) => setVar(scope, name, v),
    };
    scope.env = env;
    return env;
  }

  private expandArgs(words: readonly Word[], scope: Scope, frame: Frame): ArgWord[] {
    const env = this.expandEnv(scope);
    const out: ArgWord[] = [];
    for (const wd of words) {
      // literal words (most) expand to themselves, with no substitutions: no list to make
      const literal = literalWord(wd, env.home);
      if (literal !== undefined) {
        out.push(literal);
        continue;
      }
      const expanded = expandWord(wd, env);
      const first = expanded[0];
      if (first) for (const sub of first.subs) this.substitution(sub, scope, frame);
      // unquoted expansions that print nothing leave no word once what they run is analysed (`$(true) rm -rf src`)
      if (expanded.length === 1 && first!.v === '' && !first!.dyn && wd.parts.every((p) => (p.t === 'var' || p.t === 'cmd') && !p.quoted)) continue;
      for (const e of expanded) out.push(e);
    }
    return out;
  }

  private substitution(sub: Script, scope: Scope, frame: Frame): void {
    this.script(sub, copyScope(scope), { ...frame, inSub: true, pipeline: this.pipelines++, stage: 0, stdin: undefined, inStage: false });
  }

  private redirects(redirects: readonly Redirect[], scope: Scope, frame: Frame, info?: ShellCommandInfo): Stdin | undefined {
    if (redirects.length === 0) return undefined;
    let stdin: Stdin | undefined;
    const env = this.expandEnv(scope);
    for (const r of redirects) {
      if (r.body) {
        const body = r.literal ? { v: r.body.raw, dyn: false, subs: [] as Script[] } : expandSingle(r.body, env);
        for (const sub of body.subs) this.substitution(sub, scope, frame);
        stdin = newStdin(body.v, body.dyn, false);
        continue;
      }
      if (!r.target) continue;
      const t = expandSingle(r.target, env);
      const mark = this.commands.length;
      for (const sub of t.subs) this.substitution(sub, scope, frame);
      if (r.op === '<' && info && t.subs.length > 0 && t.v === '/dev/fd/63') {
        // `bash < <(curl …)`: stdin is what the process substitution prints
        (info as Redirected).stdinFrom = this.commands.slice(mark);
      }
      if (r.op === '<<<') {
        stdin = newStdin(t.v + '\n', t.dyn, false);
        // `sh <<< "$(curl …)"`: what the substitution prints is the program
        if (info && t.dyn && t.subs.length > 0) (info as Redirected).stdinFrom = this.commands.slice(mark);
        continue;
      }
      if ((r.op === '>&' || r.op === '<&') && /^(\d+|-)$/.test(t.v)) continue;
      const path = this.opts.resolve(t.v, scope.cwd, t);
      if (r.op === '<') {
        info?.reads.push(path);
        stdin = newStdin(undefined, true, false);
        if (info) (info as Redirected).stdinFile = path;
      } else if (r.op === '<>') {
        info?.reads.push(path);
        info?.writes.push(path);
      } else info?.writes.push(path);
      if (!info) {
        // redirect on a compound: attribute to a synthetic command
        const synthetic = this.newInfo(r.op + ' ' + t.v, ':', [], scope, frame);
        if (r.op === '<') synthetic.reads.push(path);
        else synthetic.writes.push(path);
        this.commands.push(synthetic);
      }
    }
    return stdin;
  }

  private newInfo(text: string, name: string, args: string[], scope: Scope, frame: Frame, env: Record<string, string> = NO_ENV): ShellCommandInfo {
    return {
      text,
      name,
      args,
      via: frame.via,
      cwd: scope.cwd,
      cwdUnknown: scope.cwdUnknown,
      indirect: false,
      dynamicName: false,
      inSubstitution: frame.inSub,
      pipeline: frame.pipeline,
      stage: frame.stage,
      openArgs: frame.openArgs === true,
      background: frame.background,
      vars: NO_VARS,
      env,
      reads: [],
      writes: [],
      deletes: [],
      moves: [],
      urls: [],
      uploads: [],
      network: false,
      downloads: [],
      execs: [],
      sql: [],
      delaySeconds: frame.delay,
    };
  }

  private simple(n: CommandNode, scope: Scope, frame: Frame): void {
    // no prefix assignments (most commands): the shared frozen empty record, replaced before any write
    const env: Record<string, string> = n.assigns.length > 0 ? {} : NO_ENV;
    if (n.words.length === 0) {
      for (const a of n.assigns) this.assign(a.name, a.value, scope, frame, a.append, a.array);
      if (n.redirects.length > 0) {
        const info = this.newInfo(n.text, ':', [], scope, frame);
        this.redirects(n.redirects, scope, frame, info);
        this.commands.push(info);
      }
      return;
    }
    const local = n.assigns.length > 0 ? copyScope(scope) : scope;
    for (const a of n.assigns) {
      this.checkVarName(a.name, a.name + '=' + (a.value?.raw ?? ''));
      if (a.value) {
        const v = expandSingle(a.value, this.expandEnv(scope));
        for (const sub of v.subs) this.substitution(sub, scope, frame);
        this.execEnv(a.name, v, scope, frame, n.text);
        env[a.name] = v.v;
        setVar(local, a.name, v.dyn ? null : v.v);
      } else env[a.name] = '';
    }
    const mark = this.commands.length;
    const argv = this.expandArgs(n.words, scope, frame);
    // none: undefined, which every reader of frame.subCmds takes as none
    const subCmds = this.commands.length > mark ? this.commands.slice(mark).filter((c) => c.inSubstitution) : undefined;
    const info = this.newInfo(n.text, '', [], scope, frame, env);
    const stdin = this.redirects(n.redirects, scope, frame, info) ?? frame.stdin;
    // frames are never written after they are made: the same frame when nothing differs
    let f: Frame = frame;
    if (subCmds !== frame.subCmds || (stdin !== undefined && stdin !== frame.stdin)) {
      f = { ...frame, subCmds };
      if (stdin) f.stdin = stdin;
    }
    this.dispatch(argv, local, f, info, n.text);
    this.contentOf(n, scope, frame);
  }

  /** `echo … > f`, `printf … >> f`, `cat <<EOF > f`: the content written is known now. */
  private contentOf(n: CommandNode, scope: Scope, frame: Frame): void {
    if (n.redirects.length === 0) return;
    const outs = n.redirects.filter((r) => r.target && (r.op === '>' || r.op === '>>' || r.op === '>|' || r.op === '&>' || r.op === '&>>') && (r.fd === undefined || r.fd === 1));
    if (outs.length === 0) return;
    const text = this.staticOutput(n, scope, frame.stdin?.text);
    if (text === undefined) return;
    const env = this.expandEnv(scope);
    for (const r of outs) {
      const t = expandSingle(r.target!, env);
      if (t.dyn) continue;
      this.contentWrites.push({ path: this.opts.resolve(t.v, scope.cwd, t), text, append: r.op.includes('>>') });
    }
  }

  /** `… | tee [-a] f`: tee writes what its upstream printed. */
  private teeContent(n: CommandNode, scope: Scope, upstream: string): void {
    const env = this.expandEnv(scope);
    const argv = n.words.flatMap((wd) => expandWord(wd, env));
    if (argv.length === 0 || argv.some((a) => a.dyn) || programName(argv[0]!.v) !== 'tee') return;
    const append = argv.some((a) => a.v === '-a' || a.v === '--append');
    for (const a of argv.slice(1)) {
      if (a.v.startsWith('-')) continue;
      this.contentWrites.push({ path: this.opts.resolve(a.v, scope.cwd, a), text: upstream, append });
    }
  }

  /** Runs one command given as evaluated words: unwraps wrappers, follows functions and cd, describes the rest. */
  private dispatch(argv: ArgWord[], scope: Scope, frame: Frame, info: ShellCommandInfo, text: string): void {
    const first = argv[0];
    if (!first) {
      if (info.writes.length > 0 || info.reads.length > 0) {
        info.name = ':';
        this.commands.push(info);
      }
      return;
    }
    let vars: string[] | undefined;
    for (const a of argv) if (a.vars.length > 0) (vars ??= []).push(...a.vars);
    info.vars = vars ? [...new Set(vars)] : NO_VARS;
    const args = argv.slice(1);
    info.args = args.map((a) => a.v);
    if (first.dyn) {
      info.name = '*';
      info.dynamicName = true;
      info.indirect = true;
      info.openArgs = true;
      this.commands.push(info);
      this.signal('shell.dynamic-command', text, `the command name is only known at run time (${first.raw})`);
      // `r${x}m -rf src`: letters around something unknown; an unset variable or an empty result leaves them joined,
      // and that command is checked too (the stricter of the readings)
      const bare = first.glob ? undefined : first.v.replace(/\*/g, '');
      if (bare !== undefined && bare !== first.v && /^[A-Za-z0-9._+-]+$/.test(bare)) {
        this.dispatch([{ ...first, v: bare, dyn: false, indirect: true }, ...args], scope, frame, this.newInfo(text, '', [], scope, frame, info.env), text);
      }
      return;
    }
    const name = programName(first.v);
    info.name = name;
    if (first.glob && /[*?[]/.test(name) && frame.depth < MAX_DEPTH) {
      this.globbedName(name, first, args, scope, frame, info, text);
      return;
    }
    if (first.indirect) {
      info.indirect = true;
      this.signal('obfuscation.indirect-command', text, `the command name \`${name}\` comes from ${first.raw}`);
    }
    if (!printableAscii(first.v)) this.signal('obfuscation.non-ascii-command', text, `the command name ${JSON.stringify(first.v)} has non-ASCII characters`);
    if (frame.openArgs) info.openArgs = true;
    if (frame.subCmds && frame.subCmds.length > 0 && runsItsArguments(name, args)) this.subExec(first, name, frame, text);

    // aliases: the alias text runs with the words after it; inside its own text the name is the command itself (`alias ls='ls -a'`)
    const aliasKey = scope.funcs.size > 0 && !first.indirect ? ALIAS_KEY + first.v : undefined;
    const alias = aliasKey !== undefined ? scope.funcs.get(aliasKey) : undefined;
    if (alias !== undefined && !frame.calls.includes(aliasKey!)) {
      const saved = setPositional(scope, first, args);
      this.script(alias, scope, { ...frame, calls: [...frame.calls, aliasKey!], depth: frame.depth + 1, via: [...frame.via, 'alias ' + first.v] });
      restorePositional(scope, saved);
      return;
    }

    // user functions
    const fn = scope.funcs.get(first.v);
    if (fn) {
      if (frame.calls.includes(first.v)) {
        this.signal(frame.background || frame.stage > 0 || frame.pipeline >= 0 && text.includes('|') ? 'system.fork-bomb' : 'shell.recursion', text, `function ${first.v} calls itself`);
        if (frame.background || frame.stage > 0) this.signal('system.fork-bomb', text, `function ${first.v} spawns copies of itself`);
        return;
      }
      // the call's arguments are $1… inside it; the caller's come back afterwards
      const saved = setPositional(scope, first, args);
      this.script(fn, scope, { ...frame, calls: [...frame.calls, first.v], depth: frame.depth + 1, via: [...frame.via, first.v + '()'] });
      restorePositional(scope, saved);
      return;
    }
    // `python3 -m pip …` is pip (its config, its installs)
    if (args.length > 1 && args[0]!.v === '-m' && /^pip\d*$/.test(args[1]!.v) && interpreterFamily(name) === 'python') {
      this.dispatch(args.slice(1), scope, frame, info, text);
      return;
    }
    if (this.wrapper(name, first, args, scope, frame, info, text)) return;
    this.describe(name, first, args, scope, frame, info);
  }

  /**
   * `/bin/c?t .env`, `/???/??t`: the shell expands a command name written as
   * a pattern to the programs it matches. Asked for, and each known program
   * the pattern matches is judged as if named (the strictest reading counts).
   */
  private globbedName(name: string, first: ArgWord, args: ArgWord[], scope: Scope, frame: Frame, info: ShellCommandInfo, text: string): void {
    info.name = '*';
    info.dynamicName = true;
    info.indirect = true;
    this.commands.push(info);
    this.signal('shell.dynamic-command', text, `the command name is a pattern the shell expands (${first.raw})`);
    const re = globRegex(name);
    const matches: string[] = [];
    for (const n of [...handledNames(), ...WRAPPER_NAMES, ...SHELLS]) if (re.test(n) && !matches.includes(n)) matches.push(n);
    if (matches.length > MAX_GLOB_NAMES) return;
    const f = { ...frame, depth: frame.depth + 1, via: [...frame.via, first.raw] };
    for (const n of matches) this.dispatch([{ ...first, v: n, glob: false, indirect: true }, ...args], scope, f, this.newInfo(text, '', [], scope, f, info.env), text);
  }

  private describe(name: string, first: ArgWord, args: ArgWord[], scope: Scope, frame: Frame, info: ShellCommandInfo): void {
    const ctx = this.commandCtx(scope, frame, info);
    // running a local program by path: record it (downloaded-then-run)
    if (hasSlash(first.v) && !SYSTEM_DIRS.test(first.v)) {
      const path = this.opts.resolve(first.v, scope.cwd, first);
      info.execs.push(path);
      if (this.contentWrites.length > 0) this.runWritten(path, scope, frame, first.v, args, false, true);
    }
    const redirected = info.writes.length > 0 ? [...info.writes] : NO_PATHS;
    describeCommand(name, args, ctx, info, this.signals);
    if (DNS_CLIENTS.has(name)) {
      info.network = true;
      for (const a of args) if (!a.v.startsWith('-') && !a.v.startsWith('@') && /[.]/.test(a.v) && !/\s/.test(a.v)) info.urls.push(`dns://${a.v.replace(/[*]/g, 'x')}`);
    }
    if (name === 'sftp' || name === 'ftp' || name === 'lftp') this.batchTransfers(info, frame);
    if (info.network && redirected.length > 0) {
      for (const p of redirected) if (!/^\/dev\//.test(p)) info.downloads.push({ url: info.urls[0] ?? '', path: p });
    } else if (info.writes.length > 0 && STDIN_COPIERS.has(name)) this.downloadedThroughPipe(info, frame);
    if (!info.deploy && hasSlash(first.v) && isDeployScript(name)) info.deploy = name;
    this.extraSemantics(name, args, scope, frame, info);
    if (info.interpreterStdin) this.interpreterInput(name, scope, frame, info);
    this.commands.push(info);
    this.networkData(info, args, frame);
  }

  private commandCtx(scope: Scope, frame: Frame, info: ShellCommandInfo): CommandCtx {
    const ctx: CommandCtx = {
      cwd: scope.cwd,
      home: this.opts.home,
      resolve: (wd, dir) => (typeof wd === 'string' ? this.opts.resolve(wd, dir ?? scope.cwd) : this.opts.resolve(wd.v, dir ?? scope.cwd, wd)),
      nested: (script, via) => this.nestedScript(script, copyScope(scope), { ...frame, stdin: undefined, pipeline: this.pipelines++, stage: 0 }, via),
    };
    if (frame.stdin) ctx.stdin = frame.stdin;
    if (this.opts.link) ctx.link = this.opts.link;
    if (this.opts.readText) ctx.readText = this.opts.readText;
    // only once the line has written a file: most lines never do, and their contexts keep one shape
    if (this.contentWrites.length > 0) ctx.writtenText = (p) => this.writtenText(p);
    void info;
    return ctx;
  }

  /** What the commands before wrote to `path` in this line, if they wrote it with known text. */
  private writtenText(path: string): string | undefined {
    let text: string | undefined;
    for (const w of this.contentWrites) if (w.path === path) text = w.append ? (text ?? '') + w.text : w.text;
    return text;
  }

  /**
   * A script file the line wrote before it runs it (`echo 'rm -rf src' > /tmp/x.sh; sh /tmp/x.sh`):
   * its commands are analysed as run here, from this directory. `sourced`: run in
   * this shell (`.`); `direct`: run as a program, so its `#!` line names the interpreter.
   */
  private runWritten(path: string, scope: Scope, frame: Frame, via: string, args: readonly ArgWord[], sourced: boolean, direct = false): boolean {
    const text = this.writtenText(path);
    if (text === undefined) return false;
    // the `#!` line counts only when the file is run itself; a shell given the file, or `.`, reads it as shell
    const shebang = direct ? shebangLine(text) : undefined;
    let program = shebang ? programName(shebang.program) : 'sh';
    if (program === 'env' && shebang?.arg !== undefined) program = programName(shebang.arg);
    if (!SHELLS.has(program)) {
      // another language: its program, as if given inline; one Belay does not read is left as it is
      const family = program === 'perl' ? 'perl' : interpreterFamily(program);
      const flag = family !== undefined ? inlineFlag(family) : undefined;
      if (flag !== undefined) this.nestedScript(`${program} ${flag} ${quoteWord(text)}`, copyScope(scope), { ...frame, stdin: undefined }, via);
      return flag !== undefined;
    }
    // sourced: it runs in this shell (what it sets stays set); else in a child with the words as $1…
    const inner = sourced ? scope : copyScope(scope);
    const saved = args.length > 0 ? setPositional(inner, w(path), args) : undefined;
    this.nestedScript(text, inner, { ...frame, stdin: undefined }, via);
    if (saved !== undefined && sourced) restorePositional(inner, saved);
    return true;
  }

  /** Semantics that need the analyser's context: env dumps, secret echoes, cd, sleep, scheduling. */
  private extraSemantics(name: string, args: ArgWord[], scope: Scope, frame: Frame, info: ShellCommandInfo): void {
    if (!SEMANTIC_NAMES.has(name)) return; // the switch's default
    const plain = args.map((a) => a.v);
    switch (name) {
      case 'cd':
      case 'pushd':
      case 'chdir':
      case 'set-location':
      case 'sl':
      case 'push-location': {
        const target = args.find((a) => !a.v.startsWith('-') || a.v === '-');
        if (!target) {
          scope.cwd = this.opts.home;
        } else if (target.v === '-' || target.dyn) {
          scope.cwdUnknown = true;
        } else {
          const raw = name === 'set-location' || name === 'sl' || name === 'push-location' || /^\.{1,2}\\/.test(target.raw) ? target.raw.replace(/^['"]|['"]$/g, '') : target.v;
          scope.cwd = this.opts.resolve(raw, scope.cwd, target);
        }
        return;
      }
      case 'popd':
      case 'pop-location':
        scope.cwdUnknown = true;
        return;
      case 'read': {
        // `read a b <<< "x y z"`: the words of the here-string's first line (the last name takes the rest)
        const names = args.filter((a) => !a.v.startsWith('-')).map((a) => a.v);
        const known = frame.stdin && !frame.stdin.fromPipe && !frame.stdin.dynamic && !args.some((a) => a.v.startsWith('-')) ? frame.stdin.text : undefined;
        const words = known !== undefined ? (known.split('\n')[0] ?? '').trim().split(/[ \t]+/) : undefined;
        names.forEach((n, i) => setVar(scope, n, words === undefined ? null : i === names.length - 1 ? words.slice(i).join(' ') : words[i] ?? ''));
        return;
      }
      case 'mapfile':
      case 'readarray':
        for (const a of args) if (!a.v.startsWith('-')) setVar(scope, a.v, null);
        return;
      case 'printenv':
        if (plain.length === 0) this.signal('secrets.env-dump', info.text, 'prints every environment variable, credentials included');
        for (const v of plain) if (isSecretVarName(v)) this.signal('secrets.echo-var', info.text, `prints $${v}`);
        return;
      case 'set': {
        if (plain.length === 0) this.signal('secrets.env-dump', info.text, 'prints every shell variable, credentials included');
        // `set -- a b`: the positional parameters from now on
        const dashes = plain.indexOf('--');
        if (dashes >= 0) setPositional(scope, undefined, args.slice(dashes + 1));
        return;
      }
      case 'compgen':
        if (plain.includes('-v') || plain.includes('-e')) this.signal('secrets.env-dump', info.text, 'lists variables');
        return;
      case 'echo':
      case 'printf':
      case 'print':
      case 'write-output':
      case 'write-host': {
        // `${TOKEN:+set}` and `${#TOKEN}` print whether it is set and its length, not the value
        const secretVars = info.vars.filter((v) => isSecretVarName(v) && printsValue(info.text, v));
        if (secretVars.length > 0 && !info.inSubstitution) this.signal('secrets.echo-var', info.text, `prints $${secretVars[0]}`);
        return;
      }
      case 'at':
      case 'batch': {
        const p = parseArgs(args, { values: ['f', 'q', 't'] });
        // -l lists the queue, -r/-d remove jobs, -c prints one: nothing is scheduled
        if (name === 'at' && has(p, '-l', '-r', '-d', '-c')) return;
        const file = p.flags.get('-f');
        this.signal('deferred.schedule', info.text, `${name} schedules commands to run later`);
        if (typeof file === 'string') info.execs.push(this.opts.resolve(file, scope.cwd));
        else this.scheduledInput(name, scope, frame, info);
        return;
      }
      case 'crontab': {
        const p = parseArgs(args, { values: ['u'] });
        if (has(p, '-l')) return;
        this.signal('deferred.schedule', info.text, 'crontab installs commands that run later');
        if (p.positionals[0] && p.positionals[0].v !== '-') info.reads.push(this.opts.resolve(p.positionals[0].v, scope.cwd, p.positionals[0]));
        else this.scheduledInput(name, scope, frame, info);
        return;
      }
      case 'iex':
      case 'invoke-expression': {
        const up = frame.stdin?.pipeline !== undefined ? this.upstreamOf(frame.stdin.pipeline, frame.stage) : [];
        if (up.some((c) => c.network)) this.signal('remote.pipe-to-interpreter', info.text, 'Invoke-Expression runs downloaded code');
        else if (up.some(isDecoder)) this.signal('obfuscation.decoded-exec', info.text, 'Invoke-Expression runs a decoded payload');
        else this.signal('shell.eval-dynamic', info.text, 'Invoke-Expression runs text built at run time');
        return;
      }
      case 'launchctl':
        if (/^(load|submit|bootstrap|enable)$/.test(plain[0] ?? '')) this.signal('deferred.schedule', info.text, 'launchctl installs a job');
        return;
      case 'schtasks':
        if (plain.some((a) => /^[/-]create$/i.test(a))) this.signal('deferred.schedule', info.text, 'schtasks creates a scheduled task');
        return;
      case 'trap': {
        const action = args[0];
        if (action && action.v !== '-' && action.v !== '') this.nestedScript(action.v, copyScope(scope), { ...frame, stdin: undefined }, 'trap');
        return;
      }
      case 'alias': {
        for (const a of plain) {
          const m = /^([^=]+)=(.*)$/s.exec(a);
          if (!m) continue;
          this.nestedScript(m[2]!, copyScope(scope), { ...frame, stdin: undefined }, `alias ${m[1]}`);
          // later uses run the alias text with their own words after it (`alias x='rm -rf'; x src`),
          // the way a function taking "$@" does; followed even on the same line, which is the stricter reading
          if (!args.some((w) => w.dyn)) setFunc(scope, ALIAS_KEY + m[1]!, parseShell(`${m[2]!} "$@"`));
        }
        return;
      }
      case 'kill':
      case 'pkill':
      case 'killall':
      case 'stop-process':
      case 'taskkill':
        if (plain.some((a) => KILL_GUARD.test(a)) || name === 'kill' && this.pidsLookedUp(frame).some((c) => c.args.some((a) => KILL_GUARD.test(a)))) this.signal('guard.kill', info.text, 'stops Belay or the editor that runs it');
        else if ((name === 'pkill' || name === 'killall') && plain.some((a) => /^(node|electron|code|cursor)$/i.test(a))) this.signal('system.kill-editor', info.text, `${name} ${plain.join(' ')} may stop the editor and Belay with it`);
        // `kill -1` every process of the user; `kill 1` init, and with it the machine
        if (name === 'kill' && plain.some((a) => a === '-1' || a === '1') || name === 'killall' && plain.length === 0 || name === 'pkill' && killsAllOfAUser(plain)) this.signal('system.kill-all', info.text, 'kills every process');
        return;
      case 'shutdown':
      case 'reboot':
      case 'halt':
      case 'poweroff':
      case 'stop-computer':
      case 'restart-computer':
        this.signal('system.power', info.text, `${name} stops the machine`);
        return;
      case 'systemctl': {
        const verb = plain.find((a) => !a.startsWith('-')) ?? '';
        if (/^(poweroff|reboot|halt|kexec|suspend|hibernate|emergency|rescue)$/.test(verb)) this.signal('system.power', info.text, `systemctl ${verb}`);
        // a unit enabled or linked starts by itself from now on (at boot, at login)
        if (/^(enable|link|edit|add-wants|add-requires|set-environment|import-environment|preset|revert)$/.test(verb)) this.signal('deferred.schedule', info.text, `systemctl ${verb} makes a service start by itself later`);
        return;
      }
      case 'init':
      case 'telinit':
        if (/^[06sS]$/.test(plain[0] ?? '')) this.signal('system.power', info.text, `${name} ${plain[0]}`);
        return;
      case 'code':
      case 'code-insiders':
      case 'cursor':
      case 'codium':
      case 'code-server':
      case 'windsurf':
        if (plain.some((a) => /^--(uninstall-extension|disable-extension|disable-extensions)/.test(a))) this.signal('guard.editor-extension', info.text, 'removes or disables editor extensions, Belay among them');
        if (plain.some((a) => /^--add-mcp/.test(a))) this.signal('guard.agent-config', info.text, `${name} --add-mcp adds an MCP server to the editor's configuration`);
        if (plain.some((a) => /^--install-extension/.test(a))) this.signal('exec.extension-install', info.text, 'installs an editor extension: its code runs in the editor, beside Belay');
        return;
      case 'vim':
      case 'vi':
      case 'nvim':
      case 'view':
      case 'ex':
      case 'less':
      case 'man': {
        // commands given on the command line that run a shell command: vim -c ':!cmd' / +'r !cmd', less +'!cmd', man -P cmd
        for (let i = 0; i < plain.length; i++) {
          const a = plain[i]!;
          const given = (a === '-c' || a === '--cmd') && name !== 'less' && name !== 'man' ? plain[++i] : a.startsWith('+') ? a.slice(1) : undefined;
          const bang = given !== undefined ? EDITOR_BANG.exec(given) : null;
          if (bang) this.nestedScript(bang[1]!, copyScope(scope), { ...frame, stdin: undefined }, `${name} !`);
          const pager = name === 'man' ? (a === '-P' || a === '--pager' ? plain[++i] : a.startsWith('--pager=') ? a.slice(8) : undefined) : undefined;
          if (pager !== undefined && pager !== '') this.nestedScript(pager, copyScope(scope), { ...frame, stdin: undefined }, 'man -P');
        }
        return;
      }
      case 'make':
      case 'gmake': {
        // a makefile read from stdin (`make -f - <<<…`): its recipes are shell commands
        const f = plain.findIndex((a) => a === '-f' || a === '--file' || a === '--makefile');
        const file = f >= 0 ? plain[f + 1] : undefined;
        const stdin = frame.stdin;
        if ((file === '-' || file === '/dev/stdin') && stdin?.text !== undefined && !stdin.dynamic) {
          for (const line of stdin.text.split('\n')) if (line.startsWith('\t') && line.trim() !== '') this.nestedScript(line.trim().replace(/^[@+-]+/, ''), copyScope(scope), { ...frame, stdin: undefined }, 'make recipe');
        } else if ((file === '-' || file === '/dev/stdin') && stdin !== undefined) this.signal('shell.stdin-exec', info.text, 'make runs recipes it reads on stdin');
        return;
      }
      case 'ps':
        // BSD-style `e` (`ps eww`, `ps auxe`): every process's environment, credentials included
        if (plain.some((a) => !a.startsWith('-') && /^[a-zA-Z]*e[a-zA-Z]*$/.test(a))) this.signal('secrets.env-dump', info.text, 'prints the environment of every process, credentials included');
        return;
      case 'claude':
      case 'codex':
      case 'gemini':
      case 'cursor-agent':
      case 'copilot': {
        // agent CLIs that change what the agent may do or which MCP servers it starts
        const [area, verb] = plain.filter((a) => !a.startsWith('-'));
        if (area === 'mcp' && verb !== undefined && !/^(list|get|serve|help)$/.test(verb) || area === 'config' && verb !== undefined && /^(set|add|remove|rm|unset)$/.test(verb)) {
          this.signal('guard.agent-config', info.text, `${name} ${area} ${verb} changes the agent's own configuration`);
        }
        // an agent started with its approvals switched off acts with nobody to ask
        const bypass = plain.find((a, i) => AGENT_BYPASS.test(a) || a === '-y' && name === 'gemini' || a === '-f' && name === 'cursor-agent' || /^(--permission-mode|--approval-mode|-a|--ask-for-approval|--sandbox|-s)$/.test(a) && /^(bypassPermissions|yolo|never|danger-full-access)$/.test(plain[i + 1] ?? ''));
        if (bypass !== undefined) this.signal('guard.agent-bypass', info.text, `starts ${name} with its approvals off (${bypass})`);
        return;
      }
      case 'history':
        if (plain.includes('-c')) this.signal('shell.history-clear', info.text, 'clears the shell history');
        return;
      default:
        return;
    }
  }

  /** Commands `at` or `crontab` read from stdin: a here-document, or what echo/printf upstream print. */
  private scheduledInput(name: string, scope: Scope, frame: Frame, info: ShellCommandInfo): void {
    const strip = (t: string): string => (name === 'crontab' ? t.split('\n').map((l) => l.replace(/^\s*(@\w+|(\S+\s+){5})/, '')).join('\n') : t);
    const nested = (t: string): void => this.nestedScript(strip(t), copyScope(scope), { ...frame, stdin: undefined, pipeline: this.pipelines++, stage: 0, delay: frame.delay + 3600, inStage: false }, name);
    if (frame.stdin?.text !== undefined) {
      nested(frame.stdin.text);
      return;
    }
    if (!frame.stdin) return;
    const up = frame.stdin.pipeline !== undefined ? this.upstreamOf(frame.stdin.pipeline, frame.stage) : [];
    const printed = up.filter((c) => c.name === 'echo' || c.name === 'printf').map((c) => c.args.filter((x) => !/^-[neE]+$/.test(x)).join(' '));
    for (const t of printed) nested(t);
    if (printed.length === 0) this.signal('shell.stdin-exec', info.text, `${name} runs commands from a pipe whose content is unknown`);
  }

  /** A shell or interpreter reading its program from stdin: find out what that program is. */
  private interpreterInput(name: string, scope: Scope, frame: Frame, info: ShellCommandInfo, positional?: readonly ArgWord[]): void {
    const stdin = frame.stdin;
    const family = interpreterFamily(name);
    const stdinFrom = (info as Redirected).stdinFrom;
    if (stdinFrom) {
      this.runsOutputOf(stdinFrom, name, info.text, true);
      return;
    }
    const stdinFile = (info as Redirected).stdinFile;
    if (stdinFile) {
      info.execs.push(stdinFile);
      return;
    }
    if (!stdin) return;
    const upstream = this.pipedInto(frame);
    const fromNetwork = upstream.some((c) => c.network || c.urls.length > 0);
    const decoded = upstream.some(isDecoder);
    const chain = [...upstream.filter((c) => !c.inSubstitution).map((c) => c.text), info.text].filter((t, i, all) => all.indexOf(t) === i).join(' | ');
    if (fromNetwork) this.signal('remote.pipe-to-interpreter', chain, `${name} runs what ${upstream.find((c) => c.network || c.urls.length > 0)?.name ?? 'a download'} fetched`);
    if (decoded) this.signal('obfuscation.decoded-exec', chain, `${name} runs a payload decoded by ${upstream.find(isDecoder)!.name}`);
    if (stdin.text !== undefined && !stdin.dynamic) {
      if (SHELLS.has(name) || name === 'source' || name === '.') {
        const inner = copyScope(scope);
        if (positional !== undefined && positional.length > 0) setPositional(inner, undefined, positional);
        this.nestedScript(stdin.text, inner, { ...frame, stdin: undefined, pipeline: this.pipelines++, stage: 0 }, `${name} <stdin>`);
      }
      else scanInlineCode(stdin.text, family ?? name, this.commandCtx(scope, frame, info), info, this.signals);
      info.inlineCode = stdin.text;
    } else if (!fromNetwork && !decoded) {
      this.signal('shell.stdin-exec', info.text, `${name} runs a program whose text is only known at run time`);
    }
  }

  /** `sftp host <<< "put .env"`: the batch commands on stdin send (put) and fetch (get) files. */
  private batchTransfers(info: ShellCommandInfo, frame: Frame): void {
    const stdin = frame.stdin;
    if (stdin === undefined) return;
    info.network = true;
    if (stdin.text === undefined || stdin.dynamic) {
      this.signal('net.pipe-upload', info.text, `${info.name} runs transfer commands only known at run time`);
      return;
    }
    for (const line of stdin.text.split('\n')) {
      const m = /^\s*(m?put|reput|m?get|reget)\s+(?:-\w+\s+)*(\S+)(?:\s+(\S+))?/i.exec(line);
      if (!m) continue;
      const path = this.opts.resolve(stripQuotes(m[2]!), info.cwd);
      if (/put/i.test(m[1]!)) {
        info.reads.push(path);
        info.uploads.push(path);
      } else info.writes.push(m[3] !== undefined ? this.opts.resolve(stripQuotes(m[3]), info.cwd) : path);
    }
  }

  /** `curl … | tee i.sh`: a program that copies stdin to files, fed by a download, writes the download. */
  private downloadedThroughPipe(info: ShellCommandInfo, frame: Frame): void {
    const source = this.pipedInto(frame).find((c) => c.network || c.urls.length > 0);
    if (!source) return;
    for (const p of info.writes) if (!/^\/dev\//.test(p)) info.downloads.push({ url: source.urls[0] ?? '', path: p });
  }

  /** `kill $(pgrep -f x)`, `pgrep -f x | xargs kill`: the process lookups whose output names what is killed. */
  private pidsLookedUp(frame: Frame): ShellCommandInfo[] {
    return [...(frame.subCmds ?? NO_INFOS), ...this.pipedInto(frame)].filter((c) => PID_LOOKUP.has(c.name));
  }

  /** the earlier stages of the pipeline whose output is this command's stdin (none when stdin is not a pipe) */
  private pipedInto(frame: Frame): readonly ShellCommandInfo[] {
    const stdin = frame.stdin;
    return stdin?.fromPipe && stdin.pipeline !== undefined ? this.upstreamOf(stdin.pipeline, frame.stage) : NO_INFOS;
  }

  private upstreamOf(pipeline: number, stage: number): ShellCommandInfo[] {
    return this.commands.filter((c) => c.pipeline === pipeline && c.stage < stage);
  }

  /**
   * Data leaving over the network: files named in the command, files or
   * variables read by command substitutions in its arguments, and what
   * earlier pipeline stages read.
   */
  private networkData(info: ShellCommandInfo, args: ArgWord[], frame: Frame): void {
    if (!info.network) return;
    const secretVars = [...new Set(args.flatMap((a) => a.vars).filter((v) => isSecretVarName(v) || /DATABASE_URL|_DSN$|CONN(ECTION)?_?STR/i.test(v)))];
    if (secretVars.length > 0) this.signal('net.secret-var', info.text, `sends $${secretVars.join(', $')}`);
    const subsReading: string[] = [];
    if (args.some((a) => a.subs.length > 0)) {
      const identity: string[] = [];
      for (const c of frame.subCmds ?? []) {
        subsReading.push(...c.reads);
        if (ENV_DUMP.has(c.name) && c.args.length === 0) subsReading.push('<environment>');
        if (c.name === 'printenv' || c.name === 'env') subsReading.push('<environment>');
        // a listing sends the names in what it lists (`$(ls ~/.ssh)`)
        if (LISTERS.has(c.name)) for (const a of c.args) if (!a.startsWith('-')) subsReading.push(this.opts.resolve(a, c.cwd));
        if (IDENTITY.has(c.name)) identity.push(c.name);
      }
      if (subsReading.length > 0) this.signal('net.exfil-substitution', info.text, `sends the content of ${subsReading.slice(0, 3).join(', ')}`);
      else if (identity.length > 0) this.signal('net.sends-identity', info.text, `sends what ${identity.join(', ')} print${identity.length === 1 ? 's' : ''} about this machine and user`);
    }
    if (info.uploads.includes('-') && frame.stage > 0 && frame.stdin?.fromPipe && frame.stdin.pipeline !== undefined) {
      const up = this.upstreamOf(frame.stdin.pipeline, frame.stage);
      const read = up.flatMap((c) => c.reads);
      const upVars = up.flatMap((c) => c.vars).filter((v) => isSecretVarName(v));
      if (read.length > 0) {
        info.uploads.push(...read);
        this.signal('net.pipe-upload', info.text, `sends ${read.slice(0, 3).join(', ')} read upstream`);
      } else if (upVars.length > 0) this.signal('net.secret-var', info.text, `sends $${upVars[0]} piped from upstream`);
      else if (up.length > 0) this.signal('net.pipe-upload', info.text, `sends what ${up.map((c) => c.name).join(' | ')} prints`);
      if (up.some((c) => ENV_DUMP.has(c.name) && c.args.length === 0)) this.signal('net.exfil-substitution', info.text, 'sends the environment');
    }
    const stdinFile = (info as Redirected).stdinFile;
    if (stdinFile && info.uploads.includes('-')) info.uploads.push(stdinFile);
    info.uploads = info.uploads.filter((u) => u !== '-');
    for (const u of info.urls) if (HIDDEN_CHARS.test(u)) this.signal('obfuscation.hidden-chars', u, 'the URL has invisible or direction-changing characters');
  }

  /**
   * Wrappers: commands that run another command. Returns true when it
   * handled (and pushed) everything.
   */
  private wrapper(name: string, first: ArgWord, args: ArgWord[], scope: Scope, frame: Frame, info: ShellCommandInfo, text: string): boolean {
    if (!WRAPPER_NAMES.has(name)) return this.notWrapper(name, args, scope, frame, info, text); // the switch's default
    const again = (rest: ArgWord[], via: string, extra: Partial<Frame> = {}, s: Scope = scope): boolean => {
      const f = { ...frame, via: [...frame.via, via], depth: frame.depth + 1, ...extra };
      if (f.depth > MAX_DEPTH) {
        this.signal('shell.too-complex', text, 'wrappers nest deeper than the analysis follows');
        return true;
      }
      const inner = this.newInfo(text, '', [], s, f, info.env);
      inner.reads = info.reads;
      inner.writes = info.writes;
      // what the redirects of the whole command feed its stdin (`exec bash < <(curl …)`)
      const redirected = info as Redirected;
      if (redirected.stdinFile !== undefined) (inner as Redirected).stdinFile = redirected.stdinFile;
      if (redirected.stdinFrom !== undefined) (inner as Redirected).stdinFrom = redirected.stdinFrom;
      if (rest.length === 0) {
        if (info.reads.length > 0 || info.writes.length > 0) {
          inner.name = ':';
          this.commands.push(inner);
        }
        return true;
      }
      this.dispatch(rest, s, f, inner, text);
      return true;
    };
    switch (name) {
      case 'sudo':
      case 'doas':
      case 'pkexec':
      case 'run0': {
        const p = parseArgs(args, { values: ['u', 'g', 'h', 'p', 'C', 'D', 'r', 't', 'T', 'U', '--user', '--group', '--host', '--prompt', '--chdir', '--role', '--type', '--other-user', '--close-from', '--command-timeout'], stopAtFirstPositional: true });
        this.signal('privilege.sudo', text, `${name} runs with elevated privileges`);
        if (p.positionals.length === 0) {
          if (has(p, '-i', '-s', '--login', '--shell')) {
            this.signal('privilege.root-shell', text, 'opens a root shell');
            // `sudo -s <<< "cmd"`: the shell runs what it reads
            const stdin = frame.stdin;
            if (stdin?.text !== undefined && !stdin.dynamic) this.nestedScript(stdin.text, copyScope(scope), { ...frame, stdin: undefined }, `${name} -s`);
          }
          if (has(p, '-e', '--edit')) return false;
          return true;
        }
        const dir = p.flags.get('-D') ?? p.flags.get('--chdir');
        const s = typeof dir === 'string' ? { ...copyScope(scope), cwd: this.opts.resolve(dir, scope.cwd) } : scope;
        return again(p.positionals, name, {}, s);
      }
      case 'su': {
        const p = parseArgs(args, { values: ['c', 'g', 'G', 's', '--command', '--group', '--shell'] });
        this.signal('privilege.sudo', text, 'su runs as another user');
        const cmd = p.flags.get('-c') ?? p.flags.get('--command');
        if (typeof cmd === 'string') this.nestedScript(cmd, copyScope(scope), frame, 'su -c');
        else this.signal('privilege.root-shell', text, 'opens a shell as another user');
        return true;
      }
      case 'env': {
        let i = 0;
        let s = scope;
        for (; i < args.length; i++) {
          const a = args[i]!.v;
          if (a === '--') {
            // the end of env's options: the command follows
            i++;
            break;
          }
          if (a === '-i' || a === '--ignore-environment' || a === '-0' || a === '--null' || a === '-' || a === '-v' || a === '--debug') continue;
          if (a === '-u' || a === '--unset') {
            i++;
            continue;
          }
          if (a.startsWith('--unset=')) continue;
          if (a === '-C' || a === '--chdir') {
            s = { ...copyScope(scope), cwd: this.opts.resolve(args[++i]?.v ?? '.', scope.cwd) };
            continue;
          }
          if (a === '-S' || a === '--split-string' || a.startsWith('-S') || a.startsWith('--split-string=')) {
            const str = a === '-S' || a === '--split-string' ? args[++i]?.v ?? '' : a.replace(/^(-S|--split-string=)/, '');
            const restText = [str, ...args.slice(i + 1).map((x) => quoteWord(x.v))].join(' ');
            this.nestedScript(restText, copyScope(s), frame, 'env -S');
            return true;
          }
          const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(a);
          if (m) {
            if (info.env === NO_ENV) info.env = {};
            info.env[m[1]!] = m[2]!;
            this.checkVarName(m[1]!, a);
            this.execEnv(m[1]!, { ...args[i]!, v: m[2]! }, scope, frame, text);
            continue;
          }
          break;
        }
        if (i >= args.length) {
          this.signal('secrets.env-dump', text, 'prints every environment variable, credentials included');
          info.name = 'env';
          this.commands.push(info);
          return true;
        }
        return again(args.slice(i), 'env', {}, s);
      }
      case 'timeout': {
        const p = parseArgs(args, { values: ['s', 'k', '--signal', '--kill-after'], stopAtFirstPositional: true });
        return again(p.positionals.slice(1), 'timeout');
      }
      case 'nice':
      case 'renice': {
        const rest = [...args];
        while (rest[0] && rest[0].v.startsWith('-')) {
          const f = rest.shift()!.v;
          if ((f === '-n' || f === '--adjustment') && rest[0]) rest.shift();
        }
        return again(rest, name);
      }
      case 'ionice':
      case 'chrt':
      case 'taskset':
      case 'stdbuf':
      case 'numactl':
      case 'cpulimit':
      case 'prlimit':
      case 'systemd-inhibit':
      case 'caffeinate': {
        const withValue: Record<string, string[]> = {
          ionice: ['c', 'n', 'p', 't'],
          chrt: ['p'],
          taskset: ['c', 'p'],
          stdbuf: ['i', 'o', 'e'],
          numactl: ['C', 'N', 'm', 'p', 'i'],
          cpulimit: ['l', 'p', 'e'],
          prlimit: ['p'],
          'systemd-inhibit': ['--what', '--who', '--why', '--mode'],
          caffeinate: ['t', 'w'],
        };
        const p = parseArgs(args, { values: withValue[name] ?? [], stopAtFirstPositional: true });
        let rest = p.positionals;
        if (name === 'chrt' && rest.length > 0 && /^\d+$/.test(rest[0]!.v)) rest = rest.slice(1);
        if (name === 'taskset' && !has(p, '-c') && rest.length > 0) rest = rest.slice(1);
        return again(rest, name);
      }
      case 'nohup':
      case 'setsid':
      case 'builtin':
      case 'unbuffer':
      case 'dbus-run-session':
      case 'proxychains':
      case 'proxychains4':
      case 'torsocks':
      case 'tsocks':
      case 'catchsegv':
      case 'faketime':
      case 'script-replay':
      case 'valgrind':
      case 'fakeroot':
      case 'chronic':
      case 'ifne':
      case 'sem':
      case 'rlwrap': {
        const rest = [...args];
        while (rest[0] && rest[0].v.startsWith('-')) rest.shift();
        if (name === 'faketime' && rest.length > 0) rest.shift();
        return again(rest, name);
      }
      case 'time': {
        const p = parseArgs(args, { values: ['f', 'o', '--format', '--output'], stopAtFirstPositional: true });
        return again(p.positionals, 'time');
      }
      case 'command': {
        const p = parseArgs(args, { stopAtFirstPositional: true });
        if (has(p, '-v', '-V')) return true;
        return again(p.positionals, 'command');
      }
      case 'exec': {
        const p = parseArgs(args, { values: ['a'], stopAtFirstPositional: true });
        if (p.positionals.length === 0) {
          if (info.writes.length > 0 || info.reads.length > 0) {
            info.name = 'exec';
            this.commands.push(info);
          }
          return true;
        }
        return again(p.positionals, 'exec');
      }
      case 'watch': {
        // -d/--differences take their value only attached (`-d=permanent`): the word after them is the command
        const p = parseArgs(args, { values: ['n', 'q', '--interval', '--equexit'], stopAtFirstPositional: true });
        if (has(p, '-x', '--exec')) return again(p.positionals, 'watch');
        this.nestedScript(p.positionals.map((a) => a.v).join(' '), copyScope(scope), frame, 'watch');
        return true;
      }
      case 'flock': {
        const p = parseArgs(args, { values: ['w', 'E', 'c', '--timeout', '--conflict-exit-code', '--command'], stopAtFirstPositional: true });
        const cmd = p.flags.get('-c') ?? p.flags.get('--command');
        if (typeof cmd === 'string') {
          this.nestedScript(cmd, copyScope(scope), frame, 'flock -c');
          return true;
        }
        return again(p.positionals.slice(1), 'flock');
      }
      case 'script': {
        const p = parseArgs(args, { values: ['c', 'E', 'o', 'T', 'I', 'O', 'B', '--command', '--timing', '--log-in', '--log-out', '--log-io'] });
        const cmd = p.flags.get('-c') ?? p.flags.get('--command');
        if (typeof cmd === 'string') this.nestedScript(cmd, copyScope(scope), frame, 'script -c');
        return true;
      }
      case 'chroot': {
        const p = parseArgs(args, { values: ['--userspec', '--groups'], stopAtFirstPositional: true });
        this.signal('privilege.sudo', text, 'chroot needs root');
        return again(p.positionals.slice(1), 'chroot');
      }
      case 'perf': {
        // `perf stat|record|trace [options] cmd …` runs cmd
        if (!/^(stat|record|trace|mem|c2c|sched|lock|kvm)$/.test(args[0]?.v ?? '')) return false;
        const p = parseArgs(args.slice(1), { values: ['e', 'o', 'p', 't', 'r', 'c', 'F', 'C', 'G', 'u', 'I', 'x', 'm', '--event', '--output', '--pid', '--tid', '--repeat', '--count', '--freq', '--cpu', '--cgroup', '--uid'], stopAtFirstPositional: true });
        return again(p.positionals, 'perf');
      }
      case 'gdb': {
        // `gdb -batch -ex 'shell rm -rf src'`: commands given with -ex run in gdb, and `shell`/`!` hands them to a shell
        for (let i = 0; i < args.length; i++) {
          const a = args[i]!.v;
          const cmd = a === '-ex' || a === '-iex' || a === '--ex' || a === '-eval-command' || a === '--eval-command' ? args[++i]?.v : a.startsWith('--eval-command=') ? a.slice(15) : undefined;
          const shell = cmd !== undefined ? /^\s*(?:shell\s+|!)(.*)$/s.exec(cmd) : null;
          if (shell) this.nestedScript(shell[1]!, copyScope(scope), { ...frame, stdin: undefined }, 'gdb shell');
        }
        return false;
      }
      case 'fd':
      case 'fdfind':
        return this.fd(args, scope, frame, info, text);
      case 'strace':
      case 'ltrace':
      case 'ltrace64': {
        const p = parseArgs(args, { values: ['o', 'p', 'e', 's', 'u', 'E', 'a', 'P', 'b', 'X'], stopAtFirstPositional: true });
        return again(p.positionals, name);
      }
      case 'xvfb-run': {
        const p = parseArgs(args, { values: ['n', 's', 'f', 'e', 'p', 'l', '--server-num', '--server-args', '--auth-file', '--error-file'], stopAtFirstPositional: true });
        return again(p.positionals, name);
      }
      case 'nsenter': {
        // -t PID, -S UID, -G GID take a value; the namespace options take theirs attached (-m/proc/1/ns/mnt)
        const p = parseArgs(args, { values: ['t', 'S', 'G', '--target', '--setuid', '--setgid'], stopAtFirstPositional: true });
        this.signal('privilege.sudo', text, 'nsenter runs a command in another process\'s namespaces');
        return again(p.positionals, name);
      }
      case 'runuser': {
        const values = ['u', 'g', 'G', 'c', 's', 'w', '--user', '--group', '--supp-group', '--command', '--shell', '--whitelist-environment'];
        const p = parseArgs(args, { values, stopAtFirstPositional: true });
        this.signal('privilege.sudo', text, 'runuser runs as another user');
        // the su form takes -c after the user name too (`runuser -l root -c CMD`)
        const all = p.flags.has('-u') || p.flags.has('--user') ? p : parseArgs(args, { values });
        const cmd = all.flags.get('-c') ?? all.flags.get('--command');
        if (typeof cmd === 'string') {
          this.nestedScript(cmd, copyScope(scope), frame, 'runuser -c');
          return true;
        }
        // `runuser -u USER [--] COMMAND`; `runuser USER` alone opens USER's shell
        if (p.flags.has('-u') || p.flags.has('--user')) return again(p.positionals, 'runuser');
        this.signal('privilege.root-shell', text, 'opens a shell as another user');
        return true;
      }
      case 'screen': {
        const p = parseArgs(args, { values: ['S', 'c', 't', 'p', 'X', 'e', 'h', 'l', 'T', 's', 'Logfile'], stopAtFirstPositional: true });
        return again(p.positionals, 'screen', { background: true });
      }
      case 'tmux': {
        // tmux [-L name] [-S socket] [-f file] COMMAND …: the commands that start a program run their last words as a shell command
        const g = parseArgs(args, { values: ['L', 'S', 'f', 'T'], stopAtFirstPositional: true });
        const sub = g.positionals[0]?.v ?? '';
        if (!TMUX_RUNS.has(sub)) return true;
        // tmux stops reading options at the command's first word (`new -d rm -rf src` runs `rm -rf src`)
        const p = parseArgs(g.positionals.slice(1), { values: ['t', 's', 'n', 'c', 'e', 'F', 'x', 'y', 'l', 'p', 'T'], stopAtFirstPositional: true });
        const words = p.positionals.map((a) => a.v).filter((v) => !(sub === 'send-keys' || sub === 'send') || !/^(Enter|C-m|KPEnter|Escape|C-c)$/.test(v));
        if (p.positionals.some((a) => a.dyn)) this.signal('shell.eval-dynamic', text, `tmux ${sub} runs text only known at run time`);
        else if (words.length > 0) this.nestedScript(words.join(' '), copyScope(scope), { ...frame, stdin: undefined, background: true }, `tmux ${sub}`);
        return true;
      }
      case 'xterm':
      case 'uxterm':
      case 'urxvt':
      case 'gnome-terminal':
      case 'konsole':
      case 'xfce4-terminal':
      case 'alacritty':
      case 'kitty':
      case 'wezterm':
      case 'terminator':
      case 'x-terminal-emulator': {
        // the program after -e/-x/--command/-- (xterm: everything after -e); one word with spaces is a command line
        const at = args.findIndex((a) => a.v === '-e' || a.v === '-x' || a.v === '--' || a.v === '--command' || a.v === '--execute');
        const rest = at >= 0 ? args.slice(at + 1) : [];
        if (rest.length === 0) return true;
        if (rest.length === 1 && /\s/.test(rest[0]!.v)) {
          this.nestedScript(rest[0]!.v, copyScope(scope), { ...frame, stdin: undefined }, name);
          return true;
        }
        return again(rest, name, { background: true });
      }
      case 'coproc': {
        // `coproc CMD ARGS`, and `coproc [NAME]` before a group or subshell (whose words end at the first `;`): CMD runs in the background
        let rest = args;
        if (rest.length >= 2 && /^[A-Za-z_][A-Za-z0-9_]*$/.test(rest[0]!.v) && GROUP_OPENERS.has(rest[1]!.v)) rest = rest.slice(1);
        if (rest[0] && GROUP_OPENERS.has(rest[0].v)) rest = rest.slice(1);
        return again(rest, 'coproc', { background: true });
      }
      case 'firejail':
      case 'bwrap':
      case 'unshare': {
        const rest = [...args];
        while (rest[0] && rest[0].v.startsWith('-')) {
          const f = rest.shift()!.v;
          if (name === 'bwrap' && /^--(bind|ro-bind|dev-bind|symlink|setenv|chdir|dir|tmpfs|proc|dev|file|uid|gid|hostname)/.test(f)) {
            const count = /^--(bind|ro-bind|dev-bind|symlink|setenv)/.test(f) ? 2 : 1;
            rest.splice(0, count);
          }
        }
        return again(rest, name);
      }
      case 'busybox':
      case 'toybox':
        return again(args, name);
      case 'npx':
      case 'bunx':
      case 'pnpx': {
        const p = parseArgs(args, { values: ['p', 'c', '--package', '--call', '--node-options', '-w', '--workspace'], stopAtFirstPositional: true });
        const call = p.flags.get('-c') ?? p.flags.get('--call');
        if (typeof call === 'string') {
          this.nestedScript(call, copyScope(scope), frame, name);
          return true;
        }
        return this.packageRunner(p.positionals, name, again);
      }
      case 'npm':
      case 'pnpm':
      case 'yarn':
      case 'bun': {
        const sub = args[0]?.v;
        if ((sub === 'exec' || sub === 'dlx' || sub === 'x') && args.length > 1) {
          const p = parseArgs(args.slice(1), { values: ['p', 'c', '--package', '--call', '-w', '--workspace'], stopAtFirstPositional: true });
          const call = p.flags.get('-c') ?? p.flags.get('--call');
          if (typeof call === 'string') {
            this.nestedScript(call, copyScope(scope), frame, `${name} ${sub}`);
            return true;
          }
          return this.packageRunner(p.positionals, `${name} ${sub}`, again);
        }
        return false;
      }
      case 'uv':
      case 'poetry':
      case 'pipenv':
      case 'pdm':
      case 'hatch':
      case 'rye':
      case 'bundle':
      case 'mise':
      case 'asdf':
      case 'conda':
      case 'mamba':
      case 'micromamba':
      case 'pixi':
      case 'dotenv':
      case 'op':
      case 'doppler':
      case 'infisical':
      case 'aws-vault':
      case 'direnv':
      case 'nix-shell':
      case 'devbox':
      case 'uvx':
      case 'pipx': {
        const sub = args[0]?.v;
        if (name === 'nix-shell' || name === 'devbox' && sub === 'shell') {
          // `nix-shell [opts] --run|--command 'cmd'`: the command line runs in the shell it opens
          const idx = args.findIndex((a) => a.v === '--run' || a.v === '--command');
          if (idx >= 0 && args[idx + 1]) this.nestedScript(args[idx + 1]!.v, copyScope(scope), frame, name);
          return idx >= 0;
        }
        const runs = name === 'uvx' ? 0 : name === 'pipx' ? sub === 'run' ? 1 : -1 : /^(run|exec|x)$/.test(sub ?? '') ? 1 : name === 'dotenv' ? 0 : -1;
        if (runs < 0) return false;
        let rest = args.slice(runs);
        if (name === 'direnv' && sub === 'exec') rest = rest.slice(1);
        const dd = rest.findIndex((a) => a.v === '--');
        if (dd >= 0) rest = rest.slice(dd + 1);
        else {
          const withValue = new Set(['-n', '--name', '-p', '--prefix', '-e', '--env', '--with', '--python', '--from', '--directory', '--project', '-c', '--config', '--env-file', '--cwd']);
          while (rest[0] && rest[0].v.startsWith('-')) {
            const f = rest.shift()!.v;
            if (withValue.has(f)) rest.shift();
          }
        }
        if (name === 'op' || name === 'doppler' || name === 'infisical' || name === 'aws-vault') this.signal('secrets.injected', text, `${name} gives the command stored secrets`);
        if (rest[0] && /\.py$/.test(rest[0].v)) return again([{ ...rest[0], v: 'python' }, ...rest], `${name} run`);
        return name === 'uvx' || name === 'pipx' ? this.packageRunner(rest, name, again) : again(rest, `${name} ${sub ?? ''}`.trim());
      }
      case 'xargs':
        return this.xargs(args, scope, frame, info, text);
      case 'parallel': {
        const sep = args.findIndex((a) => a.v === ':::' || a.v === '::::' || a.v === ':::+');
        const head = sep >= 0 ? args.slice(0, sep) : args;
        let k = 0;
        while (k < head.length && head[k]!.v.startsWith('-')) k += /^-(j|P|S|n|N|L|l|d|E|I|X|[-](jobs|max-procs|sshlogin|max-args|delimiter))$/.test(head[k]!.v) ? 2 : 1;
        const cmd = head.slice(k);
        if (cmd.length === 0) {
          // no command: each input line is one (`echo "rm -rf ~" | parallel`)
          const lines = sep >= 0 ? args.slice(sep + 1).filter((a) => !a.v.startsWith(':::')).map((a) => (a.dyn ? undefined : a.v)) : this.fedLines(frame);
          if (lines === undefined || lines.some((l) => l === undefined)) this.signal('shell.stdin-exec', text, 'parallel runs commands only known at run time');
          for (const line of lines ?? []) if (line !== undefined) this.nestedScript(line, copyScope(scope), { ...frame, stdin: undefined }, 'parallel');
          return true;
        }
        // without ::: the inputs come from stdin, as xargs takes them
        const inputs = sep >= 0 ? args.slice(sep + 1).filter((a) => !a.v.startsWith(':::')) : this.fedArgs(frame).synthetic;
        const withInputs = cmd.some((a) => a.v.includes('{}')) ? cmd.flatMap((a) => (a.v.includes('{}') ? inputs.map((x) => ({ ...a, v: a.v.split('{}').join(x.v) })) : [a])) : [...cmd, ...inputs];
        return again(withInputs, 'parallel', { openArgs: true });
      }
      case 'find':
        this.find(args, scope, frame, info, text);
        return true;
      case 'eval': {
        const joined = args.map((a) => a.v).join(' ');
        if (args.some((a) => a.dyn)) this.signal('shell.eval-dynamic', text, 'eval runs text that is only known at run time');
        if (joined.trim() !== '' && !/^\*+$/.test(joined.trim())) this.nestedScript(joined, scope, frame, 'eval');
        return true;
      }
      case 'source':
      case '.': {
        const target = args[0];
        if (target && target.subs.length > 0 && target.v === '/dev/fd/63') {
          this.procExec(target, name, frame, text);
          return true;
        }
        if (target && this.contentWrites.length > 0) this.runWritten(this.opts.resolve(target.v, scope.cwd, target), scope, frame, `${name} ${target.v}`, args.slice(1), true);
        return false;
      }
      case 'cmd':
      case 'powershell':
      case 'pwsh':
        return this.windowsShell(name, args, scope, frame, text);
      case 'sg': {
        // `sg group -c 'cmd'` runs cmd through the shell; `sg group cmd args` runs cmd
        const c = args.findIndex((a) => a.v === '-c');
        if (c >= 0 && args[c + 1]) {
          this.nestedScript(args[c + 1]!.v, copyScope(scope), frame, 'sg -c');
          return true;
        }
        return again(args.filter((a) => !a.v.startsWith('-')).slice(1), 'sg');
      }
      case 'proot': {
        const p = parseArgs(args, { values: ['r', 'b', 'm', 'w', 'q', 'k', 'v', '--rootfs', '--bind', '--mount', '--cwd', '--pwd', '--qemu', '--kernel-release', '--verbose'], stopAtFirstPositional: true });
        return again(p.positionals, 'proot');
      }
      case 'entr': {
        // `entr -s 'cmd'`: the utility is a shell command line
        const p = parseArgs(args, { stopAtFirstPositional: true });
        if (has(p, '-s') && p.positionals[0]) {
          this.nestedScript(p.positionals.map((a) => a.v).join(' '), copyScope(scope), frame, 'entr -s');
          return true;
        }
        return again(p.positionals, 'entr');
      }
      case 'systemd-run': {
        const p = parseArgs(args, { values: ['u', 'p', 'E', 'M', 'H', '--unit', '--property', '--setenv', '--on-active', '--on-boot', '--on-startup', '--on-unit-active', '--on-unit-inactive', '--on-calendar', '--timer-property', '--description', '--slice', '--working-directory', '--uid', '--gid'], stopAtFirstPositional: true });
        if (has(p, '--on-active', '--on-boot', '--on-startup', '--on-unit-active', '--on-unit-inactive', '--on-calendar')) this.signal('deferred.schedule', text, 'systemd-run starts a timer');
        return again(p.positionals, 'systemd-run', { delay: frame.delay + (has(p, '--on-calendar', '--on-active') ? 3600 : 0) });
      }
      default: {
        const plain = PLAIN_WRAPPERS.get(name);
        if (plain !== undefined) return again(afterPlainOptions(args, plain.values, plain.operands), name);
        const rarer = this.rarerWrapper(name, first, args, scope, frame, info, text, again);
        if (rarer !== undefined) return rarer;
        break;
      }
    }
    return this.notWrapper(name, args, scope, frame, info, text);
  }

  /**
   * Wrappers seldom met (development shells, benchmark and watch tools, byobu),
   * apart from wrapper() so its switch stays the size the common cases need.
   * Undefined for a name that is none of them.
   */
  private rarerWrapper(name: string, first: ArgWord, args: ArgWord[], scope: Scope, frame: Frame, info: ShellCommandInfo, text: string, again: (rest: ArgWord[], via: string) => boolean): boolean | undefined {
    switch (name) {
      case 'nix': {
        // `nix develop|shell … -c|--command CMD ARGS`
        if (!/^(develop|shell)$/.test(args[0]?.v ?? '')) return false;
        const at = args.findIndex((a) => a.v === '-c' || a.v === '--command');
        return at < 0 ? true : again(args.slice(at + 1), `nix ${args[0]!.v}`);
      }
      case 'toolbox': {
        if (args[0]?.v !== 'run') return false;
        return again(afterPlainOptions(args.slice(1), new Set(['-c', '-d', '-r', '--container', '--distro', '--release']), 0), 'toolbox run');
      }
      case 'distrobox':
      case 'distrobox-enter': {
        // `distrobox enter [NAME] [opts] -- CMD`: the command is what follows `--`
        if (name === 'distrobox' && args[0]?.v !== 'enter') return false;
        const dd = args.findIndex((a) => a.v === '--');
        return dd < 0 ? true : again(args.slice(dd + 1), name);
      }
      case 'machinectl': {
        // `machinectl shell [USER@]MACHINE [CMD ARGS]`
        if (args[0]?.v !== 'shell') return false;
        const rest = afterPlainOptions(args.slice(1), new Set(['-E', '--setenv', '--uid', '-M', '--machine']), 0);
        this.signal('privilege.sudo', text, 'machinectl shell runs a command as another user');
        return again(rest.slice(1), 'machinectl shell');
      }
      case 'hyperfine': {
        // every command argument, and --setup/--prepare/--cleanup/--conclude, is a shell command line
        const LINE = new Set(['-s', '--setup', '-p', '--prepare', '-c', '--cleanup', '--conclude']);
        const OTHER = new Set(['-w', '--warmup', '-m', '--min-runs', '-M', '--max-runs', '-r', '--runs', '-P', '--parameter-scan', '-D', '--parameter-step-size', '-L', '--parameter-list', '-S', '--shell', '--style', '--export-json', '--export-csv', '--export-markdown', '--export-asciidoc', '--export-orgmode', '-n', '--command-name', '--output', '--input', '-u', '--time-unit', '--sort']);
        for (let i = 0; i < args.length; i++) {
          const a = args[i]!.v;
          if (LINE.has(a)) {
            const line = args[++i];
            if (line) this.nestedScript(line.v, copyScope(scope), { ...frame, stdin: undefined }, `hyperfine ${a}`);
          } else if (OTHER.has(a)) i += a === '-P' || a === '--parameter-scan' ? 3 : a === '-L' || a === '--parameter-list' ? 2 : 1;
          else if (!a.startsWith('-')) this.nestedScript(a, copyScope(scope), { ...frame, stdin: undefined }, 'hyperfine');
        }
        return true;
      }
      case 'nodemon': {
        // `nodemon --exec 'cmd' [args]`: the command line runs on every change
        const at = args.findIndex((a) => a.v === '--exec' || a.v === '-x');
        if (at < 0 || !args[at + 1]) return false;
        this.nestedScript([args[at + 1]!.v, ...args.slice(at + 2).map((a) => quoteWord(a.v))].join(' '), copyScope(scope), { ...frame, stdin: undefined }, 'nodemon --exec');
        return true;
      }
      case 'watchexec': {
        // `watchexec [opts] -- CMD ARGS`, or one word that is a command line (run through a shell)
        const WATCH_VALUES = new Set(['-e', '--exts', '-w', '--watch', '-i', '--ignore', '-d', '--debounce', '-s', '--signal', '--shell', '-f', '--filter', '-E', '--env', '--delay-run', '--project-origin', '--workdir', '-W', '-o', '--on-busy-update', '--stop-signal', '--stop-timeout', '--poll']);
        const rest = afterPlainOptions(args, WATCH_VALUES, 0);
        if (rest.length === 1 && /\s/.test(rest[0]!.v)) {
          this.nestedScript(rest[0]!.v, copyScope(scope), { ...frame, stdin: undefined }, 'watchexec');
          return true;
        }
        return again(rest, 'watchexec');
      }
      case 'byobu':
        // byobu passes tmux's commands through
        return this.wrapper('tmux', first, args, scope, frame, info, text);
      default:
        return undefined;
    }
  }

  /** What wrapper() does for names its switch does not handle: shells, Windows command lines, interpreters fed a substitution. */
  private notWrapper(name: string, args: ArgWord[], scope: Scope, frame: Frame, info: ShellCommandInfo, text: string): boolean {
    if (SHELLS.has(name)) return this.shell(name, args, scope, frame, info, text);
    if (POWERSHELL_CMDLETS.has(name) || (name === 'rd' || name === 'del' || name === 'erase' || name === 'rmdir' || name === 'type' || name === 'reg') && args.some((a) => /^\/[a-z]$/i.test(a.v))) {
      // cmd or PowerShell syntax sent to a POSIX shell tool: read it as Windows commands
      this.windowsText(text, POWERSHELL_CMDLETS.has(name) ? 'powershell' : 'cmd', scope, frame);
      return true;
    }
    if (interpreterFamily(name) && args.some((a) => a.v === '/dev/fd/63' && a.subs.length > 0)) {
      this.procExec(args.find((a) => a.v === '/dev/fd/63')!, name, frame, text);
      return false;
    }
    return false;
  }

  /** A cmd or PowerShell line, read as Windows commands. */
  private windowsText(text: string, dialect: 'cmd' | 'powershell', scope: Scope, frame: Frame): void {
    const out = analyzeWindows(text, dialect, {
      cwd: scope.cwd,
      home: this.opts.home,
      resolve: (given, cwd) => this.opts.resolve(given, cwd),
      make: (t, nm, a, cwd) => this.newInfo(t, nm, a, { ...scope, cwd }, frame),
    });
    this.commands.push(...out.commands);
    for (const sg of out.signals) this.signal(sg.code, sg.fragment, sg.detail);
  }

  private packageRunner(rest: ArgWord[], via: string, again: (rest: ArgWord[], via: string) => boolean): boolean {
    const pkg = rest[0];
    if (!pkg) return true;
    // `rimraf@5`, `@scope/tool@1` -> the binary it provides (its unscoped name)
    let bin = pkg.v.replace(/^(@[^/]+\/)?([^@]+)(@.*)?$/, '$2');
    if (bin === 'rimraf' || bin === 'del-cli' || bin === 'trash-cli' || bin === 'shx') bin = bin === 'shx' ? rest[1]?.v ?? 'shx' : bin;
    const args = bin === rest[1]?.v ? rest.slice(1) : [{ ...pkg, v: bin }, ...rest.slice(1)];
    return again(args, via);
  }

  /** `bash -c '…'`, `sh script.sh`, `bash` reading stdin, `bash <(curl …)` */
  private shell(name: string, args: ArgWord[], scope: Scope, frame: Frame, info: ShellCommandInfo, text: string): boolean {
    let i = 0;
    let command: string | undefined;
    let commandWord: ArgWord | undefined;
    let fromStdin = false;
    for (; i < args.length; i++) {
      const a = args[i]!.v;
      if (a === '--' || a === '-') {
        i++;
        break;
      }
      if (!a.startsWith('-') && !a.startsWith('+')) break;
      if (a === '-o' || a === '+o' || a === '-O' || a === '+O' || a === '--rcfile' || a === '--init-file') {
        i++;
        continue;
      }
      if (/^-[a-zA-Z]*c[a-zA-Z]*$/.test(a) || a === '--command') {
        commandWord = args[i + 1];
        command = commandWord?.v;
        i += 2;
        break;
      }
      if (/^-[a-zA-Z]*s/.test(a)) fromStdin = true;
    }
    if (command !== undefined) {
      if (commandWord && commandWord.subs.length > 0) this.subExec(commandWord, `${name} -c`, frame, text);
      if (commandWord?.dyn) {
        const sources = frame.subCmds ?? [];
        // `curl … | xargs -0 bash -c`: the script comes from what upstream printed
        const fed = frame.openArgs === true ? this.pipedInto(frame) : NO_INFOS;
        if (!this.runsOutputOf(fed, `${name} -c`, text, false) && !sources.some((c) => c.network || c.urls.length > 0 || isDecoder(c))) this.signal('shell.eval-dynamic', text, `${name} -c runs text that is only known at run time`);
        if (command.replace(/\*/g, '').trim() === '') return true;
      }
      // `sh -c 'rm -rf "$1"' _ ~`: the words after the command are $0, $1…
      const inner = copyScope(scope);
      const rest = args.slice(i);
      if (rest.length > 0) setPositional(inner, rest[0]!, rest.slice(1));
      this.nestedScript(command, inner, { ...frame, openArgs: frame.openArgs === true }, `${name} -c`);
      return true;
    }
    const script = args[i];
    if (!fromStdin && script) {
      if (script.v === '/dev/fd/63' && script.subs.length > 0) {
        this.procExec(script, name, frame, text);
        return true;
      }
      if (script.v === '/dev/stdin' || script.v === '-') {
        info.name = name;
        info.interpreterStdin = true;
        this.interpreterInput(name, scope, frame, info);
        this.commands.push(info);
        return true;
      }
      info.name = name;
      const path = this.opts.resolve(script.v, scope.cwd, script);
      if (isDeployScript(programName(script.v))) info.deploy = `${name} ${script.v}`;
      info.execs.push(path);
      info.reads.push(path);
      info.args = args.map((a) => a.v);
      this.commands.push(info);
      if (this.contentWrites.length > 0) this.runWritten(path, scope, frame, `${name} ${script.v}`, args.slice(i + 1), false);
      return true;
    }
    info.name = name;
    info.args = args.map((a) => a.v);
    info.interpreterStdin = true;
    // `sh -s -- ~ <<< 'rm -rf "$1"'`: the words after the options are $1…
    this.interpreterInput(name, scope, frame, info, fromStdin ? args.slice(i) : undefined);
    this.commands.push(info);
    return true;
  }

  /** `bash <(curl …)`, `source <(…)`: runs the output of a process substitution. */
  private procExec(word: ArgWord, name: string, frame: Frame, text: string): void {
    void word;
    this.runsOutputOf(frame.subCmds ?? NO_INFOS, name, text, true);
  }

  /** `sh -c "$(curl …)"`, `eval "$(…)"`: runs the output of a command substitution. */
  private subExec(word: ArgWord, name: string, frame: Frame, text: string): void {
    void word;
    this.runsOutputOf(frame.subCmds ?? NO_INFOS, name, text, false);
  }

  /**
   * `name` runs what `sources` print: remote code when one downloads, a
   * decoded payload when one decodes, else (with `otherwise`) a program
   * only known at run time. True when a download or a decoder was found.
   */
  private runsOutputOf(sources: readonly ShellCommandInfo[], name: string, text: string, otherwise: boolean): boolean {
    if (sources.some((c) => c.network || c.urls.length > 0)) this.signal('remote.pipe-to-interpreter', text, `${name} runs what a download produces`);
    else if (sources.some(isDecoder)) this.signal('obfuscation.decoded-exec', text, `${name} runs a decoded payload`);
    else {
      if (otherwise) this.signal('shell.stdin-exec', text, `${name} runs the output of another command`);
      return false;
    }
    return true;
  }

  private xargs(args: ArgWord[], scope: Scope, frame: Frame, info: ShellCommandInfo, text: string): boolean {
    // -i, -l, -e and --replace, --max-lines, --eof take their values only attached (`-i{}`, `--eof=x`): the word after them is the command
    const p = parseArgs(args, { values: ['I', 'n', 'L', 'P', 's', 'd', 'E', 'a', '--max-args', '--max-procs', '--max-chars', '--delimiter', '--arg-file', '--process-slot-var'], stopAtFirstPositional: true });
    const file = p.flags.get('-a') ?? p.flags.get('--arg-file');
    if (typeof file === 'string') info.reads.push(this.opts.resolve(file, scope.cwd));
    let cmd = p.positionals.length > 0 ? p.positionals : [{ v: 'echo', dyn: false, glob: false, vars: [], raw: 'echo', subs: [], indirect: false } as ArgWord];
    const long = p.flags.get('--replace');
    const replace = p.flags.get('-I') ?? (long === true ? '{}' : long) ?? (p.flags.has('-i') ? '{}' : undefined);
    const { fed, synthetic } = this.fedArgs(frame);
    if (typeof replace === 'string') {
      cmd = cmd.flatMap((a) => (a.v.includes(replace) ? synthetic.map((s) => ({ ...a, v: a.v.split(replace).join(s.v), dyn: a.dyn || s.dyn, glob: a.glob || s.glob })) : [a]));
    } else cmd = [...cmd, ...synthetic];
    const f = { ...frame, via: [...frame.via, 'xargs'], depth: frame.depth + 1, openArgs: true };
    const inner = this.newInfo(text, '', [], scope, f);
    inner.reads.push(...info.reads);
    this.dispatch(cmd, scope, f, inner, text);
    const bulk = this.commands[this.commands.length - 1];
    if (bulk && bulk.github) {
      bulk.github.bulk = true;
      // `gh issue list --limit 500 | xargs … gh issue close`: as many as the listing returns
      const up = frame.stdin?.pipeline !== undefined ? this.upstreamOf(frame.stdin.pipeline, frame.stage) : [];
      let listed = 0;
      for (const c of up) {
        const i = c.args.findIndex((x) => x === '--limit' || x === '-L' || x === '-n' || x === '--max-count');
        const n = i >= 0 ? Number(c.args[i + 1]) : NaN;
        if (Number.isFinite(n)) listed = Math.max(listed, n);
      }
      bulk.github.count = Math.max(bulk.github.count, fed?.length ?? 0, listed);
    }
    return true;
  }

  /** The lines a program reads on stdin, when upstream's output is known. */
  private fedLines(frame: Frame): string[] | undefined {
    return fedText(frame)?.split('\n').filter((l) => l.trim() !== '');
  }

  /**
   * What a program that takes its arguments from stdin (xargs, parallel) is
   * fed: the words upstream prints when they are known (at most 16), else
   * one unknown word.
   */
  private fedArgs(frame: Frame): { fed: string[] | undefined; synthetic: ArgWord[] } {
    const text = fedText(frame);
    const fed = frame.stdin?.findPaths ?? (text !== undefined ? text.split(/\s+/).filter((x) => x !== '') : undefined);
    const synthetic = (fed && fed.length > 0 ? fed : ['*']).slice(0, 16).map((v) => ({ v, dyn: fed === undefined, glob: fed !== undefined && /[*?[]/.test(v), vars: [], raw: v, subs: [], indirect: false }) as ArgWord);
    return { fed, synthetic };
  }

  /**
   * `fd [pattern] [path…] -x|-X cmd …`: cmd runs on what the search finds, as
   * `find path… -name '*pattern*' -exec cmd {} +` does (judged as that); a plain
   * search lists names and is described as it is.
   */
  private fd(args: ArgWord[], scope: Scope, frame: Frame, info: ShellCommandInfo, text: string): boolean {
    const x = args.findIndex((a) => /^(-x|--exec|-X|--exec-batch)$/.test(a.v));
    if (x < 0) return false;
    const p = parseArgs(args.slice(0, x), { values: ['e', 't', 'd', 'E', 'g', 'c', 'j', 'S', 'o', '--extension', '--type', '--max-depth', '--min-depth', '--exclude', '--glob', '--color', '--threads', '--size', '--owner', '--changed-within', '--changed-before', '--base-directory', '--search-path'] });
    const [pattern, ...paths] = p.positionals;
    const cmd = args.slice(x + 1).filter((a, i, all) => !(i === all.length - 1 && (a.v === ';' || a.v === '\\;')));
    if (cmd.length === 0) return false;
    const found: ArgWord[] = [...(paths.length > 0 ? paths : [w('.')])];
    if (pattern !== undefined && pattern.v !== '.' && pattern.v !== '' && pattern.v !== '^') found.push(w('-name'), w(`*${pattern.v}*`));
    for (const e of values(p, '-e', '--extension')) found.push(w('-name'), w(`*.${e}`));
    const type = value(p, '-t', '--type');
    if (type !== undefined) found.push(w('-type'), w(type[0] === 'd' ? 'd' : 'f'));
    const placeholder = cmd.some((a) => a.v.includes('{'));
    this.find([...found, w('-exec'), ...cmd.map((a) => (a.v.includes('{') ? { ...a, v: a.v.replace(/\{[^{}]*\}/g, '{}') } : a)), ...(placeholder ? [] : [w('{}')]), w('+')], scope, frame, info, text);
    return true;
  }

  /** `find`: start paths, -delete, -exec/-execdir/-ok, -fprint. */
  private find(args: ArgWord[], scope: Scope, frame: Frame, info: ShellCommandInfo, text: string): void {
    let i = 0;
    const starts: ArgWord[] = [];
    while (i < args.length && !/^[-(!]/.test(args[i]!.v)) starts.push(args[i++]!);
    const roots = (starts.length > 0 ? starts : [w('.')]).map((a) => this.opts.resolve(a.v, scope.cwd, a));
    let nameFilter: string | undefined;
    let filtered = false;
    const execs: { argv: ArgWord[]; via: string }[] = [];
    let deletes = false;
    for (; i < args.length; i++) {
      const a = args[i]!.v;
      if (a === '-name' || a === '-iname' || a === '-path' || a === '-ipath' || a === '-regex' || a === '-iregex' || a === '-wholename' || a === '-lname') {
        filtered = true;
        const pat = args[++i]?.v;
        if (pat !== undefined && (a === '-name' || a === '-iname')) nameFilter = pat;
        continue;
      }
      if (a === '-newer' || a === '-mtime' || a === '-mmin' || a === '-size' || a === '-user' || a === '-group' || a === '-perm' || a === '-maxdepth' || a === '-mindepth' || a === '-type' || a === '-atime' || a === '-ctime' || a === '-amin' || a === '-cmin' || a === '-uid' || a === '-gid' || a === '-inum' || a === '-links' || a === '-samefile' || a === '-fstype' || a === '-xtype' || a === '-used' || a === '-context' || a === '-printf' || a === '-D' || a === '-O') {
        i++;
        continue;
      }
      if (a === '-delete') {
        deletes = true;
        continue;
      }
      if (a === '-fprint' || a === '-fprint0' || a === '-fls' || a === '-fprintf') {
        const f = args[++i];
        if (f) info.writes.push(this.opts.resolve(f.v, scope.cwd, f));
        if (a === '-fprintf') i++;
        continue;
      }
      if (a === '-exec' || a === '-execdir' || a === '-ok' || a === '-okdir') {
        const argv: ArgWord[] = [];
        for (i++; i < args.length; i++) {
          const v = args[i]!.v;
          if (v === ';' || v === '+') break;
          argv.push(args[i]!);
        }
        execs.push({ argv, via: `find ${a}` });
      }
    }
    const matched = roots.map((r) => (nameFilter ? `${r}/**/${nameFilter}` : `${r}/**`));
    info.name = 'find';
    info.args = args.map((a) => a.v);
    info.reads.push(...roots);
    if (deletes) for (const m of matched) info.deletes.push({ path: m, recursive: true, via: 'find -delete', filtered });
    this.commands.push(info);
    (this.findOutput ??= new Map()).set(frame.pipeline, matched);
    for (const e of execs) {
      const argv = e.argv.map((a) => (a.v.includes('{}') ? matched.map((m) => ({ ...a, v: a.v.split('{}').join(m), glob: true })) : [a])).flat();
      const f = { ...frame, via: [...frame.via, e.via], depth: frame.depth + 1, openArgs: true };
      this.dispatch(argv, scope, f, this.newInfo(text, '', [], scope, f), text);
    }
  }

  private windowsShell(name: string, args: ArgWord[], scope: Scope, frame: Frame, text: string): boolean {
    const raw = args.map((a) => stripQuotes(a.raw));
    let script: string | undefined;
    let encoded = false;
    if (name !== 'cmd' && (raw.includes('-') || raw.some((a, i) => /^-(c|command)$/i.test(a) && raw[i + 1] === '-'))) {
      // `… | pwsh -`: PowerShell runs what it reads on stdin
      const info = this.newInfo(text, name, raw, scope, frame);
      info.interpreterStdin = true;
      this.interpreterInput(name, scope, frame, info);
      this.commands.push(info);
      return true;
    }
    if (name === 'cmd') {
      const idx = raw.findIndex((a) => /^\/[ckCK]$/.test(a));
      if (idx < 0) return false;
      script = raw.slice(idx + 1).join(' ');
    } else {
      for (let i = 0; i < raw.length; i++) {
        const a = raw[i]!.toLowerCase();
        if (/^-(e|ec|enc|encodedcommand|encoded)$/.test(a)) {
          const b64 = raw[i + 1] ?? '';
          script = Buffer.from(b64, 'base64').toString('utf16le');
          encoded = true;
          break;
        }
        if (/^-(c|command)$/.test(a)) {
          script = raw.slice(i + 1).join(' ');
          break;
        }
        if (/^-(f|file)$/.test(a)) {
          const file = raw[i + 1];
          if (file) {
            const info = this.newInfo(text, name, raw, scope, frame);
            info.execs.push(this.opts.resolve(file, scope.cwd));
            this.commands.push(info);
          }
          return true;
        }
        if (!a.startsWith('-')) {
          script = raw.slice(i).join(' ');
          break;
        }
      }
    }
    if (script === undefined) return false;
    if (encoded) this.signal('obfuscation.encoded-command', text, `${name} runs a base64-encoded command`);
    this.windowsText(script, name === 'cmd' ? 'cmd' : 'powershell', scope, { ...frame, via: [...frame.via, name], depth: frame.depth + 1 });
    return true;
  }

  /** The text a stage writes to stdout, when it is fixed (echo, printf, cat <<EOF, decoders of those). */
  private staticOutput(n: Node, scope: Scope, input: string | undefined): string | undefined {
    if (n.t !== 'cmd' || n.words.length === 0) return undefined;
    // a plain program name staticFilter knows nothing about: no need to expand the words
    const head = n.words[0]!;
    // `pwd` (-L or -P alike: the scope's directory is canonical)
    if (head.raw === 'pwd' && n.words.every((w, i) => i === 0 || w.raw === '-L' || w.raw === '-P')) return scope.cwdUnknown ? undefined : scope.cwd + '\n';
    // `git rev-parse --show-toplevel`: the workspace folder the directory is in
    if (head.raw === 'git' && n.words.length === 3 && n.words[1]!.raw === 'rev-parse' && n.words[2]!.raw === '--show-toplevel' && !scope.cwdUnknown) {
      const top = this.opts.repoRoot?.(scope.cwd);
      return top === undefined ? undefined : top + '\n';
    }
    if (head.parts.every((p) => p.t === 'lit') && !head.raw.includes('{') && !head.raw.startsWith('~') && !STATIC_PROGRAMS.has(programName(literalText(head)))) return undefined;
    const env = this.expandEnv(scope);
    const argv = n.words.flatMap((wd) => expandWord(wd, env));
    if (argv.length === 0 || argv.some((a) => a.dyn)) return undefined;
    const name = programName(argv[0]!.v);
    const args = argv.slice(1).map((a) => a.v);
    let stdin = input;
    for (const r of n.redirects) {
      if (r.body) stdin = r.literal ? r.body.raw : (() => { const b = expandSingle(r.body!, env); return b.dyn ? undefined : b.v; })();
      else if (r.op === '<<<' && r.target) {
        const t = expandSingle(r.target, env);
        stdin = t.dyn ? undefined : t.v + '\n';
      } else if (r.op === '<') stdin = undefined;
    }
    return staticFilter(name, args, stdin);
  }

  private staticScriptOutput(script: Script, scope: Scope): string | undefined {
    // `` (or $()): runs nothing, prints nothing
    if (script.items.length === 0) return script.error ? undefined : '';
    if (script.items.length !== 1) return undefined;
    const node = script.items[0]!.node;
    if (node.t === 'cmd') return this.staticOutput(node, scope, undefined);
    if (node.t === 'pipeline') {
      let out: string | undefined;
      for (let i = 0; i < node.stages.length; i++) {
        out = this.staticOutput(node.stages[i]!, scope, out);
        if (out === undefined) return undefined;
      }
      return out;
    }
    return undefined;
  }
}

/** Commands that run their (inline) arguments as code: eval, shells with -c, interpreters with -c/-e, source. */
function runsItsArguments(name: string, args: ArgWord[]): boolean {
  if (name === 'eval' || name === 'source' || name === '.' || name === 'iex' || name === 'invoke-expression') return true;
  const inline = SHELLS.has(name) ? /^-[a-zA-Z]*c[a-zA-Z]*$/ : name === 'perl' || interpreterFamily(name) ? /^(-c|-e|-E|-p|-r|--eval|--print|eval)$/ : undefined;
  if (!inline) return false;
  const i = args.findIndex((a) => inline.test(a.v));
  return i >= 0 && (args[i + 1]?.subs.length ?? 0) > 0;
}

/** the functions of a script that defines none (shared: setFunc copies it before writing) */
const NO_FUNCS = new Map<string, Script>();

/** an empty list never written to */
const NO_PATHS: readonly string[] = [];

/**
 * The variables of a command that expands none: shared and never written
 * (ShellCommandInfo.vars is a readonly list; readers filter and spread it).
 * Not frozen: a frozen array's own elements kind would make the loops over
 * vars lists polymorphic.
 */
const NO_VARS: readonly string[] = [];

/** the environment of a command with no prefix assignments: frozen, so a write that forgot to replace it throws instead of leaking */
const NO_ENV: Record<string, string> = Object.freeze({}) as Record<string, string>;

/** The text of a word made of literal parts only (no copy for a single part). */
function literalText(w: Word): string {
  const parts = w.parts;
  if (parts.length === 1) return (parts[0] as { v: string }).v;
  return parts.map((p) => (p as { v: string }).v).join('');
}

/** `/[\\/]/.test(s)` */
function hasSlash(s: string): boolean {
  return s.includes('/') || s.includes('\\');
}

/** `!/[^\x20-\x7E]/.test(s)`: every character is printable ASCII. */
function printableAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

/** the largest array the analysis keeps (elements, and characters of them all); a larger one is unknown */
const MAX_ARRAY_ELEMENTS = 1024;
const MAX_ARRAY_TEXT = 65_536;

/** where an alias is kept among the functions: a key no command word can spell (no word holds ARG_SEPARATOR) */
const ALIAS_KEY = ARG_SEPARATOR + 'alias ';

/**
 * A scope that starts with s's variables and functions and changes
 * independently of it. The maps are shared until either side writes
 * (copy on write), so a copy that only reads costs no map copies.
 */
export function copyScope(s: Scope): Scope {
  s.sharedVars = true;
  s.sharedFuncs = true;
  return { cwd: s.cwd, cwdUnknown: s.cwdUnknown, vars: s.vars, funcs: s.funcs, sharedVars: true, sharedFuncs: true, env: undefined };
}

/** The scope's own variables, copied first if they are shared. */
function ownVars(s: Scope): Map<string, string | null> {
  if (s.sharedVars === true) {
    s.vars = new Map(s.vars);
    s.sharedVars = false;
    if (s.env !== undefined) s.env.vars = s.vars;
  }
  return s.vars;
}

/** the positional parameters a call sets (beyond $9 they are only in $@) */
const POSITIONAL = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '@', '*', '#'];

/** Sets $0 (unless `zero` is undefined), $1…, $@, $* and $# for a call of `zero` with `args` (unknown words stay unknown); returns what they were. */
function setPositional(s: Scope, zero: ArgWord | undefined, args: readonly ArgWord[]): (string | null | undefined)[] {
  const saved = POSITIONAL.map((k) => s.vars.get(k));
  if (zero !== undefined) setVar(s, '0', zero.dyn ? null : zero.v);
  for (let k = 1; k <= 9; k++) {
    const a = args[k - 1];
    if (a === undefined) deleteVar(s, String(k));
    else setVar(s, String(k), a.dyn ? null : a.v);
  }
  const known = !args.some((a) => a.dyn);
  setVar(s, '@', known ? args.map((a) => a.v).join(ARG_SEPARATOR) : null);
  setVar(s, '*', known ? args.map((a) => a.v).join(' ') : null);
  setVar(s, '#', String(args.length));
  return saved;
}

function restorePositional(s: Scope, saved: readonly (string | null | undefined)[]): void {
  POSITIONAL.forEach((k, i) => {
    const v = saved[i];
    if (v === undefined) deleteVar(s, k);
    else setVar(s, k, v);
  });
}

export function setVar(s: Scope, name: string, value: string | null): void {
  ownVars(s).set(name, value);
}

export function deleteVar(s: Scope, name: string): void {
  if (s.vars.has(name)) ownVars(s).delete(name);
}

export function setFunc(s: Scope, name: string, body: Script): void {
  if (s.sharedFuncs === true) {
    s.funcs = new Map(s.funcs);
    s.sharedFuncs = false;
  }
  s.funcs.set(name, body);
}

export type { Scope };
