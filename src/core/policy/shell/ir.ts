/**
 * The shell syntax tree reduced to what the policy needs. It depends only
 * on the command text (not on the workspace or the variables), so parsed
 * lines can be cached and analysed many times.
 */

export type Part =
  /** literal text after quote removal; `quoted` text is exempt from globbing, brace and tilde expansion */
  | { t: 'lit'; v: string; quoted: boolean }
  /** `$X`, `${X}`, `${X:-word}`; `op` is the operator text when present */
  | { t: 'var'; name: string; quoted: boolean; op?: string; arg?: Word }
  /** `$(…)` or backticks */
  | { t: 'cmd'; script: Script; quoted: boolean; text: string }
  /** `<(…)` or `>(…)` */
  | { t: 'proc'; script: Script; dir: '<' | '>'; text: string }
  /** `$((…))`, `{1..3}` and other text whose value is not tracked; `subs`: command substitutions inside it, which still run */
  | { t: 'opaque'; text: string; quoted: boolean; subs?: Script[] };

export interface Word {
  parts: Part[];
  /** the source text of the word */
  raw: string;
}

export interface Redirect {
  /** `>`, `>>`, `<`, `<<`, `<<<`, `&>`, `>&`, `>|`, `<>`, `&>>`, `<&` */
  op: string;
  fd?: number;
  target?: Word;
  /** here-document body */
  body?: Word;
  /** the here-document delimiter was quoted (no expansion in the body) */
  literal?: boolean;
}

export interface Assign {
  name: string;
  value?: Word;
  /** array assignment `a=(…)`: values not tracked */
  array?: Word[];
  append: boolean;
}

export interface CommandNode {
  t: 'cmd';
  assigns: Assign[];
  words: Word[];
  redirects: Redirect[];
  text: string;
}

export type Node =
  | CommandNode
  | { t: 'pipeline'; stages: Node[]; text: string }
  /** a sequence with the operator that follows each item (`&&`, `||`, `;`, `&`, newline) */
  | { t: 'list'; items: { node: Node; op: string }[]; text: string }
  | { t: 'subshell'; body: Script; redirects: Redirect[]; text: string }
  | { t: 'group'; body: Script; redirects: Redirect[]; text: string }
  /** if/while/until/case/select/c-style for: bodies run zero or more times */
  | { t: 'compound'; kind: string; words: Word[]; bodies: Script[]; redirects: Redirect[]; text: string }
  | { t: 'for'; variable: string; values: Word[] | undefined; body: Script; redirects: Redirect[]; text: string }
  | { t: 'func'; name: string; body: Script; text: string }
  | { t: 'negate'; node: Node; text: string }
  /** `export`, `declare`, `local`, `readonly`, `typeset`, `unset` */
  | { t: 'declare'; keyword: string; assigns: Assign[]; words: Word[]; text: string }
  /** `[[ … ]]` / `[ … ]`: only their expansions matter */
  | { t: 'test'; words: Word[]; text: string }
  /** text the parser could not make sense of */
  | { t: 'error'; text: string };

export interface Script {
  items: { node: Node; op: string }[];
  /** the parser reported a syntax error somewhere */
  error: boolean;
}
