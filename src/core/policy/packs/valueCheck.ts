import type { PackContext } from './context.ts';

/**
 * A quick verdict on a short command stored in a setting (a git alias, a
 * pager): deny when it downloads and runs code, decodes a payload into a
 * shell, or deletes recursively; undefined otherwise. The full shell
 * analysis needs the file system, which deciding does not touch; settings
 * written by edits are analysed in full when the action is normalised.
 */
export function analyzeShellValue(value: string, pc: PackContext): 'deny' | undefined {
  void pc;
  if (/\b(curl|wget|fetch|iwr|invoke-webrequest|nc|ncat)\b[^\n]*\|\s*(sudo\s+)?(ba|z|da|k|fi)?sh\b/i.test(value)) return 'deny';
  if (/\b(base64|xxd|openssl)\b[^\n]*(-d|--decode|-r)\b[^\n]*\|\s*(ba|z|da|k)?sh\b/i.test(value)) return 'deny';
  if (/\brm\s+-[a-z]*[rR]/.test(value) || /\b(curl|wget)\b/.test(value)) return 'deny';
  return undefined;
}
