import { Type } from 'typebox';
import { AppError, isWellFormed } from '@fountain/kit';

/** One character of a name: anything but a slash or a control character. */
const CHAR = '[^/\\x00-\\x1f]';

/**
 * A collection, alias or document name: it becomes one URL path segment of the engine's API, so no
 * slash, no control character, and not `.` or `..` (an HTTP client resolves those to the parent path:
 * a delete of document `..` became a delete of the collection). Written without look-arounds, so
 * OpenAPI tools can generate values from it.
 */
export const Name = Type.String({
  minLength: 1,
  maxLength: 256,
  pattern: `^(?:[^./\\x00-\\x1f]${CHAR}*|\\.[^./\\x00-\\x1f]${CHAR}*|\\.\\.${CHAR}+)$`,
  description: "No '/', no control characters, and not '.' or '..'",
});

/**
 * Checks a document id given in a body (`id`, `document.id`): a non-empty string (Typesense 0.24.1
 * accepts only strings), never `.` or `..` (such a document could never be read or deleted by id),
 * valid Unicode. Throws a 400 naming `field`.
 */
export function checkDocumentId(id: unknown, field: string, required = true): void {
  if (id === undefined && !required) return;
  if (typeof id !== 'string' || id === '') {
    throw new AppError('VALIDATION_ERROR', `Document's \`${field}\` field should be a string.`, { details: { field } });
  }
  if (id === '.' || id === '..') {
    throw new AppError('VALIDATION_ERROR', `\`${field}\` cannot be '.' or '..' (a URL would resolve it to its parent).`, { details: { field, value: id } });
  }
  if (!isWellFormed(id)) {
    throw new AppError('VALIDATION_ERROR', `\`${field}\` is not valid Unicode (it holds a lone UTF-16 surrogate).`, { details: { field } });
  }
}

/** `:name` path parameters. */
export const NameParams = Type.Object({ name: Name });

/** Any JSON object, passed through from the engine as it is. */
export const JsonObject = Type.Record(Type.String(), Type.Unknown());

/**
 * A query parameter that Typesense 0.24.1 accepts and ignores and that real clients send: the gateway
 * accepts it with any value and drops it before the engine sees it (docs/gateway.md lists them).
 * Parameters that would change the meaning of a request stay out of the schemas, so they remain a 400.
 */
export function Ignored(why: string) {
  return Type.Optional(Type.String({ description: `Accepted and ignored, as Typesense 0.24.1 does: ${why}` }));
}
