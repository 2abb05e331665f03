import { describe, expect, it } from 'vitest';
import { AppError } from '@fountain/kit';
import { normalizeMultiSearchResult, normalizeSearchResult } from './search-result.ts';

describe('normalizeSearchResult', () => {
  it('keeps a v30-style answer whole: unknown fields, highlight object, text_match_info', () => {
    const raw = {
      facet_counts: [],
      found: 1,
      out_of: 5,
      page: 1,
      search_time_ms: 2,
      search_cutoff: false,
      request_params: { collection_name: 'b', q: 'dune', per_page: 10 },
      conversation: { answer: 'x' },
      hits: [
        {
          document: { id: '1', title: 'Dune' },
          highlight: { title: { matched_tokens: ['Dune'], snippet: '<mark>Dune</mark>' } },
          highlights: [],
          text_match: 578730123365187700,
          text_match_info: { best_field_score: '1108091338752', fields_matched: 1 },
          geo_distance_meters: { loc: 12 },
        },
      ],
    };
    expect(normalizeSearchResult(raw)).toEqual(raw);
  });

  it('fills what older or trimmed answers leave out', () => {
    const res = normalizeSearchResult({ found: '2', hits: [{ document: { id: '1' }, text_match: '7' }] });
    expect(res).toMatchObject({ found: 2, out_of: 0, page: 1, search_time_ms: 0, facet_counts: [] });
    expect(res.hits[0]!.text_match).toBe(7);
  });

  it('rejects answers that are not search results', () => {
    expect(() => normalizeSearchResult('nope')).toThrow(AppError);
    expect(() => normalizeSearchResult({ hits: {} })).toThrow(/hits/);
    expect(() => normalizeSearchResult({ hits: [{ text_match: 1 }] })).toThrow(/document/);
  });
});

describe('normalizeMultiSearchResult', () => {
  it('keeps per-search failures as {code, error} and normalizes the rest', () => {
    const res = normalizeMultiSearchResult({
      results: [{ hits: [], found: 0 }, { code: 404, error: 'Not found.' }],
    });
    expect(res.results[0]).toMatchObject({ hits: [], facet_counts: [] });
    expect(res.results[1]).toEqual({ code: 404, error: 'Not found.' });
  });

  it('rejects an answer without results', () => {
    try {
      normalizeMultiSearchResult({});
      expect.unreachable();
    } catch (err) {
      expect((err as AppError).code).toBe('TYPESENSE_SYNC_ERROR');
    }
  });
});
