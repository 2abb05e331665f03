/**
 * Sync benchmark: SQLite -> @fountain/sync relay -> Search Gateway -> Typesense, all real, on this
 * machine, in one run. Prints ONE JSON line; figures are ratios against a baseline of the same run
 * where one applies, and nothing fails on timing.
 *
 *   npm run bench:sync              # full: 100k bulk rows, 10 s at 200 writes/s, 1M-row backlog
 *   npm run bench:sync -- --quick   # under 60 s: 20k bulk, 4 s freshness, 60k backlog
 *   npm run bench:sync -- --profile # bulk once, with --cpu-prof on the relay and the gateway: top costs
 *
 * The relay always runs in its OWN process (bench/src/sync-relay.ts calls startSync, as a service
 * would), the writer is this process with its own better-sqlite3 connection (WAL, synchronous=NORMAL).
 * Every mode runs twice (`*_runs` arrays: the spread; the headline figure is their mean, or their
 * max for maxima), each on a fresh database and fresh collections. The scenarios, each described in
 * its file:
 *
 * (i)   bulk (sync-bulk.ts): N rows through sync vs the same documents imported straight into
 *       Typesense; bulk_ratio = raw time / sync time.
 * (ii)  freshness (sync-freshness.ts): commit -> searchable, at 200 writes/s and at the maximum rate.
 * (iii) memory (sync-memory.ts): the relay process's RSS while it drains a backlog.
 *
 * Their shared plumbing (Typesense direct, the relay process, the service database) is sync-harness.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchRecords, startGateway, startTypesense, type ServiceProcess, type TypesenseServer } from '@fountain/testing';
import { topCosts } from './cpu-profile.ts';
import { mean, round } from './figures.ts';
import { bulkRun, type BulkRun } from './sync-bulk.ts';
import { freshRun, type FreshRun } from './sync-freshness.ts';
import { typesenseAdmin, type SyncBench } from './sync-harness.ts';
import { memRun, type MemRun } from './sync-memory.ts';

const quick = process.argv.includes('--quick');
const profile = process.argv.includes('--profile');
const cfg = quick
  ? { bulkRows: 20_000, steadySeconds: 4, maxSeconds: 2, backlog: 60_000, runs: 2 }
  : { bulkRows: 100_000, steadySeconds: 10, maxSeconds: 4, backlog: 1_000_000, runs: 2 };
const STEADY_RATE = 200;
const SERVICE_KEY = 'bench-service-key-0123456789';
const MB = 1024 * 1024;

let ts: TypesenseServer;
let gw: ServiceProcess;

async function main(): Promise<void> {
  const started = performance.now();
  const profDir = profile ? mkdtempSync(join(tmpdir(), 'bench-sync-prof-')) : '';
  ts = await startTypesense();
  const gwData = mkdtempSync(join(tmpdir(), 'bench-sync-gw-'));
  gw = await startGateway({
    typesense: ts,
    serviceKey: SERVICE_KEY,
    env: { DATA_DIR: gwData, LOG_LEVEL: 'warn' },
    ...(profile && { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${join(profDir, 'gateway')}`] }),
  });
  const bench: SyncBench = { typesense: typesenseAdmin(ts), gatewayUrl: gw.url, serviceKey: SERVICE_KEY };
  const memDir = mkdtempSync(join(tmpdir(), 'bench-sync-mem-'));
  try {
    const records = [...benchRecords(cfg.bulkRows, 1)];
    const lines = records.map((r) => JSON.stringify(r));

    if (profile) {
      const b = await bulkRun(bench, 0, records, lines, ['--cpu-prof', `--cpu-prof-dir=${join(profDir, 'relay')}`]);
      await gw.stop();
      const prof = (sub: string): string[] => topCosts(join(profDir, sub), 15);
      console.log(JSON.stringify({ bench: 'sync', profile: true, quick, bulk_ratio: round(b.ratio), bulk_raw_s: round(b.rawS), bulk_sync_s: round(b.syncS), relay_top_self: prof('relay'), gateway_top_self: prof('gateway') }));
      return;
    }

    const bulk: BulkRun[] = [];
    for (let r = 0; r < cfg.runs; r++) bulk.push(await bulkRun(bench, r, records, lines));
    const pool = records.slice(0, 10_000);
    const fresh: FreshRun[] = [];
    for (let r = 0; r < cfg.runs; r++) fresh.push(await freshRun(bench, r, pool, { steadyRate: STEADY_RATE, steadySeconds: cfg.steadySeconds, maxSeconds: cfg.maxSeconds }));
    const mem: MemRun[] = [];
    for (let r = 0; r < cfg.runs; r++) mem.push(await memRun(bench, r, memDir, cfg.backlog));

    const ms = (x: number): number => round(x, 1);
    const mb = (x: number): number => round(x / MB, 1);
    console.log(
      JSON.stringify({
        bench: 'sync',
        quick,
        relay: 'own process (bench/src/sync-relay.ts: startSync, maxBatch 1000, maxWaitMs 5), via the gateway',
        // (i)
        bulk_ratio: round(mean(bulk.map((b) => b.ratio))),
        bulk_ratio_runs: bulk.map((b) => round(b.ratio)),
        bulk_rows: cfg.bulkRows,
        bulk_raw_s_runs: bulk.map((b) => round(b.rawS)),
        bulk_sync_s_runs: bulk.map((b) => round(b.syncS)),
        bulk_write_s_runs: bulk.map((b) => round(b.writeS)),
        bulk_raw_docs_per_s: Math.round(cfg.bulkRows / mean(bulk.map((b) => b.rawS))),
        bulk_sync_docs_per_s: Math.round(cfg.bulkRows / mean(bulk.map((b) => b.syncS))),
        bulk_docs_identical: bulk.every((b) => b.identical),
        // (ii)
        p99_freshness_ms_at_200: ms(mean(fresh.map((f) => f.steady.p99))),
        p50_freshness_ms_at_200: ms(mean(fresh.map((f) => f.steady.p50))),
        p99_freshness_ms_at_200_runs: fresh.map((f) => ms(f.steady.p99)),
        p50_freshness_ms_at_200_runs: fresh.map((f) => ms(f.steady.p50)),
        max_freshness_ms_at_200_runs: fresh.map((f) => ms(f.steady.max)),
        steady_writes_per_s_runs: fresh.map((f) => round(f.steady.rate, 1)),
        max_rate_writes_per_s_runs: fresh.map((f) => Math.round(f.max.rate)),
        p50_freshness_ms_at_max_runs: fresh.map((f) => ms(f.max.p50)),
        p99_freshness_ms_at_max_runs: fresh.map((f) => ms(f.max.p99)),
        max_rate_seconds: cfg.maxSeconds,
        poll_rtt_ms_p50_runs: fresh.map((f) => ms(f.pollRttP50)),
        non_prefix_polls: fresh.reduce((a, f) => a + f.nonPrefixPolls, 0),
        // (iii)
        rss_mb_max: mb(Math.max(...mem.map((m) => m.rssMax))),
        rss_mb_start_runs: mem.map((m) => mb(m.rssStart)),
        rss_mb_at_half_runs: mem.map((m) => mb(m.rssAtHalf)),
        rss_mb_end_runs: mem.map((m) => mb(m.rssEnd)),
        rss_mb_max_runs: mem.map((m) => mb(m.rssMax)),
        rss_mb_hwm_runs: mem.map((m) => (m.hwm === null ? null : mb(m.hwm))),
        heap_mb_max_runs: mem.map((m) => mb(m.heapMax)),
        rss_curve_run0: mem[0]?.curve,
        backlog_rows: cfg.backlog,
        backlog_write_s_runs: mem.map((m) => round(m.writeS, 1)),
        drain_s_runs: mem.map((m) => round(m.drainS, 1)),
        drain_rows_per_s_runs: mem.map((m) => Math.round(m.rowsPerS)),
        total_s: round((performance.now() - started) / 1000, 1),
      }),
    );
  } finally {
    await gw.stop();
    await ts.stop();
    rmSync(gwData, { recursive: true, force: true });
    rmSync(memDir, { recursive: true, force: true });
    if (profDir) rmSync(profDir, { recursive: true, force: true });
  }
}

await main();
