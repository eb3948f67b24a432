import fs from 'node:fs';
import path from 'node:path';

/**
 * What full-scan checkpoints leave out, on top of the workspace's own
 * `.gitignore` files: dependency and build folders, caches, LFS-managed
 * files. These rules apply to files the store does not track yet; a file the
 * user's repository tracks, or that an action touched, stays captured.
 * Patterns use gitignore syntax; a caller's `!pattern` re-includes.
 */
export const DEFAULT_EXCLUDES: readonly string[] = [
  // dependencies
  'node_modules/',
  'bower_components/',
  'jspm_packages/',
  '.pnpm-store/',
  '.yarn/cache/',
  '.yarn/unplugged/',
  '.venv/',
  'venv/',
  '__pycache__/',
  '*.py[cod]',
  '.tox/',
  '.nox/',
  '.eggs/',
  '*.egg-info/',
  '.mypy_cache/',
  '.pytest_cache/',
  '.ruff_cache/',
  '.gradle/',
  '.m2/repository/',
  'Pods/',
  'Carthage/Build/',
  'vendor/bundle/',
  '.bundle/',
  '.terraform/',
  // build output
  'dist/',
  'build/',
  'out/',
  'target/',
  '.next/',
  '.nuxt/',
  '.svelte-kit/',
  '.turbo/',
  '.parcel-cache/',
  '.angular/cache/',
  'DerivedData/',
  'coverage/',
  '.nyc_output/',
  '*.o',
  '*.obj',
  '*.class',
  '*.pyo',
  // caches and OS noise
  '.cache/',
  '.eslintcache',
  '.DS_Store',
  'Thumbs.db',
  '*.swp',
  '*.tmp',
];

/** Default size above which a file found by a full scan is not captured (explicitly touched files always are). */
export const DEFAULT_MAX_FILE_SIZE = 10 * 1024 * 1024;

/** Patterns of `filter=lfs` lines in a .gitattributes text, rewritten relative to the workspace. */
export function lfsPatterns(attributesText: string, dirPrefix = ''): string[] {
  const out: string[] = [];
  for (const raw of attributesText.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const parts = line.split(/\s+/);
    const pattern = parts[0];
    if (!pattern || !parts.slice(1).some((a) => a === 'filter=lfs')) continue;
    if (dirPrefix === '') out.push(pattern);
    else if (pattern.includes('/')) out.push(`/${dirPrefix}/${pattern.replace(/^\//, '')}`);
    else out.push(`/${dirPrefix}/**/${pattern}`);
  }
  return out;
}

export interface ExcludeInputs {
  workspace: string;
  storeDir: string;
  extra: string[];
  /** the user's repository git dir, for its info/exclude */
  userGitDir?: string;
  /** workspace-relative dirs holding .gitattributes files to read for LFS patterns */
  attributeDirs?: string[];
}

/** The store's info/exclude text: defaults, LFS patterns, the user's info/exclude, then the caller's patterns. */
export function buildExcludeFile(inputs: ExcludeInputs): string {
  const lines = ['# written by Belay: what full-scan checkpoints leave out', ...DEFAULT_EXCLUDES];
  const dirs = new Set(['', ...(inputs.attributeDirs ?? [])]);
  const lfs: string[] = [];
  for (const dir of dirs) {
    try {
      lfs.push(...lfsPatterns(fs.readFileSync(path.join(inputs.workspace, dir, '.gitattributes'), 'utf8'), dir));
    } catch {
      /* no attributes there */
    }
  }
  if (lfs.length > 0) lines.push('# Git LFS', ...lfs);
  if (inputs.userGitDir) {
    try {
      const text = fs.readFileSync(path.join(inputs.userGitDir, 'info', 'exclude'), 'utf8');
      lines.push("# the repository's info/exclude", ...text.split(/\r?\n/).filter((l) => l.trim() !== '' && !l.startsWith('#')));
    } catch {
      /* none */
    }
  }
  const relStore = path.relative(inputs.workspace, inputs.storeDir);
  if (relStore !== '' && !relStore.startsWith('..') && !path.isAbsolute(relStore)) {
    lines.push('# the checkpoint store itself', `/${relStore.split(path.sep).join('/')}/`);
  }
  if (inputs.extra.length > 0) lines.push('# workspace settings', ...inputs.extra);
  return lines.join('\n') + '\n';
}

/**
 * Attributes that keep checkpoints byte-exact: no end-of-line conversion,
 * clean/smudge filters (LFS), ident expansion or re-encoding, whatever the
 * workspace's .gitattributes say. Diffs still detect binary files.
 */
export const STORE_ATTRIBUTES = '* -text -eol -crlf -filter -ident -working-tree-encoding\n';
