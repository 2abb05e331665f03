import Database from 'better-sqlite3';
import { createEmbeddedBackend, type SearchBackend } from '@fountain/search';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensureSyncTables } from './capture.ts';
import type { Row } from './declaration.ts';
import { tempDb } from './evolution.test-support.ts';
import { outboxWatermark } from './index-wait.ts';
import { startSync, type Sync } from './start-sync.ts';

/** The declaration's transform: a row titled 'poison' can't become a document (a 422 dead letter). */
function refusePoison(doc: Row): Row {
  if (doc.title === 'poison') throw new Error('poison is not allowed');
  return doc;
}

describe('waitForIndexed (embedded backend)', () => {
  let t: ReturnType<typeof tempDb>;
  let backend: SearchBackend;
  let sync: Sync;
  beforeEach(async () => {
    t = tempDb();
    backend = await createEmbeddedBackend({ dataDir: `${t.dir}/search` });
    t.db.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY, title TEXT NOT NULL)');
    sync = await startSync({
      database: t.path,
      // A transform that throws stands for any document the index rejects for good (a dead letter).
      tables: [{ table: 'notes', collection: 'notes', transform: refusePoison }],
      backend,
      relay: { pollMs: 50, maxWaitMs: 1 },
      auditIntervalMs: 0,
    });
  });
  afterEach(async () => {
    await sync.stop();
    await backend.close();
    t.cleanup();
  });

  /** One write transaction on the service's own connection: answers its outbox range. */
  const write = (sql: string, ...params: unknown[]): { since: number; watermark: number } =>
    t.db.transaction(() => {
      const since = outboxWatermark(t.db);
      t.db.prepare(sql).run(...params);
      return { since, watermark: outboxWatermark(t.db) };
    }).immediate();

  it('answers ok once the write is searchable, and rejected when the index refused one of its documents', async () => {
    const good = write('INSERT INTO notes (id, title) VALUES (1, ?)', 'fine');
    expect(await sync.waitForIndexed(good.watermark, 5000, good.since)).toEqual({ ok: true });
    expect((await backend.getDocument('notes', '1')).title).toBe('fine');

    const bad = write('INSERT INTO notes (id, title) VALUES (2, ?)', 'poison');
    const r = await sync.waitForIndexed(bad.watermark, 5000, bad.since);
    expect(r).toMatchObject({ ok: false, reason: 'rejected', rejected: [{ collection: 'notes', docId: '2', code: 422 }] });
    expect(r.ok === false && r.reason === 'rejected' && r.rejected[0]!.message).toMatch(/poison is not allowed/);
    // Without `since` the wait can't tell whose documents were rejected: it only waits for the outbox.
    expect(await sync.waitForIndexed(bad.watermark, 5000)).toEqual({ ok: true });

    // A later write is not blamed for the earlier dead letter; an update that fixes the row clears it.
    const other = write('INSERT INTO notes (id, title) VALUES (3, ?)', 'fine too');
    expect(await sync.waitForIndexed(other.watermark, 5000, other.since)).toEqual({ ok: true });
    const fix = write('UPDATE notes SET title = ? WHERE id = 2', 'cured');
    expect(await sync.waitForIndexed(fix.watermark, 5000, fix.since)).toEqual({ ok: true });
    expect(t.db.prepare('SELECT count(*) FROM sync_errors').pluck().get()).toBe(0);

    // The same key rejected twice: each write is told, whatever the first rejection's range was.
    const again1 = write('UPDATE notes SET title = ? WHERE id = 3', 'poison');
    expect(await sync.waitForIndexed(again1.watermark, 5000, again1.since)).toMatchObject({ ok: false, reason: 'rejected' });
    const again2 = write("UPDATE notes SET title = 'poison' WHERE id = 3");
    expect(await sync.waitForIndexed(again2.watermark, 5000, again2.since)).toMatchObject({ ok: false, reason: 'rejected' });
  });

  it('answers timeout, with the relay attempt, when the outbox does not drain within the bound', async () => {
    await sync.relay.stop();
    const w = write('INSERT INTO notes (id, title) VALUES (9, ?)', 'late');
    expect(await sync.waitForIndexed(w.watermark, 50, w.since)).toEqual({ ok: false, reason: 'timeout', retryAttempt: 0 });
  });
});

describe('ensureSyncTables', () => {
  it('adds the seq range columns to a sync_errors table created before them, keeping its rows', () => {
    const t = tempDb();
    try {
      t.db.exec(`CREATE TABLE sync_errors (
        tbl TEXT NOT NULL, row_key TEXT NOT NULL, collection TEXT NOT NULL, doc_id TEXT NOT NULL,
        code INTEGER NOT NULL, message TEXT NOT NULL, attempts INTEGER NOT NULL,
        first_seen_ms INTEGER NOT NULL, last_seen_ms INTEGER NOT NULL, payload TEXT NOT NULL,
        PRIMARY KEY (tbl, row_key))`);
      t.db.exec(`INSERT INTO sync_errors VALUES ('notes', '[1]', 'notes', '1', 400, 'bad', 1, 0, 0, '{}')`);
      ensureSyncTables(t.db);
      ensureSyncTables(t.db);
      const cols = (t.db.pragma('table_info(sync_errors)') as Array<{ name: string }>).map((c) => c.name);
      expect(cols).toEqual(expect.arrayContaining(['seq_min', 'seq_max']));
      expect(t.db.prepare('SELECT doc_id, seq_min FROM sync_errors').all()).toEqual([{ doc_id: '1', seq_min: null }]);
      expect(new Database(t.path, { readonly: true }).prepare('SELECT count(*) FROM sync_errors').pluck().get()).toBe(1);
    } finally {
      t.cleanup();
    }
  });
});
