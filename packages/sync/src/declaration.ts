import type { FieldType } from '@fountain/search';

/** Per-column overrides of the derived collection field. */
export interface FieldOverride {
  /** Leave the column out of the document and the schema. */
  exclude?: boolean;
  facet?: boolean;
  sort?: boolean;
  optional?: boolean;
  /** `false`: stored in the document but not indexed (not searchable or filterable). */
  index?: boolean;
  /** Override the type derived from the declared SQLite type (e.g. `string[]` for a JSON array column). */
  type?: FieldType;
}

/** A row as better-sqlite3 returns it. */
export type Row = Record<string, unknown>;

/**
 * One synced table: everything a service declares. The rest (schema, triggers, relay, evolution,
 * backfill, audit) follows from it.
 *
 * @example
 *   { table: 'elements', collection: 'sequence_elements', fields: { element_type: { facet: true } } }
 */
export interface TableDeclaration {
  /** The SQLite table. */
  table: string;
  /** The collection (an alias in Typesense, pointing at a versioned collection `<name>_v<N>`). */
  collection: string;
  /**
   * The columns whose values make the document id, in order. Default: the table's primary key
   * (or `rowid` when it has none). See `documentId` for the encoding.
   */
  idColumns?: string[];
  /** Per-column overrides of the derived field. */
  fields?: Record<string, FieldOverride>;
  /**
   * Shapes the document from the row after the overrides apply (rename, compute, parse JSON). Its
   * output must match the collection schema; a document that doesn't is dead-lettered, not dropped.
   */
  transform?: (doc: Row, row: Row) => Row;
  /** Fields the transform adds, so the schema knows them. */
  extraFields?: Array<{ name: string; type: FieldType; facet?: boolean; sort?: boolean; optional?: boolean; index?: boolean }>;
  /** Sort field for Typesense's default ranking; must be a non-optional numeric field. */
  defaultSortingField?: string;
}
