/**
 * syncPlugin on a real app, a real SQLite file and a real (embedded) engine: the decoration, metrics
 * recorded into the app's own registry, `sync_relay` in /ready, and `Prefer: wait-for-index` on routes
 * that contain no sync code at all (the write's range comes from `writeTransaction`).
 */
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { createApp, type App } from '@fountain/kit';
import { createEmbeddedBackend, type SearchBackend } from '@fountain/search';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syncPlugin } from './plugin.ts';
import { openDb, tempDir } from './relay/fixtures.test-support.ts';
import { startSync, type Sync } from './start-sync.ts';
import { writeTransaction } from './write-context.ts';

const KEY = 'plugin-test-key-0123456789';

describe('syncPlugin', () => {
  const tmp = tempDir('sync-plugin-');
  let db: Database.Database;
  let backend: SearchBackend;
  let sync: Sync;
  let app: App;
  beforeAll(async () => {
    const path = join(tmp.dir, 'app.db');
    db = openDb(path);
    db.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)');
    backend = await createEmbeddedBackend({ dataDir: join(tmp.dir, 'search') });
    sync = await startSync({ database: path, tables: [{ table: 'notes', collection: 'notes' }], backend, auditIntervalMs: 0, relay: { pollMs: 50 } });
    app = createApp({ name: 'plugin-test', version: '0', logger: false, keys: [{ id: 'k', value: KEY, collections: ['*'], actions: ['*'] }] });
    await app.register(syncPlugin, { sync, indexWaitMs: 5000 });
    // Routes as a service writes them: SQL in writeTransaction, no watermark, no wait, no reply helper.
    app.post('/notes/:id', async (request, reply) => {
      const { id } = request.params as { id: string };
      writeTransaction(db, () => db.prepare('INSERT INTO notes (id, body) VALUES (?, ?)').run(Number(id), (request.body as { body: string }).body));
      return reply.code(201).send({ id: Number(id) });
    });
    app.delete('/notes/:id', async (request, reply) => {
      writeTransaction(db, () => db.prepare('DELETE FROM notes WHERE id = ?').run(Number((request.params as { id: string }).id)));
      return reply.code(204).send();
    });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    await sync.stop();
    await backend.close();
    db.close();
    tmp.cleanup();
  });

  const call = (method: 'POST' | 'DELETE', url: string, body?: string, prefer = true) =>
    app.inject({
      method,
      url,
      ...(body !== undefined && { payload: { body } }),
      headers: { 'x-api-key': KEY, ...(prefer && { prefer: 'wait-for-index' }) },
    });
  const found = async (q: string) => (await backend.search('notes', { q, query_by: 'body' })).found;

  it('decorates the app and adds sync_relay to /ready', async () => {
    expect(app.sync).toBe(sync);
    const ready = await app.inject({ url: '/ready' });
    expect(ready.json()).toMatchObject({ status: 'ready', checks: { sync_relay: true } });
  });

  it('waits for the index on a write route with no sync code, a 204 included', async () => {
    await sync.drain();
    const created = await call('POST', '/notes/1', 'albatross');
    expect(created.statusCode, created.body).toBe(201);
    expect(created.headers['preference-applied']).toBe('wait-for-index');
    expect(await found('albatross')).toBe(1); // no drain, no sleep: the answer came after the index
    const deleted = await call('DELETE', '/notes/1');
    expect(deleted.statusCode).toBe(204);
    expect(deleted.headers['preference-applied']).toBe('wait-for-index');
    expect(await found('albatross')).toBe(0);
  });

  it('answers at once without the preference (and says nothing about the index)', async () => {
    const res = await call('POST', '/notes/2', 'cormorant', false);
    expect(res.statusCode).toBe(201);
    expect(res.headers['preference-applied']).toBeUndefined();
  });

  it("records sync's metrics in the app's own registry (no copy)", async () => {
    await call('POST', '/notes/3', 'gannet');
    const text = await (await app.inject({ url: '/metrics' })).body;
    expect(text).toContain('sync_outbox_depth');
    const batches = /^sync_batch_size_count(?:\{[^}]*\})? (\d+)/m.exec(text);
    expect(Number(batches?.[1])).toBeGreaterThan(0);
  });
});
