/**
 * Convergence property (fast-check): random sequences of inserts, updates, deletes and primary-key
 * changes, interleaved with relay restarts (`stop()` then `startSync` again) and injected failures of
 * the calls to the REAL gateway process (embedded backend), always converge: after `drain`, the
 * documents exported through the gateway equal the table's rows, the audit finds nothing, and
 * `sync_errors` is empty. The fault injector wraps the real backend interface (fails before the call,
 * fails after the call was applied, or delays it); it never answers in the gateway's place.
 */
import fc from 'fast-check';
import { createTypesenseBackend, type SearchBackend } from '@fountain/search';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSync, type Sync } from '../src/index.ts';
import type { TableDeclaration } from '../src/index.ts';
import { auditDifferences, exportAll, openDb, sleep, startStack, tempDir, uniqueName, type Stack } from './stack.test-support.ts';

type Fault = 'none' | 'fail-before' | 'fail-after' | 'delay';

/** Wraps a real backend: the write calls the relay makes go through `fault()` first. */
function faultInjector(real: SearchBackend): { backend: SearchBackend; set: (f: (method: string) => Fault) => void; injected: () => number; calls: () => number } {
  let pick: (method: string) => Fault = () => 'none';
  let injected = 0;
  let calls = 0;
  const wrapped = new Set(['importDocuments', 'deleteDocument', 'deleteByFilter']);
  const backend = new Proxy(real, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (typeof v !== 'function') return v;
      const fn = (v as (...a: unknown[]) => Promise<unknown>).bind(target);
      if (typeof prop !== 'string' || !wrapped.has(prop)) return fn;
      return async (...args: unknown[]) => {
        calls++;
        const f = pick(prop);
        if (f !== 'none') injected++;
        if (f === 'fail-before') throw new Error(`injected: ${prop} failed before reaching the gateway`);
        if (f === 'delay') await sleep(30);
        const r = await fn(...args);
        // The gateway applied it, but the answer is lost (a timeout on the way back).
        if (f === 'fail-after') throw new Error(`injected: ${prop} answer lost after the gateway applied it`);
        return r;
      };
    },
  });
  return { backend, set: (f) => (pick = f), injected: () => injected, calls: () => calls };
}

type Cmd =
  | { kind: 'insert'; id: number; title: string }
  | { kind: 'update'; id: number; title: string }
  | { kind: 'delete'; id: number }
  | { kind: 'rekey'; from: number; to: number }
  | { kind: 'burst'; ids: number[] }
  | { kind: 'restart' }
  | { kind: 'faults'; rate: number; mode: Fault }
  | { kind: 'pause'; ms: number };

const id = fc.integer({ min: 1, max: 25 });
const word = fc.constantFrom('alpha', 'beta', 'gamma', 'delta', 'omega', 'tick`tock', "o'neil", 'ünïcode');
const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('insert' as const), id, title: word }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('update' as const), id, title: word }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('delete' as const), id }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('rekey' as const), from: id, to: id }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('burst' as const), ids: fc.array(id, { minLength: 1, maxLength: 8 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'restart' as const }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('faults' as const), rate: fc.double({ min: 0, max: 0.8, noNaN: true }), mode: fc.constantFrom<Fault>('none', 'fail-before', 'fail-after', 'delay') }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('pause' as const), ms: fc.integer({ min: 0, max: 40 }) }) },
);

describe('convergence property (gateway process on the embedded backend)', () => {
  let stack: Stack;
  let real: SearchBackend;
  const tmp = tempDir('sync-e2e-prop-');
  beforeAll(async () => {
    stack = await startStack('embedded');
    real = createTypesenseBackend({ nodes: [{ host: '127.0.0.1', port: stack.gw.port, protocol: 'http' }], apiKey: stack.gateway.apiKey, connectionTimeoutSeconds: 5 });
  });
  afterAll(async () => {
    await real?.close();
    await stack?.stop();
    tmp.cleanup();
  });

  it('any interleaving of writes, relay restarts and gateway-call failures converges', async () => {
    let runs = 0;
    let restarts = 0;
    let injectedTotal = 0;
    let callsTotal = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(cmd, { minLength: 5, maxLength: 40 }), fc.integer(), fc.double({ min: 0.3, max: 0.9, noNaN: true }), async (cmds, seed, initialRate) => {
        runs++;
        const table = uniqueName('prop_items');
        const decl: TableDeclaration = { table, collection: table };
        const path = `${tmp.dir}/${table}.db`;
        const db = openDb(path);
        db.exec(`CREATE TABLE ${table} (id INTEGER PRIMARY KEY, title TEXT NOT NULL, n INTEGER NOT NULL)`);
        const faults = faultInjector(real);
        let rng = seed >>> 0;
        const random = (): number => ((rng = (Math.imul(rng, 1103515245) + 12345) >>> 0) / 4294967296);
        const start = (): Promise<Sync> =>
          startSync({ database: path, tables: [decl], backend: faults.backend, relay: { backoff: { baseMs: 5, maxMs: 50 }, pollMs: 100 } });
        // Every run starts with some failing calls; `faults` commands change the rate and kind.
        faults.set(() => (random() < initialRate ? (random() < 0.5 ? 'fail-before' : 'fail-after') : 'none'));
        let sync = await start();
        const upsert = db.prepare(`INSERT INTO ${table} (id, title, n) VALUES (?, ?, 0) ON CONFLICT(id) DO UPDATE SET title = excluded.title, n = n + 1`);
        const update = db.prepare(`UPDATE ${table} SET title = ?, n = n + 1 WHERE id = ?`);
        const del = db.prepare(`DELETE FROM ${table} WHERE id = ?`);
        const rekey = db.prepare(`UPDATE OR IGNORE ${table} SET id = ?, n = n + 1 WHERE id = ?`);
        try {
          for (const c of cmds) {
            switch (c.kind) {
              case 'insert':
                upsert.run(c.id, c.title);
                break;
              case 'update':
                update.run(c.title, c.id);
                break;
              case 'delete':
                del.run(c.id);
                break;
              case 'rekey':
                rekey.run(c.to, c.from);
                break;
              case 'burst':
                db.transaction(() => c.ids.forEach((i, k) => (k % 3 === 2 ? del.run(i) : upsert.run(i, `burst ${k}`))))();
                break;
              case 'restart':
                restarts++;
                await sync.stop();
                sync = await start();
                break;
              case 'faults':
                faults.set(() => (random() < c.rate ? c.mode : 'none'));
                break;
              case 'pause':
                await sleep(c.ms);
                break;
            }
            // Let the relay run between commands (it sends while the next writes come in).
            await sleep(6);
          }
          // The faults stay on for a while after the last write, then the gateway answers normally.
          await sleep(150);
          faults.set(() => 'none');
          await sync.drain(30_000);
          injectedTotal += faults.injected();
          callsTotal += faults.calls();

          const rows = db.prepare(`SELECT id, title, n FROM ${table} ORDER BY id`).all() as Array<{ id: number; title: string; n: number }>;
          const docs = await exportAll(stack.gateway, table);
          expect([...docs.keys()].sort()).toEqual(rows.map((r) => String(r.id)).sort());
          for (const r of rows) expect(docs.get(String(r.id))).toMatchObject({ title: r.title, n: r.n });
          const reports = await sync.audit();
          expect(auditDifferences(reports)).toBe(0);
          expect(db.prepare('SELECT count(*) FROM sync_errors').pluck().get()).toBe(0);
        } finally {
          await sync.stop();
          db.close();
        }
      }),
      { numRuns: 15, ...(process.env.PROP_SEED ? { seed: Number(process.env.PROP_SEED) } : {}) },
    );
    console.log(`convergence property: ${runs} runs, ${restarts} relay restarts, ${injectedTotal} injected faults in ${callsTotal} write calls to the gateway`);
    // The property was exercised with failures, not only on the happy path.
    expect(injectedTotal).toBeGreaterThan(0);
  }, 110_000);
});
