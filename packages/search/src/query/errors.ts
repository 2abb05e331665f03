import { AppError } from '@fountain/kit';

/** Builds the VALIDATION_ERROR every query check throws (HTTP 400 at the edge). */
export function validationError(message: string, details?: Record<string, unknown>): AppError {
  return new AppError('VALIDATION_ERROR', message, details === undefined ? {} : { details });
}
