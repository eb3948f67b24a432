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
  test('a redirect inside `a && b 2>&1 | c` leaves `|` binding tighter than `&&`, as in bash', () => {
    const s = parseShellWithGrammar('a && b 2>&1 | c');
    const n = s.items[0]!.node;
    assert.equal(n.t, 'list');
    if (n.t !== 'list') return;
    assert.deepEqual(n.items.map((i) => [i.node.t, i.node.text, i.op]), [['cmd', 'a', '&&'], ['pipeline', 'b 2>&1 | c', '']]);
    const p = parseShellWithGrammar('curl -s x | tee log 2>/dev/null | sh').items[0]!.node;
    assert.equal(p.t, 'pipeline');
    if (p.t === 'pipeline') assert.deepEqual(p.stages.map((st) => st.text), ['curl -s x', 'tee log', 'sh']);
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
      // tildes past the start of a word are literal
      'git diff HEAD~4 -- src', 'git log a~b~~', 'echo "a"~', "echo 'a'~b", 'echo ~', 'echo ~/x~y', 'echo a~$X', 'echo $X~', 'echo "$X"~/a', 'ls x~ y~z',
      'git show HEAD~1:src/a.ts', 'git rebase -i @~3', 'cp a.txt a.txt~', 'echo a ~ b', 'echo a~*', 'echo a~-', 'git diff --stat HEAD~1 -- src/ && git status',
      // redirects feeding a pipe, anywhere in a list or pipeline
      'a && b 2>&1 | c', 'a && b > f | c', 'a || b 2>/dev/null | c', 'a | b 2>&1 | c', 'cd p && NODE_ENV=test npx jest 2>&1 | tail -n 3', 'a && b | c 2>&1 | d',
      'a && b 2>&1 | c && d', 'x; a || b 2>&1 | c > f', 'a && a 2>&1 | a', 'for f in a; do x && y 2>&1 | z; done', 'b 2>&1 | c', 'a; b 2>&1 | c', 'a && b 2>&1', 'a 2>&1 | b && c', 'npm run build 2>&1 | tail -n 5 && echo done', 'make 2>/dev/null | grep -v warn; echo $?x',
      // quotes, globs, escapes-free concatenations, redirects
      'rm -rf "$HOME"/x', "rm -rf '~'/x", 'cat <f >g', 'cmd >>"log file" 2>&1', 'ls *.ts src/**/*.md ?x [ab]', 'echo a=b c==d', 'X=1 Y=2 env', 'sort -k2 -n -t: f',
      // one-line for loops
      'for f in src/a/*.ts b; do echo "$f"; wc -l "$f"; done | sort -k2 | tail -5', 'for f in a; do x; done', 'for f in a b; do x; done; y', 'for f in a; do x; done && y',
      'x && for f in a; do x; done', 'x | for f in a; do y; done', 'for f in a; do x | y; z && w; done', 'for f in "a b" $X; do rm -rf $f; done', 'for f in a; do x 2>&1 | y; done',
      'for f in a; do x > o; done', 'y; for f in a; do x; done | z', 'echo for in do done', 'for=1 x', 'for f in ~/a HEAD~1; do git show $f; done',
      'tar czf /tmp/a-1.tgz src && ls -la /tmp/a-1.tgz', 'echo "a|b;c&&d" \'x>y<z\'', 'git commit -m "fix: a (b)"', 'grep -E "a|b" f | head -3 >> out.txt',
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
  test('on generated lines mixing quotes, expansions, operators and redirects', () => {
    // a fixed pseudo-random generator: the same lines on every run
    let seed = 12345;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const plain = ['a', 'rm', 'git', '-rf', '--x=1', 'src/a.ts', '~', '~/x', 'x~1', 'HEAD~2', '"q r"', "'s t'", '"$X"', '$Y', '${Z}', '"a $B c"', 'a"b"c', "a'b'c", '*.ts', 'X=1', 'k=v', 'a:b', '2', '10'];
    const exotic = ['?', '[ab]', 'Y=~/p', '=', ':', '@', '%', '+', ',', '.', '..', '/', '$(id)', '`id`', '\\x', '"\\$"', '$1', '$?', '#c', '{a,b}', '!', '(', ')', '<(a)', 'if', 'for', 'done', '[['];
    const piece = (): string => (rnd(5) === 0 ? exotic[rnd(exotic.length)]! : plain[rnd(plain.length)]!);
    const redirects = ['', '', '', ' > f', ' >> g', ' 2>&1', ' < in', ' &> l', ' 2>/dev/null', '>x', '<y', ' >&2', ' 2> "e f"'];
    const ops = [' && ', ' || ', ' | ', '; ', ' | ', ' & ', '\n', ';', '|'];
    let accepted = 0;
    let loops = 0;
    for (let k = 0; k < 6000; k++) {
      let line = '';
      const commands = 1 + rnd(4);
      for (let c = 0; c < commands; c++) {
        const words = 1 + rnd(4);
        for (let i = 0; i < words; i++) line += (i > 0 ? ' ' : '') + piece() + (rnd(6) === 0 ? piece() : '');
        line += redirects[rnd(redirects.length)]!;
        if (rnd(5) === 0) line = `for v in ${piece()} ${piece()}; do ${line}; ${rnd(2) === 0 ? piece() + '; ' : ''}done${redirects[rnd(redirects.length)]!}`;
        if (c < commands - 1) line += ops[rnd(ops.length)]!;
      }
      const fast = fastParse(line);
      if (!fast) continue;
      accepted++;
      if (line.startsWith('for ')) loops++;
      assert.deepEqual(fast, parseShellWithGrammar(line), line);
    }
    assert.ok(accepted > 1500 && loops > 100, `accepted ${accepted} generated lines, ${loops} of them loops`);
  });
  test('declines what needs the grammar', () => {
    for (const line of ['echo $1', 'echo ${X:-y}', 'echo "$"', 'echo `id`', 'a & b', 'if x; then y; fi', '(a)', '{a,b}', 'echo \\x', 'cat <<EOF\nx\nEOF', 'echo a\nb', 'export X=1', '! a', 'a #c',
      // tilde expansion after `=` or `:`, `~user`, `~+`
      'echo x=~/y', 'echo a:~/b', 'X=a~b cmd', 'echo ~root', 'echo --x=~/a', 'echo ~+', '~x',
      // substitutions, heredocs, escapes, background jobs, process substitution
      // loops the lexer leaves to the grammar: redirected, nested, without `in`, empty
      'for f in a; do x; done > o', 'for f in a; do x; done 2>&1 | y', 'for f; do x; done', 'for f in; do x; done', 'for f in a; do for g in b; do x; done; done',
      'for f in a; do; done', 'for in in a; do x; done', 'for f in a do; do x; done', 'for f in a; do x; done y', 'for f in a; do x; done &',
      'echo $(id)', 'diff <(a) <(b)', 'cat <<< "x"', 'echo a\\ b', 'a &', 'a |& b', 'case x in a) b;; esac', 'f() { a; }']) {
      assert.equal(fastParse(line), undefined, line);
    }
  });
});
