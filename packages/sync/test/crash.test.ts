/**
 * Crash: the relay runs as its own process and is SIGKILLed at random points while this process keeps
 * writing (inserts, updates, deletes, primary-key changes) into the same database file with its own
 * connection. After each kill a new relay process takes over the `_sync_lock` of the dead pid at once.
 * At the end the index, through the real gateway on real Typesense, equals the table: no committed
 * change is lost, no stale document survives, nothing is dead-lettered.
 */
import { startService, typesenseAvailable, type ServiceProcess } from '@fountain/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSync } from '../src/index.ts';
import type { TableDeclaration } from '../src/index.ts';
import { auditDifferences, eventually, exportAll, openDb, seededRandom, sleep, startStack, tempDir, uniqueName, type Stack } from './stack.test-support.ts';

const RELAY_ENTRY = 'packages/sync/test/relay-process.test-support.ts';

describe.runIf(typesenseAvailable())('crash: relay process SIGKILLed during a write burst (gateway on real Typesense)', () => {
  let stack: Stack;
  const tmp = tempDir('sync-e2e-crash-');
  beforeAll(async () => {
    stack = await startStack('typesense');
  });
  afterAll(async () => {
    await stack?.stop();
    tmp.cleanup();
  });

  it('converges after repeated SIGKILLs: audit finds nothing missing, stale or extra; sync_errors empty', async () => {
    const seed = Number(process.env.CRASH_SEED ?? Date.now() % 1_000_000);
    console.log(`crash test seed: ${seed} (CRASH_SEED=${seed} replays the writer and kill delays)`);
    const rnd = seededRandom(seed);
    const table = uniqueName('crash_items');
    const decl: TableDeclaration = { table, collection: table };
    const path = `${tmp.dir}/${table}.db`;
    const db = openDb(path);
    db.exec(`CREATE TABLE ${table} (id INTEGER PRIMARY KEY, title TEXT NOT NULL, n INTEGER NOT NULL, note TEXT)`);
    const insert = db.prepare(`INSERT INTO ${table} (id, title, n, note) VALUES (?, ?, ?, ?)`);
    db.transaction(() => {
      for (let i = 1; i <= 200; i++) insert.run(i, `item ${i}`, 0, i % 3 === 0 ? null : `note ${i}`);
    })();

    const env = {
      SYNC_DATABASE: path,
      SYNC_TABLES: JSON.stringify([decl]),
      SYNC_GATEWAY_URL: stack.gateway.url,
      SYNC_GATEWAY_KEY: stack.gateway.apiKey,
    };
    const startRelay = (): Promise<ServiceProcess> => startService({ entry: RELAY_ENTRY, env });

    // The writer: random small (IMMEDIATE, as a service's read-then-write transactions must be in WAL) transactions until told to stop, yielding between them.
    let nextId = 1000;
    let writes = 0;
    let writerErrors = 0;
    let writing = true;
    const ids = (): number[] => db.prepare(`SELECT id FROM ${table}`).pluck().all() as number[];
    const pick = (): number | undefined => {
      const all = ids();
      return all[rnd.int(0, all.length - 1)];
    };
    const update = db.prepare(`UPDATE ${table} SET title = ?, n = n + 1, note = ? WHERE id = ?`);
    const del = db.prepare(`DELETE FROM ${table} WHERE id = ?`);
    const rekey = db.prepare(`UPDATE ${table} SET id = ?, n = n + 1 WHERE id = ?`);
    const writer = (async () => {
      while (writing) {
        try {
          db.transaction(() => {
            for (let k = rnd.int(1, 4); k > 0; k--) {
              const op = rnd.next();
              const id = pick();
              if (op < 0.35 || id === undefined) insert.run(nextId++, `new ${nextId}`, 0, rnd.next() < 0.5 ? null : 'fresh');
              else if (op < 0.7) update.run(`upd ${writes} ${id}`, rnd.next() < 0.3 ? null : `w${writes}`, id);
              else if (op < 0.85) del.run(id);
              else rekey.run(nextId++, id);
              writes++;
            }
          }).immediate();
        } catch (err) {
          writerErrors++;
          if (writerErrors <= 3) console.log(`writer error: ${err instanceof Error ? err.message : String(err)}`);
        }
        await sleep(rnd.int(0, 3));
      }
    })();

    const kills = 5;
    let relay = await startRelay();
    // The relay created sync's tables (capture is installed before it answers /health).
    const lockPid = db.prepare('SELECT pid FROM _sync_lock WHERE id = 1').pluck();
    const takeovers: number[] = [];
    try {
      for (let k = 0; k < kills; k++) {
        await sleep(rnd.int(20, 300));
        await relay.kill();
        // Writes go on while no relay runs at all.
        await sleep(rnd.int(0, 100));
        const before = Date.now();
        relay = await startRelay();
        const pid = relay.pid;
        // The dead pid's lease is taken over at once (not after the 15 s lease).
        await eventually(() => lockPid.get() === pid, 5000, `relay pid ${pid} to take _sync_lock`);
        takeovers.push(Date.now() - before);
      }
      await sleep(300);
      writing = false;
      await writer;
      expect(writerErrors).toBe(0);

      // The last relay process drains the outbox on its own.
      const outbox = db.prepare('SELECT count(*) FROM _sync_outbox').pluck();
      const drainMs = await eventually(() => outbox.get() === 0, 30_000, 'the relay process to empty the outbox', 20);
      const code = await relay.stop();
      expect(code).toBe(0);
      console.log(`crash test: ${writes} writes, ${kills} SIGKILLs, restart-to-lease ${takeovers.join('/')} ms, drained ${drainMs} ms after the burst`);

      // Verify in-process (the lease was released by the graceful stop).
      const sync = await startSync({ database: path, tables: [decl], gateway: stack.gateway });
      try {
        await sync.drain(30_000);
        const reports = await sync.audit();
        expect(reports[0]).toMatchObject({ missing: { count: 0 }, stale: { count: 0 }, extra: { count: 0 } });
        expect(auditDifferences(reports)).toBe(0);
        const rows = db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
        expect(reports[0]?.rows).toBe(rows);
        expect((await exportAll(stack.gateway, table)).size).toBe(rows);
        expect(db.prepare('SELECT count(*) FROM sync_errors').pluck().get()).toBe(0);
      } finally {
        await sync.stop();
      }
    } finally {
      writing = false;
      await writer;
      await relay.kill();
      db.close();
    }
  }, 110_000);
});
