import assert from 'node:assert/strict';
import { test } from 'node:test';
import { plainSource } from '../../../../src/core/policy/normalize.ts';

/** plainSource(base) answers what the extension regex it replaced answered. */
const REGEX = /\.(ts|tsx|js|jsx|mjs|cjs|py|rb|go|rs|java|kt|c|h|cc|cpp|hpp|cs|swift|php|md|txt|css|scss|html|vue|svelte|sql|csv|svg|png|jpg|lock|log)$/;

test('plainSource agrees with the extension regex', () => {
  const names = [
    'a.ts', 'a.test.ts', 'a.d.ts', 'a.tsx', '.ts', 'ts', 'a.ts.bak', 'a.ts\n', 'a.t', 'a.tss', 'makefile', 'setup.py', 'a.c', 'a.cc', 'a.', '.',
    '', 'package.json', 'yarn.lock', 'x.log', 'x.log.1', 'x.md', '.env', '.env.ts', 'a.sh', 'dockerfile.dev', 'a.svelte', 'a.h', 'a..h', 'a.jsx',
    'a.json', 'a.yml', 'a.rs', 'build.rs', 'a.kt', 'a.kts', 'a.PNG'.toLowerCase(), 'a.jpg', 'a.jpeg', 'a.cpp', 'a.hpp', 'a.cs', 'a.css', 'a.scss',
  ];
  for (const n of names) assert.equal(plainSource(n), REGEX.test(n), n);
});
