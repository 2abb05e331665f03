import type { Clause, FilterNode, Range, Scalar } from './ast.ts';
import { isRange } from './ast.ts';
import { validationError } from './errors.ts';
import { FIELD_NAME_RE } from './filter-parser.ts';

const OP_TOKEN: Record<Clause['op'], string> = {
  match: ':',
  exact: ':=',
  not: ':!=',
  gt: ':>',
  gte: ':>=',
  lt: ':<',
  lte: ':<=',
};

/**
 * Renders a filter tree in the canonical safe form sent to Typesense: every string value in the
 * bracketed backtick form (``f:=[`v`]``, even a single one), numbers and booleans bare, ranges as
 * `f:[1..5]`, and every compound child in parentheses, so no precedence rule can change its meaning.
 * Throws VALIDATION_ERROR for a value containing a backtick (Typesense 0.24.1 would let it inject
 * clauses) and for a field name outside the whitelist.
 *
 * @example
 *   renderFilter(parseFilter('genre:drama && year:>2000')) // "genre:[`drama`] && year:>2000"
 */
export function renderFilter(node: FilterNode): string {
  if (node.kind === 'clause') return renderClause(node);
  if (node.children.length === 0) throw new Error(`renderFilter: empty '${node.kind}' node`);
  const sep = node.kind === 'and' ? ' && ' : ' || ';
  return node.children.map((c) => (c.kind === 'clause' ? renderClause(c) : `(${renderFilter(c)})`)).join(sep);
}

function renderClause(c: Clause): string {
  if (!FIELD_NAME_RE.test(c.field)) throw validationError(`filter_by: invalid field name '${c.field}'`);
  if (c.values.length === 0) throw validationError(`filter_by: empty value for field '${c.field}'`);
  const head = `${c.field}${OP_TOKEN[c.op]}`;
  if (c.op === 'gt' || c.op === 'gte' || c.op === 'lt' || c.op === 'lte') {
    const v = c.values[0];
    if (c.values.length !== 1 || typeof v !== 'number') {
      throw validationError(`filter_by: a comparison on field '${c.field}' takes one number`);
    }
    return head + formatNumber(v);
  }
  const items = c.values.map((v) => renderValue(c.field, v));
  const bare = c.values.length === 1 && (typeof c.values[0] === 'number' || typeof c.values[0] === 'boolean');
  return bare ? head + items[0]! : `${head}[${items.join(', ')}]`;
}

function renderValue(field: string, v: Scalar | Range): string {
  if (isRange(v)) return `${formatNumber(v.min)}..${formatNumber(v.max)}`;
  if (typeof v === 'number') return formatNumber(v);
  if (typeof v === 'boolean') return String(v);
  if (v.includes('`')) {
    throw validationError(`filter_by: backtick inside a value is not allowed ('${v}')`, { field, value: v });
  }
  if (v.trim() === '') throw validationError(`filter_by: empty value for field '${field}'`);
  return `\`${v}\``;
}

/** A finite number as a plain decimal literal, never in exponent form (`1e-7` is `0.0000001`). */
export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) throw validationError(`filter_by: not a finite number (${n})`);
  const s = String(n);
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(s);
  if (!m) return s;
  // Shift the decimal point of JS's shortest round-trip digits, so the literal parses back exactly.
  const [, sign, lead, frac = '', expStr] = m;
  const digits = lead! + frac;
  const exp = Number(expStr);
  if (exp >= 0) return sign! + digits.padEnd(exp + 1, '0');
  return `${sign!}0.${'0'.repeat(-exp - 1)}${digits}`;
}
