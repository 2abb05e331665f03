/**
 * Facet counts over the documents that matched a search, in Typesense's shape: the top values by count
 * (`max_facet_values`), and `stats` (min, max, sum, avg over every value, plus `total_values`, the number
 * of distinct values) for numeric fields; strings get `total_values` only.
 */
import type { FacetCount } from '../backend.ts';
import type { CollectionState } from './collection-state.ts';
import type { Entry } from './postings.ts';
import type { NormalizedField } from './schema.ts';
import { baseType, isNumericType } from './schema.ts';

/** Computes the facet counts of the given fields over the matched entries. */
export function facetCounts(fields: NormalizedField[], matched: Entry[], maxValues: number): FacetCount[] {
  return fields.map((f) => {
    const counts = new Map<string, number>();
    const numeric = isNumericType(baseType(f.type));
    let min = Infinity;
    let max = -Infinity;
    let sum = 0;
    let n = 0;
    for (const e of matched) {
      const v = e.doc[f.name];
      if (v === undefined || v === null) continue;
      const values = Array.isArray(v) ? new Set(v) : [v];
      for (const x of values) {
        const key = String(x);
        counts.set(key, (counts.get(key) ?? 0) + 1);
        if (numeric && typeof x === 'number') {
          if (x < min) min = x;
          if (x > max) max = x;
          sum += x;
          n++;
        }
      }
    }
    // Stable sort: equal counts keep first-seen order (Typesense's own tie order is a hash order).
    const top = [...counts.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, maxValues)
      .map(([value, count]) => ({ count, highlighted: value, value }));
    const stats: Record<string, number> = numeric && n > 0
      ? { avg: sum / n, max, min, sum, total_values: counts.size }
      : { total_values: counts.size };
    return { counts: top, field_name: f.name, stats };
  });
}

/**
 * `facetCounts` over the candidates given as seqs (ascending): string fields with a regular column
 * count interned value ids in an Int32Array; other fields go through `facetCounts` on the documents.
 */
export function facetCountsBySeq(fields: NormalizedField[], seqs: Int32Array, state: CollectionState, maxValues: number): FacetCount[] {
  return fields.map((f) => {
    const col = state.columns.get(f.name);
    if (!col || col.irregular || col.kind !== 'str') {
      const entries: Entry[] = [];
      for (let j = 0; j < seqs.length; j++) entries.push(state.entries[seqs[j]!]!);
      return facetCounts([f], entries, maxValues)[0]!;
    }
    const ids = col.ids;
    const counts = new Int32Array(col.dict.length);
    // Value ids in first-seen order.
    const seen: number[] = [];
    for (let j = 0; j < seqs.length; j++) {
      const id = ids[seqs[j]!]!;
      if (id < 0) continue;
      if (counts[id] === 0) seen.push(id);
      counts[id]!++;
    }
    // Stable sort: equal counts keep first-seen order.
    const top = seen
      .sort((a, b) => counts[b]! - counts[a]!)
      .slice(0, maxValues)
      .map((id) => {
        const value = col.dict[id]!;
        return { count: counts[id]!, highlighted: value, value };
      });
    return { counts: top, field_name: f.name, stats: { total_values: seen.length } };
  });
}
