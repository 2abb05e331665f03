import type Database from 'better-sqlite3';
import type { CollectionSchema, FieldSchema, FieldType } from '@fountain/search';
import type { TableDeclaration } from './declaration.ts';

/** One column as `PRAGMA table_info` describes it. */
export interface ColumnInfo {
  name: string;
  /** The declared type, as written in CREATE TABLE (may be empty). */
  declaredType: string;
  notNull: boolean;
  /** 1-based position in the primary key, 0 when not part of it. */
  pk: number;
}

/** What a table declaration derives to: the id columns, the synced columns and their fields. */
export interface DerivedTable {
  decl: TableDeclaration;
  idColumns: string[];
  /** The columns that become fields (after exclusions), with the field each becomes. */
  fields: Array<{ column: string; field: FieldSchema }>;
  /** The collection's fields (columns plus the transform's extra fields), without `name`. */
  schema: Omit<CollectionSchema, 'name'>;
}

/** The columns of a table, in order; throws when the table doesn't exist. */
export function tableColumns(db: Database.Database, table: string): ColumnInfo[] {
  const rows = db.prepare(`PRAGMA table_info(${quoteIdent(table)})`).all() as Array<{
    name: string;
    type: string;
    notnull: number;
    pk: number;
  }>;
  if (rows.length === 0) throw new Error(`sync: no table named '${table}'`);
  return rows.map((r) => ({ name: r.name, declaredType: r.type, notNull: r.notnull === 1, pk: r.pk }));
}

/**
 * Maps a declared SQLite type to a Typesense field type (DESIGN.md, "Schema evolution"): INTEGER to
 * int64, REAL to float, TEXT to string, BOOLEAN to bool, JSON to string (the JSON text, searchable).
 * Follows SQLite's affinity rules (section 3.1 of the datatype docs) after the BOOL and JSON checks,
 * since those have NUMERIC/BLOB affinity in SQLite but a clear meaning to a reader. Answers null for
 * BLOB columns, which can't be indexed.
 */
export function fieldTypeOf(declaredType: string): FieldType | null {
  const t = declaredType.toUpperCase();
  if (t.includes('BOOL')) return 'bool';
  if (t.includes('JSON')) return 'string';
  if (t.includes('INT')) return 'int64';
  if (t.includes('CHAR') || t.includes('CLOB') || t.includes('TEXT')) return 'string';
  if (t.includes('BLOB')) return null;
  if (t.includes('REAL') || t.includes('FLOA') || t.includes('DOUB')) return 'float';
  // No declared type: SQLite stores whatever it is given; text is the safe reading.
  if (t.trim() === '') return 'string';
  if (t.includes('DATE') || t.includes('TIME')) return 'string';
  // NUMERIC, DECIMAL and anything else with NUMERIC affinity.
  return 'float';
}

/**
 * Derives the collection schema of a declared table from `PRAGMA table_info` plus the overrides.
 * Nullable columns become optional fields; the id columns stay fields too (so they can be filtered),
 * except a column named `id`, which Typesense reserves for the document id.
 */
export function deriveTable(db: Database.Database, decl: TableDeclaration): DerivedTable {
  const columns = tableColumns(db, decl.table);
  const known = new Set(columns.map((c) => c.name));
  for (const name of Object.keys(decl.fields ?? {})) {
    if (!known.has(name)) throw new Error(`sync: '${decl.table}' has no column '${name}' (in fields)`);
  }
  const pkColumns = columns.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name);
  const idColumns = decl.idColumns ?? (pkColumns.length > 0 ? pkColumns : ['rowid']);
  for (const c of idColumns) {
    if (c !== 'rowid' && !known.has(c)) throw new Error(`sync: '${decl.table}' has no column '${c}' (in idColumns)`);
  }

  const fields: DerivedTable['fields'] = [];
  for (const col of columns) {
    const o = decl.fields?.[col.name] ?? {};
    if (o.exclude || col.name === 'id') continue;
    const type = o.type ?? fieldTypeOf(col.declaredType);
    if (type === null) continue;
    const field: FieldSchema = { name: col.name, type };
    // A primary-key column is never null even when SQLite doesn't say NOT NULL.
    const optional = o.optional ?? !(col.notNull || col.pk > 0);
    if (optional) field.optional = true;
    if (o.facet !== undefined) field.facet = o.facet;
    if (o.sort !== undefined) field.sort = o.sort;
    if (o.index !== undefined) field.index = o.index;
    fields.push({ column: col.name, field });
  }
  const schemaFields: FieldSchema[] = [...fields.map((f) => f.field), ...(decl.extraFields ?? []).map((f) => ({ ...f }))];
  const schema: DerivedTable['schema'] = { fields: schemaFields };
  if (decl.defaultSortingField) schema.default_sorting_field = decl.defaultSortingField;
  return { decl, idColumns, fields, schema };
}

/** Quotes an SQLite identifier (table or column name). */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
