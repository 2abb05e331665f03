/**
 * Central Sequence Service benchmark (issue 4, section 6: POST /sequence >= 0.4x the throughput of a
 * bare Fastify hello-world on the same machine; p99 <= 10 ms at 1,000 req/s; the latency of a reorder
 * of 1,000 elements). Everything is measured in the same run, on the same machine; it prints ONE JSON
 * line and never fails on timing.
 *
 *   npm run bench:api              # full run
 *   npm run bench:api -- --quick   # under 60 s
 *   npm run bench:api -- --profile # as --quick, with --cpu-prof on the service and the gateway (top costs in the JSON)
 *
 * Processes: the real Search Gateway (startGateway, embedded backend), the real Central Sequence
 * Service (services/sequence/src/server.ts, production mode, its sync relay on, sending to that
 * gateway) and the baseline, bench/src/hello-server.ts (Fastify, `POST /sequence` answering a small
 * JSON), each its own process; autocannon runs in this one.
 *
 * (i)   throughput: autocannon, CONNECTIONS connections, every POST a new elementId (a counter in
 *       setupRequest), so each one allocates a number, writes the element, its version 1 and the
 *       outbox row; the hello-world gets the same bodies. A-B-B-A (service, hello, hello, service):
 *       the machine's drift weighs on both sides alike; figures are the means, `*_runs` the spread.
 *       throughput_ratio = service rps / hello-world rps.
 * (ii)  p99 at 1,000 req/s: autocannon `overallRate: 1000`, new elements again, A-B-B-A with the
 *       hello-world for context. Note how autocannon paces: each connection gets a budget per second
 *       and spends it back to back, then waits for the next second, so this is the latency of
 *       RATE_CONNECTIONS-deep bursts adding up to 1,000 req/s, not of evenly spaced requests.
 *       `ignoreCoordinatedOmission` is on: autocannon's correction assumes a 1 ms interval
 *       (ceil(1/rate)) and would add synthetic samples to every response slower than 1 ms.
 * (iii) reorder: 1,000 elements of one type (ids 1..1000, positions 1..1000), then REORDERS times
 *       `PUT /sequence/reorder` with the full reversed permutation (every element moves, every
 *       element's version document is re-synced), timed from the request to the answer; the outbox is
 *       drained between two reorders so each starts on a quiet relay. reorder_1000_ms = the median.
 *
 * Between phases the bench waits for the service's outbox to drain (GET /sync/status), and it checks
 * at the end that nothing was dead-lettered.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import { percentile, startGateway, startService, type ServiceProcess } from '@fountain/testing';
import { topCosts } from './cpu-profile.ts';
import { mean, round } from './figures.ts';

const quick = process.argv.includes('--quick') || process.argv.includes('--profile');
const profile = process.argv.includes('--profile');
const cfg = quick
  ? { loadSeconds: 3, warmSeconds: 1, rateSeconds: 1.5, reorders: 5 }
  : { loadSeconds: 10, warmSeconds: 2, rateSeconds: 2.5, reorders: 15 };
const CONNECTIONS = 16;
const RATE = 1000;
const RATE_CONNECTIONS = 10;
const REORDER_SIZE = 1000;
const SERVICE_KEY = 'bench-api-service-key-0123456789';
const API_KEY = 'bench-api-sequence-key-0123456789';
const LOAD_TYPE = 'action';
const REORDER_TYPE = 'script';

interface Target {
  name: 'service' | 'hello';
  url: string;
}

interface LoadFigures {
  rps: number;
  p50: number;
  p99: number;
  /** Requests answered per second over the run (for the fixed-rate runs: the achieved rate). */
  achieved: number;
}

/** Every POST, to either side, is a new element: one counter for the whole run. */
let nextElementId = 0;
const requests: autocannon.Request[] = [
  {
    method: 'POST',
    path: '/sequence',
    headers: { 'content-type': 'application/json', 'x-api-key': API_KEY },
    setupRequest: (req) => ({
      ...req,
      body: JSON.stringify({ elementType: LOAD_TYPE, elementId: ++nextElementId, comment: 'bench element' }),
    }),
  },
];

async function load(t: Target, seconds: number, rate?: number): Promise<LoadFigures> {
  const result = await autocannon({
    url: t.url,
    connections: rate ? RATE_CONNECTIONS : CONNECTIONS,
    duration: seconds,
    requests,
    ...(rate && { overallRate: rate, ignoreCoordinatedOmission: true }),
  });
  // A POST for a new element answers 201; a 200 would mean an id was reused (nothing written).
  const created = (result.statusCodeStats as Record<string, { count: number } | undefined>)['201']?.count ?? 0;
  if (result.non2xx > 0 || result.errors > 0 || result.timeouts > 0 || created !== result.requests.total) {
    throw new Error(
      `${t.name} load: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts, ` +
        `${created}/${result.requests.total} answered 201`,
    );
  }
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    achieved: result.requests.total / ((result.duration as number) || seconds),
  };
}

async function api(svc: ServiceProcess, method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${svc.url}${path}`, {
    method,
    headers: { 'x-api-key': API_KEY, ...(body !== undefined && { 'content-type': 'application/json' }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as unknown) : null };
}

interface SyncStatus {
  outbox: { depth: number };
  deadLetters: number;
}

/** Waits until the service's outbox is empty (everything written so far is indexed), up to `ms`. */
async function drain(svc: ServiceProcess, ms = 60_000): Promise<number> {
  const started = performance.now();
  for (;;) {
    const { status, json } = await api(svc, 'GET', '/sync/status');
    if (status !== 200) throw new Error(`/sync/status: ${status} ${JSON.stringify(json)}`);
    if ((json as SyncStatus).outbox.depth === 0) return performance.now() - started;
    if (performance.now() - started > ms) throw new Error(`outbox not drained within ${ms} ms: ${JSON.stringify(json)}`);
    await sleep(50);
  }
}

/** Creates elements 1..n of REORDER_TYPE (positions 1..n), 8 requests in flight. */
async function createReorderElements(svc: ServiceProcess, n: number): Promise<void> {
  let next = 1;
  const worker = async (): Promise<void> => {
    while (next <= n) {
      const elementId = next++;
      const r = await api(svc, 'POST', '/sequence', { elementType: REORDER_TYPE, elementId, comment: 'reorder bench element' });
      if (r.status !== 201) throw new Error(`create ${REORDER_TYPE} ${elementId}: ${r.status} ${JSON.stringify(r.json)}`);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

/** Times `reorders` full reversals of the n elements; checks the positions afterwards. */
async function reorderTimes(svc: ServiceProcess, n: number, reorders: number): Promise<number[]> {
  // Concurrent creation interleaves ids and positions; read where each element is now.
  const position = new Map<number, number>();
  for (let page = 1; position.size < n; page++) {
    const r = await api(svc, 'GET', `/elements/${REORDER_TYPE}?page=${page}&per_page=250`);
    const rows = (r.json as { elements?: Array<{ elementId: number; sequenceNumber: number }> }).elements;
    if (r.status !== 200 || !rows || rows.length === 0) throw new Error(`list ${REORDER_TYPE}: ${r.status} ${JSON.stringify(r.json).slice(0, 300)}`);
    for (const e of rows) position.set(e.elementId, e.sequenceNumber);
  }
  const times: number[] = [];
  for (let i = 0; i < reorders; i++) {
    await drain(svc);
    // Reversed: the element at position p goes to n + 1 - p. n is even, so every element moves.
    const elements = [...position].map(([elementId, p]) => ({ elementId, newSequence: n + 1 - p }));
    const t0 = performance.now();
    const r = await api(svc, 'PUT', '/sequence/reorder', { elementType: REORDER_TYPE, elements, comment: 'reverse' });
    times.push(performance.now() - t0);
    if (r.status !== 200) throw new Error(`reorder: ${r.status} ${JSON.stringify(r.json).slice(0, 300)}`);
    for (const e of elements) position.set(e.elementId, e.newSequence);
  }
  const check = await api(svc, 'GET', `/elements/${REORDER_TYPE}?page=1&per_page=1`);
  const first = (check.json as { elements: Array<{ elementId: number; sequenceNumber: number }> }).elements[0];
  if (!first || position.get(first.elementId) !== first.sequenceNumber) throw new Error(`reorder result: ${JSON.stringify(check.json)}`);
  return times;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-api-'));
  const profDir = join(dir, 'prof');
  const nodeArgs = (name: string): string[] => (profile ? ['--cpu-prof', `--cpu-prof-dir=${join(profDir, name)}`] : []);
  let gw: Awaited<ReturnType<typeof startGateway>> | undefined;
  let svc: ServiceProcess | undefined;
  let hello: ServiceProcess | undefined;
  try {
    gw = await startGateway({
      serviceKey: SERVICE_KEY,
      env: { LOG_LEVEL: 'warn', TYPESENSE_HOST: '', TYPESENSE_NODES: '' },
      nodeArgs: nodeArgs('gateway'),
    });
    svc = await startService({
      entry: 'services/sequence/src/server.ts',
      env: {
        NODE_ENV: 'production',
        LOG_LEVEL: 'warn',
        DATABASE_URL: `sqlite:///${join(dir, 'sequence.db')}`,
        API_KEY,
        TYPESENSE_CLIENT_URL: gw.url,
        TYPESENSE_SERVICE_API_KEY: SERVICE_KEY,
      },
      nodeArgs: nodeArgs('sequence'),
    });
    hello = await startService({ entry: 'bench/src/hello-server.ts', env: { NODE_ENV: 'production' } });
    const service: Target = { name: 'service', url: svc.url };
    const baseline: Target = { name: 'hello', url: hello.url };

    // (i) throughput, after a warm-up of each side.
    await load(service, cfg.warmSeconds);
    await load(baseline, cfg.warmSeconds);
    await drain(svc);
    const runs = { service: [] as LoadFigures[], hello: [] as LoadFigures[] };
    const drainMs: number[] = [];
    for (const t of [service, baseline, baseline, service]) {
      runs[t.name].push(await load(t, cfg.loadSeconds));
      if (t.name === 'service') drainMs.push(await drain(svc));
    }

    // (ii) p99 at a fixed 1,000 req/s.
    const rateRuns = { service: [] as LoadFigures[], hello: [] as LoadFigures[] };
    for (const t of [service, baseline, baseline, service]) {
      rateRuns[t.name].push(await load(t, cfg.rateSeconds, RATE));
      if (t.name === 'service') await drain(svc);
    }

    // (iii) reorder of 1,000 elements.
    await createReorderElements(svc, REORDER_SIZE);
    const reorders = await reorderTimes(svc, REORDER_SIZE, cfg.reorders);
    const reorderDrainMs = await drain(svc);

    const status = (await api(svc, 'GET', '/sync/status')).json as SyncStatus;
    if (status.deadLetters > 0) throw new Error(`${status.deadLetters} dead letters: ${JSON.stringify(status)}`);

    const m = (xs: LoadFigures[], k: keyof LoadFigures): number => mean(xs.map((x) => x[k]));
    const sRps = m(runs.service, 'rps');
    const hRps = m(runs.hello, 'rps');
    const figures: Record<string, unknown> = {
      bench: 'api',
      quick,
      throughput_ratio: round(sRps / hRps),
      throughput_ratio_runs: runs.service.map((s, i) => round(s.rps / (runs.hello[i] as LoadFigures).rps)),
      rps_service: round(sRps, 1),
      rps_hello: round(hRps, 1),
      p50_ms_service: round(m(runs.service, 'p50')),
      p99_ms_service: round(m(runs.service, 'p99')),
      p50_ms_hello: round(m(runs.hello, 'p50')),
      p99_ms_hello: round(m(runs.hello, 'p99')),
      drain_after_load_ms: drainMs.map((x) => Math.round(x)),
      p99_ms_at_1000: round(m(rateRuns.service, 'p99')),
      p99_ms_at_1000_runs: rateRuns.service.map((r) => r.p99),
      p50_ms_at_1000: round(m(rateRuns.service, 'p50')),
      achieved_rps_at_1000: round(m(rateRuns.service, 'achieved'), 1),
      p99_ms_at_1000_hello: round(m(rateRuns.hello, 'p99')),
      achieved_rps_at_1000_hello: round(m(rateRuns.hello, 'achieved'), 1),
      reorder_1000_ms: round(percentile(reorders, 50), 1),
      reorder_1000_ms_max: round(Math.max(...reorders), 1),
      reorder_1000_ms_runs: reorders.map((x) => round(x, 1)),
      reorder_drain_ms: Math.round(reorderDrainMs),
      elements_created: nextElementId + REORDER_SIZE,
      connections: CONNECTIONS,
      rate_connections: RATE_CONNECTIONS,
      load_seconds: cfg.loadSeconds,
      rate_seconds_per_run: cfg.rateSeconds,
    };
    if (profile) {
      await svc.stop();
      await gw.stop();
      figures.profile_sequence_top = topCosts(join(profDir, 'sequence'));
      figures.profile_gateway_top = topCosts(join(profDir, 'gateway'));
    }
    console.log(JSON.stringify(figures));
  } finally {
    await hello?.stop();
    await svc?.stop();
    await gw?.stopAndClean();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
