import type { KmsStore } from './db/store.ts';
import type { FeedWaiters } from './domain/feed.ts';
import type { KeyManager } from './domain/keys.ts';

/** Everything the routes need, built once in server.ts (or by a test). */
export interface KmsDeps {
  store: KmsStore;
  keys: KeyManager;
  waiters: FeedWaiters;
}
