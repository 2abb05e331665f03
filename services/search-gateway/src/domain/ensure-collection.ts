import { AppError } from '@fountain/kit';
import type { SearchBackend } from '@fountain/search';
import type { Logger } from 'pino';
import { seedCollectionSchema } from './seed-schema.ts';

/**
 * Creates the default collection with the seeds' schema if it is absent. Runs until it succeeds: while
 * the engine is down the gateway still starts (answering 503 and /ready false), and the collection is
 * created as soon as the engine answers. Resolves true once the collection exists, false if stopped.
 */
export async function ensureDefaultCollection(
  backend: SearchBackend,
  name: string,
  log: Pick<Logger, 'info' | 'warn'>,
  signal?: AbortSignal,
): Promise<boolean> {
  for (let attempt = 0; !signal?.aborted; attempt++) {
    try {
      await backend.getCollection(name);
      return true;
    } catch (getErr) {
      let err: unknown = getErr;
      if (err instanceof AppError && err.code === 'NOT_FOUND') {
        try {
          await backend.createCollection(seedCollectionSchema(name));
          log.info({ collection: name }, 'created the default collection with the seeds\' schema');
          return true;
        } catch (createErr) {
          // Another gateway instance may have created it first.
          if (createErr instanceof AppError && createErr.code === 'CONFLICT') return true;
          err = createErr;
        }
      }
      if (!(err instanceof AppError && err.retryable)) throw err;
      const delay = Math.min(5000, 100 * 2 ** attempt);
      log.warn({ collection: name, delayMs: delay }, 'search backend unavailable; will create the default collection when it answers');
      await new Promise((r) => setTimeout(r, delay).unref());
    }
  }
  return false;
}
