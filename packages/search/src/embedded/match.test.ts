import { describe, expect, it } from 'vitest';
import type { MatchOptions } from './expand.ts';
import { TextIndex, type TextQuery } from './text-index.ts';

const OPTS: MatchOptions = { fields: ['title', 'body'], prefix: true, numTypos: 2, minLen1Typo: 4, minLen2Typo: 7 };

/** An index of (title, body) documents; seq = position. */
function index(docs: Array<[string, string]>): TextIndex {
  const idx = new TextIndex(['title', 'body']);
  docs.forEach(([title, body], seq) => idx.add({ seq, doc: { title, body } }));
  return idx;
}

const DOCS: Array<[string, string]> = [
  ['red fox', 'quick'], // 0
  ['red dog', 'lazy fox'], // 1
  ['blue fox', ''], // 2
  ['green', 'red'], // 3
  ['foxes den', 'redder'], // 4
  ['lazy', ''], // 5
  ['lacy', ''], // 6
];

function find(idx: TextIndex, q: string, query: Partial<TextQuery> = {}, o: Partial<MatchOptions> = {}): number[] {
  return [...idx.search({ tokens: q.split(' '), options: { ...OPTS, ...o }, accept: undefined, typoThreshold: 1, wantScores: false, ...query }).seqs];
}

describe('matching: every token, in ascending seq order', () => {
  it('matches documents that hold every token, in any queried field', () => {
    const idx = index(DOCS);
    expect(find(idx, 'red fox')).toEqual([0, 1]);
    expect(find(idx, 'fox red')).toEqual([0, 1]);
    expect(find(idx, 'foxes red')).toEqual([4]); // the last token 'red' also reaches 'redder'
    expect(find(idx, 'foxes red', {}, { prefix: false })).toEqual([]);
    expect(find(idx, 'red foxes', {}, { prefix: false })).toEqual([]); // 'red' is not last: no 'redder'
    expect(find(idx, 'red')).toEqual([0, 1, 3, 4]);
  });

  it('searches only the queried fields, each once', () => {
    const idx = index(DOCS);
    expect(find(idx, 'quick', {}, { fields: ['title'] })).toEqual([]);
    expect(find(idx, 'quick', {}, { fields: ['body'] })).toEqual([0]);
    expect(find(idx, 'quick', {}, { fields: ['body', 'body', 'nope'] })).toEqual([0]);
    expect(find(idx, 'fox', {}, { fields: ['nope'] })).toEqual([]);
  });

  it('keeps only the documents the filter accepts', () => {
    const idx = index(DOCS);
    expect(find(idx, 'red fox', { accept: (s) => s !== 0 })).toEqual([1]);
    expect(find(idx, 'red', { accept: (s) => s % 2 === 1 })).toEqual([1, 3]);
  });

  it('reports the first token that matched nothing (after the ones before it)', () => {
    const idx = index(DOCS);
    const failedAt = (q: string): number => idx.search({ tokens: q.split(' '), options: { ...OPTS, numTypos: 0 }, accept: undefined, typoThreshold: 1, wantScores: false }).failedAt;
    expect(failedAt('red fox')).toBe(2);
    expect(failedAt('red zzz fox')).toBe(1);
    expect(failedAt('zzz red')).toBe(0);
    // 'quick' matches a document, but none of those that matched 'blue'.
    expect(failedAt('blue quick red')).toBe(1);
  });

  it('answers nothing for no tokens or an index without text fields', () => {
    expect(find(index(DOCS), '', { tokens: [] })).toEqual([]);
    const none = new TextIndex([]);
    none.add({ seq: 0, doc: { title: 'red' } });
    expect(find(none, 'red')).toEqual([]);
  });
});

describe('matching: typos only when the exact pass finds too few (typo_tokens_threshold)', () => {
  it('tries typos when fewer documents than the threshold matched exactly, and then keeps the exact ones too', () => {
    const idx = index(DOCS);
    expect(find(idx, 'lazy', {}, { prefix: false })).toEqual([1, 5]);
    expect(find(idx, 'lazy', { typoThreshold: 3 }, { prefix: false })).toEqual([1, 5, 6]);
    expect(find(idx, 'lazzy', {}, { prefix: false })).toEqual([1, 5]);
  });

  it('never tries typos with num_typos=0, or when the threshold is 0', () => {
    const idx = index(DOCS);
    expect(find(idx, 'lazzy', {}, { prefix: false, numTypos: 0 })).toEqual([]);
    expect(find(idx, 'lazzy', { typoThreshold: 0 }, { prefix: false })).toEqual([]);
  });

  it('gives short tokens no typo (min_len_1typo)', () => {
    const idx = index(DOCS);
    expect(find(idx, 'rad', {}, { prefix: false })).toEqual([]);
    expect(find(idx, 'rad', {}, { prefix: false, minLen1Typo: 3 })).toEqual([0, 1, 3]);
  });
});

describe('matching: writes', () => {
  it('skips a replaced or removed document\'s old postings', () => {
    const idx = index(DOCS);
    idx.add({ seq: 0, doc: { title: 'white cat', body: '' } });
    expect(find(idx, 'red fox')).toEqual([1]);
    expect(find(idx, 'white')).toEqual([0]);
    idx.remove(1);
    expect(find(idx, 'red fox')).toEqual([]);
    expect(find(idx, 'red')).toEqual([3, 4]);
  });

  it('finds a rebuilt index equal to one built by writes', () => {
    const entries = DOCS.map(([title, body], seq) => ({ seq, doc: { title, body } }));
    const written = index(DOCS);
    written.remove(2);
    written.add({ seq: 4, doc: { title: 'fox', body: '' } });
    const live = entries.filter((e) => e.seq !== 2).map((e) => (e.seq === 4 ? { seq: 4, doc: { title: 'fox', body: '' } } : e));
    const rebuilt = TextIndex.rebuild(['title', 'body'], live);
    for (const q of ['red', 'fox', 'red fox', 'lazy', 'fo', 're', 'blue']) expect(find(rebuilt, q), q).toEqual(find(written, q));
    expect([0, 1, 2, 3, 4, 5, 6].map((s) => rebuilt.isIndexed(s))).toEqual([true, true, false, true, true, true, true]);
  });
});

describe('matching: many matches', () => {
  it('lists every match in seq order past the few-matches path (more than a sixteenth of the documents)', () => {
    const docs: Array<[string, string]> = Array.from({ length: 200 }, (_, i) => [i % 3 === 0 ? 'x y' : 'x', i % 2 === 0 ? 'y' : '']);
    const idx = index(docs);
    const all = [...Array(200).keys()];
    expect(find(idx, 'x')).toEqual(all);
    expect(find(idx, 'x y')).toEqual(all.filter((i) => i % 3 === 0 || i % 2 === 0));
    expect(find(idx, 'x', { accept: (s) => s % 7 === 0 })).toEqual(all.filter((i) => i % 7 === 0));
  });

  it('yields after each token it walks', () => {
    const idx = index(DOCS);
    const steps = idx.searchSteps({ tokens: ['red', 'fox', 'lazy'], options: { ...OPTS, numTypos: 0 }, accept: undefined, typoThreshold: 1, wantScores: false });
    let yields = 0;
    let r = steps.next();
    while (!r.done) {
      yields++;
      r = steps.next();
    }
    expect(yields).toBe(3);
    expect([...r.value.seqs]).toEqual([1]);
  });
});
