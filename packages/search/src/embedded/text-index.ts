/**
 * The full-text part of the embedded engine: prefix and typo-tolerant token matching over the text
 * fields of one collection, with per-term match information that we turn into a Typesense-like
 * `text_match` rank and into highlights. Filters, sorting and facets are evaluated by us (see
 * README.md for why).
 *
 * The term dictionary is MiniSearch's radix tree (`minisearch/SearchableMap`: exact, prefix and
 * Levenshtein lookups, the same ones `MiniSearch.search` uses). Postings are ours: per term and field,
 * an Int32Array of (seq, generation) pairs. A search walks them once, marking documents in typed arrays
 * indexed by seq; it builds no per-document objects and computes no BM25 score (we rank ourselves).
 * The full match information of a document (which indexed term matched which query token in which
 * field) is rebuilt only for the hits of the requested page, exactly as `MiniSearch.search` reported it.
 */
import SearchableMap from 'minisearch/SearchableMap';
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

/** Postings of one term in one field: `n` ints of (seq, generation) pairs. */
interface Postings {
  data: Int32Array;
  n: number;
}

/** Per field (index into `TextIndex.fields`), the term's postings. */
type TermData = Array<Postings | undefined>;

/** One indexed term a query token reaches, in the order MiniSearch visits them. */
interface TermHit {
  term: string;
  data: TermData;
  /** Rank class for this token: typos * 2 + (prefix ? 1 : 0); -1 when the term does not classify. */
  cat: number;
}

/** The outcome of a text search: the matching seqs and, on demand, their ranks and match details. */
export interface TextResult {
  /** Matching (and filter-accepted) seqs, ascending. */
  readonly seqs: Int32Array;
  /** Ranks (`TextMatch.score`) aligned with `seqs`, when scores were asked for. */
  readonly scores: Float64Array | undefined;
  /**
   * The first query token that matched no document (after the ones before it), or the token count
   * when every token matched something. A shorter query that still holds this token before its last
   * one can match nothing either (see `search.ts`, drop_tokens_threshold).
   */
  readonly failedAt: number;
  /** The full match of one matching document (for the hits of a page). */
  textMatch(seq: number, doc: Document): TextMatch;
}

const EMPTY = new Int32Array(0);

/** Queries of at most this many tokens keep their expansions across requests (see `run`). */
const MAX_CACHED_TOKENS = 16;

/** A term/field/document index over the text fields of one collection. */
export class TextIndex {
  private readonly terms = new SearchableMap<TermData>();
  /** Per seq: how many times it was added (the generation stamped in its postings). */
  private gen = new Int32Array(1024);
  /** Per seq: its live generation, 0 when absent. A posting is live when it carries this value. */
  private live = new Int32Array(1024);
  /** Per seq: how many postings its live generation wrote (to count stale ones on removal). */
  private postingCount = new Int32Array(1024);
  /** Per text field, per seq: its token count, for the "whole field matches" bonus. */
  private lengths: Int32Array[];
  private maxSeq = -1;
  private totalPostings = 0;
  private stalePostings = 0;
  /**
   * Expansions of recent queries (LRU). A new dictionary term drops only the entries it could change:
   * those with a token it equals or (for the prefix token) extends, and all typo expansions. (A new
   * term can also reorder the radix tree around it, but only within the subtree of a prefix it
   * extends.) Removing terms drops everything.
   */
  private readonly expansions = new Map<string, { tokens: string[]; prefix: boolean; typos: boolean; lists: TermHit[][] }>();
  private adding = '';
  private readonly newTerm = (): TermData => {
    const t = this.adding;
    for (const [key, x] of this.expansions) {
      const last = x.tokens.length - 1;
      if (x.typos || x.tokens.some((q, i) => t === q || (x.prefix && i === last && t.startsWith(q)))) this.expansions.delete(key);
    }
    return [];
  };

  constructor(readonly fields: string[]) {
    this.lengths = fields.map(() => new Int32Array(1024));
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
    this.live = grow(this.live);
    this.postingCount = grow(this.postingCount);
    this.lengths = this.lengths.map(grow);
  }

  /** Indexes a document (replacing what was indexed under its seq). */
  add(e: Entry): void {
    if (this.fields.length === 0) return;
    const seq = e.seq;
    this.ensure(seq);
    if (this.live[seq] !== 0) this.remove(seq);
    const g = ++this.gen[seq]!;
    this.live[seq] = g;
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
    return this.fields.length === 0 || (seq >= 0 && seq < this.live.length && this.live[seq] !== 0);
  }

  /** Indexes many documents at once (used at load and after a schema change). */
  addAll(entries: Iterable<Entry>): void {
    for (const e of entries) this.add(e);
  }

  /** Removes a document. Its postings go stale and are compacted away in bulk later. */
  remove(seq: number): void {
    if (this.fields.length === 0 || seq >= this.live.length || this.live[seq] === 0) return;
    this.live[seq] = 0;
    this.stalePostings += this.postingCount[seq]!;
    this.postingCount[seq] = 0;
    if (this.stalePostings > 50_000 && this.stalePostings * 4 > this.totalPostings) this.compact();
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
          if (this.live[seq] !== g) continue;
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
    this.expansions.clear();
    this.totalPostings -= this.stalePostings;
    this.stalePostings = 0;
  }

  /**
   * Finds the documents that match every token. Typos are only tried when the exact (and prefix)
   * pass finds fewer than `typoThreshold` documents accepted by `accept`, as Typesense's
   * `typo_tokens_threshold` does. With `wantScores`, ranks every match (for `_text_match` sorting).
   * Synchronous; {@link TextIndex.searchSteps} is the same search in steps.
   */
  search(tokens: string[], o: MatchOptions, accept: ((seq: number) => boolean) | undefined, typoThreshold: number, wantScores: boolean): TextResult {
    const steps = this.searchSteps(tokens, o, accept, typoThreshold, wantScores, new Map());
    for (;;) {
      const r = steps.next();
      if (r.done) return r.value;
    }
  }

  /**
   * {@link TextIndex.search} as a generator that yields after each query token, so a caller can give
   * the event loop back between steps (see `embedded-backend.ts`). `memo` keeps each token's
   * expansion for the whole request, so retries with fewer tokens (drop_tokens_threshold) never
   * expand a token twice: the work stays linear in the query tokens.
   */
  *searchSteps(
    tokens: string[],
    o: MatchOptions,
    accept: ((seq: number) => boolean) | undefined,
    typoThreshold: number,
    wantScores: boolean,
    memo: Map<string, TermHit[]>,
  ): Generator<void, TextResult> {
    const exact = yield* this.run(tokens, o, accept, false, wantScores, memo);
    if (exact.seqs.length >= typoThreshold || o.numTypos === 0) return exact;
    return yield* this.run(tokens, o, accept, true, wantScores, memo);
  }

  /** The terms one query token reaches, in MiniSearch's order (exact, prefix, fuzzy). */
  private expandToken(q: string, isLast: boolean, o: MatchOptions, typos: boolean): TermHit[] {
    const prefix = o.prefix && isLast;
    const classify = (term: string): number => {
      if (term === q) return 0;
      if (prefix && term.startsWith(q)) return 1;
      if (typos) {
        const budget = typoBudget(q, o);
        const d = budget > 0 ? editDistance(q, term, budget) : 1;
        if (d <= budget) return d * 2;
      }
      return -1;
    };
    const hits: TermHit[] = [];
    const exactData = this.terms.get(q);
    if (exactData) hits.push({ term: q, data: exactData, cat: 0 });
    let prefixed: Set<string> | undefined;
    if (prefix) {
      prefixed = new Set();
      for (const [term, data] of this.terms.atPrefix(q)) {
        if (term.length === q.length) continue;
        prefixed.add(term);
        hits.push({ term, data, cat: classify(term) });
      }
    }
    const budget = typos ? typoBudget(q, o) : 0;
    if (budget > 0) {
      for (const [term, [data, distance]] of this.terms.fuzzyGet(q, budget)) {
        if (!distance || prefixed?.has(term)) continue;
        hits.push({ term, data, cat: classify(term) });
      }
    }
    return hits;
  }

  private *run(
    tokens: string[],
    o: MatchOptions,
    accept: ((seq: number) => boolean) | undefined,
    typos: boolean,
    wantScores: boolean,
    memo: Map<string, TermHit[]>,
  ): Generator<void, TextResult> {
    const nTok = tokens.length;
    if (this.fields.length === 0 || nTok === 0 || nTok > 60_000) return emptyResult;
    // The queried fields, deduplicated in query_by order (as MiniSearch's per-field boosts are), and
    // each one's rank as the original `new Map(fields.map((f, i) => [f, i]))` gives it.
    const qFields = [...new Set(o.fields)].filter((f) => this.fields.includes(f));
    const rankMap = new Map(o.fields.map((f, i) => [f, i]));
    const qIdx = qFields.map((f) => this.fields.indexOf(f));
    const qRank = qFields.map((f) => rankMap.get(f) ?? 255);
    const nF = qFields.length;
    const opts = `${typos ? 1 : 0}${o.prefix ? 1 : 0}${o.numTypos},${o.minLen1Typo},${o.minLen2Typo}`;
    // Short queries are cached across requests (the common repeated search); a long one only within
    // its request (`memo`), so invalidating the cache on each new term stays cheap.
    const cacheable = nTok <= MAX_CACHED_TOKENS;
    const key = `${opts}\u0000${tokens.join('\u0000')}`;
    const cached = cacheable ? this.expansions.get(key) : undefined;
    if (cached) this.expansions.delete(key);
    const lists: TermHit[][] = cached?.lists ?? new Array<TermHit[]>(nTok);
    if (cacheable) {
      this.expansions.set(key, { tokens, prefix: o.prefix, typos, lists });
      if (this.expansions.size > 256) this.expansions.delete(this.expansions.keys().next().value as string);
    }
    const listOf = (i: number): TermHit[] => {
      let list = lists[i];
      if (list) return list;
      const isLast = i === nTok - 1;
      const mkey = `${opts}${isLast ? 1 : 0}\u0000${tokens[i]!}`;
      list = memo.get(mkey);
      if (!list) {
        list = this.expandToken(tokens[i]!, isLast, o, typos);
        memo.set(mkey, list);
      }
      lists[i] = list;
      return list;
    };
    const size = this.maxSeq + 1;
    // Per seq: 0 not seen, 1 rejected by the filter, 2 + i matched tokens 0..i.
    const state = nTok < 250 ? new Uint8Array(size) : new Uint16Array(size);
    // With no removal since the last compaction, every posting is live: skip the generation check.
    const checkLive = this.stalePostings > 0;
    // Ranking data, folded token by token into per-seq aggregates (so memory does not grow with the
    // token count): this token's best class + 1 and its fields (bits of qFields), reset after each
    // token; over all tokens, the matched count, typo sum, best field rank and exact-match fields.
    const useMasks = wantScores && nF <= 31;
    const agg = useMasks ? newAggregates(size) : undefined;
    const live = this.live;
    // Seqs that matched every token, while few; past size / 16 they are found by scanning `state`.
    let done: number[] = [];
    const cap = size >> 4;
    let completed = 0;
    let failedAt = nTok;
    for (let i = 0; i < nTok; i++) {
      const isLast = i === nTok - 1;
      const touched: number[] | undefined = agg ? [] : undefined;
      let reached = 0;
      for (const hit of listOf(i)) {
        const c1 = hit.cat + 1;
        for (let k = 0; k < nF; k++) {
          const p = hit.data[qIdx[k]!];
          if (!p) continue;
          const collect = isLast && completed <= cap ? done : undefined;
          if (agg && touched) {
            reached += walkScored(p.data, p.n, checkLive, live, state, i, accept, collect, touched, agg.cat, agg.mask, c1, 1 << k);
          } else if (i === 0) {
            reached += walkFirst(p.data, p.n, checkLive, live, state, accept, collect);
          } else {
            reached += walkNext(p.data, p.n, checkLive, live, state, i, collect);
          }
          if (isLast) completed = reached;
        }
      }
      if (agg && touched) foldToken(agg, touched, qRank);
      // Nothing can match the remaining tokens when this one matched no document.
      if (reached === 0) {
        failedAt = i;
        break;
      }
      yield;
    }
    let seqs: Int32Array;
    if (completed <= cap) {
      seqs = Int32Array.from(done).sort();
    } else {
      seqs = new Int32Array(completed);
      const fin = 1 + nTok;
      let w = 0;
      for (let s = 0; s < size; s++) if (state[s] === fin) seqs[w++] = s;
    }
    done = [];
    let scores: Float64Array | undefined;
    const result: TextResult = {
      seqs,
      scores: undefined,
      failedAt,
      textMatch: (seq, doc) => this.matchOf(seq, doc, tokens, o, lists, qFields),
    };
    if (wantScores) {
      scores = new Float64Array(seqs.length);
      if (agg) {
        for (let j = 0; j < seqs.length; j++) {
          scores[j] = this.compactScore(seqs[j]!, nTok, agg, qIdx);
        }
      } else {
        const docFree = (seq: number): TextMatch => this.matchOfTerms(seq, tokens, o, lists, qFields);
        for (let j = 0; j < seqs.length; j++) scores[j] = docFree(seqs[j]!).score;
      }
      (result as { scores: Float64Array | undefined }).scores = scores;
    }
    return result;
  }

  /** `rank(...).score` from the per-seq aggregates folded while walking postings. */
  private compactScore(seq: number, nTok: number, agg: Aggregates, qIdx: number[]): number {
    const matched = agg.matched[seq]!;
    const typos = agg.typos[seq]!;
    const firstField = agg.firstField[seq]!;
    const exactMask = agg.exactMask[seq]!;
    let exactField = 0;
    if (agg.allExact[seq] === 1 && matched === nTok && nTok > 0 && exactMask !== 0) {
      for (let k = 0; k < qIdx.length; k++) {
        if (exactMask & (1 << k) && this.lengths[qIdx[k]!]![seq] === nTok) exactField = 1;
      }
    }
    return ((matched * 64 + (63 - Math.min(typos, 63))) * 2 + exactField) * 256 + (255 - firstField);
  }

  /** The full match of a document, rebuilt from its own text (its tokens per field). */
  private matchOf(seq: number, doc: Document, tokens: string[], o: MatchOptions, lists: TermHit[][], qFields: string[]): TextMatch {
    const docTerms = qFields.map((f) => new Set(tokenize(fieldText(doc[f]))));
    const union = new Set<string>();
    for (const set of docTerms) for (const t of set) union.add(t);
    // Only the expansions this document contains, kept in expansion order.
    const hitsFor = (i: number): TermHit[] => {
      const pos = positions(lists, i);
      const found: number[] = [];
      for (const t of union) {
        const j = pos.get(t);
        if (j !== undefined) found.push(j);
      }
      found.sort((a, b) => a - b);
      return found.map((j) => lists[i]![j]!);
    };
    return this.buildMatch(seq, tokens, o, hitsFor, qFields, (term, k) => docTerms[k]!.has(term));
  }

  /** The full match of a document, from the postings (when the document itself is not at hand). */
  private matchOfTerms(seq: number, tokens: string[], o: MatchOptions, lists: TermHit[][], qFields: string[]): TextMatch {
    const g = this.live[seq];
    return this.buildMatch(seq, tokens, o, (i) => lists[i]!, qFields, (term, k) => {
      const p = this.terms.get(term)?.[this.fields.indexOf(qFields[k]!)];
      if (!p) return false;
      for (let r = 0; r < p.n; r += 2) if (p.data[r] === seq && p.data[r + 1] === g) return true;
      return false;
    });
  }

  /**
   * MiniSearch's `match` object for one document (indexed term -> queried fields it occurs in; one
   * object per token, merged with Object.assign in token order, as its AND combinator does), then
   * the per-token best match and rank.
   */
  private buildMatch(
    seq: number,
    tokens: string[],
    o: MatchOptions,
    hitsFor: (i: number) => TermHit[],
    qFields: string[],
    has: (term: string, k: number) => boolean,
  ): TextMatch {
    let match: Record<string, string[]> = {};
    const perToken: TermHit[][] = tokens.map((_q, i) => {
      const mi: Record<string, string[]> = {};
      const hits = hitsFor(i);
      for (const h of hits) {
        const fields: string[] = [];
        for (let k = 0; k < qFields.length; k++) if (h.data[this.fields.indexOf(qFields[k]!)] && has(h.term, k)) fields.push(qFields[k]!);
        if (fields.length > 0) mi[h.term] = fields;
      }
      match = i === 0 ? mi : Object.assign(match, mi);
      return hits;
    });
    // Per token, its best term: the fewest typos, then not a prefix; ties merge their fields. Terms are
    // taken in the order of \`match\`'s entries, as comparing every term with every token did, but
    // only the terms the token's expansion reached (they carry their class), so the work is linear
    // in the tokens, not quadratic.
    const order = new Map(Object.keys(match).map((term, j) => [term, j]));
    const fieldRank = new Map(o.fields.map((f, i) => [f, i]));
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
    return this.rank(seq, best, fieldRank);
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
    for (const [f, n] of perField) {
      const fi = this.fields.indexOf(f);
      if (n === best.length && fi >= 0 && this.lengths[fi]![seq] === n) exactField = 1;
    }
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

/**
 * Walks the postings of the first token: marks live, accepted documents as matching it (state 2),
 * rejected ones as 1. Returns how many documents it newly marked.
 */
function walkFirst(d: Int32Array, n: number, checkLive: boolean, live: Int32Array, state: Uint8Array | Uint16Array, accept: ((seq: number) => boolean) | undefined, done: number[] | undefined): number {
  let reached = 0;
  for (let r = 0; r < n; r += 2) {
    const seq = d[r]!;
    if (state[seq] !== 0 || (checkLive && live[seq] !== d[r + 1])) continue;
    if (accept && !accept(seq)) {
      state[seq] = 1;
      continue;
    }
    state[seq] = 2;
    reached++;
    done?.push(seq);
  }
  return reached;
}

/** Walks the postings of token i > 0: documents that matched tokens 0..i-1 now match token i too. */
function walkNext(d: Int32Array, n: number, checkLive: boolean, live: Int32Array, state: Uint8Array | Uint16Array, i: number, done: number[] | undefined): number {
  const prev = 1 + i;
  const mine = 2 + i;
  let reached = 0;
  for (let r = 0; r < n; r += 2) {
    const seq = d[r]!;
    if (state[seq] !== prev || (checkLive && live[seq] !== d[r + 1])) continue;
    state[seq] = mine;
    reached++;
    done?.push(seq);
  }
  return reached;
}

/**
 * `walkFirst`/`walkNext` that also keeps each document's best match class and its fields for token i,
 * and lists the documents it newly marked in `touched` (for {@link foldToken}).
 */
function walkScored(
  d: Int32Array,
  n: number,
  checkLive: boolean,
  live: Int32Array,
  state: Uint8Array | Uint16Array,
  i: number,
  accept: ((seq: number) => boolean) | undefined,
  done: number[] | undefined,
  touched: number[],
  cat: Uint8Array,
  mask: Uint32Array,
  c1: number,
  bit: number,
): number {
  const prev = 1 + i;
  const mine = 2 + i;
  let reached = 0;
  for (let r = 0; r < n; r += 2) {
    const seq = d[r]!;
    if (checkLive && live[seq] !== d[r + 1]) continue;
    const s = state[seq]!;
    if (s !== mine) {
      if (i === 0) {
        if (s === 1) continue;
        if (accept && !accept(seq)) {
          state[seq] = 1;
          continue;
        }
      } else if (s !== prev) continue;
      state[seq] = mine;
      reached++;
      done?.push(seq);
      touched.push(seq);
    }
    if (c1 > 0) {
      const cur = cat[seq]!;
      if (cur === 0 || c1 < cur) {
        cat[seq] = c1;
        mask[seq] = bit;
      } else if (c1 === cur) mask[seq]! |= bit;
    }
  }
  return reached;
}

/** Per-seq ranking data of one search (see `run`): this token's, and folded over the tokens so far. */
interface Aggregates {
  /** This token: best class + 1 (0: none yet), and the fields (bits of qFields) of that class. */
  cat: Uint8Array;
  mask: Uint32Array;
  /** Over the tokens so far: how many matched with a class, their typos, the best field rank. */
  matched: Uint16Array;
  typos: Uint16Array;
  firstField: Uint8Array;
  /** The fields every token so far matched exactly in (-1: all), and whether every token was exact. */
  exactMask: Int32Array;
  allExact: Uint8Array;
}

function newAggregates(size: number): Aggregates {
  return {
    cat: new Uint8Array(size),
    mask: new Uint32Array(size),
    matched: new Uint16Array(size),
    typos: new Uint16Array(size),
    firstField: new Uint8Array(size).fill(255),
    exactMask: new Int32Array(size).fill(-1),
    allExact: new Uint8Array(size).fill(1),
  };
}

/** Folds one token's best class and fields into the aggregates of the documents it reached, and resets them. */
function foldToken(a: Aggregates, touched: number[], qRank: number[]): void {
  for (const seq of touched) {
    const c1 = a.cat[seq]!;
    if (c1 === 0) {
      a.allExact[seq] = 0;
      continue;
    }
    const c = c1 - 1;
    const m = a.mask[seq]!;
    a.matched[seq]!++;
    a.typos[seq]! += c >> 1;
    let first = a.firstField[seq]!;
    for (let k = 0; k < qRank.length; k++) if (m & (1 << k) && qRank[k]! < first) first = qRank[k]!;
    a.firstField[seq] = first;
    if (c === 0) a.exactMask[seq]! &= m;
    else a.allExact[seq] = 0;
    a.cat[seq] = 0;
    a.mask[seq] = 0;
  }
}

const emptyResult: TextResult = {
  seqs: EMPTY,
  scores: new Float64Array(0),
  failedAt: 0,
  textMatch: () => ({ tokens: [], score: 0, tokensMatched: 0 }),
};
