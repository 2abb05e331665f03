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
import type { Column } from './columns.ts';
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

/** A compiled filter over documents by seq: true when the document stored under seq passes. */
export type SeqPredicate = (seq: number) => boolean;

/**
 * Compiles a filter tree into a predicate over seqs that reads columns (columns.ts) where a clause's
 * field has a regular column, and the document (`docAt`) otherwise. Same verdicts, and the same
 * errors in the same order, as `compileFilter`.
 */
export function compileSeqFilter(
  node: FilterNode,
  fields: NormalizedField[],
  columns: Map<string, Column>,
  docAt: (seq: number) => Document,
): SeqPredicate {
  const byName = new Map(fields.map((f) => [f.name, f]));
  const compile = (n: FilterNode): SeqPredicate => {
    switch (n.kind) {
      case 'and': {
        const cs = n.children.map(compile);
        if (cs.length === 2) {
          const [a, b] = cs as [SeqPredicate, SeqPredicate];
          return (s) => a(s) && b(s);
        }
        return (s) => {
          for (const c of cs) if (!c(s)) return false;
          return true;
        };
      }
      case 'or': {
        const cs = n.children.map(compile);
        if (cs.length === 2) {
          const [a, b] = cs as [SeqPredicate, SeqPredicate];
          return (s) => a(s) || b(s);
        }
        return (s) => {
          for (const c of cs) if (c(s)) return true;
          return false;
        };
      }
      case 'clause': {
        const viaDoc = compileClause(n, byName);
        const col = columns.get(n.field);
        const f = byName.get(n.field);
        const fast = col && f && !col.irregular && !(n.field === 'id' && !byName.has('id')) ? columnClause(n, col) : undefined;
        return fast ?? ((s) => viaDoc(docAt(s)));
      }
    }
  };
  return compile(node);
}

/** A clause over a column; undefined when the clause has no columnar form. */
function columnClause(c: Clause, col: Column): SeqPredicate | undefined {
  const name = col.name;
  if (col.kind === 'num') {
    const v = col.num;
    const ranges: Range[] = [];
    const points = new Set<number>();
    for (const x of c.values) {
      if (isRange(x)) ranges.push(x);
      else points.add(toNumber(name, x));
    }
    const one = (): number => toNumber(name, c.values[0] as Scalar);
    switch (c.op) {
      case 'gt': {
        const n = one();
        return (s) => v[s]! > n;
      }
      case 'gte': {
        const n = one();
        return (s) => v[s]! >= n;
      }
      case 'lt': {
        const n = one();
        return (s) => v[s]! < n;
      }
      case 'lte': {
        const n = one();
        return (s) => v[s]! <= n;
      }
      case 'match':
      case 'exact':
      case 'not': {
        const hit = (x: number): boolean => {
          if (points.has(x)) return true;
          for (const r of ranges) if (x >= r.min && x <= r.max) return true;
          return false;
        };
        return c.op === 'not' ? (s) => !hit(v[s]!) : (s) => hit(v[s]!);
      }
    }
  }
  if (col.kind === 'bool') {
    const b = col.bool;
    const wanted = new Set(c.values.map((x) => toBool(name, x as Scalar)));
    const t = wanted.has(true) ? 1 : -2;
    const f = wanted.has(false) ? 0 : -2;
    if (c.op === 'not') return (s) => b[s] !== t && b[s] !== f;
    return (s) => b[s] === t || b[s] === f;
  }
  // Strings: one verdict per interned value, computed on first sight.
  const docPred = stringClause(c, name);
  const ids = col.ids;
  const dict = col.dict;
  let verdict = new Int8Array(Math.max(16, dict.length));
  const decide = (id: number): boolean => {
    if (id >= verdict.length) {
      const g = new Int8Array(Math.max(id + 1, verdict.length * 2));
      g.set(verdict);
      verdict = g;
    }
    let v = verdict[id]!;
    if (v === 0) {
      v = docPred({ [name]: dict[id] }) ? 1 : 2;
      verdict[id] = v;
    }
    return v === 1;
  };
  const missing = docPred({}) ;
  return (s) => {
    const id = ids[s]!;
    return id < 0 ? missing : decide(id);
  };
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
