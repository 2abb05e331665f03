import { describe, expect, it } from 'vitest';
import { ExpansionCache, expandToken, MAX_CACHED_TOKENS, typoBudget, type ExpansionMemo, type MatchOptions } from './expand.ts';
import { Postings } from './postings.ts';

const OPTS: MatchOptions = { fields: ['title'], prefix: true, numTypos: 2, minLen1Typo: 3, minLen2Typo: 5 };

/** A dictionary of a few close words (terms: fantasy kingdom fan fantasia fast fanta king kind ring fanto kong). */
function dictionary(watcher?: ExpansionCache): Postings {
  const p = new Postings(['title'], watcher);
  ['fantasy kingdom', 'fan fantasia', 'fast fanta', 'king kind ring', 'fanto kong'].forEach((title, seq) => p.add({ seq, doc: { title } }));
  return p;
}

/** [term, class] of each term a token reaches, in order (class: typos * 2 + prefix). */
function expansion(q: string, isLast: boolean, typos: boolean, o: MatchOptions = OPTS): Array<[string, number]> {
  return expandToken(dictionary().terms, q, isLast, o, typos).map((h) => [h.term, h.cat]);
}

describe('typoBudget (num_typos, min_len_1typo, min_len_2typo)', () => {
  const defaults: MatchOptions = { fields: [], prefix: true, numTypos: 2, minLen1Typo: 4, minLen2Typo: 7 };

  it('gives no typo under min_len_1typo, one from it, two from min_len_2typo', () => {
    expect(['abc', 'abcd', 'abcdef', 'abcdefg', 'abcdefghij'].map((t) => typoBudget(t, defaults))).toEqual([0, 1, 1, 2, 2]);
  });

  it('never gives more than num_typos', () => {
    expect(['abcd', 'abcdefg'].map((t) => typoBudget(t, { ...defaults, numTypos: 1 }))).toEqual([1, 1]);
    expect(['abcd', 'abcdefg'].map((t) => typoBudget(t, { ...defaults, numTypos: 0 }))).toEqual([0, 0]);
  });

  it('counts code points, not UTF-16 units', () => {
    // Three CJK Extension B letters: 6 UTF-16 units, 3 code points.
    expect(typoBudget('𠀀𠀁𠀂', defaults)).toBe(0);
    expect(typoBudget('𠀀𠀁𠀂𠀃', defaults)).toBe(1);
  });

  it('lets min_len_2typo win when it is below min_len_1typo', () => {
    expect(typoBudget('ab', { ...defaults, minLen1Typo: 5, minLen2Typo: 2 })).toBe(2);
  });
});

describe('expandToken: prefix', () => {
  it('expands only the last token, to the exact term first, then the longer terms it starts', () => {
    expect(expansion('fan', true, false)).toEqual([
      ['fan', 0],
      ['fanto', 1],
      ['fanta', 1],
      ['fantasia', 1],
      ['fantasy', 1],
    ]);
    expect(expansion('fan', false, false)).toEqual([['fan', 0]]);
  });

  it('does not expand with prefix=false', () => {
    expect(expansion('fan', true, false, { ...OPTS, prefix: false })).toEqual([['fan', 0]]);
    expect(expansion('fa', true, false, { ...OPTS, prefix: false })).toEqual([]);
  });

  it('reaches the prefixed terms of a token that is no term itself', () => {
    expect(expansion('kin', true, false)).toEqual([
      ['kind', 1],
      ['king', 1],
      ['kingdom', 1],
    ]);
    expect(expansion('kin', false, false)).toEqual([]);
  });
});

describe('expandToken: typos', () => {
  it('adds the terms within the typo budget after the exact and prefix ones, never twice', () => {
    // 'fanta' (5 letters) may have two typos; its prefixed terms are not repeated as typo terms.
    expect(expansion('fanta', true, true)).toEqual([
      ['fanta', 0],
      ['fantasia', 1],
      ['fantasy', 1],
      ['fan', 4],
      ['fanto', 2],
      ['fast', 4],
    ]);
  });

  it('classes a typo term by its distance, a prefixed term as a prefix', () => {
    expect(expansion('king', true, true)).toEqual([
      ['king', 0],
      ['kingdom', 1],
      ['ring', 2],
      ['kind', 2],
      ['kong', 2],
    ]);
    expect(expansion('fantsy', false, true)).toEqual([
      ['fantasy', 2],
      ['fanta', 4],
      ['fanto', 4],
    ]);
  });

  it('follows num_typos and min_len_1typo / min_len_2typo', () => {
    expect(expansion('kng', false, true)).toEqual([
      ['king', 2],
      ['kong', 2],
    ]);
    expect(expansion('kng', false, true, { ...OPTS, minLen1Typo: 4 })).toEqual([]);
    expect(expansion('fantsy', false, true, { ...OPTS, numTypos: 1 })).toEqual([['fantasy', 2]]);
    expect(expansion('fantsy', false, true, { ...OPTS, numTypos: 0 })).toEqual([]);
  });

  it('tries no typo term in the exact pass', () => {
    expect(expansion('kng', false, false)).toEqual([]);
    expect(expansion('king', false, false)).toEqual([['king', 0]]);
  });
});

describe('ExpansionCache', () => {
  const memo = (): ExpansionMemo => new Map();

  it('expands a token on demand, once per query, and keeps the lists across requests', () => {
    const cache = new ExpansionCache();
    const p = dictionary(cache);
    const first = cache.forQuery(p.terms, ['fan', 'kin'], OPTS, false, memo());
    expect(first.lists[1]).toBeUndefined();
    expect(first.of(1).map((h) => h.term)).toEqual(['kind', 'king', 'kingdom']);
    expect(first.of(0).map((h) => h.term)).toEqual(['fan']);
    const again = cache.forQuery(p.terms, ['fan', 'kin'], OPTS, false, memo());
    expect(again.lists).toBe(first.lists);
    // Other settings are another entry.
    expect(cache.forQuery(p.terms, ['fan', 'kin'], { ...OPTS, prefix: false }, false, memo()).lists).not.toBe(first.lists);
    expect(cache.forQuery(p.terms, ['fan', 'kin'], OPTS, true, memo()).lists).not.toBe(first.lists);
  });

  it('drops the queries a new term could change, and only those', () => {
    const cache = new ExpansionCache();
    const p = dictionary(cache);
    const get = (tokens: string[], o = OPTS, typos = false) => cache.forQuery(p.terms, tokens, o, typos, memo()).lists;
    const prefixed = get(['ring', 'fan']);
    const notLast = get(['fan', 'ring']);
    const noPrefix = get(['ring', 'fan'], { ...OPTS, prefix: false });
    const equal = get(['fantastic']);
    const withTypos = get(['ring'], OPTS, true);
    p.add({ seq: 9, doc: { title: 'fantastic' } });
    expect(get(['ring', 'fan'])).not.toBe(prefixed); // 'fantastic' extends the last token
    expect(get(['fan', 'ring'])).toBe(notLast);
    expect(get(['ring', 'fan'], { ...OPTS, prefix: false })).toBe(noPrefix);
    expect(get(['fantastic'])).not.toBe(equal);
    expect(get(['ring'], OPTS, true)).not.toBe(withTypos); // any new term may be a typo away
    const fresh = cache.forQuery(p.terms, ['ring', 'fan'], OPTS, false, memo());
    expect(fresh.of(1).map((h) => h.term)).toContain('fantastic');
  });

  it('a term already known drops nothing; a compaction drops everything', () => {
    const cache = new ExpansionCache();
    const p = dictionary(cache);
    const lists = cache.forQuery(p.terms, ['fan'], OPTS, true, memo()).lists;
    p.add({ seq: 10, doc: { title: 'fan kong' } });
    expect(cache.forQuery(p.terms, ['fan'], OPTS, true, memo()).lists).toBe(lists);
    cache.compacted();
    expect(cache.forQuery(p.terms, ['fan'], OPTS, true, memo()).lists).not.toBe(lists);
  });

  it(`keeps queries of up to ${MAX_CACHED_TOKENS} tokens across requests; a longer one only in its request's memo`, () => {
    const cache = new ExpansionCache();
    const p = dictionary(cache);
    const short = Array.from({ length: MAX_CACHED_TOKENS }, (_, i) => (i % 2 ? 'fan' : 'king'));
    const long = [...short, 'kong'];
    expect(cache.forQuery(p.terms, short, OPTS, false, memo()).lists).toBe(cache.forQuery(p.terms, short, OPTS, false, memo()).lists);
    expect(cache.forQuery(p.terms, long, OPTS, false, memo()).lists).not.toBe(cache.forQuery(p.terms, long, OPTS, false, memo()).lists);
    // Within one request the memo hands the same expansion to a shorter retry, and to a repeated token.
    const m = memo();
    const full = cache.forQuery(p.terms, long, OPTS, false, m);
    const kingNotLast = full.of(0);
    const retry = cache.forQuery(p.terms, long.slice(0, 3), OPTS, false, m);
    expect(retry.of(0)).toBe(kingNotLast);
    expect(full.of(2)).toBe(kingNotLast);
    // As the last token, 'king' is expanded with its prefix: another entry.
    expect(retry.of(2)).not.toBe(kingNotLast);
    expect(retry.of(2).map((h) => h.term)).toEqual(['king', 'kingdom']);
  });

  it('keeps the 256 most recently used queries', () => {
    const cache = new ExpansionCache();
    const p = dictionary(cache);
    const get = (q: string) => cache.forQuery(p.terms, [q], OPTS, false, memo()).lists;
    const q0 = get('q0');
    const q1 = get('q1');
    for (let i = 2; i < 256; i++) get(`q${i}`);
    expect(get('q0')).toBe(q0); // now the most recent
    get('q256'); // evicts the least recent: q1
    expect(get('q0')).toBe(q0);
    expect(get('q1')).not.toBe(q1);
  });
});
