import { AppError } from '@fountain/kit';

/** The prefix the official client puts before the server's own message in every HTTP error. */
const SERVER_SAID = ' | Server said: ';

/**
 * Network-level failures that mean "Typesense can't be reached right now". Axios sets `code` on these;
 * ECONNABORTED and ETIMEDOUT are its client-side timeouts.
 */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ERR_NETWORK',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
  'UND_ERR_SOCKET',
]);

/**
 * The server's own message from an error thrown by the official client. The client builds
 * `Request failed with HTTP code 404 | Server said: Not Found`; its `httpBody` is the REQUEST body,
 * so the message is the only place the server's words survive.
 */
export function typesenseMessage(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const at = message.indexOf(SERVER_SAID);
  return at === -1 ? message : message.slice(at + SERVER_SAID.length);
}

function httpStatusOf(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const status = (err as { httpStatus?: unknown }).httpStatus;
  return typeof status === 'number' ? status : undefined;
}

function isNetworkError(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { isAxiosError?: unknown; code?: unknown; message?: unknown };
  if (e.isAxiosError === true) return true;
  if (typeof e.code === 'string' && NETWORK_CODES.has(e.code)) return true;
  return typeof e.message === 'string' && /timeout|socket hang up/i.test(e.message);
}

/**
 * Maps anything the official Typesense client throws to an `AppError` (see backend.ts for the
 * contract). `what` names the operation for messages that would otherwise be bare, e.g.
 * `collection 'books'`. Bugs (TypeError and the like) are rethrown unchanged.
 *
 * @example
 *   try { await client.collections(name).retrieve(); } catch (err) { throw toAppError(err, `collection '${name}'`); }
 */
export function toAppError(err: unknown, what: string): AppError | Error {
  if (err instanceof AppError) return err;
  const status = httpStatusOf(err);
  if (status !== undefined) {
    const message = typesenseMessage(err);
    switch (true) {
      case status === 404:
        return new AppError('NOT_FOUND', notFoundMessage(message, what), { cause: err });
      case status === 409:
        return new AppError('CONFLICT', message, { cause: err });
      case status === 401 || status === 403:
        // The gateway's admin key is wrong: an operator problem, never the caller's. The message
        // names the setting, not the key, and the cause stays in the logs only.
        return new AppError(
          'INTERNAL_SERVER_ERROR',
          'Typesense rejected the configured admin API key (check TYPESENSE_API_KEY)',
          { cause: err },
        );
      case status === 413:
        return new AppError('PAYLOAD_TOO_LARGE', message, { cause: err });
      case status === 429 || status >= 500:
        // 503 "Not Ready or Lagging" (no leader, catching up), 500s, and throttling: all transient.
        return new AppError('SEARCH_BACKEND_UNAVAILABLE', `Typesense unavailable: ${message}`, {
          cause: err,
          retryable: true,
          details: { status },
        });
      case status >= 400:
        // 400 RequestMalformed, 422 ObjectUnprocessable, and any other 4xx: the request is wrong.
        return new AppError('VALIDATION_ERROR', message, { cause: err });
      default:
        return new AppError('TYPESENSE_SYNC_ERROR', `Unexpected answer from Typesense: ${message}`, {
          cause: err,
          details: { status },
        });
    }
  }
  if (isNetworkError(err)) {
    const code = (err as { code?: unknown }).code;
    return new AppError(
      'SEARCH_BACKEND_UNAVAILABLE',
      `Typesense unreachable${typeof code === 'string' ? ` (${code})` : ''}: ${typesenseMessage(err)}`,
      { cause: err, retryable: true },
    );
  }
  if (err instanceof Error && err.name === 'RequestMalformed') {
    // Thrown by the client itself, before any request (for example an empty import).
    return new AppError('VALIDATION_ERROR', err.message, { cause: err });
  }
  return err instanceof Error ? err : new Error(String(err));
}

/** Typesense 0.24.1 says only "Not Found" for most misses; name the thing that is missing. */
function notFoundMessage(message: string, what: string): string {
  return /^not found\.?$/i.test(message.trim()) ? `No ${what}` : message;
}
