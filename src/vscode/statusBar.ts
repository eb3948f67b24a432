import * as vscode from 'vscode';
import fs from 'node:fs';
import { killSwitchFile, readKillSwitch, type KillSwitchState } from '../core/actions/killSwitch.ts';
import { Disposable } from './disposable.ts';
import { Commands } from './ids.ts';

export interface GuardHealth {
  /** the policy loads; when not, mutating actions are denied */
  policyOk: boolean;
  policyError?: string;
  /** file changes during agent sessions that no hook reported */
  unguarded?: number;
}

/**
 * One status bar item that tells at a glance whether the guard is on: the
 * kill switch (read from the file every hook reads), and the policy state.
 */
export class GuardStatusBar extends Disposable {
  private readonly item = this.register(vscode.window.createStatusBarItem('belay.status', vscode.StatusBarAlignment.Left, 100));
  private kill: KillSwitchState = { on: false };
  private health: GuardHealth = { policyOk: true };
  private readonly file = killSwitchFile();
  private readonly onKillChange = this.register(new vscode.EventEmitter<KillSwitchState>());
  readonly onDidChangeKillSwitch = this.onKillChange.event;

  constructor() {
    super();
    this.item.name = 'Belay';
    this.item.command = Commands.toggleKillSwitch;
    // Other processes (the CLI, another window) flip the switch too: poll its file.
    const listener = (): void => this.refreshKillSwitch();
    fs.watchFile(this.file, { interval: 1000 }, listener);
    this.register({ dispose: () => fs.unwatchFile(this.file, listener) });
    this.refreshKillSwitch();
    this.item.show();
  }

  get killSwitch(): KillSwitchState {
    return this.kill;
  }

  refreshKillSwitch(): void {
    const next = readKillSwitch();
    const changed = next.on !== this.kill.on;
    this.kill = next;
    this.render();
    if (changed) this.onKillChange.fire(next);
  }

  setHealth(health: Partial<GuardHealth>): void {
    this.health = { ...this.health, ...health };
    this.render();
  }

  private render(): void {
    const item = this.item;
    if (this.kill.on) {
      item.text = '$(debug-stop) Belay: kill switch ON';
      item.tooltip = `Every agent is denied mutating actions${this.kill.by ? ` (turned on by ${this.kill.by})` : ''}. Click to turn the kill switch off.`;
      item.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
    } else if (!this.health.policyOk) {
      item.text = '$(warning) Belay: policy invalid';
      item.tooltip = `Mutating agent actions are denied until the policy is fixed: ${this.health.policyError ?? ''}`;
      item.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
    } else if ((this.health.unguarded ?? 0) > 0) {
      const n = this.health.unguarded ?? 0;
      item.text = `$(warning) Belay: ${n} unguarded change${n === 1 ? '' : 's'}`;
      item.tooltip =
        'An agent changed files without its hooks reporting to Belay, so the guard may be off for that agent. The changes are recorded and can be rolled back in the timeline. Click to turn the kill switch on.';
      item.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
    } else {
      item.text = '$(shield) Belay';
      item.tooltip = 'Belay guards agent actions in this workspace. Click to turn the kill switch on.';
      item.backgroundColor = undefined;
    }
    item.accessibilityInformation = { label: item.text.replace(/\$\([^)]*\)\s*/g, ''), role: 'button' };
  }
}
