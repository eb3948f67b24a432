import fs from 'node:fs';
import path from 'node:path';
import { parse as parseJsonc, printParseErrorCode, type ParseError } from 'jsonc-parser';
import { DIALECTS, type Dialect, type NormalizedAction } from '../../core/policy/action.ts';
import type { LoadedPolicy } from '../../core/policy/engine.ts';
import type { PolicySession, SessionResult } from '../../core/policy/session.ts';
import { CliError, readAll, readLines, resolveWorkspace, writeJson, type CliIO } from '../cliTypes.ts';

/**
 * `belay policy check|test|explain`: the policy engine from the command line.
 *
 * check    JSON lines on stdin (the generic `{"tool","input"}` form or any
 *          agent's hook document), one decision line out per line, in order;
 *          the lines are one session, so earlier lines count.
 * test     checks the `examples` of the workspace policy.
 * explain  one action (argument or stdin) -> every rule that matched and why.
 */

const USAGE = `usage: belay policy <check|test|explain> [options]
  check     decide JSON lines from stdin, one decision line per input line
  test      check the policy's examples
  explain   show every rule that matches one action (JSON argument or stdin)
options:
  --workspace DIR   workspace folder (default: current directory)
  --home DIR        home directory used for ~ (default: $HOME)
  --now ISO-8601    clock for time windows (default: now)
  --branch NAME     current git branch (default: read from the workspace's .git/HEAD)
  --policy FILE     use this JSON file as belay.policy instead of the workspace settings
  --dialect NAME    generic|claude|vscode|cursor|codex|copilot-cli (default: detected per line)
  --agent NAME      agent name recorded in decisions
  --os NAME         linux|macos|windows: file system case rules (default: this machine)
  --verbose         include the normalised action in check output
  --json            explain: print JSON instead of text
`;

interface Options {
  sub: string;
  workspace?: string;
  home?: string;
  now?: string;
  branch?: string;
  policy?: string;
  dialect?: Dialect;
  agent?: string;
  os?: string;
  verbose: boolean;
  json: boolean;
  rest: string[];
}

function parseOptions(argv: string[]): Options {
  const [sub, ...args] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') throw new CliError(USAGE.trimEnd(), sub === undefined ? 2 : 0);
  if (!['check', 'test', 'explain'].includes(sub)) throw new CliError(`unknown policy command '${sub}' (try: belay policy --help)`, 2);
  const o: Options = { sub, verbose: false, json: false, rest: [] };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const eq = a.indexOf('=');
    const flag = a.startsWith('--') && eq > 0 ? a.slice(0, eq) : a;
    const inline = a.startsWith('--') && eq > 0 ? a.slice(eq + 1) : undefined;
    const next = (): string => {
      if (inline !== undefined) return inline;
      const v = args[++i];
      if (v === undefined) throw new CliError(`${flag} needs a value`, 2);
      return v;
    };
    switch (flag) {
      case '--workspace':
        o.workspace = next();
        break;
      case '--home':
        o.home = next();
        break;
      case '--now':
        o.now = next();
        break;
      case '--branch':
        o.branch = next();
        break;
      case '--policy':
        o.policy = next();
        break;
      case '--dialect': {
        const d = next();
        if (!DIALECTS.includes(d as Dialect)) throw new CliError(`unknown dialect '${d}' (one of ${DIALECTS.join(', ')})`, 2);
        o.dialect = d as Dialect;
        break;
      }
      case '--agent':
        o.agent = next();
        break;
      case '--os': {
        const v = next();
        if (!['linux', 'macos', 'windows'].includes(v)) throw new CliError(`unknown --os '${v}' (linux, macos or windows)`, 2);
        o.os = v;
        break;
      }
      case '--verbose':
        o.verbose = true;
        break;
      case '--json':
        o.json = true;
        break;
      case '--help':
      case '-h':
        throw new CliError(USAGE.trimEnd(), 0);
      default:
        if (a.startsWith('--')) throw new CliError(`unknown option '${a}' (try: belay policy --help)`, 2);
        o.rest.push(a);
    }
  }
  return o;
}

function parseNow(value: string | undefined): () => Date {
  if (value === undefined) return () => new Date();
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) throw new CliError(`--now is not an ISO-8601 time: ${value}`, 2);
  return () => d;
}

interface Setup {
  workspace: string;
  home: string;
  now: () => Date;
  branch?: string;
  caseInsensitive: boolean;
  platform: NodeJS.Platform;
  policy: LoadedPolicy;
  stateDir: string;
}

async function setup(o: Options, io: CliIO): Promise<Setup> {
  const workspace = fs.realpathSync(resolveWorkspace(o.workspace, io));
  const homeRaw = path.resolve(io.cwd, o.home ?? io.env.HOME ?? '/');
  let home: string;
  try {
    home = fs.realpathSync(homeRaw);
  } catch {
    if (o.home !== undefined) throw new CliError(`home directory not found: ${homeRaw}`, 2);
    home = homeRaw;
  }
  const now = parseNow(o.now);
  const engine = await import('../../core/policy/engine.ts');
  const { loadWorkspaceSettings } = await import('../../core/config/workspaceSettings.ts');
  const { readCurrentBranch } = await import('../../core/config/git.ts');
  const { belayHome } = await import('../../core/config/paths.ts');
  let policy: LoadedPolicy;
  if (o.policy !== undefined) {
    const file = path.resolve(io.cwd, o.policy);
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      throw new CliError(`cannot read ${file}: ${(err as Error).message}`, 2);
    }
    const errors: ParseError[] = [];
    const value = parseJsonc(text, errors, { allowTrailingComma: true }) as unknown;
    policy = errors.length > 0 ? engine.loadPolicy({}, { setting: file, message: `${file}: ${printParseErrorCode(errors[0]!.error)}` }) : engine.loadPolicy({ 'belay.policy': value });
  } else {
    const loaded = loadWorkspaceSettings(workspace);
    policy = engine.loadPolicy(loaded.settings, loaded.error);
  }
  await engine.initPolicyEngine();
  const os = o.os ?? (process.platform === 'darwin' ? 'macos' : process.platform === 'win32' ? 'windows' : 'linux');
  const branch = o.branch ?? readCurrentBranch(workspace);
  return {
    workspace,
    home,
    now,
    ...(branch !== undefined ? { branch } : {}),
    caseInsensitive: os !== 'linux',
    platform: os === 'windows' ? 'win32' : os === 'macos' ? 'darwin' : 'linux',
    policy,
    stateDir: belayHome(io.env),
  };
}

async function session(s: Setup, o: Options): Promise<PolicySession> {
  const { PolicySession } = await import('../../core/policy/session.ts');
  return new PolicySession({
    workspaceRoots: [s.workspace],
    home: s.home,
    policy: s.policy,
    now: s.now,
    stateDir: s.stateDir,
    caseInsensitive: s.caseInsensitive,
    platform: s.platform,
    ...(s.branch !== undefined ? { branch: s.branch } : {}),
    ...(o.agent !== undefined ? { agent: o.agent } : {}),
    ...(o.dialect !== undefined ? { dialect: o.dialect } : {}),
  });
}

function oneLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
}

async function check(o: Options, io: CliIO): Promise<number> {
  const s = await setup(o, io);
  const sess = await session(s, o);
  let n = 0;
  let failed = 0;
  for await (const line of readLines(io.stdin)) {
    n++;
    let doc: unknown;
    try {
      doc = JSON.parse(line) as unknown;
    } catch (err) {
      failed++;
      writeJson(io.stdout, { line: n, error: `invalid JSON: ${oneLine(err)}` });
      continue;
    }
    try {
      const r = sess.check(doc);
      if (!r.decision) {
        writeJson(io.stdout, { line: n, event: r.envelope.event, decision: 'allow', rule: 'no-tool', reason: 'not a tool call; nothing to decide' });
        continue;
      }
      const d = r.decision;
      writeJson(io.stdout, {
        decision: d.decision,
        rule: d.rule,
        reason: d.reason,
        evaluated: d.evaluated,
        mode: d.mode,
        line: n,
        kind: r.action!.kind,
        matches: d.matches.map((m) => ({ rule: m.rule, effect: m.effect, ...(m.fragment !== undefined ? { fragment: m.fragment } : {}) })),
        ...(d.failClosed ? { failClosed: true } : {}),
        ...(d.lifted ? { lifted: d.lifted.map((m) => m.rule) } : {}),
        ...(o.verbose ? { action: summarise(r.action!) } : {}),
      });
    } catch (err) {
      failed++;
      writeJson(io.stdout, { line: n, error: oneLine(err) });
    }
  }
  if (failed > 0) io.stderr.write(`belay: ${failed} of ${n} line${n === 1 ? '' : 's'} could not be checked\n`);
  return failed > 0 ? 1 : 0;
}

function summarise(a: NormalizedAction): Record<string, unknown> {
  return {
    kind: a.kind,
    dialect: a.dialect,
    tool: a.tool,
    cwd: a.cwd,
    reads: a.reads,
    writes: a.writes,
    deletes: a.deleteOps,
    moves: a.moves,
    urls: a.urls,
    mutating: a.mutating,
    ...(a.shell ? { commands: a.shell.commands.map((c) => ({ name: c.name, args: c.args, via: c.via, cwd: c.cwd })), signals: a.shell.signals } : {}),
    ...(a.gitOps.length ? { git: a.gitOps } : {}),
    ...(a.githubOps.length ? { github: a.githubOps } : {}),
    ...(a.mcp ? { mcp: a.mcp } : {}),
  };
}

async function test(o: Options, io: CliIO): Promise<number> {
  const s = await setup(o, io);
  if (!s.policy.ok) {
    for (const e of s.policy.errors) io.stderr.write(`belay: ${e.path}: ${e.message}\n`);
    throw new CliError('the policy is invalid; fix it before testing its examples', 1);
  }
  const examples = s.policy.doc.examples;
  if (examples.length === 0) {
    io.stdout.write('no examples in belay.policy.examples\n');
    return 0;
  }
  let failed = 0;
  // examples run one by one, each in a fresh session
  const results: { label: string; ok: boolean; line: string }[] = [];
  for (let i = 0; i < examples.length; i++) {
    const ex = examples[i]!;
    const label = ex.name ?? `examples[${i}]`;
    const exNow = ex.now !== undefined ? new Date(ex.now) : s.now();
    if (Number.isNaN(exNow.getTime())) {
      results.push({ label, ok: false, line: `FAIL ${label}: now is not a date (${ex.now})` });
      continue;
    }
    const sess = await session({ ...s, now: () => exNow, ...(ex.branch !== undefined ? { branch: ex.branch } : {}) }, { ...o, ...(ex.action.agent ? { agent: ex.action.agent } : {}) });
    try {
      const r = sess.check({ tool: ex.action.tool, input: ex.action.input });
      const d = r.decision;
      const got = d ? d.evaluated : 'allow';
      const ok = got === ex.expect;
      results.push({ label, ok, line: `${ok ? 'ok  ' : 'FAIL'} ${label}: expected ${ex.expect}, got ${got}${d ? ` (${d.rule}: ${d.reason})` : ''}` });
    } catch (err) {
      results.push({ label, ok: false, line: `FAIL ${label}: ${oneLine(err)}` });
    }
  }
  for (const r of results) {
    if (!r.ok) failed++;
    io.stdout.write(r.line + '\n');
  }
  io.stdout.write(`${results.length - failed} of ${results.length} examples pass\n`);
  return failed > 0 ? 1 : 0;
}

async function explain(o: Options, io: CliIO): Promise<number> {
  const s = await setup(o, io);
  const text = o.rest.length > 0 ? o.rest.join(' ') : await readAll(io.stdin);
  if (text.trim() === '') throw new CliError('explain needs one action: a JSON document as argument or on stdin', 2);
  let doc: unknown;
  try {
    doc = JSON.parse(text) as unknown;
  } catch (err) {
    throw new CliError(`invalid JSON: ${oneLine(err)}`, 2);
  }
  const sess = await session(s, o);
  let r: SessionResult;
  try {
    r = sess.check(doc);
  } catch (err) {
    throw new CliError(oneLine(err), 2);
  }
  if (!r.decision || !r.action) {
    io.stdout.write(`${r.envelope.event}: not a tool call; nothing to decide\n`);
    return 0;
  }
  const d = r.decision;
  const a = r.action;
  if (o.json) {
    writeJson(io.stdout, { decision: d, action: summarise(a), policy: { ok: s.policy.ok, hash: s.policy.hash, errors: s.policy.errors } }, true);
    return 0;
  }
  const out: string[] = [];
  out.push(`decision: ${d.decision}${d.decision !== d.evaluated ? ` (rules said ${d.evaluated}; mode ${d.mode})` : ''}`);
  out.push(`rule:     ${d.rule}`);
  out.push(`reason:   ${d.reason}`);
  out.push(`policy:   ${s.policy.ok ? 'valid' : 'INVALID (failing closed)'} ${s.policy.hash.slice(0, 12)}`);
  out.push('');
  out.push(`action:   ${a.kind} via ${a.tool} (${a.dialect}), cwd ${a.cwd}`);
  if (a.shell) {
    out.push('commands:');
    for (const c of a.shell.commands) out.push(`  - ${[c.name, ...c.args].join(' ')}${c.via.length ? `   [via ${c.via.join(' > ')}]` : ''}`);
    for (const sg of a.shell.signals) out.push(`  ! ${sg.code}: ${sg.detail ?? sg.fragment}`);
  }
  if (a.reads.length) out.push(`reads:    ${a.reads.join(', ')}`);
  if (a.writes.length) out.push(`writes:   ${a.writes.join(', ')}`);
  if (a.deleteOps.length) out.push(`deletes:  ${a.deleteOps.map((x) => `${x.path}${x.recursive ? ' (recursive)' : ''}`).join(', ')}`);
  if (a.urls.length) out.push(`urls:     ${a.urls.join(', ')}`);
  if (a.mcp) out.push(`mcp:      ${a.mcp.server}.${a.mcp.tool}`);
  out.push('');
  if (d.matches.length === 0) out.push('no rule matched: allowed by default');
  else {
    out.push('matched rules (most restrictive wins):');
    for (const m of d.matches) out.push(`  ${m.effect.padEnd(5)} ${m.rule}${m.pack ? ` [${m.pack}]` : ''}: ${m.reason}${m.fragment !== undefined ? `\n        at: ${m.fragment}` : ''}`);
  }
  if (d.lifted?.length) {
    out.push('lifted by allow rules (overrides):');
    for (const m of d.lifted) out.push(`  ${m.effect.padEnd(5)} ${m.rule}: ${m.reason}`);
  }
  io.stdout.write(out.join('\n') + '\n');
  return 0;
}

export async function run(argv: string[], io: CliIO): Promise<number> {
  let o: Options;
  try {
    o = parseOptions(argv);
  } catch (err) {
    if (err instanceof CliError && err.exitCode === 0) {
      io.stdout.write(err.message + '\n');
      return 0;
    }
    throw err;
  }
  switch (o.sub) {
    case 'check':
      return check(o, io);
    case 'test':
      return test(o, io);
    default:
      return explain(o, io);
  }
}
