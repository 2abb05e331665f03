/**
 * Query token expansion: the dictionary terms one query token reaches (itself, the terms it is a
 * prefix of when it is the last token, and the terms within its typo budget), in the order
 * `MiniSearch.search` visits them, each with its rank class. Expansions of recent queries are cached
 * across requests; the cache watches the dictionary (`postings.ts`) to stay exact.
 */
import type SearchableMap from 'minisearch/SearchableMap';
import type { DictionaryWatcher, TermData } from './postings.ts';
import { editDistance } from './text.ts';

/** Typo and prefix settings of one search (Typesense parameter names). */
export interface MatchOptions {
  fields: string[];
  prefix: boolean;
  numTypos: number;
  minLen1Typo: number;
  minLen2Typo: number;
}

/** One indexed term a query token reaches, in the order MiniSearch visits them. */
export interface TermHit {
  term: string;
  data: TermData;
  /** Rank class for this token: typos * 2 + (prefix ? 1 : 0); -1 when the term does not classify. */
  cat: number;
}

/** Each token's expansion for one request, so retries with fewer tokens never expand a token twice. */
export type ExpansionMemo = Map<string, TermHit[]>;

/** Queries of at most this many tokens keep their expansions across requests (see `ExpansionCache`). */
export const MAX_CACHED_TOKENS = 16;
/** How many queries the cache keeps. */
const CACHED_QUERIES = 256;

/**
 * How many typos a token may have: Typesense's `min_len_1typo` / `min_len_2typo` (counted in code
 * points), capped by `num_typos`.
 */
export function typoBudget(token: string, o: MatchOptions): number {
  const len = [...token].length;
  if (len >= o.minLen2Typo) return Math.min(2, o.numTypos);
  if (len >= o.minLen1Typo) return Math.min(1, o.numTypos);
  return 0;
}

/**
 * The terms one query token reaches, in MiniSearch's order: the exact term, then (last token with
 * `prefix`) the longer terms it starts, then (with `typos`) the terms within its typo budget.
 */
export function expandToken(terms: SearchableMap<TermData>, q: string, isLast: boolean, o: MatchOptions, typos: boolean): TermHit[] {
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
  const exactData = terms.get(q);
  if (exactData) hits.push({ term: q, data: exactData, cat: 0 });
  let prefixed: Set<string> | undefined;
  if (prefix) {
    prefixed = new Set();
    for (const [term, data] of terms.atPrefix(q)) {
      if (term.length === q.length) continue;
      prefixed.add(term);
      hits.push({ term, data, cat: classify(term) });
    }
  }
  const budget = typos ? typoBudget(q, o) : 0;
  if (budget > 0) {
    for (const [term, [data, distance]] of terms.fuzzyGet(q, budget)) {
      if (!distance || prefixed?.has(term)) continue;
      hits.push({ term, data, cat: classify(term) });
    }
  }
  return hits;
}

interface CachedQuery {
  tokens: string[];
  prefix: boolean;
  typos: boolean;
  lists: TermHit[][];
}

/**
 * Expansions of recent queries (LRU). A new dictionary term drops only the entries it could change:
 * those with a token it equals or (for the prefix token) extends, and all typo expansions. (A new
 * term can also reorder the radix tree around it, but only within the subtree of a prefix it
 * extends.) Removing terms drops everything.
 */
export class ExpansionCache implements DictionaryWatcher {
  private readonly queries = new Map<string, CachedQuery>();

  termAdded(t: string): void {
    for (const [key, x] of this.queries) {
      const last = x.tokens.length - 1;
      if (x.typos || x.tokens.some((q, i) => t === q || (x.prefix && i === last && t.startsWith(q)))) this.queries.delete(key);
    }
  }

  compacted(): void {
    this.queries.clear();
  }

  /**
   * The expansion of every token of a query, computed on demand: `of(i)` fills `lists[i]` (from this
   * cache, the request's `memo`, or the dictionary). Short queries are cached across requests (the
   * common repeated search); a long one only within its request (`memo`), so invalidating the cache
   * on each new term stays cheap.
   */
  forQuery(terms: SearchableMap<TermData>, tokens: string[], o: MatchOptions, typos: boolean, memo: ExpansionMemo): QueryExpansion {
    const nTok = tokens.length;
    const opts = `${typos ? 1 : 0}${o.prefix ? 1 : 0}${o.numTypos},${o.minLen1Typo},${o.minLen2Typo}`;
    const cacheable = nTok <= MAX_CACHED_TOKENS;
    const key = `${opts}\u0000${tokens.join('\u0000')}`;
    const cached = cacheable ? this.queries.get(key) : undefined;
    if (cached) this.queries.delete(key);
    const lists: TermHit[][] = cached?.lists ?? new Array<TermHit[]>(nTok);
    if (cacheable) {
      this.queries.set(key, { tokens, prefix: o.prefix, typos, lists });
      if (this.queries.size > CACHED_QUERIES) this.queries.delete(this.queries.keys().next().value as string);
    }
    const of = (i: number): TermHit[] => {
      let list = lists[i];
      if (list) return list;
      const isLast = i === nTok - 1;
      const mkey = `${opts}${isLast ? 1 : 0}\u0000${tokens[i]!}`;
      list = memo.get(mkey);
      if (!list) {
        list = expandToken(terms, tokens[i]!, isLast, o, typos);
        memo.set(mkey, list);
      }
      lists[i] = list;
      return list;
    };
    return { lists, of };
  }
}

/** The expansions of one query's tokens: `lists[i]` is set once `of(i)` has been asked. */
export interface QueryExpansion {
  readonly lists: TermHit[][];
  of(i: number): TermHit[];
}
