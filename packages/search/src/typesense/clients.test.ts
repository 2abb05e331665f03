// The connection policy of clients.ts against the real binary: a wrong key, failover between nodes,
// and an outage. Its own server, since the last test kills and restarts it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startTypesense, typesenseAvailable, type TypesenseServer } from '@fountain/testing';
import type { SearchBackend } from '../backend.ts';
import { createTypesenseBackend } from './typesense-backend.ts';
import { BOOKS, expectAppError, seededBooks, toJsonl } from './typesense-backend.test-support.ts';

describe.skipIf(!typesenseAvailable())('typesense clients: misconfiguration and outages, against a real Typesense 0.24.1', () => {
  let ts: TypesenseServer;
  let backend: SearchBackend;
  const warnings: string[] = [];
  const logger = { warn: (m: string) => warnings.push(m), error: () => undefined, debug: () => undefined };

  beforeAll(async () => {
    ts = await startTypesense();
    backend = createTypesenseBackend({
      nodes: [{ host: ts.host, port: ts.port, protocol: 'http' }],
      apiKey: ts.apiKey,
      logger,
    });
  });

  afterAll(async () => {
    await backend?.close();
    await ts?.stop();
  });

  const seeded = (): Promise<string> => seededBooks(backend);

  it('maps a wrong admin key to INTERNAL_SERVER_ERROR without leaking it', async () => {
    const secret = 'wrong-key-that-must-not-leak';
    const bad = createTypesenseBackend({ nodes: [{ host: ts.host, port: ts.port, protocol: 'http' }], apiKey: secret });
    try {
      const err = await expectAppError(bad.listCollections(), 'INTERNAL_SERVER_ERROR');
      expect(err.retryable).toBe(false);
      expect(JSON.stringify(err.toEnvelope())).not.toContain(secret);
      expect(err.message).toMatch(/TYPESENSE_API_KEY/);
    } finally {
      await bad.close();
    }
  });

  it('fails over from a dead node to a live one', async () => {
    const deadPort = await freePort();
    const multi = createTypesenseBackend({
      nodes: [
        { host: '127.0.0.1', port: deadPort, protocol: 'http' },
        { host: ts.host, port: ts.port, protocol: 'http' },
      ],
      apiKey: ts.apiKey,
    });
    try {
      const name = await seeded();
      for (let i = 0; i < 4; i++) {
        expect(Array.isArray(await multi.listCollections())).toBe(true);
        // The raw search path fails over in the same way.
        expect(JSON.parse((await multi.searchRaw!(name, { q: 'dune', query_by: 'title' })).toString()).found).toBe(2);
      }
      expect(await multi.health()).toBe(true);
    } finally {
      await multi.close();
    }
  });

  // Last in the file: it stops and restarts the shared server.
  it('answers SEARCH_BACKEND_UNAVAILABLE fast while Typesense is down, and recovers after a restart', async () => {
    const name = await seeded();
    await ts.kill();
    try {
      const calls: Array<[string, () => Promise<unknown>]> = [
        ['search', () => backend.search(name, { q: 'dune', query_by: 'title' })],
        ['searchRaw', () => backend.searchRaw!(name, { q: 'dune', query_by: 'title' })],
        ['getDocument', () => backend.getDocument(name, '1')],
        ['import', () => backend.importDocuments(name, toJsonl(BOOKS), { action: 'upsert' })],
        ['export', () => backend.exportDocuments(name, {})],
        ['patch', () => backend.updateCollection(name, { fields: [{ name: 'x', type: 'string', optional: true }] })],
        ['multiSearch', () => backend.multiSearch([{ collection: name, q: 'x', query_by: 'title' }], {})],
      ];
      for (const [label, fn] of calls) {
        const started = Date.now();
        const err = await expectAppError(fn(), 'SEARCH_BACKEND_UNAVAILABLE');
        expect(err.status, label).toBe(503);
        expect(err.retryable, label).toBe(true);
        expect(Date.now() - started, label).toBeLessThan(5_000);
      }
      const started = Date.now();
      expect(await backend.health()).toBe(false);
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(warnings.some((w) => /ECONNREFUSED/.test(w))).toBe(true);
      expect(warnings.join('\n')).not.toContain(ts.apiKey);
    } finally {
      await ts.restart();
    }
    expect(await backend.health()).toBe(true);
    expect((await backend.search(name, { q: 'dune', query_by: 'title' })).found).toBe(2);
    await backend.writeDocument(name, { id: '4', title: 'Dune again', genre: 'scifi', year: 2000 }, 'upsert');
    expect(await backend.getDocument(name, '4')).toMatchObject({ year: 2000 });
  }, 60_000);
});
