/**
 * Evaluates a parsed `filter_by` tree (query/ast.ts) against documents, with Typesense's semantics:
 * `:` on strings matches when the field contains the value's tokens, `:=` when the whole value equals
 * it (both after lowercasing and folding diacritics, as Typesense compares tokens); numbers compare
 * numerically; array fields match when any element matches; `!=` matches when no element equals.
 * A document without the field matches no clause except `!=`.
 */
import type { Clause, FilterNode, Range, Scalar } from '../query/ast.ts';
import { isRange } from '../query/ast.ts';
import type { Document } from '../backend.ts';
import { invalid } from './errors.ts';
import type { NormalizedField } from './schema.ts';
import { baseType } from './schema.ts';
import { tokenize } from './text.ts';

/** A compiled filter: true when the document passes. */
export type DocPredicate = (doc: Document) => boolean;

/** Evaluates a filter tree against one document (compiles it each time; prefer `compileFilter`). */
export function evaluate(node: FilterNode, doc: Document, fields: NormalizedField[]): boolean {
  return compileFilter(node, fields)(doc);
}

/** Compiles a filter tree into a predicate, checking every field against the schema once. */
export function compileFilter(node: FilterNode, fields: NormalizedField[]): DocPredicate {
  const byName = new Map(fields.map((f) => [f.name, f]));
  const compile = (n: FilterNode): DocPredicate => {
    switch (n.kind) {
      case 'and': {
        const cs = n.children.map(compile);
        return (d) => cs.every((c) => c(d));
      }
      case 'or': {
        const cs = n.children.map(compile);
        return (d) => cs.some((c) => c(d));
      }
      case 'clause':
        return compileClause(n, byName);
    }
  };
  return compile(node);
}

function elements(v: unknown): unknown[] {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v : [v];
}

function toNumber(field: string, v: Scalar): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  if (Number.isNaN(n)) throw invalid(`Error with filter field \`${field}\`: Not a number.`);
  return n;
}

function toBool(field: string, v: Scalar): boolean {
  if (v === true || v === 'true') return true;
  if (v === false || v === 'false') return false;
  throw invalid(`Value of filter field \`${field}\` must be \`true\` or \`false\`.`);
}

function compileClause(c: Clause, byName: Map<string, NormalizedField>): DocPredicate {
  if (c.field === 'id' && !byName.has('id')) {
    // Typesense matches ids exactly, whatever the operator.
    const ids = new Set(c.values.map((v) => String(v)));
    return c.op === 'not' ? (d) => !ids.has(d.id as string) : (d) => ids.has(d.id as string);
  }
  const f = byName.get(c.field);
  if (!f || !f.index) throw invalid(`Could not find a filter field named \`${c.field}\` in the schema.`);
  const t = baseType(f.type);
  const name = f.name;
  if (t === 'string') return stringClause(c, name);
  if (t === 'bool') {
    if (!['match', 'exact', 'not'].includes(c.op)) throw invalid(`Error with filter field \`${name}\`: bool fields support only \`:\`, \`:=\` and \`:!=\`.`);
    const wanted = new Set(c.values.map((v) => toBool(name, v as Scalar)));
    if (c.op === 'not') return (d) => !elements(d[name]).some((x) => wanted.has(x as boolean));
    return (d) => elements(d[name]).some((x) => wanted.has(x as boolean));
  }
  // Numeric fields.
  const ranges: Range[] = [];
  const points = new Set<number>();
  for (const v of c.values) {
    if (isRange(v)) ranges.push(v);
    else points.add(toNumber(name, v));
  }
  const hit = (x: number): boolean => points.has(x) || ranges.some((r) => x >= r.min && x <= r.max);
  const single = (): number => {
    const v = c.values[0];
    if (c.values.length !== 1 || v === undefined || isRange(v)) throw invalid(`Error with filter field \`${name}\`: \`${c.op}\` takes one number.`);
    return toNumber(name, v);
  };
  const nums = (d: Document): number[] => elements(d[name]).filter((x): x is number => typeof x === 'number');
  switch (c.op) {
    case 'match':
    case 'exact':
      return (d) => nums(d).some(hit);
    case 'not':
      return (d) => !nums(d).some(hit);
    case 'gt': {
      const n = single();
      return (d) => nums(d).some((x) => x > n);
    }
    case 'gte': {
      const n = single();
      return (d) => nums(d).some((x) => x >= n);
    }
    case 'lt': {
      const n = single();
      return (d) => nums(d).some((x) => x < n);
    }
    case 'lte': {
      const n = single();
      return (d) => nums(d).some((x) => x <= n);
    }
  }
}

function stringClause(c: Clause, name: string): DocPredicate {
  if (!['match', 'exact', 'not'].includes(c.op)) {
    throw invalid(`Error with filter field \`${name}\`: string fields support only \`:\`, \`:=\` and \`:!=\`.`);
  }
  const wanted = c.values.map((v) => {
    if (isRange(v)) throw invalid(`Error with filter field \`${name}\`: a range needs a numeric field.`);
    return tokenize(String(v));
  });
  // Whole-value comparison on normalized tokens: `genre:=Drama` equals "drama" but not "Drama Comedy".
  const exactKeys = new Set(wanted.map((w) => w.join(' ')));
  const strings = (d: Document): string[] => elements(d[name]).filter((x): x is string => typeof x === 'string');
  const equalsAny = (d: Document): boolean => strings(d).some((s) => exactKeys.has(normalizedKey(s)));
  if (c.op === 'exact') return equalsAny;
  if (c.op === 'not') return (d) => !equalsAny(d);
  // `:` matches an element that contains the value's tokens as a phrase.
  return (d) =>
    strings(d).some((s) => {
      const toks = tokenize(s);
      return wanted.some((w) => containsPhrase(toks, w));
    });
}

// Facet-like fields repeat a few values across many documents: cache their normalized form so a
// filter over 100k documents does not re-tokenize each one.
const keyCache = new Map<string, string>();

function normalizedKey(s: string): string {
  let k = keyCache.get(s);
  if (k === undefined) {
    k = tokenize(s).join(' ');
    if (s.length <= 256) {
      if (keyCache.size >= 100_000) keyCache.clear();
      keyCache.set(s, k);
    }
  }
  return k;
}

function containsPhrase(hay: string[], needle: string[]): boolean {
  if (needle.length === 0) return false;
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}
