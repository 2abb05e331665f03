/**
 * Matching: one pass of a text query over the postings (`postings.ts`), token by token. Every token's
 * expansion (`expand.ts`) is walked once, marking documents in a typed array indexed by seq; a document
 * matches when it reached every token (AND across tokens, as `MiniSearch.search` combines them). No
 * per-document object is built and no BM25 score is computed: ranks come from `rank.ts`, for every
 * match only when `_text_match` sorts, else only for the hits of the page.
 */
import type { Document } from '../backend.ts';
import type { ExpansionCache, ExpansionMemo, MatchOptions } from './expand.ts';
import type { PostingList, Postings } from './postings.ts';
import { Aggregates, matchFromDocument, matchFromPostings, type MatchContext, type TextMatch } from './rank.ts';

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

/** One pass of a query: without typos first, then with them when too few matched (see `text-index.ts`). */
export interface MatchPass {
  tokens: string[];
  options: MatchOptions;
  /** The filter: only documents it accepts match (undefined: all). */
  accept: ((seq: number) => boolean) | undefined;
  typos: boolean;
  /** Whether to rank every match (`_text_match` is a sort term). */
  wantScores: boolean;
  memo: ExpansionMemo;
}

/**
 * What every posting walk of one pass shares, and the token being walked. Per seq, `state` is
 * 0 (not seen), 1 (rejected by the filter) or 2 + i (matched tokens 0..i).
 */
interface Walk {
  readonly live: Int32Array;
  /** False right after a compaction: every posting is live, so the generation check is skipped. */
  readonly checkLive: boolean;
  readonly state: Uint8Array | Uint16Array;
  readonly accept: ((seq: number) => boolean) | undefined;
  /** The token walked (its index in the query). */
  token: number;
  /** Where documents that now match every token are listed, while few (undefined: not listed). */
  collect: number[] | undefined;
  /** For a scored walk: the term's rank class + 1 (0: the term does not classify), and the field's bit. */
  c1: number;
  bit: number;
}

const EMPTY = new Int32Array(0);

const emptyResult: TextResult = {
  seqs: EMPTY,
  scores: new Float64Array(0),
  failedAt: 0,
  textMatch: () => ({ tokens: [], score: 0, tokensMatched: 0 }),
};

/** Runs one pass, yielding after each token so a caller can give the event loop back between steps. */
export function* matchPass(postings: Postings, cache: ExpansionCache, pass: MatchPass): Generator<void, TextResult> {
  const { tokens, options: o, wantScores } = pass;
  const fields = postings.fields;
  const nTok = tokens.length;
  if (fields.length === 0 || nTok === 0 || nTok > 60_000) return emptyResult;
  // The queried fields, deduplicated in query_by order (as MiniSearch's per-field boosts are), and
  // each one's rank as the original `new Map(fields.map((f, i) => [f, i]))` gives it.
  const qFields = [...new Set(o.fields)].filter((f) => fields.includes(f));
  const rankMap = new Map(o.fields.map((f, i) => [f, i]));
  const qIdx = qFields.map((f) => fields.indexOf(f));
  const qRank = qFields.map((f) => rankMap.get(f) ?? 255);
  const nF = qFields.length;
  const expansion = cache.forQuery(postings.terms, tokens, o, pass.typos, pass.memo);
  const size = postings.size;
  // Ranking data, folded token by token into per-seq aggregates (see rank.ts); with more than 31
  // fields the field bits don't fit, and every match is ranked from the postings instead.
  const agg = wantScores && nF <= 31 ? new Aggregates(size) : undefined;
  const w: Walk = {
    live: postings.live,
    checkLive: postings.hasStale,
    state: nTok < 250 ? new Uint8Array(size) : new Uint16Array(size),
    accept: pass.accept,
    token: 0,
    collect: undefined,
    c1: 0,
    bit: 0,
  };
  // Seqs that matched every token, while few; past size / 16 they are found by scanning `state`.
  let done: number[] = [];
  const cap = size >> 4;
  let completed = 0;
  let failedAt = nTok;
  for (let i = 0; i < nTok; i++) {
    const isLast = i === nTok - 1;
    w.token = i;
    let reached = 0;
    for (const hit of expansion.of(i)) {
      w.c1 = hit.cat + 1;
      for (let k = 0; k < nF; k++) {
        const p = hit.data[qIdx[k]!];
        if (!p) continue;
        w.collect = isLast && completed <= cap ? done : undefined;
        w.bit = 1 << k;
        if (agg) reached += walkScored(p, w, agg);
        else if (i === 0) reached += walkFirst(p, w);
        else reached += walkNext(p, w);
        if (isLast) completed = reached;
      }
    }
    agg?.foldToken(qRank);
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
    let n = 0;
    for (let s = 0; s < size; s++) if (w.state[s] === fin) seqs[n++] = s;
  }
  done = [];
  const ctx: MatchContext = { postings, tokens, options: o, lists: expansion.lists, qFields };
  let scores: Float64Array | undefined;
  if (wantScores) {
    scores = new Float64Array(seqs.length);
    if (agg) {
      for (let j = 0; j < seqs.length; j++) scores[j] = agg.score(seqs[j]!, nTok, qIdx, postings);
    } else {
      for (let j = 0; j < seqs.length; j++) scores[j] = matchFromPostings(ctx, seqs[j]!).score;
    }
  }
  return { seqs, scores, failedAt, textMatch: (seq, doc) => matchFromDocument(ctx, seq, doc) };
}

/**
 * Walks the postings of the first token: marks live, accepted documents as matching it (state 2),
 * rejected ones as 1. Returns how many documents it newly marked.
 */
function walkFirst(p: PostingList, w: Walk): number {
  const { data: d, n } = p;
  const { checkLive, live, state, accept, collect } = w;
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
    collect?.push(seq);
  }
  return reached;
}

/** Walks the postings of token i > 0: documents that matched tokens 0..i-1 now match token i too. */
function walkNext(p: PostingList, w: Walk): number {
  const { data: d, n } = p;
  const { checkLive, live, state, collect } = w;
  const prev = 1 + w.token;
  const mine = 2 + w.token;
  let reached = 0;
  for (let r = 0; r < n; r += 2) {
    const seq = d[r]!;
    if (state[seq] !== prev || (checkLive && live[seq] !== d[r + 1])) continue;
    state[seq] = mine;
    reached++;
    collect?.push(seq);
  }
  return reached;
}

/**
 * `walkFirst`/`walkNext` that also keeps each document's best match class and its fields for the
 * token, and lists the documents it newly marked in `agg.touched` (for `Aggregates.foldToken`).
 */
function walkScored(p: PostingList, w: Walk, agg: Aggregates): number {
  const { data: d, n } = p;
  const { checkLive, live, state, accept, collect, token: i, c1, bit } = w;
  const { cat, mask, touched } = agg;
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
      collect?.push(seq);
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
