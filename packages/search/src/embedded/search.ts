/**
 * One search over one collection: text matching (MiniSearch), filter (our evaluator over the parsed
 * AST), sort (up to three terms, then insertion order descending, as Typesense breaks ties), facets,
 * paging, highlights and field projection.
 */
import type { CollectionInfo, Document, SearchHit, SearchParams, SearchResult } from '../backend.ts';
import type { SortTerm } from '../query/ast.ts';
import { parseFilter } from '../query/filter-parser.ts';
import { validateFilter } from '../query/filter-validate.ts';
import type { CollectionState } from './collection-state.ts';
import { facetCountsBySeq } from './facets.ts';
import type { DocPredicate, SeqPredicate } from './filter-eval.ts';
import { compileFilter, compileSeqFilter } from './filter-eval.ts';
import { buildHighlights } from './highlight.ts';
import type { ParsedSearch } from './search-params.ts';
import { parseSearchParams } from './search-params.ts';
import type { TextResult } from './match.ts';
import type { TextQuery } from './text-index.ts';
import { tokenize } from './text.ts';

/** Parses, validates and compiles a `filter_by` against a collection. */
export function compileFilterBy(filterBy: string, info: CollectionInfo, state: CollectionState): DocPredicate {
  return compileFilter(validateFilter(parseFilter(filterBy), info), state.schema.fields);
}

const FILTER_CACHE_SIZE = 64;

interface CachedFilter {
  stamp: string;
  pred: SeqPredicate;
}

/** Compiles a `filter_by` into a predicate over seqs, cached per collection (LRU of 64 filters). */
function seqFilterBy(filterBy: string, state: CollectionState): SeqPredicate {
  const cache = state.filterCache as Map<string, CachedFilter>;
  let stamp = '';
  for (const c of state.columns.values()) stamp += `${c.layout}${c.irregular ? '!' : ''},`;
  const hit = cache.get(filterBy);
  if (hit && hit.stamp === stamp) {
    cache.delete(filterBy);
    cache.set(filterBy, hit);
    return hit.pred;
  }
  const entries = state.entries;
  const node = validateFilter(parseFilter(filterBy), state.info());
  const pred = compileSeqFilter(node, state.schema.fields, state.columns, (seq) => entries[seq]!.doc);
  cache.delete(filterBy);
  cache.set(filterBy, { stamp, pred });
  if (cache.size > FILTER_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  return pred;
}

/**
 * Runs a search and answers in Typesense's result shape, as a generator that yields between units of work that grow with the query (each query
 * token, each hit of the page), so the embedded backend can give the event loop back to other
 * requests (/health, SIGTERM) during a long query. A caller that resumes it after a write to the
 * collection must start over (see `embedded-backend.ts`).
 */
export function* searchSteps(state: CollectionState, params: SearchParams, collectionName: string): Generator<void, SearchResult> {
  const started = performance.now();
  const p = parseSearchParams(params, state.schema);
  const filter = p.filterBy === undefined ? undefined : seqFilterBy(p.filterBy, state);
  const wildcard = p.q.trim() === '*';
  let tokens = wildcard ? [] : tokenize(p.q);
  const terms = sortTerms(p, wildcard, state.schema.default_sorting_field);
  const entries = state.entries;
  // Candidates: matching seqs, ascending (insertion order); for text queries also their matches.
  let seqs: Int32Array;
  let text: TextResult | undefined;
  if (wildcard) {
    const out = new Int32Array(state.bySeq.size);
    let n = 0;
    for (let s = 0; s < entries.length; s++) {
      if (entries[s] !== undefined && (!filter || filter(s))) out[n++] = s;
    }
    seqs = out.subarray(0, n);
  } else if (tokens.length > 0) {
    const wantScores = terms.some((t) => t.field === '_text_match');
    const options = { fields: p.queryBy, prefix: p.prefix, numTypos: p.numTypos, minLen1Typo: p.minLen1Typo, minLen2Typo: p.minLen2Typo };
    // One expansion per token for the whole request (`memo`), however many retries drop tokens.
    const query: TextQuery = { tokens, options, accept: filter, typoThreshold: p.typoTokensThreshold, wantScores, memo: new Map() };
    text = yield* state.text.searchSteps(query);
    // drop_tokens_threshold: with too few results, retry without the rightmost token, down to one token.
    while (text.seqs.length < p.dropTokensThreshold && tokens.length > 1) {
      // A query that still has the token that matched nothing before its last token matches nothing
      // (matching only narrows token by token): skip straight to the one that ends with that token.
      // The same results as dropping one token at a time, without the quadratic walk.
      const keep = text.failedAt < tokens.length - 1 ? text.failedAt + 1 : tokens.length - 1;
      tokens = tokens.slice(0, keep);
      text = yield* state.text.searchSteps({ ...query, tokens });
    }
    seqs = text.seqs;
  } else {
    seqs = new Int32Array(0);
  }

  const k = p.page * p.perPage;
  const ordered = topK(seqs.length, k, comparator(terms, state, seqs, text));
  const pageHits = ordered.slice((p.page - 1) * p.perPage, k);
  const facetFields = p.facetBy.map((name) => state.schema.fields.find((f) => f.name === name)!);

  const hits: SearchHit[] = [];
  for (const j of pageHits) {
    const seq = seqs[j]!;
    const e = entries[seq]!;
    const hit: SearchHit = { document: project(e.doc, p), highlight: {}, highlights: [] };
    if (text) {
      const m = text.textMatch(seq, e.doc);
      const h = buildHighlights(e.doc, p.queryBy, m, p.startTag, p.endTag, p.fullFields);
      hit.highlights = h.highlights;
      hit.highlight = h.highlight;
      hit.text_match = m.score;
      hit.text_match_info = {
        fields_matched: new Set(m.tokens.flatMap((t) => t?.fields ?? [])).size,
        score: String(m.score),
        tokens_matched: m.tokensMatched,
        typo_prefix_score: m.tokens.reduce((s, t) => s + (t?.typos ?? 0), 0),
      };
      yield;
    }
    hits.push(hit);
  }

  return {
    facet_counts: facetCountsBySeq(facetFields, seqs, state, p.maxFacetValues),
    found: seqs.length,
    hits,
    out_of: state.byId.size,
    page: p.page,
    request_params: { collection_name: collectionName, per_page: p.perPage, q: p.q },
    search_cutoff: false,
    search_time_ms: Math.round(performance.now() - started),
  };
}

/** Typesense's default order: text match (unless wildcard), then the default sorting field, descending. */
function sortTerms(p: ParsedSearch, wildcard: boolean, dsf: string): SortTerm[] {
  if (p.sortBy) return p.sortBy;
  const terms: SortTerm[] = [];
  if (!wildcard) terms.push({ field: '_text_match', order: 'desc' });
  if (dsf !== '') terms.push({ field: dsf, order: 'desc' });
  return terms;
}

/** Compares two candidates by their index in the candidate list. */
type Cmp = (a: number, b: number) => number;

function sortValue(doc: Document, field: string): number | string {
  const v = doc[field];
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string') return v;
  // A missing optional value sorts as the smallest, like Typesense's INT64_MIN sentinel.
  return -Infinity;
}

/**
 * The candidates' order: the sort terms, then the most recently inserted document first (Typesense's
 * tie order). Every term becomes one number per candidate (ascending after negating `desc`): column
 * values, string ranks, or text ranks; a field without a regular column compares the documents.
 */
function comparator(terms: SortTerm[], state: CollectionState, seqs: Int32Array, text: TextResult | undefined): Cmp {
  const n = seqs.length;
  const keys: Float64Array[] = [];
  let columnar = true;
  for (const t of terms) {
    const sign = t.order === 'asc' ? 1 : -1;
    const key = new Float64Array(n);
    if (t.field === '_text_match') {
      const sc = text?.scores;
      for (let j = 0; j < n; j++) key[j] = sign * (sc ? sc[j]! : 0);
    } else {
      const col = state.columns.get(t.field);
      if (!col || col.irregular) {
        columnar = false;
        break;
      }
      if (col.kind === 'num') {
        const v = col.num;
        for (let j = 0; j < n; j++) {
          const x = v[seqs[j]!]!;
          key[j] = sign * (x === x ? x : -Infinity);
        }
      } else if (col.kind === 'bool') {
        const v = col.bool;
        for (let j = 0; j < n; j++) {
          const x = v[seqs[j]!]!;
          key[j] = sign * (x < 0 ? -Infinity : x);
        }
      } else {
        const ids = col.ids;
        const rank = col.rank();
        for (let j = 0; j < n; j++) {
          const id = ids[seqs[j]!]!;
          key[j] = sign * (id < 0 ? -Infinity : rank[id]!);
        }
      }
    }
    keys.push(key);
  }
  if (columnar) {
    if (keys.length === 1) {
      const k0 = keys[0]!;
      return (a, b) => {
        const x = k0[a]!;
        const y = k0[b]!;
        if (x !== y) return x < y ? -1 : 1;
        return seqs[b]! - seqs[a]!;
      };
    }
    return (a, b) => {
      for (const k of keys) {
        const x = k[a]!;
        const y = k[b]!;
        if (x !== y) return x < y ? -1 : 1;
      }
      return seqs[b]! - seqs[a]!;
    };
  }
  // Documents: the original comparison, with mixed types (numbers before strings).
  const entries = state.entries;
  const value = (j: number, field: string): number | string =>
    field === '_text_match' ? (text?.scores?.[j] ?? 0) : sortValue(entries[seqs[j]!]!.doc, field);
  return (a, b) => {
    for (const t of terms) {
      const x = value(a, t.field);
      const y = value(b, t.field);
      if (x === y) continue;
      let d: number;
      if (typeof x === 'number' && typeof y === 'number') d = x < y ? -1 : 1;
      else if (typeof x === 'string' && typeof y === 'string') d = x < y ? -1 : 1;
      else d = typeof x === 'number' ? -1 : 1;
      return t.order === 'asc' ? d : -d;
    }
    return seqs[b]! - seqs[a]!;
  };
}

/** The first k candidate indices in order, keeping a sorted buffer of the best k (k is small). */
function topK(n: number, k: number, cmp: Cmp): number[] {
  if (k === 0 || n === 0) return [];
  if (n <= k * 4) {
    const all = Array.from({ length: n }, (_, i) => i);
    return all.sort(cmp).slice(0, k);
  }
  const best: number[] = [];
  for (let c = 0; c < n; c++) {
    if (best.length === k && cmp(c, best[k - 1]!) >= 0) continue;
    let lo = 0;
    let hi = best.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cmp(best[mid]!, c) <= 0) lo = mid + 1;
      else hi = mid;
    }
    if (best.length === k) best.pop();
    best.splice(lo, 0, c);
  }
  return best;
}

function project(doc: Document, p: ParsedSearch): Document {
  if (!p.includeFields && !p.excludeFields) return doc;
  const out: Document = {};
  for (const [k, v] of Object.entries(doc)) {
    if (p.includeFields && !p.includeFields.has(k)) continue;
    if (p.excludeFields?.has(k)) continue;
    out[k] = v;
  }
  return out;
}
