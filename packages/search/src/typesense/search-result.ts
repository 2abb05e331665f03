import { AppError } from '@fountain/kit';
import type { SearchHit, SearchResult } from '../backend.ts';

/** A per-search failure inside a multi_search answer, as Typesense writes it. */
export interface SearchFailure {
  code: number;
  error: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function numberOr(value: unknown, fallback: number): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return fallback;
}

/**
 * Checks a search answer from any Typesense version (0.24.1 to v30) and fills the gaps the backend
 * interface promises, without dropping anything: unknown top-level and hit fields are kept as they
 * are, `facet_counts` defaults to [], and both `highlights` (0.24) and `highlight` (v0.25+) pass
 * through untouched. Throws TYPESENSE_SYNC_ERROR when the answer is not a search result at all.
 */
export function normalizeSearchResult(raw: unknown): SearchResult {
  if (!isRecord(raw)) {
    throw new AppError('TYPESENSE_SYNC_ERROR', 'Typesense answered a search with something that is not an object');
  }
  const hitsRaw = raw.hits;
  if (hitsRaw !== undefined && !Array.isArray(hitsRaw)) {
    throw new AppError('TYPESENSE_SYNC_ERROR', 'Typesense answered a search whose `hits` is not an array');
  }
  const hits = (hitsRaw ?? []).map(normalizeHit);
  return {
    ...raw,
    found: numberOr(raw.found, hits.length),
    out_of: numberOr(raw.out_of, 0),
    page: numberOr(raw.page, 1),
    search_time_ms: numberOr(raw.search_time_ms, 0),
    hits,
    facet_counts: Array.isArray(raw.facet_counts) ? (raw.facet_counts as SearchResult['facet_counts']) : [],
  };
}

function normalizeHit(raw: unknown): SearchHit {
  if (!isRecord(raw) || !isRecord(raw.document)) {
    throw new AppError('TYPESENSE_SYNC_ERROR', 'Typesense answered a search hit without a `document` object');
  }
  const hit = { ...raw } as SearchHit & Record<string, unknown>;
  // text_match is a uint64 in every version; some proxies and older builds send it as a string.
  if (raw.text_match !== undefined) hit.text_match = numberOr(raw.text_match, 0);
  return hit;
}

/** True for a multi_search item that is a per-search failure (`{code, error}`) rather than a result. */
export function isSearchFailure(raw: unknown): raw is SearchFailure {
  return isRecord(raw) && typeof raw.error === 'string' && raw.hits === undefined;
}

/**
 * Checks a multi_search answer: each item is either a search result (normalized like a single search)
 * or Typesense's own `{code, error}` for that search alone, kept as it is.
 */
export function normalizeMultiSearchResult(raw: unknown): { results: Array<SearchResult | SearchFailure> } {
  if (!isRecord(raw) || !Array.isArray(raw.results)) {
    throw new AppError('TYPESENSE_SYNC_ERROR', 'Typesense answered a multi_search without a `results` array');
  }
  const results = raw.results.map((item: unknown) => {
    if (isSearchFailure(item)) return { ...item, code: numberOr(item.code, 500) };
    return normalizeSearchResult(item);
  });
  return { ...raw, results };
}
