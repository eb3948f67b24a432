import { z } from 'zod';

/**
 * The policy language: the value of the `belay.policy` setting. Written once
 * here; package.json's `contributes.configuration` is generated from it, and
 * `loadPolicy` validates with it. docs/policy.md explains every field with
 * examples.
 */

export const POLICY_SETTING = 'belay.policy';

export const verdictSchema = z.enum(['allow', 'ask', 'deny']);

const kindSchema = z.enum(['shell', 'read', 'write', 'edit', 'delete', 'move', 'fetch', 'git', 'github', 'mcp', 'other']);
const daySchema = z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']);
const HOURS = /^([01]?\d|2[0-4])(:[0-5]\d)?-([01]?\d|2[0-4])(:[0-5]\d)?$/;
const DURATION = /^\d+(\.\d+)?\s*(s|m|h|d)$/;

export const PACK_NAMES = [
  'secrets',
  'destructive',
  'git',
  'github',
  'exfiltration',
  'remoteCode',
  'boundary',
  'deferredExec',
  'database',
  'deploy',
  'permissions',
  'obfuscation',
  'rateLimits',
] as const;
export type PackName = (typeof PACK_NAMES)[number];

const PACK_TEXT: Record<PackName, string> = {
  secrets: 'Secrets: reading `.env*`, keys, credentials and cloud config; printing secret variables; writing secrets into files.',
  destructive: 'Destructive commands: recursive deletes of tracked files, `mkfs`, `dd` to devices, fork bombs, shutdowns.',
  git: 'Git safety: `git reset --hard`, `git clean -fdx`, force pushes, pushes to and deletion of protected branches, history rewrites, hook bypasses.',
  github: 'GitHub: admin merges, branch-protection and repository deletion, merges to protected branches, token disclosure.',
  exfiltration: 'Exfiltration: uploads of files and secrets, secrets in URLs, look-alike domains, data sent after secrets were read.',
  remoteCode: 'Remote code: `curl … | sh`, running downloaded files, decoded payloads run by a shell.',
  boundary: 'Workspace boundary: writes and deletes outside the workspace folders, paths that escape through symlinks or `..`.',
  deferredExec: 'Deferred execution: git hooks, install scripts, `.envrc`, folder-open tasks, exec-capable git and editor settings, scheduled jobs.',
  database: 'Databases: `DROP`, `TRUNCATE`, unbounded `DELETE`, `FLUSHALL` sent to database clients or MCP servers.',
  deploy: 'Deploy window: deploys and releases outside the window in `deployWindow`, or at any time while frozen.',
  permissions: 'Permissions: world-writable `chmod`, recursive ownership changes, `sudo`.',
  obfuscation: 'Obfuscation: commands whose meaning is hidden (variables as command names, `eval` of unknown text, invisible characters).',
  rateLimits: 'Rate limits: bulk GitHub changes (many issues closed at once, mutations fed by `xargs` or loops).',
};

const packsShape = Object.fromEntries(PACK_NAMES.map((p) => [p, z.boolean().default(true).describe(PACK_TEXT[p])])) as Record<PackName, z.ZodDefault<z.ZodBoolean>>;

export const timeWindowSchema = z
  .object({
    days: z.array(daySchema).optional().describe('Weekdays the window covers (`mon`…`sun`); all days when absent.'),
    hours: z.string().regex(HOURS, 'hours must look like "09:00-17:00"').optional().describe('Hour range `HH:MM-HH:MM` in the time zone; wraps past midnight when the end is earlier (`22:00-06:00`).'),
    timezone: z.string().optional().describe('IANA time zone such as `Europe/Berlin`; the machine\'s zone when absent.'),
    outside: z.boolean().optional().describe('Match outside the window instead of inside it.'),
  })
  .strict();

export const rateLimitSchema = z
  .object({
    max: z.number().int().min(0).describe('How many matching actions are let through per window before the rule applies.'),
    window: z.string().regex(DURATION, 'window must look like "10m", "1h", "30s" or "1d"').describe('Length of the sliding window: `30s`, `10m`, `1h`, `1d`.'),
    key: z.enum(['rule', 'agent', 'session', 'tool', 'kind']).default('rule').describe('What is counted separately: the whole rule, per agent, per session, per tool or per action kind.'),
  })
  .strict();

export const ruleSchema = z
  .object({
    id: z.string().min(1).regex(/^[A-Za-z0-9_.:/-]+$/, 'ids use letters, digits and . _ : / -').describe('Stable name of the rule, shown in decisions and receipts.'),
    effect: verdictSchema.describe('What the rule says when it matches: `allow`, `ask` or `deny`. The most restrictive matching rule wins.'),
    reason: z.string().optional().describe('Why, in words the agent and the user will read.'),
    kinds: z.array(kindSchema).optional().describe('Action kinds the rule applies to (`shell`, `read`, `write`, `edit`, `delete`, `move`, `fetch`, `git`, `github`, `mcp`, `other`).'),
    agents: z.array(z.string()).optional().describe('Agent names (globs): `claude`, `vscode`, `cursor`, `codex`, `copilot-cli`, …'),
    tools: z.array(z.string()).optional().describe('Tool names as the agent sends them (globs): `Bash`, `run_in_terminal`, `mcp__github__*`.'),
    paths: z
      .array(z.string())
      .optional()
      .describe('Path globs in gitignore syntax. Relative to each workspace folder (`src/**`, `/build`, `*.pem` at any depth); `~/…` is relative to the home directory; `abs:/etc/**` is an absolute path.'),
    access: z.array(z.enum(['read', 'write', 'delete'])).optional().describe('Which paths `paths` looks at: read, written, deleted. All when absent.'),
    outsideWorkspace: z.boolean().optional().describe('Match only actions that write or delete outside every workspace folder (`true`), or only inside (`false`).'),
    commands: z
      .array(z.string())
      .optional()
      .describe('Command patterns matched against every sub-command of a shell line: `git push` (prefix), `rm -rf *`, `npm run deploy*`. Flags match in any order and spelling (`-rf` = `-r -f` = `--recursive --force`).'),
    branches: z.array(z.string()).optional().describe('Git branches (globs) the action pushes to, deletes, merges, or is on.'),
    remotes: z.array(z.string()).optional().describe('Git remotes (globs) the action pushes to.'),
    domains: z.array(z.string()).optional().describe('URL host names (globs, `*.example.com`) the action contacts.'),
    mcpServers: z.array(z.string()).optional().describe('MCP server names (globs).'),
    mcpTools: z.array(z.string()).optional().describe('MCP tool names (globs).'),
    content: z.array(z.string()).optional().describe('Regular expressions matched against the content about to be written or sent.'),
    when: timeWindowSchema.optional().describe('The rule applies only inside (or outside) this time window.'),
    rateLimit: rateLimitSchema.optional().describe('The rule applies only once more than `max` matching actions happened in the window.'),
    overrides: z
      .array(z.string())
      .optional()
      .describe('For `allow` rules: built-in pack rules (ids or globs such as `git.force-push`, `destructive.*`) this rule lifts for the actions it matches. Guard rules cannot be lifted.'),
  })
  .strict();

export const exampleSchema = z
  .object({
    name: z.string().optional().describe('What the example checks.'),
    action: z
      .object({
        tool: z.string().min(1).describe('Tool name in the generic form (`shell`, `write`, `read`, …) or any agent tool name.'),
        input: z.record(z.string(), z.unknown()).default({}).describe('The tool input.'),
        agent: z.string().optional(),
      })
      .strict()
      .describe('The action, in the generic `{tool, input}` form.'),
    expect: verdictSchema.describe('The decision the policy must reach.'),
    now: z.string().optional().describe('ISO-8601 time the example is decided at.'),
    branch: z.string().optional().describe('Current git branch for the example.'),
  })
  .strict();

export const DEFAULT_ALLOWED_DOMAINS = [
  'github.com', '*.github.com', 'api.github.com', '*.githubusercontent.com', 'registry.npmjs.org', '*.npmjs.org', 'npmjs.com', '*.npmjs.com',
  'pypi.org', 'files.pythonhosted.org', 'crates.io', 'static.crates.io', 'index.crates.io', 'proxy.golang.org', 'sum.golang.org', 'rubygems.org',
  'repo.maven.apache.org', 'repo1.maven.org', 'nuget.org', '*.nuget.org', 'registry.yarnpkg.com', 'deb.debian.org', 'archive.ubuntu.com',
  'localhost', '127.0.0.1', '::1', '[::1]',
];

export const policySchema = z
  .object({
    mode: z
      .enum(['enforce', 'monitor', 'off'])
      .default('enforce')
      .describe('`enforce` answers agents with the decision; `monitor` decides and records but never blocks; `off` lets everything through.'),
    packs: z
      .object(packsShape)
      .strict()
      .default(Object.fromEntries(PACK_NAMES.map((p) => [p, true])) as Record<PackName, boolean>)
      .describe('Built-in rule packs, each on by default. Self-protection (Belay\'s own settings, hooks and state) is always on.'),
    rules: z.array(ruleSchema).default([]).describe('Your rules. Every matching rule counts; the most restrictive effect wins (deny > ask > allow).'),
    examples: z.array(exampleSchema).default([]).describe('Actions with the decision the policy must reach; `belay policy test` checks them.'),
    protectedBranches: z.array(z.string()).default(['main', 'master', 'release/*']).describe('Branches (globs) that pushes, merges and deletions are guarded on.'),
    deployWindow: z
      .object({
        days: z.array(daySchema).default(['mon', 'tue', 'wed', 'thu', 'fri']).describe('Days deploys are allowed.'),
        hours: z.string().regex(HOURS, 'hours must look like "09:00-17:00"').default('09:00-17:00').describe('Hours deploys are allowed, `HH:MM-HH:MM`.'),
        timezone: z.string().default('Europe/Berlin').describe('IANA time zone of the window (set it to yours).'),
        freeze: z.boolean().default(false).describe('A release freeze: deploys are denied at any time.'),
      })
      .strict()
      .default({ days: ['mon', 'tue', 'wed', 'thu', 'fri'], hours: '09:00-17:00', timezone: 'Europe/Berlin', freeze: false })
      .describe('When deploy and release commands may run (the `deploy` pack).'),
    network: z
      .object({
        allowDomains: z.array(z.string()).default(DEFAULT_ALLOWED_DOMAINS).describe('Hosts (globs) uploads and credentialed requests may go to without asking.'),
      })
      .strict()
      .default({ allowDomains: DEFAULT_ALLOWED_DOMAINS })
      .describe('Network destinations the exfiltration pack trusts.'),
    secrets: z
      .object({
        paths: z.array(z.string()).default([]).describe('More secret files (path globs, same syntax as rule `paths`).'),
        templates: z.array(z.string()).default(['.env.example', '.env.template', '.env.sample', '.env.dist', '.env.defaults', '.env.schema']).describe('File names that look like secret files but hold no secrets (only as regular files, never through a link).'),
      })
      .strict()
      .default({ paths: [], templates: ['.env.example', '.env.template', '.env.sample', '.env.dist', '.env.defaults', '.env.schema'] })
      .describe('What counts as a secret file.'),
    defaults: z
      .object({
        unknownTool: verdictSchema.default('ask').describe('Decision for tools Belay does not know.'),
        mcp: verdictSchema.default('allow').describe('Decision for MCP tool calls no rule matched.'),
      })
      .strict()
      .default({ unknownTool: 'ask', mcp: 'allow' })
      .describe('Decisions when no rule matches.'),
    readFailMode: verdictSchema
      .default('allow')
      .describe('While the policy is invalid, mutating actions are denied; reads get at least this decision (the built-in packs still apply to them).'),
    rateLimits: z
      .object({
        githubMutations: rateLimitSchema.omit({ key: true }).default({ max: 30, window: '10m' }).describe('GitHub changes (issues, pull requests, comments) per window before Belay asks.'),
        bulkItems: z.number().int().min(1).default(10).describe('One action that changes more items than this (bulk close, xargs-fed `gh`) is asked about.'),
      })
      .strict()
      .default({ githubMutations: { max: 30, window: '10m' }, bulkItems: 10 })
      .describe('Built-in rate limits (the `rateLimits` pack).'),
  })
  .strict()
  .describe('The Belay policy: what agents may do in this workspace. See docs/policy.md.');

export type PolicyDoc = z.output<typeof policySchema>;
export type PolicyRule = z.output<typeof ruleSchema>;
export type PolicyExample = z.output<typeof exampleSchema>;
export type TimeWindow = z.output<typeof timeWindowSchema>;
