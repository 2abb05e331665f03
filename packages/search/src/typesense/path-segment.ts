/**
 * Guards for the names and ids that become URL path segments of a Typesense request.
 *
 * The official client percent-encodes each segment (`encodeURIComponent`), but that leaves `.` and
 * `..` as they are, and axios then resolves them as URL dot-segments (WHATWG URL parsing treats
 * `%2E%2E` the same way): `DELETE /collections/victim/documents/..` became
 * `DELETE /collections/victim`, and the collection was gone. So `.` and `..` are refused, never sent.
 * A lone UTF-16 surrogate can't be encoded at all (`encodeURIComponent` throws URIError), so it is
 * refused with a 400 too.
 */
import { AppError, isWellFormed } from '@fountain/kit';

/** Whether a value would be resolved away as a URL dot-segment. */
export function isDotSegment(value: string): boolean {
  return value === '.' || value === '..';
}

/**
 * Answers `value` when it is safe as one path segment, else throws VALIDATION_ERROR naming `field`.
 *
 * @example
 *   client.collections(pathSegment(name, 'collection')).documents(pathSegment(id, 'id')).delete();
 */
export function pathSegment(value: string, field: string): string {
  if (typeof value !== 'string' || value === '') {
    throw new AppError('VALIDATION_ERROR', `\`${field}\` must be a non-empty string.`, { details: { field } });
  }
  if (isDotSegment(value)) {
    throw new AppError('VALIDATION_ERROR', `\`${field}\` cannot be '.' or '..' (a URL would resolve it to its parent).`, {
      details: { field, value },
    });
  }
  if (!isWellFormed(value)) {
    throw new AppError('VALIDATION_ERROR', `\`${field}\` is not valid Unicode (it holds a lone UTF-16 surrogate).`, { details: { field } });
  }
  return value;
}
