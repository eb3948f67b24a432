import { createRequire } from 'node:module';
import path from 'node:path';

/**
 * Set to `true` by esbuild (`define`) in the bundles under `dist/`; absent
 * when the sources run directly on Node (tests, benchmarks).
 */
declare const __BELAY_BUNDLED__: boolean | undefined;

export function isBundled(): boolean {
  return typeof __BELAY_BUNDLED__ !== 'undefined' && __BELAY_BUNDLED__;
}

/** Folder of the running bundle (dist/), only meaningful when bundled. */
function bundleDir(): string {
  // In the CommonJS bundles esbuild emits, __dirname is the dist folder.
  return typeof __dirname === 'string' ? __dirname : process.cwd();
}

/**
 * Absolute path of a file shipped by a dependency, e.g.
 * `assetPath('tree-sitter-bash/tree-sitter-bash.wasm')`. In the bundles the
 * build copies these files next to the bundle (dist/<basename>).
 */
export function assetPath(spec: string): string {
  if (isBundled()) return path.join(bundleDir(), path.basename(spec));
  return createRequire(import.meta.url).resolve(spec);
}

/** Folder the bundles copy native binaries into (dist/native). */
export function nativeDir(): string | undefined {
  return isBundled() ? path.join(bundleDir(), 'native') : undefined;
}
