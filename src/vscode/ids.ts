/** Every id Belay contributes; tests check these against package.json. */
export const Commands = {
  refresh: 'belay.refresh',
  rollback: 'belay.rollback',
  restoreCheckpoint: 'belay.restoreCheckpoint',
  createCheckpoint: 'belay.createCheckpoint',
  showDiff: 'belay.showDiff',
  verifyReceipts: 'belay.verifyReceipts',
  showLog: 'belay.showLog',
  openTimeline: 'belay.openTimeline',
  toggleKillSwitch: 'belay.toggleKillSwitch',
  connectAgents: 'belay.connectAgents',
} as const;
export type CommandId = (typeof Commands)[keyof typeof Commands];

export const Views = {
  container: 'belay',
  actions: 'belay.actions',
  timeline: 'belay.timeline',
} as const;

export const ContextValues = {
  receipt: 'belay.receipt',
  receiptUndoable: 'belay.receipt.undoable',
} as const;
