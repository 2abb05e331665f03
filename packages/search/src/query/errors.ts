import { AppError } from '../../../kit/src/errors.ts';

/**
 * Builds the VALIDATION_ERROR every query check throws (HTTP 400 at the edge).
 * Imported from the kit's source file until `@fountain/kit` has an index.
 */
export function validationError(message: string, details?: Record<string, unknown>): AppError {
  return new AppError('VALIDATION_ERROR', message, details === undefined ? {} : { details });
}
