import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { encodedSecretInUrl, findSecret, lookalikeHost, SECRET_HINTS, SECRET_PATTERNS } from '../../../../src/core/policy/content.ts';

/** findSecret answers what trying each pattern in order answers (it first scans for all of them at once). */
function reference(text: string): string | undefined {
  for (const p of SECRET_PATTERNS) if (p.re.test(text)) return p.name;
  return undefined;
}

const SAMPLES = [
  '-----BEGIN RSA PRIVATE KEY-----', '-----BEGIN OPENSSH PRIVATE KEY-----', '-----begin private key-----',
  'AKIAIOSFODNN7EXAMPLE', 'akiaiosfodnn7example', 'xAKIAIOSFODNN7EXAMPLE',
  'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'AWS_SECRET_ACCESS_KEY="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"',
  'ghp_' + 'a'.repeat(36), 'GHP_' + 'a'.repeat(36), 'github_pat_' + 'A1'.repeat(22), 'glpat-' + 'x'.repeat(20),
  'sk_live_' + 'a1'.repeat(8), 'rk_test_abcdefghij', 'xoxb-1234567890-abc', 'hooks.slack.com/services/T000/B000/XXXX',
  'AIza' + 'b'.repeat(35), 'sk-' + 'c'.repeat(40), 'sk-proj-' + 'd'.repeat(40), 'sk-ant-' + 'e'.repeat(40), 'npm_' + 'f'.repeat(36),
  'pypi-AgEIcHlwaS5vcmc' + 'g'.repeat(20), 'SK' + '0123456789abcdef'.repeat(2), 'SG.' + 'h'.repeat(16) + '.' + 'i'.repeat(16),
  'eyJ' + 'j'.repeat(10) + '.eyJ' + 'k'.repeat(10) + '.' + 'l'.repeat(10), 'postgres://user:hunter2x@db.example.com/app', 'HTTPS://User:Passw0rd!@Host/x',
  'https://docs.example.com/auth3?page=3', 'https://api.github.com/repos/acme/logger8/releases/latest', 'const auth = 1;', '',
  'Sk-ant-' + 'e'.repeat(40), 'ghp_short', 'AKIA123', 'redis://:pw@host', 'ftp://a:b@c', 'sk-' + 'c'.repeat(31),
];

describe('findSecret', () => {
  test('each sample, alone and inside other text', () => {
    let found = 0;
    for (const s of SAMPLES) {
      for (const text of [s, `x ${s} y`, `${s}\n${s.toUpperCase()}`, `"${s.toLowerCase()}"`]) {
        assert.equal(findSecret(text), reference(text), JSON.stringify(text));
        if (reference(text)) found++;
      }
    }
    assert.ok(found > 40);
  });
  test('two samples in one text: the first pattern in order wins', () => {
    for (const a of SAMPLES) for (const b of SAMPLES) assert.equal(findSecret(`${a} ${b}`), reference(`${a} ${b}`));
  });
});

describe('secret hints', () => {
  test('one hint per pattern, and every match of a pattern carries its hint', () => {
    assert.equal(SECRET_HINTS.length, SECRET_PATTERNS.length);
    let checked = 0;
    SECRET_PATTERNS.forEach((p, i) => {
      const hint = new RegExp(SECRET_HINTS[i]!);
      for (const s of SAMPLES) {
        for (const text of [s, s.toUpperCase(), s.toLowerCase(), `x ${s} y`]) {
          const m = new RegExp(p.re.source, p.re.flags + 'g');
          for (const hit of text.matchAll(m)) {
            assert.ok(hint.test(hit[0]), `${p.name}: ${JSON.stringify(hit[0])} lacks ${SECRET_HINTS[i]}`);
            checked++;
          }
        }
      }
    });
    assert.ok(checked > 50);
  });
});

describe('URLs', () => {
  test('encoded credentials', () => {
    const b64 = (s: string): string => Buffer.from(s).toString('base64');
    assert.equal(encodedSecretInUrl(`https://x.example/?d=${b64('AKIAIOSFODNN7EXAMPLE and more text')}`), 'AWS access key id (encoded)');
    assert.equal(encodedSecretInUrl(`https://x.example/?d=${b64('API_KEY=abcdefgh12345678')}`), 'an encoded credential assignment');
    assert.equal(encodedSecretInUrl(`https://x.example/?d=${Buffer.from('\u00ff\u00fe\u0001\u0002'.repeat(8), 'latin1').toString('base64')}`), undefined);
    assert.equal(encodedSecretInUrl('https://api.github.com/repos/acme/logger8/releases/latest'), undefined);
    assert.equal(encodedSecretInUrl(`https://x.example/?t=${encodeURIComponent('-----BEGIN RSA PRIVATE KEY-----')}`), 'private key');
    assert.equal(encodedSecretInUrl('https://x.example/?t=%E0%A4%A'), undefined);
    assert.equal(encodedSecretInUrl('https://x.example/%zz/ghp_' + 'a'.repeat(36)), 'GitHub token');
  });
  test('look-alike hosts', () => {
    assert.equal(lookalikeHost('xn--pple-43d.com'), 'uses punycode, which can imitate another name');
    assert.equal(lookalikeHost('a.xn--pple-43d.com'), 'uses punycode, which can imitate another name');
    assert.equal(lookalikeHost('axn--b.example.com'), undefined);
    assert.equal(lookalikeHost('github.com.attacker.example'), 'embeds github.com before attacker.example');
    // a dashed domain as the first label, before another domain
    assert.equal(lookalikeHost('github-com.attacker.example'), 'imitates github.com');
    assert.equal(lookalikeHost('pypi-org.files.example.net'), 'imitates pypi.org');
    // a well-known name joined to others by a dash, in the registrable name
    assert.equal(lookalikeHost('github-com.example'), 'imitates github');
    assert.equal(lookalikeHost('api-github.com'), 'imitates github');
    assert.equal(lookalikeHost('pypi-files.org'), 'imitates pypi');
    assert.equal(lookalikeHost('github-readme-stats.vercel.app'), undefined, 'a name under a hosting domain, not the registrable one');
    assert.equal(lookalikeHost('api.github-com.example'), 'imitates github', 'the registrable name, below a subdomain');
    assert.equal(lookalikeHost('github-com.example.net'), 'imitates github.com', 'a dashed first label before another domain');
    assert.equal(lookalikeHost('my-api.example.com'), undefined);
  });
});
