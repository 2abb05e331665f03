import type { CollectionInfo, SearchBackend } from '@fountain/search';

/**
 * Caches collection schemas (by the name the caller used, alias or collection) so that validating a
 * filter doesn't cost a second round trip to the engine on every search.
 *
 * All schema changes go through the gateway (it alone holds the admin key), which calls
 * `invalidate()` after each one; the TTL bounds staleness for anything else, such as a second gateway
 * instance changing a schema.
 */
export class SchemaCache {
  readonly #backend: SearchBackend;
  readonly #ttlMs: number;
  readonly #entries = new Map<string, { at: number; info: Promise<CollectionInfo> }>();

  constructor(backend: SearchBackend, ttlMs = 2000) {
    this.#backend = backend;
    this.#ttlMs = ttlMs;
  }

  /** The live schema of a collection or alias; throws NOT_FOUND like the backend. */
  get(name: string): Promise<CollectionInfo> {
    const now = Date.now();
    const hit = this.#entries.get(name);
    if (hit && now - hit.at < this.#ttlMs) return hit.info;
    const info = this.#backend.getCollection(name);
    this.#entries.set(name, { at: now, info });
    // A failed lookup is not cached: the collection may be created a moment later.
    info.catch(() => {
      if (this.#entries.get(name)?.info === info) this.#entries.delete(name);
    });
    return info;
  }

  /** Forgets every cached schema (after a collection or alias changes). */
  invalidate(): void {
    this.#entries.clear();
  }
}
