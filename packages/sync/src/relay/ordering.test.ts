/**
 * The ordering guarantee, as a property: whatever the interleaving of writes with slow and failing
 * imports, the index ends equal to the table, and no document ever went backwards (every write bumps a
 * global version; the versions the index accepted for an id are non-decreasing).
 */
import { AppError } from '@fountain/kit';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createHarness } from './harness.test-support.ts';
import { indexedDocs } from './fixtures.test-support.ts';

type Op = { kind: 'upsert'; id: number } | { kind: 'delete'; id: number } | { kind: 'pause'; ms: number };
type Fault = { delayMs: number; fail: boolean };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('upsert' as const), id: fc.integer({ min: 1, max: 6 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), id: fc.integer({ min: 1, max: 6 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('pause' as const), ms: fc.integer({ min: 0, max: 15 }) }) },
);
const faultArb: fc.Arbitrary<Fault> = fc.record({ delayMs: fc.integer({ min: 0, max: 25 }), fail: fc.boolean() });

describe('relay ordering under slow and failing imports', () => {
  it('ends equal to the table and never sends an older version after a newer one', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 60 }), fc.array(faultArb, { minLength: 1, maxLength: 12 }), fc.integer({ min: 1, max: 8 }), async (ops, faults, maxBatch) => {
        const h = await createHarness({ maxBatch, backoff: { baseMs: 1, maxMs: 10 } });
        try {
          let call = 0;
          h.faults.setHook(async ({ method }) => {
            // Faults apply to every kind of call, in the order the relay makes them, then stop.
            const f = faults[call++];
            if (!f) return;
            if (f.delayMs > 0) await new Promise((r) => setTimeout(r, f.delayMs));
            // Fail AFTER the delay, so writes keep landing while a failing request is in flight.
            if (f.fail) throw new AppError('SEARCH_BACKEND_UNAVAILABLE', `injected failure (${method})`);
          });
          let version = 0;
          const upsert = h.db.prepare(
            "INSERT INTO elements (id, title, version) VALUES (@id, 'v' || @v, @v) ON CONFLICT(id) DO UPDATE SET version = excluded.version, title = excluded.title",
          );
          const del = h.db.prepare('DELETE FROM elements WHERE id = ?');
          for (const op of ops) {
            if (op.kind === 'upsert') upsert.run({ id: op.id, v: ++version });
            else if (op.kind === 'delete') del.run(op.id);
            else await new Promise((r) => setTimeout(r, op.ms));
            if (op.kind !== 'pause' && version % 3 === 0) h.relay.notify();
          }
          await h.relay.drain(20_000);

          const rows = h.db.prepare('SELECT id, version FROM elements ORDER BY id').all() as Array<{ id: number; version: number }>;
          const index = await indexedDocs(h.real, 'elements');
          expect([...index.values()].map((d) => ({ id: Number(d.id), version: d.version })).sort((a, b) => a.id - b.id)).toEqual(rows);

          const last = new Map<string, number>();
          for (const d of h.faults.upserts) {
            const id = String(d.id);
            const v = d.version as number;
            expect(v, `document ${id} went back from version ${last.get(id)} to ${v}`).toBeGreaterThanOrEqual(last.get(id) ?? 0);
            last.set(id, v);
          }
          expect(h.db.prepare('SELECT count(*) FROM sync_errors').pluck().get()).toBe(0);
        } finally {
          await h.close();
        }
      }),
      { numRuns: 25 },
    );
  }, 120_000);
});
