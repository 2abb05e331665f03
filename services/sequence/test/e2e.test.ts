/**
 * End to end: the real Search Gateway process (embedded engine) and the sequence service as its own
 * process, exactly as `npm start` would run them; the seeds' flows over HTTP, then the elements found
 * in search, through this service and through the gateway's seed endpoint.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startService, type ServiceProcess } from '@fountain/testing';

const SERVICE_KEY = 'e2e-service-key-51ab09';
const API_KEY = 'e2e-sequence-api-key-0c3f';
let dir: string;
let gateway: ServiceProcess;
let sequence: ServiceProcess;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sequence-e2e-'));
  gateway = await startService({
    entry: 'services/search-gateway/src/server.ts',
    env: { DATA_DIR: join(dir, 'gateway'), TYPESENSE_SERVICE_API_KEY: SERVICE_KEY, TYPESENSE_HOST: '', TYPESENSE_NODES: '' },
  });
  sequence = await startService({
    entry: 'services/sequence/src/server.ts',
    env: {
      DATABASE_URL: `sqlite:///${join(dir, 'sequence.db')}`,
      API_KEY,
      TYPESENSE_CLIENT_URL: gateway.url,
      TYPESENSE_SERVICE_API_KEY: SERVICE_KEY,
      SERVICE_NAME: 'service_a',
    },
  });
}, 60_000);

afterAll(async () => {
  await sequence?.stop();
  await gateway?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const api = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
  const res = await fetch(`${sequence.url}${path}`, {
    method,
    headers: { 'X-API-KEY': API_KEY, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> & { hits?: Array<{ document: Record<string, unknown> }> } };
};

describe('gateway + sequence service, each its own process', () => {
  it('the seeds\' flows over HTTP end up in search', async () => {
    for (const id of [1, 2, 3]) {
      const r = await api('POST', '/sequence', { elementType: 'script', elementId: id, comment: `Scene ${id} of the lighthouse story.` });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      expect(r.body.sequenceNumber).toBe(id);
    }
    const v = await api('POST', '/sequence/version', {
      elementType: 'script', elementId: 2, newVersionData: { text: 'The keeper climbs the stairs' }, comment: 'Second draft.',
    });
    expect(v).toEqual({ status: 201, body: { versionNumber: 2, comment: 'Second draft. (Created new version for script 2.)' } });
    const put = await api('PUT', '/sequence/reorder', {
      elementType: 'script', elements: [{ elementId: 1, newSequence: 3 }, { elementId: 3, newSequence: 1 }], comment: 'Open with the storm.',
    });
    expect(put.status).toBe(200);
    const post = await api('POST', '/sequence/reorder', { elementIds: [1, 2], newOrder: [1, 2] }, { Prefer: 'wait-for-index' });
    expect(post.status, JSON.stringify(post.body)).toBe(200);
    expect(post.body).toEqual({
      reorderedElements: [
        { elementId: 1, oldSequenceNumber: 3, newSequenceNumber: 2 },
        { elementId: 2, oldSequenceNumber: 2, newSequenceNumber: 3 },
      ],
      comment: 'Elements reordered successfully.',
    });

    // Through this service's GET /search (everything committed before the waited write is indexed).
    const all = await api('GET', `/search?q=*&sort_by=${encodeURIComponent('sequence_number:asc,version_number:asc')}&per_page=50`);
    expect(all.status, JSON.stringify(all.body)).toBe(200);
    const docs = all.body.hits!.map((h) => h.document);
    expect(docs.map((d) => [d.id, d.sequence_number])).toEqual([
      ['script:3:1', 1],
      ['script:1:1', 2],
      ['script:2:1', 3],
      ['script:2:2', 3],
    ]);
    for (const d of docs) expect(d.service_name).toBe('service_a');
    const text = await api('GET', `/search?q=stairs&query_by=data`);
    expect(text.body.hits!.map((h) => h.document.id)).toEqual(['script:2:2']);

    // Through the gateway's seed endpoint, as in seeds/000's curl example, naming the collection.
    const res = await fetch(`${gateway.url}/search`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-API-KEY': SERVICE_KEY },
      body: JSON.stringify({ q: 'script', query_by: 'element_type', filter_by: null, sort_by: 'sequence_number:asc', max_hits: 10, collection: 'sequence_elements' }),
    });
    expect(res.status).toBe(200);
    const seed = (await res.json()) as { found: number; hits: Array<{ document: { id: string } }> };
    expect(seed.found).toBe(4);
    expect(seed.hits[0]!.document.id).toBe('script:3:1');
  }, 60_000);

  it('/ready reports the database and the relay; /metrics carries sync metrics', async () => {
    const ready = await fetch(`${sequence.url}/ready`);
    expect(ready.status).toBe(200);
    const metrics = await (await fetch(`${sequence.url}/metrics`)).text();
    expect(metrics).toContain('sync_outbox_depth');
  });

  it('shuts down cleanly on SIGTERM', async () => {
    expect(await sequence.stop()).toBe(0);
  });
});
