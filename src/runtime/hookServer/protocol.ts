/**
 * What a hook process and the hook server must agree on, in a module of its
 * own: the launcher's common path loads nothing else of the hook server.
 */

declare const __BELAY_BUILD__: string | undefined;

/** Hook server protocol version; a client and server that differ do not talk. */
export const HOOK_PROTOCOL = 2;

/** This build's id: a client only uses a server of the very same build. */
export function buildId(): string {
  return typeof __BELAY_BUILD__ !== 'undefined' ? __BELAY_BUILD__ : 'source';
}
