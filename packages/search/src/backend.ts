/**
 * The one interface both search backends implement: `typesense` (the official client against a real
 * server or cluster) and `embedded` (an in-process engine with documents kept in SQLite).
 *
 * Shapes follow Typesense's HTTP API so the gateway can pass them through unchanged. Every method
 * throws `AppError` from `@fountain/kit` for expected failures:
 * - NOT_FOUND for a missing collection, document or alias;
 * - CONFLICT for a collection or document that already exists;
 * - VALIDATION_ERROR for a request the engine rejects (bad schema, bad document, bad parameter),
 *   with the engine's own message;
 * - SEARCH_BACKEND_UNAVAILABLE (retryable) when the engine can't be reached or has no leader.
 */

/** Typesense field types supported by both backends. */
export type FieldType =
  | 'string'
  | 'int32'
  | 'int64'
  | 'float'
  | 'bool'
  | 'string[]'
  | 'int32[]'
  | 'int64[]'
  | 'float[]'
  | 'bool[]'
  | 'object'
  | 'object[]'
  | 'auto'
  | 'string*';

/** One field of a collection schema, as in Typesense. */
export interface FieldSchema {
  name: string;
  type: FieldType;
  facet?: boolean;
  optional?: boolean;
  index?: boolean;
  sort?: boolean;
  infix?: boolean;
  locale?: string;
  /** Only in a PATCH: drop this field. */
  drop?: boolean;
}

/** The body of `POST /collections`. */
export interface CollectionSchema {
  name: string;
  fields: FieldSchema[];
  default_sorting_field?: string;
  token_separators?: string[];
  symbols_to_index?: string[];
  enable_nested_fields?: boolean;
}

/** A collection as returned by `GET /collections/:name`. */
export interface CollectionInfo extends CollectionSchema {
  num_documents: number;
  created_at: number;
}

/** The body of `PATCH /collections/:name`: fields to add, and `{name, drop: true}` to drop. */
export interface CollectionUpdate {
  fields: FieldSchema[];
}

/** A document: a JSON object whose `id` is a string. */
export type Document = Record<string, unknown>;

/** The write actions of Typesense's document API and import. */
export type WriteAction = 'create' | 'upsert' | 'update' | 'emplace';

/** Options of `POST /collections/:name/documents/import`. */
export interface ImportOptions {
  action?: WriteAction;
  dirty_values?: 'coerce_or_reject' | 'coerce_or_drop' | 'drop' | 'reject';
  batch_size?: number;
  return_id?: boolean;
  return_doc?: boolean;
}

/** Options of `GET /collections/:name/documents/export`. */
export interface ExportOptions {
  filter_by?: string;
  include_fields?: string;
  exclude_fields?: string;
}

/**
 * Search parameters, as Typesense names them. Values arrive as strings from a query string or as
 * typed JSON from multi_search; backends accept both.
 */
export type SearchParams = Record<string, string | number | boolean | undefined> & {
  q?: string;
  query_by?: string;
  filter_by?: string;
  sort_by?: string;
  facet_by?: string;
  page?: number | string;
  per_page?: number | string;
};

/** One highlight of a hit (Typesense's `highlights` array item). */
export interface Highlight {
  field: string;
  snippet?: string;
  snippets?: string[];
  matched_tokens: string[] | string[][];
  value?: string;
}

/** One search hit. */
export interface SearchHit {
  document: Document;
  highlights?: Highlight[];
  highlight?: Record<string, unknown>;
  text_match?: number;
  text_match_info?: Record<string, unknown>;
}

/** The facet counts of one field. */
export interface FacetCount {
  field_name: string;
  counts: Array<{ count: number; value: string; highlighted: string }>;
  stats?: Record<string, number>;
}

/** The answer to a search. Unknown extra fields from newer servers are kept as they are. */
export interface SearchResult {
  found: number;
  out_of: number;
  page: number;
  search_time_ms: number;
  hits: SearchHit[];
  facet_counts: FacetCount[];
  request_params?: Record<string, unknown>;
  [extra: string]: unknown;
}

/** An alias, as returned by `GET /aliases/:name`. */
export interface Alias {
  name: string;
  collection_name: string;
}

/** The common interface of the typesense and embedded backends. */
export interface SearchBackend {
  /** `typesense` or `embedded`, shown in start-up banners and /ready. */
  readonly kind: 'typesense' | 'embedded';

  /** True when the engine answers and can serve requests. */
  health(): Promise<boolean>;

  createCollection(schema: CollectionSchema): Promise<CollectionInfo>;
  /** The collection, resolving an alias to its target. */
  getCollection(name: string): Promise<CollectionInfo>;
  listCollections(): Promise<CollectionInfo[]>;
  /** Adds and drops fields. Not idempotent in Typesense: callers diff against the live schema first. */
  updateCollection(name: string, update: CollectionUpdate): Promise<CollectionUpdate>;
  deleteCollection(name: string): Promise<CollectionInfo>;

  /** Writes one document with the given action; answers the stored document (or the patch for update). */
  writeDocument(collection: string, doc: Document, action: WriteAction): Promise<Document>;
  getDocument(collection: string, id: string): Promise<Document>;
  deleteDocument(collection: string, id: string): Promise<Document>;
  /** Deletes the documents matching a filter; the filter has already been validated by the caller. */
  deleteByFilter(collection: string, filterBy: string): Promise<{ num_deleted: number }>;
  /** JSONL in, JSONL out: one result line per input line, in order (Typesense's import contract). */
  importDocuments(collection: string, jsonl: string, options: ImportOptions): Promise<string>;
  /** All documents as JSONL, one per line. */
  exportDocuments(collection: string, options: ExportOptions): Promise<string>;

  search(collection: string, params: SearchParams): Promise<SearchResult>;
  /**
   * Optional fast path: the engine's JSON answer to a search as bytes, for callers that pass it on
   * unchanged (the gateway). Same errors as `search`.
   */
  searchRaw?(collection: string, params: SearchParams): Promise<Buffer>;
  /** Runs several searches; each result is a SearchResult or `{code, error}` for that search alone. */
  multiSearch(
    searches: Array<SearchParams & { collection?: string }>,
    common: SearchParams & { collection?: string },
  ): Promise<{ results: Array<SearchResult | { code: number; error: string }> }>;

  upsertAlias(name: string, collectionName: string): Promise<Alias>;
  getAlias(name: string): Promise<Alias>;
  listAliases(): Promise<Alias[]>;
  deleteAlias(name: string): Promise<Alias>;

  /** Releases connections, timers and files. */
  close(): Promise<void>;
}
