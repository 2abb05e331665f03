/**
 * Ranking of text matches: the Typesense-like `text_match` rank (more tokens matched, then fewer
 * typos, then a field that is exactly the query, then the earlier `query_by` field) and the per-token
 * match details that highlights are built from.
 *
 * Two ways to the same number: `Aggregates` folds each token's best match class into per-seq typed
 * arrays while the postings are walked (used to sort every match by `_text_match`), and
 * `matchFromDocument` / `matchFromPostings` rebuild one document's full match the way
 * `MiniSearch.search` reported it (used for the hits of a page). The two must agree.
 */
import type { Document } from '../backend.ts';
import type { MatchOptions, TermHit } from './expand.ts';
import { fieldText, type Postings } from './postings.ts';
import { tokenize } from './text.ts';

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

/**
 * The rank as one number: tokens matched, then fewer typos, then whether a field is exactly the query
 * (0/1), then the earlier `query_by` field (its position, 255 for none).
 */
export function rankScore(matched: number, typos: number, exactField: number, firstField: number): number {
  return ((matched * 64 + (63 - Math.min(typos, 63))) * 2 + exactField) * 256 + (255 - firstField);
}

/**
 * Per-seq ranking data of one search pass (see `match.ts`), folded token by token so memory does not
 * grow with the token count: the current token's best class and fields, and over the tokens so far.
 */
export class Aggregates {
  /** This token: best class + 1 (0: none yet), and the fields (bits of the queried fields) of that class. */
  readonly cat: Uint8Array;
  readonly mask: Uint32Array;
  /** Over the tokens so far: how many matched with a class, their typos, the best field rank. */
  readonly matched: Uint16Array;
  readonly typos: Uint16Array;
  readonly firstField: Uint8Array;
  /** The fields every token so far matched exactly in (-1: all), and whether every token was exact. */
  readonly exactMask: Int32Array;
  readonly allExact: Uint8Array;
  /** The documents the current token newly reached (folded by `foldToken`). */
  touched: number[] = [];

  constructor(size: number) {
    this.cat = new Uint8Array(size);
    this.mask = new Uint32Array(size);
    this.matched = new Uint16Array(size);
    this.typos = new Uint16Array(size);
    this.firstField = new Uint8Array(size).fill(255);
    this.exactMask = new Int32Array(size).fill(-1);
    this.allExact = new Uint8Array(size).fill(1);
  }

  /**
   * Folds the current token's best class and fields into the aggregates of the documents it reached,
   * and resets them for the next token. `qRank`: per queried field (bit), its `query_by` position.
   */
  foldToken(qRank: number[]): void {
    for (const seq of this.touched) {
      const c1 = this.cat[seq]!;
      if (c1 === 0) {
        this.allExact[seq] = 0;
        continue;
      }
      const c = c1 - 1;
      const m = this.mask[seq]!;
      this.matched[seq]!++;
      this.typos[seq]! += c >> 1;
      let first = this.firstField[seq]!;
      for (let k = 0; k < qRank.length; k++) if (m & (1 << k) && qRank[k]! < first) first = qRank[k]!;
      this.firstField[seq] = first;
      if (c === 0) this.exactMask[seq]! &= m;
      else this.allExact[seq] = 0;
      this.cat[seq] = 0;
      this.mask[seq] = 0;
    }
    this.touched = [];
  }

  /** `TextMatch.score` of a document that matched all `nTok` tokens. `qIdx`: per queried field, its index in the postings. */
  score(seq: number, nTok: number, qIdx: number[], postings: Postings): number {
    const matched = this.matched[seq]!;
    const exactMask = this.exactMask[seq]!;
    let exactField = 0;
    if (this.allExact[seq] === 1 && matched === nTok && nTok > 0 && exactMask !== 0) {
      for (let k = 0; k < qIdx.length; k++) {
        if (exactMask & (1 << k) && postings.tokenCount(qIdx[k]!, seq) === nTok) exactField = 1;
      }
    }
    return rankScore(matched, this.typos[seq]!, exactField, this.firstField[seq]!);
  }
}

/** What rebuilding one document's match needs: the pass's query, its expansions and the queried fields. */
export interface MatchContext {
  postings: Postings;
  tokens: string[];
  options: MatchOptions;
  /** Per token, its expansion (every token's is filled once the pass found a match). */
  lists: TermHit[][];
  /** The queried fields, deduplicated, in `query_by` order, only text fields. */
  qFields: string[];
}

/** The full match of a document, rebuilt from its own text (its tokens per field). */
export function matchFromDocument(ctx: MatchContext, seq: number, doc: Document): TextMatch {
  const docTerms = ctx.qFields.map((f) => new Set(tokenize(fieldText(doc[f]))));
  const union = new Set<string>();
  for (const set of docTerms) for (const t of set) union.add(t);
  // Only the expansions this document contains, kept in expansion order.
  const hitsFor = (i: number): TermHit[] => {
    const pos = positions(ctx.lists, i);
    const found: number[] = [];
    for (const t of union) {
      const j = pos.get(t);
      if (j !== undefined) found.push(j);
    }
    found.sort((a, b) => a - b);
    return found.map((j) => ctx.lists[i]![j]!);
  };
  return buildMatch(ctx, seq, hitsFor, (term, k) => docTerms[k]!.has(term));
}

/** The full match of a document, from the postings (when the document itself is not at hand). */
export function matchFromPostings(ctx: MatchContext, seq: number): TextMatch {
  const { postings, qFields } = ctx;
  return buildMatch(ctx, seq, (i) => ctx.lists[i]!, (term, k) => postings.contains(term, postings.fields.indexOf(qFields[k]!), seq));
}

/**
 * MiniSearch's `match` object for one document (indexed term -> queried fields it occurs in; one
 * object per token, merged with Object.assign in token order, as its AND combinator does), then
 * the per-token best match and rank.
 */
function buildMatch(ctx: MatchContext, seq: number, hitsFor: (i: number) => TermHit[], has: (term: string, k: number) => boolean): TextMatch {
  const { postings, tokens, qFields } = ctx;
  let match: Record<string, string[]> = {};
  const perToken: TermHit[][] = tokens.map((_q, i) => {
    const mi: Record<string, string[]> = {};
    const hits = hitsFor(i);
    for (const h of hits) {
      const fields: string[] = [];
      for (let k = 0; k < qFields.length; k++) if (h.data[postings.fields.indexOf(qFields[k]!)] && has(h.term, k)) fields.push(qFields[k]!);
      if (fields.length > 0) mi[h.term] = fields;
    }
    match = i === 0 ? mi : Object.assign(match, mi);
    return hits;
  });
  // Per token, its best term: the fewest typos, then not a prefix; ties merge their fields. Terms are
  // taken in the order of `match`'s entries, as comparing every term with every token did, but
  // only the terms the token's expansion reached (they carry their class), so the work is linear
  // in the tokens, not quadratic.
  const order = new Map(Object.keys(match).map((term, j) => [term, j]));
  const fieldRank = new Map(ctx.options.fields.map((f, i) => [f, i]));
  const best: Array<TokenMatch | undefined> = new Array(tokens.length);
  perToken.forEach((hits, i) => {
    const candidates = hits.filter((h) => h.cat >= 0 && order.has(h.term)).sort((a, b) => order.get(a.term)! - order.get(b.term)!);
    for (const h of candidates) {
      const fields = match[h.term]!;
      const m = { typos: h.cat >> 1, prefix: (h.cat & 1) === 1 };
      const cur = best[i];
      if (!cur || m.typos < cur.typos || (m.typos === cur.typos && cur.prefix && !m.prefix)) {
        best[i] = { term: h.term, query: tokens[i] ?? '', typos: m.typos, prefix: m.prefix, fields: [...fields] };
      } else if (cur.term !== h.term && m.typos === cur.typos && m.prefix === cur.prefix) {
        for (const f of fields) if (!cur.fields.includes(f)) cur.fields.push(f);
      }
    }
  });
  return rank(postings, seq, best, fieldRank);
}

function rank(postings: Postings, seq: number, best: Array<TokenMatch | undefined>, fieldRank: Map<string, number>): TextMatch {
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
  for (const [f, n] of perField) {
    const fi = postings.fields.indexOf(f);
    if (n === best.length && fi >= 0 && postings.tokenCount(fi, seq) === n) exactField = 1;
  }
  return { tokens: best, score: rankScore(matched, typos, exactField, firstField), tokensMatched: matched };
}

const positionCache = new WeakMap<TermHit[], Map<string, number>>();

/** Term -> its index in token i's expansion list (built once per list). */
function positions(lists: TermHit[][], i: number): Map<string, number> {
  const list = lists[i]!;
  let m = positionCache.get(list);
  if (!m) {
    m = new Map();
    for (let j = 0; j < list.length; j++) if (!m.has(list[j]!.term)) m.set(list[j]!.term, j);
    positionCache.set(list, m);
  }
  return m;
}
