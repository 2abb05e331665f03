/**
 * The world of the relay's model-based test (model-based.test.ts): a real SQLite file, a real relay,
 * the real embedded backend behind a fault-injecting SearchBackend (outage, 413 on big requests,
 * per-document rejections), a write log of everything the backend accepted, and the model of
 * SPEC.md the real world is checked against.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { AppError } from '@fountain/kit';
import { createEmbeddedBackend, type SearchBackend } from '@fountain/search';
import { installCapture } from '../capture.ts';
import { deriveTable } from '../schema-derive.ts';
import { createRelay } from './create-relay.ts';
import { indexedDocs, openDb, tempDir } from './fixtures.test-support.ts';
import type { Relay, RelayOptions } from './types.ts';

export const TABLE = 'items';
/** A body the index rejects per document (a 400 for that line): a permanent rejection. */
export const REJECT = 'REJECT';
/** A body too large for any request, even alone: a 413, so a dead letter once the batch is down to it. */
export const HUGE = 'HUGE';

/** One row as the model holds it: `version` is global and grows with every write. */
export interface ModelRow {
  version: number;
  body: string;
  extra: Record<string, string | null>;
}

/** The model of SPEC.md: the table, and the faults in force. */
export interface Model {
  rows: Map<number, ModelRow>;
  columns: string[];
  version: number;
  outage: boolean;
  tooLarge: boolean;
  stolen: boolean;
}

/** One request that reached the real backend, and what it carried. */
export interface LogEntry {
  relay: 'A' | 'B';
  kind: 'upsert' | 'delete';
  id: string;
  version: number | null;
}

/** The faults, shared by every relay's view of the backend. */
export interface Faults {
  outage: boolean;
  /** When on, an import of more than 2 documents is answered 413. */
  tooLarge: boolean;
}

/** The real side: the service's connection, relay A (under test), a thief relay B, the backend. */
export interface World {
  db: Database.Database;
  relay: Relay;
  real: SearchBackend;
  faults: Faults;
  /** Documents accepted by the real backend, in the order it accepted them. */
  log: LogEntry[];
  /** Requests made by each relay (counted when made, whatever their fate). */
  requests: { A: number; B: number };
  /** Requests of each relay in flight now. */
  inFlight: { A: number; B: number };
  /** Times A's setup (onLockAcquired) ran. */
  setups: number;
  /** Violations seen while commands ran (a job overlapping a request, ...). */
  violations: string[];
  /** Relay B, while it holds the lease it took from A, and A's request count when it did. */
  thief: { relay: Relay; db: Database.Database; requestsOfA: number } | null;
  path: string;
  /** Relay options both relays share. */
  common: Partial<RelayOptions>;
  close(): Promise<void>;
}

const unavailable = (): AppError => new AppError('SEARCH_BACKEND_UNAVAILABLE', 'injected outage');

/** The backend as relay `who` sees it: faults first, then the real backend, then the log. */
function faulty(real: SearchBackend, w: Pick<World, 'faults' | 'log' | 'requests' | 'inFlight'>, who: 'A' | 'B'): SearchBackend {
  const track = async <T>(fn: () => Promise<T>): Promise<T> => {
    w.requests[who]++;
    w.inFlight[who]++;
    try {
      if (w.faults.outage) throw unavailable();
      return await fn();
    } finally {
      w.inFlight[who]--;
    }
  };
  const overrides: Partial<SearchBackend> = {
    importDocuments: (collection, jsonl, options) =>
      track(async () => {
        const docs = jsonl.split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
        if (docs.some((d) => d.body === HUGE) || (w.faults.tooLarge && docs.length > 2)) {
          throw new AppError('PAYLOAD_TOO_LARGE', 'injected 413');
        }
        const forwarded = docs.filter((d) => d.body !== REJECT);
        const answers = forwarded.length > 0 ? (await real.importDocuments(collection, forwarded.map((d) => JSON.stringify(d)).join('\n'), options)).split('\n') : [];
        let next = 0;
        const lines = docs.map((d) => {
          if (d.body === REJECT) return JSON.stringify({ success: false, code: 400, error: 'injected rejection', document: JSON.stringify(d) });
          const answer = answers[next++] ?? '';
          if ((JSON.parse(answer) as { success?: boolean }).success === true) {
            w.log.push({ relay: who, kind: 'upsert', id: String(d.id), version: d.version as number });
          }
          return answer;
        });
        return lines.join('\n');
      }),
    deleteByFilter: (collection, filterBy) =>
      track(async () => {
        const r = await real.deleteByFilter(collection, filterBy);
        for (const m of filterBy.matchAll(/`([^`]*)`/g)) w.log.push({ relay: who, kind: 'delete', id: m[1] ?? '', version: null });
        return r;
      }),
    deleteDocument: (collection, id) =>
      track(async () => {
        const r = await real.deleteDocument(collection, id);
        w.log.push({ relay: who, kind: 'delete', id, version: null });
        return r;
      }),
  };
  return new Proxy(real, {
    get(target, prop, receiver) {
      if (typeof prop === 'string' && prop in overrides) return overrides[prop as keyof SearchBackend];
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

/** Creates the world with relay A started and holding the lease. */
export async function createWorld(opts: { maxBatch: number }): Promise<World> {
  const tmp = tempDir('sync-model-');
  const path = join(tmp.dir, 'app.db');
  const db = openDb(path);
  db.exec(`CREATE TABLE ${TABLE} (id INTEGER PRIMARY KEY, version INTEGER NOT NULL, body TEXT NOT NULL)`);
  const derived = deriveTable(db, { table: TABLE, collection: TABLE });
  installCapture(db, [derived]);
  const real = await createEmbeddedBackend({ dataDir: join(tmp.dir, 'search') });
  await real.createCollection({ name: TABLE, ...derived.schema });
  const relayDb = new Database(path);
  const common = { maxBatch: opts.maxBatch, maxWaitMs: 1, pollMs: 10, backoff: { baseMs: 1, maxMs: 15 } };
  const w: World = {
    db,
    relay: null as unknown as Relay,
    real,
    faults: { outage: false, tooLarge: false },
    log: [],
    requests: { A: 0, B: 0 },
    inFlight: { A: 0, B: 0 },
    setups: 0,
    violations: [],
    thief: null,
    path,
    common,
    async close() {
      await w.thief?.relay.stop();
      w.thief?.db.close();
      await w.relay.stop();
      relayDb.close();
      db.close();
      await real.close();
      tmp.cleanup();
    },
  };
  w.relay = createRelay({
    db: relayDb,
    tables: [derived],
    backend: faulty(real, w, 'A'),
    leaseMs: 60_000,
    onLockAcquired: async () => void w.setups++,
    ...common,
  });
  w.relay.start();
  return w;
}

/**
 * Relay B takes the lease from A (R4). Only at a moment when none of A's requests is in flight, at a
 * macrotask boundary: then A's next request must pass a confirm first, which the fence must refuse.
 * (A request already in flight when another relay takes over is SPEC.md's documented gap.) B's
 * lease is 1 ms, so A's lease is expired to B, while B's is alive to A (60 s).
 */
export async function stealLease(w: World): Promise<void> {
  for (;;) {
    await new Promise((r) => setImmediate(r));
    if (w.inFlight.A === 0) break;
  }
  w.db.prepare('UPDATE _sync_lock SET heartbeat_ms = 0').run();
  const db = new Database(w.path);
  const relay = createRelay({ ...w.common, db, tables: [deriveTable(db, { table: TABLE, collection: TABLE })], backend: faulty(w.real, w, 'B'), leaseMs: 1 });
  w.thief = { relay, db, requestsOfA: w.requests.A };
  relay.start();
}

/** Fencing so far: A made no request since B took its lease. */
export function fencingViolations(w: World): string[] {
  const t = w.thief;
  return t && w.requests.A !== t.requestsOfA ? [`relay A made ${w.requests.A - t.requestsOfA} request(s) after B took its lease`] : [];
}

/** B stops (finishing its batch) and releases the lease; A takes it back at its next poll. */
export async function returnLease(w: World): Promise<string[]> {
  const t = w.thief;
  if (!t) return [];
  const out = fencingViolations(w);
  await t.relay.stop();
  t.db.close();
  w.thief = null;
  return out;
}

/** R1: per document, accepted versions never go back, and after a delete only a newer one comes. */
export function staleOverwrites(log: readonly LogEntry[]): string[] {
  const out: string[] = [];
  const floor = new Map<string, { version: number; deleted: boolean }>();
  for (const e of log) {
    const f = floor.get(e.id) ?? { version: 0, deleted: false };
    if (e.kind === 'delete') f.deleted = true;
    else {
      const v = e.version ?? 0;
      if (v < f.version || (f.deleted && v === f.version)) out.push(`document ${e.id}: version ${v} after ${f.version}${f.deleted ? ' and a delete' : ''} (relay ${e.relay})`);
      f.version = Math.max(f.version, v);
      f.deleted = false;
    }
    floor.set(e.id, f);
  }
  return out;
}

/** R2, R3, R6: after a drain, the index against the model, and the dead letters against the rejected keys. */
export async function converged(w: World, m: Model): Promise<string[]> {
  const out: string[] = [];
  const docs = await indexedDocs(w.real, TABLE);
  const deadLetters = new Set((w.db.prepare('SELECT row_key FROM sync_errors').pluck().all() as string[]).map((k) => JSON.parse(k)[0] as number));
  const outbox = w.db.prepare('SELECT count(*) FROM _sync_outbox').pluck().get() as number;
  if (outbox !== 0) out.push(`${outbox} outbox rows left after drain`);
  for (const [id, row] of m.rows) {
    const doc = docs.get(String(id));
    const rejected = row.body === REJECT || row.body === HUGE;
    if (rejected !== deadLetters.has(id)) out.push(`row ${id} (${row.body}): dead-lettered ${deadLetters.has(id)}`);
    if (rejected) {
      if (doc && (doc.version as number) >= row.version) out.push(`row ${id}: a rejected version is in the index`);
      continue;
    }
    const want: Record<string, unknown> = { id: String(id), version: row.version, body: row.body };
    for (const [c, v] of Object.entries(row.extra)) if (v !== null) want[c] = v;
    if (JSON.stringify(doc, Object.keys(want).sort()) !== JSON.stringify(want, Object.keys(want).sort()) || Object.keys(doc ?? {}).length !== Object.keys(want).length) {
      out.push(`row ${id}: index has ${JSON.stringify(doc)}, the table ${JSON.stringify(want)}`);
    }
  }
  for (const id of docs.keys()) if (!m.rows.has(Number(id))) out.push(`document ${id} has no row`);
  for (const id of deadLetters) if (!m.rows.has(id)) out.push(`dead letter ${id} has no row`);
  return out;
}
