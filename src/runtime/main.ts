import module from 'node:module';
import { start } from './start.ts';

// Entry of the `belay` CLI when run from the sources. The shipped CLI is
// dist/belay.js (src/runtime/launcher.ts), which hands hook calls to the warm
// hook server and loads the bundled CLI (start.ts) for everything else.
module.enableCompileCache?.();
start(process.argv.slice(2));
