// Builds the three bundles Belay ships, into dist/:
//   extension.js  the VS Code extension (CommonJS, `vscode` external)
//   belay.js      the `belay` CLI and hook command (CommonJS, one file)
//   webview/      the Timeline webview (browser ESM) and its CSS
// and copies the runtime assets the bundles load from disk: the tree-sitter
// WASM files and better-sqlite3's N-API binaries (one per platform, loaded
// through `nativeBinding`). Type-checking is separate: `npm run typecheck`.
import * as esbuild from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const root = path.dirname(new URL(import.meta.url).pathname);
const dist = path.join(root, 'dist');
const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));

const nodeCommon = {
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'cjs',
  sourcemap: production ? false : 'linked',
  minify: production,
  legalComments: 'none',
  logLevel: 'warning',
  // The sources are ES modules that read import.meta.url; in a CommonJS
  // bundle it is the bundle's own file URL.
  banner: { js: "const __belay_import_meta_url = require('url').pathToFileURL(__filename).href;" },
  define: {
    'import.meta.url': '__belay_import_meta_url',
    __BELAY_BUNDLED__: 'true',
    'process.env.BELAY_VERSION': JSON.stringify(pkg.version),
  },
  // jsonc-parser's UMD "main" build requires its modules dynamically, which a
  // bundle cannot resolve; its ESM build bundles cleanly.
  mainFields: ['module', 'main'],
  // better-sqlite3 loads its binary from the path we pass (nativeBinding).
  external: ['vscode'],
};

function copyAssets() {
  fs.mkdirSync(path.join(dist, 'native'), { recursive: true });
  for (const spec of ['web-tree-sitter/tree-sitter.wasm', 'tree-sitter-bash/tree-sitter-bash.wasm']) {
    fs.copyFileSync(require.resolve(spec), path.join(dist, path.basename(spec)));
  }
  const prebuilds = path.join(path.dirname(require.resolve('better-sqlite3/package.json')), 'prebuilds');
  for (const file of fs.readdirSync(prebuilds)) {
    if (file.endsWith('.node')) fs.copyFileSync(path.join(prebuilds, file), path.join(dist, 'native', `better-sqlite3-${file}`));
  }
  const codicons = path.dirname(require.resolve('@vscode/codicons/package.json'));
  fs.mkdirSync(path.join(dist, 'webview'), { recursive: true });
  for (const file of ['codicon.css', 'codicon.ttf']) {
    fs.copyFileSync(path.join(codicons, 'dist', file), path.join(dist, 'webview', file));
  }
}

// dist/belay.js is a tiny launcher: it turns on Node's compile cache before
// loading the one-file CLI, so every later hook process skips compiling it.
function writeLauncher() {
  const file = path.join(dist, 'belay.js');
  fs.writeFileSync(
    file,
    [
      '#!/usr/bin/env node',
      "'use strict';",
      '// The belay CLI. Enables the compile cache, then loads the bundle.',
      "try { require('node:module').enableCompileCache?.(); } catch {}",
      "require('./belay-cli.js');",
      '',
    ].join('\n'),
  );
  fs.chmodSync(file, 0o755);
}

const builds = [
  { ...nodeCommon, entryPoints: { extension: 'src/extension.ts' }, outdir: dist },
  {
    ...nodeCommon,
    entryPoints: { 'belay-cli': 'src/runtime/main.ts' },
    outdir: dist,
  },
  {
    bundle: true,
    platform: 'browser',
    target: 'es2022',
    format: 'esm',
    sourcemap: production ? false : 'linked',
    minify: production,
    legalComments: 'none',
    logLevel: 'warning',
    entryPoints: { main: 'webview/main.ts', timeline: 'webview/timeline.css' },
    outdir: path.join(dist, 'webview'),
  },
];

fs.rmSync(dist, { recursive: true, force: true });
copyAssets();
if (watch) {
  const contexts = await Promise.all(builds.map((b) => esbuild.context(b)));
  await Promise.all(contexts.map((c) => c.watch()));
  writeLauncher();
  console.log('[belay] watching for changes');
} else {
  const started = Date.now();
  await Promise.all(builds.map((b) => esbuild.build(b)));
  writeLauncher();
  console.log(`[belay] built dist/ in ${Date.now() - started} ms`);
}
