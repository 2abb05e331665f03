/**
 * Recovery benchmark: how long after Typesense answers again until everything owed is indexed.
 * SQLite -> @fountain/sync relay (default settings, as a service runs it) -> Search Gateway ->
 * Typesense, all real. Prints ONE JSON line and never fails on timing.
 *
 *   npm run bench:outage                          # 5 runs, Typesense down 12 s in each
 *   npm run bench:outage -- --runs 3 --down-ms 6000
 *   npm run bench:outage -- --quick               # 2 runs, down 6 s (under 60 s with the probe)
 *
 * Each run: a fresh table of 20 rows, synced; a steady writer (one write every 15 ms: inserts,
 * updates, deletes) keeps going while Typesense is SIGKILLed and stays down `--down-ms`; it stops
 * when Typesense is healthy again (`recovered`), so what is owed is fixed from then on. Converged =
 * the outbox is empty and an audit finds the index equal to the table (no difference, nothing in
 * flight), polled every 50 ms. The relay uses the default backoff (100 ms doubling to 30 s, full
 * jitter), so the longer the outage, the longer the backoff it is in when the backend returns.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { startSync } from '@fountain/sync';
import { percentile, startGateway, startTypesense } from '@fountain/testing';

const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const quick = process.argv.includes('--quick');
const runs = arg('--runs', quick ? 2 : 5);
const downMs = arg('--down-ms', quick ? 6000 : 12_000);
const SERVICE_KEY = 'bench-outage-service-key-0123456789';

const dir = mkdtempSync(join(tmpdir(), 'bench-outage-'));
const ts = await startTypesense();
const gw = await startGateway({ typesense: ts, serviceKey: SERVICE_KEY, env: { DATA_DIR: join(dir, 'gw') } });
const converged: number[] = [];
const failures: number[] = [];
try {
  for (let run = 1; run <= runs; run++) {
    const table = `outage_${run}_${Date.now().toString(36)}`;
    const path = join(dir, `${table}.db`);
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.exec(`CREATE TABLE ${table} (id INTEGER PRIMARY KEY, title TEXT NOT NULL, n INTEGER NOT NULL)`);
    const insert = db.prepare(`INSERT INTO ${table} (id, title, n) VALUES (?, ?, 0)`);
    const sync = await startSync({ database: path, tables: [{ table, collection: table }], gateway: { url: gw.url, apiKey: SERVICE_KEY } });
    // Written after the start, so they go through the outbox: drained means the relay is set up and sending.
    for (let i = 1; i <= 20; i++) insert.run(i, `before ${i}`);
    await sync.drain(30_000);

    let writing = true;
    const writer = (async () => {
      const update = db.prepare(`UPDATE ${table} SET title = ?, n = n + 1 WHERE id = ?`);
      const del = db.prepare(`DELETE FROM ${table} WHERE id = ?`);
      for (let w = 0; writing; w++) {
        if (w % 10 === 9) del.run(w - 5 + 100);
        else if (w % 3 === 0) update.run(`during ${w}`, (w % 20) + 1);
        else insert.run(w + 100, `during ${w}`);
        await sleep(15);
      }
    })();
    await sleep(300);
    await ts.kill();
    await sleep(downMs);
    await ts.restart();
    const recoveredAt = Date.now();
    writing = false;
    await writer;

    const pending = db.prepare('SELECT count(*) FROM _sync_outbox').pluck();
    let ms = -1;
    while (Date.now() - recoveredAt < 90_000) {
      const reports = await sync.audit().catch(() => null);
      const clean = reports?.every((r) => r.missing.count + r.stale.count + r.extra.count + r.inFlight.count === 0);
      if (clean && pending.get() === 0) {
        ms = Date.now() - recoveredAt;
        break;
      }
      await sleep(50);
    }
    (ms >= 0 ? converged : failures).push(ms >= 0 ? ms : run);
    console.error(`run ${run}: ${ms >= 0 ? `converged ${ms} ms after recovery` : 'did not converge within 90 s'} (relay: ${JSON.stringify({ failures: sync.relay.stats().transientFailures, probeWakes: sync.relay.stats().probeWakes })})`);
    await sync.stop();
    db.close();
  }
} finally {
  await gw.stop().catch(() => undefined);
  await ts.stop().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
}
const sorted = [...converged].sort((a, b) => a - b);
console.log(
  JSON.stringify({
    bench: 'outage',
    runs,
    down_ms: downMs,
    converged_ms: converged,
    converged_ms_p50: sorted.length ? percentile(sorted, 50) : null,
    converged_ms_max: sorted.length ? sorted[sorted.length - 1] : null,
    not_converged_runs: failures,
  }),
);
