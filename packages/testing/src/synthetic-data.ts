/** Deterministic synthetic documents (Zipf-distributed text) and statistics helpers, shared by the benchmarks and the embedded engine's perf check. */

/** The most frequent words of the vocabulary (the head of the Zipf distribution). */
export const WORDS = [
  'dragon', 'castle', 'river', 'forest', 'winter', 'summer', 'shadow', 'light', 'storm', 'harbor',
  'mountain', 'desert', 'island', 'garden', 'mirror', 'letter', 'journey', 'secret', 'promise', 'voyage',
  'captain', 'princess', 'soldier', 'painter', 'doctor', 'teacher', 'sailor', 'farmer', 'poet', 'thief',
  'ancient', 'silver', 'golden', 'hidden', 'broken', 'quiet', 'burning', 'frozen', 'distant', 'wild',
] as const;
const GENRES = ['drama', 'comedy', 'fantasy', 'mystery', 'romance', 'horror', 'scifi', 'western'] as const;

/**
 * The benchmark collection's schema without its name (set per use). Typed structurally, not as
 * `@fountain/search`'s CollectionSchema: search's tests depend on this package, so this package must
 * not depend on search (it stays assignable to `Omit<CollectionSchema, 'name'>`).
 */
export interface BenchSchema {
  fields: Array<{ name: string; type: 'string' | 'int32' | 'float'; facet?: boolean }>;
  default_sorting_field: string;
}

/** The benchmark collection's fields (name is set per use). */
export const BENCH_SCHEMA: BenchSchema = {
  fields: [
    { name: 'title', type: 'string' },
    { name: 'body', type: 'string' },
    { name: 'genre', type: 'string', facet: true },
    { name: 'year', type: 'int32' },
    { name: 'rating', type: 'float' },
  ],
  default_sorting_field: 'year',
};

/** A small seeded PRNG (mulberry32), so every run indexes the same documents. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SYLLABLES = ['ka', 'lo', 'mi', 'ren', 'sa', 'tor', 'vel', 'dun', 'ar', 'is', 'eth', 'mor', 'quin', 'bra', 'zel', 'ol'];

/**
 * A vocabulary of 20,000 made-up words, used with a Zipf distribution (rank r drawn with weight 1/r),
 * as words are in real text: a few are everywhere, most are rare. The named WORDS come first, so
 * they are the most frequent.
 */
export const VOCABULARY: readonly string[] = (() => {
  const seen = new Set<string>(WORDS);
  const out: string[] = [...WORDS];
  const r = rng(42);
  while (out.length < 20_000) {
    const n = 2 + Math.floor(r() * 3);
    let w = '';
    for (let i = 0; i < n; i++) w += SYLLABLES[Math.floor(r() * SYLLABLES.length)];
    if (!seen.has(w)) {
      seen.add(w);
      out.push(w);
    }
  }
  return out;
})();

/** Cumulative Zipf weights over VOCABULARY, for sampling by binary search. */
const ZIPF_CDF: Float64Array = (() => {
  const cdf = new Float64Array(VOCABULARY.length);
  let sum = 0;
  for (let i = 0; i < cdf.length; i++) cdf[i] = sum += 1 / (i + 1);
  for (let i = 0; i < cdf.length; i++) cdf[i] = (cdf[i] as number) / sum;
  return cdf;
})();

function zipfWord(r: () => number): string {
  const x = r();
  let lo = 0;
  let hi = ZIPF_CDF.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((ZIPF_CDF[mid] as number) < x) lo = mid + 1;
    else hi = mid;
  }
  return VOCABULARY[lo] as string;
}

/**
 * Query words for benchmarks: words of middling frequency (ranks 20..2000), as people search for
 * topics, not for "the".
 */
export function queryWords(count: number, seed = 9): string[] {
  const r = rng(seed);
  return Array.from({ length: count }, () => VOCABULARY[20 + Math.floor(r() * 1980)] as string);
}

/** One synthetic record: the fields of a benchmark document, `id` a decimal string. */
export interface BenchRecord {
  id: string;
  title: string;
  body: string;
  genre: string;
  year: number;
  rating: number;
}

/**
 * `n` records, ids `start..start+n-1`, generated lazily (a backlog of a million rows never sits in
 * memory). With `start` 0 the sequence is exactly the one {@link makeDocs} serializes.
 */
export function* benchRecords(n: number, seed: number, start = 0): Generator<BenchRecord> {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const words = (k: number) => Array.from({ length: k }, () => zipfWord(r)).join(' ');
  for (let i = 0; i < n; i++) {
    yield {
      id: String(start + i),
      title: words(3),
      body: words(20),
      genre: pick(GENRES),
      year: 1950 + Math.floor(r() * 75),
      rating: Math.round(r() * 100) / 10,
    };
  }
}

/** `n` documents as JSONL lines, ids `0..n-1`. */
export function makeDocs(n: number, seed: number): string[] {
  const out: string[] = new Array(n);
  let i = 0;
  for (const rec of benchRecords(n, seed)) out[i++] = JSON.stringify(rec);
  return out;
}

/** The p-th percentile (nearest rank) of a list of numbers. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx] as number;
}
