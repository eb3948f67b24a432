import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ReceiptStore } from '../../../../src/core/receipts/store.ts';
import type { NewReceipt, ReceiptStoreOptions } from '../../../../src/core/receipts/store.ts';

export interface Sandbox {
  root: string;
  workspace: string;
  home: string;
  file: string;
  env: NodeJS.ProcessEnv;
  open(opts?: Partial<ReceiptStoreOptions>): ReceiptStore;
  cleanup(): void;
}

/** A temp folder with a workspace, a BELAY_HOME and a receipts file path; never the real home. */
export function sandbox(): Sandbox {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'belay-receipts-'));
  const workspace = path.join(root, 'ws');
  const home = path.join(root, 'home');
  fs.mkdirSync(workspace);
  const env = { BELAY_HOME: home };
  const file = path.join(home, 'workspaces', 'ws', 'receipts.sqlite');
  return {
    root,
    workspace,
    home,
    file,
    env,
    open: (opts = {}) => ReceiptStore.open({ file, workspace, env, ...opts }),
    cleanup: () => fs.rmSync(root, { recursive: true, force: true }),
  };
}

/** A typical Claude Code Edit, allowed, pending until completed. */
export function editReceipt(over: Partial<NewReceipt> = {}): NewReceipt {
  return {
    agent: 'claude-code',
    harness: 'claude',
    sessionId: 'sess-1',
    tool: 'Edit',
    toolUseId: `toolu_${Math.random().toString(36).slice(2, 12)}`,
    action: { kind: 'edit', paths: [{ path: 'src/app.ts', access: 'write' }] },
    input: { file_path: 'src/app.ts', old_string: 'let a = 1;', new_string: 'let a = 2;' },
    decision: 'allow',
    rule: 'default-allow',
    reason: 'no rule matched; the default allows edits',
    policyHash: 'a'.repeat(64),
    checkpointBefore: 'c'.repeat(40),
    outcome: 'pending',
    ...over,
  };
}
