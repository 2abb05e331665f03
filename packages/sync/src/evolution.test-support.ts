/** Test helpers of the schema evolution, backfill and audit tests: temp databases and a counting backend. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { SearchBackend } from '@fountain/search';

/** A fresh SQLite file (WAL) in a temp dir, and a cleanup that closes it and removes the dir. */
export function tempDb(): { db: Database.Database; dir: string; path: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'sync-evolution-'));
  const path = join(dir, 'service.db');
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  return {
    db,
    dir,
    path,
    cleanup: () => {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Wraps a backend and counts the calls per method (plus the documents sent per import). */
export function countingBackend(inner: SearchBackend): { backend: SearchBackend; calls: Map<string, number>; importedDocs: () => number; reset: () => void } {
  const calls = new Map<string, number>();
  let docs = 0;
  const backend = new Proxy(inner, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (typeof v !== 'function') return v;
      return (...args: unknown[]) => {
        calls.set(String(prop), (calls.get(String(prop)) ?? 0) + 1);
        if (prop === 'importDocuments') docs += String(args[1]).split('\n').filter((l) => l.trim() !== '').length;
        return (v as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return {
    backend,
    calls,
    importedDocs: () => docs,
    reset: () => {
      calls.clear();
      docs = 0;
    },
  };
}

/** A mutex with the relay's `runExclusive` shape, for tests that play the relay. */
export function mutex(): <T>(fn: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(fn: () => Promise<T>): Promise<T> => {
    const run = tail.then(fn, fn);
    tail = run.catch(() => undefined);
    return run;
  };
}
