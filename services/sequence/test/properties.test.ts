/**
 * The invariants, under concurrency: sequence numbers never shared, any reorder a permutation with no
 * shared positions (or rejected whole), version numbers unique and increasing. In-process requests go
 * through the real app concurrently; the cross-process case runs real writer processes on one file,
 * which is where BEGIN IMMEDIATE is what keeps two allocators from reading the same max.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '@fountain/testing';
import { buildHarness, call, COLLECTION, type Harness } from './harness.test-support.ts';

const run = promisify(execFile);
let h: Harness;
beforeAll(async () => {
  h = await buildHarness();
});
afterAll(async () => {
  await h.close();
});

type El = { elementId: number; sequenceNumber: number };
const list = async (type: string): Promise<El[]> => {
  const res = await call(h, 'GET', `/elements/${type}?per_page=250`);
  return res.json<{ elements: El[] }>().elements;
};
const expectNoSharedPositions = (els: El[]): void => {
  expect(new Set(els.map((e) => e.sequenceNumber)).size).toBe(els.length);
  for (const e of els) expect(e.sequenceNumber).toBeGreaterThanOrEqual(1);
};
let typeCounter = 0;
/** Each run of a property gets its own type's worth of ids: a fresh id range in 'action'. */
const base = (): number => ++typeCounter * 100_000;

describe('sequence numbers', () => {
  it('N concurrent POST /sequence (with repeats) never share a number; repeats get the same one', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 30 }), { minLength: 1, maxLength: 60 }), async (ids) => {
        const type = 'spokenWord';
        const off = base();
        const before = (await list(type)).length;
        const answers = await Promise.all(
          ids.map((id) => call(h, 'POST', '/sequence', { elementType: type, elementId: off + id, comment: 'p' })),
        );
        const numberOf = new Map<number, number>();
        answers.forEach((res, i) => {
          expect([200, 201]).toContain(res.statusCode);
          const n = res.json<{ sequenceNumber: number }>().sequenceNumber;
          const id = ids[i]!;
          if (numberOf.has(id)) expect(n).toBe(numberOf.get(id));
          numberOf.set(id, n);
        });
        expect(answers.filter((r) => r.statusCode === 201).length).toBe(numberOf.size);
        const numbers = [...numberOf.values()].sort((a, b) => a - b);
        expect(numbers).toEqual(Array.from({ length: numberOf.size }, (_, i) => before + i + 1));
        expectNoSharedPositions(await list(type));
      }),
      { numRuns: 15 },
    );
  });

  it('writer processes on the same file never get the same sequence or version number', async () => {
    const writer = join(REPO_ROOT, 'services/sequence/test/writer.test-support.ts');
    const node = (args: string[]) => run(process.execPath, ['--import', 'tsx', writer, h.dbPath, ...args], { cwd: REPO_ROOT });
    const seqs = await Promise.all([0, 1, 2, 3].map((p) => node(['sequence', 'section', String(1_000 + p * 100), '20'])));
    const numbers = seqs.flatMap((r) => JSON.parse(r.stdout) as number[]).sort((a, b) => a - b);
    expect(numbers).toEqual(Array.from({ length: 80 }, (_, i) => i + 1));
    const versions = await Promise.all([0, 1, 2, 3].map(() => node(['version', 'section', '1000', '10'])));
    for (const r of versions) {
      const got = JSON.parse(r.stdout) as number[];
      // Each writer sees its own numbers increase.
      expect(got).toEqual([...got].sort((a, b) => a - b));
    }
    const all = versions.flatMap((r) => JSON.parse(r.stdout) as number[]).sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: 40 }, (_, i) => i + 2));
  }, 60_000);
});

describe('reorder', () => {
  it('any reorder is a permutation with no shared positions, or rejected whole', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 15 }),
        fc.array(fc.record({ pick: fc.nat(), to: fc.integer({ min: 1, max: 25 }) }), { minLength: 1, maxLength: 15 }),
        async (n, wanted) => {
          const type = 'action';
          const off = base();
          for (let i = 1; i <= n; i++) await call(h, 'POST', '/sequence', { elementType: type, elementId: off + i, comment: 'p' });
          const mine = (els: El[]) => els.filter((e) => e.elementId > off && e.elementId <= off + n);
          const before = await list(type);
          const elements = wanted.map((w) => ({ elementId: off + 1 + (w.pick % n), newSequence: before.length + w.to }));
          const res = await call(h, 'PUT', '/sequence/reorder', { elementType: type, elements, comment: 'p' });
          const after = await list(type);
          expectNoSharedPositions(after);
          if (res.statusCode === 200) {
            const target = new Map(elements.map((e) => [e.elementId, e.newSequence]));
            for (const e of mine(after)) {
              const was = before.find((b) => b.elementId === e.elementId)!.sequenceNumber;
              expect(e.sequenceNumber).toBe(target.get(e.elementId) ?? was);
            }
          } else {
            expect([400, 409]).toContain(res.statusCode);
            expect(after).toEqual(before);
          }
        },
      ),
      { numRuns: 25 },
    );
  });

  it('the seeds/002 form permutes the elements\' own positions, and concurrent reorders keep positions unique', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 2, max: 12 }).chain((n) => fc.tuple(fc.constant(n), fc.array(fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n }), { minLength: 1, maxLength: 4 }))),
        async ([n, orders]) => {
          const type = 'character';
          const off = base();
          for (let i = 0; i < n; i++) await call(h, 'POST', '/sequence', { elementType: type, elementId: off + i, comment: 'p' });
          const ids = Array.from({ length: n }, (_, i) => off + i);
          const positions = (await list(type)).filter((e) => ids.includes(e.elementId)).map((e) => e.sequenceNumber).sort((a, b) => a - b);
          const answers = await Promise.all(
            orders.map((order) => call(h, 'POST', '/sequence/reorder', { elementType: type, elementIds: ids, newOrder: order.map((i) => off + i) })),
          );
          for (const r of answers) expect(r.statusCode, r.body).toBe(200);
          const after = await list(type);
          expectNoSharedPositions(after);
          const mine = after.filter((e) => ids.includes(e.elementId));
          // Same set of positions, in the order of the last reorder applied.
          expect(mine.map((e) => e.sequenceNumber).sort((a, b) => a - b)).toEqual(positions);
          expect(mine.map((e) => e.elementId)).toEqual(orders[orders.length - 1]!.map((i) => off + i));
        },
      ),
      { numRuns: 15 },
    );
  });

  it('only the moved elements\' versions are re-synced', async () => {
    const type = 'script';
    for (let i = 1; i <= 5; i++) await call(h, 'POST', '/sequence', { elementType: type, elementId: i, comment: 'p' });
    for (let v = 0; v < 3; v++) await call(h, 'POST', '/sequence/version', { elementType: type, elementId: 2, newVersionData: { v }, comment: 'p' });
    await h.sync.drain();
    await h.sync.relay.stop();
    const pending = () => h.sync.db.prepare("SELECT row_key FROM _sync_outbox WHERE tbl = 'element_versions' ORDER BY seq").pluck().all() as string[];
    expect(pending()).toEqual([]);
    // 2 <-> 4 swap; 1, 3, 5 named at their own positions.
    const res = await call(h, 'PUT', '/sequence/reorder', {
      elementType: type,
      elements: [1, 2, 3, 4, 5].map((id) => ({ elementId: id, newSequence: id === 2 ? 4 : id === 4 ? 2 : id })),
      comment: 'p',
    });
    expect(res.statusCode).toBe(200);
    // Element 2 has 4 versions, element 4 one: five documents to re-send, nothing else.
    expect(pending().sort()).toEqual(['["script",2,1]', '["script",2,2]', '["script",2,3]', '["script",2,4]', '["script",4,1]']);
    h.sync.relay.start();
    await h.sync.drain();
  });
});

describe('versions', () => {
  it('concurrent versions of one element are numbered uniquely and consecutively', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 40 }), async (m) => {
        const id = base();
        await call(h, 'POST', '/sequence', { elementType: 'section', elementId: id, comment: 'p' });
        const answers = await Promise.all(
          Array.from({ length: m }, (_, i) => call(h, 'POST', '/sequence/version', { elementType: 'section', elementId: id, newVersionData: { i }, comment: `v${i}` })),
        );
        const numbers = answers.map((r) => r.json<{ versionNumber: number }>().versionNumber).sort((a, b) => a - b);
        expect(numbers).toEqual(Array.from({ length: m }, (_, i) => i + 2));
        const history = (await call(h, 'GET', `/elements/section/${id}/versions?per_page=250`)).json<{ versions: Array<{ versionNumber: number }> }>();
        expect(history.versions.map((v) => v.versionNumber)).toEqual(Array.from({ length: m + 1 }, (_, i) => i + 1));
      }),
      { numRuns: 10 },
    );
  });

  it('after all of the above, the index holds exactly one document per version, with current positions', async () => {
    await h.sync.drain(20_000);
    const rows = h.sync.db
      .prepare('SELECT element_type || \':\' || element_id || \':\' || version_number AS id, sequence_number FROM element_versions')
      .all() as Array<{ id: string; sequence_number: number }>;
    const jsonl = await h.backend.exportDocuments(COLLECTION, {});
    const docs = jsonl.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { id: string; sequence_number: number });
    expect(docs.length).toBe(rows.length);
    const byId = new Map(docs.map((d) => [d.id, d.sequence_number]));
    for (const r of rows) expect(byId.get(r.id), r.id).toBe(r.sequence_number);
  }, 60_000);
});
