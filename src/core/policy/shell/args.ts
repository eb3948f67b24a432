import type { ArgWord } from './expand.ts';
import { own } from '../own.ts';

/**
 * Option parsing for the commands the policy understands, and the flag
 * normalisation command patterns use (`rm -r -f`, `rm -fr` and
 * `rm --recursive --force` are one command).
 */

export interface ArgSpec {
  /** options that take a value: short letters ('n') and long names ('--lines') */
  values?: readonly string[];
  /** every positional after the first one is also a positional even if it starts with '-' */
  stopAtFirstPositional?: boolean;
  /** single-dash long options (find -name, java -jar): never split into letters */
  singleDashLong?: boolean;
}

export interface ParsedArgs {
  /** flag -> value (true when it takes none); long flags keep their `--` */
  flags: Map<string, string | true>;
  /** flags in order, with values, for repeated options (-e a -e b) */
  list: { flag: string; value: string | true; word?: ArgWord }[];
  positionals: ArgWord[];
}

/**
 * Specs are mostly object literals written at the call, a new object every
 * time: the compiled sets are kept by the text of their option list.
 */
type CompiledSpec = { short: Set<string>; long: Set<string> };

/** by the first option of the list; each bucket holds the lists seen with it (compared element by element, no key to build) */
const cache = new Map<string, { values: readonly string[]; compiled: CompiledSpec }[]>();
let cached = 0;
const NONE: CompiledSpec = { short: new Set<string>(), long: new Set<string>() };

function sameList(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function compiled(spec: ArgSpec): CompiledSpec {
  const values = spec.values;
  if (!values || values.length === 0) return NONE;
  const bucket = cache.get(values[0]!);
  if (bucket) for (const e of bucket) if (sameList(e.values, values)) return e.compiled;
  const short = new Set<string>();
  const long = new Set<string>();
  for (const v of values) (v.startsWith('--') ? long : short).add(v.startsWith('--') ? v : v.replace(/^-/, ''));
  const c = { short, long };
  if (cached >= 1024) {
    cache.clear();
    cached = 0;
  }
  const entry = { values: [...values], compiled: c };
  const list = cache.get(values[0]!);
  if (list) list.push(entry);
  else cache.set(values[0]!, [entry]);
  cached++;
  return c;
}

export function parseArgs(args: readonly ArgWord[], spec: ArgSpec = {}): ParsedArgs {
  const { short, long } = compiled(spec);
  const flags = new Map<string, string | true>();
  const list: ParsedArgs['list'] = [];
  const positionals: ArgWord[] = [];
  let onlyPositionals = false;
  const set = (flag: string, value: string | true, word?: ArgWord): void => {
    flags.set(flag, value);
    const e: ParsedArgs['list'][number] = { flag, value };
    if (word) e.word = word;
    list.push(e);
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const v = a.v;
    if (onlyPositionals || v === '-' || !v.startsWith('-') || v.length === 1) {
      positionals.push(a);
      if (spec.stopAtFirstPositional) onlyPositionals = true;
      continue;
    }
    if (v === '--') {
      onlyPositionals = true;
      continue;
    }
    if (v.startsWith('--')) {
      const eq = v.indexOf('=');
      if (eq > 0) {
        set(v.slice(0, eq), v.slice(eq + 1), a);
      } else if (long.has(v) && i + 1 < args.length) {
        set(v, args[i + 1]!.v, args[i + 1]);
        i++;
      } else set(v, true);
      continue;
    }
    if (spec.singleDashLong) {
      const name = v;
      if (short.has(name.slice(1)) && i + 1 < args.length) {
        set(name, args[i + 1]!.v, args[i + 1]);
        i++;
      } else set(name, true);
      continue;
    }
    // clustered short flags: -rf, -n5, -o file
    for (let k = 1; k < v.length; k++) {
      const letter = v[k]!;
      if (short.has(letter)) {
        const rest = v.slice(k + 1);
        if (rest !== '') set('-' + letter, rest.startsWith('=') ? rest.slice(1) : rest, a);
        else if (i + 1 < args.length) {
          set('-' + letter, args[i + 1]!.v, args[i + 1]);
          i++;
        } else set('-' + letter, true);
        break;
      }
      set('-' + letter, true);
    }
  }
  return { flags, list, positionals };
}

export function has(p: ParsedArgs, ...names: string[]): boolean {
  for (const n of names) if (p.flags.has(n)) return true;
  return false;
}

export function value(p: ParsedArgs, ...names: string[]): string | undefined {
  for (const n of names) {
    const v = p.flags.get(n);
    if (typeof v === 'string') return v;
  }
  return undefined;
}

export function values(p: ParsedArgs, ...names: string[]): string[] {
  const out: string[] = [];
  for (const e of p.list) if (names.includes(e.flag) && typeof e.value === 'string') out.push(e.value);
  return out;
}

/** Long option spellings that mean a short flag, per command, for pattern matching. */
const FLAG_ALIASES: Record<string, Record<string, string>> = {
  rm: { '--recursive': '-r', '-R': '-r', '--force': '-f', '--interactive': '-i', '--dir': '-d', '--verbose': '-v' },
  cp: { '--recursive': '-r', '-R': '-r', '--force': '-f', '--archive': '-a' },
  mv: { '--force': '-f', '--no-clobber': '-n', '--target-directory': '-t' },
  chmod: { '--recursive': '-R', '-r': '-R' },
  chown: { '--recursive': '-R' },
  chgrp: { '--recursive': '-R' },
  ln: { '--symbolic': '-s', '--force': '-f' },
  git: { '--force': '-f', '--delete': '-d', '--dry-run': '-n', '--quiet': '-q', '--all': '-a', '--message': '-m', '--verbose': '-v' },
  curl: { '--data': '-d', '--form': '-F', '--upload-file': '-T', '--output': '-o', '--remote-name': '-O', '--request': '-X', '--header': '-H', '--location': '-L', '--silent': '-s', '--fail': '-f', '--insecure': '-k' },
  wget: { '--output-document': '-O', '--quiet': '-q' },
  sed: { '--in-place': '-i', '--expression': '-e', '--quiet': '-n', '--silent': '-n' },
  grep: { '--recursive': '-r', '--ignore-case': '-i', '--extended-regexp': '-E' },
  find: {},
  kubectl: { '--filename': '-f', '--namespace': '-n' },
  npm: { '--global': '-g', '--save-dev': '-D' },
};

/**
 * Tokens of a command for pattern matching: clustered short flags split,
 * known long spellings mapped to their short form, `--opt=value` kept whole.
 */
export function canonicalTokens(name: string, args: readonly string[]): string[] {
  const aliases = own(FLAG_ALIASES, name) ?? {};
  const sub = name === 'git' ? FLAG_ALIASES.git! : undefined;
  const out: string[] = [];
  let end = false;
  for (const a of args) {
    if (end || a === '-' || !a.startsWith('-') || a.length === 1) {
      out.push(a);
      continue;
    }
    if (a === '--') {
      end = true;
      out.push(a);
      continue;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const flag = eq > 0 ? a.slice(0, eq) : a;
      const mapped = aliases[flag] ?? sub?.[flag];
      out.push(mapped ? (eq > 0 ? mapped + a.slice(eq) : mapped) : a);
      continue;
    }
    if (/^-[A-Za-z]+$/.test(a)) {
      for (const letter of a.slice(1)) {
        const f = '-' + letter;
        out.push(aliases[f] ?? f);
      }
      continue;
    }
    out.push(aliases[a] ?? a);
  }
  return out;
}
