/**
 * Refuses request paths that could mean something else to a server behind the edge: dot segments
 * (`..`, `.`, also percent-encoded), encoded slashes and backslashes (`%2F`, `%5C`), raw backslashes
 * and encoded control characters. The edge builds each service's path from the matched route's
 * parameters, so such a path could not escape its prefix here; it is refused anyway, before any
 * token is checked, because the services and Typesense behind them resolve paths their own way.
 */
import { AppError } from '@fountain/kit';

// A dot segment, raw or encoded (%2e, any case), between slashes or at the end.
const DOT_SEGMENT = /(?:^|\/)(?:\.|%2e){1,2}(?:\/|$)/i;
// Encoded slash or backslash, a raw backslash, an encoded NUL/control character.
const ENCODED_SEPARATOR = /%2f|%5c|\\|%[01][0-9a-f]|%7f/i;

/** Whether a request path (no query) is one the edge refuses. Answers the reason, or null. */
export function unsafePathReason(path: string): string | null {
  if (DOT_SEGMENT.test(path)) return "dot segments ('.' or '..', also encoded) are not allowed in a path";
  if (ENCODED_SEPARATOR.test(path)) return 'encoded slashes, backslashes and control characters are not allowed in a path';
  return null;
}

/**
 * Throws VALIDATION_ERROR for an unsafe path.
 *
 * @example
 *   app.addHook('onRequest', (request, _reply, done) => { assertSafePath(request.url); done(); });
 */
export function assertSafePath(url: string): void {
  const q = url.indexOf('?');
  const reason = unsafePathReason(q === -1 ? url : url.slice(0, q));
  if (reason !== null) throw new AppError('VALIDATION_ERROR', `Invalid path: ${reason}`, { details: { field: 'path' } });
}
