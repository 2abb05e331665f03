/**
 * Issue 8 item 2: keys written to logs in clear. Each fault of the report is driven against real
 * processes at the most verbose log level, and every line they print is searched for every configured
 * secret: zero hits.
 * - the gateway with Typesense unreachable (the client's errors carry its config, admin key included);
 * - the sequence service's relay with the gateway down (it used to log TYPESENSE_SERVICE_API_KEY on
 *   every retry);
 * - a key sent as the `x-typesense-api-key` query parameter (logged URLs, a malformed URL, a 404).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, startGateway, startService, type ServiceProcess } from '@fountain/testing';

/** Throwaway secrets, distinct enough that a hit can only be a leak. */
const ADMIN_KEY = 'leak-probe-admin-key-7d41c2';
const SERVICE_KEY = 'leak-probe-service-key-90ab3e';
const SCOPED_KEY = 'leak-probe-scoped-key-c83f10';
const API_KEY = 'leak-probe-sequence-api-key-5e2d77';
const SECRETS = [ADMIN_KEY, SERVICE_KEY, SCOPED_KEY, API_KEY];

const started: ServiceProcess[] = [];
const dirs: string[] = [];
afterAll(async () => {
  await Promise.allSettled(started.map((s) => s.stop()));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Every secret that appears in the output, with the line it appears on. */
function leaks(output: string): string[] {
  return output.split('\n').filter((line) => SECRETS.some((s) => line.includes(s) || line.includes(encodeURIComponent(s))));
}

describe('no configured secret in any log line', () => {
  it('the gateway with Typesense unreachable, a key in the query string, a malformed URL and a 404', async () => {
    const deadPort = await freePort();
    const gw = await startGateway({
      serviceKey: SERVICE_KEY,
      outputLimit: 5_000_000,
      timeoutMs: 90_000,
      env: {
        LOG_LEVEL: 'trace',
        TYPESENSE_HOST: '127.0.0.1',
        TYPESENSE_PORT: String(deadPort),
        TYPESENSE_API_KEY: ADMIN_KEY,
        GATEWAY_API_KEYS: JSON.stringify([{ id: 'scoped', value: SCOPED_KEY, collections: ['sequence_*'], actions: ['documents:*'] }]),
      },
    });
    started.push(gw);
    const statuses: number[] = [];
    const call = async (path: string, init: RequestInit = {}) => {
      const res = await fetch(`${gw.url}${path}`, { ...init, signal: AbortSignal.timeout(30_000) });
      statuses.push(res.status);
      await res.text();
    };
    for (const key of [SERVICE_KEY, SCOPED_KEY]) {
      await call('/collections/sequence_a/documents/search?q=*&query_by=comment', { headers: { 'X-TYPESENSE-API-KEY': key } });
      await call(`/collections/sequence_a/documents/search?q=*&query_by=comment&x-typesense-api-key=${key}`);
      await call(`/collections/sequence_a/documents/1?x-typesense-api-key=${key}`);
      await call('/collections/sequence_a/documents/import', { method: 'POST', headers: { 'X-API-KEY': key, 'content-type': 'text/plain' }, body: '{"id":"1"}' });
      await call('/documents/sync', { method: 'POST', headers: { Authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ operation: 'delete', document_id: '1', collection: 'sequence_a' }) });
      await call(`/collections/%E0%A4%A/documents?x-typesense-api-key=${key}`);
      await call(`/nope?x-typesense-api-key=${key}`);
    }
    await call('/ready');
    await gw.stopAndClean();
    // Typesense being down is what the gateway answered (so the faulty path was taken) ...
    expect(statuses).toContain(503);
    expect(gw.output()).toContain('SEARCH_BACKEND_UNAVAILABLE');
    // ... and no line holds a secret.
    expect(leaks(gw.output())).toEqual([]);
  }, 180_000);

  it("the sequence service's relay retrying with the gateway down", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'leak-probe-'));
    dirs.push(dir);
    const deadGateway = `http://127.0.0.1:${await freePort()}`;
    const seq = await startService({
      entry: 'services/sequence/src/server.ts',
      outputLimit: 5_000_000,
      timeoutMs: 90_000,
      env: {
        LOG_LEVEL: 'trace',
        DATABASE_URL: `sqlite:///${join(dir, 'sequence.db')}`,
        API_KEY,
        TYPESENSE_CLIENT_URL: deadGateway,
        TYPESENSE_SERVICE_API_KEY: SERVICE_KEY,
      },
    });
    started.push(seq);
    for (let i = 1; i <= 3; i++) {
      const res = await fetch(`${seq.url}/sequence`, {
        method: 'POST',
        headers: { 'X-API-KEY': API_KEY, 'content-type': 'application/json' },
        body: JSON.stringify({ elementType: 'script', elementId: i, comment: `probe ${i}` }),
      });
      expect(res.status).toBe(201);
    }
    await fetch(`${seq.url}/search?q=*&x-typesense-api-key=${SERVICE_KEY}`, { headers: { 'X-API-KEY': API_KEY } });
    // Let the relay retry several times against the dead gateway.
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && (seq.output().match(/retrying/g) ?? []).length < 3) await new Promise((r) => setTimeout(r, 250));
    await seq.stop();
    expect((seq.output().match(/retrying/g) ?? []).length).toBeGreaterThanOrEqual(3);
    expect(leaks(seq.output())).toEqual([]);
  }, 180_000);
});
