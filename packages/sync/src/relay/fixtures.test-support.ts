/**
 * Test fixtures for the relay's tests: temporary databases and a fault injector that wraps a REAL
 * backend (it delays or fails calls and records what it lets through; it never fakes the backend).
 */
import Database from 'better-sqlite3';
import type { SearchBackend } from '@fountain/search';

export { tempDir } from '@fountain/testing';

/** Opens a database file the way a service would (WAL, busy timeout). */
export function openDb(path: string): Database.Database {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 5000');
  return db;
}

/** A hook run before a call is forwarded: may delay, or throw to fail the call. */
export type FaultHook = (call: { method: 'importDocuments' | 'deleteByFilter' | 'deleteDocument'; collection: string; n: number }) => Promise<void> | void;

/** A backend decorator that injects faults and records the documents that reached the real backend. */
export interface FaultInjector {
  backend: SearchBackend;
  /** Every upserted document the real backend accepted, in the order it accepted them. */
  upserts: Array<Record<string, unknown>>;
  /** Every id deleted through the real backend, in order. */
  deletes: string[];
  calls: { importDocuments: number; deleteByFilter: number; deleteDocument: number };
  setHook(hook: FaultHook | null): void;
}

/** Wraps `real`; `importDocuments`, `deleteByFilter` and `deleteDocument` go through the hook first. */
export function injectFaults(real: SearchBackend): FaultInjector {
  let hook: FaultHook | null = null;
  const fi: FaultInjector = {
    backend: null as unknown as SearchBackend,
    upserts: [],
    deletes: [],
    calls: { importDocuments: 0, deleteByFilter: 0, deleteDocument: 0 },
    setHook: (h) => (hook = h),
  };
  const overrides: Partial<SearchBackend> = {
    async importDocuments(collection, jsonl, options) {
      const n = ++fi.calls.importDocuments;
      await hook?.({ method: 'importDocuments', collection, n });
      const answer = await real.importDocuments(collection, jsonl, options);
      const docs = jsonl.split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      answer
        .split('\n')
        .filter((l) => l.trim() !== '')
        .forEach((l, i) => {
          if ((JSON.parse(l) as { success?: boolean }).success === true && docs[i]) fi.upserts.push(docs[i]);
        });
      return answer;
    },
    async deleteByFilter(collection, filterBy) {
      const n = ++fi.calls.deleteByFilter;
      await hook?.({ method: 'deleteByFilter', collection, n });
      const r = await real.deleteByFilter(collection, filterBy);
      fi.deletes.push(...[...filterBy.matchAll(/`([^`]*)`/g)].map((m) => m[1] ?? ''));
      return r;
    },
    async deleteDocument(collection, id) {
      const n = ++fi.calls.deleteDocument;
      await hook?.({ method: 'deleteDocument', collection, n });
      const r = await real.deleteDocument(collection, id);
      fi.deletes.push(id);
      return r;
    },
  };
  fi.backend = new Proxy(real, {
    get(target, prop, receiver) {
      if (typeof prop === 'string' && prop in overrides) return overrides[prop as keyof SearchBackend];
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  return fi;
}

/** All documents of a collection, by id (through export). */
export async function indexedDocs(backend: SearchBackend, collection: string): Promise<Map<string, Record<string, unknown>>> {
  const out = await backend.exportDocuments(collection, {});
  const docs = out
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  return new Map(docs.map((d) => [String(d.id), d]));
}
