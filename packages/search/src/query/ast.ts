/**
 * The parsed form of a Typesense `filter_by` expression. The gateway parses every caller's filter into
 * this tree, validates it against the collection schema, and renders it back in a safe canonical form
 * (string values in the bracketed backtick form ``f:=[`v`]``); the embedded backend evaluates it.
 */

/** A literal value in a filter. Numbers and booleans are typed once the field's type is known. */
export type Scalar = string | number | boolean;

/** An inclusive numeric range, `field:[10..100]`. */
export interface Range {
  min: number;
  max: number;
}

/**
 * One `field<op>values` clause.
 * - `match` (`field:v` or `field:[a,b]`): on strings, the field contains the value's tokens (Typesense's
 *   non-exact match); on numbers and bools, equality. Any listed value or range matches.
 * - `exact` (`field:=v` or `field:=[a,b]`): the whole field value equals one of the values.
 * - `not` (`field:!=v` or `field:!=[a,b]`): equals none of the values.
 * - `gt`, `gte`, `lt`, `lte` (`field:>v` ...): numeric comparison with one value.
 * For array fields, a clause matches when any element matches (`not`: when no element equals a value).
 */
export interface Clause {
  kind: 'clause';
  field: string;
  op: 'match' | 'exact' | 'not' | 'gt' | 'gte' | 'lt' | 'lte';
  values: Array<Scalar | Range>;
}

/** `a && b && ...` */
export interface And {
  kind: 'and';
  children: FilterNode[];
}

/** `a || b || ...` */
export interface Or {
  kind: 'or';
  children: FilterNode[];
}

/** A node of a parsed filter. Parentheses only shape the tree. */
export type FilterNode = Clause | And | Or;

/** One `field:asc|desc` of a `sort_by`, at most three. `_text_match` is allowed. */
export interface SortTerm {
  field: string;
  order: 'asc' | 'desc';
}

/** True when a value is a numeric range. */
export function isRange(v: Scalar | Range): v is Range {
  return typeof v === 'object' && v !== null && 'min' in v;
}
