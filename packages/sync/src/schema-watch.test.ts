import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { createTypesenseBackend, type SearchBackend } from '@fountain/search';
import { startTypesense, typesenseAvailable, type TypesenseServer } from '@fountain/testing';
import { audit } from './audit.ts';
import { readState } from './collections.ts';
import type { TableDeclaration } from './declaration.ts';
import { toDocument } from './document.ts';
import { countingBackend, mutex, tempDb } from './evolution.test-support.ts';
import { createSchemaWatch, evolve } from './schema-watch.ts';
import { deriveTable } from './schema-derive.ts';

describe('createSchemaWatch', () => {
  it('notices a schema change made by another connection, once per change', async () => {
    const t = tempDb();
    try {
      t.db.exec('CREATE TABLE a (id INTEGER PRIMARY KEY)');
      let changes = 0;
      const watch = createSchemaWatch(t.db, () => changes++, { intervalMs: 60_000 });
      expect(watch.check()).toBe(false);
      const other = new Database(t.path);
      other.exec('ALTER TABLE a ADD COLUMN b TEXT');
      other.close();
      expect(watch.check()).toBe(true);
      expect(watch.check()).toBe(false);
      await expect.poll(() => changes).toBe(1);
      watch.stop();
    } finally {
      t.cleanup();
    }
  });
});

describe.skipIf(!typesenseAvailable())('evolve against real Typesense 0.24.1', () => {
  let ts: TypesenseServer;
  let ts_backend: SearchBackend;
  let t: ReturnType<typeof tempDb>;
  beforeAll(async () => {
    ts = await startTypesense();
    ts_backend = createTypesenseBackend({ nodes: [{ host: ts.host, port: ts.port, protocol: 'http' }], apiKey: ts.apiKey });
  });
  afterAll(async () => {
    await ts_backend?.close();
    await ts?.stop();
  });
  beforeEach(() => {
    t = tempDb();
  });
  afterEach(() => t.cleanup());

  let n = 0;
  const setup = async (rows: number): Promise<TableDeclaration> => {
    const decl: TableDeclaration = { table: 'books', collection: `books${++n}` };
    t.db.exec('CREATE TABLE books (id INTEGER PRIMARY KEY, title TEXT NOT NULL, year INTEGER NOT NULL, note TEXT)');
    const ins = t.db.prepare('INSERT INTO books (id, title, year, note) VALUES (?, ?, ?, ?)');
    t.db.transaction(() => {
      for (let i = 1; i <= rows; i++) ins.run(i, `book ${i}`, 1900 + (i % 100), `note ${i}`);
    })();
    const first = await evolve(ts_backend, t.db, decl);
    expect(first.action).toBe('none');
    const derived = deriveTable(t.db, decl);
    const lines = (t.db.prepare('SELECT * FROM books').all() as Array<Record<string, unknown>>).map((r) => JSON.stringify(toDocument(derived, r)));
    if (lines.length > 0) await ts_backend.importDocuments(decl.collection, lines.join('\n'), { action: 'upsert' });
    return decl;
  };

  it('ADD COLUMN: one PATCH adds the field; after the rows are re-sent it is searchable and filterable; a repeat sends no PATCH', async () => {
    const decl = await setup(50);
    t.db.exec('ALTER TABLE books ADD COLUMN genre TEXT');
    const c = countingBackend(ts_backend);
    const r = await evolve(c.backend, t.db, { ...decl, fields: { genre: { facet: true } } });
    expect(r).toMatchObject({ action: 'patched', details: { physical: `${decl.collection}_v1`, added: ['genre'], dropped: [] } });
    expect(r.details.resent).toBeUndefined(); // no default: existing rows are NULL, their documents already right
    expect(c.calls.get('updateCollection')).toBe(1);
    const live = await ts_backend.getCollection(decl.collection);
    expect(live.fields.find((f) => f.name === 'genre')).toMatchObject({ type: 'string', optional: true, facet: true });

    t.db.prepare("UPDATE books SET genre = 'scifi' WHERE id <= 5").run();
    const derived = deriveTable(t.db, { ...decl, fields: { genre: { facet: true } } });
    const rows = t.db.prepare('SELECT * FROM books WHERE id <= 5').all() as Array<Record<string, unknown>>;
    await ts_backend.importDocuments(decl.collection, rows.map((row) => JSON.stringify(toDocument(derived, row))).join('\n'), { action: 'upsert' });
    const s = await ts_backend.search(decl.collection, { q: 'scifi', query_by: 'genre', filter_by: 'genre:=[`scifi`]', facet_by: 'genre' });
    expect(s.found).toBe(5);
    expect(s.facet_counts[0]?.counts[0]).toMatchObject({ value: 'scifi', count: 5 });

    c.reset();
    expect((await evolve(c.backend, t.db, { ...decl, fields: { genre: { facet: true } } })).action).toBe('none');
    expect(c.calls.get('updateCollection')).toBeUndefined();
  });

  it('DROP COLUMN: one PATCH drops the field and the rows are re-sent so stored documents lose it; a repeat is a no-op', async () => {
    const decl = await setup(30);
    t.db.exec('ALTER TABLE books DROP COLUMN note');
    const c = countingBackend(ts_backend);
    const r = await evolve(c.backend, t.db, decl);
    expect(r).toMatchObject({ action: 'patched', details: { added: [], dropped: ['note'] } });
    expect(r.details.resent).toMatchObject({ sent: 30, failed: 0 });
    expect(c.calls.get('updateCollection')).toBe(1);
    expect((await ts_backend.getCollection(decl.collection)).fields.map((f) => f.name)).toEqual(['title', 'year']);
    expect(await ts_backend.getDocument(decl.collection, '3')).toEqual({ id: '3', title: 'book 3', year: 1903 });

    c.reset();
    expect((await evolve(c.backend, t.db, decl)).action).toBe('none');
    expect(c.calls.get('updateCollection')).toBeUndefined();
    expect(c.calls.get('importDocuments')).toBeUndefined();
  });

  it('type change: blue/green with searches through the alias never failing and concurrent inserts all present', async () => {
    const decl = await setup(3000);
    const total0 = 3000;
    // SQLite can't change a column's type in place: the documented 12-step rebuild, in one transaction.
    t.db.transaction(() => {
      t.db.exec('CREATE TABLE books_new (id INTEGER PRIMARY KEY, title TEXT NOT NULL, year TEXT NOT NULL, note TEXT)');
      t.db.exec("INSERT INTO books_new SELECT id, title, 'y' || year, note FROM books");
      t.db.exec('DROP TABLE books');
      t.db.exec('ALTER TABLE books_new RENAME TO books');
    })();

    // Play the relay: writes go to the current targets, between backfill batches. A document of the
    // new shape sent to the old collection is coerced or has the field dropped (what we ask of the relay).
    const runExclusive = mutex();
    let targets = [decl.collection];
    const setTargetsCalls: string[][] = [];
    const setTargets = (_table: string, cs: string[]): void => {
      targets = cs;
      setTargetsCalls.push(cs);
    };
    const derived = deriveTable(t.db, decl);
    let stop = false;
    let inserted = 0;
    let dualWrites = 0;
    const failures: unknown[] = [];
    let searches = 0;
    const writer = (async () => {
      while (!stop) {
        const id = 100_000 + inserted++;
        t.db.prepare('INSERT INTO books (id, title, year) VALUES (?, ?, ?)').run(id, `new ${id}`, 'y2024');
        await runExclusive(async () => {
          const row = t.db.prepare('SELECT * FROM books WHERE id = ?').get(id) as Record<string, unknown>;
          if (targets.length === 2) dualWrites++;
          for (const c of targets) {
            await ts_backend.importDocuments(c, JSON.stringify(toDocument(derived, row)), { action: 'upsert', dirty_values: 'coerce_or_drop' });
          }
        });
        await new Promise((r) => setTimeout(r, 2));
      }
    })();
    const reader = (async () => {
      while (!stop) {
        try {
          const s = await ts_backend.search(decl.collection, { q: 'book', query_by: 'title' });
          searches++;
          if (s.found < total0) failures.push(`found ${s.found}`);
        } catch (err) {
          failures.push(err);
        }
      }
    })();

    const r = await evolve(ts_backend, t.db, decl, { setTargets, runExclusive, batchSize: 200 });
    stop = true;
    await Promise.all([writer, reader]);

    expect(r.action).toBe('blue-green');
    expect(r.details.reasons).toContain("field 'year': type int64 -> string");
    expect(r.details.blueGreen).toMatchObject({ from: `${decl.collection}_v1`, to: `${decl.collection}_v2`, resumed: false });
    expect(setTargetsCalls[0]).toEqual([`${decl.collection}_v1`, `${decl.collection}_v2`]);
    expect(setTargetsCalls.at(-1)).toEqual([decl.collection]);
    expect(failures).toEqual([]);
    expect(searches).toBeGreaterThan(10);
    expect(inserted).toBeGreaterThan(5);
    // Some inserts landed while the backfill ran (dual writes), not only before or after it.
    expect(dualWrites).toBeGreaterThan(0);

    expect((await ts_backend.getAlias(decl.collection)).collection_name).toBe(`${decl.collection}_v2`);
    const names = (await ts_backend.listCollections()).map((c) => c.name);
    expect(names).toContain(`${decl.collection}_v2`);
    expect(names).not.toContain(`${decl.collection}_v1`);
    expect(readState(t.db, `collection:${decl.collection}`)).toEqual({ physical: `${decl.collection}_v2`, version: 2 });
    expect(readState(t.db, `bluegreen:${decl.collection}`)).toBeUndefined();
    const report = await audit({ db: t.db, derived, backend: ts_backend, collection: decl.collection });
    expect(report).toMatchObject({ rows: total0 + inserted, documents: total0 + inserted, missing: { count: 0 }, stale: { count: 0 }, extra: { count: 0 } });

    // And the new type is live: year is a string now.
    const s = await ts_backend.search(decl.collection, { q: 'y1950', query_by: 'year' });
    expect(s.found).toBe(30);
  });

  it('a rebuild interrupted mid-backfill continues from its checkpoint on the next evolve', async () => {
    const decl = await setup(1000);
    const changed = { ...decl, fields: { title: { facet: true } } };
    let batches = 0;
    const targets: string[][] = [];
    const setTargets = (_t: string, cs: string[]): void => void targets.push(cs);
    await expect(
      evolve(ts_backend, t.db, changed, {
        setTargets,
        batchSize: 100,
        onProgress: () => {
          if (++batches === 4) throw new Error('crash');
        },
      }),
    ).rejects.toThrow('crash');
    expect(readState(t.db, `bluegreen:${decl.collection}`)).toMatchObject({ phase: 'backfill' });
    expect((await ts_backend.getAlias(decl.collection)).collection_name).toBe(`${decl.collection}_v1`);

    const c = countingBackend(ts_backend);
    const r = await evolve(c.backend, t.db, changed, { setTargets, batchSize: 100 });
    expect(r.action).toBe('blue-green');
    expect(r.details.blueGreen).toMatchObject({ resumed: true, to: `${decl.collection}_v2` });
    expect(r.details.blueGreen?.backfill).toMatchObject({ resumedFrom: [400], sent: 600 });
    expect(c.importedDocs()).toBe(600);
    expect((await ts_backend.getCollection(decl.collection)).fields.find((f) => f.name === 'title')?.facet).toBe(true);
    expect((await ts_backend.getCollection(decl.collection)).num_documents).toBe(1000);
    expect(targets[0]).toEqual([`${decl.collection}_v1`, `${decl.collection}_v2`]);
    expect(targets.at(-1)).toEqual([decl.collection]);
  });
});
