/**
 * Postings storage of one collection's text fields: which document (by seq) holds which term in which
 * field. Matching and ranking read it (`match.ts`, `rank.ts`); nothing here knows about queries.
 *
 * The term dictionary is MiniSearch's radix tree (`minisearch/SearchableMap`: exact, prefix and
 * Levenshtein lookups, the same ones `MiniSearch.search` uses). Postings are ours: per term and field,
 * an Int32Array of (seq, generation) pairs, so a search walks plain typed arrays.
 *
 * Removal doesn't touch the postings: it bumps the document's live generation, which makes its
 * postings stale (a walk skips a pair whose generation isn't the live one). Stale postings are
 * compacted away in bulk once they are a quarter of all postings, which keeps a removal O(1).
 */
import SearchableMap from 'minisearch/SearchableMap';
import type { Document } from '../backend.ts';
import { tokenize } from './text.ts';

/** A stored document with its Typesense sequence number (insertion order). */
export interface Entry {
  seq: number;
  doc: Document;
}

/** The text value of a field, for indexing: arrays are joined element by element. */
export function fieldText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return v.filter((x) => typeof x === 'string').join(' \n ');
  return '';
}

/** Postings of one term in one field: `n` ints of (seq, generation) pairs. */
export interface PostingList {
  data: Int32Array;
  n: number;
}

/** Per field (index into `Postings.fields`), the term's postings. */
export type TermData = Array<PostingList | undefined>;

/**
 * Told when the dictionary changes, so whatever was looked up in it can be dropped (the expansion
 * cache, `expand.ts`). Terms only disappear in a compaction.
 */
export interface DictionaryWatcher {
  termAdded(term: string): void;
  compacted(): void;
}

/** A term/field/document index over the text fields of one collection. */
export class Postings {
  /** The term dictionary; a term's data is shared with (and updated under) whoever looked it up. */
  readonly terms = new SearchableMap<TermData>();
  /** Per seq: how many times it was added (the generation stamped in its postings). */
  private gen = new Int32Array(1024);
  /** Per seq: its live generation, 0 when absent. A posting is live when it carries this value. */
  private liveGen = new Int32Array(1024);
  /** Per seq: how many postings its live generation wrote (to count stale ones on removal). */
  private postingCount = new Int32Array(1024);
  /** Per text field, per seq: its token count, for the "whole field matches" bonus. */
  private lengths: Int32Array[];
  private maxSeq = -1;
  private totalPostings = 0;
  private stalePostings = 0;
  private adding = '';
  private readonly newTerm = (): TermData => {
    this.watcher?.termAdded(this.adding);
    return [];
  };

  constructor(
    readonly fields: string[],
    private readonly watcher?: DictionaryWatcher,
  ) {
    this.lengths = fields.map(() => new Int32Array(1024));
  }

  /** Per seq: its live generation, 0 when absent (a new array after the index grows). */
  get live(): Int32Array {
    return this.liveGen;
  }

  /** One more than the highest seq ever added: the length of per-seq arrays of a search. */
  get size(): number {
    return this.maxSeq + 1;
  }

  /** Whether some postings are stale (else every posting is live and a walk can skip the check). */
  get hasStale(): boolean {
    return this.stalePostings > 0;
  }

  /** How many tokens field `fi` of the document held when it was added. */
  tokenCount(fi: number, seq: number): number {
    return this.lengths[fi]![seq]!;
  }

  private ensure(seq: number): void {
    if (seq < this.gen.length) return;
    let cap = this.gen.length;
    while (cap <= seq) cap *= 2;
    const grow = (a: Int32Array): Int32Array<ArrayBuffer> => {
      const b = new Int32Array(cap);
      b.set(a);
      return b;
    };
    this.gen = grow(this.gen);
    this.liveGen = grow(this.liveGen);
    this.postingCount = grow(this.postingCount);
    this.lengths = this.lengths.map(grow);
  }

  /** Indexes a document (replacing what was indexed under its seq). */
  add(e: Entry): void {
    if (this.fields.length === 0) return;
    const seq = e.seq;
    this.ensure(seq);
    if (this.liveGen[seq] !== 0) this.remove(seq);
    const g = ++this.gen[seq]!;
    this.liveGen[seq] = g;
    if (seq > this.maxSeq) this.maxSeq = seq;
    let count = 0;
    // Same order of dictionary insertions as MiniSearch.add (field by field, token by token), so the
    // radix tree, and with it the order of prefix and fuzzy expansions, is the same.
    for (let fi = 0; fi < this.fields.length; fi++) {
      const toks = tokenize(fieldText(e.doc[this.fields[fi]!]));
      this.lengths[fi]![seq] = toks.length;
      for (const t of toks) {
        this.adding = t;
        const data = this.terms.fetch(t, this.newTerm);
        let p = data[fi];
        if (!p) {
          p = { data: new Int32Array(4), n: 0 };
          data[fi] = p;
        } else if (p.n >= 2 && p.data[p.n - 2] === seq && p.data[p.n - 1] === g) {
          continue; // the term repeats in this field
        }
        if (p.n === p.data.length) {
          const b = new Int32Array(p.data.length * 2);
          b.set(p.data);
          p.data = b;
        }
        p.data[p.n++] = seq;
        p.data[p.n++] = g;
        count++;
      }
    }
    this.postingCount[seq] = count;
    this.totalPostings += count;
  }

  /** Whether a seq has live postings (always true for a collection without text fields). */
  isIndexed(seq: number): boolean {
    return this.fields.length === 0 || (seq >= 0 && seq < this.liveGen.length && this.liveGen[seq] !== 0);
  }

  /** Indexes many documents at once (used at load and after a schema change). */
  addAll(entries: Iterable<Entry>): void {
    for (const e of entries) this.add(e);
  }

  /** Removes a document. Its postings go stale and are compacted away in bulk later. */
  remove(seq: number): void {
    if (this.fields.length === 0 || seq >= this.liveGen.length || this.liveGen[seq] === 0) return;
    this.liveGen[seq] = 0;
    this.stalePostings += this.postingCount[seq]!;
    this.postingCount[seq] = 0;
    if (this.stalePostings > 50_000 && this.stalePostings * 4 > this.totalPostings) this.compact();
  }

  /** Whether the live document `seq` holds `term` in field `fi` (a scan of the term's postings). */
  contains(term: string, fi: number, seq: number): boolean {
    const p = this.terms.get(term)?.[fi];
    if (!p) return false;
    const g = this.liveGen[seq];
    for (let r = 0; r < p.n; r += 2) if (p.data[r] === seq && p.data[r + 1] === g) return true;
    return false;
  }

  /** Drops stale postings, and terms left without any. */
  private compact(): void {
    const empty: string[] = [];
    for (const [term, data] of this.terms) {
      let any = false;
      for (let fi = 0; fi < data.length; fi++) {
        const p = data[fi];
        if (!p) continue;
        let w = 0;
        for (let r = 0; r < p.n; r += 2) {
          const seq = p.data[r]!;
          const g = p.data[r + 1]!;
          if (this.liveGen[seq] !== g) continue;
          p.data[w++] = seq;
          p.data[w++] = g;
        }
        p.n = w;
        if (w === 0) data[fi] = undefined;
        else any = true;
      }
      if (!any) empty.push(term);
    }
    for (const t of empty) this.terms.delete(t);
    this.watcher?.compacted();
    this.totalPostings -= this.stalePostings;
    this.stalePostings = 0;
  }
}
