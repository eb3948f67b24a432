/**
 * Crash points for the crash-consistency tests: when BELAY_CHECKPOINT_FAILPOINT
 * names a point, the process kills itself there with SIGKILL (no cleanup, no
 * finally blocks), exactly like a user killing the editor or a hook timeout.
 * Unset in normal use, where each call is one environment lookup.
 */
export function failpoint(name: string): void {
  if (process.env.BELAY_CHECKPOINT_FAILPOINT === name) process.kill(process.pid, 'SIGKILL');
}
