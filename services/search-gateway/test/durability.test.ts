/**
 * Durability of the embedded backend, against the real gateway process: documents survive a clean
 * restart and a SIGKILL in the middle of an import, and the documents written after the restart never
 * take the place of older ones (issue 7, item 1: the saved sequence counter trailed by one batch, so a
 * new document reused an old one's number and the old one vanished from search and export).
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startSync, type AuditReport, type Sync } from '@fountain/sync';
import { freePort, startGateway, tempDir, type GatewayProcess } from '@fountain/testing';

const KEY = 'durability-test-service-key-0123456789';
const SCHEMA = { name: 't', fields: [{ name: 'title', type: 'string' }, { name: 'n', type: 'int32' }] };

let data: ReturnType<typeof tempDir>;
let gw: GatewayProcess | undefined;
let sync: Sync | undefined;
afterEach(async () => {
  await sync?.stop();
  sync = undefined;
  await gw?.kill();
  await gw?.stopAndClean();
  gw = undefined;
  data?.cleanup();
});

const start = async (port?: number): Promise<GatewayProcess> =>
  (gw = await startGateway({ serviceKey: KEY, env: { DATA_DIR: join(data.dir, 'gateway') }, ...(port !== undefined && { port }) }));

async function call(g: GatewayProcess, method: string, path: string, body?: string, type = 'application/json'): Promise<{ status: number; text: string }> {
  const res = await fetch(`${g.url}${path}`, {
    method,
    headers: { 'X-TYPESENSE-API-KEY': KEY, ...(body === undefined ? {} : { 'Content-Type': type }) },
    ...(body === undefined ? {} : { body }),
  });
  return { status: res.status, text: await res.text() };
}

const doc = (id: string, n = 0): string => JSON.stringify({ id, title: `document ${id}`, n });

async function importDocs(g: GatewayProcess, ids: string[]): Promise<void> {
  const r = await call(g, 'POST', '/collections/t/documents/import?action=create', ids.map((id) => doc(id)).join('\n'), 'text/plain');
  expect(r.status, r.text).toBe(200);
  expect(r.text.split('\n').every((l) => (JSON.parse(l) as { success: boolean }).success), r.text).toBe(true);
}

/** The ids in the export, and the `found` of a `q=*` search: both must list every stored document. */
async function visible(g: GatewayProcess): Promise<{ exported: string[]; found: number; searched: string[] }> {
  const exp = await call(g, 'GET', '/collections/t/documents/export');
  expect(exp.status).toBe(200);
  const exported = exp.text.split('\n').filter(Boolean).map((l) => String((JSON.parse(l) as { id: string }).id)).sort();
  const s = await call(g, 'GET', '/collections/t/documents/search?q=*&per_page=250');
  expect(s.status, s.text).toBe(200);
  const body = JSON.parse(s.text) as { found: number; hits: Array<{ document: { id: string } }> };
  return { exported, found: body.found, searched: body.hits.map((h) => h.document.id).sort() };
}

describe('embedded backend durability across gateway restarts (real process)', () => {
  it('a SIGTERM restart between two imports loses nothing (the issue\'s reproduction)', async () => {
    data = tempDir('gw-durability-');
    let g = await start();
    expect((await call(g, 'POST', '/collections', JSON.stringify(SCHEMA))).status).toBe(201);
    await importDocs(g, ['a', 'b']);
    expect(await g.stop()).toBe(0);

    g = await start();
    await importDocs(g, ['c']);
    const v = await visible(g);
    expect(v.exported).toEqual(['a', 'b', 'c']);
    expect(v.found).toBe(3);
    expect(v.searched).toEqual(['a', 'b', 'c']);
    // The text index holds the old documents too, not only the export.
    const s = await call(g, 'GET', '/collections/t/documents/search?q=document&query_by=title&per_page=250');
    expect((JSON.parse(s.text) as { found: number }).found).toBe(3);
    expect(JSON.parse((await call(g, 'GET', '/collections/t')).text)).toMatchObject({ num_documents: 3 });
  }, 120_000);

  it('a SIGKILL in the middle of an import burst loses no acknowledged document', async () => {
    data = tempDir('gw-durability-kill-');
    let g = await start();
    expect((await call(g, 'POST', '/collections', JSON.stringify(SCHEMA))).status).toBe(201);
    // Imports of 20 documents each, back to back, until the process is killed under them.
    const acknowledged: string[] = [];
    let batch = 0;
    const burst = (async () => {
      for (;;) {
        const ids = Array.from({ length: 20 }, (_, i) => `k${batch}-${i}`);
        batch++;
        try {
          const r = await call(g, 'POST', '/collections/t/documents/import?action=create', ids.map((id) => doc(id, batch)).join('\n'), 'text/plain');
          if (r.status !== 200) return;
          const lines = r.text.split('\n').map((l) => JSON.parse(l) as { success: boolean });
          ids.forEach((id, i) => lines[i]?.success && acknowledged.push(id));
        } catch {
          return; // the connection died with the process
        }
      }
    })();
    while (acknowledged.length < 100) await new Promise((r) => setTimeout(r, 5));
    await g.kill();
    await burst;

    g = await start();
    // Writes after the restart get numbers of their own: none of them may displace an older document.
    await importDocs(g, ['after-1', 'after-2', 'after-3']);
    const v = await visible(g);
    const missing = [...acknowledged, 'after-1', 'after-2', 'after-3'].filter((id) => !v.exported.includes(id));
    expect(missing, `acknowledged but missing from the export after the restart`).toEqual([]);
    expect(v.found).toBe(v.exported.length);
    expect(JSON.parse((await call(g, 'GET', '/collections/t')).text)).toMatchObject({ num_documents: v.exported.length });
  }, 120_000);
});

async function exportedIds(g: GatewayProcess): Promise<string[]> {
  const r = await call(g, 'GET', '/collections/items/documents/export');
  return r.text.split('\n').filter(Boolean).map((l) => String((JSON.parse(l) as { id: string }).id));
}

async function until(check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !(await check()); ) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('sync on the embedded backend across a gateway restart (real processes)', () => {
  const differences = (reports: AuditReport[]): number => reports.reduce((n, r) => n + r.missing.count + r.stale.count + r.extra.count, 0);

  it('an audit that repairs a lost document reports clean afterwards (it no longer fights itself)', async () => {
    data = tempDir('gw-durability-sync-');
    const port = await freePort();
    let g = await start(port);
    const path = join(data.dir, 'items.db');
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE items (id INTEGER PRIMARY KEY, title TEXT NOT NULL)');
    const insert = db.prepare('INSERT INTO items (id, title) VALUES (?, ?)');
    const add = (from: number, to: number): void => {
      db.transaction(() => {
        for (let i = from; i <= to; i++) insert.run(i, `item ${i}`);
      })();
    };
    try {
      add(1, 5);
      sync = await startSync({
        database: path,
        tables: [{ table: 'items', collection: 'items' }],
        gateway: { url: g.url, apiKey: KEY },
        auditIntervalMs: 0,
        relay: { pollMs: 20, backoff: { baseMs: 50, maxMs: 200 } },
      });
      // The last batch before the restart must add documents (a re-send would not move the counter), so
      // let the initial backfill finish first.
      await until(async () => (await exportedIds(g)).length === 5);
      add(6, 8);
      await until(async () => (await exportedIds(g)).length === 8);
      expect(await g.stop()).toBe(0);
      g = await start(port);
      add(9, 10);
      await sync.drain(15_000);

      // One document lost behind sync's back: the audit must find exactly it, and after the repair
      // the next audit must be clean (before the fix, the restart made every repair displace another
      // document, and the audit never came back clean).
      const [lost] = await exportedIds(g);
      expect((await call(g, 'DELETE', `/collections/items/documents/${lost}`)).status).toBe(200);
      const first = await sync.audit({ repair: true });
      expect(differences(first), JSON.stringify(first.map((r) => ({ missing: r.missing, stale: r.stale, extra: r.extra })))).toBe(1);
      expect(first[0]!.missing.count).toBe(1);
      await sync.drain(15_000);
      const second = await sync.audit();
      expect(differences(second), JSON.stringify(second.map((r) => ({ missing: r.missing, stale: r.stale, extra: r.extra })))).toBe(0);
      expect(second[0]!.documents).toBe(10);
    } finally {
      db.close();
    }
  }, 120_000);
});
