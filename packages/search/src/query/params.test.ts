import { describe, expect, it } from 'vitest';
import type { SearchParams } from '../backend.ts';
import { SUPPORTED_SEARCH_PARAMS, validateSearchParams } from './params.ts';
import { testCollection } from './test-collection.test-support.ts';

const check = (p: SearchParams) => validateSearchParams(p, testCollection);

describe('validateSearchParams', () => {
  it('normalizes a full request', () => {
    const v = check({
      q: 'dune',
      query_by: ' title , tags',
      filter_by: 'genre:sci-fi && year:>=1965',
      sort_by: 'year:DESC',
      facet_by: 'genre,year',
      page: '2',
      per_page: '25',
      max_hits: 'all',
      include_fields: 'title, year',
      exclude_fields: 'secret',
      num_typos: '1',
      prefix: 'true,false',
      typo_tokens_threshold: '1',
      drop_tokens_threshold: 0,
      highlight_fields: 'title',
      highlight_full_fields: 'title',
      max_facet_values: '5',
      snippet_threshold: '30',
    });
    expect(v.params).toEqual({
      q: 'dune',
      query_by: 'title,tags',
      filter_by: 'genre:[`sci-fi`] && year:>=1965',
      sort_by: 'year:desc',
      facet_by: 'genre,year',
      page: 2,
      per_page: 25,
      max_hits: 'all',
      include_fields: 'title,year',
      exclude_fields: 'secret',
      num_typos: 1,
      prefix: 'true,false',
      typo_tokens_threshold: 1,
      drop_tokens_threshold: 0,
      highlight_fields: 'title',
      highlight_full_fields: 'title',
      max_facet_values: 5,
      snippet_threshold: 30,
    });
    expect(v.queryBy).toEqual(['title', 'tags']);
    expect(v.facetBy).toEqual(['genre', 'year']);
    expect(v.sort).toEqual([{ field: 'year', order: 'desc' }]);
    expect(v.page).toBe(2);
    expect(v.perPage).toBe(25);
    expect(v.filter).toEqual({
      kind: 'and',
      children: [
        { kind: 'clause', field: 'genre', op: 'match', values: ['sci-fi'] },
        { kind: 'clause', field: 'year', op: 'gte', values: [1965] },
      ],
    });
  });

  it('defaults page 1 and per_page 10, and allows q=* without query_by', () => {
    const v = check({ q: '*' });
    expect(v).toEqual({ params: { q: '*' }, sort: [], queryBy: [], facetBy: [], page: 1, perPage: 10 });
  });

  it('drops an empty filter_by and skips undefined values', () => {
    const v = check({ q: '*', filter_by: '  ', sort_by: '', unknown_but_undefined: undefined });
    expect(v.params).toEqual({ q: '*' });
    expect(v.filter).toBeUndefined();
  });

  it('renders a hostile filter value safely', () => {
    const v = check({ q: '*', filter_by: 'genre:=`x) || id:* && (y`' });
    expect(v.params.filter_by).toBe('genre:=[`x) || id:* && (y`]');
  });

  it('accepts typed JSON values as multi_search sends them', () => {
    const v = check({ q: '*', page: 3, per_page: 0, prefix: false, num_typos: 2 });
    expect(v.params).toEqual({ q: '*', page: 3, per_page: 0, prefix: false, num_typos: 2 });
  });

  it.each<[SearchParams, string]>([
    [{ query_by: 'title' }, "search parameter 'q' is required"],
    [{ q: 'dune' }, "'query_by' is required unless q is '*'"],
    [{ q: 'dune', query_by: 'nope' }, "query_by: unknown field 'nope'"],
    [{ q: 'dune', query_by: 'year' }, "query_by: field 'year' should be a string or a string array"],
    [{ q: 'dune', query_by: 'secret' }, "query_by: field 'secret' is not indexed"],
    [{ q: 'dune', query_by: 'title,' }, 'query_by: empty field name'],
    [{ q: '*', filter_by: 'nope:1' }, "filter_by: unknown field 'nope'"],
    [{ q: '*', filter_by: 'genre:=`a`b`' }, 'backtick'],
    [{ q: '*', filter_by: 'year:abc' }, "'abc' is not a number"],
    [{ q: '*', sort_by: 'title:asc' }, "field 'title' can't be sorted"],
    [{ q: '*', sort_by: 'year:asc,rating:asc,views:asc,_text_match:desc' }, 'at most 3 sort fields'],
    [{ q: '*', facet_by: 'title' }, "facet_by: field 'title' is not a facet"],
    [{ q: '*', facet_by: 'nope' }, "facet_by: unknown field 'nope'"],
    [{ q: '*', page: 0 }, "'page' must be an integer >= 1"],
    [{ q: '*', page: '1.5' }, "'page' must be an integer"],
    [{ q: '*', per_page: 251 }, "'per_page' must be an integer 0..250"],
    [{ q: '*', per_page: '-1' }, "'per_page' must be an integer 0..250"],
    [{ q: '*', num_typos: 3 }, "'num_typos' must be an integer 0..2"],
    [{ q: '*', prefix: 'yes' }, "'prefix' must be true or false"],
    [{ q: '*', max_hits: 'lots' }, "'max_hits' must be an integer"],
    [{ q: '*', include_fields: 'a`b' }, "include_fields: invalid field name 'a`b'"],
    [{ q: '*', highlight_fields: 'nope' }, "highlight_fields: unknown field 'nope'"],
    [{ q: '*', snippet_threshold: 'x' }, "'snippet_threshold' must be an integer >= 0"],
    [{ q: '*', group_by: 'genre' }, "unsupported search parameter 'group_by'"],
    [{ q: '*', collection: 'books' }, "unsupported search parameter 'collection'"],
  ])('%j is rejected', (params, message) => {
    expect(() => check(params)).toThrow(
      expect.objectContaining({ code: 'VALIDATION_ERROR', message: expect.stringContaining(message) }),
    );
  });

  it('lists the supported parameters in the error details', () => {
    try {
      check({ q: '*', vector_query: 'x' });
      expect.unreachable();
    } catch (e) {
      expect(e).toMatchObject({ details: { parameter: 'vector_query', supported: SUPPORTED_SEARCH_PARAMS } });
    }
  });
});
