import type { CollectionInfo } from '../backend.ts';
import type { Clause, FilterNode, Range, Scalar } from './ast.ts';
import { isRange } from './ast.ts';
import { validationError } from './errors.ts';
import { isNumberLiteral } from './filter-parser.ts';
import { findField, kindOf, unknownFieldHint, type ValueKind } from './schema-fields.ts';

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/**
 * Checks a parsed filter against a collection's schema and answers the typed tree: numeric fields get
 * numbers, bool fields booleans, string fields keep strings. Every problem is a VALIDATION_ERROR naming
 * the field (and the value):
 * - the field must be a concrete schema field (or `id`), indexed, and not an object;
 * - numeric values must fit the type (int32 range, int64 within JS's safe integers, floats);
 * - bool values must be `true` or `false`;
 * - strings and bools take no comparisons (`>`...) or ranges;
 * - `!=` on a numeric field or on `id` is rejected: Typesense 0.24.1 answers "invalid comparator" /
 *   "not supported" for them (verified);
 * - `id` clauses become `exact` (Typesense matches ids exactly whatever the operator).
 *
 * @example
 *   validateFilter(parseFilter('year:>=1990 && genre:drama'), collection)
 */
export function validateFilter(node: FilterNode, collection: CollectionInfo): FilterNode {
  if (node.kind === 'clause') return validateClause(node, collection);
  if (node.children.length === 0) throw validationError(`filter_by: empty '${node.kind}' group`);
  return { kind: node.kind, children: node.children.map((c) => validateFilter(c, collection)) };
}

function validateClause(c: Clause, collection: CollectionInfo): Clause {
  if (c.values.length === 0) throw validationError(`filter_by: empty value for field '${c.field}'`, { field: c.field });
  if (c.field === 'id') return validateId(c, collection);
  const f = findField(collection, c.field);
  if (!f) {
    throw validationError(
      `filter_by: unknown field '${c.field}' in collection '${collection.name}'${unknownFieldHint(collection, c.field)}`,
      { field: c.field },
    );
  }
  if (f.index === false) {
    throw validationError(`filter_by: field '${c.field}' is not indexed (index: false) and can't be filtered`, {
      field: c.field,
    });
  }
  const kind = kindOf(f.type);
  switch (kind) {
    case 'int32':
    case 'int64':
    case 'float':
      return validateNumeric(c, kind);
    case 'bool':
      return validateBool(c);
    case 'string':
      return validateString(c, f.type);
    case 'object':
    case 'auto':
      throw validationError(`filter_by: field '${c.field}' of type ${f.type} can't be filtered`, {
        field: c.field,
        type: f.type,
      });
  }
}

function isComparison(op: Clause['op']): boolean {
  return op === 'gt' || op === 'gte' || op === 'lt' || op === 'lte';
}

function validateId(c: Clause, collection: CollectionInfo): Clause {
  const declared = findField(collection, 'id');
  if (declared && declared.type !== 'string') {
    throw validationError(`filter_by: field 'id' must be a string`, { field: 'id' });
  }
  if (c.op === 'not') {
    throw validationError(`filter_by: '!=' is not supported on the 'id' field`, { field: 'id' });
  }
  const values = validateString({ ...c }, 'string').values;
  return { kind: 'clause', field: 'id', op: 'exact', values };
}

function validateString(c: Clause, type: string): Clause {
  if (isComparison(c.op)) {
    throw validationError(`filter_by: field '${c.field}' is a ${type} field and takes no numeric comparison`, {
      field: c.field,
    });
  }
  const values = c.values.map((v) => {
    if (typeof v === 'string') return v;
    if (isRange(v)) {
      throw validationError(
        `filter_by: field '${c.field}' is a ${type} field and takes no range ('${v.min}..${v.max}'); quote the value with backticks to match the text`,
        { field: c.field },
      );
    }
    return String(v);
  });
  return { ...c, values };
}

function validateBool(c: Clause): Clause {
  if (isComparison(c.op)) {
    throw validationError(`filter_by: field '${c.field}' is a bool field and takes no numeric comparison`, {
      field: c.field,
    });
  }
  const values = c.values.map((v): Scalar => {
    if (typeof v === 'boolean') return v;
    if (v === 'true') return true;
    if (v === 'false') return false;
    const shown = isRange(v) ? `${v.min}..${v.max}` : String(v);
    throw validationError(`filter_by: field '${c.field}' is a bool field; '${shown}' is not true or false`, {
      field: c.field,
      value: shown,
    });
  });
  return { ...c, values };
}

function validateNumeric(c: Clause, kind: ValueKind): Clause {
  if (c.op === 'not') {
    throw validationError(
      `filter_by: '!=' is not supported on numeric field '${c.field}' by Typesense 0.24; use comparisons or ranges`,
      { field: c.field },
    );
  }
  const num = (v: string | number | boolean): number => toNumber(c.field, kind, v);
  const values = c.values.map((v): Scalar | Range => {
    if (isRange(v)) return { min: num(v.min), max: num(v.max) };
    return num(v);
  });
  return { ...c, values };
}

function toNumber(field: string, kind: ValueKind, v: string | number | boolean): number {
  const bad = (why: string): Error =>
    validationError(`filter_by: field '${field}' is ${kind === 'int32' ? 'an' : 'a'} ${kind} field; '${String(v)}' ${why}`, {
      field,
      value: String(v),
    });
  let n: number;
  if (typeof v === 'number') n = v;
  else if (typeof v === 'string' && isNumberLiteral(v.trim())) n = Number(v.trim());
  else throw bad('is not a number');
  if (!Number.isFinite(n)) throw bad('is not a finite number');
  if (kind === 'float') return n;
  if (!Number.isInteger(n)) throw bad('is not an integer');
  if (kind === 'int32' && (n < INT32_MIN || n > INT32_MAX)) throw bad('is outside the int32 range');
  if (kind === 'int64' && !Number.isSafeInteger(n)) throw bad('is outside the integers this gateway handles exactly (±2^53)');
  return n;
}
