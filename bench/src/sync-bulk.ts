/**
 * Sync benchmark, scenario (i) bulk (bench/src/sync.ts): N rows in transactions of 1000, from the
 * first commit until the outbox is empty and the collection holds N documents; baseline: the same
 * JSONL documents imported straight into Typesense in batches of 1000. ratio = raw time / sync time.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { deriveTable } from '@fountain/sync';
import type { BenchRecord } from '@fountain/testing';
import { DOCS_DDL, RelayProcess, insertDocs, openDb, outboxEmpty, type SyncBench } from './sync-harness.ts';

const BATCH = 1000;

/** One bulk run's figures. */
export interface BulkRun {
  rawS: number;
  syncS: number;
  writeS: number;
  ratio: number;
  /** The last document, as sync indexed it and as the raw import did: the same JSON. */
  identical: boolean;
}

/** One bulk run on a fresh database and fresh collections; `nodeArgs` go to the relay process. */
export async function bulkRun(bench: SyncBench, run: number, records: BenchRecord[], lines: string[], nodeArgs: string[] = []): Promise<BulkRun> {
  const ts = bench.typesense;
  const dir = mkdtempSync(join(tmpdir(), 'bench-sync-bulk-'));
  const path = join(dir, 'service.db');
  const db = openDb(path, DOCS_DDL);
  const alias = `bulk_${run}`;
  const raw = `raw_${run}`;
  const relay = new RelayProcess({ bench, db: path, table: 'docs', collection: alias, defaultSort: 'year', nodeArgs });
  try {
    await relay.ready();
    // The baseline gets the very schema sync derived (int64 year, float rating, facet genre).
    const schema = deriveTable(db, { table: 'docs', collection: alias, fields: { genre: { facet: true } }, defaultSortingField: 'year' }).schema;
    await ts.req('POST', '/collections', JSON.stringify({ ...schema, name: raw }));

    const rawImport = async (): Promise<number> => {
      const t0 = performance.now();
      for (let i = 0; i < lines.length; i += BATCH) {
        const answer = (await ts.req('POST', `/collections/${raw}/documents/import?action=upsert`, lines.slice(i, i + BATCH).join('\n'))) as unknown;
        if (String(typeof answer === 'string' ? answer : JSON.stringify(answer)).includes('"success":false')) throw new Error('raw import rejected documents');
      }
      return (performance.now() - t0) / 1000;
    };
    const syncImport = async (): Promise<{ syncS: number; writeS: number }> => {
      const insert = insertDocs(db);
      const empty = outboxEmpty(db);
      let t0 = 0;
      for (let i = 0; i < records.length; i += BATCH) {
        insert(records.slice(i, i + BATCH));
        if (i === 0) t0 = performance.now();
      }
      const writeS = (performance.now() - t0) / 1000;
      while (!empty()) await sleep(5);
      while ((await ts.numDocuments(alias)) < records.length) await sleep(5);
      return { syncS: (performance.now() - t0) / 1000, writeS };
    };
    // Alternate the order between runs, so neither side always gets the warmer Typesense.
    let rawS: number;
    let s: { syncS: number; writeS: number };
    if (run % 2 === 0) {
      rawS = await rawImport();
      s = await syncImport();
    } else {
      s = await syncImport();
      rawS = await rawImport();
    }
    const a = await ts.req('GET', `/collections/${alias}/documents/${records.length - 1}`);
    const b = await ts.req('GET', `/collections/${raw}/documents/${records.length - 1}`);
    return { rawS, syncS: s.syncS, writeS: s.writeS, ratio: rawS / s.syncS, identical: JSON.stringify(a) === JSON.stringify(b) };
  } finally {
    await relay.stop();
    db.close();
    rmSync(dir, { recursive: true, force: true });
    await ts.dropAll();
  }
}
