import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SearchBackend, SearchResult } from '../backend.ts';
import { moviesBackend, tempDir } from './embedded-backend.test-support.ts';

let tmp: ReturnType<typeof tempDir>;
let b: SearchBackend;

beforeEach(async () => {
  tmp = tempDir();
  b = await moviesBackend(tmp.dir);
});
afterEach(async () => {
  await b.close();
  tmp.cleanup();
});

const ids = (r: SearchResult): string[] => r.hits.map((h) => h.document.id as string);
const search = (params: Record<string, string | number | boolean>) => b.search('movies', params);

describe('text matching', () => {
  it('q=* matches all, ordered by default_sorting_field desc then newest first', async () => {
    const r = await search({ q: '*' });
    expect(r).toMatchObject({ found: 5, out_of: 5, page: 1 });
    expect(ids(r)).toEqual(['5', '4', '3', '1', '2']);
    expect(r.hits[0]).not.toHaveProperty('text_match');
    expect(typeof r.search_time_ms).toBe('number');
  });

  it('prefix search on the last token, disabled by prefix=false', async () => {
    expect(ids(await search({ q: 'fant', query_by: 'title' }))).toEqual(['1', '2']);
    expect((await search({ q: 'fant', query_by: 'title', prefix: false })).found).toBe(0);
    const r = await search({ q: 'fant', query_by: 'title' });
    expect(r.hits[1]?.highlights).toEqual([{ field: 'title', snippet: '<mark>Fant</mark>asy land of dreams', matched_tokens: ['Fant'] }]);
  });

  it('tolerates typos like Typesense (fantsy finds fantasy; short words get none)', async () => {
    const r = await search({ q: 'fantsy', query_by: 'title' });
    expect(ids(r)).toEqual(['1', '2']);
    expect(r.hits[0]?.highlights?.[0]?.snippet).toBe('The <mark>Fantasy</mark> Kingdom');
    expect((await search({ q: 'drk', query_by: 'title', prefix: false })).found).toBe(0);
    expect((await search({ q: 'fantsy', query_by: 'title', num_typos: 0 })).found).toBe(0);
  });

  it('skips typo matches when exact matches exist (typo_tokens_threshold=1)', async () => {
    await b.writeDocument('movies', { id: 't', title: 'Darc side', genre: 'g', year: 1 }, 'create');
    expect(ids(await search({ q: 'dark', query_by: 'title', prefix: false }))).toEqual(['3']);
    expect(ids(await search({ q: 'dark', query_by: 'title', prefix: false, typo_tokens_threshold: 5 }))).toEqual(['3', 't']);
  });

  it('requires all tokens, and drops tokens from the right when nothing matches', async () => {
    expect(ids(await search({ q: 'fantasy dreams', query_by: 'title' }))).toEqual(['2']);
    expect(ids(await search({ q: 'dark zzzz', query_by: 'title' }))).toEqual(['3']);
    expect((await search({ q: 'dark zzzz', query_by: 'title', drop_tokens_threshold: 0 })).found).toBe(0);
  });

  it('ranks exact field matches and more tokens first, then the default sorting field', async () => {
    await b.writeDocument('movies', { id: 'f', title: 'Fantasy', genre: 'g', year: 1 }, 'create');
    const r = await search({ q: 'fantasy', query_by: 'title' });
    expect(ids(r)).toEqual(['f', '1', '2']);
    expect(r.hits[0]!.text_match!).toBeGreaterThan(r.hits[1]!.text_match!);
  });

  it('searches string[] fields and highlights the matching elements', async () => {
    const r = await search({ q: 'epic', query_by: 'tags,title' });
    expect(ids(r)).toEqual(['3', '1']);
    expect(r.hits[0]?.highlights).toEqual([{ field: 'tags', indices: [1], matched_tokens: [['epic']], snippets: ['<mark>epic</mark>'] }]);
  });

  it('folds diacritics and survives CJK and emoji', async () => {
    expect(ids(await search({ q: 'cafe', query_by: 'title' }))).toEqual(['5']);
    expect(ids(await search({ q: 'CAFÉ', query_by: 'title' }))).toEqual(['5']);
    await b.writeDocument('movies', { id: 'u', title: '東京物語 🎬 story', genre: 'g', year: 1 }, 'create');
    expect(ids(await search({ q: '東京物語', query_by: 'title' }))).toEqual(['u']);
    expect((await search({ q: '🎬', query_by: 'title' })).found).toBe(0);
    expect(ids(await search({ q: 'story 🎬', query_by: 'title' }))).toEqual(['u']);
  });

  it('answers an empty result', async () => {
    const r = await search({ q: 'qqqqqqqq', query_by: 'title' });
    expect(r).toMatchObject({ found: 0, hits: [], out_of: 5, page: 1, facet_counts: [] });
  });
});

describe('filters, sorting, facets, paging', () => {
  it('filters with the parser: operators, lists, ranges, && || and parentheses, arrays', async () => {
    const f = async (filter_by: string) => ids(await search({ q: '*', filter_by }));
    expect(await f('genre:drama')).toEqual(['5', '4', '3']);
    expect(await f('genre:=drama')).toEqual(['4', '3']);
    expect(await f('genre:=[`fantasy`, `Drama Comedy`]')).toEqual(['5', '1', '2']);
    expect(await f('tags:!=epic')).toEqual(['5', '4', '2']);
    expect(await f('year:>2000 && year:<2010')).toEqual(['1']);
    expect(await f('year:[1990..2001]')).toEqual(['1', '2']);
    expect(await f('rating:>=4 || genre:=fantasy')).toEqual(['3', '1', '2']);
    expect(await f('(genre:=fantasy || tags:=dark) && year:>2000')).toEqual(['3', '1']);
    expect(await f('available:true')).toEqual(['1']);
    expect(await f('id:=[1,3]')).toEqual(['3', '1']);
    expect(ids(await search({ q: 'fantasy', query_by: 'title', filter_by: 'year:<2000' }))).toEqual(['2']);
    await expect(search({ q: '*', filter_by: 'nope:1' })).rejects.toMatchObject({ code: 'VALIDATION_ERROR' });
    await expect(search({ q: '*', filter_by: 'year:>' })).rejects.toMatchObject({ code: 'VALIDATION_ERROR' });
  });

  it('sorts by up to three fields incl. _text_match, ties newest first', async () => {
    expect(ids(await search({ q: '*', sort_by: 'rating:asc,year:desc' }))).toEqual(['5', '4', '2', '3', '1']);
    expect(ids(await search({ q: '*', sort_by: 'year:asc,rating:desc' }))).toEqual(['2', '1', '3', '5', '4']);
    expect(ids(await search({ q: 'drama', query_by: 'title,genre', sort_by: '_text_match:desc,rating:asc,year:desc' }))).toEqual(['4', '3', '5']);
    await expect(search({ q: '*', sort_by: 'title:asc' })).rejects.toThrow('Could not find a field named `title` in the schema for sorting.');
    await expect(search({ q: '*', sort_by: 'a:asc,b:asc,c:asc,d:asc' })).rejects.toThrow(/upto 3/);
  });

  it('breaks text_match ties by the sort terms, then newest first, the same on every page', async () => {
    // The 'Red car' documents tie on text_match ('Redder car' too: a prefix match ranks the same);
    // 'Red' is the whole field, so it ranks above them.
    const docs = [{ id: 'exact', title: 'Red', genre: 'g', year: 1990 }];
    for (let i = 0; i < 24; i++) docs.push({ id: `c${i}`, title: i === 5 ? 'Redder car' : 'Red car', genre: 'g', year: 2000 + (i % 3) });
    await b.importDocuments('movies', docs.map((d) => JSON.stringify(d)).join('\n'), { action: 'create' });
    const newestFirst = (years: number[]): string[] =>
      years.flatMap((y) => Array.from({ length: 24 }, (_, k) => 23 - k).filter((i) => 2000 + (i % 3) === y)).map((i) => `c${i}`);
    const byDefault = ['exact', ...newestFirst([2002, 2001, 2000])];
    expect(ids(await search({ q: 'red', query_by: 'title', per_page: 250 }))).toEqual(byDefault);
    const paged: string[] = [];
    for (let page = 1; page <= 13; page++) paged.push(...ids(await search({ q: 'red', query_by: 'title', per_page: 2, page })));
    expect(paged).toEqual(byDefault);
    expect(ids(await search({ q: 'red', query_by: 'title', sort_by: '_text_match:desc,year:asc', per_page: 250 }))).toEqual(['exact', ...newestFirst([2000, 2001, 2002])]);
    expect(ids(await search({ q: 'red', query_by: 'title', sort_by: '_text_match:desc', per_page: 250 }))).toEqual([
      'exact',
      ...Array.from({ length: 24 }, (_, k) => `c${23 - k}`),
    ]);
  });

  it('counts facets with stats', async () => {
    const r = await search({ q: '*', facet_by: 'genre,year,tags', max_facet_values: 2 });
    expect(r.facet_counts).toEqual([
      { field_name: 'genre', counts: [{ count: 2, value: 'fantasy', highlighted: 'fantasy' }, { count: 2, value: 'drama', highlighted: 'drama' }], stats: { total_values: 3 } },
      {
        field_name: 'year',
        counts: [{ count: 3, value: '2010', highlighted: '2010' }, { count: 1, value: '2001', highlighted: '2001' }],
        stats: { avg: 2006, max: 2010, min: 1999, sum: 10030, total_values: 3 },
      },
      expect.objectContaining({ field_name: 'tags', counts: [{ count: 2, value: 'epic', highlighted: 'epic' }, expect.anything()] }),
    ]);
    const filtered = await search({ q: 'drama', query_by: 'title', facet_by: 'genre' });
    expect(filtered.facet_counts[0]?.counts).toEqual([{ count: 2, value: 'drama', highlighted: 'drama' }]);
    await expect(search({ q: '*', facet_by: 'title' })).rejects.toThrow('Could not find a facet field named `title` in the schema.');
  });

  it('pages (1-based) with per_page, and checks the limits', async () => {
    expect(ids(await search({ q: '*', per_page: 2, page: 2 }))).toEqual(['3', '1']);
    expect(ids(await search({ q: '*', per_page: 2, page: 3 }))).toEqual(['2']);
    expect((await search({ q: '*', per_page: 2, page: 4 })).hits).toEqual([]);
    expect((await search({ q: '*', per_page: '0' })).found).toBe(5);
    await expect(search({ q: '*', per_page: 251 })).rejects.toThrow('Only upto 250 hits can be fetched per page.');
    await expect(search({ q: '*', page: 0 })).rejects.toThrow('Page must be an integer of value greater than 0.');
  });

  it('includes and excludes fields', async () => {
    const r = await search({ q: '*', include_fields: 'id,rating', per_page: 1 });
    expect(r.hits[0]?.document).toEqual({ id: '5', rating: 2 });
    const e = await search({ q: '*', exclude_fields: 'tags,title,genre,available', per_page: 1 });
    expect(e.hits[0]?.document).toEqual({ id: '5', rating: 2, year: 2010 });
  });

  it('rejects parameters it does not support, and bad query_by', async () => {
    await expect(search({ q: '*', group_by: 'genre' })).rejects.toMatchObject({
      code: 'VALIDATION_ERROR',
      message: "Parameter 'group_by' is not supported by the embedded search backend",
    });
    await expect(search({ q: 'x' })).rejects.toThrow('No search fields specified for the query.');
    await expect(search({ q: 'x', query_by: 'year' })).rejects.toThrow('Field `year` should be a string or a string array.');
    await expect(search({ q: 'x', query_by: 'nope' })).rejects.toThrow('Could not find a field named `nope` in the schema.');
    await expect(b.search('nope', { q: '*' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('multiSearch answers per search, with errors in place', async () => {
    const r = await b.multiSearch([{ collection: 'movies', q: 'dark' }, { collection: 'nope', q: '*' }, { q: '*', bogus: 1 }], { query_by: 'title', collection: 'movies' });
    expect(r.results).toHaveLength(3);
    expect(ids(r.results[0] as SearchResult)).toEqual(['3']);
    expect(r.results[1]).toEqual({ code: 404, error: expect.any(String) });
    expect(r.results[2]).toEqual({ code: 400, error: "Parameter 'bogus' is not supported by the embedded search backend" });
  });
});
