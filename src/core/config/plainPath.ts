/**
 * Path text that `path.resolve` would give back as it is, told without
 * node:path or a regex: a hook process's first call into node:path costs it
 * a few tenths of a millisecond, and the launcher's common path loads this
 * module (no imports). The policy engine uses the same test on every path it
 * resolves.
 */

/**
 * No empty segment, `.` or `..`, nor a trailing slash (so not `/` alone):
 * text `path.posix.resolve` leaves as it is when it is absolute. One scan of
 * the slashes.
 */
export function isNormalPath(p: string): boolean {
  const n = p.length;
  for (let i = p.indexOf('/'); i >= 0; i = p.indexOf('/', i + 1)) {
    if (i + 1 === n) return false;
    const c1 = p.charCodeAt(i + 1);
    if (c1 === 47) return false;
    if (c1 !== 46) continue;
    if (i + 2 === n) return false;
    const c2 = p.charCodeAt(i + 2);
    if (c2 === 47) return false;
    if (c2 === 46 && (i + 3 === n || p.charCodeAt(i + 3) === 47)) return false;
  }
  return true;
}

/** An absolute POSIX path `path.resolve` returns as it is (`/` included), so names can be joined to it with a `/`. */
export function plainAbsolute(p: string): boolean {
  return process.platform !== 'win32' && p.charCodeAt(0) === 47 && (p.length === 1 || isNormalPath(p));
}

/**
 * Belay's state directory (`BELAY_HOME`, else `~/.belay`) when it can be
 * named without node:path: given as a plain absolute path. Undefined
 * otherwise (belayHome then resolves it).
 */
export function plainStateDir(env: NodeJS.ProcessEnv): string | undefined {
  const fromEnv = env.BELAY_HOME;
  if (fromEnv && fromEnv.trim() !== '') return plainAbsolute(fromEnv) ? fromEnv : undefined;
  const home = env.HOME;
  return home && home.trim() !== '' && plainAbsolute(home) ? `${home === '/' ? '' : home}/.belay` : undefined;
}
