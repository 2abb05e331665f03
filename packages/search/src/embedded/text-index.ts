/**
 * The full-text index of one collection: prefix and typo-tolerant token matching over its text
 * fields, with per-term match information that becomes a Typesense-like `text_match` rank and
 * highlights. Filters, sorting and facets are evaluated by us (see README.md for why).
 *
 * Its parts, one concept each: `postings.ts` stores which document holds which term in which field;
 * `expand.ts` turns a query token into the dictionary terms it reaches (prefix, typos) and caches
 * that; `match.ts` walks the postings of those terms to find the documents that match every token;
 * `rank.ts` ranks them and rebuilds the match details of a page's hits.
 */
import { ExpansionCache, type ExpansionMemo, type MatchOptions } from './expand.ts';
import { matchPass, type TextResult } from './match.ts';
import { Postings, type Entry } from './postings.ts';

/** One text query: its tokens, settings and filter (see {@link TextIndex.searchSteps}). */
export interface TextQuery {
  tokens: string[];
  options: MatchOptions;
  /** Only documents this accepts match (the compiled `filter_by`); undefined: all. */
  accept: ((seq: number) => boolean) | undefined;
  /** Typesense's `typo_tokens_threshold`: typos are tried when fewer documents than this matched. */
  typoThreshold: number;
  /** Whether to rank every match (`_text_match` is a sort term). */
  wantScores: boolean;
  /**
   * Each token's expansion for the whole request: pass the same one to retries with fewer tokens
   * (drop_tokens_threshold), so no token is expanded twice and the work stays linear in the tokens.
   */
  memo?: ExpansionMemo;
}

/** A term/field/document index over the text fields of one collection. */
export class TextIndex {
  private readonly expansions = new ExpansionCache();
  private readonly postings: Postings;

  constructor(readonly fields: string[]) {
    this.postings = new Postings(fields, this.expansions);
  }

  /** Indexes a document (replacing what was indexed under its seq). */
  add(e: Entry): void {
    this.postings.add(e);
  }

  /** Indexes many documents at once (used at load and after a schema change). */
  addAll(entries: Iterable<Entry>): void {
    this.postings.addAll(entries);
  }

  /** Removes a document. Its postings go stale and are compacted away in bulk later. */
  remove(seq: number): void {
    this.postings.remove(seq);
  }

  /** Whether a seq has live postings (always true for a collection without text fields). */
  isIndexed(seq: number): boolean {
    return this.postings.isIndexed(seq);
  }

  /** {@link TextIndex.searchSteps} run to its end, synchronously. */
  search(query: TextQuery): TextResult {
    const steps = this.searchSteps(query);
    for (;;) {
      const r = steps.next();
      if (r.done) return r.value;
    }
  }

  /**
   * Finds the documents that match every token, as a generator that yields after each query token,
   * so a caller can give the event loop back between steps (see `embedded-backend.ts`). Typos are
   * only tried when the exact (and prefix) pass finds fewer than `typoThreshold` documents accepted by
   * `accept`, as Typesense's `typo_tokens_threshold` does.
   */
  *searchSteps(query: TextQuery): Generator<void, TextResult> {
    const { tokens, options, accept, wantScores } = query;
    const memo = query.memo ?? new Map();
    const exact = yield* matchPass(this.postings, this.expansions, { tokens, options, accept, wantScores, memo, typos: false });
    if (exact.seqs.length >= query.typoThreshold || options.numTypos === 0) return exact;
    return yield* matchPass(this.postings, this.expansions, { tokens, options, accept, wantScores, memo, typos: true });
  }

  /** Rebuilds the index for a new set of text fields (after a schema change). */
  static rebuild(fields: string[], entries: Iterable<Entry>): TextIndex {
    const idx = new TextIndex(fields);
    idx.addAll(entries);
    return idx;
  }
}
