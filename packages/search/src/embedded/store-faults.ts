/**
 * What the embedded store's SQLite errors mean for a caller and for an operator. A full or read-only
 * disk is the server's problem, not the request's, and passes: the caller gets a retryable 503 in the
 * envelope naming the disk (never a 500), and since each write is one transaction that SQLite rolled
 * back, nothing of it was stored. At start the same causes are one line naming the file.
 */
import { AppError, StartupError, describeFsError } from '@fountain/kit';
import { dirname } from 'node:path';

/** Seconds to suggest in `Retry-After`: freeing disk space is an operator's job, not a blip. */
const RETRY_AFTER_S = 30;

function sqliteCode(err: unknown): string {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : '';
}

/** The retryable 503 for a write that failed because of the disk, or undefined for any other error. */
export function storeFault(err: unknown, path: string): AppError | undefined {
  const code = sqliteCode(err);
  const dir = dirname(path);
  let reason: string;
  let message: string;
  if (code === 'SQLITE_FULL') {
    reason = 'disk_full';
    message = `The disk holding the embedded search store (${dir}) is full: nothing of this write was stored. Free space on that disk and retry.`;
  } else if (code.startsWith('SQLITE_READONLY')) {
    reason = 'read_only';
    message = `The embedded search store (${path}) has become read-only: nothing of this write was stored. Make it writable and retry.`;
  } else if (code.startsWith('SQLITE_IOERR')) {
    reason = 'io_error';
    message = `The disk holding the embedded search store (${dir}) failed a write (${code}): nothing of this write was stored. Retry; if it persists, check the disk.`;
  } else {
    return undefined;
  }
  return new AppError('SEARCH_BACKEND_UNAVAILABLE', message, {
    cause: err,
    retryable: true,
    retryAfterSeconds: RETRY_AFTER_S,
    details: { reason, path: dir, retryable: true, retryAfterSeconds: RETRY_AFTER_S },
  });
}

/**
 * The one-line start-up error for a store that cannot be opened or prepared because of the disk or
 * the file; any other error (a bug) is answered as it is, with its stack.
 */
export function openFailure(err: unknown, path: string): Error {
  const code = sqliteCode(err);
  let problem: string;
  if (code.startsWith('E')) problem = describeFsError(err);
  else if (code === 'SQLITE_FULL') problem = 'no space left on the device (SQLITE_FULL)';
  else if (code.startsWith('SQLITE_READONLY')) problem = `the file or its directory is read-only (${code})`;
  else if (code.startsWith('SQLITE_CANTOPEN')) problem = `the file cannot be opened: check that the directory exists and is writable (${code})`;
  else if (code === 'SQLITE_NOTADB') problem = 'the file is not a SQLite database (SQLITE_NOTADB)';
  else if (code.startsWith('SQLITE_CORRUPT')) problem = `the database file is corrupt (${code})`;
  else if (err instanceof AppError) problem = err.message;
  else return err instanceof Error ? err : new Error(String(err));
  return new StartupError(`the embedded search store ${path} cannot be opened: ${problem}`, { cause: err });
}
