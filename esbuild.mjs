// Builds the bundles Belay ships, into dist/:
//   extension.js  the VS Code extension (CommonJS, `vscode` external)
//   belay.js      the `belay` command: a small launcher that hands hook calls
//                 to the warm hook server and loads belay-cli.js otherwise
//   belay-hook.js the launcher's general path (no server yet, another build, …)
//   belay-cli.js  the whole CLI in one file (CommonJS)
//   webview/      the Timeline webview (browser ESM) and its CSS
// and copies the runtime assets the bundles load from disk: the tree-sitter
// WASM files and better-sqlite3's N-API binaries (one per platform, loaded
// through `nativeBinding`). Type-checking is separate: `npm run typecheck`.
import * as esbuild from 'esbuild';
import crypto from 'node:crypto';
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
    // One id per build: a hook process only hands its call to a hook server
    // of the very same build.
    __BELAY_BUILD__: JSON.stringify(`${pkg.version}+${crypto.randomUUID()}`),
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
  // Node looks for the nearest package.json to learn a .js file's module
  // type; without this one it reads the extension's own manifest (35 KB) on
  // every hook call. The bundles are CommonJS.
  fs.writeFileSync(path.join(dist, 'package.json'), '{ "type": "commonjs" }\n');
}

const builds = [
  { ...nodeCommon, entryPoints: { extension: 'src/extension.ts' }, outdir: dist },
  // the full CLI: exports start(), loaded by the launcher
  { ...nodeCommon, entryPoints: { 'belay-cli': 'src/runtime/start.ts' }, outdir: dist },
  // dist/belay.js, the `belay` command: a small launcher that starts fast and
  // hands hook calls to the warm hook server (src/runtime/launcher.ts)
  {
    ...nodeCommon,
    entryPoints: { belay: 'src/runtime/launcher.ts' },
    outdir: dist,
    // minified (with its source map): every hook call parses this file, and
    // the smaller text measured about 1 ms less per call
    minify: true,
    banner: { js: '#!/usr/bin/env node' },
    define: { ...nodeCommon.define, 'import.meta.url': 'undefined' },
  },
  // dist/belay-hook.js: the launcher's general path, loaded only when the
  // common path does not apply (src/runtime/launcherGeneral.ts)
  {
    ...nodeCommon,
    entryPoints: { 'belay-hook': 'src/runtime/launcherGeneral.ts' },
    outdir: dist,
    minify: true,
    banner: {},
    define: { ...nodeCommon.define, 'import.meta.url': 'undefined' },
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
  await Promise.all(contexts.map((c) => c.rebuild()));
  fs.chmodSync(path.join(dist, 'belay.js'), 0o755);
  await Promise.all(contexts.map((c) => c.watch()));
  console.log('[belay] watching for changes');
} else {
  const started = Date.now();
  await Promise.all(builds.map((b) => esbuild.build(b)));
  fs.chmodSync(path.join(dist, 'belay.js'), 0o755);
  console.log(`[belay] built dist/ in ${Date.now() - started} ms`);
}
