/**
 * A long lock (docs/sequence.md, "A long lock"): another process holds the database's write lock
 * (BEGIN IMMEDIATE) for longer than the service waits for it. The gateway (embedded engine) and the
 * service run as their own processes; the lock holder is a third one.
 *
 * - While a write waits for the lock, /health and a plain read answer at once: the wait is on timers,
 *   not inside better-sqlite3, and reads have their own connection.
 * - Past the bound the write answers 503 in the envelope, retryable, with Retry-After, and nothing of
 *   it was written; a write that gets the lock within the bound succeeds.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, startService, type ServiceProcess } from '@fountain/testing';

const SERVICE_KEY = 'long-lock-service-key-8e21c4';
const API_KEY = 'long-lock-api-key-51f0d2';
let dir: string;
let dbPath: string;
let gateway: ServiceProcess;
let sequence: ServiceProcess;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sequence-lock-'));
  dbPath = join(dir, 'sequence.db');
  gateway = await startService({
    entry: 'services/search-gateway/src/server.ts',
    env: { DATA_DIR: join(dir, 'gateway'), TYPESENSE_SERVICE_API_KEY: SERVICE_KEY, TYPESENSE_HOST: '', TYPESENSE_NODES: '' },
    timeoutMs: 90_000,
  });
  sequence = await startService({
    entry: 'services/sequence/src/server.ts',
    env: { DATABASE_URL: `sqlite:///${dbPath}`, API_KEY, TYPESENSE_CLIENT_URL: gateway.url, TYPESENSE_SERVICE_API_KEY: SERVICE_KEY },
    timeoutMs: 90_000,
  });
}, 200_000);

afterAll(async () => {
  await sequence?.stop();
  await gateway?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** A request timed from the outside; answers status, headers, body and elapsed ms. */
async function timed(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const t0 = performance.now();
  const res = await fetch(`${sequence.url}${path}`, {
    method,
    headers: { 'X-API-KEY': API_KEY, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = (await res.json()) as Record<string, unknown>;
  return { status: res.status, headers: res.headers, body: json, ms: performance.now() - t0 };
}

/** A second process holding the write lock (BEGIN IMMEDIATE) until `release()`. */
async function holdLock(): Promise<{ release(): Promise<void> }> {
  const script = `
    const Database = require('better-sqlite3');
    const db = new Database(process.argv[1]);
    db.exec('BEGIN IMMEDIATE');
    process.stdout.write('locked\\n');
    process.stdin.once('data', () => { db.exec('ROLLBACK'); db.close(); process.exit(0); });`;
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, ['-e', script, dbPath], { cwd: REPO_ROOT });
  await new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`lock holder exited with ${code}`)));
  });
  return {
    release: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.stdin.write('release\n');
      }),
  };
}

const element = (id: number, elementType = 'script') => ({ elementType, elementId: id, comment: `Scene ${id}.` });

describe('a write lock held by another process', () => {
  it('past the bound: a retryable 503 with Retry-After, nothing written; meanwhile health and reads answer at once', async () => {
    // Element 1 exists and is indexed (the relay has nothing left to acknowledge).
    const first = await timed('POST', '/sequence', element(1), { Prefer: 'wait-for-index' });
    expect(first.status, JSON.stringify(first.body)).toBe(201);

    const lock = await holdLock();
    let released = false;
    try {
      const write = timed('POST', '/sequence', element(2));
      await new Promise((r) => setTimeout(r, 300));
      // The write is waiting for the lock now. Health, readiness and reads must not wait with it.
      const probes: number[] = [];
      for (let i = 0; i < 8; i++) {
        const health = await timed('GET', '/health');
        const read = await timed('GET', '/elements/script/1');
        expect(health.status).toBe(200);
        expect(read.status).toBe(200);
        expect(read.body).toMatchObject({ elementId: 1, sequenceNumber: 1 });
        probes.push(health.ms, read.ms);
        await new Promise((r) => setTimeout(r, 400));
      }
      const sorted = [...probes].sort((a, b) => a - b);
      console.log(`long lock: health/read while a write waits: median ${sorted[sorted.length >> 1]!.toFixed(1)} ms, max ${sorted[sorted.length - 1]!.toFixed(1)} ms`);
      expect(sorted[sorted.length >> 1]).toBeLessThan(200);
      expect(sorted[sorted.length - 1]).toBeLessThan(2000);

      const w = await write;
      expect(w.status, JSON.stringify(w.body)).toBe(503);
      expect(w.body).toMatchObject({
        errorCode: 'SEARCH_BACKEND_UNAVAILABLE',
        message: expect.stringMatching(/database is busy.*Nothing was written/) as unknown,
        details: { reason: 'database_busy', retryable: true, retryAfterSeconds: 1 },
      });
      expect(w.headers.get('retry-after')).toBe('1');
      // It waited for the bound (DB_LOCK_WAIT_MS, 5 s by default), not much longer.
      expect(w.ms).toBeGreaterThanOrEqual(4900);
      expect(w.ms).toBeLessThan(10_000);

      await lock.release();
      released = true;
      // Nothing of the refused write happened: element 2 does not exist, and position 2 is still free.
      expect((await timed('GET', '/elements/script/2')).status).toBe(404);
      const again = await timed('POST', '/sequence', element(2), { Prefer: 'wait-for-index' });
      expect(again.status, JSON.stringify(again.body)).toBe(201);
      expect(again.body.sequenceNumber).toBe(2);
      const list = await timed('GET', '/elements/script');
      expect(list.body.found).toBe(2);
    } finally {
      if (!released) await lock.release();
    }
  }, 40_000);

  it('a write that gets the lock within the bound waits for it and succeeds', async () => {
    const lock = await holdLock();
    const write = timed('POST', '/sequence', element(1, 'section'));
    await new Promise((r) => setTimeout(r, 1000));
    await lock.release();
    const w = await write;
    expect(w.status, JSON.stringify(w.body)).toBe(201);
    expect(w.body.sequenceNumber).toBe(1);
    expect(w.ms).toBeGreaterThanOrEqual(900);
  }, 20_000);
});
