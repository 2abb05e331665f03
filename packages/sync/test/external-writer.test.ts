/**
 * External writer: a row written by ANOTHER process (a `node -e` with its own better-sqlite3
 * connection, and the `sqlite3` shell) becomes searchable through the real gateway on real Typesense
 * within 5 s, with nothing else happening: nobody calls notify(); the relay notices the commit through
 * `PRAGMA data_version`. Prints the observed commit-to-searchable lag.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { REPO_ROOT, typesenseAvailable } from '@fountain/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSync, type Sync } from '../src/index.ts';
import type { TableDeclaration } from '../src/index.ts';
import { eventually, gatewaySearch, openDb, sleep, startStack, tempDir, uniqueName, type Stack } from './stack.test-support.ts';

const SQLITE3 = '/usr/bin/sqlite3';
const BOUND_MS = 5000;

describe.runIf(typesenseAvailable())('external writer: another process commits, search sees it', () => {
  let stack: Stack;
  let sync: Sync;
  let path: string;
  const table = uniqueName('ext_notes');
  const tmp = tempDir('sync-e2e-ext-');
  beforeAll(async () => {
    stack = await startStack('typesense');
    path = `${tmp.dir}/${table}.db`;
    const db = openDb(path);
    db.exec(`CREATE TABLE ${table} (id INTEGER PRIMARY KEY, body TEXT NOT NULL)`);
    db.prepare(`INSERT INTO ${table} (id, body) VALUES (1, 'seed row')`).run();
    db.close();
    const decl: TableDeclaration = { table, collection: table };
    sync = await startSync({ database: path, tables: [decl], gateway: stack.gateway });
    await sync.drain(20_000);
    await eventually(async () => (await gatewaySearch(stack.gateway, table, { q: 'seed', query_by: 'body' })).found === 1, 10_000, 'the seed row');
  });
  afterAll(async () => {
    await sync?.stop();
    await stack?.stop();
    tmp.cleanup();
  });

  /** Polls the gateway's search until `word` is found; answers the ms since `committedAt`. */
  const lagUntilSearchable = async (word: string, committedAt: number): Promise<number> => {
    await eventually(async () => (await gatewaySearch(stack.gateway, table, { q: word, query_by: 'body' })).found === 1, BOUND_MS, `'${word}' to be searchable`, 5);
    return Date.now() - committedAt;
  };

  it('a row committed by a node process with its own better-sqlite3 connection', async () => {
    await sleep(300); // let everything settle: nothing is happening when the other process writes
    const script = [
      "const Database = require('better-sqlite3');",
      'const db = new Database(process.argv[1]);',
      "db.pragma('busy_timeout = 5000');",
      `db.prepare("INSERT INTO ${table} (id, body) VALUES (2, 'written by nodeprocess')").run();`,
      'process.stdout.write(String(Date.now()));',
      'db.close();',
    ].join('\n');
    const out = execFileSync(process.execPath, ['-e', script, path], { cwd: REPO_ROOT, encoding: 'utf8' });
    const committedAt = Number(out.trim());
    expect(committedAt).toBeGreaterThan(0);
    const lag = await lagUntilSearchable('nodeprocess', committedAt);
    console.log(`external writer (node + better-sqlite3): commit to searchable through the gateway in ${lag} ms`);
    expect(lag).toBeLessThan(BOUND_MS);
  });

  it.runIf(existsSync(SQLITE3))('a row committed by the sqlite3 shell', async () => {
    await sleep(300);
    execFileSync(SQLITE3, ['-cmd', '.timeout 5000', path, `INSERT INTO ${table} (id, body) VALUES (3, 'written by sqliteshell');`], { encoding: 'utf8' });
    // The shell can't print a commit timestamp as precisely; its exit is right after the commit.
    const committedAt = Date.now();
    const lag = await lagUntilSearchable('sqliteshell', committedAt);
    console.log(`external writer (sqlite3 shell): exit to searchable through the gateway in ${lag} ms`);
    expect(lag).toBeLessThan(BOUND_MS);
  });

  if (!existsSync(SQLITE3)) {
    it('sqlite3 shell part', () => {
      console.warn(`\n!!! ${SQLITE3} is not installed: the sqlite3-shell external-writer case is SKIPPED !!!\n`);
    });
  }
});
