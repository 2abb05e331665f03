/**
 * Sync benchmark, scenario (ii) freshness (bench/src/sync.ts): commit -> searchable. The writer
 * timestamps each commit (performance.now() right after the single-row autocommit INSERT returns); ONE
 * concurrent poller searches through the gateway for the highest write number visible
 * (`sort_by=n:desc&per_page=1`), back to back with a 2 ms gap, and every write up to it that was not
 * seen before gets lag = poll answer time - commit time. The relay sends in seq order, so what is
 * visible is a prefix (checked with `found`; a poll that isn't, mid-import, is skipped:
 * `non_prefix_polls`). Resolution: one poll round trip plus the gap (`poll_rtt_ms_p50`); overhead: one
 * search in flight at a time. Steady `steadyRate` writes/s (open loop), then writes as fast as possible
 * (yielding every 2 ms so the poller runs).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { percentile, type BenchRecord } from '@fountain/testing';
import { FRESH_DDL, RelayProcess, openDb, type SyncBench } from './sync-harness.ts';

/** How long and how fast a freshness run writes. */
export interface FreshOptions {
  /** Writes per second of the steady phase (open loop). */
  steadyRate: number;
  steadySeconds: number;
  /** Seconds of writing as fast as possible. */
  maxSeconds: number;
}

/** One freshness run's figures: commit-to-searchable lag in ms at the steady and the maximum rate. */
export interface FreshRun {
  steady: { writes: number; rate: number; p50: number; p99: number; max: number };
  max: { writes: number; rate: number; p50: number; p99: number; max: number };
  pollRttP50: number;
  polls: number;
  nonPrefixPolls: number;
}

/** One freshness run on a fresh database and collection, writing the records of `pool` in turn. */
export async function freshRun(bench: SyncBench, run: number, pool: BenchRecord[], opts: FreshOptions): Promise<FreshRun> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-sync-fresh-'));
  const path = join(dir, 'service.db');
  const db = openDb(path, FRESH_DDL);
  const alias = `fresh_${run}`;
  const relay = new RelayProcess({ bench, db: path, table: 'fresh', collection: alias, defaultSort: 'n' });
  const ins = db.prepare('INSERT INTO fresh (id, n, title, body, genre, year, rating) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const commitAt: number[] = [];
  const lag: number[] = [];
  let written = 0;
  const write = (): void => {
    const n = written;
    const r = pool[n % pool.length] as BenchRecord;
    ins.run(n, n, r.title, r.body, r.genre, r.year, r.rating); // autocommit: one transaction per row
    commitAt[n] = performance.now();
    written++;
  };

  // The poller: one search in flight at a time, through the gateway with the service key.
  let polling = true;
  let seenUpTo = -1;
  let nonPrefix = 0;
  const rtts: number[] = [];
  const searchUrl = `${bench.gatewayUrl}/collections/${alias}/documents/search?q=*&query_by=title&sort_by=n:desc&per_page=1&include_fields=n`;
  let pollError: unknown = null;
  const poll = async (): Promise<void> => {
    while (polling) {
      const t0 = performance.now();
      const res = await fetch(searchUrl, { headers: { 'X-TYPESENSE-API-KEY': bench.serviceKey } });
      const body = (await res.json()) as { found?: number; hits?: Array<{ document: { n: number } }> };
      const t1 = performance.now();
      if (!res.ok) throw new Error(`poll: ${res.status} ${JSON.stringify(body)}`);
      rtts.push(t1 - t0);
      const top = body.hits?.[0]?.document.n ?? -1;
      // An import is indexed on several threads: mid-import, a later write may be visible before an
      // earlier one. Such a poll is skipped (the next consistent one counts), so no lag is understated.
      if ((body.found ?? 0) !== top + 1) {
        nonPrefix++;
        await sleep(2);
        continue;
      }
      for (let k = seenUpTo + 1; k <= top; k++) lag[k] = t1 - (commitAt[k] as number);
      seenUpTo = Math.max(seenUpTo, top);
      await sleep(2);
    }
  };
  let poller: Promise<void> = Promise.resolve();
  const waitSeen = async (upTo: number): Promise<void> => {
    const deadline = performance.now() + 120_000;
    while (seenUpTo < upTo) {
      if (pollError) throw pollError instanceof Error ? pollError : new Error(String(pollError));
      if (performance.now() > deadline) throw new Error(`freshness: ${upTo - seenUpTo} writes not searchable after 120 s\n${relay.errors()}`);
      await sleep(10);
    }
  };

  try {
    await relay.ready();
    poller = poll().catch((err: unknown) => void (pollError = err));
    // Warm-up (connections, first import), not measured.
    for (let i = 0; i < 20; i++) {
      write();
      await sleep(5);
    }
    await waitSeen(written - 1);
    const warm = written;

    // Steady: open loop, write i due at t0 + i / rate; late writes catch up (no coordinated omission).
    const steadyN = opts.steadyRate * opts.steadySeconds;
    let t0 = performance.now();
    for (let i = 0; i < steadyN; ) {
      const now = performance.now();
      while (i < steadyN && t0 + (i * 1000) / opts.steadyRate <= now) {
        write();
        i++;
      }
      await sleep(1);
    }
    const steadyRate = steadyN / ((performance.now() - t0) / 1000);
    await waitSeen(written - 1);
    const steadyLags = lag.slice(warm, written);

    // Maximum rate: single-row transactions back to back, yielding every 2 ms for the poller.
    const maxFrom = written;
    t0 = performance.now();
    const end = t0 + opts.maxSeconds * 1000;
    while (performance.now() < end) {
      const slice = performance.now() + 2;
      while (performance.now() < slice) write();
      await new Promise((r) => setImmediate(r));
    }
    const maxRate = (written - maxFrom) / ((performance.now() - t0) / 1000);
    await waitSeen(written - 1);
    const maxLags = lag.slice(maxFrom, written);
    const stat = (xs: number[], rate: number) => ({
      writes: xs.length,
      rate,
      p50: percentile(xs, 50),
      p99: percentile(xs, 99),
      max: xs.reduce((a, b) => Math.max(a, b), 0),
    });
    return {
      steady: stat(steadyLags, steadyRate),
      max: stat(maxLags, maxRate),
      pollRttP50: percentile(rtts, 50),
      polls: rtts.length,
      nonPrefixPolls: nonPrefix,
    };
  } finally {
    polling = false;
    await poller;
    await relay.stop();
    db.close();
    rmSync(dir, { recursive: true, force: true });
    await bench.typesense.dropAll();
  }
}
