/**
 * The plumbing the sync benchmark's scenarios share (bench/src/sync.ts): Typesense spoken to directly
 * with the admin key (the baseline, and the ground truth of what was indexed), the relay as its own
 * process (bench/src/sync-relay.ts) reporting samples, and the service database the writer fills.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import Database from 'better-sqlite3';
import { REPO_ROOT, type BenchRecord, type TypesenseServer } from '@fountain/testing';

/** What every scenario runs against: Typesense directly, and the gateway with the service key. */
export interface SyncBench {
  typesense: TypesenseAdmin;
  gatewayUrl: string;
  serviceKey: string;
}

// ---------------------------------------------------------------------------------------------
// Typesense, direct, with the admin key

/** Typesense's HTTP API with the admin key, bypassing the gateway. */
export interface TypesenseAdmin {
  /** One request; a JSON answer parsed, any other answer as text; a non-2xx throws. */
  req(method: string, path: string, body?: string): Promise<unknown>;
  /** Documents in a collection or alias. */
  numDocuments(name: string): Promise<number>;
  /** Drops every collection and alias, so each run starts from an equally empty Typesense. */
  dropAll(): Promise<void>;
}

/** The admin API of a running Typesense. */
export function typesenseAdmin(ts: TypesenseServer): TypesenseAdmin {
  const req = async (method: string, path: string, body?: string): Promise<unknown> => {
    const res = await fetch(`${ts.url}${path}`, {
      method,
      headers: { 'X-TYPESENSE-API-KEY': ts.apiKey, 'Content-Type': body?.startsWith('{') ? 'application/json' : 'text/plain' },
      ...(body !== undefined && { body }),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  };
  return {
    req,
    async numDocuments(name) {
      let physical = name;
      try {
        physical = ((await req('GET', `/aliases/${name}`)) as { collection_name: string }).collection_name;
      } catch {
        // not an alias
      }
      return ((await req('GET', `/collections/${physical}`)) as { num_documents: number }).num_documents;
    },
    async dropAll() {
      const aliases = (await req('GET', '/aliases')) as { aliases: Array<{ name: string }> };
      for (const a of aliases.aliases) await req('DELETE', `/aliases/${a.name}`);
      const cols = (await req('GET', '/collections')) as Array<{ name: string }>;
      for (const c of cols) await req('DELETE', `/collections/${c.name}`);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The relay process

/** One line the relay process prints (bench/src/sync-relay.ts): its memory and the relay's stats. */
export interface Sample {
  t: number;
  rss: number;
  heap: number;
  external: number;
  state: string;
  holdsLock: boolean;
  acked: number;
  batches: number;
  failures: number;
  lastError: string | null;
  final?: boolean;
  hwm?: number | null;
}

/** The relay in its own process (startSync, as a service would run it), sending through the gateway. */
export class RelayProcess {
  readonly samples: Sample[] = [];
  private readonly child: ChildProcess;
  private readonly exited: Promise<void>;
  private stderr = '';
  private waiters: Array<() => void> = [];

  constructor(opts: { bench: SyncBench; db: string; table: string; collection: string; defaultSort: string; nodeArgs?: string[] }) {
    this.child = spawn(process.execPath, [...(opts.nodeArgs ?? []), '--import', 'tsx', join(REPO_ROOT, 'bench/src/sync-relay.ts')], {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        SYNC_DB: opts.db,
        SYNC_TABLE: opts.table,
        SYNC_COLLECTION: opts.collection,
        SYNC_DEFAULT_SORT: opts.defaultSort,
        SYNC_GATEWAY_URL: opts.bench.gatewayUrl,
        SYNC_API_KEY: opts.bench.serviceKey,
        SAMPLE_MS: '200',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      try {
        this.samples.push(JSON.parse(line) as Sample);
      } catch {
        this.stderr += `${line}\n`;
      }
      for (const w of this.waiters.splice(0)) w();
    });
    this.child.stderr!.on('data', (c: Buffer) => (this.stderr = (this.stderr + c.toString()).slice(-8000)));
    this.exited = new Promise((r) => this.child.once('exit', () => r()));
    void this.exited.then(() => {
      for (const w of this.waiters.splice(0)) w();
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** Waits for a sample satisfying `pred`. */
  async waitFor(pred: (s: Sample) => boolean, timeoutMs: number, what: string): Promise<Sample> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const hit = this.samples.find(pred);
      if (hit) return hit;
      if (this.child.exitCode !== null) throw new Error(`relay process exited (${this.child.exitCode}) before ${what}:\n${this.stderr}`);
      if (performance.now() > deadline) throw new Error(`relay process: no ${what} within ${timeoutMs} ms:\n${this.stderr}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 250);
      });
    }
  }

  /** Waits until the relay holds the lease and finished its setup (collection, backfill). */
  ready(): Promise<Sample> {
    return this.waitFor((s) => s.holdsLock && s.state === 'idle', 60_000, 'idle relay');
  }

  /** SIGTERM: the relay stops after its batch; resolves with the final sample. */
  async stop(): Promise<Sample | undefined> {
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 20_000);
    await this.exited;
    clearTimeout(timer);
    return this.samples.find((s) => s.final);
  }

  errors(): string {
    return this.stderr;
  }
}

// ---------------------------------------------------------------------------------------------
// The service database

export const DOCS_DDL = `CREATE TABLE docs (id INTEGER PRIMARY KEY, title TEXT NOT NULL, body TEXT NOT NULL,
  genre TEXT NOT NULL, year INTEGER NOT NULL, rating REAL NOT NULL)`;
export const FRESH_DDL = `CREATE TABLE fresh (id INTEGER PRIMARY KEY, n INTEGER NOT NULL, title TEXT NOT NULL,
  body TEXT NOT NULL, genre TEXT NOT NULL, year INTEGER NOT NULL, rating REAL NOT NULL)`;

/** The writer's own connection, as a service would open it (WAL, synchronous=NORMAL). */
export function openDb(path: string, ddl?: string): Database.Database {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  if (ddl) db.exec(ddl);
  return db;
}

/** The first outbox row, if any: O(1) (rowid order), unlike count(*). */
export function outboxEmpty(db: Database.Database): () => boolean {
  const first = db.prepare('SELECT seq FROM _sync_outbox LIMIT 1').pluck();
  return () => first.get() === undefined;
}

/** Inserts records into `docs`, all in one transaction per call. */
export function insertDocs(db: Database.Database): (recs: Iterable<BenchRecord>) => void {
  const ins = db.prepare('INSERT INTO docs (id, title, body, genre, year, rating) VALUES (?, ?, ?, ?, ?, ?)');
  return db.transaction((recs: Iterable<BenchRecord>) => {
    for (const r of recs) ins.run(Number(r.id), r.title, r.body, r.genre, r.year, r.rating);
  });
}
