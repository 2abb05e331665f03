import type { CollectionInfo, SearchParams } from '../backend.ts';
import type { FilterNode, SortTerm } from './ast.ts';
import { validationError } from './errors.ts';
import { parseFilter } from './filter-parser.ts';
import { renderFilter } from './filter-render.ts';
import { validateFilter } from './filter-validate.ts';
import { findField, kindOf, unknownFieldHint } from './schema-fields.ts';
import { parseSortBy } from './sort.ts';
import { tokenize } from '../embedded/text.ts';

/**
 * The search parameters the gateway accepts, for both backends. Anything else is rejected with
 * "unsupported search parameter", so no parameter is ever silently ignored. `max_hits` is accepted and
 * forwarded, but Typesense 0.24.1 ignores it. Transport parameters (`collection` of a multi_search
 * entry, `x-typesense-api-key`) are the caller's to strip before validation.
 */
export const SUPPORTED_SEARCH_PARAMS = [
  'q',
  'query_by',
  'filter_by',
  'sort_by',
  'facet_by',
  'page',
  'per_page',
  'max_hits',
  'include_fields',
  'exclude_fields',
  'num_typos',
  'prefix',
  'typo_tokens_threshold',
  'drop_tokens_threshold',
  'highlight_fields',
  'highlight_full_fields',
  'max_facet_values',
  'snippet_threshold',
] as const;

/** One of SUPPORTED_SEARCH_PARAMS. */
export type SupportedSearchParam = (typeof SUPPORTED_SEARCH_PARAMS)[number];

/** Typesense's limit on `per_page`. */
export const MAX_PER_PAGE = 250;

/**
 * The longest `q`, in characters: Typesense 0.24.1 refuses a search whose query string reaches 4,000
 * characters ("Query string exceeds max allowed length of 4000"); the gateway holds `q` to the same
 * on every route, multi_search and POST /search included (Typesense itself took 57 s and timed out on
 * a 20,000-word q sent through multi_search).
 */
export const MAX_QUERY_LENGTH = 4000;

/**
 * The most tokens (words) in `q`. Search work grows with the words on both engines: Typesense 0.24.1
 * took 0.1 s for 500 words and 0.36 s for 1,300 on ten documents, and timed out (503) with eight
 * parallel 256-word searches on 5,000; the embedded engine's typo expansion costs up to milliseconds
 * a word. 64 is twice Google's 32-word query limit.
 */
export const MAX_QUERY_TOKENS = 64;

/**
 * Throws VALIDATION_ERROR naming `q` when it is longer than {@link MAX_QUERY_LENGTH} characters or
 * has more than {@link MAX_QUERY_TOKENS} tokens (split as the embedded engine and Typesense split
 * words: on spaces and punctuation).
 *
 * @example
 *   checkQueryText(params.q); // before any engine sees it
 */
export function checkQueryText(q: string): void {
  if (q.length > MAX_QUERY_LENGTH && [...q].length > MAX_QUERY_LENGTH) {
    throw validationError(`search parameter 'q' is longer than ${MAX_QUERY_LENGTH} characters`, {
      parameter: 'q',
      maxLength: MAX_QUERY_LENGTH,
    });
  }
  const tokens = tokenize(q).length;
  if (tokens > MAX_QUERY_TOKENS) {
    throw validationError(`search parameter 'q' has ${tokens} words; at most ${MAX_QUERY_TOKENS} are allowed`, {
      parameter: 'q',
      maxTokens: MAX_QUERY_TOKENS,
    });
  }
}

/** A search request after validation: what the gateway forwards, and the parsed parts for the embedded engine. */
export interface ValidatedSearch {
  /** The normalized parameters: `filter_by` in the safe rendering, numbers as numbers, lists trimmed. */
  params: SearchParams;
  /** The typed filter tree, when there is a filter. */
  filter?: FilterNode;
  sort: SortTerm[];
  queryBy: string[];
  facetBy: string[];
  /** 1-based page, default 1. */
  page: number;
  /** Hits per page, default 10 (Typesense's default). */
  perPage: number;
}

const SUPPORTED = new Set<string>(SUPPORTED_SEARCH_PARAMS);
const LIST_ITEM_RE = /^[\p{L}\p{N}_.*-]+$/u;

/**
 * Validates and normalizes one search's parameters against the collection, the same way for the
 * typesense and embedded backends. Throws VALIDATION_ERROR naming the parameter.
 *
 * `query_by` is required unless `q` is `*`: Typesense 0.24.1 answers "No search fields specified for
 * the query." for `q=hello` without it, and accepts `q=*` without it (verified).
 *
 * @example
 *   const v = validateSearchParams({ q: 'dune', query_by: 'title', filter_by: 'year:>1990' }, collection);
 *   backend.search(collection.name, v.params);
 */
export function validateSearchParams(params: SearchParams, collection: CollectionInfo): ValidatedSearch {
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && !SUPPORTED.has(key)) {
      throw validationError(`unsupported search parameter '${key}'`, {
        parameter: key,
        supported: SUPPORTED_SEARCH_PARAMS,
      });
    }
  }
  const out: SearchParams = {};

  if (params.q === undefined || params.q === null) throw validationError("search parameter 'q' is required", { parameter: 'q' });
  const q = text('q', params.q);
  checkQueryText(q);
  out.q = q;

  const queryBy = params.query_by === undefined ? [] : fieldList('query_by', params.query_by);
  if (queryBy.length === 0 && q.trim() !== '*') {
    throw validationError("search parameter 'query_by' is required unless q is '*'", { parameter: 'query_by' });
  }
  for (const name of queryBy) checkQueryField(name, collection);
  if (queryBy.length > 0) out.query_by = queryBy.join(',');

  let filter: FilterNode | undefined;
  if (params.filter_by !== undefined) {
    const raw = text('filter_by', params.filter_by);
    if (raw.trim() !== '') {
      filter = validateFilter(parseFilter(raw), collection);
      out.filter_by = renderFilter(filter);
    }
  }

  const sort = params.sort_by === undefined ? [] : parseSortBy(text('sort_by', params.sort_by), collection);
  if (sort.length > 0) out.sort_by = sort.map((s) => `${s.field}:${s.order}`).join(',');

  const facetBy = params.facet_by === undefined ? [] : fieldList('facet_by', params.facet_by);
  for (const name of facetBy) checkFacetField(name, collection);
  if (facetBy.length > 0) out.facet_by = facetBy.join(',');

  const page = params.page === undefined ? 1 : int('page', params.page, 1, Number.MAX_SAFE_INTEGER);
  const perPage = params.per_page === undefined ? 10 : int('per_page', params.per_page, 0, MAX_PER_PAGE);
  if (params.page !== undefined) out.page = page;
  if (params.per_page !== undefined) out.per_page = perPage;

  if (params.max_hits !== undefined) {
    const raw = text('max_hits', params.max_hits).trim();
    out.max_hits = raw === 'all' ? 'all' : int('max_hits', raw, 0, Number.MAX_SAFE_INTEGER);
  }
  for (const key of ['include_fields', 'exclude_fields'] as const) {
    if (params[key] !== undefined) {
      const list = fieldList(key, params[key]);
      if (list.length > 0) out[key] = list.join(',');
    }
  }
  for (const key of ['highlight_fields', 'highlight_full_fields'] as const) {
    if (params[key] !== undefined) {
      const list = fieldList(key, params[key]);
      for (const name of list) {
        if (!findField(collection, name)) {
          throw validationError(`${key}: unknown field '${name}'${unknownFieldHint(collection, name)}`, {
            parameter: key,
            field: name,
          });
        }
      }
      if (list.length > 0) out[key] = list.join(',');
    }
  }
  if (params.num_typos !== undefined) {
    const parts = text('num_typos', params.num_typos).split(',').map((s) => int('num_typos', s, 0, 2));
    out.num_typos = parts.length === 1 ? parts[0] : parts.join(',');
  }
  if (params.prefix !== undefined) {
    const parts = text('prefix', params.prefix).split(',').map((s) => bool('prefix', s));
    out.prefix = parts.length === 1 ? parts[0] : parts.join(',');
  }
  for (const key of [
    'typo_tokens_threshold',
    'drop_tokens_threshold',
    'max_facet_values',
    'snippet_threshold',
  ] as const) {
    if (params[key] !== undefined) out[key] = int(key, params[key], 0, Number.MAX_SAFE_INTEGER);
  }

  return { params: out, ...(filter ? { filter } : {}), sort, queryBy, facetBy, page, perPage };
}

function text(name: string, v: string | number | boolean): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw validationError(`search parameter '${name}' must be a string`, { parameter: name });
}

function int(name: string, v: string | number | boolean, min: number, max: number): number {
  let n: number;
  if (typeof v === 'number') n = v;
  else if (typeof v === 'string' && /^\s*[+-]?\d+\s*$/.test(v)) n = Number(v);
  else n = Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `${min}..${max}`;
    throw validationError(`search parameter '${name}' must be an integer ${range}, not '${String(v)}'`, {
      parameter: name,
      value: v,
    });
  }
  return n;
}

function bool(name: string, v: string): boolean {
  const s = v.trim();
  if (s === 'true') return true;
  if (s === 'false') return false;
  throw validationError(`search parameter '${name}' must be true or false (or a comma list of them), not '${v}'`, {
    parameter: name,
    value: v,
  });
}

function fieldList(name: string, v: string | number | boolean): string[] {
  const raw = text(name, v);
  if (raw.trim() === '') return [];
  return raw.split(',').map((s) => {
    const item = s.trim();
    if (item === '') throw validationError(`${name}: empty field name in '${raw}'`, { parameter: name });
    if (!LIST_ITEM_RE.test(item)) {
      throw validationError(`${name}: invalid field name '${item}'`, { parameter: name, field: item });
    }
    return item;
  });
}

function checkQueryField(name: string, collection: CollectionInfo): void {
  const f = findField(collection, name);
  if (!f) {
    throw validationError(`query_by: unknown field '${name}'${unknownFieldHint(collection, name)}`, {
      parameter: 'query_by',
      field: name,
    });
  }
  if (kindOf(f.type) !== 'string') {
    throw validationError(`query_by: field '${name}' should be a string or a string array, not ${f.type}`, {
      parameter: 'query_by',
      field: name,
    });
  }
  if (f.index === false) {
    throw validationError(`query_by: field '${name}' is not indexed (index: false)`, {
      parameter: 'query_by',
      field: name,
    });
  }
}

function checkFacetField(name: string, collection: CollectionInfo): void {
  const f = findField(collection, name);
  if (!f) {
    throw validationError(`facet_by: unknown field '${name}'${unknownFieldHint(collection, name)}`, {
      parameter: 'facet_by',
      field: name,
    });
  }
  if (f.facet !== true) {
    throw validationError(`facet_by: field '${name}' is not a facet (facet: true in the schema)`, {
      parameter: 'facet_by',
      field: name,
    });
  }
}
