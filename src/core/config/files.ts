import { statSync } from 'node:fs';

/**
 * Whether nothing is at `file`. For files read on every hook call that
 * usually do not exist (the kill switch, workspace settings, a store's
 * journal and pending paths): a read that fails throws, which cost a hook
 * call several times this stat that cannot throw. Any other answer (a file,
 * or an error such as EACCES) is false, and left to the read that follows.
 */
export function absent(file: string): boolean {
  try {
    return statSync(file, { throwIfNoEntry: false }) === undefined;
  } catch {
    return false;
  }
}
