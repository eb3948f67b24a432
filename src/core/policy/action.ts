/**
 * The normalised action: every tool call of every agent dialect becomes one
 * of these before the policy decides on it. Adapters (adapters.ts) build it;
 * the engine (engine.ts) only ever reads it, so deciding stays pure.
 */

import type { PathResolver } from './paths.ts';

export type ActionKind = 'shell' | 'read' | 'write' | 'edit' | 'delete' | 'move' | 'fetch' | 'git' | 'github' | 'mcp' | 'other';
export const ACTION_KINDS: readonly ActionKind[] = ['shell', 'read', 'write', 'edit', 'delete', 'move', 'fetch', 'git', 'github', 'mcp', 'other'];

export type Dialect = 'generic' | 'claude' | 'vscode' | 'cursor' | 'codex' | 'copilot-cli';
export const DIALECTS: readonly Dialect[] = ['generic', 'claude', 'vscode', 'cursor', 'codex', 'copilot-cli'];

/** What the file system said about one path when the action was normalised. */
export interface PathFact {
  /** the path as the agent wrote it */
  given: string;
  exists: boolean;
  type?: 'file' | 'dir' | 'symlink' | 'other';
  /** a component of the written path was a symlink (the canonical path differs from the lexical one) */
  viaSymlink: boolean;
  /** the lexical (symlinks not followed) absolute path */
  lexical: string;
  /** hard link count of an existing regular file */
  nlink?: number;
  /** ignored by the workspace's .gitignore files (only for paths inside a workspace folder) */
  gitignored?: boolean;
  /** the path contains glob characters; `**` in it stands for any depth */
  glob?: boolean;
  /** part of the path is only known when the command runs (a variable, a command substitution) */
  dynamic?: boolean;
  /** an NTFS alternate data stream (`file:stream`) was named */
  ads?: boolean;
  /** names directly inside a directory the action reads whole (capped) */
  entries?: string[];
}

/** A delete, with whether it removes a whole tree. */
export interface DeleteOp {
  path: string;
  recursive: boolean;
  /** the command that deletes (`rm -rf`, `find -delete`, a delete tool) */
  via: string;
  /** the set of files is narrowed by a name filter (find -name, a glob) */
  filtered?: boolean;
}

export interface MoveOp {
  from: string;
  to: string;
}

/** A git operation, from a shell `git …` command or a structured git tool. */
export interface GitOp {
  /** sub-command or structured op: push, reset, clean, checkout, branch_delete, config, … */
  op: string;
  /** the full argument list after global options */
  args: string[];
  remote?: string;
  /** the remote is a URL rather than a configured remote name */
  remoteIsUrl?: boolean;
  /** destination branches of a push, or the branch acted on */
  branches: string[];
  /** a push or update that may rewrite history: --force, +refspec, --mirror */
  force: boolean;
  /** deletes branches (git push :x, --delete, git branch -D, branch_delete) */
  deleteBranch: boolean;
  /** `git -c key=value` settings and `git config key value` writes */
  config: { key: string; value: string }[];
  /** repository hooks are skipped (--no-verify, core.hooksPath) */
  skipsHooks: boolean;
  /** the text of the command or a description of the structured call */
  text: string;
  /** for `git branch -d/-D`: whether the force form was used */
  forceDelete?: boolean;
  /** every branch (git push --all / --mirror) */
  allBranches?: boolean;
  /** a push that deletes the remote branches missing here (`--prune`) */
  prunes?: boolean;
  /** paths whose uncommitted changes it throws away (`git checkout HEAD -- src`) */
  discards?: string[];
  /** paths it stages for the next commit (`git add FILE`) */
  stages?: string[];
}

/** A GitHub operation, from `gh …`, a structured GitHub tool, or a GitHub MCP server. */
export interface GithubOp {
  op: string;
  repo?: string;
  number?: number;
  /** how many items it acts on (bulk closes, xargs-fed commands count as many) */
  count: number;
  /** the number of items is unknown and may be large (fed by xargs or a loop) */
  bulk: boolean;
  branch?: string;
  /** bypasses branch protection (gh pr merge --admin, admin: true) */
  admin: boolean;
  /** moves a ref by force (an update that need not be a fast-forward) */
  force?: boolean;
  /** HTTP method of a raw API call */
  method?: string;
  /** the API path of a raw call (`gh api …`) */
  endpoint?: string;
  text: string;
  /** GraphQL mutations a raw API call names (`deleteRepository`, `updateBranchProtectionRule`) */
  mutations?: string[];
  /** a raw API call's body makes the repository public (`private=false`, `visibility=public`) */
  makesPublic?: boolean;
}

export interface McpCall {
  server: string;
  tool: string;
  arguments?: unknown;
}

/** Everything one sub-command of a shell line was found to do. */
export interface ShellCommandInfo {
  /** source text of the sub-command */
  text: string;
  /** command name after unwrapping (`rm`, `git`, `curl`); lowercased for Windows commands */
  name: string;
  /** arguments after the name, evaluated (quotes removed, known variables substituted, unknown pieces as `*`) */
  args: string[];
  /** wrappers that were unwrapped to reach it (sudo, bash -c, xargs, find -exec, …) */
  via: string[];
  cwd: string;
  /** the working directory is only known at run time (cd to a variable) */
  cwdUnknown: boolean;
  /** the command name comes from a variable, a substitution or a decoding */
  indirect: boolean;
  /** the name could not be determined statically */
  dynamicName: boolean;
  /** it runs inside a command or process substitution */
  inSubstitution: boolean;
  /** index of its pipeline and its position in it */
  pipeline: number;
  stage: number;
  /** it takes extra arguments it does not show (xargs, find -exec {}) */
  openArgs: boolean;
  /** it runs in the background (`&`) */
  background: boolean;
  /** variables it expands (names); read only (commands that expand none share one empty list) */
  vars: readonly string[];
  /** prefix environment assignments (`FOO=1 cmd`) */
  env: Record<string, string>;
  reads: string[];
  writes: string[];
  deletes: DeleteOp[];
  moves: MoveOp[];
  urls: string[];
  /** local files it sends over the network */
  uploads: string[];
  /** a network client: curl, wget, scp, nc, … */
  network: boolean;
  /** files it downloads, with their URL */
  downloads: { url: string; path: string }[];
  /** local files it runs as programs or scripts */
  execs: string[];
  /** code given inline to an interpreter (`python -c`, `node -e`) */
  inlineCode?: string;
  /** a shell or interpreter that reads its program from stdin */
  interpreterStdin?: boolean;
  chmod?: { mode: string; recursive: boolean };
  git?: GitOp;
  github?: GithubOp;
  /** SQL or database commands it sends */
  sql: string[];
  /** it deploys or releases (what was recognised) */
  deploy?: string;
  /** seconds slept before it in the same sequence */
  delaySeconds: number;
  /** host paths a container run mounts */
  mounts?: string[];
  /** directories it reads whole (grep -r, cp -r, tar c, zip -r, scp -r, rsync) */
  treeReads?: string[];
}

/** A finding of the normaliser the packs turn into rule matches. */
export interface Signal {
  /** stable code: shell.parse-error, shell.dynamic-command, shell.decoded-exec, … */
  code: string;
  /** what it points at */
  fragment: string;
  detail?: string;
}

export interface ShellAnalysis {
  commands: ShellCommandInfo[];
  signals: Signal[];
  /** the line could not be parsed completely */
  parseError: boolean;
  /** files the line writes with content known in advance (`echo … > f`, `cat <<EOF > f`, `… | tee f`) */
  contentWrites?: { path: string; text: string; append: boolean }[];
}

export interface FileEdit {
  path: string;
  /** text replaced (edit tools) */
  old?: string;
  /** text written or inserted */
  new: string;
  /** the whole file is (re)written */
  whole: boolean;
  /** commands the edit puts in a file that runs them (scripts, hooks, package.json scripts, tasks) */
  commands?: ShellAnalysis[];
  /** keys of a JSON settings file the edit changes, with their new values */
  keys?: { path: string[]; value: unknown }[];
  /** the changed keys could not be determined (the edit could not be placed in the file) */
  keysUnknown?: boolean;
}

export interface NormalizedAction {
  kind: ActionKind;
  dialect: Dialect;
  /** the tool name as received */
  tool: string;
  agent: string;
  sessionId?: string;
  toolUseId?: string;
  /** absolute working directory */
  cwd: string;
  /** absolute canonical paths read */
  reads: string[];
  /** absolute canonical paths created or modified */
  writes: string[];
  /** absolute canonical paths deleted */
  deletes: string[];
  /** false when the set of files the action may change is unknown (shell commands, unknown tools) */
  pathsKnown: boolean;
  /** true for anything that may change files, git state, remote state, or is unknown */
  mutating: boolean;
  command?: string;
  urls: string[];
  /** the first git operation (see gitOps for all) */
  git?: GitOp;
  gitOps: GitOp[];
  /** the first GitHub operation (see githubOps for all) */
  github?: GithubOp;
  githubOps: GithubOp[];
  mcp?: McpCall;
  /** content about to be written */
  content?: string;
  /** raw tool input as received */
  input: unknown;
  /** detailed deletes (recursive or not) */
  deleteOps: DeleteOp[];
  moves: MoveOp[];
  edits: FileEdit[];
  /** facts about every path named, keyed by canonical path */
  paths: Record<string, PathFact>;
  /** parsed shell command line */
  shell?: ShellAnalysis;
  /** HTTP method of a fetch */
  method?: string;
  /** findings of the normaliser outside shell analysis */
  signals: Signal[];
  /** the tool is one Belay knows (its effects are described above) */
  toolKnown: boolean;
  /** the home directory with symlinks resolved, as the paths above were (decide prefers it to the context's) */
  homeCanonical?: string;
}

export interface NormalizeEnv {
  workspaceRoots: string[];
  home: string;
  cwd?: string;
  agent?: string;
  caseInsensitive?: boolean;
  platform?: NodeJS.Platform;
  /** extra directories treated as scratch space that agents may write (default: the system temp dirs) */
  tempDirs?: string[];
  /** environment variables known to the agent's shell (HOME, USER, …) */
  vars?: Record<string, string>;
  /** reuse file system lookups across actions (a per-session cache) */
  resolver?: PathResolver;
}

/** An action with every list empty: the starting point of every adapter. */
export function blankAction(kind: ActionKind, dialect: Dialect, tool: string, input: unknown, env: NormalizeEnv): NormalizedAction {
  return {
    kind,
    dialect,
    tool,
    agent: env.agent ?? dialect,
    cwd: env.cwd ?? env.workspaceRoots[0] ?? env.home,
    reads: [],
    writes: [],
    deletes: [],
    pathsKnown: true,
    mutating: kind !== 'read' && kind !== 'fetch',
    urls: [],
    gitOps: [],
    githubOps: [],
    input,
    deleteOps: [],
    moves: [],
    edits: [],
    // a prototype-less object is a hash table from the start: one hidden-class
    // transition per new path name would cost microseconds per path
    paths: Object.create(null) as Record<string, PathFact>,
    signals: [],
    toolKnown: true,
    // Every optional member is present from the start (undefined until set):
    // actions of every kind then share one hidden class, and the checks that
    // read them stay monomorphic instead of going through a megamorphic
    // lookup per property read (about 4% of a decision's time end to end).
    // JSON.stringify leaves undefined members out, and this order is the one
    // in which normalisation sets them (home, call ids, MCP call, method,
    // command, shell, content, then git and github in finish()), so the JSON
    // of an action is unchanged.
    homeCanonical: undefined,
    sessionId: undefined,
    toolUseId: undefined,
    mcp: undefined,
    method: undefined,
    command: undefined,
    shell: undefined,
    content: undefined,
    git: undefined,
    github: undefined,
  };
}
