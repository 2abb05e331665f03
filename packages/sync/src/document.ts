import type { Document } from '@fountain/search';
import type { Row } from './declaration.ts';
import type { DerivedTable } from './schema-derive.ts';

/**
 * The document id of a row key. One column: its value as a string (Typesense ids are strings). Several:
 * each value URI-encoded, joined with `:`, so ids are unambiguous whatever the values contain.
 */
export function documentId(key: readonly unknown[]): string {
  if (key.length === 1) return String(key[0]);
  return key.map((v) => encodeURIComponent(String(v))).join(':');
}

/** The key of a row: the values of the id columns, in order. */
export function rowKey(derived: DerivedTable, row: Row): unknown[] {
  return derived.idColumns.map((c) => row[c]);
}

/**
 * Builds a row's document: the id, each synced column converted to its field's type (SQLite is
 * dynamically typed: booleans are 0/1, numbers may sit in TEXT columns), NULLs left out, then the
 * declared transform. A value that can't be converted is kept as it is, so the index rejects the
 * document and it lands in the dead letters, visible, instead of being silently changed.
 */
export function toDocument(derived: DerivedTable, row: Row): Document {
  const doc: Document = { id: documentId(rowKey(derived, row)) };
  for (const { column, field } of derived.fields) {
    const v = row[column];
    if (v === null || v === undefined) continue;
    doc[field.name] = convert(v, field.type);
  }
  const t = derived.decl.transform;
  return t ? { ...t(doc, row), id: doc.id } : doc;
}

function convert(v: unknown, type: string): unknown {
  switch (type) {
    case 'bool':
      if (v === 0 || v === 1) return v === 1;
      if (typeof v === 'bigint') return v !== 0n;
      return v;
    case 'string':
      return typeof v === 'number' || typeof v === 'bigint' ? String(v) : v;
    case 'int64':
    case 'int32':
    case 'float':
      return typeof v === 'bigint' ? Number(v) : v;
    default:
      // Arrays and objects are kept in SQLite as JSON text (a JSON column, or any program's json.dumps).
      if (typeof v === 'string' && (type.endsWith('[]') || type === 'object')) {
        try {
          return JSON.parse(v) as unknown;
        } catch {
          return v;
        }
      }
      return v;
  }
}
