import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Clause, FilterNode, Range, Scalar } from './ast.ts';
import { MAX_FILTER_LENGTH, parseFilter } from './filter-parser.ts';
import { formatNumber, renderFilter } from './filter-render.ts';
import { validateFilter } from './filter-validate.ts';
import { testCollection } from './test-collection.test-support.ts';

const safe = (s: string): string => renderFilter(validateFilter(parseFilter(s), testCollection));

describe('renderFilter: canonical safe form', () => {
  const cases: Array<[string, string]> = [
    ['genre:drama', 'genre:[`drama`]'],
    ['genre:=drama', 'genre:=[`drama`]'],
    ['genre:!=drama', 'genre:!=[`drama`]'],
    ['genre:=[a, `b, c`]', 'genre:=[`a`, `b, c`]'],
    ['title:hello world', 'title:[`hello world`]'],
    ['year:1990', 'year:1990'],
    ['year:=[1990,2000]', 'year:=[1990, 2000]'],
    ['year:[1990..2000, 2010]', 'year:[1990..2000, 2010]'],
    ['year:>=-3', 'year:>=-3'],
    ['rating:<.5', 'rating:<0.5'],
    ['published:true', 'published:true'],
    ['published:!=false', 'published:!=false'],
    ['id:1', 'id:=[`1`]'],
    ['a.b:x'.replace('a.b', 'author.name'), 'author.name:[`x`]'],
    ['genre:a && year:1 && published:true', 'genre:[`a`] && year:1 && published:true'],
    ['genre:a || genre:b && year:1', '(genre:[`a`] || genre:[`b`]) && year:1'],
    ['genre:a || (genre:b && year:1)', 'genre:[`a`] || (genre:[`b`] && year:1)'],
    ['((genre:a))', 'genre:[`a`]'],
  ];
  it.each(cases)('%s', (input, expected) => {
    expect(safe(input)).toBe(expected);
  });

  const hostile = [
    'a && b',
    'x || id:*',
    'a) || (b',
    'one, two, three',
    '(parens)',
    'ünï 日本 🎉',
    '[brackets]',
    'x] || genre:[y',
    "quote ' and \" too",
    '1..5',
    ':=!=<>',
  ];
  it.each(hostile)('keeps %j inside one quoted value', (value) => {
    const node: FilterNode = { kind: 'clause', field: 'genre', op: 'exact', values: [value] };
    const rendered = renderFilter(node);
    expect(rendered).toBe(`genre:=[\`${value}\`]`);
    expect(parseFilter(rendered)).toEqual(node);
  });

  it('rejects a backtick in a value (Typesense 0.24.1 injection)', () => {
    const node: FilterNode = { kind: 'clause', field: 'genre', op: 'exact', values: ['x`] || id:*'] };
    expect(() => renderFilter(node)).toThrow(expect.objectContaining({ code: 'VALIDATION_ERROR', message: expect.stringContaining('backtick') }));
  });

  it('rejects a field name outside the whitelist', () => {
    const node: FilterNode = { kind: 'clause', field: 'a:=x || b', op: 'exact', values: ['v'] };
    expect(() => renderFilter(node)).toThrow(/invalid field name/);
  });

  it('formats numbers without exponents', () => {
    expect(formatNumber(1e-7)).toBe('0.0000001');
    expect(formatNumber(1e21)).toBe('1000000000000000000000');
    expect(formatNumber(-2.5)).toBe('-2.5');
    expect(Number(formatNumber(1.2345678901234567e-12))).toBe(1.2345678901234567e-12);
  });
});

// --- round trip ------------------------------------------------------------------------------------

const fieldArb = fc.stringMatching(/^[a-z_][a-z0-9_.]{0,8}$/);
/** Any text without a backtick whose trimmed form is non-empty. */
const textArb = fc
  .string({ unit: fc.oneof(fc.constantFrom('&', '|', '(', ')', ',', '[', ']', ' ', ':', '=', '!', '.', 'é', '日'), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 })), minLength: 1, maxLength: 12 })
  .filter((s) => !s.includes('`') && s.trim() !== '');
const numArb = fc
  .oneof(fc.integer({ min: -1e9, max: 1e9 }), fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true }))
  .map((n) => (Object.is(n, -0) ? 0 : n));
const rangeArb: fc.Arbitrary<Range> = fc.tuple(numArb, numArb).map(([a, b]) => ({ min: Math.min(a, b), max: Math.max(a, b) }));

const clauseArb: fc.Arbitrary<Clause> = fc.oneof(
  fc.record({
    kind: fc.constant('clause' as const),
    field: fieldArb,
    op: fc.constantFrom('match' as const, 'exact' as const, 'not' as const),
    values: fc.array(fc.oneof(textArb, rangeArb) as fc.Arbitrary<Scalar | Range>, { minLength: 1, maxLength: 4 }),
  }),
  fc.record({
    kind: fc.constant('clause' as const),
    field: fieldArb,
    op: fc.constantFrom('gt' as const, 'gte' as const, 'lt' as const, 'lte' as const),
    values: numArb.map((n) => [n]),
  }),
);

const { node: nodeArb } = fc.letrec<{ node: FilterNode }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    clauseArb,
    fc.record({ kind: fc.constantFrom('and' as const, 'or' as const), children: fc.array(tie('node'), { minLength: 2, maxLength: 4 }) }),
  ),
}));

/** Merges nested groups of the same kind: `a && (b && c)` is `a && b && c`. */
function flatten(n: FilterNode): FilterNode {
  if (n.kind === 'clause') return n;
  const children = n.children.map(flatten).flatMap((c) => (c.kind === n.kind ? c.children : [c]));
  return { kind: n.kind, children };
}

describe('renderFilter round trip (fast-check)', () => {
  it('parseFilter(renderFilter(ast)) equals ast modulo flattening', () => {
    fc.assert(
      fc.property(nodeArb, (ast) => {
        const rendered = renderFilter(ast);
        // denormal floats expand to ~330 digits; the parser's length limit is not under test here
        fc.pre(rendered.length <= MAX_FILTER_LENGTH);
        expect(parseFilter(rendered)).toEqual(flatten(ast));
      }),
      { numRuns: 500 },
    );
  });

  it('a validated tree survives render, parse and validate unchanged', () => {
    const typedClause: fc.Arbitrary<FilterNode> = fc.oneof(
      fc.record({ kind: fc.constant('clause' as const), field: fc.constant('genre'), op: fc.constantFrom('match' as const, 'exact' as const, 'not' as const), values: fc.array(textArb, { minLength: 1, maxLength: 3 }) }),
      fc.record({ kind: fc.constant('clause' as const), field: fc.constant('year'), op: fc.constantFrom('match' as const, 'exact' as const), values: fc.array(fc.oneof(fc.integer({ min: -1000, max: 1000 }), fc.tuple(fc.integer({ min: -1000, max: 0 }), fc.integer({ min: 0, max: 1000 })).map(([min, max]) => ({ min, max }))), { minLength: 1, maxLength: 3 }) }),
      fc.record({ kind: fc.constant('clause' as const), field: fc.constant('rating'), op: fc.constantFrom('gt' as const, 'lte' as const), values: numArb.map((n) => [n]) }),
      fc.record({ kind: fc.constant('clause' as const), field: fc.constant('published'), op: fc.constantFrom('match' as const, 'not' as const), values: fc.array(fc.boolean(), { minLength: 1, maxLength: 2 }) }),
    ) as fc.Arbitrary<FilterNode>;
    const tree = fc.letrec<{ node: FilterNode }>((tie) => ({
      node: fc.oneof({ depthSize: 'small' }, typedClause, fc.record({ kind: fc.constantFrom('and' as const, 'or' as const), children: fc.array(tie('node'), { minLength: 2, maxLength: 3 }) })),
    })).node;
    fc.assert(
      fc.property(tree, (ast) => {
        const again = validateFilter(parseFilter(renderFilter(ast)), testCollection);
        expect(again).toEqual(flatten(ast));
      }),
      { numRuns: 300 },
    );
  });
});
