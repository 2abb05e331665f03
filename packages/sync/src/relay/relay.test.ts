import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { AppError } from '@fountain/kit';
import { afterEach, describe, expect, it } from 'vitest';
import { discardDeadLetters, listDeadLetters, replayDeadLetters } from '../dead-letters.ts';
import { createHarness, eventually, type Harness } from './harness.test-support.ts';
import { indexedDocs, openDb } from './fixtures.test-support.ts';

const SQLITE3 = '/usr/bin/sqlite3';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const insert = (hh: Harness, id: number, title: string, version: unknown = 1): void => {
  hh.db.prepare('INSERT INTO elements (id, title, version) VALUES (?, ?, ?)').run(id, title, version);
};
const docs = async (hh: Harness) => indexedDocs(hh.real, 'elements');
const outboxDepth = (hh: Harness): number => hh.db.prepare('SELECT count(*) FROM _sync_outbox').pluck().get() as number;

describe('relay over the embedded backend', () => {
  it('indexes insert, update, delete and a primary-key change', async () => {
    h = await createHarness();
    insert(h, 1, 'one');
    insert(h, 2, 'two');
    h.relay.notify();
    await h.relay.drain(5000);
    expect([...(await docs(h)).keys()].sort()).toEqual(['1', '2']);

    h.db.prepare("UPDATE elements SET title = 'uno', version = 2 WHERE id = 1").run();
    h.db.prepare('DELETE FROM elements WHERE id = 2').run();
    h.db.prepare('UPDATE elements SET id = 10 WHERE id = 1').run();
    h.relay.notify();
    await h.relay.drain(5000);
    const after = await docs(h);
    expect([...after.keys()]).toEqual(['10']);
    expect(after.get('10')).toMatchObject({ id: '10', title: 'uno', version: 2 });
    expect(outboxDepth(h)).toBe(0);
  });

  it('indexes a commit from another connection without notify (PRAGMA data_version)', async () => {
    // The fallback poll is an hour: only data_version can wake the relay.
    h = await createHarness({ pollMs: 3_600_000 });
    await new Promise((r) => setTimeout(r, 50));
    const other = openDb(h.path);
    other.prepare("INSERT INTO elements (id, title, version) VALUES (7, 'from elsewhere', 1)").run();
    other.close();
    const hh = h;
    await eventually(async () => (await docs(hh)).has('7'), 3000);
  });

  it.runIf(existsSync(SQLITE3))('indexes a write made by the sqlite3 shell, without notify', async () => {
    h = await createHarness({ pollMs: 3_600_000 });
    execFileSync(SQLITE3, [h.path, "INSERT INTO elements (id, title, version) VALUES (8, 'shell', 1);"]);
    const hh = h;
    await eventually(async () => (await docs(hh)).get('8')?.title === 'shell', 3000);
  });

  it('a rolled-back write leaves nothing, in the outbox or the index', async () => {
    h = await createHarness();
    const hh = h;
    expect(() =>
      hh.db.transaction(() => {
        insert(hh, 1, 'never');
        throw new Error('rollback');
      })(),
    ).toThrow('rollback');
    insert(h, 2, 'kept');
    await h.relay.drain(5000);
    expect([...(await docs(h)).keys()]).toEqual(['2']);
  });

  it('coalesces many changes of a key into one document, the newest', async () => {
    h = await createHarness({ start: false });
    const hh = h;
    hh.db.transaction(() => {
      insert(hh, 1, 'v0', 0);
      insert(hh, 2, 'w0', 0);
      for (let v = 1; v <= 50; v++) hh.db.prepare('UPDATE elements SET title = ?, version = ? WHERE id IN (1, 2)').run(`v${v}`, v);
    })();
    hh.db.prepare('DELETE FROM elements WHERE id = 2').run();
    expect(outboxDepth(h)).toBe(103);
    h.relay.start();
    await h.relay.drain(5000);
    expect(h.faults.calls.importDocuments).toBe(1);
    expect(h.faults.upserts).toEqual([expect.objectContaining({ id: '1', title: 'v50', version: 50 })]);
    expect(h.faults.deletes).toEqual(['2']);
    expect(h.relay.stats()).toMatchObject({ batches: 1, rowsAcked: 103, upserted: 1, deleted: 1 });
  });

  it('dead-letters a rejected document with every column, indexes the rest of the batch, and replays after a fix', async () => {
    h = await createHarness({ start: false });
    insert(h, 1, 'good');
    insert(h, 2, 'bad', 'not a number');
    insert(h, 3, 'good too');
    h.relay.start();
    await h.relay.drain(5000);
    expect([...(await docs(h)).keys()].sort()).toEqual(['1', '3']);
    const { total, items } = listDeadLetters(h.db);
    expect(total).toBe(1);
    const dl = items[0];
    expect(dl).toMatchObject({ tbl: 'elements', rowKey: '[2]', collection: 'elements', docId: '2', attempts: 1 });
    expect(dl?.code).toBeGreaterThanOrEqual(400);
    expect(dl?.code).toBeLessThan(500);
    expect(dl?.message).toMatch(/version/);
    expect(JSON.parse(dl?.payload ?? '{}')).toMatchObject({ id: '2', version: 'not a number' });
    expect(dl?.firstSeenMs).toBe(dl?.lastSeenMs);
    expect(Math.abs((dl?.firstSeenMs ?? 0) - Date.now())).toBeLessThan(60_000);
    expect(outboxDepth(h)).toBe(0);

    // Replay without a fix: rejected again, attempts counted, still visible.
    expect(replayDeadLetters(h.db, { tbl: 'elements', rowKey: '[2]' })).toBe(1);
    h.relay.notify();
    await h.relay.drain(5000);
    expect(listDeadLetters(h.db).items[0]).toMatchObject({ attempts: 2 });

    // Fix the data where capture can't see it (as a restore or a migration with triggers off would),
    // then replay: the current row is sent, and the dead letter goes away.
    h.db.exec("DROP TRIGGER _sync_elements_au; UPDATE elements SET version = 2 WHERE id = 2;");
    expect(replayDeadLetters(h.db, { collection: 'elements' })).toBe(1);
    h.relay.notify();
    await h.relay.drain(5000);
    expect((await docs(h)).get('2')).toMatchObject({ version: 2 });
    expect(listDeadLetters(h.db).total).toBe(0);
    expect(await h.registry.getSingleMetricAsString('sync_failures_total')).toMatch(/kind="permanent"} 2/);
  });

  it('a later good change of a dead-lettered key removes the dead letter; discard forgets one', async () => {
    h = await createHarness();
    insert(h, 1, 'bad', 'x');
    insert(h, 2, 'bad', 'y');
    await h.relay.drain(5000);
    expect(listDeadLetters(h.db).total).toBe(2);
    h.db.prepare('UPDATE elements SET version = 5 WHERE id = 1').run();
    await h.relay.drain(5000);
    expect(listDeadLetters(h.db).items.map((d) => d.rowKey)).toEqual(['[2]']);
    expect(discardDeadLetters(h.db, 'all')).toBe(1);
    expect(listDeadLetters(h.db).total).toBe(0);
    expect((await docs(h)).has('2')).toBe(false);
  });

  it('retries transient failures (503) with backoff, loses nothing and dead-letters nothing', async () => {
    h = await createHarness();
    let failures = 0;
    h.faults.setHook(({ method }) => {
      if (method === 'importDocuments' && failures < 6) {
        failures++;
        throw new AppError('SEARCH_BACKEND_UNAVAILABLE', 'Typesense unavailable: Not Ready or Lagging');
      }
    });
    for (let i = 1; i <= 20; i++) {
      insert(h, i, `t${i}`);
      await new Promise((r) => setTimeout(r, 2));
    }
    await h.relay.drain(10_000);
    expect(failures).toBe(6);
    expect((await docs(h)).size).toBe(20);
    expect(listDeadLetters(h.db).total).toBe(0);
    expect(h.relay.stats().transientFailures).toBeGreaterThanOrEqual(6);
    expect(await h.registry.getSingleMetricAsString('sync_failures_total')).toMatch(/kind="transient"} 6/);
    expect(h.logs.filter((l) => l.level === 'warn').length).toBeGreaterThanOrEqual(6);
  });

  it('treats a network error (not an AppError) as transient', async () => {
    h = await createHarness();
    let n = 0;
    h.faults.setHook(() => {
      if (n++ < 2) throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    });
    insert(h, 1, 'x');
    await h.relay.drain(5000);
    expect((await docs(h)).has('1')).toBe(true);
    expect(listDeadLetters(h.db).total).toBe(0);
  });

  it('a whole-request 401/403/500 is misconfiguration: logged at error level, retried, never dead-lettered', async () => {
    h = await createHarness();
    let n = 0;
    h.faults.setHook(() => {
      if (n++ < 3) throw new AppError('INTERNAL_SERVER_ERROR', 'Typesense rejected the configured admin API key');
    });
    insert(h, 1, 'x');
    await h.relay.drain(5000);
    expect((await docs(h)).has('1')).toBe(true);
    expect(listDeadLetters(h.db).total).toBe(0);
    expect(h.logs.filter((l) => l.level === 'error')).toHaveLength(3);
    expect(h.relay.stats().misconfiguredFailures).toBe(3);
  });

  it('deletes ids containing a backtick one by one, and a missing document counts as deleted', async () => {
    h = await createHarness();
    h.db.exec('CREATE TABLE tags (name TEXT PRIMARY KEY, n INTEGER)');
    const { deriveTable } = await import('../schema-derive.ts');
    const { installCapture } = await import('../capture.ts');
    const tags = deriveTable(h.db, { table: 'tags', collection: 'tags' });
    installCapture(h.db, [h.derived, tags]);
    await h.real.createCollection({ name: 'tags', ...tags.schema });
    h.relay.setTables([h.derived, tags]);
    h.db.prepare('INSERT INTO tags VALUES (?, 1), (?, 2), (?, 3)').run('a`b', 'plain', 'c,d]');
    await h.relay.drain(5000);
    expect([...(await indexedDocs(h.real, 'tags')).keys()].sort()).toEqual(['a`b', 'c,d]', 'plain']);
    h.db.exec('DELETE FROM tags');
    // A delete of something never indexed: NOT_FOUND is success.
    h.db.prepare('INSERT INTO tags VALUES (?, 1)').run('x`y');
    h.db.prepare('DELETE FROM tags').run();
    await h.relay.drain(5000);
    expect((await indexedDocs(h.real, 'tags')).size).toBe(0);
    expect(h.faults.calls.deleteDocument).toBeGreaterThanOrEqual(1);
  });

  it('indexes composite keys and rowid tables, including a key change', async () => {
    h = await createHarness();
    const { deriveTable } = await import('../schema-derive.ts');
    const { installCapture } = await import('../capture.ts');
    h.db.exec('CREATE TABLE pairs (a TEXT NOT NULL, b INTEGER NOT NULL, v TEXT, PRIMARY KEY (a, b)); CREATE TABLE notes (body TEXT)');
    const pairs = deriveTable(h.db, { table: 'pairs', collection: 'pairs' });
    const notes = deriveTable(h.db, { table: 'notes', collection: 'notes' });
    installCapture(h.db, [h.derived, pairs, notes]);
    await h.real.createCollection({ name: 'pairs', ...pairs.schema });
    await h.real.createCollection({ name: 'notes', ...notes.schema });
    h.relay.setTables([h.derived, pairs, notes]);
    h.db.exec("INSERT INTO pairs VALUES ('x:y', 1, 'one'), ('z', 2, 'two'); INSERT INTO notes (body) VALUES ('n1'), ('n2');");
    await h.relay.drain(5000);
    expect([...(await indexedDocs(h.real, 'pairs')).keys()].sort()).toEqual(['x%3Ay:1', 'z:2']);
    expect([...(await indexedDocs(h.real, 'notes')).keys()].sort()).toEqual(['1', '2']);
    h.db.exec("UPDATE pairs SET b = 3 WHERE a = 'z'; DELETE FROM notes WHERE body = 'n1'; UPDATE notes SET body = 'N2';");
    await h.relay.drain(5000);
    expect([...(await indexedDocs(h.real, 'pairs')).keys()].sort()).toEqual(['x%3Ay:1', 'z:3']);
    const n = await indexedDocs(h.real, 'notes');
    expect([...n.keys()]).toEqual(['2']);
    expect(n.get('2')).toMatchObject({ body: 'N2' });
  });

  it('setTargets [old, new]: writes go to both; only the new collection\'s rejections are dead-lettered', async () => {
    h = await createHarness();
    await h.real.createCollection({ name: 'elements_v2', ...h.derived.schema });
    // The old collection can't take these documents at all (a required field they lack).
    await h.real.deleteCollection('elements');
    await h.real.createCollection({ name: 'elements', fields: [{ name: 'legacy', type: 'string' }] });
    h.relay.setTargets('elements', ['elements', 'elements_v2']);
    insert(h, 1, 'ok');
    insert(h, 2, 'bad', 'x');
    await h.relay.drain(5000);
    expect([...(await indexedDocs(h.real, 'elements_v2')).keys()]).toEqual(['1']);
    expect(listDeadLetters(h.db).items).toEqual([expect.objectContaining({ rowKey: '[2]', collection: 'elements_v2' })]);
    h.db.prepare('DELETE FROM elements WHERE id = 1').run();
    await h.relay.drain(5000);
    expect((await indexedDocs(h.real, 'elements_v2')).size).toBe(0);
  });

  it('runExclusive runs between batches, never during one; stop() finishes the in-flight batch', async () => {
    h = await createHarness();
    const events: string[] = [];
    h.faults.setHook(async ({ method }) => {
      if (method !== 'importDocuments') return;
      events.push('import-start');
      await new Promise((r) => setTimeout(r, 80));
      events.push('import-end');
    });
    insert(h, 1, 'x');
    h.relay.notify();
    await eventually(() => events.includes('import-start'));
    const job = h.relay.runExclusive(() => {
      events.push('job');
      return 42;
    });
    insert(h, 2, 'y');
    expect(await job).toBe(42);
    expect(events.slice(0, 3)).toEqual(['import-start', 'import-end', 'job']);

    // stop() during a batch: the batch completes and is acknowledged.
    await eventually(() => events.filter((e) => e === 'import-start').length === 2);
    await h.relay.stop();
    expect(events.at(-1)).toBe('import-end');
    expect(outboxDepth(h)).toBe(0);
    expect(h.relay.stats().state).toBe('stopped');
  });

  it('exposes every sync metric in the registry', async () => {
    h = await createHarness();
    insert(h, 1, 'x');
    await h.relay.drain(5000);
    const text = await h.registry.metrics();
    for (const name of [
      'sync_outbox_depth 0',
      'sync_outbox_oldest_age_seconds 0',
      'sync_dead_letters 0',
      'sync_commit_to_indexed_seconds_count 1',
      'sync_batch_size_count 1',
      'sync_import_duration_seconds_count 1',
      'sync_failures_total',
    ]) {
      expect(text).toContain(name);
    }
  });
});
