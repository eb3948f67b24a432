/**
 * Crash points for the crash-consistency tests: when BELAY_CHECKPOINT_FAILPOINT
 * names a point, the process kills itself there with SIGKILL (no cleanup, no
 * finally blocks), exactly like a user killing the editor or a hook timeout.
 * Unset in normal use, where each call is one environment lookup.
 */
export function failpoint(name: string): void {
  if (process.env.BELAY_CHECKPOINT_FAILPOINT === name) process.kill(process.pid, 'SIGKILL');
}

const tracing = process.env.BELAY_CHECKPOINT_TRACE === '1';
let last = performance.now();
let lastCpu = tracing ? process.cpuUsage() : undefined;

/**
 * Phase timings on stderr when BELAY_CHECKPOINT_TRACE=1 (for finding where a
 * slow checkpoint spends its time): wall time, and the CPU time this process
 * used meanwhile (user + system, all threads; git's own processes are not in it).
 */
export function trace(label: string): void {
  if (!tracing) return;
  const now = performance.now();
  const cpu = process.cpuUsage(lastCpu);
  process.stderr.write(`[belay checkpoints] ${label} +${(now - last).toFixed(1)} ms (cpu ${(cpu.user / 1000).toFixed(1)} + ${(cpu.system / 1000).toFixed(1)} ms)\n`);
  last = now;
  lastCpu = process.cpuUsage();
}
