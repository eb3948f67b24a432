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

/**
 * A new call's id: this process's pid and 64 random bits, as hex (CALL_ID in
 * endpoint.ts). Not crypto: loading it costs a hook process more than the
 * call; the spool folder is private and a call file is created exclusively,
 * so the id only has to be unique.
 */
export function newCallId(): string {
  return `${process.pid}-${randomHex()}${randomHex()}`;
}

function randomHex(): string {
  return Math.floor(Math.random() * 0x100000000)
    .toString(16)
    .padStart(8, '0');
}
