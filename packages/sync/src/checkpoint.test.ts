import { statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { tempDir } from '@fountain/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { deferCheckpoints, SAFETY_NET_AUTOCHECKPOINT_PAGES, startCheckpointer, type Checkpointer } from './checkpoint.ts';
import { recordingLogger, type Harness } from './relay/harness.test-support.ts';

const PAGE = 4096;

/** A WAL database with a table of ~4 KiB rows, so each row is about one page. */
function openWriter(path: string): Database.Database {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('CREATE TABLE IF NOT EXISTS blobs (id INTEGER PRIMARY KEY, body TEXT NOT NULL)');
  return db;
}

/** Writes `n` single-row transactions (each commit appends three pages to the WAL). */
function writeRows(db: Database.Database, n: number): void {
  const ins = db.prepare('INSERT INTO blobs (body) VALUES (?)');
  const body = 'x'.repeat(PAGE - 200);
  for (let i = 0; i < n; i++) ins.run(body);
}

const walPages = (path: string): number => {
  try {
    return Math.floor(statSync(`${path}-wal`).size / PAGE);
  } catch {
    return 0;
  }
};

describe('background WAL checkpoints', () => {
  const tmp = tempDir('sync-checkpoint-');
  const started: Checkpointer[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((c) => c.stop()));
  });

  it('deferCheckpoints: commits no longer checkpoint at 1000 pages (they would without it)', () => {
    const plain = openWriter(`${tmp.dir}/plain.db`);
    writeRows(plain, 1500);
    // SQLite's automatic checkpoint ran inside a commit and the WAL restarted from its beginning.
    expect(walPages(`${tmp.dir}/plain.db`)).toBeLessThan(1500);
    const [after] = plain.pragma('wal_checkpoint(PASSIVE)') as Array<{ log: number }>;
    expect(after!.log).toBeLessThan(1500);
    plain.close();

    const deferred = openWriter(`${tmp.dir}/deferred.db`);
    deferCheckpoints(deferred);
    expect(deferred.pragma('wal_autocheckpoint', { simple: true })).toBe(SAFETY_NET_AUTOCHECKPOINT_PAGES);
    writeRows(deferred, 1500);
    expect(walPages(`${tmp.dir}/deferred.db`)).toBeGreaterThanOrEqual(1500);
    deferred.close();
  });

  // At 20 ms the worker checkpoints during each burst of commits; at 400 ms only between them, so the
  // writer restarts the WAL and writes as many frames again before the next checkpoint (the frame
  // count once missed those: a WAL that restarted was taken for the same one).
  it.each([20, 400])('checkpoints on its worker (every %i ms) while the writer writes, so the WAL restarts instead of growing', async (intervalMs) => {
    const path = `${tmp.dir}/busy-${intervalMs}.db`;
    const db = openWriter(path);
    deferCheckpoints(db);
    const logs: Harness['logs'] = [];
    const cp = startCheckpointer({ database: path, intervalMs, logger: recordingLogger(logs) });
    started.push(cp);
    // 6 rounds of 600 commits (3 frames each, ~10,800 WAL frames in all), letting the worker catch up
    // in between: the WAL then restarts from its beginning at the next commit.
    let maxWal = 0;
    for (let round = 0; round < 6; round++) {
      writeRows(db, 600);
      await expect.poll(() => cp.stats().framesCheckpointed >= (round + 1) * 1800 && cp.stats().walFramesPending === 0, { timeout: 20_000 }).toBe(true);
      maxWal = Math.max(maxWal, cp.stats().lastWalFrames);
    }
    // Without checkpoints the WAL would hold every frame; with them it holds about one round's.
    expect(maxWal).toBeLessThan(3000);
    expect(cp.stats().checkpoints).toBeGreaterThanOrEqual(6);
    expect(cp.stats().failures).toBe(0);
    // Everything the WAL held is in the database file: a checkpoint now has nothing left to copy.
    await cp.stop();
    const [last] = db.pragma('wal_checkpoint(PASSIVE)') as Array<{ log: number; checkpointed: number }>;
    expect(last!.checkpointed).toBe(last!.log);
    expect(db.prepare('SELECT count(*) FROM blobs').pluck().get()).toBe(3600);
    expect(logs.filter((l) => l.level !== 'debug')).toEqual([]);
    db.close();
  });

  it('stop() ends the worker (twice is fine) and a database it cannot open is logged, not thrown', async () => {
    const path = `${tmp.dir}/stop.db`;
    openWriter(path).close();
    const cp = startCheckpointer({ database: path, intervalMs: 10, logger: recordingLogger([]) });
    await cp.stop();
    await cp.stop();

    const logs: Harness['logs'] = [];
    const broken = startCheckpointer({ database: `${tmp.dir}/no/such/dir/x.db`, intervalMs: 10, logger: recordingLogger(logs) });
    await expect.poll(() => logs.length, { timeout: 5000 }).toBeGreaterThan(0);
    expect(logs.map((l) => l.msg).join('\n')).toMatch(/checkpointer/);
    await broken.stop();
  });
});
