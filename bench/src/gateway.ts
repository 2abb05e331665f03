/**
 * Search Gateway benchmark (issue: gateway >= 0.85x direct search throughput, >= 0.9x direct import
 * throughput, embedded search p99 < 10 ms on 100k documents). Everything is measured in the same run,
 * on the same machine, and reported as ratios; it prints one JSON line and never fails on timing.
 *
 *   npm run bench:gateway            # full run
 *   npm run bench:gateway -- --quick # under 60 s
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { startGateway, startTypesense } from '@fountain/testing';
import { createEmbeddedBackend } from '@fountain/search';
import { makeDocs, BENCH_SCHEMA, percentile, queryWords } from '@fountain/testing';
import { EMBEDDED_QUERY, importBenchCorpus } from './embedded-search.ts';
import { mean, round } from './figures.ts';

const quick = process.argv.includes('--quick');
const cfg = quick
  ? { searchSeconds: 4, docs: 5_000, importDocs: 20_000, importBatch: 2_000, embeddedDocs: 100_000, embeddedQueries: 500 }
  : { searchSeconds: 15, docs: 20_000, importDocs: 100_000, importBatch: 5_000, embeddedDocs: 100_000, embeddedQueries: 3_000 };
const CONNECTIONS = 16;
const SERVICE_KEY = 'bench-service-key-0123456789';

interface Target {
  url: string;
  key: string;
}

async function importAll(t: Target, collection: string, docs: string[], batch: number): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < docs.length; i += batch) {
    const res = await fetch(`${t.url}/collections/${collection}/documents/import?action=upsert`, {
      method: 'POST',
      headers: { 'X-TYPESENSE-API-KEY': t.key, 'Content-Type': 'text/plain' },
      body: docs.slice(i, i + batch).join('\n'),
    });
    const text = await res.text();
    if (!res.ok || text.includes('"success":false')) throw new Error(`import failed: ${res.status} ${text.slice(0, 300)}`);
  }
  return docs.length / ((performance.now() - started) / 1000);
}

async function createCollection(t: Target, name: string): Promise<void> {
  const res = await fetch(`${t.url}/collections`, {
    method: 'POST',
    headers: { 'X-TYPESENSE-API-KEY': t.key, 'Content-Type': 'application/json' },
    body: JSON.stringify({ ...BENCH_SCHEMA, name }),
  });
  if (res.status !== 201) throw new Error(`create ${name}: ${res.status} ${await res.text()}`);
}

interface SearchFigures {
  rps: number;
  p50: number;
  p99: number;
}


async function searchLoad(t: Target, collection: string, seconds: number): Promise<SearchFigures> {
  // A rotating set of realistic queries: a word, a filter and a sort, facets on one field.
  const requests = queryWords(64).map((w) => ({
    method: 'GET' as const,
    path:
      `/collections/${collection}/documents/search?q=${w}&query_by=title,body` +
      `&filter_by=${encodeURIComponent('year:>2000')}&sort_by=rating:desc&facet_by=genre&per_page=10`,
  }));
  const result = await autocannon({
    url: t.url,
    connections: CONNECTIONS,
    duration: seconds,
    headers: { 'X-TYPESENSE-API-KEY': t.key },
    requests,
  });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`search load: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 };
}

async function embeddedP99(): Promise<{ p50: number; p99: number; loadSeconds: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-embedded-'));
  const backend = await createEmbeddedBackend({ dataDir: dir });
  try {
    const started = performance.now();
    await importBenchCorpus(backend, makeDocs(cfg.embeddedDocs, 7));
    const loadSeconds = (performance.now() - started) / 1000;
    const times: number[] = [];
    const words = queryWords(cfg.embeddedQueries);
    for (let i = 0; i < cfg.embeddedQueries; i++) {
      const w = words[i] as string;
      const t0 = performance.now();
      await backend.search('bench', { q: w, ...EMBEDDED_QUERY });
      times.push(performance.now() - t0);
    }
    return { p50: percentile(times, 50), p99: percentile(times, 99), loadSeconds };
  } finally {
    await backend.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const ts = await startTypesense();
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-gateway-'));
  const gw = await startGateway({ typesense: ts, serviceKey: SERVICE_KEY, env: { DATA_DIR: dataDir, LOG_LEVEL: 'warn' } });
  const direct: Target = { url: ts.url, key: ts.apiKey };
  const gateway: Target = { url: gw.url, key: SERVICE_KEY };
  try {
    // Each side is measured twice, in the order A B B A, so drift in the machine's load (2 cores,
    // shared) weighs on both sides alike; the figures are the means of the two runs.
    const docs = makeDocs(cfg.importDocs, 1);
    const importRuns = { direct: [] as number[], gateway: [] as number[] };
    for (const [i, side] of (['gateway', 'direct', 'direct', 'gateway'] as const).entries()) {
      const t = side === 'direct' ? direct : gateway;
      await createCollection(t, `imp_${side}_${i}`);
      importRuns[side].push(await importAll(t, `imp_${side}_${i}`, docs, cfg.importBatch));
    }
    const importDirect = mean(importRuns.direct);
    const importGateway = mean(importRuns.gateway);

    // Search: one collection, loaded once, searched directly and through the gateway.
    await createCollection(direct, 'search_bench');
    await importAll(direct, 'search_bench', makeDocs(cfg.docs, 2), cfg.importBatch);
    await searchLoad(direct, 'search_bench', 1); // warm-up
    await searchLoad(gateway, 'search_bench', 1);
    const searchRuns = { direct: [] as SearchFigures[], gateway: [] as SearchFigures[] };
    for (const side of ['direct', 'gateway', 'gateway', 'direct'] as const) {
      searchRuns[side].push(await searchLoad(side === 'direct' ? direct : gateway, 'search_bench', cfg.searchSeconds / 2));
    }
    const avg = (runs: SearchFigures[]): SearchFigures => ({
      rps: mean(runs.map((r) => r.rps)),
      p50: mean(runs.map((r) => r.p50)),
      p99: mean(runs.map((r) => r.p99)),
    });
    const sDirect = avg(searchRuns.direct);
    const sGateway = avg(searchRuns.gateway);

    const emb = await embeddedP99();
    console.log(
      JSON.stringify({
        bench: 'gateway',
        quick,
        search_ratio: round(sGateway.rps / sDirect.rps),
        search_ratio_runs: searchRuns.gateway.map((g, i) => round(g.rps / (searchRuns.direct[i] as SearchFigures).rps)),
        search_rps_direct: round(sDirect.rps, 1),
        search_rps_gateway: round(sGateway.rps, 1),
        search_p50_ms_direct: sDirect.p50,
        search_p99_ms_direct: sDirect.p99,
        search_p50_ms_gateway: sGateway.p50,
        search_p99_ms_gateway: sGateway.p99,
        import_ratio: round(importGateway / importDirect),
        import_ratio_runs: importRuns.gateway.map((g, i) => round(g / (importRuns.direct[i] as number))),
        import_docs_per_s_direct: Math.round(importDirect),
        import_docs_per_s_gateway: Math.round(importGateway),
        embedded_docs: cfg.embeddedDocs,
        embedded_p50_ms: round(emb.p50),
        embedded_p99_ms: round(emb.p99),
        embedded_load_s: round(emb.loadSeconds, 1),
        connections: CONNECTIONS,
      }),
    );
  } finally {
    await gw.stop();
    await ts.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
