/**
 * The relay end to end as in production: the official client (our typesense backend) talking to the
 * Search Gateway process with a service key, in front of a real Typesense server. Includes an outage:
 * Typesense killed while writes continue, then restarted; nothing is lost or dead-lettered.
 */
import { AppError } from '@fountain/kit';
import { createTypesenseBackend, type SearchBackend } from '@fountain/search';
import { startGateway, startTypesense, typesenseAvailable, type GatewayProcess, type TypesenseServer } from '@fountain/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listDeadLetters } from '../dead-letters.ts';
import { createHarness, eventually } from './harness.test-support.ts';
import { indexedDocs, tempDir } from './fixtures.test-support.ts';

const C = 'relay_elements';
const SERVICE_KEY = 'relay-test-service-key-0123456789';

describe.runIf(typesenseAvailable())('relay through the gateway on real Typesense', () => {
  let ts: TypesenseServer;
  let gw: GatewayProcess;
  let backend: SearchBackend;
  const gwData = tempDir('sync-gw-');
  beforeAll(async () => {
    ts = await startTypesense();
    gw = await startGateway({ typesense: ts, serviceKey: SERVICE_KEY, env: { DATA_DIR: gwData.dir } });
    backend = createTypesenseBackend({ nodes: [{ host: '127.0.0.1', port: gw.port, protocol: 'http' }], apiKey: SERVICE_KEY, connectionTimeoutSeconds: 2 });
  });
  afterAll(async () => {
    await backend?.close();
    await gw?.stop();
    await ts?.stop();
    gwData.cleanup();
  });

  it('indexes writes, deletes and PK changes, dead-letters a rejected document, and survives a Typesense outage', async () => {
    const h = await createHarness({ backend, collection: C, backoff: { baseMs: 20, maxMs: 300 } });
    try {
      const put = h.db.prepare('INSERT INTO elements (id, title, version) VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET title = excluded.title, version = excluded.version');
      for (let i = 1; i <= 50; i++) put.run(i, `title ${i}`, 1);
      put.run(51, 'bad', 'not a number');
      h.db.prepare('DELETE FROM elements WHERE id = 2').run();
      h.db.prepare('UPDATE elements SET id = 100 WHERE id = 3').run();
      await h.relay.drain(15_000);
      let docs = await indexedDocs(backend, C);
      expect([...docs.keys()].filter((k) => !/^([1-9]|[1-4][0-9]|50)$/.test(k))).toEqual(['100']);
      expect(docs.size).toBe(49);
      expect(docs.has('2') || docs.has('3') || docs.has('51')).toBe(false);
      expect(docs.get('100')).toMatchObject({ title: 'title 3' });
      const dl = listDeadLetters(h.db).items;
      expect(dl).toHaveLength(1);
      expect(dl[0]).toMatchObject({ rowKey: '[51]', collection: C, code: 400 });

      // Outage: kill Typesense; keep writing; the relay retries (never dead-letters), then catches up.
      await ts.kill();
      const update = h.db.prepare('UPDATE elements SET title = ?, version = 2 WHERE id = ?');
      for (let i = 1; i <= 20; i++) update.run(`after outage ${i}`, i);
      await eventually(() => h.relay.stats().transientFailures >= 2, 15_000);
      expect(listDeadLetters(h.db).total).toBe(1);
      await ts.restart();
      await h.relay.drain(30_000);
      docs = await indexedDocs(backend, C);
      expect(docs.get('20')).toMatchObject({ title: 'after outage 20', version: 2 });
      expect(docs.size).toBe(49);
      expect(listDeadLetters(h.db).total).toBe(1);
    } finally {
      await h.close();
      await backend.deleteCollection(C).catch(() => undefined);
    }
  }, 90_000);

  it('a wrong service key is misconfiguration: retried with error logs, never dead-lettered', async () => {
    const wrong = createTypesenseBackend({ nodes: [{ host: '127.0.0.1', port: gw.port, protocol: 'http' }], apiKey: 'wrong-key-0123456789' });
    const h = await createHarness({ backend, collection: C, start: false });
    const { createRelay } = await import('./create-relay.ts');
    const { recordingLogger } = await import('./harness.test-support.ts');
    const logs: Parameters<typeof recordingLogger>[0] = [];
    const relay = createRelay({ db: h.relayDb, tables: [h.derived], backend: wrong, logger: recordingLogger(logs), backoff: { baseMs: 10, maxMs: 50 } });
    try {
      h.db.prepare("INSERT INTO elements (id, title, version) VALUES (1, 'x', 1)").run();
      relay.start();
      await eventually(() => logs.filter((l) => l.level === 'error').length >= 2, 10_000);
      const err = (logs.find((l) => l.level === 'error')?.obj as { err?: unknown }).err;
      expect(err).toBeInstanceOf(AppError);
      expect(listDeadLetters(h.db).total).toBe(0);
      expect(h.db.prepare('SELECT count(*) FROM _sync_outbox').pluck().get()).toBe(1);
    } finally {
      await relay.stop();
      await wrong.close();
      await h.close();
      await backend.deleteCollection(C).catch(() => undefined);
    }
  }, 30_000);
});
