import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, test } from 'node:test';
import { PLAIN_WRAPPERS, SEMANTIC_NAMES, WRAPPER_NAMES } from '../../../../../src/core/policy/shell/analyze.ts';
import { interpreterFamily } from '../../../../../src/core/policy/shell/cmdCode.ts';
import { DEPLOY_NAMES, DEPLOY_SCRIPT, isDeployScript } from '../../../../../src/core/policy/shell/cmdOps.ts';

/**
 * wrapper(), extraSemantics() and deployTarget() skip their `switch (name)`
 * for names outside a set; each set must hold exactly the switch's cases
 * (the wrappers', with the plain and rarer wrappers its default case looks up).
 */
function switchCases(file: string, fnStart: string): string[] {
  const src = fs.readFileSync(new URL(`../../../../../src/core/policy/shell/${file}`, import.meta.url), 'utf8');
  const fn = src.indexOf(fnStart);
  assert.ok(fn >= 0, fnStart);
  const sw = src.indexOf('switch (name) {', fn);
  let depth = 0;
  let i = src.indexOf('{', sw);
  const start = i;
  for (; i < src.length; i++) {
    if (src[i] === '{') depth++;
    else if (src[i] === '}' && --depth === 0) break;
  }
  const body = src.slice(start, i + 1);
  const out: string[] = [];
  depth = 0;
  for (const m of body.matchAll(/[{}]|case '([^']*)':/g)) {
    if (m[0] === '{') depth++;
    else if (m[0] === '}') depth--;
    else if (depth === 1) out.push(m[1]!);
  }
  return out;
}

describe('switch name sets', () => {
  test('wrapper', () => assert.deepEqual([...WRAPPER_NAMES].sort(), [...switchCases('analyze.ts', '  private wrapper('), ...switchCases('analyze.ts', '  private rarerWrapper('), ...PLAIN_WRAPPERS.keys()].sort()));
  test('extraSemantics', () => assert.deepEqual([...SEMANTIC_NAMES].sort(), switchCases('analyze.ts', '  private extraSemantics(').sort()));
  test('deployTarget', () => assert.deepEqual([...DEPLOY_NAMES].sort(), switchCases('cmdOps.ts', 'function deployTarget(').sort()));
});

test('interpreterFamily', () => {
  const reference = (name: string): string | undefined => {
    if (/^python(\d+(\.\d+)*)?$|^pypy\d*$/.test(name)) return 'python';
    if (name === 'node' || name === 'nodejs') return 'node';
    if (name === 'ruby' || name === 'irb') return 'ruby';
    if (/^php\d*$/.test(name)) return 'php';
    if (/^lua(jit|\d(\.\d)?)?$/.test(name)) return 'lua';
    if (name === 'deno' || name === 'bun' || name === 'osascript') return name;
    if (name === 'rscript' || name === 'Rscript' || name === 'R') return 'rscript';
    if (name === 'tclsh' || /^tclsh\d/.test(name) || name === 'wish' || name === 'expect') return 'tcl';
    if (name === 'emacs') return 'elisp';
    return undefined;
  };
  const names = ['python', 'python3', 'python3.12', 'pypy', 'pypy3', 'php', 'php8', 'node', 'nodejs', 'ruby', 'irb', 'lua', 'luajit', 'lua5.1', 'lua5', 'deno', 'bun', 'osascript', 'rscript', 'Rscript', 'R', 'tclsh', 'tclsh8.6', 'wish', 'expect', 'emacs',
    'tcl', 'wishx', 'expects', 'emacsclient', 'Rx', 'e', 't', 'w',
    'Python', 'py', 'pythonx', 'phpx', 'nod', 'rubyx', 'lua5.1.2', 'bunx', 'denox', 'r', 'o', 'd', 'b', 'i', 'l', 'p', 'n', '', 'git', 'perl', 'sh'];
  for (const n of names) assert.equal(interpreterFamily(n), reference(n), n);
});

test('isDeployScript', () => {
  const names = ['deploy', 'deploy.sh', 'Deploy-prod', 'release', 'release_notes', 'rollout.py', 'publish', 'promote', 'ship', 'ship-it', 'shipit', 'x-deploy', 'x_release.sh', 'x-rollout.py', 'my-deploy.sh.bak',
    'redeploy', 'deployer', 'cat', 'git', 'npm', 'x-y', 'a_b', '', 'DEPLOY', 'pre-release', 'deploy\nx', 'x-deploy\n', 'x-Deploy.SH'];
  for (const n of names) assert.equal(isDeployScript(n), DEPLOY_SCRIPT.test(n), JSON.stringify(n));
});
