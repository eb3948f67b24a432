import fs from 'node:fs';
import path from 'node:path';

/**
 * The branch checked out in a workspace's git repository, read from
 * `.git/HEAD` without spawning git (hooks must answer fast). Follows
 * `gitdir:` files (worktrees, submodules). Undefined when detached or not a
 * repository.
 */
export function readCurrentBranch(workspace: string): string | undefined {
  let dir = path.resolve(workspace);
  for (;;) {
    const dotGit = path.join(dir, '.git');
    let gitDir: string | undefined;
    try {
      const stat = fs.statSync(dotGit);
      if (stat.isDirectory()) gitDir = dotGit;
      else {
        const m = /^gitdir:\s*(.+)\s*$/m.exec(fs.readFileSync(dotGit, 'utf8'));
        if (m?.[1]) gitDir = path.resolve(dir, m[1].trim());
      }
    } catch {
      // not here; look further up
    }
    if (gitDir) {
      try {
        const head = fs.readFileSync(path.join(gitDir, 'HEAD'), 'utf8').trim();
        const m = /^ref:\s*refs\/heads\/(.+)$/.exec(head);
        return m?.[1];
      } catch {
        return undefined;
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}
