/**
 * Parsing and validation of search parameters. Values come as strings (query string) or typed JSON
 * (multi_search); both are accepted. A parameter the embedded engine does not implement is an error,
 * never silently ignored, so a caller can't believe a feature works when it doesn't.
 */
import type { SearchParams } from '../backend.ts';
import type { SortTerm } from '../query/ast.ts';
import { invalid } from './errors.ts';
import { checkQueryText } from '../query/params.ts';
import type { NormalizedSchema } from './schema.ts';
import { isNumericType, isTextType } from './schema.ts';

/** Search parameters after validation against the collection schema. */
export interface ParsedSearch {
  q: string;
  queryBy: string[];
  filterBy: string | undefined;
  sortBy: SortTerm[] | undefined;
  facetBy: string[];
  maxFacetValues: number;
  page: number;
  perPage: number;
  prefix: boolean;
  numTypos: number;
  minLen1Typo: number;
  minLen2Typo: number;
  dropTokensThreshold: number;
  typoTokensThreshold: number;
  includeFields: Set<string> | undefined;
  excludeFields: Set<string> | undefined;
  startTag: string;
  endTag: string;
  /** `highlight_full_fields`: these fields' highlights also carry the whole value, marked. */
  fullFields: Set<string>;
}

/**
 * Every parameter the embedded backend understands. `max_hits` is accepted and has no effect, exactly
 * as in Typesense 0.24.1, which ignores it; `collection` is how multi_search names the target.
 */
export const SUPPORTED_SEARCH_PARAMS = new Set([
  'q', 'query_by', 'filter_by', 'sort_by', 'facet_by', 'max_facet_values', 'page', 'per_page', 'prefix',
  'num_typos', 'min_len_1typo', 'min_len_2typo', 'drop_tokens_threshold', 'typo_tokens_threshold',
  'include_fields', 'exclude_fields', 'highlight_start_tag', 'highlight_end_tag', 'highlight_full_fields', 'max_hits',
  'collection',
]);

function list(v: unknown): string[] {
  if (v === undefined || v === null || v === '') return [];
  return String(v)
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

function int(name: string, v: unknown, dflt: number, min: number): number {
  if (v === undefined || v === '') return dflt;
  const n = typeof v === 'number' ? v : Number(String(v).trim());
  if (!Number.isInteger(n) || n < min) throw invalid(`Parameter \`${name}\` must be an unsigned integer.`);
  return n;
}

function bool(name: string, v: unknown, dflt: boolean): boolean {
  if (v === undefined || v === '') return dflt;
  if (v === true || v === 'true') return true;
  if (v === false || v === 'false') return false;
  // Typesense allows one value per query_by field; we support a single value for all fields.
  const parts = list(v);
  if (parts.length > 0 && parts.every((p) => p === parts[0])) return bool(name, parts[0], dflt);
  throw invalid(`Parameter \`${name}\` must be \`true\` or \`false\` (one value for all fields in the embedded backend).`);
}

/** Validates search parameters against a schema. */
export function parseSearchParams(params: SearchParams, schema: NormalizedSchema): ParsedSearch {
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined) continue;
    if (!SUPPORTED_SEARCH_PARAMS.has(k)) throw invalid(`Parameter '${k}' is not supported by the embedded search backend`);
  }
  if (params.q === undefined || params.q === null) throw invalid('Parameter `q` is required.');
  const q = String(params.q);
  // The same bounds as the gateway's, for callers of the library that skip its validation.
  checkQueryText(q);
  const byName = new Map(schema.fields.map((f) => [f.name, f]));

  const queryBy = list(params.query_by);
  for (const name of queryBy) {
    const f = byName.get(name);
    if (!f || !f.index) throw invalid(`Could not find a field named \`${name}\` in the schema.`);
    if (!isTextType(f.type)) throw invalid(`Field \`${name}\` should be a string or a string array.`);
  }
  if (q.trim() !== '*' && queryBy.length === 0) throw invalid('No search fields specified for the query.');

  let sortBy: SortTerm[] | undefined;
  if (params.sort_by !== undefined && String(params.sort_by).trim() !== '') {
    const terms = list(params.sort_by);
    if (terms.length > 3) throw invalid('Only upto 3 sort_by fields can be specified.');
    sortBy = terms.map((t) => {
      const idx = t.lastIndexOf(':');
      const field = (idx < 0 ? t : t.slice(0, idx)).trim();
      const order = idx < 0 ? '' : t.slice(idx + 1).trim().toLowerCase();
      if (order !== 'asc' && order !== 'desc') throw invalid(`Order for field\` ${field}\` should be either ASC or DESC.`);
      if (field !== '_text_match') {
        const f = byName.get(field);
        if (!f || !f.sort || !(isNumericType(f.type) || f.type === 'string' || f.type === 'bool')) {
          throw invalid(`Could not find a field named \`${field}\` in the schema for sorting.`);
        }
      }
      return { field, order };
    });
  }

  const facetBy = list(params.facet_by);
  for (const name of facetBy) {
    const f = byName.get(name);
    if (!f || !f.facet) throw invalid(`Could not find a facet field named \`${name}\` in the schema.`);
  }

  const page = int('page', params.page, 1, 0);
  if (page < 1) throw invalid('Page must be an integer of value greater than 0.');
  const perPage = int('per_page', params.per_page, 10, 0);
  if (perPage > 250) throw invalid('Only upto 250 hits can be fetched per page.');

  const numTypos = int('num_typos', params.num_typos, 2, 0);
  if (numTypos > 2) throw invalid('Value of `num_typos` must not be greater than 2.');
  const includeFields = list(params.include_fields);
  const excludeFields = list(params.exclude_fields);

  return {
    q,
    queryBy,
    filterBy: params.filter_by === undefined || String(params.filter_by).trim() === '' ? undefined : String(params.filter_by),
    sortBy,
    facetBy,
    maxFacetValues: int('max_facet_values', params.max_facet_values, 10, 0),
    page,
    perPage,
    prefix: bool('prefix', params.prefix, true),
    numTypos,
    minLen1Typo: int('min_len_1typo', params.min_len_1typo, 4, 0),
    minLen2Typo: int('min_len_2typo', params.min_len_2typo, 7, 0),
    dropTokensThreshold: int('drop_tokens_threshold', params.drop_tokens_threshold, 1, 0),
    typoTokensThreshold: int('typo_tokens_threshold', params.typo_tokens_threshold, 1, 0),
    includeFields: includeFields.length > 0 ? new Set(includeFields) : undefined,
    excludeFields: excludeFields.length > 0 ? new Set(excludeFields) : undefined,
    startTag: params.highlight_start_tag === undefined ? '<mark>' : String(params.highlight_start_tag),
    endTag: params.highlight_end_tag === undefined ? '</mark>' : String(params.highlight_end_tag),
    fullFields: new Set(list(params.highlight_full_fields)),
  };
}
