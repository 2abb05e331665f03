import type { SearchBackend } from '@fountain/search';
import type { Sync } from '@fountain/sync';
import type { SequenceStore } from './db/store.ts';

/** Everything the routes need, built once in server.ts (or by a test). */
export interface SequenceDeps {
  store: SequenceStore;
  /** The running sync of `element_versions` (relay state, notify, admin routes). */
  sync: Sync;
  /** Where GET /search goes: sync's backend (the gateway with the service key, or an in-process engine). */
  search: SearchBackend;
  /** The collection (alias) holding this service's documents. */
  collection: string;
  /** The bound of a `Prefer: wait-for-index` write, in ms. */
  indexWaitMs: number;
}
