import fs from 'node:fs';
import path from 'node:path';
import { belayHome } from '../core/config/paths.ts';

/**
 * The agent plugin's hook command (plugin/hooks/belay-hook.sh) runs the
 * bundled CLI with the extension host's own runtime — the one that already
 * loads Belay's native SQLite binary (Node in code-server, Electron in desktop
 * VS Code). Hook processes inherit the extension host's environment, so the
 * runtime is exported as BELAY_NODE; it is also recorded under BELAY_HOME for
 * hooks that start before the extension activates. Returns the recorded file.
 */
export function publishHookRuntime(env: NodeJS.ProcessEnv = process.env): string {
  env.BELAY_NODE = process.execPath;
  const home = belayHome(env);
  fs.mkdirSync(home, { recursive: true, mode: 0o700 });
  const file = path.join(home, 'runtime');
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, process.execPath + '\n', { mode: 0o600 });
  fs.renameSync(tmp, file);
  return file;
}
