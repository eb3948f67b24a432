import type { PathFact } from '../action.ts';
import { DEVICE_PATH, isDiskTool } from '../shell/cmdOps.ts';
import { NONE, type PackContext } from './context.ts';
import { INFRA_TOOLS, infrastructureDamage } from './infrastructure.ts';

/** names of files, not folders: what `rm -rf` of a path that does not exist (yet) most likely names */
const FILE_NAME = /\.(json|jsonc|lock|ya?ml|toml|ini|cfg|conf|txt|md|mdx|rst|log|csv|tsv|xml|html?|css|scss|sass|less|[cm]?[jt]sx?|vue|svelte|py|pyc|rb|go|rs|java|kt|swift|c|h|cc|cpp|hpp|cs|php|sh|bash|zsh|ps1|sql|sqlite3?|db|png|jpe?g|gif|svg|ico|webp|pdf|zip|tar|gz|tgz|bz2|xz|7z|jar|war|whl|exe|dll|so|dylib|o|a|map|snap|patch|diff|bak|tmp|orig|pid|tsbuildinfo)$/i;

/**
 * `rm -rf FILE` deletes one file, however it is spelled: a path that is a
 * file or a link (the link, not what it points to), or, when nothing is there
 * yet, a name only files have (`package-lock.json`). Single files come back
 * from the checkpoint, as other single-file deletes do.
 */
function singleFile(p: string, fact: PathFact | undefined): boolean {
  if (fact === undefined || fact.glob === true || fact.dynamic === true) return false;
  if (fact.exists) return fact.type === 'file' || fact.type === 'symlink';
  return FILE_NAME.test(p.slice(p.lastIndexOf('/') + 1));
}

/** Destroying work or the machine: recursive deletes of tracked files, disks, fork bombs. */
export function checkDestructive(pc: PackContext): void {
  const a = pc.action;
  for (const d of a.deleteOps) {
    if (d.via === 'git clean') continue; // the git pack judges git clean
    const p = d.path;
    if (!pc.inWorkspace(p)) continue; // outside: the boundary pack
    const unknownName = pc.fact(p)?.dynamic === true && pc.fact(p)?.glob !== true;
    if (pc.isWorkspaceRoot(p) && !unknownName) continue; // the guard denies this
    const rel = p.slice((pc.workspaceOf(p) ?? '').length);
    if (/^\/\.git(\/|$)/.test(rel)) {
      pc.add('git.delete-repository', 'deny', 'deletes the git repository (.git) and its history', p, 'git');
      continue;
    }
    const fact = pc.fact(p);
    if (pc.regenerable(p)) continue;
    if (fact?.dynamic && !fact.glob && !p.includes('/**')) {
      // `rm -rf "$DIR"`: the target is only known at run time
      pc.add('destructive.unknown-delete', 'ask', `${d.via} deletes ${d.recursive ? 'a tree' : 'files'} only known at run time`, p);
      continue;
    }
    const mass = d.recursive && !singleFile(p, fact) || p.includes('/**') || fact?.glob === true && d.filtered !== true && /\/\*$/.test(p);
    if (!mass) continue;
    pc.add('destructive.recursive-delete', 'deny', `${d.via} deletes ${describeTarget(p, rel)} recursively (tracked work, not a build folder)`, p);
  }
  for (const m of a.moves) {
    if (!pc.inWorkspace(m.from) || pc.inWorkspace(m.to)) continue;
    if (m.from.slice((pc.workspaceOf(m.from) ?? '').length) === '/.git') pc.add('git.delete-repository', 'deny', `moves the git repository (.git) and its history out of the workspace (to ${m.to})`, m.from, 'git');
  }
  for (const c of pc.commands()) {
    if (isDiskTool(c.name, c.args)) pc.add('destructive.disk', 'deny', `${c.name} erases or repartitions a disk`, c.text);
    for (const w of c.writes) if (DEVICE_PATH.test(w)) pc.add('destructive.disk', 'deny', `writes straight to the device ${w}`, c.text);
    for (const d of c.deletes) if (DEVICE_PATH.test(d.path)) pc.add('destructive.disk', 'deny', `destroys the device ${d.path}`, c.text);
    // cloud resources, clusters, stacks, buckets, volumes: outside the workspace, beyond any checkpoint
    if (INFRA_TOOLS.has(c.name)) {
      const v = infrastructureDamage(c.name, c.args);
      if (v) pc.add(v.effect === 'deny' ? 'destructive.infrastructure' : 'destructive.infrastructure-change', v.effect, v.what, c.text);
    }
  }
  if (a.kind === 'mcp' && a.mcp && /(^|[_.-])(delete|drop|destroy|truncate|purge|wipe|remove|reset|erase|flush(?:all|db)?)([_.-]|$)/i.test(a.mcp.tool)) {
    // a whole store (`drop_collection`, `delete_database`, `delete_namespace`, redis `flushall`) is denied, as `DROP TABLE` is; single items ask
    const whole = /(^|[_.-])(drop|truncate|purge|wipe|destroy|delete|flush)[_.-]?(collection|database|db|table|schema|keyspace|bucket|index|namespace|cluster|project|all)s?$/i.test(a.mcp.tool) || /^flush(all|db)?$/i.test(a.mcp.tool);
    pc.add('destructive.mcp-tool', whole ? 'deny' : 'ask', `the MCP tool ${a.mcp.tool} ${whole ? 'deletes a whole data store' : 'deletes or resets data'}`, `${a.mcp.server}.${a.mcp.tool}`);
  }
  for (const s of a.shell?.signals ?? NONE) {
    switch (s.code) {
      case 'system.fork-bomb':
        pc.add('destructive.fork-bomb', 'deny', s.detail ?? 'a fork bomb', s.fragment);
        break;
      case 'system.power':
        pc.add('destructive.power', 'deny', s.detail ?? 'shuts the machine down', s.fragment);
        break;
      case 'system.kill-all':
        pc.add('destructive.kill-all', 'deny', s.detail ?? 'kills every process', s.fragment);
        break;
      case 'system.disk':
        pc.add('destructive.disk', 'deny', s.detail ?? 'erases a disk', s.fragment);
        break;
      case 'system.registry':
        pc.add('destructive.registry', 'ask', s.detail ?? 'deletes registry keys', s.fragment);
        break;
      case 'system.kill-editor':
        pc.add('destructive.kill-editor', 'ask', s.detail ?? 'may stop the editor', s.fragment);
        break;
      case 'exec.inline-delete':
        pc.add('destructive.inline-delete', 'ask', s.detail ?? 'an inline program deletes files', s.fragment);
        break;
      default:
        break;
    }
  }
}

function describeTarget(p: string, rel: string): string {
  const r = rel.replace(/^\/+/, '');
  if (p.includes('/**')) return `every matching file under ${r.replace(/\/\*\*.*$/, '') || '.'}`;
  return r || p;
}

/** Caches in the home directory that tools fill again (`~/.cache/pip`, `~/.npm/_cacache`, `~/Library/Caches/…`) */
const HOME_CACHES = /^\/(?:\.cache|\.npm\/_cacache|\.npm\/_npx|\.yarn\/berry\/cache|\.pnpm-store|\.local\/share\/pnpm\/store|\.gradle\/caches|\.m2\/repository|\.cargo\/registry\/(?:cache|src)|Library\/Caches|go\/pkg\/mod\/cache|\.bun\/install\/cache|\.nuget\/packages)(?:\/|$)/;

/** A delete of (something in) a cache folder in the home directory: nothing is lost that a tool does not make again. */
function homeCache(pc: PackContext, p: string): boolean {
  const home = pc.ctx.home.replace(/\/+$/, '');
  return p.startsWith(home + '/') && HOME_CACHES.test(p.slice(home.length));
}

/** The workspace boundary: writes and deletes outside every workspace folder, paths that escape. */
export function checkBoundary(pc: PackContext): void {
  const a = pc.action;
  const moved = a.moves.length > 0 ? new Set(a.moves.map((m) => m.to)) : undefined;
  for (const p of a.writes) {
    if (pc.inWorkspace(p) || pc.isScratch(p) || moved?.has(p)) continue;
    pc.add('boundary.write-outside', 'deny', `writes outside the workspace: ${p}`, p);
  }
  for (const d of a.deleteOps) {
    if (pc.inWorkspace(d.path) || pc.isScratch(d.path) || homeCache(pc, d.path)) continue;
    pc.add('boundary.delete-outside', 'deny', `deletes outside the workspace: ${d.path}`, d.path);
  }
  for (const m of a.moves) {
    const fromIn = pc.inWorkspace(m.from);
    const toIn = pc.inWorkspace(m.to);
    if (!toIn && !pc.isScratch(m.to)) pc.add('boundary.write-outside', 'deny', `moves files outside the workspace: ${m.to}`, m.to);
    else if (fromIn && !toIn && !pc.regenerable(m.from)) pc.add('boundary.move-out', 'ask', `moves ${m.from} out of the workspace (to ${m.to})`, m.from);
    if (!fromIn && !pc.isScratch(m.from)) pc.add('boundary.delete-outside', 'deny', `moves files away from outside the workspace: ${m.from}`, m.from);
  }
  // the table's own keys in one list (cheaper than for…in over a prototype-less hash table)
  const table = a.paths;
  const keys = Object.keys(table);
  for (let i = 0; i < keys.length; i++) {
    const p = keys[i]!;
    const fact = table[p]!;
    if (fact.viaSymlink && !pc.inWorkspace(p) && pc.inWorkspace(fact.lexical)) {
      pc.add('boundary.symlink-escape', 'deny', `${fact.given} leads outside the workspace through a symlink (to ${p})`, fact.given);
    }
    if (fact.ads) pc.add('boundary.alternate-stream', 'deny', `${fact.given} names a hidden NTFS data stream`, fact.given);
  }
}
