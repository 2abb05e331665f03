/**
 * The audit under a steady writer, with no fault: rows whose change is on its way to the index are in
 * flight, not differences, so every audit reports clean (docs/sync.md, "Audit under load"). Real
 * Typesense behind the real gateway, a real SQLite file, the writer and the relay in this process.
 */
import { typesenseAvailable } from '@fountain/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSync, type AuditReport, type TableDeclaration } from '../src/index.ts';
import { auditDifferences, openDb, sleep, startStack, tempDir, uniqueName, type Stack } from './stack.test-support.ts';

describe.runIf(typesenseAvailable())('audit under a steady writer (real Typesense)', () => {
  let stack: Stack;
  const tmp = tempDir('sync-e2e-audit-load-');
  beforeAll(async () => {
    stack = await startStack('typesense');
  });
  afterAll(async () => {
    await stack?.stop();
    tmp.cleanup();
  });

  it('reports clean round after round, with the rows in flight counted apart', async () => {
    const table = uniqueName('audit_load');
    const decl: TableDeclaration = { table, collection: table };
    const path = `${tmp.dir}/${table}.db`;
    const db = openDb(path);
    db.exec(`CREATE TABLE ${table} (id INTEGER PRIMARY KEY, title TEXT NOT NULL, n INTEGER NOT NULL)`);
    const sync = await startSync({ database: path, tables: [decl], gateway: stack.gateway, auditIntervalMs: 0 });
    try {
      const insert = db.prepare(`INSERT INTO ${table} (id, title, n) VALUES (?, ?, 0)`);
      const update = db.prepare(`UPDATE ${table} SET title = ?, n = n + 1 WHERE id = ?`);
      const del = db.prepare(`DELETE FROM ${table} WHERE id = ?`);
      // Enough rows that an export takes a while: writes land while it runs.
      db.transaction(() => {
        for (let i = 1; i <= 3000; i++) insert.run(i, `seed ${i}`);
      })();
      await sync.drain(30_000);
      expect(auditDifferences(await sync.audit())).toBe(0);

      // The steady writer: inserts, updates and deletes, one every ~2 ms, until the audits are done.
      let writing = true;
      let writes = 0;
      const writer = (async () => {
        for (let w = 0; writing; w++) {
          if (w % 7 === 6) del.run(3000 + w - 3);
          else if (w % 2 === 0) update.run(`steady ${w}`, (w % 3000) + 1);
          else insert.run(3000 + w, `steady ${w}`);
          writes++;
          await sleep(2);
        }
      })();
      const reports: AuditReport[] = [];
      try {
        await sleep(100);
        for (let round = 0; round < 12; round++) reports.push(...(await sync.audit()));
      } finally {
        writing = false;
        await writer;
      }
      const summary = reports.map((r) => ({ missing: r.missing, stale: r.stale, extra: r.extra, inFlight: r.inFlight.count }));
      console.log(`audit under load: ${writes} writes, in flight per round ${summary.map((s) => s.inFlight).join(' ')}`);
      // No fault: nothing is missing, stale or extra in any round (the audit's own verdict).
      expect(summary.filter((s) => s.missing.count + s.stale.count + s.extra.count > 0)).toEqual([]);
      // The rounds did race the writer (else this test proves nothing): rows were seen in flight.
      expect(summary.reduce((n, s) => n + s.inFlight, 0)).toBeGreaterThan(0);

      // And once the writer stops and the relay drains, nothing is in flight either.
      await sync.drain(30_000);
      const last = await sync.audit();
      expect(last[0]).toMatchObject({ missing: { count: 0 }, stale: { count: 0 }, extra: { count: 0 }, inFlight: { count: 0 } });
      expect(last[0]?.rows).toBe(db.prepare(`SELECT count(*) FROM ${table}`).pluck().get());
    } finally {
      await sync.stop();
      db.close();
    }
  }, 60_000);
});
