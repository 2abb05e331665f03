import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { createApp, type App } from '@fountain/kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { syncAdminRoutes } from './admin-routes.ts';
import { installCapture } from './capture.ts';
import { NOW_MS_SQL } from './capture.ts';
import type { RelayStats } from './relay/types.ts';
import { openDb, tempDir } from './relay/fixtures.test-support.ts';

const ADMIN = 'admin-key-0123456789';
const SCOPED = 'scoped-key-0123456789';
const READER = 'reader-key-0123456789';

describe('sync admin routes', () => {
  let tmp: ReturnType<typeof tempDir>;
  let db: Database.Database;
  let app: App;
  let notified = 0;
  const stats = { state: 'idle', holdsLock: true, batches: 3 } as unknown as RelayStats;

  beforeEach(async () => {
    tmp = tempDir();
    db = openDb(join(tmp.dir, 'app.db'));
    installCapture(db, []);
    const add = db.prepare(
      `INSERT INTO sync_errors VALUES (?, ?, ?, ?, 400, 'Field \`version\` must be an int64.', 1, ${NOW_MS_SQL}, ${NOW_MS_SQL}, '{"id":"x"}', NULL, NULL)`,
    );
    add.run('elements', '[1]', 'sequence_elements', '1');
    add.run('elements', '[2]', 'sequence_elements', '2');
    add.run('stories', '["a"]', 'story_index', 'a');
    app = createApp({
      name: 'test',
      version: '0',
      logger: false,
      keys: [
        { id: 'admin', value: ADMIN, collections: ['*'], actions: ['*'] },
        { id: 'scoped', value: SCOPED, collections: ['sequence_*'], actions: ['documents:*', 'collections:get'] },
        { id: 'reader', value: READER, collections: ['*'], actions: ['documents:get'] },
      ],
    });
    notified = 0;
    await app.register(syncAdminRoutes, { sync: { db, relay: { stats: () => stats, notify: () => void notified++ } } });
    await app.ready();
  });
  afterEach(async () => {
    await app.close();
    db.close();
    tmp.cleanup();
  });

  const req = (key: string, method: 'GET' | 'POST', url: string, payload?: object) =>
    app.inject({ method, url, headers: { 'x-api-key': key }, ...(payload ? { payload } : {}) });
  const outbox = () => db.prepare('SELECT tbl, row_key FROM _sync_outbox ORDER BY seq').all();

  it('lists dead letters, filtered and paged', async () => {
    const all = await req(ADMIN, 'GET', '/sync/dead-letters');
    expect(all.statusCode).toBe(200);
    expect(all.json()).toMatchObject({ total: 3 });
    const page = await req(ADMIN, 'GET', '/sync/dead-letters?collection=sequence_elements&limit=1&offset=1');
    expect(page.json().total).toBe(2);
    expect(page.json().items).toHaveLength(1);
    expect(page.json().items[0]).toMatchObject({ tbl: 'elements', collection: 'sequence_elements', code: 400, attempts: 1, payload: '{"id":"x"}' });
  });

  it('a huge offset (9223372036854775807, a 500 "datatype mismatch" before) is a 400 naming offset', async () => {
    for (const offset of ['9223372036854775807', '9007199254740992', '1e300']) {
      const res = await req(ADMIN, 'GET', `/sync/dead-letters?offset=${offset}`);
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json()).toMatchObject({ errorCode: 'VALIDATION_ERROR' });
      expect(res.json().message).toContain('offset');
    }
    expect((await req(ADMIN, 'GET', `/sync/dead-letters?offset=${Number.MAX_SAFE_INTEGER}`)).json()).toMatchObject({ total: 3, items: [] });
  });

  it('replays one key, a collection, or all into the outbox, and wakes the relay', async () => {
    expect((await req(ADMIN, 'POST', '/sync/dead-letters/replay', { tbl: 'elements', rowKey: '[2]' })).json()).toEqual({ replayed: 1 });
    expect(outbox()).toEqual([{ tbl: 'elements', row_key: '[2]' }]);
    expect((await req(ADMIN, 'POST', '/sync/dead-letters/replay', { collection: 'story_index' })).json()).toEqual({ replayed: 1 });
    expect((await req(ADMIN, 'POST', '/sync/dead-letters/replay', { all: true })).json()).toEqual({ replayed: 3 });
    expect(notified).toBe(3);
    // The dead letters stay until the relay settles the keys.
    expect(db.prepare('SELECT count(*) FROM sync_errors').pluck().get()).toBe(3);
  });

  it('discards by selector', async () => {
    expect((await req(ADMIN, 'POST', '/sync/dead-letters/discard', { collection: 'sequence_elements' })).json()).toEqual({ discarded: 2 });
    expect((await req(ADMIN, 'POST', '/sync/dead-letters/discard', { all: true })).json()).toEqual({ discarded: 1 });
    expect(outbox()).toEqual([]);
  });

  it('answers the envelope for bad selectors and unknown keys', async () => {
    for (const body of [{}, { all: true, collection: 'x' }, { tbl: 'elements' }, { rowKey: '[1]' }, { all: false }, { nope: 1 }]) {
      const res = await req(ADMIN, 'POST', '/sync/dead-letters/replay', body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json().errorCode).toBe('VALIDATION_ERROR');
    }
    const missing = await req(ADMIN, 'POST', '/sync/dead-letters/replay', { tbl: 'elements', rowKey: '[99]' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ errorCode: 'NOT_FOUND' });
    expect((await req(ADMIN, 'GET', '/sync/dead-letters?limit=0')).statusCode).toBe(400);
  });

  it('authorizes per collection: a key scoped to sequence_* cannot see or touch story_index', async () => {
    expect((await app.inject({ method: 'GET', url: '/sync/dead-letters' })).statusCode).toBe(401);
    expect((await req(SCOPED, 'GET', '/sync/dead-letters')).statusCode).toBe(403);
    expect((await req(SCOPED, 'GET', '/sync/dead-letters?collection=sequence_elements')).statusCode).toBe(200);
    expect((await req(SCOPED, 'POST', '/sync/dead-letters/replay', { all: true })).statusCode).toBe(403);
    expect((await req(SCOPED, 'POST', '/sync/dead-letters/discard', { collection: 'story_index' })).statusCode).toBe(403);
    expect((await req(SCOPED, 'POST', '/sync/dead-letters/replay', { collection: 'sequence_elements' })).statusCode).toBe(200);
    // documents:get may read but not replay or discard.
    expect((await req(READER, 'GET', '/sync/dead-letters')).statusCode).toBe(200);
    expect((await req(READER, 'POST', '/sync/dead-letters/discard', { all: true })).statusCode).toBe(403);
    expect((await req(READER, 'GET', '/sync/status')).statusCode).toBe(403);
    expect(db.prepare('SELECT count(*) FROM sync_errors').pluck().get()).toBe(3);
  });

  it('reports status: outbox depth and age, dead letters, relay state', async () => {
    db.exec(`INSERT INTO _sync_outbox (tbl, row_key, op, created_ms) VALUES ('elements', '[5]', 'U', ${NOW_MS_SQL} - 2000)`);
    const res = await req(SCOPED, 'GET', '/sync/status');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ outbox: { depth: 1 }, deadLetters: 3, relay: { state: 'idle', holdsLock: true, batches: 3 } });
    expect(body.outbox.oldestAgeSeconds).toBeGreaterThanOrEqual(2);
  });
});
