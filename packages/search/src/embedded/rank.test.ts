import { describe, expect, it } from 'vitest';
import type { Document } from '../backend.ts';
import type { MatchOptions } from './expand.ts';
import { rankScore } from './rank.ts';
import { TextIndex } from './text-index.ts';

const OPTS: MatchOptions = { fields: ['title', 'body'], prefix: true, numTypos: 2, minLen1Typo: 3, minLen2Typo: 7 };

function corpus(docs: Document[], fields = ['title', 'body']): { idx: TextIndex; docs: Document[] } {
  const idx = new TextIndex(fields);
  docs.forEach((doc, seq) => idx.add({ seq, doc }));
  return { idx, docs };
}

/** seq -> rank of every match, as `_text_match` sorting sees them. */
function ranks(c: { idx: TextIndex }, q: string, o: Partial<MatchOptions> = {}): Record<number, number> {
  const r = c.idx.search({ tokens: q.split(' '), options: { ...OPTS, ...o }, accept: undefined, typoThreshold: 1, wantScores: true });
  return Object.fromEntries([...r.seqs].map((s, j) => [s, r.scores![j]!]));
}

/** The full match of every hit (what the page's highlights and text_match come from). */
function matches(c: { idx: TextIndex; docs: Document[] }, q: string, o: Partial<MatchOptions> = {}) {
  const r = c.idx.search({ tokens: q.split(' '), options: { ...OPTS, ...o }, accept: undefined, typoThreshold: 1, wantScores: false });
  return [...r.seqs].map((s) => ({ seq: s, ...r.textMatch(s, c.docs[s]!) }));
}

describe('rankScore: tokens matched > fewer typos > a field that is exactly the query > earlier field', () => {
  it('packs the four into one number', () => {
    expect(rankScore(1, 0, 0, 0)).toBe(65279);
    expect(rankScore(1, 0, 1, 0)).toBe(65535);
    expect(rankScore(1, 0, 1, 1)).toBe(65534);
    expect(rankScore(1, 1, 0, 0)).toBe(64767);
    expect(rankScore(2, 0, 1, 0)).toBe(98303);
  });

  it('orders each criterion above all the later ones', () => {
    expect(rankScore(2, 63, 0, 254)).toBeGreaterThan(rankScore(1, 0, 1, 0));
    expect(rankScore(1, 0, 0, 254)).toBeGreaterThan(rankScore(1, 1, 1, 0));
    expect(rankScore(1, 1, 1, 254)).toBeGreaterThan(rankScore(1, 1, 0, 0));
    expect(rankScore(1, 1, 0, 0)).toBeGreaterThan(rankScore(1, 1, 0, 1));
  });

  it('counts at most 63 typos', () => {
    expect(rankScore(1, 100, 0, 0)).toBe(rankScore(1, 63, 0, 0));
  });
});

describe('ranks of matches', () => {
  const c = corpus([
    { title: 'red', body: '' }, // 0: the whole title
    { title: 'red car', body: '' }, // 1
    { title: '', body: 'red' }, // 2: the whole body, a later field
    { title: 'redder', body: '' }, // 3: a prefix
    { title: 'red car', body: 'red' }, // 4: the whole body
  ]);

  it('ranks a whole-field match first, then the earlier field; a prefix ties with an exact word', () => {
    expect(ranks(c, 'red')).toEqual({ 0: 65535, 1: 65279, 2: 65534, 3: 65279, 4: 65535 });
  });

  it('follows query_by order for the field rank (a repeated field ranks at its last position)', () => {
    expect(ranks(c, 'red', { fields: ['body', 'title'] })).toEqual({ 0: 65534, 1: 65278, 2: 65535, 3: 65278, 4: 65535 });
    expect(ranks(c, 'red', { fields: ['title', 'title', 'body'] })).toEqual({ 0: 65534, 1: 65278, 2: 65533, 3: 65278, 4: 65534 });
  });

  it('ranks more tokens first, and a field of exactly the query tokens above a longer one', () => {
    const two = corpus([
      { title: 'red car', body: '' },
      { title: 'red fast car', body: '' },
      { title: 'car', body: 'red' },
    ]);
    expect(ranks(two, 'red car')).toEqual({ 0: 98303, 1: 98047, 2: 98047 });
  });

  it('ranks a typo match below an exact one and gives it no whole-field bonus', () => {
    expect(ranks(c, 'rad', { prefix: false })).toEqual({ 0: 64767, 1: 64767, 2: 64766, 4: 64767 });
  });

  it('gives equal matches equal ranks (ties are left to sort_by and insertion order, see search.ts)', () => {
    const ties = corpus(Array.from({ length: 6 }, (_, i) => ({ title: `red car ${i}`, body: '' })));
    expect(new Set(Object.values(ranks(ties, 'red car')))).toEqual(new Set([98047]));
  });
});

describe('match details of a hit', () => {
  it('takes per token the best term: fewest typos, then not a prefix', () => {
    const c = corpus([{ title: 'fan fantasy', body: 'fin' }]);
    expect(matches(c, 'fan')).toEqual([
      { seq: 0, tokens: [{ term: 'fan', query: 'fan', typos: 0, prefix: false, fields: ['title'] }], score: 65279, tokensMatched: 1 },
    ]);
    // 'fantasy' comes first in the document's match (the first token put it there), yet 'fan' wins.
    expect(matches(c, 'fantasy fan')[0]!.tokens[1]).toEqual({ term: 'fan', query: 'fan', typos: 0, prefix: false, fields: ['title'] });
  });

  it('merges the fields of equally good terms, in the order the expansion met them', () => {
    const c = corpus([{ title: 'fantasy', body: 'fantasia' }]);
    expect(matches(c, 'fant')).toEqual([
      { seq: 0, tokens: [{ term: 'fantasia', query: 'fant', typos: 0, prefix: true, fields: ['body', 'title'] }], score: 65279, tokensMatched: 1 },
    ]);
  });

  it('reports typos, the query token each term answers, and the whole-field bonus', () => {
    const c = corpus([{ title: 'dark knight', body: 'a dark night' }]);
    expect(matches(c, 'dark nigt', { prefix: false })).toEqual([
      {
        seq: 0,
        tokens: [
          { term: 'dark', query: 'dark', typos: 0, prefix: false, fields: ['title', 'body'] },
          { term: 'night', query: 'nigt', typos: 1, prefix: false, fields: ['body'] },
        ],
        score: rankScore(2, 1, 0, 0),
        tokensMatched: 2,
      },
    ]);
    expect(matches(c, 'dark knight')[0]!.score).toBe(rankScore(2, 0, 1, 0));
  });
});

describe('the two ways to a rank agree', () => {
  const titles = ['red fox', 'red foxes', 'fox red', 'redder fax', 'rex fix', 'fox', 'red', 'the red fox jumps', 'ref fox', 'fix red fox'];
  const docs: Document[] = titles.map((t, i) => ({ title: t, body: titles[(i + 3) % titles.length]! }));
  const queries = ['red', 'fox', 'red fox', 'fox re', 'rex', 'fix fox', 'red fox jumps', 're'];

  it('folded while walking equals rebuilt from the document, for every match', () => {
    const c = corpus(docs);
    for (const q of queries) {
      const r = c.idx.search({ tokens: q.split(' '), options: OPTS, accept: undefined, typoThreshold: 5, wantScores: true });
      expect(r.seqs.length, q).toBeGreaterThan(0);
      expect([...r.scores!], q).toEqual([...r.seqs].map((s) => r.textMatch(s, docs[s]!).score));
    }
  });

  it('with more than 31 queried fields, ranks come from the postings and are the same', () => {
    const many = Array.from({ length: 33 }, (_, i) => `f${i}`);
    const wide = corpus(
      docs.map((d) => ({ f0: d.title, f32: d.body })),
      many,
    );
    const narrow = corpus(docs.map((d) => ({ f0: d.title, f1: d.body })), ['f0', 'f1']);
    for (const q of queries) {
      const w = wide.idx.search({ tokens: q.split(' '), options: { ...OPTS, fields: many }, accept: undefined, typoThreshold: 5, wantScores: true });
      expect([...w.scores!], q).toEqual([...w.seqs].map((s) => w.textMatch(s, wide.docs[s]!).score));
      // The same documents with the body as the second queried field: only the field rank differs.
      const n = narrow.idx.search({ tokens: q.split(' '), options: { ...OPTS, fields: ['f0', 'f1'] }, accept: undefined, typoThreshold: 5, wantScores: true });
      expect([...w.seqs], q).toEqual([...n.seqs]);
    }
  });
});
