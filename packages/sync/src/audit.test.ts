import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEmbeddedBackend, type SearchBackend } from '@fountain/search';
import { audit, contentHash, keyOfDocumentId, repair, type AuditReport } from './audit.ts';
import { backfill } from './backfill.ts';
import { ensureCollection } from './collections.ts';
import { documentId, toDocument } from './document.ts';
import { tempDb } from './evolution.test-support.ts';
import { deriveTable, quoteIdent, type DerivedTable } from './schema-derive.ts';
import type { Row } from './declaration.ts';

describe('audit and repair (embedded backend)', () => {
  let t: ReturnType<typeof tempDb>;
  let searchDir: string;
  let backend: SearchBackend;
  let derived: DerivedTable;
  beforeEach(async () => {
    t = tempDb();
    searchDir = mkdtempSync(join(tmpdir(), 'sync-search-'));
    backend = await createEmbeddedBackend({ dataDir: searchDir });
    t.db.exec('CREATE TABLE books (id INTEGER PRIMARY KEY, title TEXT NOT NULL, price REAL, in_print BOOLEAN, year INTEGER)');
    const ins = t.db.prepare('INSERT INTO books VALUES (?, ?, ?, ?, ?)');
    t.db.transaction(() => {
      for (let i = 1; i <= 300; i++) ins.run(i, `book ${i}`, i % 3 === 0 ? null : i + 0.5, i % 2, 1900 + i);
    })();
    derived = deriveTable(t.db, { table: 'books', collection: 'books' });
    await ensureCollection(backend, t.db, derived);
    await backfill({ db: t.db, derived, backend, collection: 'books_v1', batchSize: 64 });
  });
  afterEach(async () => {
    await backend.close();
    t.cleanup();
    rmSync(searchDir, { recursive: true, force: true });
  });

  const clean = (r: AuditReport): void => {
    expect(r).toMatchObject({ rows: 300, documents: 300, missing: { count: 0 }, stale: { count: 0 }, extra: { count: 0 } });
  };

  it('finds nothing when the index matches the table (through the alias, in pages)', async () => {
    const r = await audit({ db: t.db, derived, backend, collection: 'books', batchSize: 7 });
    clean(r);
    expect(r.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('finds missing, stale and extra documents with counts and samples, and repair + re-send fixes them', async () => {
    // Tamper with the index directly: 12 missing, 5 stale (3 changed, 2 with a wrong bool), 4 extra.
    for (let i = 10; i < 22; i++) await backend.deleteDocument('books', String(i));
    for (const i of [50, 51, 52]) await backend.writeDocument('books', { id: String(i), title: 'tampered' }, 'update');
    for (const i of [60, 62]) await backend.writeDocument('books', { id: String(i), in_print: true }, 'update');
    for (const i of [1000, 1001, 1002, 1003]) await backend.writeDocument('books', { id: String(i), title: 'ghost' }, 'create');
    // And a table change the index never heard of: stale as well.
    t.db.prepare('UPDATE books SET year = 1 WHERE id = 70').run();

    const r = await audit({ db: t.db, derived, backend, collection: 'books', sampleSize: 3, batchSize: 50 });
    expect(r.rows).toBe(300);
    expect(r.documents).toBe(292);
    expect(r.missing).toEqual({ count: 12, sample: ['10', '11', '12'] });
    expect(r.stale).toEqual({ count: 6, sample: ['50', '51', '52'] });
    expect(r.extra).toEqual({ count: 4, sample: ['1000', '1001', '1002'] });
    expect(r.repair.keys).toHaveLength(18);
    expect(r.repair.extraIds).toEqual(['1000', '1001', '1002', '1003']);

    const enqueued: unknown[][] = [];
    expect(repair(r, { derived, enqueue: (keys) => enqueued.push(...keys) })).toBe(22);
    expect(enqueued).toContainEqual([10]);
    expect(enqueued).toContainEqual([70]);
    expect(enqueued).toContainEqual(['1003']);

    // Re-send by hand what the relay would: the current row, or a delete when the key has no row.
    const get = t.db.prepare(`SELECT * FROM ${quoteIdent('books')} WHERE id = ?`);
    for (const key of enqueued) {
      const row = get.get(...key) as Row | undefined;
      if (row) await backend.writeDocument('books', toDocument(derived, row), 'upsert');
      else await backend.deleteDocument('books', documentId(key));
    }
    clean(await audit({ db: t.db, derived, backend, collection: 'books' }));
  });

  it('hashes the same content the same: schema fields only, numbers, bools and key order normalised', () => {
    const fields = derived.schema.fields;
    const a = contentHash({ id: '1', title: 't', price: 2, in_print: true, year: 1901 }, fields);
    expect(contentHash({ year: 1901, in_print: 1, price: 2.0, title: 't', id: '1', dropped_field: 'x' }, fields)).toBe(a);
    expect(contentHash({ id: '1', title: 't', price: '2', in_print: true, year: 1901n }, fields)).toBe(a);
    expect(contentHash({ id: '1', title: 't', price: 2, in_print: false, year: 1901 }, fields)).not.toBe(a);
    expect(contentHash({ id: '1', title: 't', price: null, in_print: true, year: 1901 }, fields)).not.toBe(a);
  });

  it('maps document ids back to row keys (inverse of documentId)', () => {
    expect(keyOfDocumentId('42', 1)).toEqual(['42']);
    for (const key of [['a:b', 'c%d'], ['x', '1']]) {
      expect(keyOfDocumentId(documentId(key), 2)).toEqual(key);
    }
  });
});
