import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, it } from 'node:test';
import { isSecretName, redactText, redactValue } from '../../../../src/core/receipts/redact.ts';
import { editReceipt, sandbox } from './helpers.ts';

// Secret-shaped strings are assembled at run time so this file does not itself look like it leaks credentials.
const gh = 'ghp_' + 'A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8';
const ghFine = 'github_pat_' + '11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJ';
const aws = 'AKIA' + 'IOSFODNN7EXAMPLE';
const awsSecret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCY' + 'EXAMPLEKEY';
const slack = 'xoxb-' + '123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx';
const stripe = 'sk_live_' + '4eC39HqLyjWDarjtT1zdp7dc';
const openai = 'sk-proj-' + 'abcDEF123456ghiJKL789012mnoPQR';
const anthropic = 'sk-ant-api03-' + 'abcdefghijklmnopqrstuvwxyz012345';
const google = 'AIza' + 'SyD-1234567890abcdefghijklmnopqrstu';
const npm = 'npm_' + 'abcdefghijklmnopqrstuvwxyz0123456789';
const jwt = 'eyJhbGciOiJIUzI1NiJ9' + '.eyJzdWIiOiIxMjM0NTY3ODkwIn0' + '.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U';
const pem = ['-----BEGIN RSA PRIVATE KEY-----', 'MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun', 'VTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK', '-----END RSA PRIVATE KEY-----'].join('\n');

function leaks(value: unknown, ...secrets: string[]): string[] {
  const text = JSON.stringify(value);
  return secrets.filter((s) => text.includes(s));
}

describe('redaction of common secret shapes', () => {
  const cases: Array<[string, string, string]> = [
    ['GitHub classic token', `git push https://x:${gh}@github.com/o/r`, gh],
    ['GitHub fine-grained token', `export GH=${ghFine}`, ghFine],
    ['AWS access key id', `aws configure set aws_access_key_id ${aws}`, aws],
    ['Slack bot token', `curl -d token=${slack} https://slack.com/api/chat.postMessage`, slack],
    ['Stripe live key', `const stripe = new Stripe('${stripe}')`, stripe],
    ['OpenAI project key', `OPENAI=${openai}`, openai],
    ['Anthropic key', `client = Anthropic(api_key="${anthropic}")`, anthropic],
    ['Google API key', `fetch('https://maps.googleapis.com/x?key=${google}')`, google],
    ['npm token', `//registry.npmjs.org/:_authToken=${npm}`, npm],
    ['JWT', `session=${jwt}`, jwt],
    ['PEM private key', `cat > id_rsa <<EOF\n${pem}\nEOF`, 'MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun'],
    ['Authorization bearer header', 'curl -H "Authorization: Bearer abc.def-SECRET-ghi123" https://api.example.com', 'abc.def-SECRET-ghi123'],
    ['Authorization basic header', 'curl -H "Authorization: Basic dXNlcjpwYXNzd29yZA==" https://x', 'dXNlcjpwYXNzd29yZA=='],
    ['password in a URL', 'psql postgres://admin:hunter2secret@db.internal:5432/app', 'hunter2secret'],
    ['secret-named shell assignment', 'DB_PASSWORD=correct-horse-battery npm start', 'correct-horse-battery'],
    ['export of a secret', 'export MY_SERVICE_TOKEN="tok-9f8e7d6c5b4a"', 'tok-9f8e7d6c5b4a'],
    ['--password flag', 'mysql --password=s3cr3tPw -u root', 's3cr3tPw'],
    ['--token flag', 'gh auth login --token abcd1234efgh5678', 'abcd1234efgh5678'],
    ['aws secret in a config', `aws_secret_access_key = ${awsSecret}`, awsSecret],
    ['YAML password', 'services:\n  db:\n    environment:\n      POSTGRES_PASSWORD: example-pass-42', 'example-pass-42'],
    ['x-api-key header', 'X-API-Key: 0123456789abcdef0123', '0123456789abcdef0123'],
  ];
  it('finds each provider token shape by itself, in plain text with no assignment around it', () => {
    const gitlab = 'glpat-' + 'abcdefghij0123456789';
    const webhook = 'https://hooks.slack.com/services/' + 'T000/B000/XXXX';
    const hf = 'hf_' + 'abcdefghijklmnopqrstuvwxyz0123';
    const pypi = 'pypi-' + 'AgEIcHlwaS5vcmcCJGFiY2RlZmdoLWlqa2wtbW5vcC1xcnN0LXV2d3h5ejAxMjM0';
    const cutPem = pem.split('\n').slice(0, 2).join('\n');
    const shapes: Array<[string, string]> = [
      ['github_token', gh], ['github_token', ghFine], ['aws_access_key_id', aws], ['gitlab_token', gitlab], ['slack_token', slack],
      ['slack_webhook', webhook], ['stripe_key', stripe], ['anthropic_key', anthropic], ['openai_key', openai], ['google_api_key', google],
      ['npm_token', npm], ['huggingface_token', hf], ['pypi_token', pypi], ['jwt', jwt], ['private_key', pem], ['private_key', cutPem],
    ];
    for (const [kind, token] of shapes) {
      for (const text of [`${token}`, `please use ${token} for the deploy`, `first line\n${token}\nlast line`]) {
        const r = redactText(text);
        assert.ok(r.kinds.includes(kind), `${kind} not found in ${JSON.stringify(text)}: ${JSON.stringify(r.kinds)}`);
        assert.ok(!r.text.includes(token.slice(0, 24)), `${kind} leaked: ${r.text}`);
      }
    }
  });

  it('answers the same for a secret-looking name however often it is asked', () => {
    for (const name of ['file_path', 'DB_PASSWORD', 'apiKey', 'token', 'PWD', 'tokenizer', 'x-auth-token', 'patch', 'author']) {
      const first = isSecretName(name);
      for (let i = 0; i < 3; i++) assert.equal(isSecretName(name), first, name);
    }
    assert.equal(isSecretName('DB_PASSWORD'), true);
    assert.equal(isSecretName('file_path'), false);
    assert.equal(isSecretName('PWD'), false);
  });

  for (const [name, text, secret] of cases) {
    it(`masks a ${name}`, () => {
      const r = redactText(text);
      assert.ok(!r.text.includes(secret), `${name} leaked: ${r.text}`);
      assert.match(r.text, /\[REDACTED:[a-z_]+\]/);
      assert.ok(r.kinds.length > 0);
    });
  }

  it('masks every value of .env content when the path names an env file', () => {
    const content = 'NODE_ENV=production\nDATABASE_URL=postgres://u:p4ss@h/db\nSTRIPE=abc123\n# comment\nEMPTY=\nREF=$OTHER\n';
    for (const file of ['.env', 'config/.env.local', 'prod.env', '.npmrc']) {
      const r = redactValue({ file_path: file, content });
      const out = (r.value as { content: string }).content;
      assert.ok(!out.includes('production') && !out.includes('abc123') && !out.includes('p4ss'), out);
      assert.match(out, /^NODE_ENV=\[REDACTED:env_value\]$/m);
      assert.match(out, /^# comment$/m);
      assert.match(out, /^EMPTY=$/m, 'empty values stay empty');
      assert.match(out, /^REF=\$OTHER$/m, 'references are not secrets');
      assert.equal(r.redacted, true);
      assert.ok(r.redactions.some((x) => x.kind === 'env_value' && x.at === 'content'));
    }
  });

  it('treats a normalised action writing to .env the same way', () => {
    const r = redactValue({ kind: 'write', paths: [{ path: '.env.production', access: 'write' }], content: 'API_URL=https://x\nPORT=8080' });
    const out = (r.value as { content: string }).content;
    assert.ok(!out.includes('8080') && !out.includes('https://x'), out);
  });

  it('masks secret-named JSON fields whole and says where', () => {
    const r = redactValue({ headers: { Authorization: 'Bearer zzz', 'x-trace': 't1' }, body: { password: 'pw', apiKey: 'k-1', maxTokens: 5, tokenizer: 'gpt2' } });
    const v = r.value as { headers: Record<string, string>; body: Record<string, unknown> };
    assert.equal(v.headers.Authorization, '[REDACTED:secret_field]');
    assert.equal(v.headers['x-trace'], 't1');
    assert.equal(v.body.password, '[REDACTED:secret_field]');
    assert.equal(v.body.apiKey, '[REDACTED:secret_field]');
    assert.equal(v.body.maxTokens, 5);
    assert.equal(v.body.tokenizer, 'gpt2');
    assert.deepEqual(r.redactions.map((x) => x.at).sort(), ['body.apiKey', 'body.password', 'headers.Authorization']);
  });

  it('leaves ordinary code and commands alone', () => {
    const samples = [
      'function login(token: string, password: boolean) { return check(token); }',
      'const apiKey = process.env.API_KEY;',
      'git commit -m "fix tokenizer" && npm test',
      'cd $PWD && PWD=/tmp ls',
      'sk-learn is not a key',
      'see https://example.com/docs#section',
      'export TOKEN=$GITHUB_TOKEN',
      '{ "secretName": "" }',
    ];
    for (const s of samples) {
      const r = redactText(s);
      assert.equal(r.text, s, `changed: ${s} -> ${r.text}`);
      assert.deepEqual(r.kinds, []);
    }
  });

  it('names secret-looking identifiers by whole segments', () => {
    for (const n of ['password', 'DB_PASSWORD', 'apiKey', 'api_key', 'x-api-key', 'GITHUB_TOKEN', 'client_secret', 'PRIVATE_KEY', 'authToken', '_authToken', 'GITHUB_PAT', 'cookie']) {
      assert.ok(isSecretName(n), n);
    }
    for (const n of ['tokenizer', 'max_tokens', 'key', 'sortKey', 'author', 'PWD', 'keyboard', 'passage', 'path']) {
      assert.ok(!isSecretName(n), n);
    }
  });

  it('cuts long strings after redacting a window past the cut, so a straddling secret still goes', () => {
    const long = 'x'.repeat(4090) + ` ${gh} ` + 'y'.repeat(10_000);
    const r = redactValue({ content: long });
    const out = (r.value as { content: string }).content;
    assert.ok(!out.includes(gh.slice(0, 8)), 'no part of the token survives');
    assert.ok(out.length < 4200);
    assert.match(out, /…\[truncated: \d+ chars\]$/);
    assert.equal(r.truncated, true);
  });

  it('redacts before storage and hashing: the stored receipt and the raw table hold no secret', () => {
    const sb = sandbox();
    try {
      const store = sb.open();
      const r = store.append(editReceipt({
        input: { file_path: '.env', content: `GITHUB_TOKEN=${gh}\nAWS=${aws}\n` },
        reason: `blocked writing ${aws} into .env`,
        matches: [{ rule: 'secrets', effect: 'ask', reason: 'secret in content', fragment: aws }],
        rollbackData: { note: `key ${pem}` },
      }));
      assert.equal(r.redacted, true);
      assert.ok(r.redactions && r.redactions.length >= 3);
      assert.deepEqual(leaks(r, gh, aws, 'MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun'), []);
      const done = store.complete(r.id, { outcome: 'done', response: { stdout: `token is ${gh}` } });
      assert.deepEqual(leaks(done, gh), []);
      store.close();
      // The raw database pages hold no secret either (WAL checkpointed into the file).
      const raw = sb.open();
      raw.close();
      const bytes = fs.readFileSync(sb.file).toString('latin1') + (fs.existsSync(sb.file + '-wal') ? fs.readFileSync(sb.file + '-wal').toString('latin1') : '');
      assert.deepEqual(leaks(bytes, gh, aws), []);
    } finally {
      sb.cleanup();
    }
  });
});
