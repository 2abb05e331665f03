/**
 * Micro-check of the embedded engine at 100k documents: import time, reload time, RSS, and search
 * latency percentiles (p50/p99) for realistic cases. Prints one JSON line per case and a summary line;
 * never fails on timings.
 *
 *   npx tsx packages/search/src/embedded/perf-check.ts [numDocs] [--runs N] [--cases a,b]
 *
 * Cases over the benchmark corpus (a copy of bench/src/data.ts: Zipf text over a 20k-word vocabulary):
 * - `bench`: what `bench/src/gateway.ts` `embeddedP99()` measures: a middling-frequency word over
 *   title,body + `year:>2000` + `rating:desc` + facet genre, per_page 10;
 * - `wildcard`: `q=*` + `year:>2000 && genre:=[drama]` + `rating:desc` + facet genre;
 * - `prefix3`, `prefix4`: 3 and 4 letter prefixes (expanding to many terms), same filter/sort/facet
 *   as `bench`;
 * - `common`: words matching 30-50% of documents, same filter/sort/facet as `bench`;
 * and over the older synthetic movie set (`movies-*`), the previous figures.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SearchBackend } from '../backend.ts';
import { createEmbeddedBackend } from './index.ts';

const WORDS = ['love', 'war', 'night', 'city', 'dream', 'river', 'king', 'shadow', 'storm', 'garden', 'secret', 'summer', 'winter', 'road', 'ghost', 'fire', 'silent', 'golden', 'last', 'empire'];
const GENRES = ['drama', 'comedy', 'fantasy', 'horror', 'action', 'romance', 'thriller', 'documentary'];

/** The deterministic document number i of the synthetic movie set (about 3k distinct title words). */
export function syntheticMovie(i: number): Record<string, unknown> {
  const w = (k: number): string => `${WORDS[(i * 7 + k * 13) % WORDS.length]}${(i * 31 + k * 17) % 150}`;
  return {
    id: `m${i}`,
    title: `${w(1)} ${w(2)} ${WORDS[i % WORDS.length]}`,
    genre: GENRES[i % GENRES.length],
    year: 1950 + (i % 75),
    rating: Math.round(((i * 37) % 100) / 10 * 10) / 10,
  };
}

/** Creates the movie collection and imports n synthetic documents in JSONL chunks. */
export async function loadSynthetic(b: SearchBackend, n: number): Promise<void> {
  await b.createCollection({
    name: 'movies',
    fields: [
      { name: 'title', type: 'string' },
      { name: 'genre', type: 'string', facet: true },
      { name: 'year', type: 'int32', facet: true },
      { name: 'rating', type: 'float' },
    ],
    default_sorting_field: 'year',
  });
  const chunk = 10_000;
  for (let s = 0; s < n; s += chunk) {
    const lines: string[] = [];
    for (let i = s; i < Math.min(n, s + chunk); i++) lines.push(JSON.stringify(syntheticMovie(i)));
    await b.importDocuments('movies', lines.join('\n'), { action: 'upsert' });
  }
}

function pct(sorted: number[], p: number): number {
  // Nearest rank, as bench/src/data.ts percentile().
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx] ?? NaN;
}

// ---- Benchmark corpus: the same generator as bench/src/data.ts (kept in sync by hand) ----

const BENCH_WORDS = [
  'dragon', 'castle', 'river', 'forest', 'winter', 'summer', 'shadow', 'light', 'storm', 'harbor',
  'mountain', 'desert', 'island', 'garden', 'mirror', 'letter', 'journey', 'secret', 'promise', 'voyage',
  'captain', 'princess', 'soldier', 'painter', 'doctor', 'teacher', 'sailor', 'farmer', 'poet', 'thief',
  'ancient', 'silver', 'golden', 'hidden', 'broken', 'quiet', 'burning', 'frozen', 'distant', 'wild',
];
const BENCH_GENRES = ['drama', 'comedy', 'fantasy', 'mystery', 'romance', 'horror', 'scifi', 'western'];
const SYLLABLES = ['ka', 'lo', 'mi', 'ren', 'sa', 'tor', 'vel', 'dun', 'ar', 'is', 'eth', 'mor', 'quin', 'bra', 'zel', 'ol'];

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

const VOCABULARY: string[] = (() => {
  const seen = new Set<string>(BENCH_WORDS);
  const out: string[] = [...BENCH_WORDS];
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

function queryWords(count: number, seed = 9): string[] {
  const r = rng(seed);
  return Array.from({ length: count }, () => VOCABULARY[20 + Math.floor(r() * 1980)] as string);
}

function makeBenchDocs(n: number, seed: number): string[] {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const words = (k: number) => Array.from({ length: k }, () => zipfWord(r)).join(' ');
  const out: string[] = new Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = JSON.stringify({
      id: String(i),
      title: words(3),
      body: words(20),
      genre: pick(BENCH_GENRES),
      year: 1950 + Math.floor(r() * 75),
      rating: Math.round(r() * 100) / 10,
    });
  }
  return out;
}

interface CaseResult {
  case: string;
  runs: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
  found_avg: number;
}

const round = (x: number, d = 2): number => Math.round(x * 10 ** d) / 10 ** d;
const rssMb = (): number => round(process.memoryUsage().rss / 2 ** 20, 0);

async function timeCase(name: string, runs: number, queries: Array<Record<string, string | number>>, b: SearchBackend, collection: string): Promise<CaseResult> {
  for (let i = 0; i < Math.min(queries.length, 50); i++) await b.search(collection, queries[i]! as never); // warm-up
  const times: number[] = [];
  let found = 0;
  for (let i = 0; i < runs; i++) {
    const q = queries[i % queries.length]!;
    const s = performance.now();
    const res = await b.search(collection, q as never);
    times.push(performance.now() - s);
    found += res.found;
  }
  times.sort((a, c) => a - c);
  const r: CaseResult = { case: name, runs, p50_ms: round(pct(times, 50)), p99_ms: round(pct(times, 99)), max_ms: round(times.at(-1) ?? NaN), found_avg: Math.round(found / runs) };
  console.log(JSON.stringify(r));
  return r;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const opt = (name: string): string | undefined => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const positional = args.filter((a, i) => !a.startsWith('--') && !(i > 0 && args[i - 1]!.startsWith('--')));
  const n = Number(positional[0] ?? 100_000);
  const runs = Number(opt('--runs') ?? 1000);
  const only = opt('--cases')?.split(',');
  const want = (c: string): boolean => !only || only.some((o) => c.startsWith(o));
  const dir = mkdtempSync(join(tmpdir(), 'embedded-perf-'));
  const summary: Record<string, unknown> = { docs: n, rss_start_mb: rssMb() };
  try {
    // Benchmark corpus, loaded as bench/src/gateway.ts does (10k-line imports).
    const docs = makeBenchDocs(n, 7);
    let t = performance.now();
    let b = await createEmbeddedBackend({ dataDir: dir });
    await b.createCollection({
      name: 'bench',
      fields: [
        { name: 'title', type: 'string' },
        { name: 'body', type: 'string' },
        { name: 'genre', type: 'string', facet: true },
        { name: 'year', type: 'int32' },
        { name: 'rating', type: 'float' },
      ],
      default_sorting_field: 'year',
    });
    for (let i = 0; i < docs.length; i += 10_000) {
      await b.importDocuments('bench', docs.slice(i, i + 10_000).join('\n'), { action: 'upsert' });
    }
    summary.bench_import_s = round((performance.now() - t) / 1000, 2);
    await b.close();
    t = performance.now();
    b = await createEmbeddedBackend({ dataDir: dir });
    summary.bench_reload_s = round((performance.now() - t) / 1000, 2);
    (globalThis as { gc?: () => void }).gc?.();
    summary.rss_loaded_mb = rssMb();

    const common = { query_by: 'title,body', filter_by: 'year:>2000', sort_by: 'rating:desc', facet_by: 'genre', per_page: 10 };
    const words = queryWords(Math.max(runs, 3000));
    const cases: Array<[string, Array<Record<string, string | number>>]> = [
      ['bench', words.map((q) => ({ q, ...common }))],
      ['wildcard', [{ q: '*', query_by: 'title,body', filter_by: 'year:>2000 && genre:=[drama]', sort_by: 'rating:desc', facet_by: 'genre', per_page: 10 }]],
      ['prefix3', words.map((w) => ({ q: w.slice(0, 3), ...common }))],
      ['prefix4', words.map((w) => ({ q: w.slice(0, 4), ...common }))],
      // Zipf ranks 3..6: each in roughly 30-50% of documents.
      ['common', ['river', 'forest', 'winter', 'summer'].map((q) => ({ q, ...common }))],
    ];
    const results: CaseResult[] = [];
    for (const [name, qs] of cases) if (want(name)) results.push(await timeCase(name, name === 'bench' ? Math.max(runs, 3000) : runs, qs, b, 'bench'));
    await b.close();

    if (want('movies')) {
      // The older synthetic movie set (title only, ~3k distinct words).
      const mdir = join(dir, 'movies');
      t = performance.now();
      const m = await createEmbeddedBackend({ dataDir: mdir });
      await loadSynthetic(m, n);
      summary.movies_import_s = round((performance.now() - t) / 1000, 2);
      const f = { query_by: 'title', filter_by: 'year:>2000 && genre:=[`drama`]', sort_by: 'rating:desc', facet_by: 'genre', per_page: 10 };
      const mq = [...WORDS, ...WORDS.map((w) => `${w}1`), ...WORDS.map((w) => w.slice(0, 4))];
      await timeCase('movies-word', runs, mq.map((q) => ({ q, ...f })), m, 'movies');
      await timeCase('movies-exact', runs, WORDS.map((w) => ({ q: `${w}42`, ...f, prefix: 'false' })), m, 'movies');
      await timeCase('movies-wildcard', runs, [{ q: '*', ...f }], m, 'movies');
      await m.close();
    }
    summary.rss_end_mb = rssMb();
    console.log(JSON.stringify({ summary: true, ...summary }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
