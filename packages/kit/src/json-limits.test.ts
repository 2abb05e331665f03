import { describe, expect, it } from 'vitest';
import { BODY_LIMITS, DOCUMENT_LIMITS, assertJsonWithinLimits, checkJsonValue, scanJsonText } from './json-limits.ts';

const nested = (depth: number): string => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);

describe('JSON limits', () => {
  it('a value nested a million levels deep is refused by one linear scan, without recursion', () => {
    const text = `{"id":"x","deep":${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}}`;
    const v = scanJsonText(text, DOCUMENT_LIMITS, 'The document');
    expect(v?.limit).toBe('maxDepth');
    expect(v?.key).toBe('deep');
    expect(v?.message).toContain('nested more than 32 levels deep (at `deep`)');
  });

  it('depth is counted the same by the text scan and the value walk, right at the bound', () => {
    for (const [depth, ok] of [
      [DOCUMENT_LIMITS.maxDepth, true],
      [DOCUMENT_LIMITS.maxDepth + 1, false],
    ] as const) {
      const text = nested(depth);
      expect(scanJsonText(text, DOCUMENT_LIMITS) === undefined).toBe(ok);
      expect(checkJsonValue(JSON.parse(text), DOCUMENT_LIMITS) === undefined).toBe(ok);
    }
    expect(BODY_LIMITS.maxDepth).toBe(DOCUMENT_LIMITS.maxDepth + 1);
  });

  it('brackets and colons inside strings (escaped quotes too) are not structure', () => {
    const text = JSON.stringify({ s: '[[[[{{{{:::: \\" ]]]' + '['.repeat(100), t: 'a"b\\' });
    expect(scanJsonText(text, { ...DOCUMENT_LIMITS, maxKeys: 2 })).toBeUndefined();
  });

  it('key count is over the whole document, at every level', () => {
    const doc = { a: { b: 1, c: 2 }, d: [{ e: 1 }] };
    const limits = { ...DOCUMENT_LIMITS, maxKeys: 5 }; // a, b, c, d, e
    expect(checkJsonValue(doc, limits)).toBeUndefined();
    expect(scanJsonText(JSON.stringify(doc), limits)).toBeUndefined();
    const more = { ...doc, f: 1 };
    expect(checkJsonValue(more, limits)?.limit).toBe('maxKeys');
    expect(scanJsonText(JSON.stringify(more), limits)?.limit).toBe('maxKeys');
  });

  it('a string or number longer than the bound is refused, in keys too', () => {
    const limits = { ...DOCUMENT_LIMITS, maxValueLength: 10 };
    for (const doc of [{ s: 'x'.repeat(11) }, { ['k'.repeat(11)]: 1 }, { n: 1.2345678901234 }]) {
      expect(scanJsonText(JSON.stringify(doc), limits)?.limit).toBe('maxValueLength');
      expect(checkJsonValue(doc, limits)?.limit).toBe('maxValueLength');
    }
    expect(scanJsonText(JSON.stringify({ s: 'x'.repeat(10) }), limits)).toBeUndefined();
  });

  it('assertJsonWithinLimits throws a 400 naming the field and the bound', () => {
    expect(() => assertJsonWithinLimits(JSON.parse(nested(40)), DOCUMENT_LIMITS, 'newVersionData')).toThrowError(
      expect.objectContaining({ code: 'VALIDATION_ERROR', details: { field: 'newVersionData', limit: 'maxDepth', max: 32 } }),
    );
  });
});
