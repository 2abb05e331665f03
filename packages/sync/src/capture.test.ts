import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { enqueueKeys, installCapture, triggerNames } from './capture.ts';
import { openDb, tempDir } from './relay/fixtures.test-support.ts';
import { deriveTable } from './schema-derive.ts';

const SQLITE3 = '/usr/bin/sqlite3';

function outbox(db: Database.Database): Array<{ tbl: string; row_key: string; op: string }> {
  return db.prepare('SELECT tbl, row_key, op FROM _sync_outbox ORDER BY seq').all() as Array<{ tbl: string; row_key: string; op: string }>;
}

describe('installCapture', () => {
  let tmp: ReturnType<typeof tempDir>;
  let db: Database.Database;
  let path: string;
  beforeEach(() => {
    tmp = tempDir();
    path = join(tmp.dir, 'app.db');
    db = openDb(path);
    db.exec(`CREATE TABLE elements (id INTEGER PRIMARY KEY, title TEXT NOT NULL, n INTEGER);
             CREATE TABLE pairs (a TEXT NOT NULL, b INTEGER NOT NULL, v TEXT, PRIMARY KEY (a, b));
             CREATE TABLE notes (body TEXT);
             CREATE TABLE "we'ird ""t""" (k INTEGER PRIMARY KEY, v TEXT);`);
  });
  afterEach(() => {
    db.close();
    tmp.cleanup();
  });

  const derive = (decl: { table: string; collection?: string; idColumns?: string[] }) =>
    deriveTable(db, { collection: decl.table, ...decl });

  it('creates the tables and three triggers per table, and is idempotent', () => {
    const tables = ['elements', 'pairs', 'notes', `we'ird "t"`].map((t) => derive({ table: t }));
    expect(installCapture(db, tables).created).toHaveLength(12);
    expect(installCapture(db, tables).created).toEqual([]);
    const names = db.prepare("SELECT name FROM sqlite_master WHERE type IN ('table','trigger') ORDER BY name").pluck().all();
    expect(names).toEqual(expect.arrayContaining(['_sync_outbox', 'sync_errors', '_sync_lock', '_sync_state', ...Object.values(triggerNames('pairs'))]));
    // Changing the id columns recreates exactly that table's triggers.
    const changed = installCapture(db, [derive({ table: 'elements', idColumns: ['title'] }), ...tables.slice(1)]).created;
    expect(changed.sort()).toEqual(Object.values(triggerNames('elements')).sort());
  });

  it('captures insert, update, delete and a primary-key change, with single and composite keys and rowid', () => {
    installCapture(db, [derive({ table: 'elements' }), derive({ table: 'pairs' }), derive({ table: 'notes' })]);
    db.exec(`INSERT INTO elements (id, title) VALUES (1, 'a');
             UPDATE elements SET title = 'b' WHERE id = 1;
             UPDATE elements SET id = 2 WHERE id = 1;
             DELETE FROM elements WHERE id = 2;
             INSERT INTO pairs VALUES ('x:y', 7, 'v');
             UPDATE pairs SET b = 8;
             INSERT INTO notes (body) VALUES ('hello');
             UPDATE notes SET body = 'bye';`);
    expect(outbox(db)).toEqual([
      { tbl: 'elements', row_key: '[1]', op: 'I' },
      { tbl: 'elements', row_key: '[1]', op: 'U' },
      { tbl: 'elements', row_key: '[1]', op: 'D' },
      { tbl: 'elements', row_key: '[2]', op: 'U' },
      { tbl: 'elements', row_key: '[2]', op: 'D' },
      { tbl: 'pairs', row_key: '["x:y",7]', op: 'I' },
      { tbl: 'pairs', row_key: '["x:y",7]', op: 'D' },
      { tbl: 'pairs', row_key: '["x:y",8]', op: 'U' },
      { tbl: 'notes', row_key: '[1]', op: 'I' },
      { tbl: 'notes', row_key: '[1]', op: 'U' },
    ]);
    const created = db.prepare('SELECT created_ms FROM _sync_outbox').pluck().all() as number[];
    for (const ms of created) expect(Math.abs(ms - Date.now())).toBeLessThan(60_000);
  });

  it('a rolled-back write leaves nothing in the outbox', () => {
    installCapture(db, [derive({ table: 'elements' })]);
    expect(() =>
      db.transaction(() => {
        db.prepare("INSERT INTO elements (id, title) VALUES (1, 'a')").run();
        throw new Error('handler failed');
      })(),
    ).toThrow('handler failed');
    expect(outbox(db)).toEqual([]);
  });

  it('enqueueKeys encodes keys exactly as the triggers do', () => {
    const elements = derive({ table: 'elements' });
    const pairs = derive({ table: 'pairs' });
    installCapture(db, [elements, pairs]);
    db.exec(`INSERT INTO elements (id, title) VALUES (5, 'a'); INSERT INTO pairs VALUES ('é"\\', 3, NULL); DELETE FROM _sync_outbox;`);
    enqueueKeys(db, elements, [[5], [6]]);
    enqueueKeys(db, pairs, [['é"\\', 3]]);
    expect(outbox(db).map((r) => r.row_key)).toEqual(['[5]', '[6]', '["é\\"\\\\",3]']);
    expect(() => enqueueKeys(db, pairs, [['only-one']])).toThrow(/2 value/);
  });

  it.runIf(existsSync(SQLITE3))('the triggers run in the sqlite3 shell (3.40), capturing its writes', () => {
    installCapture(db, [derive({ table: 'elements' }), derive({ table: 'pairs' })]);
    execFileSync(SQLITE3, [path, "INSERT INTO elements (id, title) VALUES (9, 'shell'); INSERT INTO pairs VALUES ('s', 1, 'x'); UPDATE pairs SET a = 't';"]);
    expect(outbox(db)).toEqual([
      { tbl: 'elements', row_key: '[9]', op: 'I' },
      { tbl: 'pairs', row_key: '["s",1]', op: 'I' },
      { tbl: 'pairs', row_key: '["s",1]', op: 'D' },
      { tbl: 'pairs', row_key: '["t",1]', op: 'U' },
    ]);
  });
  if (!existsSync(SQLITE3)) console.warn(`!! ${SQLITE3} not found: the sqlite3-shell capture test is SKIPPED`);
});
