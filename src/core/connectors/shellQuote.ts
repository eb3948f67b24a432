/**
 * Quoting for the hook commands `belay connect` writes. Agents hand these
 * strings to a shell (POSIX `sh -c` for Claude Code, Cursor and Codex, the
 * `bash` key of Copilot CLI; PowerShell for Copilot CLI's `powershell` key),
 * so a path with spaces, quotes or `$` must reach Belay as one argument,
 * unexpanded.
 */

const SAFE_SH = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** One POSIX shell word: left bare when it is plainly safe, else single-quoted (`'` becomes `'\''`). */
export function shQuote(word: string): string {
  if (word !== '' && SAFE_SH.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** One PowerShell string literal: single-quoted, `'` doubled (nothing inside is expanded). */
export function psQuote(word: string): string {
  return `'${word.replace(/'/g, "''")}'`;
}

/**
 * Splits a POSIX shell command line into words, for reading back the commands
 * Belay wrote: bare words, single quotes, double quotes with backslash escapes,
 * and backslash escapes outside quotes. Stops at the first unquoted `;`, `|`,
 * `&` or newline (the rest is not the command proper). Returns undefined when
 * the text uses something this reader does not handle (an unterminated quote).
 */
export function shSplit(line: string): string[] | undefined {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let i = 0;
  while (i < line.length) {
    const c = line[i] as string;
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) return undefined;
      word += line.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (c === '"') {
      i++;
      let closed = false;
      while (i < line.length) {
        const d = line[i] as string;
        if (d === '"') {
          closed = true;
          i++;
          break;
        }
        if (d === '\\' && i + 1 < line.length && '$`"\\\n'.includes(line[i + 1] as string)) {
          word += line[i + 1];
          i += 2;
        } else {
          word += d;
          i++;
        }
      }
      if (!closed) return undefined;
      inWord = true;
    } else if (c === '\\' && i + 1 < line.length) {
      word += line[i + 1];
      inWord = true;
      i += 2;
    } else if (c === ' ' || c === '\t') {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      i++;
    } else if (c === ';' || c === '|' || c === '&' || c === '\n') {
      break;
    } else {
      word += c;
      inWord = true;
      i++;
    }
  }
  if (inWord) words.push(word);
  return words;
}
