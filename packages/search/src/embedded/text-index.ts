/**
 * The full-text part of the embedded engine, on MiniSearch: prefix and typo-tolerant token matching
 * over the text fields of one collection, with per-term match information that we turn into a
 * Typesense-like `text_match` rank and into highlights. Filters, sorting and facets are evaluated by
 * us (see README.md for why).
 */
import MiniSearch from 'minisearch';
import type { Document } from '../backend.ts';
import { editDistance, tokenize } from './text.ts';

/** A stored document with its Typesense sequence number (insertion order). */
export interface Entry {
  seq: number;
  doc: Document;
}

/** Typo and prefix settings of one search (Typesense parameter names). */
export interface MatchOptions {
  fields: string[];
  prefix: boolean;
  numTypos: number;
  minLen1Typo: number;
  minLen2Typo: number;
}

/** How one query token matched in a document. */
export interface TokenMatch {
  /** The indexed (normalized) term that matched. */
  term: string;
  /** The query token it answers. */
  query: string;
  typos: number;
  prefix: boolean;
  fields: string[];
}

/** How one document matched a query. */
export interface TextMatch {
  /** Per query token, its best match, or undefined when that token did not match. */
  tokens: Array<TokenMatch | undefined>;
  /** The Typesense-like rank: more tokens, then fewer typos, then exact field match, then earlier field. */
  score: number;
  tokensMatched: number;
}

/** The text value of a field, for indexing: arrays are joined element by element. */
export function fieldText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return v.filter((x) => typeof x === 'string').join(' \n ');
  return '';
}

function typoBudget(token: string, o: MatchOptions): number {
  const len = [...token].length;
  if (len >= o.minLen2Typo) return Math.min(2, o.numTypos);
  if (len >= o.minLen1Typo) return Math.min(1, o.numTypos);
  return 0;
}

/** A MiniSearch index over the text fields of one collection. */
export class TextIndex {
  private ms: MiniSearch<Entry>;
  /** Token count per text field per document, for the "whole field matches" bonus. */
  private readonly lengths = new Map<number, Record<string, number>>();
  private maxSeq = 0;

  constructor(readonly fields: string[]) {
    this.ms = this.create();
  }

  private create(): MiniSearch<Entry> {
    return new MiniSearch<Entry>({
      idField: 'seq',
      // MiniSearch refuses an empty field list; a collection without text fields indexes nothing.
      fields: this.fields.length > 0 ? this.fields : ['\u0000none'],
      extractField: (e, f) => (f === 'seq' ? e.seq : fieldText(e.doc[f])) as string,
      tokenize: (text) => tokenize(text),
      processTerm: (t) => t,
    });
  }

  /** Indexes a document. */
  add(e: Entry): void {
    if (this.fields.length === 0) return;
    const lens: Record<string, number> = {};
    for (const f of this.fields) lens[f] = tokenize(fieldText(e.doc[f])).length;
    this.lengths.set(e.seq, lens);
    if (e.seq > this.maxSeq) this.maxSeq = e.seq;
    this.ms.add(e);
  }

  /** Indexes many documents at once (used at load and after a schema change). */
  addAll(entries: Iterable<Entry>): void {
    for (const e of entries) this.add(e);
  }

  /** Removes a document (MiniSearch discards lazily and vacuums in the background). */
  remove(seq: number): void {
    if (this.fields.length === 0 || !this.ms.has(seq)) return;
    this.ms.discard(seq);
    this.lengths.delete(seq);
  }

  /**
   * Finds the documents that match every token. Typos are only tried when the exact (and prefix)
   * pass finds fewer than `typoThreshold` documents accepted by `accept`, as Typesense's
   * `typo_tokens_threshold` does.
   */
  search(tokens: string[], o: MatchOptions, accept: (seq: number) => boolean, typoThreshold: number): Map<number, TextMatch> {
    const exact = this.run(tokens, o, accept, false);
    if (exact.size >= typoThreshold || o.numTypos === 0) return exact;
    return this.run(tokens, o, accept, true);
  }

  private run(tokens: string[], o: MatchOptions, accept: (seq: number) => boolean, typos: boolean): Map<number, TextMatch> {
    const out = new Map<number, TextMatch>();
    if (this.fields.length === 0 || tokens.length === 0) return out;
    const last = tokens.length - 1;
    // MiniSearch skips a posting whose document boost is 0: filtering there keeps documents that fail
    // the filter from ever becoming result objects. One verdict per document: 0 unknown, 1 yes, 2 no.
    const verdict = new Uint8Array(this.maxSeq + 1);
    const boostDocument = (id: unknown): number => {
      const seq = id as number;
      let v = verdict[seq];
      if (!v) {
        v = accept(seq) ? 1 : 2;
        verdict[seq] = v;
      }
      return v === 1 ? 1 : 0;
    };
    const results = this.ms.search(tokens.join(' '), {
      boostDocument,
      fields: o.fields,
      combineWith: 'AND',
      tokenize: (q) => q.split(' '),
      processTerm: (t) => t,
      prefix: (_t, i) => o.prefix && i === last,
      fuzzy: (t) => (typos ? typoBudget(t, o) : 0),
      maxFuzzy: 2,
    });
    // Classify each indexed term once per query: which query tokens it answers, with how many typos.
    const cache = new Map<string, Array<{ i: number; typos: number; prefix: boolean }>>();
    const classify = (term: string): Array<{ i: number; typos: number; prefix: boolean }> => {
      let c = cache.get(term);
      if (c) return c;
      c = [];
      tokens.forEach((q, i) => {
        if (term === q) c!.push({ i, typos: 0, prefix: false });
        else if (o.prefix && i === last && term.startsWith(q)) c!.push({ i, typos: 0, prefix: true });
        else if (typos) {
          const budget = typoBudget(q, o);
          const d = budget > 0 ? editDistance(q, term, budget) : 1;
          if (d <= budget) c!.push({ i, typos: d, prefix: false });
        }
      });
      cache.set(term, c);
      return c;
    };
    const fieldRank = new Map(o.fields.map((f, i) => [f, i]));
    for (const r of results) {
      const seq = r.id as number;
      const best: Array<TokenMatch | undefined> = new Array(tokens.length);
      for (const [term, fields] of Object.entries(r.match)) {
        for (const m of classify(term)) {
          const cur = best[m.i];
          if (!cur || m.typos < cur.typos || (m.typos === cur.typos && cur.prefix && !m.prefix)) {
            best[m.i] = { term, query: tokens[m.i] ?? '', typos: m.typos, prefix: m.prefix, fields: [...fields] };
          } else if (cur.term !== term && m.typos === cur.typos && m.prefix === cur.prefix) {
            for (const f of fields) if (!cur.fields.includes(f)) cur.fields.push(f);
          }
        }
      }
      out.set(seq, this.rank(seq, best, fieldRank));
    }
    return out;
  }

  private rank(seq: number, best: Array<TokenMatch | undefined>, fieldRank: Map<string, number>): TextMatch {
    let matched = 0;
    let typos = 0;
    let firstField = 255;
    const perField = new Map<string, number>();
    for (const m of best) {
      if (!m) continue;
      matched++;
      typos += m.typos;
      for (const f of m.fields) {
        firstField = Math.min(firstField, fieldRank.get(f) ?? 255);
        if (m.typos === 0 && !m.prefix) perField.set(f, (perField.get(f) ?? 0) + 1);
      }
    }
    // Typesense ranks a field that consists of exactly the query tokens above a longer one.
    let exactField = 0;
    const lens = this.lengths.get(seq);
    for (const [f, n] of perField) if (n === best.length && lens?.[f] === n) exactField = 1;
    const score = ((matched * 64 + (63 - Math.min(typos, 63))) * 2 + exactField) * 256 + (255 - firstField);
    return { tokens: best, score, tokensMatched: matched };
  }

  /** Rebuilds the index for a new set of text fields (after a schema change). */
  static rebuild(fields: string[], entries: Iterable<Entry>): TextIndex {
    const idx = new TextIndex(fields);
    idx.addAll(entries);
    return idx;
  }
}
