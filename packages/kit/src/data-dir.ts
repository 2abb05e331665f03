/**
 * Start-up checks of where a service keeps its data, reported like bad configuration: one line that
 * names the variable, the path and the problem, then exit 1 (never a stack trace, never a raw
 * SQLITE_CANTOPEN that doesn't say which directory).
 */
import { accessSync, constants, existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** A problem that stops a service at start, already worded for the operator (one line). */
export class StartupError extends Error {
  constructor(message: string, opts: { cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'StartupError';
  }
}

/** What a file-system error code means for an operator. */
export function describeFsError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code ?? '';
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return `permission denied for ${whoAmI()} (check the owner and mode of the directory and its parents) (${code})`;
    case 'EROFS':
      return `the file system is read-only (${code})`;
    case 'ENOTDIR':
    case 'EEXIST':
      return `a part of the path is a file, not a directory (${code})`;
    case 'ENOSPC':
      return `no space left on the device (${code})`;
    case 'ENOENT':
      return `it does not exist (${code})`;
    default:
      return err instanceof Error ? err.message : String(err);
  }
}

/**
 * Why a directory can't be created, said of the nearest ancestor that exists (a recursive mkdir on a
 * read-only mount reports a bare ENOENT, which names neither the mount nor the cause).
 */
function whyNotCreated(path: string, err: unknown): string {
  let ancestor = dirname(path);
  while (!existsSync(ancestor) && dirname(ancestor) !== ancestor) ancestor = dirname(ancestor);
  try {
    if (!statSync(ancestor).isDirectory()) return `${ancestor} is a file, not a directory`;
    accessSync(ancestor, constants.W_OK | constants.X_OK);
  } catch (inner) {
    return `${ancestor}: ${describeFsError(inner)}`;
  }
  return describeFsError(err);
}

function whoAmI(): string {
  return typeof process.getuid === 'function' ? `uid ${process.getuid()}` : 'this user';
}

/**
 * Makes sure `dir` exists (creating it and its parents) and is writable; answers its absolute path.
 * Throws a {@link StartupError} naming `variable`, the path and the problem.
 *
 * @example
 *   const dataDir = settingsOrExit(() => ensureWritableDir(resolve(config.DATA_DIR, 'search'), 'DATA_DIR'));
 */
export function ensureWritableDir(dir: string, variable: string): string {
  const path = resolve(dir);
  const existed = existsSync(path);
  try {
    mkdirSync(path, { recursive: true });
  } catch (err) {
    if (existed) throw new StartupError(`${variable}: ${path} cannot be used: ${describeFsError(err)}`, { cause: err });
    throw new StartupError(`${variable}: ${path} does not exist and cannot be created: ${whyNotCreated(path, err)}`, { cause: err });
  }
  try {
    // access() reports a read-only mount (EROFS) as well as missing permissions.
    accessSync(path, constants.W_OK | constants.X_OK);
  } catch (err) {
    throw new StartupError(`${variable}: ${path} is not writable: ${describeFsError(err)}`, { cause: err });
  }
  return path;
}
