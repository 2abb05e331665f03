import { describe, expect, it } from 'vitest';
import type { Clause, FilterNode } from '../query/ast.ts';
import { compileFilter, evaluate } from './filter-eval.ts';
import { normalizeSchema } from './schema.ts';
import { MOVIES } from './embedded-backend.test-support.ts';

const fields = normalizeSchema(MOVIES).fields;
const c = (field: string, op: Clause['op'], ...values: Clause['values']): Clause => ({ kind: 'clause', field, op, values });
const doc = { id: 'a', title: 'Dark drama', genre: 'Drama Comedy', tags: ['Epic', 'dark'], year: 2010, rating: 4.5, available: true };

describe('filter evaluator (hand-built ASTs)', () => {
  it.each<[string, FilterNode, boolean]>([
    ['string match contains tokens', c('genre', 'match', 'drama'), true],
    ['string match is case- and accent-insensitive', c('genre', 'match', 'COMÉDY'), true],
    ['string exact needs the whole value', c('genre', 'exact', 'drama'), false],
    ['string exact whole value', c('genre', 'exact', 'drama comedy'), true],
    ['string list: any value', c('genre', 'exact', 'x', 'Drama Comedy'), true],
    ['string not', c('genre', 'not', 'drama comedy'), false],
    ['array any element', c('tags', 'exact', 'epic'), true],
    ['array not: no element', c('tags', 'not', 'epic'), false],
    ['array not: other value', c('tags', 'not', 'magic'), true],
    ['number equality', c('year', 'match', 2010), true],
    ['number from string', c('year', 'exact', '2010'), true],
    ['number gt', c('year', 'gt', 2010), false],
    ['number gte', c('year', 'gte', 2010), true],
    ['number lt', c('rating', 'lt', 5), true],
    ['number lte', c('rating', 'lte', 4.4), false],
    ['range inclusive', c('year', 'match', { min: 2000, max: 2010 }), true],
    ['range outside', c('year', 'match', { min: 2011, max: 2020 }), false],
    ['list of ranges and values', c('year', 'match', 1990, { min: 2005, max: 2010 }), true],
    ['bool', c('available', 'exact', 'true'), true],
    ['bool false', c('available', 'match', false), false],
    ['id exact', c('id', 'exact', 'a'), true],
    ['and', { kind: 'and', children: [c('year', 'gt', 2000), c('genre', 'match', 'drama')] }, true],
    ['and false', { kind: 'and', children: [c('year', 'gt', 2000), c('genre', 'exact', 'drama')] }, false],
    ['or', { kind: 'or', children: [c('year', 'lt', 2000), c('tags', 'exact', 'dark')] }, true],
    [
      'nested (a || b) && c',
      { kind: 'and', children: [{ kind: 'or', children: [c('year', 'lt', 2000), c('rating', 'gt', 4)] }, c('available', 'exact', true)] },
      true,
    ],
  ])('%s', (_name, node, expected) => {
    expect(evaluate(node, doc, fields)).toBe(expected);
  });

  it('does not match a missing optional field, except with !=', () => {
    const bare = { id: 'b', title: 't', genre: 'g', year: 1 };
    expect(compileFilter(c('rating', 'gt', 0), fields)(bare)).toBe(false);
    expect(compileFilter(c('tags', 'not', 'x'), fields)(bare)).toBe(true);
  });

  it('rejects unknown fields and comparisons on strings', () => {
    expect(() => compileFilter(c('nope', 'match', 'x'), fields)).toThrow('Could not find a filter field named `nope`');
    expect(() => compileFilter(c('genre', 'gt', 'x'), fields)).toThrow(/string fields support only/);
  });
});
