import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { fastParse } from '../../../../../src/core/policy/shell/fastLex.ts';
import { decodeAnsiC, initShellParser, parseShell, parseShellWithGrammar } from '../../../../../src/core/policy/shell/parse.ts';
import { mix } from '../../../../../bench/policy.bench.ts';
import { loadCorpus, CORPUS_FILE } from '../redteamFixture.ts';
import path from 'node:path';

before(async () => {
  await initShellParser();
});

describe('tree-sitter-bash to IR', () => {
  test('a list keeps its operators', () => {
    const s = parseShellWithGrammar('a && b || c');
    const n = s.items[0]!.node;
    assert.equal(n.t, 'list');
    if (n.t === 'list') assert.deepEqual(n.items.map((i) => i.op), ['&&', '||', '']);
  });
  test('a heredoc body is a word; a quoted delimiter keeps it literal', () => {
    const s = parseShellWithGrammar("cat <<'EOF'\n$HOME\nEOF");
    const n = s.items[0]!.node;
    assert.equal(n.t, 'cmd');
    if (n.t === 'cmd') {
      assert.equal(n.redirects[0]!.literal, true);
      assert.equal(n.redirects[0]!.body!.raw, '$HOME\n');
    }
  });
  test('syntax errors are reported, not thrown', () => {
    const s = parseShellWithGrammar('{rm,-rf,src}');
    assert.equal(s.error, true);
  });
  test('results are cached by text', () => {
    assert.equal(parseShell('ls -la $X'), parseShell('ls -la $X'));
  });
  test('ANSI-C decoding', () => {
    assert.equal(decodeAnsiC('\\x72\\x6d\\n\\101\\u00e9'), 'rm\nAé');
  });
});

describe('the fast lexer agrees with the grammar', () => {
  test('on every line it accepts (corpus, extra cases, bench mix, hand-picked)', () => {
    const lines: string[] = [];
    for (const file of [CORPUS_FILE, path.join(import.meta.dirname, '..', 'fixtures', 'extra-cases.json')]) {
      for (const c of loadCorpus(file)) if (typeof c.input.command === 'string') lines.push(c.input.command);
    }
    for (const l of mix(400, '/ws')) {
      const d = JSON.parse(l) as { input?: { command?: string }; tool_input?: { command?: string } };
      const c = d.input?.command ?? d.tool_input?.command;
      if (c) lines.push(c);
    }
    lines.push(
      'a && b || c; d', 'FOO=1 BAR=x rm -rf /', 'echo hi > f 2>&1', 'ls -la | grep x | wc -l', "r''m -rf src", 'cat "a b" c\'d\'e', 'x=1', 'a; b;',
      'cmd 2>/dev/null', 'npm test -- --watch=false', 'git push origin +HEAD:main', 'cd x && echo y > z', 'a | b > f', 'echo a>b', 'ls ~/x ~', 'A=b c=d',
      'tee -a f < in', 'x=1 y=2 z', 'echo "" \'\'', 'make -j4 all &> build.log', 'a >> b 2>> c', 'git log --format=%H%n -n 3', 'curl -H "Accept: */*" https://x.example/?a=1',
      'echo $HOME', 'echo "$HOME"', 'echo "a $X b" c$Y ${Z}/d', 'psql "$DATABASE_URL" -c "SELECT 1"', '$CMD -rf src', 'X=1 $Y z', 'echo "${A}"', 'echo "$X$Y"', 'cat $F.txt',
    );
    let accepted = 0;
    for (const line of lines) {
      const fast = fastParse(line);
      if (!fast) continue;
      accepted++;
      assert.deepEqual(fast, parseShellWithGrammar(line), line);
    }
    assert.ok(accepted > lines.length / 2, `accepted ${accepted} of ${lines.length}`);
  });
  test('declines what needs the grammar', () => {
    for (const line of ['echo $1', 'echo ${X:-y}', 'echo "$"', 'echo `id`', 'a & b', 'if x; then y; fi', '(a)', '{a,b}', 'echo \\x', 'cat <<EOF\nx\nEOF', 'echo a\nb', 'export X=1', '! a', 'a #c']) {
      assert.equal(fastParse(line), undefined, line);
    }
  });
});
