import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { nativeDir } from './runtimeInfo.ts';

export type SqliteDatabase = Database.Database;

/** Raised when no better-sqlite3 binary exists for the running runtime. */
export class NativeBindingMissingError extends Error {
  readonly binaryPath: string;
  constructor(binaryPath: string) {
    super(
      `Belay's SQLite binary for ${process.platform}-${process.arch} is missing (${binaryPath}); ` +
        `this build of Belay does not support this platform. Reinstall Belay, or build the VSIX for this platform (see README, "Native SQLite").`,
    );
    this.name = 'NativeBindingMissingError';
    this.binaryPath = binaryPath;
  }
}

function isLinuxMusl(): boolean {
  if (process.platform !== 'linux') return false;
  try {
    return /\/ld-musl-[^/\s]*\.so/.test(fs.readFileSync('/proc/self/maps', 'latin1'));
  } catch {
    return false;
  }
}

/**
 * The N-API binary of better-sqlite3 13 for this runtime: one per platform and
 * architecture, loadable by Node >= 22 and Electron alike. Undefined when
 * running from sources (better-sqlite3 finds its own prebuild).
 */
export function sqliteBindingPath(): string | undefined {
  const dir = nativeDir();
  if (!dir) return undefined;
  const target = `${isLinuxMusl() ? 'linuxmusl' : process.platform}-${process.arch}`;
  return path.join(dir, `better-sqlite3-${target}.node`);
}

export interface OpenOptions {
  readonly?: boolean;
  fileMustExist?: boolean;
  /** busy timeout in ms handed to SQLite */
  timeout?: number;
}

/** Opens a SQLite database through the binary that matches the runtime. */
export function openSqlite(file: string, options: OpenOptions = {}): SqliteDatabase {
  const binding = sqliteBindingPath();
  if (binding !== undefined && !fs.existsSync(binding)) throw new NativeBindingMissingError(binding);
  return new Database(file, {
    readonly: options.readonly ?? false,
    fileMustExist: options.fileMustExist ?? false,
    timeout: options.timeout ?? 5000,
    ...(binding !== undefined ? { nativeBinding: binding } : {}),
  });
}
