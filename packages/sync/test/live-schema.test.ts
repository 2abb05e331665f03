/**
 * Live schema change on a running system (real gateway on real Typesense, sync started, rows indexed):
 * - ADD COLUMN from another connection: the field appears in the collection and is searchable and
 *   filterable within seconds, without a restart;
 * - a type change (the table rebuilt with the SQLite 12-step pattern, INTEGER to REAL) goes
 *   blue/green: searches through the alias keep succeeding throughout, and inserts made during it all
 *   arrive.
 */
import { typesenseAvailable } from '@fountain/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSync } from '../src/index.ts';
import type { TableDeclaration } from '../src/index.ts';
import { auditDifferences, eventually, exportAll, gatewayGet, gatewaySearch, openDb, sleep, startStack, tempDir, uniqueName, type Stack } from './stack.test-support.ts';

interface LiveCollection {
  name: string;
  fields: Array<{ name: string; type: string }>;
}

describe.runIf(typesenseAvailable())('live schema change through the gateway on real Typesense', () => {
  let stack: Stack;
  const tmp = tempDir('sync-e2e-schema-');
  beforeAll(async () => {
    stack = await startStack('typesense');
  });
  afterAll(async () => {
    await stack?.stop();
    tmp.cleanup();
  });

  it('ADD COLUMN mood: the field appears, is searchable and filterable within seconds', async () => {
    const table = uniqueName('people');
    const decl: TableDeclaration = { table, collection: table };
    const path = `${tmp.dir}/${table}.db`;
    const db = openDb(path);
    db.exec(`CREATE TABLE ${table} (id INTEGER PRIMARY KEY, name TEXT NOT NULL)`);
    const ins = db.prepare(`INSERT INTO ${table} (id, name) VALUES (?, ?)`);
    for (let i = 1; i <= 50; i++) ins.run(i, `person ${i}`);
    const sync = await startSync({ database: path, tables: [decl], gateway: stack.gateway });
    const other = openDb(path);
    try {
      await sync.drain(20_000);
      await eventually(async () => (await exportAll(stack.gateway, table)).size === 50, 10_000, 'the initial rows');

      const started = Date.now();
      other.exec(`ALTER TABLE ${table} ADD COLUMN mood TEXT`);
      other.prepare(`UPDATE ${table} SET mood = 'happy' WHERE id <= 10`).run();
      other.prepare(`UPDATE ${table} SET mood = 'grumpy' WHERE id > 40`).run();
      const fieldMs = await eventually(
        async () => ((await gatewayGet(stack.gateway, `/collections/${table}`)).body as LiveCollection).fields.some((f) => f.name === 'mood'),
        5000,
        'the mood field in the collection',
      );
      const searchMs = await eventually(
        async () => (await gatewaySearch(stack.gateway, table, { q: 'happy', query_by: 'mood' })).found === 10,
        5000,
        'q=happy query_by=mood to find 10',
      );
      await eventually(
        async () => (await gatewaySearch(stack.gateway, table, { q: '*', filter_by: 'mood:=happy' })).found === 10,
        5000,
        'filter_by=mood:=happy to find 10',
      );
      const total = Date.now() - started;
      console.log(`live schema (ADD COLUMN): field visible after ${fieldMs} ms, searchable after ${fieldMs + searchMs} ms, filterable after ${total} ms (from the ALTER)`);
      const grumpy = await gatewaySearch(stack.gateway, table, { q: '*', filter_by: 'mood:=grumpy' });
      expect(grumpy.found).toBe(10);
      const reports = await sync.audit();
      expect(auditDifferences(reports)).toBe(0);
      expect(db.prepare('SELECT count(*) FROM sync_errors').pluck().get()).toBe(0);
    } finally {
      other.close();
      await sync.stop();
      db.close();
    }
  }, 60_000);

  it('type change by table rebuild (12-step): blue/green, searches never fail, concurrent inserts all arrive', async () => {
    const table = uniqueName('scores');
    const decl: TableDeclaration = { table, collection: table };
    const path = `${tmp.dir}/${table}.db`;
    const db = openDb(path);
    db.exec(`CREATE TABLE ${table} (id INTEGER PRIMARY KEY, name TEXT NOT NULL)`);
    const seedIns = db.prepare(`INSERT INTO ${table} (id, name) VALUES (?, ?)`);
    db.transaction(() => {
      for (let i = 1; i <= 300; i++) seedIns.run(i, `player ${i}`);
    })();
    const sync = await startSync({ database: path, tables: [decl], gateway: stack.gateway });
    const migrator = openDb(path);
    try {
      await sync.drain(20_000);
      // First a compatible change: add a column (PATCH), give it values.
      migrator.exec(`ALTER TABLE ${table} ADD COLUMN rating INTEGER`);
      migrator.prepare(`UPDATE ${table} SET rating = id % 7`).run();
      await eventually(
        async () => ((await gatewayGet(stack.gateway, `/collections/${table}`)).body as LiveCollection).fields.some((f) => f.name === 'rating' && f.type === 'int64'),
        5000,
        'rating as int64',
      );
      await sync.drain(10_000);
      const physicalBefore = ((await gatewayGet(stack.gateway, `/collections/${table}`)).body as LiveCollection).name;

      // A search loop through the alias, and a writer inserting, both running through the change.
      let running = true;
      const searchFailures: string[] = [];
      let searches = 0;
      const searcher = (async () => {
        while (running) {
          try {
            const r = await gatewaySearch(stack.gateway, table, { q: 'player', query_by: 'name', per_page: '1' });
            searches++;
            if (r.status !== 200 || r.found < 300) searchFailures.push(`HTTP ${r.status}, found ${r.found}: ${JSON.stringify(r.body).slice(0, 200)}`);
          } catch (err) {
            searchFailures.push(err instanceof Error ? err.message : String(err));
          }
          await sleep(10);
        }
      })();
      const writerDb = openDb(path);
      const inserted: number[] = [];
      const writerErrors: string[] = [];
      const writer = (async () => {
        const ins = (id: number): void => {
          writerDb.prepare(`INSERT INTO ${table} (id, name, rating) VALUES (?, ?, ?)`).run(id, `player ${id}`, id % 5);
        };
        for (let id = 1000; running; id++) {
          try {
            ins(id);
            inserted.push(id);
          } catch (err) {
            writerErrors.push(err instanceof Error ? err.message : String(err));
          }
          await sleep(5);
        }
      })();

      await sleep(200);
      // The SQLite 12-step pattern: new table with the changed type, copy, drop, rename, one transaction.
      migrator.exec(`
        BEGIN IMMEDIATE;
        CREATE TABLE ${table}_new (id INTEGER PRIMARY KEY, name TEXT NOT NULL, rating REAL);
        INSERT INTO ${table}_new (id, name, rating) SELECT id, name, rating FROM ${table};
        DROP TABLE ${table};
        ALTER TABLE ${table}_new RENAME TO ${table};
        COMMIT;
      `);
      const swapMs = await eventually(
        async () => {
          const c = (await gatewayGet(stack.gateway, `/collections/${table}`)).body as LiveCollection;
          return c.name !== physicalBefore && c.fields.some((f) => f.name === 'rating' && f.type === 'float');
        },
        15_000,
        'the alias to point at a rebuilt collection with rating:float',
      );
      await sleep(300); // inserts keep coming after the swap too
      running = false;
      await Promise.all([searcher, writer]);
      writerDb.close();
      const physicalAfter = ((await gatewayGet(stack.gateway, `/collections/${table}`)).body as LiveCollection).name;
      console.log(
        `live schema (type change, 12-step): alias swapped ${physicalBefore} -> ${physicalAfter} after ${swapMs} ms; ${searches} searches during it, ${searchFailures.length} failed; ${inserted.length} concurrent inserts`,
      );

      expect(writerErrors).toEqual([]);
      expect(searchFailures).toEqual([]);
      expect(searches).toBeGreaterThan(5);
      await sync.drain(20_000);
      const docs = await exportAll(stack.gateway, table);
      expect(inserted.filter((id) => !docs.has(String(id)))).toEqual([]);
      expect(docs.get('1000')).toMatchObject({ rating: 0 });
      const reports = await sync.audit();
      expect(reports[0]).toMatchObject({ missing: { count: 0 }, stale: { count: 0 }, extra: { count: 0 } });
      expect(db.prepare('SELECT count(*) FROM sync_errors').pluck().get()).toBe(0);
      // The old physical collection is dropped.
      await eventually(async () => (await gatewayGet(stack.gateway, `/collections/${physicalBefore}`)).status === 404, 10_000, 'the old collection to be dropped');
    } finally {
      migrator.close();
      await sync.stop();
      db.close();
    }
  }, 90_000);
});
