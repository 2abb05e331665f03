/**
 * The embedded backend's error helpers. `@fountain/kit` has no index.ts yet, so AppError comes straight
 * from the kit's errors module; switch to `import { AppError } from '@fountain/kit'` once it exists.
 */
import { AppError } from '../../../kit/src/errors.ts';

export { AppError };

/** A 400 with Typesense's own message. */
export function invalid(message: string): AppError {
  return new AppError('VALIDATION_ERROR', message);
}

/** A 404 with Typesense's own message. */
export function notFound(message: string): AppError {
  return new AppError('NOT_FOUND', message);
}

/** A 409 with Typesense's own message. */
export function conflict(message: string): AppError {
  return new AppError('CONFLICT', message);
}

/** The HTTP status Typesense would answer for an error (used in import lines and multi_search). */
export function httpCodeOf(err: unknown): number {
  if (err instanceof AppError) {
    switch (err.code) {
      case 'NOT_FOUND':
        return 404;
      case 'CONFLICT':
        return 409;
      case 'VALIDATION_ERROR':
        return 400;
      default:
        return 500;
    }
  }
  return 500;
}

/** The message of any thrown value. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
