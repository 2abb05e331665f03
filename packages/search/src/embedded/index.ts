/** The embedded search backend: a Typesense-compatible engine in-process, kept durably in SQLite. */
import type { SearchBackend } from '../backend.ts';
import { EmbeddedBackend, type EmbeddedLogger } from './embedded-backend.ts';
import { SearchStore } from './store.ts';
import { openFailure } from './store-faults.ts';

export { EmbeddedBackend, type EmbeddedLogger } from './embedded-backend.ts';

/** Options of the embedded backend. */
export interface EmbeddedBackendOptions {
  /** Directory of `search.db`; created if missing. */
  dataDir: string;
  /** Where the start-up integrity check reports (repairs at warn, the summary at info). */
  logger?: EmbeddedLogger;
}

/**
 * Opens (or creates) `<dataDir>/search.db` and loads every collection into memory.
 *
 * @example
 *   const backend = await createEmbeddedBackend({ dataDir: './data/search' });
 */
export async function createEmbeddedBackend(opts: EmbeddedBackendOptions): Promise<SearchBackend> {
  const store = new SearchStore(opts.dataDir);
  try {
    return new EmbeddedBackend(store, opts.logger);
  } catch (err) {
    store.close();
    // The start-up check writes too (repairs, the unique index): a full disk there is a start-up error.
    throw openFailure(err, store.path);
  }
}
