/**
 * The lease as the relay uses it (SPEC.md, R4): a second relay waits for it, a relay that lost it
 * (stalled past it while another took over) sends nothing it read before, and lease.ts on its own.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ensureSyncTables } from '../capture.ts';
import { createHarness, eventually, recordingLogger, type Harness } from './harness.test-support.ts';
import { indexedDocs, openDb, tempDir } from './fixtures.test-support.ts';
import { createLease } from './lease.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const insert = (hh: Harness, id: number, title: string): void => {
  hh.db.prepare('INSERT INTO elements (id, title, version) VALUES (?, ?, 1)').run(id, title);
};
const docs = async (hh: Harness) => indexedDocs(hh.real, 'elements');

describe('relay lease', () => {
  it('a second relay on the same database waits for the lock and takes over after stop()', async () => {
    h = await createHarness();
    const { createRelay } = await import('./create-relay.ts');
    const db2 = openDb(h.path);
    const second = createRelay({ db: db2, tables: [h.derived], backend: h.real, pollMs: 20 });
    second.start();
    insert(h, 1, 'a');
    await h.relay.drain(5000);
    expect(second.stats()).toMatchObject({ state: 'waiting-for-lock', holdsLock: false, batches: 0 });
    await h.relay.stop();
    insert(h, 2, 'b');
    await second.drain(5000);
    expect(second.stats().holdsLock).toBe(true);
    expect((await docs(h)).has('2')).toBe(true);
    await second.stop();
    db2.close();
  });

  it('a relay that stalled past its lease while another took over sends nothing it read before (fenced send)', async () => {
    const hh = await createHarness({ leaseMs: 60_000 });
    h = hh;
    insert(hh, 1, 'a');
    await hh.relay.drain(5000);
    // Between reading a batch and sending it, another relay takes the lease (as if this one had
    // stalled past it): batchSize.observe runs exactly there.
    const histogram = hh.metrics.batchSize;
    const observe = histogram.observe.bind(histogram) as (value: number) => void;
    let tookOver = false;
    histogram.observe = ((value: number) => {
      if (!tookOver) {
        tookOver = true;
        // pid 1 is alive on this host, so the lease can't be taken back before it expires.
        hh.db.prepare("UPDATE _sync_lock SET owner = 'newer-relay', pid = 1, heartbeat_ms = ?").run(Date.now());
      }
      observe(value);
    }) as typeof histogram.observe;
    const importsBefore = hh.faults.calls.importDocuments;
    insert(hh, 2, 'b');
    hh.relay.notify();
    await eventually(() => tookOver && hh.relay.stats().state === 'waiting-for-lock');
    expect(hh.faults.calls.importDocuments).toBe(importsBefore);
    expect(hh.relay.stats().holdsLock).toBe(false);
    expect(hh.db.prepare('SELECT count(*) FROM _sync_outbox').pluck().get()).toBe(1);
    expect(hh.logs.some((l) => l.level === 'error' && /lost the _sync_lock lease/.test(l.msg ?? ''))).toBe(true);
    // The newer relay goes away: this one takes the lease again and nothing was lost.
    hh.db.prepare('DELETE FROM _sync_lock').run();
    await hh.relay.drain(5000);
    expect((await docs(hh)).get('2')).toMatchObject({ title: 'b' });
  });
});

describe('createLease', () => {
  it('acquires, fences, notices a takeover once (one error log), and treats a busy database as "not now"', () => {
    const tmp = tempDir('sync-lease-');
    const db = openDb(join(tmp.dir, 'a.db'));
    const other = openDb(join(tmp.dir, 'a.db'));
    try {
      ensureSyncTables(db);
      const logs: Harness['logs'] = [];
      const lease = createLease(db, { leaseMs: 60_000, logger: recordingLogger(logs) });
      expect(lease.holds()).toBe(false);
      expect(lease.acquire()).toBe(true);
      expect(lease.holds() && lease.confirm() && lease.fence()).toBe(true);

      other.prepare("UPDATE _sync_lock SET owner = 'newer-relay', pid = 1").run();
      expect(lease.fence()).toBe(false);
      expect(lease.confirm()).toBe(false);
      expect(lease.holds()).toBe(false);
      expect(logs.filter((l) => l.level === 'error' && /lost the _sync_lock lease/.test(l.msg ?? ''))).toHaveLength(1);
      // pid 1 is alive and the heartbeat fresh: not ours to take.
      expect(lease.acquire()).toBe(false);

      other.prepare('DELETE FROM _sync_lock').run();
      db.pragma('busy_timeout = 0');
      other.exec('BEGIN IMMEDIATE');
      expect(lease.acquire()).toBe(false);
      other.exec('ROLLBACK');
      expect(lease.acquire()).toBe(true);
      lease.release();
      expect(lease.holds()).toBe(false);
      expect(other.prepare('SELECT count(*) FROM _sync_lock').pluck().get()).toBe(0);
    } finally {
      other.close();
      db.close();
      tmp.cleanup();
    }
  });
});
