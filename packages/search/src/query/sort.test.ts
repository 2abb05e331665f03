import { describe, expect, it } from 'vitest';
import { parseSortBy } from './sort.ts';
import { testCollection } from './test-collection.test-support.ts';

describe('parseSortBy', () => {
  it.each([
    ['', []],
    ['year:asc', [{ field: 'year', order: 'asc' }]],
    [' _text_match:DESC , rating : asc,slug:desc', [
      { field: '_text_match', order: 'desc' },
      { field: 'rating', order: 'asc' },
      { field: 'slug', order: 'desc' },
    ]],
    ['published:asc', [{ field: 'published', order: 'asc' }]],
    ['views:desc', [{ field: 'views', order: 'desc' }]],
  ])('%j', (input, expected) => {
    expect(parseSortBy(input, testCollection)).toEqual(expected);
  });

  it.each([
    ['year:asc,rating:asc,views:asc,slug:asc', 'at most 3 sort fields are allowed (got 4)'],
    ['year', "'year' must be 'field:asc' or 'field:desc'"],
    ['year:up', "order of 'year' must be 'asc' or 'desc', not 'up'"],
    ['year:asc,', 'empty sort term'],
    ['nope:asc', "unknown field 'nope'"],
    ['title:asc', "field 'title' can't be sorted: string fields need sort: true"],
    ['tags:asc', 'string[] fields are not sortable'],
    ['scores:asc', 'float[] fields are not sortable'],
    ['unsortable:asc', 'the schema sets sort: false'],
    ['secret:asc', 'not indexed'],
    ['meta:asc', 'object fields are not sortable'],
    ['id:asc', "unknown field 'id'"],
    ['s_x:asc', "matches only the wildcard field 's_.*'"],
  ])('%j is rejected', (input, message) => {
    expect(() => parseSortBy(input, testCollection)).toThrow(
      expect.objectContaining({ code: 'VALIDATION_ERROR', message: expect.stringContaining(message) }),
    );
  });
});
