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
import { facetCounts } from './facets.ts';
import type { DocPredicate } from './filter-eval.ts';
import { compileFilter } from './filter-eval.ts';
import { buildHighlights } from './highlight.ts';
import type { ParsedSearch } from './search-params.ts';
import { parseSearchParams } from './search-params.ts';
import type { Entry, TextMatch } from './text-index.ts';
import { tokenize } from './text.ts';

/** Parses, validates and compiles a `filter_by` against a collection. */
export function compileFilterBy(filterBy: string, info: CollectionInfo, state: CollectionState): DocPredicate {
  return compileFilter(validateFilter(parseFilter(filterBy), info), state.schema.fields);
}

interface Candidate {
  e: Entry;
  m: TextMatch | undefined;
}

/** Runs a search and answers in Typesense's result shape. */
export function runSearch(state: CollectionState, params: SearchParams, collectionName: string): SearchResult {
  const started = performance.now();
  const p = parseSearchParams(params, state.schema);
  const info = state.info();
  const filter = p.filterBy === undefined ? undefined : compileFilterBy(p.filterBy, info, state);
  const wildcard = p.q.trim() === '*';
  let tokens = wildcard ? [] : tokenize(p.q);
  const candidates: Candidate[] = [];
  if (wildcard) {
    for (const e of state.bySeq.values()) if (!filter || filter(e.doc)) candidates.push({ e, m: undefined });
  } else if (tokens.length > 0) {
    const accept = filter ? (seq: number) => filter(state.bySeq.get(seq)!.doc) : () => true;
    const opts = { fields: p.queryBy, prefix: p.prefix, numTypos: p.numTypos, minLen1Typo: p.minLen1Typo, minLen2Typo: p.minLen2Typo };
    let matches = state.text.search(tokens, opts, accept, p.typoTokensThreshold);
    // drop_tokens_threshold: with too few results, retry without the rightmost token, down to one token.
    while (matches.size < p.dropTokensThreshold && tokens.length > 1) {
      tokens = tokens.slice(0, -1);
      matches = state.text.search(tokens, opts, accept, p.typoTokensThreshold);
    }
    for (const [seq, m] of matches) candidates.push({ e: state.bySeq.get(seq)!, m });
  }

  const cmp = comparator(sortTerms(p, wildcard, state.schema.default_sorting_field));
  const k = p.page * p.perPage;
  const ordered = topK(candidates, k, cmp);
  const pageHits = ordered.slice((p.page - 1) * p.perPage, k);
  const facetFields = p.facetBy.map((name) => state.schema.fields.find((f) => f.name === name)!);

  const hits: SearchHit[] = pageHits.map(({ e, m }) => {
    const hit: SearchHit = { document: project(e.doc, p), highlight: {}, highlights: [] };
    if (m) {
      const h = buildHighlights(e.doc, p.queryBy, m, p.startTag, p.endTag);
      hit.highlights = h.highlights;
      hit.highlight = h.highlight;
      hit.text_match = m.score;
      hit.text_match_info = {
        fields_matched: new Set(m.tokens.flatMap((t) => t?.fields ?? [])).size,
        score: String(m.score),
        tokens_matched: m.tokensMatched,
        typo_prefix_score: m.tokens.reduce((s, t) => s + (t?.typos ?? 0), 0),
      };
    }
    return hit;
  });

  return {
    facet_counts: facetCounts(facetFields, facetFields.length > 0 ? candidates.map((c) => c.e) : [], p.maxFacetValues),
    found: candidates.length,
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

type Cmp = (a: Candidate, b: Candidate) => number;

function sortValue(c: Candidate, field: string): number | string {
  if (field === '_text_match') return c.m?.score ?? 0;
  const v = c.e.doc[field];
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string') return v;
  // A missing optional value sorts as the smallest, like Typesense's INT64_MIN sentinel.
  return -Infinity;
}

function comparator(terms: SortTerm[]): Cmp {
  return (a, b) => {
    for (const t of terms) {
      const x = sortValue(a, t.field);
      const y = sortValue(b, t.field);
      if (x === y) continue;
      let d: number;
      if (typeof x === 'number' && typeof y === 'number') d = x < y ? -1 : 1;
      else if (typeof x === 'string' && typeof y === 'string') d = x < y ? -1 : 1;
      else d = typeof x === 'number' ? -1 : 1;
      return t.order === 'asc' ? d : -d;
    }
    // Ties: the most recently inserted document first, as Typesense does.
    return b.e.seq - a.e.seq;
  };
}

/** The first k candidates in order, without sorting everything when k is small. */
function topK(all: Candidate[], k: number, cmp: Cmp): Candidate[] {
  if (k === 0) return [];
  if (all.length <= k * 4) return [...all].sort(cmp).slice(0, k);
  const best: Candidate[] = [];
  for (const c of all) {
    if (best.length === k && cmp(c, best[k - 1]!) >= 0) continue;
    let lo = 0;
    let hi = best.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cmp(best[mid]!, c) <= 0) lo = mid + 1;
      else hi = mid;
    }
    best.splice(lo, 0, c);
    if (best.length > k) best.pop();
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
