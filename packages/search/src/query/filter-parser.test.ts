import { describe, expect, it } from 'vitest';
import type { FilterNode } from './ast.ts';
import { MAX_FILTER_DEPTH, MAX_FILTER_LENGTH, parseFilter } from './filter-parser.ts';

const c = (field: string, op: string, ...values: unknown[]): FilterNode =>
  ({ kind: 'clause', field, op, values }) as FilterNode;

describe('parseFilter: success', () => {
  const cases: Array<[string, FilterNode]> = [
    ['genre:drama', c('genre', 'match', 'drama')],
    ['genre:=drama', c('genre', 'exact', 'drama')],
    ['genre:!=drama', c('genre', 'not', 'drama')],
    ['  genre  :=  drama  ', c('genre', 'exact', 'drama')],
    ['title:hello world', c('title', 'match', 'hello world')],
    ['title:foo, bar', c('title', 'match', 'foo, bar')],
    ['n:>5', c('n', 'gt', 5)],
    ['n:>=-5', c('n', 'gte', -5)],
    ['n:<2.5', c('n', 'lt', 2.5)],
    ['n:<=.5', c('n', 'lte', 0.5)],
    ['n: >= 2', c('n', 'gte', 2)],
    ['n:1', c('n', 'match', '1')],
    ['g:[a, b, c]', c('g', 'match', 'a', 'b', 'c')],
    ['g:=[a,b]', c('g', 'exact', 'a', 'b')],
    ['g:!=[a,b]', c('g', 'not', 'a', 'b')],
    ['n:[10..100]', c('n', 'match', { min: 10, max: 100 })],
    ['n:[1 .. 5, 9]', c('n', 'match', { min: 1, max: 5 }, '9')],
    ['f:[-3..-1.5]', c('f', 'match', { min: -3, max: -1.5 })],
    ['t:=`a, b (c) && d || e`', c('t', 'exact', 'a, b (c) && d || e')],
    ['t:=[`a, b`, plain, `x]y`]', c('t', 'exact', 'a, b', 'plain', 'x]y')],
    ['t:=[`1..5`]', c('t', 'exact', '1..5')],
    ['t:=`ünï 日本`', c('t', 'exact', 'ünï 日本')],
    ['a.b:x', c('a.b', 'match', 'x')],
    ['t:a & b | c', c('t', 'match', 'a & b | c')],
    ['a:1 && b:2', { kind: 'and', children: [c('a', 'match', '1'), c('b', 'match', '2')] }],
    ['a:1&&b:2&&c:3', { kind: 'and', children: [c('a', 'match', '1'), c('b', 'match', '2'), c('c', 'match', '3')] }],
    ['a:1 || b:2 || c:3', { kind: 'or', children: [c('a', 'match', '1'), c('b', 'match', '2'), c('c', 'match', '3')] }],
    // Typesense 0.24.1: same precedence, left-associative (verified against the real server)
    [
      'a:1 || b:2 && c:3',
      { kind: 'and', children: [{ kind: 'or', children: [c('a', 'match', '1'), c('b', 'match', '2')] }, c('c', 'match', '3')] },
    ],
    [
      'a:1 && b:2 || c:3',
      { kind: 'or', children: [{ kind: 'and', children: [c('a', 'match', '1'), c('b', 'match', '2')] }, c('c', 'match', '3')] },
    ],
    [
      'a:1 || (b:2 && c:3)',
      { kind: 'or', children: [c('a', 'match', '1'), { kind: 'and', children: [c('b', 'match', '2'), c('c', 'match', '3')] }] },
    ],
    ['((a:1))', c('a', 'match', '1')],
    // like Typesense, an unquoted value runs until &&, || or ')' (validation rejects it for a number)
    ['a:1 b:2', c('a', 'match', '1 b:2')],
    ['(a:1 && b:2) && c:3', { kind: 'and', children: [c('a', 'match', '1'), c('b', 'match', '2'), c('c', 'match', '3')] }],
    ['t:=`x`&&n:>1', { kind: 'and', children: [c('t', 'exact', 'x'), c('n', 'gt', 1)] }],
    ['(t:x)||(n:1)', { kind: 'or', children: [c('t', 'match', 'x'), c('n', 'match', '1')] }],
  ];
  it.each(cases)('%s', (input, expected) => {
    expect(parseFilter(input)).toEqual(expected);
  });
});

describe('parseFilter: errors', () => {
  const cases: Array<[string, string]> = [
    ['', 'empty filter'],
    ['   ', 'empty filter'],
    ['genre =x', "expected ':' after field 'genre' at position 6"],
    ['genre', "expected ':' after field 'genre' at position 5"],
    ['genre:', "empty value for field 'genre'"],
    ['genre:=  ', "empty value for field 'genre'"],
    ['genre:`` ', "empty value for field 'genre'"],
    ['(a:1', 'unbalanced parenthesis'],
    ['a:1)', 'unbalanced parenthesis'],
    ['((a:1) || b:2', 'unbalanced parenthesis'],
    ['()', 'empty parentheses'],
    ['a:1 &&', "missing operand after '&&'"],
    ['a:1 || && b:2', "missing operand before '&&'"],
    ['&& a:1', "missing operand before '&&'"],
    ['t:a`b', 'backtick inside a value is not allowed'],
    ['t:=`abc', 'unterminated backtick'],
    ['t:=`a` || n:1`', 'backtick inside a value is not allowed'],
    ['t:=[`a`b`]', 'backtick inside a value is not allowed'],
    ['t:=[`a` b]', "unexpected 'b' after the quoted value of field 't'"],
    ['t:=[a, b', 'unterminated list'],
    ['t:=[]', "empty list for field 't'"],
    ['t:=[a,]', 'empty value in the list'],
    ['t:=[a,,b]', 'empty value in the list'],
    ['t:foo (bar)', "'(' inside the value of field 't'"],
    ['n:>abc', "expected a number after the comparison for field 'n'"],
    ['n:>1e5', 'expected a number'],
    ['n:>', "empty value for field 'n'"],
    ['n:=>1', 'unsupported operator'],
    ['n:!>1', 'unsupported operator'],
    ['n:[5..1]', 'empty range'],
    ['$other(x:1)', "invalid field name '$other'"],
    ['a b:1', "expected ':' after field 'a'"],
    ['t:=`x` y', "unexpected 'y'"],
  ];
  it.each(cases)('%j', (input, message) => {
    let err: unknown;
    try {
      parseFilter(input);
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'VALIDATION_ERROR' });
    expect((err as Error).message).toContain('filter_by: ');
    expect((err as Error).message).toContain(message);
  });

  it('limits the length', () => {
    const long = `t:${'x'.repeat(MAX_FILTER_LENGTH)}`;
    expect(() => parseFilter(long)).toThrow(/longer than 4096/);
  });

  it('limits the nesting depth', () => {
    const ok = `${'('.repeat(MAX_FILTER_DEPTH)}a:1${')'.repeat(MAX_FILTER_DEPTH)}`;
    expect(parseFilter(ok)).toEqual(c('a', 'match', '1'));
    const deep = `${'('.repeat(MAX_FILTER_DEPTH + 1)}a:1${')'.repeat(MAX_FILTER_DEPTH + 1)}`;
    expect(() => parseFilter(deep)).toThrow(/nesting deeper than 32/);
  });

  it('reports the position of the problem', () => {
    expect(() => parseFilter('a:1 && genre=x')).toThrow(/position 12/);
  });
});
