/**
 * Document validation with Typesense 0.24.1's messages. Values of indexed fields must have the declared
 * type (no coercion: Typesense rejects "2005" for an int32 with the default `dirty_values`); fields
 * that are not in the schema are stored as they are and not indexed.
 */
import type { Document, FieldType } from '../backend.ts';
import { invalid } from './errors.ts';
import type { NormalizedField } from './schema.ts';

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

function scalarOk(t: FieldType, v: unknown): boolean {
  switch (t) {
    case 'string':
      return typeof v === 'string';
    case 'int32':
      return typeof v === 'number' && Number.isInteger(v) && v >= INT32_MIN && v <= INT32_MAX;
    case 'int64':
      return typeof v === 'number' && Number.isSafeInteger(v);
    case 'float':
      return typeof v === 'number' && Number.isFinite(v);
    case 'bool':
      return typeof v === 'boolean';
    default:
      return false;
  }
}

const ARTICLE: Partial<Record<FieldType, string>> = { int32: 'an', int64: 'an', float: 'a', bool: 'a', string: 'a' };

/** Checks one field's value; throws Typesense's message when it has the wrong type. */
export function checkFieldValue(field: NormalizedField, value: unknown): void {
  if (field.type.endsWith('[]')) {
    const el = field.type.slice(0, -2) as FieldType;
    if (!Array.isArray(value)) throw invalid(`Field \`${field.name}\` must be an array.`);
    for (const item of value) {
      if (!scalarOk(el, item)) {
        // Typesense's wording: "an array of string|int32|int64" but "a array of float|bool".
        throw invalid(`Field \`${field.name}\` must be ${el === 'float' || el === 'bool' ? 'a' : 'an'} array of ${el}.`);
      }
    }
    return;
  }
  if (!scalarOk(field.type, value)) {
    throw invalid(`Field \`${field.name}\` must be ${ARTICLE[field.type] ?? 'a'} ${field.type}.`);
  }
}

/** Checks the `id` of an incoming document: a non-empty string when present. */
export function checkId(doc: Document): string | undefined {
  if (!('id' in doc) || doc.id === undefined) return undefined;
  if (typeof doc.id !== 'string') throw invalid("Document's `id` field should be a string.");
  if (doc.id === '') throw invalid('The `id` should not be empty.');
  return doc.id;
}

/**
 * Validates a document against the schema and returns the copy to store: optional fields given as
 * null are left out, as Typesense does. With `partial`, required fields may be absent (update/emplace
 * of an existing document: only the given fields are checked).
 */
export function validateDocument(fields: NormalizedField[], doc: Document, partial: boolean): Document {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw invalid('Bad JSON: not a properly formed document.');
  const out: Document = { ...doc };
  for (const f of fields) {
    const v = doc[f.name];
    if (v === undefined || (v === null && f.optional)) {
      if (v === null) delete out[f.name];
      if (!partial && !f.optional) {
        throw invalid(`Field \`${f.name}\` has been declared in the schema, but is not found in the document.`);
      }
      continue;
    }
    // Non-indexed fields are stored only; Typesense does not check their type.
    if (!f.index) continue;
    checkFieldValue(f, v);
  }
  return out;
}
