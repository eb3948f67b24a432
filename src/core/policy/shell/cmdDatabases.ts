import { parseArgs, values, type ArgSpec } from './args.ts';
import { stdinFileOf, type Handler } from './commandKit.ts';

/**
 * Database clients and the statements sent to them.
 */
// ---------------------------------------------------------------- databases

export const SQL_DESTRUCTIVE = /\b(DROP\s+(TABLE|DATABASE|SCHEMA|INDEX|VIEW|USER|ROLE|COLLECTION|KEYSPACE|OWNED)|TRUNCATE(\s+TABLE)?\s+\w|DELETE\s+FROM\s+[\w."`\[\]]+\s*(;|$)|DELETE\s+FROM\s+\S+\s+WHERE\s+(1\s*=\s*1|TRUE|'1'\s*=\s*'1'|1)\s*(;|$)|ALTER\s+TABLE\s+\S+\s+DROP|FLUSHALL|FLUSHDB|\bDEL\s+\*|\bUNLINK\s+\*|DROPDATABASE|\.DROP\s*\(|DELETEMANY\s*\(\s*\{\s*\}\s*\)|REMOVE\s*\(\s*\{\s*\}\s*\)|UPDATE\s+[\w."`]+\s+SET\s+[^;]*?(;|$)(?![\s\S]*WHERE))/;

/** Upper-cases SQL and removes comments, so `DrOp/**\/TaBlE` reads as `DROP TABLE`. */
export function normaliseSql(sql: string): string {
  return sql
    .slice(0, 20_000)
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/--[^\n]*/g, ' ')
    .replace(/#[^\n]*/g, (m) => (/^#\s*\w+\s*=/.test(m) ? m : ' '))
    .replace(/\s+/g, ' ')
    .toUpperCase();
}

export const DB_CLIENTS: Record<string, { flags: string[]; spec: ArgSpec; positionalSql?: 'after-db' | 'all' }> = {
  psql: { flags: ['-c', '--command'], spec: { values: ['c', 'f', 'd', 'h', 'p', 'U', 'v', 'o', 'P', 'T', 'F', 'R', 'L', '--command', '--file', '--dbname', '--host', '--port', '--username', '--set', '--variable', '--output'] } },
  pgcli: { flags: ['-c'], spec: { values: ['c', 'h', 'p', 'U', 'd'] } },
  mysql: { flags: ['-e', '--execute'], spec: { values: ['e', 'h', 'u', 'p', 'P', 'D', 'S', '--execute', '--host', '--user', '--database', '--port', '--socket'] } },
  mariadb: { flags: ['-e', '--execute'], spec: { values: ['e', 'h', 'u', 'P', 'D', 'S', '--execute'] } },
  mycli: { flags: ['-e', '--execute'], spec: { values: ['e', 'h', 'u', 'P', 'D'] } },
  sqlite3: { flags: ['-cmd'], spec: { values: ['-cmd', '-separator', '-nullvalue', '-init'], singleDashLong: true }, positionalSql: 'after-db' },
  litecli: { flags: ['-e'], spec: { values: ['e'] } },
  duckdb: { flags: ['-c'], spec: { values: ['c', '-cmd'] }, positionalSql: 'after-db' },
  mongo: { flags: ['--eval'], spec: { values: ['--eval', '--host', '--port', '-u', '-p', '--authenticationDatabase'] } },
  mongosh: { flags: ['--eval'], spec: { values: ['--eval', '--host', '--port', '-u', '-p', '--authenticationDatabase'] } },
  'redis-cli': { flags: [], spec: { values: ['h', 'p', 'a', 'n', 'u', 's', 'r', 'i', '--user', '--pass'] }, positionalSql: 'all' },
  cqlsh: { flags: ['-e', '--execute'], spec: { values: ['e', 'u', 'p', 'k', '--execute', '--keyspace'] } },
  'clickhouse-client': { flags: ['-q', '--query'], spec: { values: ['q', 'h', 'u', 'd', '--query', '--host', '--user', '--database', '--password', '--port'] } },
  sqlcmd: { flags: ['-Q', '-q'], spec: { values: ['Q', 'q', 'S', 'U', 'P', 'd', 'i', 'o'] } },
  bq: { flags: [], spec: { values: ['--project_id', '--location'] }, positionalSql: 'all' },
  snowsql: { flags: ['-q', '--query'], spec: { values: ['q', 'a', 'u', 'd', 's', 'w', 'r', '--query'] } },
};

export const dbClient = (name: string): Handler => (args, ctx, info) => {
  const def = DB_CLIENTS[name]!;
  const p = parseArgs(args, def.spec);
  const sql: string[] = [];
  for (const f of def.flags) sql.push(...values(p, f));
  if (name === 'sqlite3' || name === 'duckdb') {
    // sqlite3 DB "SQL…"; -cmd is single-dash long
    const pos = p.positionals;
    if (pos[0]) info.writes.push(ctx.resolve(pos[0]));
    sql.push(...pos.slice(1).map((a) => a.v));
    for (let i = 0; i < args.length - 1; i++) if (args[i]!.v === '-cmd') sql.push(args[i + 1]!.v);
  } else if (def.positionalSql === 'all') {
    sql.push(p.positionals.map((a) => a.v).join(' '));
  }
  // script files (`psql -f drop.sql`, `mysql < dump.sql`) are read now for the statements they send (at most 1 MB)
  for (const f of values(p, '-f', '--file', '-i')) {
    const path = ctx.resolve(f);
    info.reads.push(path);
    sql.push(ctx.readText?.(path) ?? `\\i ${f}`);
  }
  const stdinFile = stdinFileOf(info);
  if (stdinFile !== undefined) {
    const text = ctx.readText?.(stdinFile);
    if (text !== undefined) sql.push(text);
  }
  if (ctx.stdin?.text) sql.push(ctx.stdin.text);
  if (ctx.stdin && ctx.stdin.text === undefined) info.sql.push('<stdin>');
  info.sql.push(...sql.filter((s) => s.trim() !== ''));
  info.network = info.network || p.flags.has('-h') || p.flags.has('--host');
};

