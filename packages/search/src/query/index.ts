/** Parsing, validation and safe rendering of search parameters (`filter_by`, `sort_by`, ...). */
export type { And, Clause, FilterNode, Or, Range, Scalar, SortTerm } from './ast.ts';
export { isRange } from './ast.ts';
export { FIELD_NAME_RE, MAX_FILTER_DEPTH, MAX_FILTER_LENGTH, isNumberLiteral, parseFilter } from './filter-parser.ts';
export { validateFilter } from './filter-validate.ts';
export { formatNumber, renderFilter } from './filter-render.ts';
export { MAX_SORT_TERMS, parseSortBy } from './sort.ts';
export {
  MAX_PER_PAGE,
  MAX_QUERY_LENGTH,
  MAX_QUERY_TOKENS,
  checkQueryText,
  SUPPORTED_SEARCH_PARAMS,
  validateSearchParams,
  type SupportedSearchParam,
  type ValidatedSearch,
} from './params.ts';
