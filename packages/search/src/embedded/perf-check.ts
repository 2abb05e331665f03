/**
 * Micro-check of the embedded engine at 100k documents: import time, reload time, and search latency
 * percentiles for a word query with a filter, a sort and a facet. Prints figures; never fails on them.
 *
 *   npx tsx packages/search/src/embedded/perf-check.ts [numDocs]
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
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 100_000);
  const dir = mkdtempSync(join(tmpdir(), 'embedded-perf-'));
  try {
    let t = performance.now();
    let b = await createEmbeddedBackend({ dataDir: dir });
    await loadSynthetic(b, n);
    console.log(`import ${n} docs: ${Math.round(performance.now() - t)} ms`);
    await b.close();
    t = performance.now();
    b = await createEmbeddedBackend({ dataDir: dir });
    console.log(`reopen + load into memory: ${Math.round(performance.now() - t)} ms`);
    const queries = [...WORDS, ...WORDS.map((w) => `${w}1`), ...WORDS.map((w) => w.slice(0, 4))];
    const run = async (q: string, extra: Record<string, string> = {}): Promise<number> => {
      const s = performance.now();
      await b.search('movies', { q, query_by: 'title', filter_by: 'year:>2000 && genre:=[`drama`]', sort_by: 'rating:desc', facet_by: 'genre', per_page: 10, ...extra });
      return performance.now() - s;
    };
    for (const q of queries) await run(q); // warm-up
    const times: number[] = [];
    for (let r = 0; r < 20; r++) for (const q of queries) times.push(await run(q));
    times.sort((a, b2) => a - b2);
    const sample = await b.search('movies', { q: 'love', query_by: 'title', filter_by: 'year:>2000 && genre:=[`drama`]', sort_by: 'rating:desc', facet_by: 'genre' });
    console.log(`search (word + filter + sort + facet), ${times.length} runs: p50 ${pct(times, 50).toFixed(2)} ms, p99 ${pct(times, 99).toFixed(2)} ms, max ${times.at(-1)?.toFixed(2)} ms; "love" found ${sample.found}`);
    const exact: number[] = [];
    for (let r = 0; r < 20; r++) for (const q of WORDS.map((w) => `${w}42`)) exact.push(await run(q, { prefix: 'false' }));
    exact.sort((a, b2) => a - b2);
    console.log(`search exact word (prefix=false, ~130 matches before filter), ${exact.length} runs: p50 ${pct(exact, 50).toFixed(2)} ms, p99 ${pct(exact, 99).toFixed(2)} ms`);
    const wild: number[] = [];
    for (let r = 0; r < 50; r++) wild.push(await run('*'));
    wild.sort((a, b2) => a - b2);
    console.log(`search q=* (same filter/sort/facet), 50 runs: p50 ${pct(wild, 50).toFixed(2)} ms, p99 ${pct(wild, 99).toFixed(2)} ms`);
    await b.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
