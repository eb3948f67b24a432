// Preloaded into code-server (`node --require`) by codeServer.ts. When the
// test process that started code-server dies without stopping it (a killed or
// crashed run), this takes the whole code-server process group down with it,
// so no server, extension host or agent host outlives the run.
'use strict';

const parent = Number(process.env.BELAY_HARNESS_PARENT_PID);
// Only the top code-server process watches; its children must not inherit it.
delete process.env.BELAY_HARNESS_PARENT_PID;

if (parent > 0) {
  const timer = setInterval(() => {
    try {
      process.kill(parent, 0);
    } catch (error) {
      if (error && error.code === 'ESRCH') {
        try {
          process.kill(0, 'SIGKILL'); // 0: this process's own group
        } catch {
          process.exit(1);
        }
      }
    }
  }, 1000);
  timer.unref();
}
