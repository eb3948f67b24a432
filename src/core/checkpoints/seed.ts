import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseIndex, serializeIndex, type IndexEntry } from './indexFile.ts';

/**
 * Seeding a new store from the user's own git repository, read-only: the
 * store borrows the repository's objects (read-only alternates, given only to
 * git commands that read) and copies the stat data of its index, so the first
 * checkpoint of a git-tracked workspace neither re-reads nor re-hashes files
 * git already knows.
 *
 * Nothing is written to the user's repository; the only git command run
 * there is `git check-attr` (when .gitattributes exist), which reads.
 */

export interface UserRepo {
  /** top of the user's working tree */
  root: string;
  /** its git dir (a worktree's own dir for linked worktrees) */
  gitDir: string;
  /** the shared git dir holding objects and config */
  commonDir: string;
  /** workspace path relative to root ('' when the workspace is the root) */
  prefix: string;
}

/** Finds the git repository the workspace is in (walking up), without running git. */
export function findUserRepo(workspace: string): UserRepo | undefined {
  let dir = workspace;
  for (;;) {
    const dotGit = path.join(dir, '.git');
    let st: fs.Stats | undefined;
    try {
      st = fs.statSync(dotGit);
    } catch {
      st = undefined;
    }
    if (st) {
      let gitDir: string | undefined;
      if (st.isDirectory()) gitDir = dotGit;
      else if (st.isFile()) {
        const m = /^gitdir:\s*(.+?)\s*$/m.exec(fs.readFileSync(dotGit, 'utf8'));
        if (m?.[1]) gitDir = path.resolve(dir, m[1]);
      }
      if (gitDir && fs.existsSync(path.join(gitDir, 'HEAD'))) {
        let commonDir = gitDir;
        try {
          commonDir = path.resolve(gitDir, fs.readFileSync(path.join(gitDir, 'commondir'), 'utf8').trim());
        } catch {
          /* not a linked worktree */
        }
        const prefix = path.relative(dir, workspace).split(path.sep).join('/');
        return { root: dir, gitDir, commonDir, prefix };
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

function readUserConfig(repo: UserRepo): string {
  try {
    return fs.readFileSync(path.join(repo.commonDir, 'config'), 'utf8');
  } catch {
    return '';
  }
}

/** A clean environment for read-only git commands in the user's repository. */
function userEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.toUpperCase().startsWith('GIT_')) env[k] = v;
  env.GIT_OPTIONAL_LOCKS = '0';
  env.GIT_TERMINAL_PROMPT = '0';
  env.LC_ALL = 'C';
  return env;
}

function runUserGit(repo: UserRepo, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, { cwd: repo.root, env: userEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', () => {});
    child.stdin.on('error', () => {});
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(Buffer.concat(out).toString('utf8')) : reject(new Error(`git ${args[0]} exited ${code}`))));
    child.stdin.end(input ?? '');
  });
}

/**
 * Paths whose index blob may differ from the bytes on disk (filters such as
 * LFS, ident, re-encoding, CRLF checkout): their stat data must not be reused.
 * Returns undefined when the whole repository is unsafe to seed from.
 */
async function convertedPaths(repo: UserRepo, paths: string[]): Promise<Set<string> | undefined> {
  const config = readUserConfig(repo);
  let autocrlf: string | undefined;
  try {
    autocrlf = (await runUserGit(repo, ['config', '--get', 'core.autocrlf'])).trim().toLowerCase();
  } catch {
    autocrlf = undefined;
  }
  if (autocrlf === 'true') return undefined;
  const hasAttributes =
    paths.some((p) => p === '.gitattributes' || p.endsWith('/.gitattributes')) ||
    fs.existsSync(path.join(repo.commonDir, 'info', 'attributes')) ||
    /attributesfile/i.test(config);
  const out = new Set<string>();
  if (!hasAttributes || paths.length === 0) return out;
  let text: string;
  try {
    text = await runUserGit(repo, ['check-attr', '-z', '--stdin', 'filter', 'ident', 'working-tree-encoding', 'eol', 'crlf'], paths.join('\0') + '\0');
  } catch {
    return undefined;
  }
  const f = text.split('\0');
  for (let i = 0; i + 2 < f.length; i += 3) {
    const [p, attr, value] = [f[i]!, f[i + 1]!, f[i + 2]!];
    if (value === 'unspecified' || value === 'unset') continue;
    if (attr === 'eol' && value !== 'crlf') continue;
    if (attr === 'crlf' && value !== 'set') continue;
    out.add(p);
  }
  return out;
}

export interface SeedResult {
  seeded: number;
  skipped: number;
  reason?: string;
}

/**
 * Writes the store's index from the user's index: merged, present, plain
 * entries under the workspace, with their stat data. The new index keeps the
 * user's index mtime, so entries git would call "racily clean" are re-checked
 * by content rather than trusted.
 */
export async function seedIndex(repo: UserRepo, indexFile: string): Promise<SeedResult> {
  const config = readUserConfig(repo);
  if (/objectformat\s*=\s*sha256/i.test(config)) return { seeded: 0, skipped: 0, reason: 'sha256 repository' };
  const userIndex = path.join(repo.gitDir, 'index');
  let raw: Buffer;
  let mtime: Date;
  try {
    raw = fs.readFileSync(userIndex);
    mtime = fs.statSync(userIndex).mtime;
  } catch {
    return { seeded: 0, skipped: 0, reason: 'no index' };
  }
  let parsed;
  try {
    parsed = parseIndex(raw);
  } catch (err) {
    return { seeded: 0, skipped: 0, reason: `unreadable index: ${(err as Error).message}` };
  }
  if (parsed.extensions.includes('link')) return { seeded: 0, skipped: parsed.entries.length, reason: 'split index' };
  const prefix = repo.prefix === '' ? '' : repo.prefix + '/';
  const candidates: IndexEntry[] = [];
  let skipped = 0;
  for (const e of parsed.entries) {
    const type = e.mode & 0o170000;
    const plain = type === 0o100000 || type === 0o120000;
    if (e.stage !== 0 || e.skipWorktree || e.intentToAdd || e.assumeValid || !plain || !e.path.startsWith(prefix)) {
      skipped++;
      continue;
    }
    candidates.push({ ...e, path: e.path.slice(prefix.length) });
  }
  const converted = await convertedPaths(
    repo,
    candidates.map((e) => prefix + e.path),
  );
  if (!converted) return { seeded: 0, skipped: parsed.entries.length, reason: 'line-ending conversion (core.autocrlf) or unreadable attributes' };
  const kept = candidates.filter((e) => !converted.has(prefix + e.path));
  skipped += candidates.length - kept.length;
  const tmp = `${indexFile}.seed-${process.pid}`;
  // Nothing left out: the user's index can be used as it is (its own
  // version and extensions; git drops what does not apply to the store).
  const asIs = kept.length === parsed.entries.length && prefix === '';
  fs.writeFileSync(tmp, asIs ? raw : serializeIndex(kept));
  // Same mtime as the user's index: git then treats exactly the entries it
  // would itself call racily clean (modified within the index's timestamp
  // granularity) as dirty and re-reads them.
  fs.utimesSync(tmp, mtime, mtime);
  fs.renameSync(tmp, indexFile);
  return { seeded: kept.length, skipped };
}

/** The user's object directory, to borrow objects from. */
export function userObjectsDir(repo: UserRepo): string | undefined {
  const dir = path.join(repo.commonDir, 'objects');
  return fs.existsSync(dir) ? dir : undefined;
}
