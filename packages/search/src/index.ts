/**
 * @fountain/search: the search backend interface, its two implementations (a real Typesense server or
 * cluster through the official client, and an embedded engine kept in SQLite), and the parser and
 * validator every caller's search parameters go through.
 */
export type * from './backend.ts';
export * from './query/index.ts';
export * from './typesense/index.ts';
export * from './embedded/index.ts';
export * from './document-limits.ts';
