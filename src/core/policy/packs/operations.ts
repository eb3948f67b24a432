import { normaliseSql, SQL_DESTRUCTIVE } from '../shell/cmdDatabases.ts';
import { inWindow } from '../matchers.ts';
import { NONE, type PackContext } from './context.ts';

const DB_RESET_NAMES = new Set([
  'prisma', 'npx', 'rails', 'rake', 'bin/rails', 'dropdb', 'dropuser', 'python', 'python3', 'django-admin', 'supabase', 'mongo', 'sequelize', 'sequelize-cli', 'knex',
  'typeorm', 'drizzle-kit', 'mikro-orm', 'redis-cli', 'php', 'artisan', 'alembic', 'flask', 'diesel', 'sqlx', 'dotnet', 'mix',
]);

/** Databases: destructive statements sent to clients, inline programs or MCP servers. */
export function checkDatabase(pc: PackContext): void {
  const a = pc.action;
  const statements: { sql: string; fragment: string }[] = [];
  for (const c of pc.commands()) for (const s of c.sql) statements.push({ sql: s, fragment: c.text });
  for (const s of a.signals) if (s.code === 'mcp.sql') statements.push({ sql: s.fragment, fragment: a.mcp ? `${a.mcp.server}.${a.mcp.tool}` : s.fragment });
  if (a.kind === 'mcp' && a.mcp && /sql|query|exec|statement|database|db|redis|mongo|postgres|mysql/i.test(`${a.mcp.server} ${a.mcp.tool}`) && a.content) {
    statements.push({ sql: a.content, fragment: `${a.mcp.server}.${a.mcp.tool}` });
  }
  for (const { sql, fragment } of statements) {
    const norm = normaliseSql(sql);
    const m = SQL_DESTRUCTIVE.exec(norm);
    if (m) pc.add('database.destructive', 'deny', `sends a destructive database command (${m[0].trim().slice(0, 40)})`, fragment);
  }
  for (const c of pc.commands()) {
    if (!DB_RESET_NAMES.has(c.name) && !c.name.startsWith('python')) continue;
    const args = c.args.join(' ');
    const reset =
      (c.name === 'prisma' || c.name === 'npx' && c.args[0] === 'prisma') && /migrate reset|db push .*--force-reset|--accept-data-loss/.test(args) ||
      /^(rails|rake|bin\/rails)$/.test(c.name) && /\bdb:(drop|reset|purge|schema:load|truncate_all)\b/.test(args) ||
      c.name === 'dropdb' || c.name === 'dropuser' ||
      /^(python\d*|django-admin)$/.test(c.name) && /\b(flush|reset_db|sqlflush)\b/.test(args) && /manage\.py|django-admin/.test(`${c.name} ${args}`) ||
      c.name === 'supabase' && /db reset/.test(args) ||
      c.name === 'mongo' && /dropDatabase/.test(args) ||
      /^(sequelize|sequelize-cli|knex|typeorm|drizzle-kit|mikro-orm)$/.test(c.name) && /db:drop|migrate:rollback --all|schema:drop|migration:down --to 0|drop\b/.test(args) ||
      c.name === 'redis-cli' && /\b(flushall|flushdb)\b/i.test(args) ||
      // Laravel: db:wipe drops every table, migrate:fresh and migrate:reset undo every migration
      (c.name === 'artisan' || c.name === 'php' && /(^|\/)artisan$/.test(c.args[0] ?? '')) && /\b(db:wipe|migrate:fresh|migrate:reset)\b/.test(args) ||
      // every migration undone: the tables they made are dropped
      (c.name === 'alembic' || c.name === 'flask' && c.args[0] === 'db') && /\bdowngrade\s+base\b/.test(args) ||
      (c.name === 'diesel' || c.name === 'sqlx') && /\bdatabase (reset|drop)\b/.test(args) ||
      c.name === 'dotnet' && /\bef database drop\b/.test(args) ||
      c.name === 'mix' && /\becto\.(drop|reset)\b/.test(args);
    if (reset) pc.add('database.reset', 'deny', 'drops or resets a database', c.text);
  }
}

/**
 * A git push that deploys: to a platform's remote (`git push heroku`), or of
 * release tags (`git push origin v1.2.3`, `--tags`, `refs/tags/…`), which
 * start release pipelines.
 */
function gitPushDeploy(remote: string | undefined, args: readonly string[]): string | undefined {
  if (/^(heroku|dokku|production|prod|live|deploy|staging|fly|render|azure|pantheon|platform|scalingo|clever)$/i.test(remote ?? '')) return `git push ${remote}`;
  if (args.some((a) => a === '--tags' || /^\+?(refs\/tags\/|v?\d+\.\d+(\.\d+)?([-+][\w.]+)?$)/.test(a.replace(/^[^:]*:/, '')))) return 'git push of a release tag';
  return undefined;
}

/** Deploys and releases: only inside the deploy window, never while frozen, never scheduled for later. */
export function checkDeploy(pc: PackContext): void {
  const w = pc.policy.deployWindow;
  for (const c of pc.commands()) {
    const deploy = c.deploy ?? (c.git?.op === 'push' ? gitPushDeploy(c.git.remote, c.git.args) : undefined);
    if (!deploy) continue;
    const scheduled = c.via.some((v) => /^(at|batch|crontab|systemd-run|launchctl|schtasks)\b/.test(v));
    if (w.freeze) {
      pc.add('deploy.freeze', 'deny', `${deploy} during a release freeze`, c.text);
      continue;
    }
    if (scheduled) {
      pc.add('deploy.scheduled', 'deny', `${deploy} is scheduled to run later, outside any check of the deploy window`, c.text);
      continue;
    }
    const when = new Date(pc.ctx.now.getTime() + c.delaySeconds * 1000);
    if (!inWindow(when, w)) {
      const later = c.delaySeconds > 0 ? ` (it would run ${Math.round(c.delaySeconds / 60)} minutes from now)` : '';
      pc.add('deploy.outside-window', 'deny', `${deploy} outside the deploy window (${w.days.join(',')} ${w.hours} ${w.timezone})${later}`, c.text);
    }
  }
}

/** Permissions: world-writable files, setuid, ownership, sudo. */
export function checkPermissions(pc: PackContext): void {
  for (const c of pc.commands()) {
    if (!c.chmod) continue;
    const mode = c.chmod.mode;
    const targets = c.writes;
    const broad = c.chmod.recursive || targets.some((t) => t.includes('*') || pc.fact(t)?.type === 'dir' || pc.isWorkspaceRoot(t));
    if (mode.startsWith('owner:')) {
      if (c.chmod.recursive && targets.some((t) => !pc.inWorkspace(t) && !pc.isScratch(t))) pc.add('permissions.chown-outside', 'deny', 'changes ownership recursively outside the workspace', c.text);
      else if (c.chmod.recursive) pc.add('permissions.chown', 'ask', 'changes ownership recursively', c.text);
      continue;
    }
    if (worldWritable(mode)) pc.add('permissions.world-writable', broad ? 'deny' : 'ask', `makes ${broad ? 'whole trees' : 'files'} writable by every user (chmod ${mode})`, c.text);
    if (/^[0-7]?[4267][0-7]{3}$/.test(mode) || /[ug]\+[rwx]*s/.test(mode)) pc.add('permissions.setuid', 'deny', `sets the setuid/setgid bit (chmod ${mode})`, c.text);
  }
  for (const c of pc.commands()) {
    if (/^(usermod|useradd|adduser|userdel|deluser|groupadd|groupmod|gpasswd|passwd|chpasswd|visudo|sudoedit|dscl|net)$/.test(c.name) && !(c.name === 'net' && !/^(user|localgroup)$/i.test(c.args[0] ?? ''))) {
      pc.add('permissions.accounts', 'ask', `${c.name} changes user accounts or privileges`, c.text);
    }
  }
  for (const c of pc.commands()) {
    const what = SYSTEM_CONTROL_NAMES.has(c.name) ? systemControl(c.name, c.args) : undefined;
    if (what !== undefined) pc.add('permissions.system', 'ask', what, c.text);
  }
  for (const s of pc.action.shell?.signals ?? NONE) {
    if (s.code === 'privilege.sudo') pc.add('permissions.sudo', 'ask', s.detail ?? 'runs with elevated privileges', s.fragment);
    else if (s.code === 'privilege.root-shell') pc.add('permissions.root-shell', 'ask', s.detail ?? 'opens a root shell', s.fragment);
  }
}

const SYSTEM_CONTROL_NAMES: ReadonlySet<string> = new Set(['setcap', 'mount', 'umount', 'sysctl', 'iptables', 'ip6tables', 'nft', 'ufw', 'systemctl', 'setenforce', 'journalctl']);

/** Machine-wide controls turned down: capabilities granted, firewalls flushed or stopped, kernel settings, logs vacuumed. */
function systemControl(name: string, args: readonly string[]): string | undefined {
  switch (name) {
    case 'setcap':
      return args.some((a) => /[+=][eip]+$/.test(a)) ? 'setcap grants a program capabilities (root powers without sudo)' : undefined;
    case 'mount':
    case 'umount':
      return args.length > 0 && !args.every((a) => a.startsWith('-') && !/remount/.test(a)) ? `${name} changes what file systems are mounted` : undefined;
    case 'sysctl':
      return args.some((a) => a === '-w' || /^[a-z0-9_.]+=/.test(a)) ? 'sysctl changes kernel settings' : undefined;
    case 'iptables':
    case 'ip6tables':
      return args.some((a) => a === '-F' || a === '--flush' || a === '-X' || a === '--delete-chain') || args.includes('-P') && args.includes('ACCEPT') ? `${name} flushes or opens the firewall` : undefined;
    case 'nft':
      return args[0] === 'flush' || args[0] === 'delete' ? 'nft removes firewall rules' : undefined;
    case 'ufw':
      return args[0] === 'disable' || args[0] === 'reset' ? `ufw ${args[0]} turns the firewall off` : undefined;
    case 'systemctl':
      return /^(stop|disable|mask|kill)$/.test(args.find((a) => !a.startsWith('-')) ?? '') && args.some((a) => /^(firewalld|ufw|nftables|iptables|apparmor|auditd|fail2ban|selinux|clamav\S*|falcon-sensor|osqueryd|wazuh-agent)(\.service)?$/.test(a)) ? 'systemctl stops a security service' : undefined;
    case 'setenforce':
      return args[0] === '0' || /^permissive$/i.test(args[0] ?? '') ? 'setenforce 0 turns SELinux enforcement off' : undefined;
    case 'journalctl':
      return args.some((a) => /^--vacuum-(time|size|files)/.test(a) || a === '--rotate') ? 'journalctl deletes system logs' : undefined;
    default:
      return undefined;
  }
}

function worldWritable(mode: string): boolean {
  if (/^[0-7]{3,4}$/.test(mode)) {
    const other = Number(mode[mode.length - 1]);
    return (other & 2) === 2;
  }
  // symbolic: o+w, a+rwx, a=rw (a bare `+w` follows the umask and stays private)
  return /(^|,)[ugo]*[ao][ugo]*[+=][rwxXst]*w/.test(mode);
}
