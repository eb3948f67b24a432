import fs from 'node:fs';
import path from 'node:path';
import { absent } from '../config/files.ts';
import { belayHome } from '../config/paths.ts';

/**
 * The kill switch: one file under BELAY_HOME that every hook of every agent
 * reads before deciding. While it is on, mutating actions are denied.
 */
export interface KillSwitchState {
  on: boolean;
  since?: string;
  by?: string;
  reason?: string;
}

export function killSwitchFile(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(belayHome(env), 'kill-switch.json');
}

/**
 * Reads the switch. A file that exists but cannot be read or parsed counts as
 * ON: someone meant to stop the agents, and Belay fails closed.
 */
export function readKillSwitch(env: NodeJS.ProcessEnv = process.env): KillSwitchState {
  const file = killSwitchFile(env);
  // (usually there is none; see absent)
  if (absent(file)) return { on: false };
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { on: false };
    return { on: true, reason: `the kill switch file ${file} cannot be read (${(err as Error).message})` };
  }
  try {
    const parsed = JSON.parse(text) as Partial<KillSwitchState>;
    if (typeof parsed.on !== 'boolean') throw new Error('no "on" field');
    return {
      on: parsed.on,
      since: typeof parsed.since === 'string' ? parsed.since : undefined,
      by: typeof parsed.by === 'string' ? parsed.by : undefined,
      reason: typeof parsed.reason === 'string' ? parsed.reason : undefined,
    };
  } catch (err) {
    return { on: true, reason: `the kill switch file ${file} is malformed (${(err as Error).message})` };
  }
}

/** Turns the switch on or off (atomic write), returning the new state. */
export function setKillSwitch(on: boolean, by: string, env: NodeJS.ProcessEnv = process.env, now = new Date()): KillSwitchState {
  const file = killSwitchFile(env);
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const state: KillSwitchState = { on, since: now.toISOString(), by };
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(state, null, 2) + '\n', { mode: 0o600 });
  fs.renameSync(tmp, file);
  return state;
}
