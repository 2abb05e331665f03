import type { CollectionInfo } from '../backend.ts';
import type { SortTerm } from './ast.ts';
import { validationError } from './errors.ts';
import { findField, isArrayType, isNumericType, kindOf, unknownFieldHint } from './schema-fields.ts';

/** Typesense's limit on `sort_by` terms. */
export const MAX_SORT_TERMS = 3;

/**
 * Parses and checks a `sort_by` (`field:asc,other:desc`, at most three terms, `_text_match` allowed).
 * The order is required and case-insensitive; it comes back lower-case. A field must be a concrete,
 * indexed, non-array field that Typesense 0.24 can sort: numbers and bools unless `sort: false`, strings
 * only with `sort: true` (verified: 0.24.1 rejects a string without it and accepts a bool).
 * An empty `sort_by` answers `[]` (the engine's default order).
 *
 * @example
 *   parseSortBy('_text_match:desc, year:asc', collection)
 */
export function parseSortBy(input: string, collection: CollectionInfo): SortTerm[] {
  if (input.trim() === '') return [];
  const parts = input.split(',');
  if (parts.length > MAX_SORT_TERMS) {
    throw validationError(`sort_by: at most ${MAX_SORT_TERMS} sort fields are allowed (got ${parts.length})`, {
      count: parts.length,
    });
  }
  return parts.map((raw) => parseTerm(raw.trim(), collection));
}

function parseTerm(term: string, collection: CollectionInfo): SortTerm {
  if (term === '') throw validationError('sort_by: empty sort term');
  const m = /^([^:\s]+)\s*:\s*(\S+)$/.exec(term);
  if (!m) throw validationError(`sort_by: '${term}' must be 'field:asc' or 'field:desc'`, { term });
  const field = m[1]!;
  const order = m[2]!.toLowerCase();
  if (order !== 'asc' && order !== 'desc') {
    throw validationError(`sort_by: order of '${field}' must be 'asc' or 'desc', not '${m[2]}'`, { field });
  }
  if (field !== '_text_match') checkSortable(field, collection);
  return { field, order };
}

function checkSortable(field: string, collection: CollectionInfo): void {
  const f = findField(collection, field);
  if (!f) {
    throw validationError(
      `sort_by: unknown field '${field}' in collection '${collection.name}'${unknownFieldHint(collection, field)}`,
      { field },
    );
  }
  const notSortable = (why: string): Error =>
    validationError(`sort_by: field '${field}' can't be sorted: ${why}`, { field, type: f.type });
  if (f.index === false) throw notSortable('it is not indexed (index: false)');
  if (isArrayType(f.type)) throw notSortable(`${f.type} fields are not sortable`);
  const kind = kindOf(f.type);
  if (isNumericType(f.type) || kind === 'bool') {
    if (f.sort === false) throw notSortable('the schema sets sort: false');
    return;
  }
  if (kind === 'string') {
    if (f.sort !== true) throw notSortable('string fields need sort: true in the schema');
    return;
  }
  throw notSortable(`${f.type} fields are not sortable`);
}
