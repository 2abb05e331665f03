/**
 * Sync benchmark, scenario (iii) memory (bench/src/sync.ts): capture installed and the collection
 * created by a first relay run on the empty table, relay stopped, backlog written (outbox path, not
 * backfill), then a NEW relay process drains it; it reports process.memoryUsage().rss every 200 ms and
 * VmHWM at exit.
 */
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startSync } from '@fountain/sync';
import { benchRecords, type BenchRecord } from '@fountain/testing';
import { DOCS_DDL, RelayProcess, insertDocs, openDb, outboxEmpty, type SyncBench } from './sync-harness.ts';

const MB = 1024 * 1024;

/** One memory run's figures: the relay process's RSS and heap while it drains the backlog. */
export interface MemRun {
  writeS: number;
  drainS: number;
  rowsPerS: number;
  rssStart: number;
  rssMax: number;
  rssEnd: number;
  rssAtHalf: number;
  hwm: number | null;
  heapMax: number;
  samples: number;
  /** [fraction drained, rss MB, heap MB] at every 10% of the backlog. */
  curve: Array<[number, number, number]>;
}

/**
 * One memory run: a backlog of `backlog` rows in a new database under `dir` (run 0 generates the rows,
 * later runs copy them from run 0's database), drained by a new relay process.
 */
export async function memRun(bench: SyncBench, run: number, dir: string, backlog: number): Promise<MemRun> {
  const path = join(dir, `service_${run}.db`);
  const db = openDb(path, DOCS_DDL);
  const alias = `mem_${run}`;
  try {
    // 1. Capture installed and the (empty) collection created, then the relay stopped.
    //    (In this process, to save a process start: it only installs the triggers and makes the collection.)
    const setup = await startSync({
      database: path,
      tables: [{ table: 'docs', collection: alias, fields: { genre: { facet: true } }, defaultSortingField: 'year' }],
      gateway: { url: bench.gatewayUrl, apiKey: bench.serviceKey },
    });
    while (!(setup.relay.stats().holdsLock && setup.relay.stats().state === 'idle')) await sleep(20);
    await setup.stop();
    // 2. The backlog, written with no relay running: every row goes through the outbox.
    const t0 = performance.now();
    const insert = insertDocs(db);
    const first = join(dir, 'service_0.db');
    if (run === 0) {
      let chunk: BenchRecord[] = [];
      for (const r of benchRecords(backlog, 3)) {
        chunk.push(r);
        if (chunk.length === 10_000) {
          insert(chunk);
          chunk = [];
        }
      }
      if (chunk.length > 0) insert(chunk);
    } else {
      // The same rows again, copied from the first run's table (generating them is the slow part).
      db.exec(`ATTACH '${first.replace(/'/g, "''")}' AS src`);
      const copy = db.prepare('INSERT INTO docs SELECT * FROM src.docs WHERE id >= ? AND id < ?');
      for (let i = 0; i < backlog; i += 10_000) db.transaction(() => copy.run(i, i + 10_000))();
      db.exec('DETACH src');
    }
    db.pragma('wal_checkpoint(TRUNCATE)');
    const writeS = (performance.now() - t0) / 1000;
    const pending = db.prepare('SELECT count(*) FROM _sync_outbox').pluck().get() as number;
    if (pending !== backlog) throw new Error(`memory: ${pending} outbox rows, expected ${backlog}`);

    // 3. A new relay process drains it.
    const relay = new RelayProcess({ bench, db: path, table: 'docs', collection: alias, defaultSort: 'year' });
    const empty = outboxEmpty(db);
    try {
      // Drain time counts from the relay's first sample (startSync has returned) to an empty outbox.
      const firstSample = await relay.waitFor(() => true, 60_000, 'first sample');
      const firstSeen = performance.now();
      while (!empty()) await sleep(50);
      const drainedAt = performance.now();
      const docs = await bench.typesense.numDocuments(alias);
      if (docs !== backlog) throw new Error(`memory: ${docs} documents, expected ${backlog}`);
      const last = await relay.stop();
      const live = relay.samples.filter((s) => !s.final);
      const half = live.find((s) => s.acked >= backlog / 2) ?? live[live.length - 1]!;
      const drainS = (drainedAt - firstSeen) / 1000;
      return {
        writeS,
        drainS,
        rowsPerS: backlog / drainS,
        rssStart: firstSample.rss,
        rssMax: Math.max(...relay.samples.map((s) => s.rss)),
        rssEnd: live[live.length - 1]!.rss,
        rssAtHalf: half.rss,
        hwm: last?.hwm ?? null,
        heapMax: Math.max(...relay.samples.map((s) => s.heap)),
        samples: live.length,
        curve: [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1].map((f) => {
          const x = live.find((s) => s.acked >= f * backlog) ?? live[live.length - 1]!;
          return [f, Math.round(x.rss / MB), Math.round(x.heap / MB)];
        }),
      };
    } finally {
      await relay.stop();
    }
  } finally {
    db.close();
    await bench.typesense.dropAll();
  }
}
