import { describe, expect, it } from 'vitest';
import type { FilterNode } from './ast.ts';
import { parseFilter } from './filter-parser.ts';
import { validateFilter } from './filter-validate.ts';
import { testCollection } from './test-collection.test-support.ts';

const v = (s: string): FilterNode => validateFilter(parseFilter(s), testCollection);
const c = (field: string, op: string, ...values: unknown[]): FilterNode =>
  ({ kind: 'clause', field, op, values }) as FilterNode;

describe('validateFilter: typed tree', () => {
  const cases: Array<[string, FilterNode]> = [
    ['year:1990', c('year', 'match', 1990)],
    ['year:=[1990, 2000]', c('year', 'exact', 1990, 2000)],
    ['year:[1990..2000, 2010]', c('year', 'match', { min: 1990, max: 2000 }, 2010)],
    ['year:>=-5', c('year', 'gte', -5)],
    ['rating:<4.5', c('rating', 'lt', 4.5)],
    ['scores:[0.5..1]', c('scores', 'match', { min: 0.5, max: 1 })],
    ['views:9007199254740991', c('views', 'match', 9007199254740991)],
    ['ints:+3', c('ints', 'match', 3)],
    ['published:true', c('published', 'match', true)],
    ['published:!=false', c('published', 'not', false)],
    ['flags:=[true, false]', c('flags', 'exact', true, false)],
    ['genre:=[`1..5`, drama]', c('genre', 'exact', '1..5', 'drama')],
    ['tags:!=x', c('tags', 'not', 'x')],
    ['author.name:=Le Guin', c('author.name', 'exact', 'Le Guin')],
    ['id:abc', c('id', 'exact', 'abc')],
    ['id:[1, 2]', c('id', 'exact', '1', '2')],
    [
      'year:>1 && (genre:a || published:true)',
      {
        kind: 'and',
        children: [c('year', 'gt', 1), { kind: 'or', children: [c('genre', 'match', 'a'), c('published', 'match', true)] }],
      },
    ],
  ];
  it.each(cases)('%s', (input, expected) => {
    expect(v(input)).toEqual(expected);
  });
});

describe('validateFilter: errors', () => {
  const cases: Array<[string, string]> = [
    ['nope:1', "unknown field 'nope' in collection 'books'"],
    ['s_new:=x', "unknown field 's_new' in collection 'books' (it matches only the wildcard field"],
    ['secret:=x', "field 'secret' is not indexed (index: false)"],
    ['meta:x', "field 'meta' of type object can't be filtered"],
    ['year:abc', "field 'year' is an int32 field; 'abc' is not a number"],
    ['year:1.5', "'1.5' is not an integer"],
    ['year:2147483648', 'outside the int32 range'],
    ['year:[1..2.5]', "'2.5' is not an integer"],
    ['year:>1.5', "'1.5' is not an integer"],
    ['views:9007199254740993', 'outside the integers this gateway handles exactly'],
    ['rating:1 b:2', "field 'rating' is a float field; '1 b:2' is not a number"],
    ['year:!=1990', "'!=' is not supported on numeric field 'year'"],
    ['published:yes', "field 'published' is a bool field; 'yes' is not true or false"],
    ['published:>1', "field 'published' is a bool field and takes no numeric comparison"],
    ['genre:>1', "field 'genre' is a string field and takes no numeric comparison"],
    ['genre:[1..5]', "field 'genre' is a string field and takes no range"],
    ['tags:<=1', "field 'tags' is a string[] field and takes no numeric comparison"],
    ['id:!=1', "'!=' is not supported on the 'id' field"],
    ['id:>1', "field 'id' is a string field and takes no numeric comparison"],
    ['genre:a || (year:1 && nope:2)', "unknown field 'nope'"],
  ];
  it.each(cases)('%s', (input, message) => {
    expect(() => v(input)).toThrow(expect.objectContaining({ code: 'VALIDATION_ERROR', message: expect.stringContaining(message) }));
  });

  it('names the field and value in the details', () => {
    try {
      v('year:abc');
      expect.unreachable();
    } catch (e) {
      expect(e).toMatchObject({ details: { field: 'year', value: 'abc' } });
    }
  });

  it('rejects an empty group built by hand', () => {
    expect(() => validateFilter({ kind: 'and', children: [] }, testCollection)).toThrow(/empty 'and' group/);
  });
});
