import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEmbeddedBackend, type SearchBackend } from '@fountain/search';
import { backfill, formatProgress, type BackfillProgress } from './backfill.ts';
import { ensureCollection, readState } from './collections.ts';
import { countingBackend, tempDb } from './evolution.test-support.ts';
import { deriveTable } from './schema-derive.ts';

describe('backfill (embedded backend)', () => {
  let t: ReturnType<typeof tempDb>;
  let searchDir: string;
  let backend: SearchBackend;
  beforeEach(async () => {
    t = tempDb();
    searchDir = mkdtempSync(join(tmpdir(), 'sync-search-'));
    backend = await createEmbeddedBackend({ dataDir: searchDir });
  });
  afterEach(async () => {
    await backend.close();
    t.cleanup();
    rmSync(searchDir, { recursive: true, force: true });
  });

  const seed = (n: number): void => {
    t.db.exec('CREATE TABLE books (id INTEGER PRIMARY KEY, title TEXT NOT NULL, in_print BOOLEAN)');
    const ins = t.db.prepare('INSERT INTO books (id, title, in_print) VALUES (?, ?, ?)');
    t.db.transaction(() => {
      // Ids out of insertion order, so id order is not rowid-of-insert order by accident.
      for (let i = n; i >= 1; i--) ins.run(i * 3, `book ${i}`, i % 2);
    })();
  };

  it('sends every row once, in id order, with converted values, and reports progress', async () => {
    seed(2500);
    const derived = deriveTable(t.db, { table: 'books', collection: 'books' });
    const { physical } = await ensureCollection(backend, t.db, derived);
    const c = countingBackend(backend);
    const progress: BackfillProgress[] = [];
    const r = await backfill({ db: t.db, derived, backend: c.backend, collection: physical, batchSize: 1000, onProgress: (p) => progress.push(p) });
    expect(r).toMatchObject({ sent: 2500, failed: 0, batches: 3, resumedFrom: null });
    expect(c.calls.get('importDocuments')).toBe(3);
    expect(c.importedDocs()).toBe(2500);
    expect(progress.map((p) => [p.done, p.total])).toEqual([[1000, 2500], [2000, 2500], [2500, 2500]]);
    expect(progress.every((p) => p.rate > 0)).toBe(true);
    expect(progress[2]?.etaSeconds).toBe(0);
    expect(progress[0]?.etaSeconds).toBeCloseTo(1500 / (progress[0]?.rate ?? 1), 6);
    expect((await backend.getCollection('books')).num_documents).toBe(2500);
    expect(await backend.getDocument('books', '9')).toEqual({ id: '9', title: 'book 3', in_print: true });
    // Done: the checkpoint is gone, so a later backfill starts over.
    expect(readState(t.db, 'backfill:books_v1')).toBeUndefined();
  });

  it('resumes after the last confirmed batch when interrupted (rows before the checkpoint are not re-sent)', async () => {
    seed(2500);
    const derived = deriveTable(t.db, { table: 'books', collection: 'books' });
    const { physical } = await ensureCollection(backend, t.db, derived);
    const c = countingBackend(backend);
    let calls = 0;
    await expect(
      backfill({
        db: t.db, derived, backend: c.backend, collection: physical, batchSize: 1000,
        onProgress: () => {
          if (++calls === 2) throw new Error('crash');
        },
      }),
    ).rejects.toThrow('crash');
    expect(c.importedDocs()).toBe(2000);
    expect(readState(t.db, 'backfill:books_v1')).toEqual([6000]); // the 2000th id: 2000 * 3

    c.reset();
    const progress: BackfillProgress[] = [];
    const r = await backfill({ db: t.db, derived, backend: c.backend, collection: physical, batchSize: 1000, onProgress: (p) => progress.push(p) });
    expect(r).toMatchObject({ sent: 500, batches: 1, resumedFrom: [6000] });
    expect(c.importedDocs()).toBe(500);
    expect(progress).toHaveLength(1);
    expect(progress[0]).toMatchObject({ done: 2500, total: 2500 });
    expect((await backend.getCollection(physical)).num_documents).toBe(2500);
  });

  it('pages composite keys with row values and counts rejected documents instead of throwing', async () => {
    t.db.exec('CREATE TABLE parts (book TEXT NOT NULL, n INTEGER NOT NULL, words TEXT, PRIMARY KEY (book, n))');
    const ins = t.db.prepare('INSERT INTO parts VALUES (?, ?, ?)');
    for (const b of ['b', 'a:x', 'c']) for (let n = 1; n <= 7; n++) ins.run(b, n, `w${n}`);
    // One value the index must reject: a string field given an object by a transform.
    const derived = deriveTable(t.db, {
      table: 'parts', collection: 'parts',
      transform: (doc) => (doc.book === 'c' && doc.n === 5 ? { ...doc, words: { bad: true } } : doc),
    });
    const { physical } = await ensureCollection(backend, t.db, derived);
    const r = await backfill({ db: t.db, derived, backend, collection: physical, batchSize: 4 });
    expect(r.sent).toBe(21);
    expect(r.batches).toBe(6);
    expect(r.failed).toBe(1);
    expect(r.failures[0]).toMatchObject({ id: 'c:5', code: 400 });
    expect((await backend.getCollection(physical)).num_documents).toBe(20);
    expect(await backend.getDocument(physical, 'a%3Ax:3')).toMatchObject({ book: 'a:x', n: 3 });
  });
});

describe('formatProgress', () => {
  it('draws the bar, the counts, the rate and the ETA', () => {
    expect(formatProgress({ done: 52_000, total: 100_000, rate: 8300, etaSeconds: 5.78 })).toBe(
      '[#####-----] 52% 52,000/100,000 8,300 rows/s ETA 6s',
    );
    expect(formatProgress({ done: 0, total: 10, rate: 0, etaSeconds: null })).toBe('[----------] 0% 0/10 0 rows/s ETA ?');
    expect(formatProgress({ done: 10, total: 10, rate: 12.4, etaSeconds: 0 })).toBe('[##########] 100% 10/10 12 rows/s ETA 0s');
    expect(formatProgress({ done: 1, total: 1000, rate: 1, etaSeconds: 3725 })).toBe('[----------] 0% 1/1,000 1 rows/s ETA 1h02m');
    expect(formatProgress({ done: 1, total: 1000, rate: 1, etaSeconds: 125 })).toBe('[----------] 0% 1/1,000 1 rows/s ETA 2m05s');
  });
});
