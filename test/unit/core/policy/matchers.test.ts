import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compileCommandPattern, domainMatcher, durationMs, hostOf, inWindow, localTime, matchCommand, nameGlob, PathGlobs } from '../../../../src/core/policy/matchers.ts';
import { canonicalTokens } from '../../../../src/core/policy/shell/args.ts';

const ctx = { workspaceRoots: ['/ws'], home: '/home/u' };

describe('path globs (gitignore syntax with anchors)', () => {
  test('a pattern without a slash matches at any depth, also outside the workspace', () => {
    const g = new PathGlobs(['*.pem']);
    assert.equal(g.test('/ws/certs/a.pem', ctx), true);
    assert.equal(g.test('/tmp/x/a.pem', ctx), true);
    assert.equal(g.test('/ws/a.pem.txt', ctx), false);
  });
  test('a slash anchors to each workspace folder; a matching directory covers its contents', () => {
    const g = new PathGlobs(['src/gen', '/build/']);
    assert.equal(g.test('/ws/src/gen/a.ts', ctx), true);
    assert.equal(g.test('/ws/lib/src/gen/a.ts', ctx), false);
    assert.equal(g.test('/ws/build/x', ctx), true);
    assert.equal(g.test('/ws/build', ctx, false), false);
    assert.equal(g.test('/ws/build', ctx, true), true);
    assert.equal(g.test('/other/src/gen/a.ts', ctx), false);
  });
  test('~/ is the home directory; abs: is absolute; ${workspaceFolder}/ is the root', () => {
    const g = new PathGlobs(['~/.ssh/**', 'abs:/etc/**', '${workspaceFolder}/secrets/*']);
    assert.equal(g.test('/home/u/.ssh/id_rsa', ctx), true);
    assert.equal(g.test('/ws/.ssh/id_rsa', ctx), false);
    assert.equal(g.test('/etc/passwd', ctx), true);
    assert.equal(g.test('/ws/etc/passwd', ctx), false);
    assert.equal(g.test('/ws/secrets/a', ctx), true);
  });
  test('** and negation', () => {
    const g = new PathGlobs(['**/*.key', '!**/test.key']);
    assert.equal(g.test('/ws/a/b/c.key', ctx), true);
    assert.equal(g.test('/ws/a/test.key', ctx), false);
  });
  test('case folding on case-insensitive file systems', () => {
    const g = new PathGlobs(['.env']);
    assert.equal(g.test('/ws/.ENV', ctx), false);
    assert.equal(g.test('/ws/.ENV', { ...ctx, caseInsensitive: true }), true);
  });
});

describe('path globs against a plain evaluation', () => {
  test('unanchored patterns: the literal-affix index never skips a segment some pattern matches', async () => {
    const picomatch = (await import('picomatch')).default;
    const { SECRET_PATHS } = await import('../../../../src/core/policy/packs/context.ts');
    const patterns = [...SECRET_PATHS.filter((p) => !p.includes('/')), '*', 'a?c', '[xy]z*', '*.{js,cjs}', 'Makefile', '*~', '.*rc'];
    const segments = ['.env', '.ENV', '.env.local', 'x.env', 'a.pem', 'A.PEM', 'pem', '.pem', 'id_rsa', 'id_rsa.pub', 'ID_RSA', 'xid_rsa', 'abc', 'abd', 'xz', 'yz1', 'zz', 'a.js', 'a.cjs', 'a.mjs',
      'Makefile', 'makefile', 'notes~', '.bashrc', '.rc', 'rc', '', 'İd_rsa', 'src', 'a.tfstate.backup', 'a.tfstate', '.tfstate', 'k.keystore', '_netrc', '.netrc', 'netrc', '.git-credentials'];
    for (const nocase of [false, true]) {
      for (let n = 1; n <= patterns.length; n++) {
        const chosen = patterns.slice(0, n);
        const globs = new PathGlobs(chosen);
        const plain = chosen.map((p) => picomatch(p, { dot: true, nocase }));
        for (const seg of segments) {
          const expected = plain.some((m) => m('d') || m(seg));
          assert.equal(globs.test('/d/' + seg, { ...ctx, caseInsensitive: nocase }), expected, `${chosen.join(' ')} on ${seg} (nocase ${nocase})`);
        }
      }
    }
  });
});

describe('command patterns', () => {
  const m = (pattern: string, line: string): boolean => {
    const [name, ...args] = line.split(' ');
    return matchCommand(compileCommandPattern(pattern), name!, args);
  };
  test('prefix by default, exact with $', () => {
    assert.equal(m('git push', 'git push origin main'), true);
    assert.equal(m('git push $', 'git push origin main'), false);
    assert.equal(m('git push $', 'git push'), true);
    assert.equal(m('git push', 'git pull'), false);
  });
  test('flags match in any order and spelling', () => {
    for (const line of ['rm -rf src', 'rm -fr src', 'rm -r -f src', 'rm --recursive --force src', 'rm -R -f src']) assert.equal(m('rm -rf *', line), true, line);
    assert.equal(m('rm -rf *', 'rm -f src'), false);
    assert.equal(m('git push --force', 'git push -f origin x'), true);
  });
  test('wildcards in positionals and names', () => {
    assert.equal(m('npm run deploy*', 'npm run deploy:prod'), true);
    assert.equal(m('npm run deploy*', 'npm run build'), false);
    assert.equal(m('terraform* apply', 'terraform apply -auto-approve'), true);
    assert.equal(m('curl https://*.example.com/*', 'curl -s https://api.example.com/x/y'), true);
    assert.equal(m('git push origin release/*', 'git push origin release/1.2'), true);
  });
  test('canonical tokens', () => {
    assert.deepEqual(canonicalTokens('rm', ['--recursive', '-fv', 'x']), ['-r', '-f', '-v', 'x']);
  });
});

describe('names, hosts, domains', () => {
  test('globs', () => {
    assert.equal(nameGlob(['release/*'])('release/1.2'), true);
    assert.equal(nameGlob(['release/*'])('release'), false);
  });
  test('hosts and domain patterns', () => {
    assert.equal(hostOf('https://API.github.com:443/x'), 'api.github.com');
    assert.equal(hostOf('example.com/x'), 'example.com');
    const d = domainMatcher(['*.github.com', 'example.org']);
    assert.equal(d('github.com'), true);
    assert.equal(d('api.github.com'), true);
    assert.equal(d('evilgithub.com'), false);
    assert.equal(d('example.org'), true);
  });
});

describe('time windows', () => {
  const w = { days: ['mon', 'tue', 'wed', 'thu', 'fri'], hours: '09:00-17:00', timezone: 'Europe/Berlin' };
  test('inside and outside, in the window\'s time zone', () => {
    assert.equal(inWindow(new Date('2026-03-17T14:05:00+01:00'), w), true);
    assert.equal(inWindow(new Date('2026-03-14T02:10:00+01:00'), w), false); // Saturday
    assert.equal(inWindow(new Date('2026-03-17T07:30:00Z'), w), false); // 08:30 in Berlin
    assert.equal(inWindow(new Date('2026-03-17T16:30:00Z'), w), false); // 17:30 in Berlin
    assert.equal(inWindow(new Date('2026-03-17T15:59:00Z'), w), true); // 16:59 in Berlin
  });
  test('ranges that wrap past midnight belong to the day they start on', () => {
    const night = { days: ['fri'], hours: '22:00-06:00', timezone: 'UTC' };
    assert.equal(inWindow(new Date('2026-03-20T23:00:00Z'), night), true); // Friday 23:00
    assert.equal(inWindow(new Date('2026-03-21T05:00:00Z'), night), true); // Saturday 05:00, Friday's night
    assert.equal(inWindow(new Date('2026-03-21T23:00:00Z'), night), false);
  });
  test('local time parts', () => {
    assert.deepEqual(localTime(new Date('2026-03-17T10:00:00Z'), 'UTC'), { day: 'tue', minutes: 600 });
  });
  test('durations', () => {
    assert.equal(durationMs('10m'), 600_000);
    assert.equal(durationMs('1h'), 3_600_000);
    assert.equal(durationMs('bogus'), 0);
  });
});
