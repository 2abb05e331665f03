import { describe, expect, it } from 'vitest';
import { fieldText, Postings, type DictionaryWatcher } from './postings.ts';

/** The stored (seq, generation) pairs of a term in field `fi`, or undefined when there are none. */
function pairs(p: Postings, term: string, fi: number): number[] | undefined {
  const list = p.terms.get(term)?.[fi];
  return list ? [...list.data.subarray(0, list.n)] : undefined;
}

function recorder(): DictionaryWatcher & { events: string[] } {
  const events: string[] = [];
  return { events, termAdded: (t) => events.push(`+${t}`), compacted: () => events.push('compacted') };
}

describe('fieldText', () => {
  it('indexes strings as they are, string arrays element by element, and nothing else', () => {
    expect(fieldText('Dark night')).toBe('Dark night');
    expect(fieldText(['dark', 3, 'night', null])).toBe('dark \n night');
    expect(fieldText(42)).toBe('');
    expect(fieldText(undefined)).toBe('');
    expect(fieldText({ title: 'x' })).toBe('');
  });
});

describe('Postings: add', () => {
  it('stores one (seq, generation) pair per term and field, once however often the term repeats', () => {
    const p = new Postings(['title', 'tags']);
    p.add({ seq: 0, doc: { title: 'Dark, dark night', tags: ['dark', 'Café'] } });
    p.add({ seq: 3, doc: { title: 'night' } });
    expect(pairs(p, 'dark', 0)).toEqual([0, 1]);
    expect(pairs(p, 'dark', 1)).toEqual([0, 1]);
    expect(pairs(p, 'night', 0)).toEqual([0, 1, 3, 1]);
    expect(pairs(p, 'cafe', 1)).toEqual([0, 1]);
    expect(pairs(p, 'cafe', 0)).toBeUndefined();
    expect([...p.terms.keys()].sort()).toEqual(['cafe', 'dark', 'night']);
  });

  it('counts each field\'s tokens (repeats included) for the whole-field match', () => {
    const p = new Postings(['title', 'tags']);
    p.add({ seq: 0, doc: { title: 'Dark, dark night', tags: ['dark', 'Café'] } });
    p.add({ seq: 3, doc: { title: 'night' } });
    expect([p.tokenCount(0, 0), p.tokenCount(1, 0), p.tokenCount(0, 3), p.tokenCount(1, 3)]).toEqual([3, 2, 1, 0]);
  });

  it('knows which seqs are indexed and how large a per-seq array must be', () => {
    const p = new Postings(['title']);
    expect(p.size).toBe(0);
    p.add({ seq: 0, doc: { title: 'a' } });
    p.add({ seq: 3, doc: { title: '' } });
    expect(p.size).toBe(4);
    expect([0, 1, 2, 3, 4, -1, 1_000_000].map((s) => p.isIndexed(s))).toEqual([true, false, false, true, false, false, false]);
  });

  it('grows past its initial capacity without losing what it holds', () => {
    const p = new Postings(['title']);
    p.add({ seq: 5, doc: { title: 'early' } });
    p.add({ seq: 5000, doc: { title: 'late words' } });
    expect(p.size).toBe(5001);
    expect(pairs(p, 'early', 0)).toEqual([5, 1]);
    expect([p.isIndexed(5), p.isIndexed(5000), p.tokenCount(0, 5), p.tokenCount(0, 5000)]).toEqual([true, true, 1, 2]);
    expect(p.contains('early', 0, 5)).toBe(true);
  });

  it('indexes nothing, and calls every seq indexed, without text fields', () => {
    const p = new Postings([]);
    p.add({ seq: 2, doc: { title: 'ignored' } });
    expect(p.size).toBe(0);
    expect([...p.terms.keys()]).toEqual([]);
    expect(p.isIndexed(2)).toBe(true);
    expect(p.isIndexed(7)).toBe(true);
  });

  it('tells its watcher about each new term once, in insertion order (field by field, token by token)', () => {
    const w = recorder();
    const p = new Postings(['title', 'tags'], w);
    p.add({ seq: 0, doc: { title: 'b a b', tags: ['c', 'a'] } });
    p.add({ seq: 1, doc: { title: 'a d' } });
    expect(w.events).toEqual(['+b', '+a', '+c', '+d']);
  });
});

describe('Postings: update and remove', () => {
  it('an update replaces the document: old postings go stale, the new ones carry the next generation', () => {
    const p = new Postings(['title']);
    p.add({ seq: 1, doc: { title: 'red fox' } });
    expect(p.hasStale).toBe(false);
    p.add({ seq: 1, doc: { title: 'blue fox fox' } });
    expect(p.live[1]).toBe(2);
    expect(pairs(p, 'red', 0)).toEqual([1, 1]); // still stored, no longer live
    expect(pairs(p, 'fox', 0)).toEqual([1, 1, 1, 2]);
    expect([p.contains('red', 0, 1), p.contains('fox', 0, 1), p.contains('blue', 0, 1)]).toEqual([false, true, true]);
    expect(p.hasStale).toBe(true);
    expect(p.tokenCount(0, 1)).toBe(3);
  });

  it('removal makes a document absent at once; removing an absent one changes nothing', () => {
    const p = new Postings(['title']);
    p.add({ seq: 0, doc: { title: 'a b' } });
    p.add({ seq: 1, doc: { title: 'b' } });
    p.remove(0);
    expect([p.isIndexed(0), p.live[0], p.contains('a', 0, 0), p.contains('b', 0, 0), p.contains('b', 0, 1)]).toEqual([false, 0, false, false, true]);
    p.remove(0);
    p.remove(7);
    p.remove(100_000);
    expect([p.isIndexed(0), p.isIndexed(1)]).toEqual([false, true]);
    p.add({ seq: 0, doc: { title: 'a' } });
    expect(p.live[0]).toBe(2);
    expect(pairs(p, 'a', 0)).toEqual([0, 1, 0, 2]);
    expect([p.contains('a', 0, 0), p.contains('b', 0, 0)]).toEqual([true, false]);
  });

  it('contains answers false for an unknown term, a field the term is not in, or another field index', () => {
    const p = new Postings(['title', 'tags']);
    p.add({ seq: 0, doc: { title: 'x', tags: ['y'] } });
    expect([p.contains('x', 0, 0), p.contains('x', 1, 0), p.contains('y', 1, 0), p.contains('z', 0, 0), p.contains('x', -1, 0)]).toEqual([
      true,
      false,
      true,
      false,
      false,
    ]);
  });

  it('compacts once stale postings pass 50,000 and a quarter of all, dropping terms left empty', () => {
    const w = recorder();
    const p = new Postings(['title'], w);
    const n = 60_001; // two postings each: 120,002 in all
    for (let s = 0; s < n; s++) p.add({ seq: s, doc: { title: `t${s} shared` } });
    w.events.length = 0;
    for (let s = 0; s < 25_000; s++) p.remove(s); // 50,000 stale: not past the threshold yet
    expect(w.events).toEqual([]);
    expect(p.terms.has('t0')).toBe(true);
    expect(pairs(p, 'shared', 0)!.length).toBe(2 * n);
    expect(p.hasStale).toBe(true);
    p.remove(25_000);
    expect(w.events).toEqual(['compacted']);
    expect(p.hasStale).toBe(false);
    expect([p.terms.has('t0'), p.terms.has('t25000'), p.terms.has('t25001')]).toEqual([false, false, true]);
    const shared = pairs(p, 'shared', 0)!;
    expect(shared.length).toBe(2 * (n - 25_001));
    expect(shared.slice(0, 4)).toEqual([25_001, 1, 25_002, 1]);
    expect([p.isIndexed(25_000), p.isIndexed(25_001), p.contains('shared', 0, 60_000)]).toEqual([false, true, true]);
  });

  it('does not compact while stale postings are under a quarter of all, however many', () => {
    const w = recorder();
    const p = new Postings(['title'], w);
    for (let s = 0; s < 30_000; s++) p.add({ seq: s, doc: { title: 'a b c d e f g h' } }); // 240,000 postings
    for (let s = 0; s < 7_000; s++) p.remove(s); // 56,000 stale: past 50,000, under a quarter
    expect(w.events.filter((e) => e === 'compacted')).toEqual([]);
    expect(p.hasStale).toBe(true);
    p.remove(7_500); // 56,008 stale: still under 60,000
    expect(w.events.filter((e) => e === 'compacted')).toEqual([]);
    for (let s = 7_001; s < 7_500; s++) p.remove(s); // 60,000 stale: not past a quarter yet
    expect(w.events.filter((e) => e === 'compacted')).toEqual([]);
    p.remove(7_501); // 60,008 > 240,000 / 4
    expect(w.events.filter((e) => e === 'compacted')).toEqual(['compacted']);
  });
});
