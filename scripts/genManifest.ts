// Regenerates package.json's contributes.configuration from the zod settings
// schema (src/core/config/settings.ts). `--check` exits 1 when it is stale.
import fs from 'node:fs';
import path from 'node:path';
import { configurationContribution } from '../src/core/config/settings.ts';

const file = path.join(import.meta.dirname, '..', 'package.json');
const text = fs.readFileSync(file, 'utf8');
const pkg = JSON.parse(text) as { contributes: Record<string, unknown> };
pkg.contributes.configuration = configurationContribution();
const next = JSON.stringify(pkg, null, 2) + '\n';
if (process.argv.includes('--check')) {
  if (next !== text) {
    console.error('package.json contributes.configuration is stale: run npm run gen:manifest');
    process.exit(1);
  }
  console.log('package.json is up to date');
} else if (next !== text) {
  fs.writeFileSync(file, next);
  console.log('package.json updated');
} else {
  console.log('package.json already up to date');
}
