/**
 * Embedded engine benchmark at 100k documents: import time, reload time, RSS, and search latency
 * percentiles (p50/p99/max) for realistic cases. Prints one JSON line; never fails on timings.
 *
 *   npm run bench:embedded                                   # every case, 1,000 runs each
 *   npm run bench:embedded -- --quick                        # the benchmark corpus only, 200 runs (under 60 s)
 *   npm run bench:embedded -- [numDocs] [--runs N] [--cases a,b]
 *
 * Cases over the benchmark corpus (`@fountain/testing`'s synthetic data: Zipf text over a 20k-word vocabulary):
 * - `bench`: what `gateway.ts` reports as `embedded_p50_ms`/`embedded_p99_ms` (the same corpus, loaded
 *   the same way, and the same query: `EMBEDDED_QUERY`): a middling-frequency word over title,body +
 *   `year:>2000` + `rating:desc` + facet genre, per_page 10;
 * - `wildcard`: `q=*` + `year:>2000 && genre:=[drama]` + `rating:desc` + facet genre;
 * - `prefix3`, `prefix4`: 3 and 4 letter prefixes (expanding to many terms), same filter/sort/facet
 *   as `bench`;
 * - `common`: words matching 30-50% of documents, same filter/sort/facet as `bench`;
 * and over the older synthetic movie set (`movies-*`; not with `--quick`), the previous figures.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEmbeddedBackend, type SearchBackend } from '@fountain/search';
import { BENCH_SCHEMA, makeDocs, percentile, queryWords } from '@fountain/testing';

const WORDS = ['love', 'war', 'night', 'city', 'dream', 'river', 'king', 'shadow', 'storm', 'garden', 'secret', 'summer', 'winter', 'road', 'ghost', 'fire', 'silent', 'golden', 'last', 'empire'];
const GENRES = ['drama', 'comedy', 'fantasy', 'horror', 'action', 'romance', 'thriller', 'documentary'];

/** The search `bench` (and `gateway.ts`) times with each query word as `q`. */
export const EMBEDDED_QUERY = { query_by: 'title,body', filter_by: 'year:>2000', sort_by: 'rating:desc', facet_by: 'genre', per_page: 10 };

/** Creates collection `bench` and imports the benchmark corpus into it in 10k-line upserts. */
export async function importBenchCorpus(b: SearchBackend, docs: string[]): Promise<void> {
  await b.createCollection({ ...BENCH_SCHEMA, name: 'bench' });
  for (let i = 0; i < docs.length; i += 10_000) {
    await b.importDocuments('bench', docs.slice(i, i + 10_000).join('\n'), { action: 'upsert' });
  }
}

/** The deterministic document number i of the synthetic movie set (about 3k distinct title words). */
function syntheticMovie(i: number): Record<string, unknown> {
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
async function loadSynthetic(b: SearchBackend, n: number): Promise<void> {
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

interface CaseResult {
  runs: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
  found_avg: number;
}

const round = (x: number, d = 2): number => Math.round(x * 10 ** d) / 10 ** d;
const rssMb = (): number => round(process.memoryUsage().rss / 2 ** 20, 0);

async function timeCase(runs: number, queries: Array<Record<string, string | number>>, b: SearchBackend, collection: string): Promise<CaseResult> {
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
  return { runs, p50_ms: round(percentile(times, 50)), p99_ms: round(percentile(times, 99)), max_ms: round(times.at(-1) ?? NaN), found_avg: Math.round(found / runs) };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const opt = (name: string): string | undefined => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const quick = args.includes('--quick');
  const positional = args.filter((a, i) => !a.startsWith('--') && !(i > 0 && args[i - 1]!.startsWith('--') && args[i - 1] !== '--quick'));
  const n = Number(positional[0] ?? 100_000);
  const runs = Number(opt('--runs') ?? (quick ? 200 : 1000));
  // The `bench` case gets as many queries as gateway.ts gives it (500 quick, 3,000 full), or more.
  const benchRuns = Math.max(runs, quick ? 500 : 3000);
  const only = opt('--cases')?.split(',');
  const want = (c: string): boolean => (only ? only.some((o) => c.startsWith(o)) : !(quick && c.startsWith('movies')));
  const dir = mkdtempSync(join(tmpdir(), 'embedded-perf-'));
  const out: Record<string, unknown> = { bench: 'embedded', quick, docs: n, rss_start_mb: rssMb() };
  const cases: Record<string, CaseResult> = {};
  try {
    const docs = makeDocs(n, 7);
    let t = performance.now();
    let b = await createEmbeddedBackend({ dataDir: dir });
    await importBenchCorpus(b, docs);
    out.bench_import_s = round((performance.now() - t) / 1000, 2);
    await b.close();
    t = performance.now();
    b = await createEmbeddedBackend({ dataDir: dir });
    out.bench_reload_s = round((performance.now() - t) / 1000, 2);
    (globalThis as { gc?: () => void }).gc?.();
    out.rss_loaded_mb = rssMb();

    const words = queryWords(Math.max(runs, 3000));
    const corpusCases: Array<[string, Array<Record<string, string | number>>]> = [
      ['bench', words.map((q) => ({ q, ...EMBEDDED_QUERY }))],
      ['wildcard', [{ q: '*', query_by: 'title,body', filter_by: 'year:>2000 && genre:=[drama]', sort_by: 'rating:desc', facet_by: 'genre', per_page: 10 }]],
      ['prefix3', words.map((w) => ({ q: w.slice(0, 3), ...EMBEDDED_QUERY }))],
      ['prefix4', words.map((w) => ({ q: w.slice(0, 4), ...EMBEDDED_QUERY }))],
      // Zipf ranks 3..6: each in roughly 30-50% of documents.
      ['common', ['river', 'forest', 'winter', 'summer'].map((q) => ({ q, ...EMBEDDED_QUERY }))],
    ];
    for (const [name, qs] of corpusCases) if (want(name)) cases[name] = await timeCase(name === 'bench' ? benchRuns : runs, qs, b, 'bench');
    await b.close();

    if (want('movies')) {
      // The older synthetic movie set (title only, ~3k distinct words).
      const mdir = join(dir, 'movies');
      t = performance.now();
      const m = await createEmbeddedBackend({ dataDir: mdir });
      await loadSynthetic(m, n);
      out.movies_import_s = round((performance.now() - t) / 1000, 2);
      const f = { query_by: 'title', filter_by: 'year:>2000 && genre:=[`drama`]', sort_by: 'rating:desc', facet_by: 'genre', per_page: 10 };
      const mq = [...WORDS, ...WORDS.map((w) => `${w}1`), ...WORDS.map((w) => w.slice(0, 4))];
      cases['movies-word'] = await timeCase(runs, mq.map((q) => ({ q, ...f })), m, 'movies');
      cases['movies-exact'] = await timeCase(runs, WORDS.map((w) => ({ q: `${w}42`, ...f, prefix: 'false' })), m, 'movies');
      cases['movies-wildcard'] = await timeCase(runs, [{ q: '*', ...f }], m, 'movies');
      await m.close();
    }
    out.rss_end_mb = rssMb();
    console.log(JSON.stringify({ ...out, cases }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
