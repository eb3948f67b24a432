import * as vscode from 'vscode';
import path from 'node:path';
import os from 'node:os';
import {
  AGENT_IDS,
  agentName,
  agentNote,
  applyChanges,
  connectionStatus,
  planConnect,
  planDisconnect,
  planRepair,
  type AgentId,
  type ConnectEnv,
} from '../core/connectors/connect.ts';

/** The environment hooks written from VS Code run in: this extension host's runtime and bundled CLI. */
export function connectEnv(workspace: string, extensionPath: string): ConnectEnv {
  return { workspace, home: os.homedir(), command: { runtime: process.execPath, cli: path.join(extensionPath, 'dist', 'belay.js') } };
}

/**
 * "Belay: Connect Agents": a quick pick of the agents with their current
 * state; the chosen ones are connected and the unchosen connected ones
 * disconnected, after the person has seen the diff.
 */
export async function connectAgentsInteractively(workspace: string, extensionPath: string, log: vscode.LogOutputChannel): Promise<string | undefined> {
  const env = connectEnv(workspace, extensionPath);
  const status = new Map(connectionStatus(env).map((s) => [s.agent, s]));
  const items = AGENT_IDS.map((id) => ({
    label: agentName(id),
    description: status.get(id)?.connected ? 'guarded' : 'not guarded',
    detail: `${status.get(id)?.detail ?? ''} — ${agentNote(id)}`,
    picked: status.get(id)?.connected ?? false,
    id,
  }));
  const picked = await vscode.window.showQuickPick(items, {
    canPickMany: true,
    title: 'Belay: Connect Agents',
    placeHolder: 'Checked agents run their tool calls through Belay (VS Code agent mode is guarded by the extension itself)',
  });
  if (!picked) return undefined;
  const want = new Set<AgentId>(picked.map((p) => p.id));
  const connect = AGENT_IDS.filter((id) => want.has(id));
  const disconnect = AGENT_IDS.filter((id) => !want.has(id) && status.get(id)?.connected);
  const changes = [...planConnect(connect, env), ...planDisconnect(disconnect, env)];
  if (changes.length === 0) {
    void vscode.window.showInformationMessage('Belay: the agents are already wired as chosen.');
    return 'unchanged';
  }
  const diff = changes.map((c) => c.diff).join('\n');
  const doc = await vscode.workspace.openTextDocument({ content: diff, language: 'diff' });
  await vscode.window.showTextDocument(doc, { preview: true });
  const ok = await vscode.window.showWarningMessage(
    `Belay will change ${changes.length} file(s) to ${connect.length ? `connect ${connect.map(agentName).join(', ')}` : ''}${connect.length && disconnect.length ? ' and ' : ''}${disconnect.length ? `disconnect ${disconnect.map(agentName).join(', ')}` : ''}. Your own hooks are kept.`,
    { modal: true },
    'Apply',
  );
  if (ok !== 'Apply') return undefined;
  applyChanges(changes);
  for (const c of changes) log.info(`connect: ${c.agent} ${c.after === undefined ? 'removed from' : 'written to'} ${c.file}`);
  void vscode.window.showInformationMessage(`Belay: ${changes.length} hook file(s) updated.`);
  return 'applied';
}

/** `<extensions>/belay-dev.belay-<version>/dist/belay.js`: the CLI of an installed Belay extension. */
const INSTALLED_CLI = /[\\/]belay-dev\.belay-[^\\/]+[\\/]dist[\\/]belay\.js$/i;

/**
 * After an update the hooks `belay connect` wrote still name the previous
 * version's CLI, which VS Code deletes: every guarded call would then be
 * denied. On activation, hooks that run a CLI or runtime that is gone, or an
 * older installed version of this extension, are pointed at this one (only
 * Belay's own entries change; the user's hooks stay). Returns what changed.
 */
export function repairConnectedAgents(workspace: string, extensionPath: string, log: vscode.LogOutputChannel): string[] {
  const env = connectEnv(workspace, extensionPath);
  let changes;
  try {
    changes = planRepair(env, (p) => INSTALLED_CLI.test(p.cli) && path.resolve(p.cli) !== path.resolve(env.command.cli));
    applyChanges(changes);
  } catch (err) {
    log.warn(`could not update the connected agents' hooks: ${err instanceof Error ? err.message : String(err)}`);
    return [];
  }
  for (const c of changes) log.info(`connect: ${agentName(c.agent)}'s Belay hooks now run ${env.command.cli} (${c.file})`);
  if (changes.length > 0) {
    void vscode.window.showInformationMessage(`Belay updated its hooks for ${[...new Set(changes.map((c) => agentName(c.agent)))].join(', ')} to this version.`);
  }
  return changes.map((c) => c.file);
}
