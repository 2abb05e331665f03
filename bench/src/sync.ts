/**
 * Sync benchmark: SQLite -> @fountain/sync relay -> Search Gateway -> Typesense, all real, on this
 * machine, in one run. Prints ONE JSON line; figures are ratios against a baseline of the same run
 * where one applies, and nothing fails on timing.
 *
 *   npm run bench:sync              # full: 100k bulk rows, 10 s at 200 writes/s, 1M-row backlog
 *   npm run bench:sync -- --quick   # under 60 s: 20k bulk, 4 s freshness, 60k backlog
 *   npm run bench:sync -- --profile # bulk once, with --cpu-prof on the relay and the gateway: top costs
 *
 * The relay always runs in its OWN process (bench/src/sync-relay.ts calls startSync, as a service
 * would), the writer is this process with its own better-sqlite3 connection (WAL, synchronous=NORMAL).
 * Every mode runs twice (`*_runs` arrays: the spread; the headline figure is their mean, or their
 * max for maxima), each on a fresh database and fresh collections.
 *
 * (i)   bulk: N rows in transactions of 1000, from the first commit until the outbox is empty and the
 *       collection holds N documents; baseline: the same JSONL documents imported straight into
 *       Typesense in batches of 1000. bulk_ratio = raw time / sync time.
 * (ii)  freshness: commit -> searchable. The writer timestamps each commit (performance.now() right
 *       after the single-row autocommit INSERT returns); ONE concurrent poller searches through the
 *       gateway for the highest write number visible (`sort_by=n:desc&per_page=1`), back to back with
 *       a 2 ms gap, and every write up to it that was not seen before gets lag = poll answer time -
 *       commit time. The relay sends in seq order, so what is visible is a prefix (checked with
 *       `found`; a poll that isn't, mid-import, is skipped: `non_prefix_polls`). Resolution: one poll round trip plus the gap (reported as
 *       `poll_rtt_ms_p50`); overhead: one search in flight at a time. Steady 200 writes/s (open loop,
 *       writes due every 5 ms), then writes as fast as possible (yielding every 2 ms so the poller runs).
 * (iii) memory: capture installed and the collection created by a first relay run on the empty
 *       table, relay stopped, backlog written (outbox path, not backfill), then a NEW relay process
 *       drains it; it reports process.memoryUsage().rss every 200 ms and VmHWM at exit.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { createInterface } from 'node:readline';
import Database from 'better-sqlite3';
import { deriveTable, startSync } from '@fountain/sync';
import { REPO_ROOT, startGateway, startTypesense, type ServiceProcess, type TypesenseServer } from '@fountain/testing';
import { benchRecords, percentile, type BenchRecord } from '@fountain/testing';

const quick = process.argv.includes('--quick');
const profile = process.argv.includes('--profile');
const cfg = quick
  ? { bulkRows: 20_000, steadySeconds: 4, maxSeconds: 2, backlog: 60_000, runs: 2 }
  : { bulkRows: 100_000, steadySeconds: 10, maxSeconds: 4, backlog: 1_000_000, runs: 2 };
const BATCH = 1000;
const STEADY_RATE = 200;
const SERVICE_KEY = 'bench-service-key-0123456789';

const round = (n: number, d = 3): number => Math.round(n * 10 ** d) / 10 ** d;
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const MB = 1024 * 1024;

// ---------------------------------------------------------------------------------------------
// Typesense (admin, direct) and the gateway (service key)

let ts: TypesenseServer;
let gw: ServiceProcess;

async function tsReq(method: string, path: string, body?: string, url = ts.url, key = ts.apiKey): Promise<unknown> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { 'X-TYPESENSE-API-KEY': key, 'Content-Type': body?.startsWith('{') ? 'application/json' : 'text/plain' },
    ...(body !== undefined && { body }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** Documents in a collection or alias (direct, admin key). */
async function numDocuments(name: string): Promise<number> {
  let physical = name;
  try {
    physical = ((await tsReq('GET', `/aliases/${name}`)) as { collection_name: string }).collection_name;
  } catch {
    // not an alias
  }
  return ((await tsReq('GET', `/collections/${physical}`)) as { num_documents: number }).num_documents;
}

/** Drops every collection and alias, so each run starts from an equally empty Typesense. */
async function dropAll(): Promise<void> {
  const aliases = (await tsReq('GET', '/aliases')) as { aliases: Array<{ name: string }> };
  for (const a of aliases.aliases) await tsReq('DELETE', `/aliases/${a.name}`);
  const cols = (await tsReq('GET', '/collections')) as Array<{ name: string }>;
  for (const c of cols) await tsReq('DELETE', `/collections/${c.name}`);
}

// ---------------------------------------------------------------------------------------------
// The relay process

interface Sample {
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

class RelayProcess {
  readonly samples: Sample[] = [];
  private readonly child: ChildProcess;
  private readonly exited: Promise<void>;
  private stderr = '';
  private waiters: Array<() => void> = [];

  constructor(opts: { db: string; table: string; collection: string; defaultSort: string; nodeArgs?: string[] }) {
    this.child = spawn(process.execPath, [...(opts.nodeArgs ?? []), '--import', 'tsx', join(REPO_ROOT, 'bench/src/sync-relay.ts')], {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        SYNC_DB: opts.db,
        SYNC_TABLE: opts.table,
        SYNC_COLLECTION: opts.collection,
        SYNC_DEFAULT_SORT: opts.defaultSort,
        SYNC_GATEWAY_URL: gw.url,
        SYNC_API_KEY: SERVICE_KEY,
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

const DOCS_DDL = `CREATE TABLE docs (id INTEGER PRIMARY KEY, title TEXT NOT NULL, body TEXT NOT NULL,
  genre TEXT NOT NULL, year INTEGER NOT NULL, rating REAL NOT NULL)`;
const FRESH_DDL = `CREATE TABLE fresh (id INTEGER PRIMARY KEY, n INTEGER NOT NULL, title TEXT NOT NULL,
  body TEXT NOT NULL, genre TEXT NOT NULL, year INTEGER NOT NULL, rating REAL NOT NULL)`;

function openDb(path: string, ddl?: string): Database.Database {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  if (ddl) db.exec(ddl);
  return db;
}

/** The first outbox row, if any: O(1) (rowid order), unlike count(*). */
function outboxEmpty(db: Database.Database): () => boolean {
  const first = db.prepare('SELECT seq FROM _sync_outbox LIMIT 1').pluck();
  return () => first.get() === undefined;
}

function insertDocs(db: Database.Database): (recs: Iterable<BenchRecord>) => void {
  const ins = db.prepare('INSERT INTO docs (id, title, body, genre, year, rating) VALUES (?, ?, ?, ?, ?, ?)');
  return db.transaction((recs: Iterable<BenchRecord>) => {
    for (const r of recs) ins.run(Number(r.id), r.title, r.body, r.genre, r.year, r.rating);
  });
}

// ---------------------------------------------------------------------------------------------
// (i) bulk

interface BulkRun {
  rawS: number;
  syncS: number;
  writeS: number;
  ratio: number;
  identical: boolean;
}

async function bulkRun(run: number, records: BenchRecord[], lines: string[], nodeArgs: string[] = []): Promise<BulkRun> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-sync-bulk-'));
  const path = join(dir, 'service.db');
  const db = openDb(path, DOCS_DDL);
  const alias = `bulk_${run}`;
  const raw = `raw_${run}`;
  const relay = new RelayProcess({ db: path, table: 'docs', collection: alias, defaultSort: 'year', nodeArgs });
  try {
    await relay.ready();
    // The baseline gets the very schema sync derived (int64 year, float rating, facet genre).
    const schema = deriveTable(db, { table: 'docs', collection: alias, fields: { genre: { facet: true } }, defaultSortingField: 'year' }).schema;
    await tsReq('POST', '/collections', JSON.stringify({ ...schema, name: raw }));

    const rawImport = async (): Promise<number> => {
      const t0 = performance.now();
      for (let i = 0; i < lines.length; i += BATCH) {
        const answer = (await tsReq('POST', `/collections/${raw}/documents/import?action=upsert`, lines.slice(i, i + BATCH).join('\n'))) as unknown;
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
      while ((await numDocuments(alias)) < records.length) await sleep(5);
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
    const a = await tsReq('GET', `/collections/${alias}/documents/${records.length - 1}`);
    const b = await tsReq('GET', `/collections/${raw}/documents/${records.length - 1}`);
    return { rawS, syncS: s.syncS, writeS: s.writeS, ratio: rawS / s.syncS, identical: JSON.stringify(a) === JSON.stringify(b) };
  } finally {
    await relay.stop();
    db.close();
    rmSync(dir, { recursive: true, force: true });
    await dropAll();
  }
}

// ---------------------------------------------------------------------------------------------
// (ii) freshness

interface FreshRun {
  steady: { writes: number; rate: number; p50: number; p99: number; max: number };
  max: { writes: number; rate: number; p50: number; p99: number; max: number };
  pollRttP50: number;
  polls: number;
  nonPrefixPolls: number;
}

async function freshRun(run: number, pool: BenchRecord[]): Promise<FreshRun> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-sync-fresh-'));
  const path = join(dir, 'service.db');
  const db = openDb(path, FRESH_DDL);
  const alias = `fresh_${run}`;
  const relay = new RelayProcess({ db: path, table: 'fresh', collection: alias, defaultSort: 'n' });
  const ins = db.prepare('INSERT INTO fresh (id, n, title, body, genre, year, rating) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const commitAt: number[] = [];
  const lag: number[] = [];
  let written = 0;
  const write = (): void => {
    const n = written;
    const r = pool[n % pool.length] as BenchRecord;
    ins.run(n, n, r.title, r.body, r.genre, r.year, r.rating); // autocommit: one transaction per row
    commitAt[n] = performance.now();
    written++;
  };

  // The poller: one search in flight at a time, through the gateway with the service key.
  let polling = true;
  let seenUpTo = -1;
  let nonPrefix = 0;
  const rtts: number[] = [];
  const searchUrl = `${gw.url}/collections/${alias}/documents/search?q=*&query_by=title&sort_by=n:desc&per_page=1&include_fields=n`;
  let pollError: unknown = null;
  const poll = async (): Promise<void> => {
    while (polling) {
      const t0 = performance.now();
      const res = await fetch(searchUrl, { headers: { 'X-TYPESENSE-API-KEY': SERVICE_KEY } });
      const body = (await res.json()) as { found?: number; hits?: Array<{ document: { n: number } }> };
      const t1 = performance.now();
      if (!res.ok) throw new Error(`poll: ${res.status} ${JSON.stringify(body)}`);
      rtts.push(t1 - t0);
      const top = body.hits?.[0]?.document.n ?? -1;
      // An import is indexed on several threads: mid-import, a later write may be visible before an
      // earlier one. Such a poll is skipped (the next consistent one counts), so no lag is understated.
      if ((body.found ?? 0) !== top + 1) {
        nonPrefix++;
        await sleep(2);
        continue;
      }
      for (let k = seenUpTo + 1; k <= top; k++) lag[k] = t1 - (commitAt[k] as number);
      seenUpTo = Math.max(seenUpTo, top);
      await sleep(2);
    }
  };
  let poller: Promise<void> = Promise.resolve();
  const waitSeen = async (upTo: number): Promise<void> => {
    const deadline = performance.now() + 120_000;
    while (seenUpTo < upTo) {
      if (pollError) throw pollError instanceof Error ? pollError : new Error(String(pollError));
      if (performance.now() > deadline) throw new Error(`freshness: ${upTo - seenUpTo} writes not searchable after 120 s\n${relay.errors()}`);
      await sleep(10);
    }
  };

  try {
    await relay.ready();
    poller = poll().catch((err: unknown) => void (pollError = err));
    // Warm-up (connections, first import), not measured.
    for (let i = 0; i < 20; i++) {
      write();
      await sleep(5);
    }
    await waitSeen(written - 1);
    const warm = written;

    // Steady: open loop, write i due at t0 + i / rate; late writes catch up (no coordinated omission).
    const steadyN = STEADY_RATE * cfg.steadySeconds;
    let t0 = performance.now();
    for (let i = 0; i < steadyN; ) {
      const now = performance.now();
      while (i < steadyN && t0 + (i * 1000) / STEADY_RATE <= now) {
        write();
        i++;
      }
      await sleep(1);
    }
    const steadyRate = steadyN / ((performance.now() - t0) / 1000);
    await waitSeen(written - 1);
    const steadyLags = lag.slice(warm, written);

    // Maximum rate: single-row transactions back to back, yielding every 2 ms for the poller.
    const maxFrom = written;
    t0 = performance.now();
    const end = t0 + cfg.maxSeconds * 1000;
    while (performance.now() < end) {
      const slice = performance.now() + 2;
      while (performance.now() < slice) write();
      await new Promise((r) => setImmediate(r));
    }
    const maxRate = (written - maxFrom) / ((performance.now() - t0) / 1000);
    await waitSeen(written - 1);
    const maxLags = lag.slice(maxFrom, written);
    const stat = (xs: number[], rate: number) => ({
      writes: xs.length,
      rate,
      p50: percentile(xs, 50),
      p99: percentile(xs, 99),
      max: xs.reduce((a, b) => Math.max(a, b), 0),
    });
    return {
      steady: stat(steadyLags, steadyRate),
      max: stat(maxLags, maxRate),
      pollRttP50: percentile(rtts, 50),
      polls: rtts.length,
      nonPrefixPolls: nonPrefix,
    };
  } finally {
    polling = false;
    await poller;
    await relay.stop();
    db.close();
    rmSync(dir, { recursive: true, force: true });
    await dropAll();
  }
}

// ---------------------------------------------------------------------------------------------
// (iii) memory while draining a backlog

interface MemRun {
  writeS: number;
  drainS: number;
  rowsPerS: number;
  rssStart: number;
  rssMax: number;
  rssEnd: number;
  rssAtHalf: number;
  hwm: number | null;
  heapMax: number;
  samples: number;
  /** [fraction drained, rss MB, heap MB] at every 10% of the backlog. */
  curve: Array<[number, number, number]>;
}

async function memRun(run: number, dir: string): Promise<MemRun> {
  const path = join(dir, `service_${run}.db`);
  const db = openDb(path, DOCS_DDL);
  const alias = `mem_${run}`;
  try {
    // 1. Capture installed and the (empty) collection created, then the relay stopped.
    //    (In this process, to save a process start: it only installs the triggers and makes the collection.)
    const setup = await startSync({
      database: path,
      tables: [{ table: 'docs', collection: alias, fields: { genre: { facet: true } }, defaultSortingField: 'year' }],
      gateway: { url: gw.url, apiKey: SERVICE_KEY },
    });
    while (!(setup.relay.stats().holdsLock && setup.relay.stats().state === 'idle')) await sleep(20);
    await setup.stop();
    // 2. The backlog, written with no relay running: every row goes through the outbox.
    const t0 = performance.now();
    const insert = insertDocs(db);
    const first = join(dir, 'service_0.db');
    if (run === 0) {
      let chunk: BenchRecord[] = [];
      for (const r of benchRecords(cfg.backlog, 3)) {
        chunk.push(r);
        if (chunk.length === 10_000) {
          insert(chunk);
          chunk = [];
        }
      }
      if (chunk.length > 0) insert(chunk);
    } else {
      // The same rows again, copied from the first run's table (generating them is the slow part).
      db.exec(`ATTACH '${first.replace(/'/g, "''")}' AS src`);
      const copy = db.prepare('INSERT INTO docs SELECT * FROM src.docs WHERE id >= ? AND id < ?');
      for (let i = 0; i < cfg.backlog; i += 10_000) db.transaction(() => copy.run(i, i + 10_000))();
      db.exec('DETACH src');
    }
    db.pragma('wal_checkpoint(TRUNCATE)');
    const writeS = (performance.now() - t0) / 1000;
    const pending = db.prepare('SELECT count(*) FROM _sync_outbox').pluck().get() as number;
    if (pending !== cfg.backlog) throw new Error(`memory: ${pending} outbox rows, expected ${cfg.backlog}`);

    // 3. A new relay process drains it.
    const relay = new RelayProcess({ db: path, table: 'docs', collection: alias, defaultSort: 'year' });
    const empty = outboxEmpty(db);
    try {
      // Drain time counts from the relay's first sample (startSync has returned) to an empty outbox.
      const firstSample = await relay.waitFor(() => true, 60_000, 'first sample');
      const firstSeen = performance.now();
      while (!empty()) await sleep(50);
      const drainedAt = performance.now();
      const docs = await numDocuments(alias);
      if (docs !== cfg.backlog) throw new Error(`memory: ${docs} documents, expected ${cfg.backlog}`);
      const last = await relay.stop();
      const live = relay.samples.filter((s) => !s.final);
      const half = live.find((s) => s.acked >= cfg.backlog / 2) ?? live[live.length - 1]!;
      const drainS = (drainedAt - firstSeen) / 1000;
      return {
        writeS,
        drainS,
        rowsPerS: cfg.backlog / drainS,
        rssStart: firstSample.rss,
        rssMax: Math.max(...relay.samples.map((s) => s.rss)),
        rssEnd: live[live.length - 1]!.rss,
        rssAtHalf: half.rss,
        hwm: last?.hwm ?? null,
        heapMax: Math.max(...relay.samples.map((s) => s.heap)),
        samples: live.length,
        curve: [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1].map((f) => {
          const x = live.find((s) => s.acked >= f * cfg.backlog) ?? live[live.length - 1]!;
          return [f, Math.round(x.rss / MB), Math.round(x.heap / MB)];
        }),
      };
    } finally {
      await relay.stop();
    }
  } finally {
    db.close();
    await dropAll();
  }
}

// ---------------------------------------------------------------------------------------------
// CPU profiles (--profile)

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

/** The top self-time functions of a .cpuprofile, as "name file:line pct%". */
function topCosts(file: string, n = 15): string[] {
  const p = JSON.parse(readFileSync(file, 'utf8')) as { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };
  const byId = new Map(p.nodes.map((x) => [x.id, x]));
  const self = new Map<string, number>();
  let total = 0;
  p.samples.forEach((id, i) => {
    const dt = p.timeDeltas[i] ?? 0;
    const cf = byId.get(id)?.callFrame;
    const key = cf ? `${cf.functionName || '(anonymous)'} ${basename(cf.url) || '-'}:${cf.lineNumber + 1}` : '?';
    self.set(key, (self.get(key) ?? 0) + dt);
    total += dt;
  });
  return [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, v]) => `${k} ${((100 * v) / total).toFixed(1)}%`);
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const started = performance.now();
  const profDir = profile ? mkdtempSync(join(tmpdir(), 'bench-sync-prof-')) : '';
  ts = await startTypesense();
  const gwData = mkdtempSync(join(tmpdir(), 'bench-sync-gw-'));
  gw = await startGateway({
    typesense: ts,
    serviceKey: SERVICE_KEY,
    env: { DATA_DIR: gwData, LOG_LEVEL: 'warn' },
    ...(profile && { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${join(profDir, 'gateway')}`] }),
  });
  const memDir = mkdtempSync(join(tmpdir(), 'bench-sync-mem-'));
  try {
    const records = [...benchRecords(cfg.bulkRows, 1)];
    const lines = records.map((r) => JSON.stringify(r));

    if (profile) {
      const b = await bulkRun(0, records, lines, ['--cpu-prof', `--cpu-prof-dir=${join(profDir, 'relay')}`]);
      await gw.stop();
      const prof = (sub: string): string[] => {
        const files = readdirSync(join(profDir, sub)).filter((f) => f.endsWith('.cpuprofile'));
        return files.length > 0 ? topCosts(join(profDir, sub, files[0]!)) : [];
      };
      console.log(JSON.stringify({ bench: 'sync', profile: true, quick, bulk_ratio: round(b.ratio), bulk_raw_s: round(b.rawS), bulk_sync_s: round(b.syncS), relay_top_self: prof('relay'), gateway_top_self: prof('gateway') }));
      return;
    }

    const bulk: BulkRun[] = [];
    for (let r = 0; r < cfg.runs; r++) bulk.push(await bulkRun(r, records, lines));
    const pool = records.slice(0, 10_000);
    const fresh: FreshRun[] = [];
    for (let r = 0; r < cfg.runs; r++) fresh.push(await freshRun(r, pool));
    const mem: MemRun[] = [];
    for (let r = 0; r < cfg.runs; r++) mem.push(await memRun(r, memDir));

    const ms = (x: number): number => round(x, 1);
    const mb = (x: number): number => round(x / MB, 1);
    console.log(
      JSON.stringify({
        bench: 'sync',
        quick,
        relay: 'own process (bench/src/sync-relay.ts: startSync, maxBatch 1000, maxWaitMs 5), via the gateway',
        // (i)
        bulk_ratio: round(mean(bulk.map((b) => b.ratio))),
        bulk_ratio_runs: bulk.map((b) => round(b.ratio)),
        bulk_rows: cfg.bulkRows,
        bulk_raw_s_runs: bulk.map((b) => round(b.rawS)),
        bulk_sync_s_runs: bulk.map((b) => round(b.syncS)),
        bulk_write_s_runs: bulk.map((b) => round(b.writeS)),
        bulk_raw_docs_per_s: Math.round(cfg.bulkRows / mean(bulk.map((b) => b.rawS))),
        bulk_sync_docs_per_s: Math.round(cfg.bulkRows / mean(bulk.map((b) => b.syncS))),
        bulk_docs_identical: bulk.every((b) => b.identical),
        // (ii)
        p99_freshness_ms_at_200: ms(mean(fresh.map((f) => f.steady.p99))),
        p50_freshness_ms_at_200: ms(mean(fresh.map((f) => f.steady.p50))),
        p99_freshness_ms_at_200_runs: fresh.map((f) => ms(f.steady.p99)),
        p50_freshness_ms_at_200_runs: fresh.map((f) => ms(f.steady.p50)),
        max_freshness_ms_at_200_runs: fresh.map((f) => ms(f.steady.max)),
        steady_writes_per_s_runs: fresh.map((f) => round(f.steady.rate, 1)),
        max_rate_writes_per_s_runs: fresh.map((f) => Math.round(f.max.rate)),
        p50_freshness_ms_at_max_runs: fresh.map((f) => ms(f.max.p50)),
        p99_freshness_ms_at_max_runs: fresh.map((f) => ms(f.max.p99)),
        max_rate_seconds: cfg.maxSeconds,
        poll_rtt_ms_p50_runs: fresh.map((f) => ms(f.pollRttP50)),
        non_prefix_polls: fresh.reduce((a, f) => a + f.nonPrefixPolls, 0),
        // (iii)
        rss_mb_max: mb(Math.max(...mem.map((m) => m.rssMax))),
        rss_mb_start_runs: mem.map((m) => mb(m.rssStart)),
        rss_mb_at_half_runs: mem.map((m) => mb(m.rssAtHalf)),
        rss_mb_end_runs: mem.map((m) => mb(m.rssEnd)),
        rss_mb_max_runs: mem.map((m) => mb(m.rssMax)),
        rss_mb_hwm_runs: mem.map((m) => (m.hwm === null ? null : mb(m.hwm))),
        heap_mb_max_runs: mem.map((m) => mb(m.heapMax)),
        rss_curve_run0: mem[0]?.curve,
        backlog_rows: cfg.backlog,
        backlog_write_s_runs: mem.map((m) => round(m.writeS, 1)),
        drain_s_runs: mem.map((m) => round(m.drainS, 1)),
        drain_rows_per_s_runs: mem.map((m) => Math.round(m.rowsPerS)),
        total_s: round((performance.now() - started) / 1000, 1),
      }),
    );
  } finally {
    await gw.stop();
    await ts.stop();
    rmSync(gwData, { recursive: true, force: true });
    rmSync(memDir, { recursive: true, force: true });
    if (profDir) rmSync(profDir, { recursive: true, force: true });
  }
}

await main();
