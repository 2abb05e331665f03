/**
 * The relay of `bench/src/sync.ts` in its own process, as a service runs it: `startSync` on a SQLite
 * file, through the Search Gateway. Prints one JSON line per sample on stdout (every SAMPLE_MS):
 * `{t, rss, heap, external, state, acked, batches}`; on SIGTERM it stops sync, prints a last line
 * with `final: true` and the peak RSS (`hwm`, VmHWM), and exits 0 (so `--cpu-prof` is written).
 *
 * Environment: SYNC_DB, SYNC_TABLE, SYNC_COLLECTION, SYNC_GATEWAY_URL, SYNC_API_KEY,
 * SYNC_DEFAULT_SORT (a column), SAMPLE_MS (default 200).
 */
import { readFileSync } from 'node:fs';
import { startSync } from '@fountain/sync';

const env = (name: string): string => {
  const v = process.env[name];
  if (!v) throw new Error(`sync-relay: ${name} is required`);
  return v;
};

/** A field of /proc/self/status in bytes (VmRSS, VmHWM); null off Linux. */
function procStatus(field: string): number | null {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

const started = performance.now();
const sync = await startSync({
  database: env('SYNC_DB'),
  tables: [
    {
      table: env('SYNC_TABLE'),
      collection: env('SYNC_COLLECTION'),
      fields: { genre: { facet: true } },
      ...(process.env.SYNC_DEFAULT_SORT && { defaultSortingField: process.env.SYNC_DEFAULT_SORT }),
    },
  ],
  gateway: { url: env('SYNC_GATEWAY_URL'), apiKey: env('SYNC_API_KEY') },
  relay: { maxBatch: 1000, maxWaitMs: 5 },
  logger: {
    debug() {},
    info() {},
    warn: (obj, msg) => process.stderr.write(`sync-relay warn: ${msg ?? ''} ${JSON.stringify(obj)}\n`),
    error: (obj, msg) => process.stderr.write(`sync-relay error: ${msg ?? ''} ${JSON.stringify(obj)}\n`),
  },
});

const sample = (extra: Record<string, unknown> = {}): void => {
  const m = process.memoryUsage();
  const s = sync.relay.stats();
  process.stdout.write(
    JSON.stringify({
      t: Math.round(performance.now() - started),
      rss: m.rss,
      heap: m.heapUsed,
      external: m.external,
      state: s.state,
      holdsLock: s.holdsLock,
      acked: s.rowsAcked,
      batches: s.batches,
      failures: s.transientFailures + s.misconfiguredFailures,
      lastError: s.lastError,
      ...extra,
    }) + '\n',
  );
};
sample();
const timer = setInterval(sample, Number(process.env.SAMPLE_MS ?? 200));

let stopping = false;
process.on('SIGTERM', () => {
  if (stopping) return;
  stopping = true;
  clearInterval(timer);
  void sync
    .stop()
    .then(() => {
      sample({ final: true, hwm: procStatus('VmHWM') });
      process.exit(0);
    })
    .catch((err: unknown) => {
      process.stderr.write(`sync-relay: stop failed: ${String(err)}\n`);
      process.exit(1);
    });
});
