import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { SearchBackend } from '../backend.ts';
import { createEmbeddedBackend, type EmbeddedLogger } from './index.ts';
import { tempDir } from './embedded-backend.test-support.ts';

let tmp: ReturnType<typeof tempDir>;
let b: SearchBackend | undefined;
afterEach(async () => {
  await b?.close();
  b = undefined;
  tmp.cleanup();
});

function recorder(): EmbeddedLogger & { warnings: Array<{ obj: object; msg: string }> } {
  const warnings: Array<{ obj: object; msg: string }> = [];
  return { warnings, info: () => undefined, warn: (obj, msg) => warnings.push({ obj, msg }) };
}

const ids = async (backend: SearchBackend): Promise<string[]> =>
  (await backend.exportDocuments('t', {}))
    .split('\n')
    .filter(Boolean)
    .map((l) => String((JSON.parse(l) as { id: string }).id))
    .sort();

describe('start-up integrity check of the embedded store', () => {
  it('renumbers documents that share a sequence number, raises a trailing counter, and says so', async () => {
    tmp = tempDir();
    b = await createEmbeddedBackend({ dataDir: tmp.dir });
    await b.createCollection({ name: 't', fields: [{ name: 'title', type: 'string' }] });
    await b.importDocuments('t', ['a', 'b', 'c'].map((id) => JSON.stringify({ id, title: `doc ${id}` })).join('\n'), {});
    await b.close();
    // What older versions could leave behind: `c` holding `b`'s number, and a counter one batch behind.
    const raw = new Database(join(tmp.dir, 'search.db'));
    raw.exec(`DROP INDEX documents_seq_unique;
      UPDATE documents SET seq = (SELECT seq FROM documents WHERE id = 'b') WHERE id = 'c';
      UPDATE collections SET next_seq = 1;`);
    raw.close();

    const log = recorder();
    b = await createEmbeddedBackend({ dataDir: tmp.dir, logger: log });
    expect(await ids(b)).toEqual(['a', 'b', 'c']);
    expect((await b.search('t', { q: 'doc', query_by: 'title' })).found).toBe(3);
    expect(log.warnings).toHaveLength(1);
    expect(log.warnings[0]!.msg).toMatch(/collection `t` repaired at start: 1 documents shared a sequence number.*counter raised from 1 to 3/);
    expect(log.warnings[0]!.obj).toMatchObject({ collection: 't', documents: 3, renumbered: 1, renumberedIds: ['c'] });

    // New documents get numbers of their own, and the repair was stored: the next start is clean.
    await b.importDocuments('t', JSON.stringify({ id: 'd', title: 'doc d' }), {});
    expect(await ids(b)).toEqual(['a', 'b', 'c', 'd']);
    await b.close();
    const again = recorder();
    b = await createEmbeddedBackend({ dataDir: tmp.dir, logger: again });
    expect(again.warnings).toEqual([]);
    expect(await ids(b)).toEqual(['a', 'b', 'c', 'd']);
    expect((await b.search('t', { q: 'doc', query_by: 'title' })).found).toBe(4);
  });

  it('SQLite now refuses two documents with one sequence number', async () => {
    tmp = tempDir();
    b = await createEmbeddedBackend({ dataDir: tmp.dir });
    await b.createCollection({ name: 't', fields: [{ name: 'title', type: 'string' }] });
    await b.importDocuments('t', ['a', 'b'].map((id) => JSON.stringify({ id, title: id })).join('\n'), {});
    const raw = new Database(join(tmp.dir, 'search.db'));
    expect(() => raw.exec(`UPDATE documents SET seq = (SELECT seq FROM documents WHERE id = 'a') WHERE id = 'b'`)).toThrow(/UNIQUE/);
    raw.close();
  });

  it('stores the advanced counter with every write (a restart never reuses a number)', async () => {
    tmp = tempDir();
    b = await createEmbeddedBackend({ dataDir: tmp.dir });
    await b.createCollection({ name: 't', fields: [{ name: 'title', type: 'string' }] });
    await b.importDocuments('t', ['a', 'b'].map((id) => JSON.stringify({ id, title: id })).join('\n'), {});
    await b.writeDocument('t', { id: 'c', title: 'c' }, 'create');
    const raw = new Database(join(tmp.dir, 'search.db'), { readonly: true });
    const row = raw.prepare(`SELECT next_seq, (SELECT MAX(seq) FROM documents WHERE collection = 't') AS top FROM collections WHERE name = 't'`).get() as {
      next_seq: number;
      top: number;
    };
    raw.close();
    expect(row.next_seq).toBe(row.top + 1);
  });
});
