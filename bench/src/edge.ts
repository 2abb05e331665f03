/**
 * Edge API gateway benchmark (issue 12, section 4): proxied `GET /v1/search` and `POST /v1/sequence`
 * through the edge against the same request sent to the service directly, in the same run. Goals: an
 * edge throughput ratio of at least 0.8, and p99 added latency under 2 ms at 500 req/s. Prints ONE
 * JSON line and never fails on timing.
 *
 *   npm run bench:edge              # full run
 *   npm run bench:edge -- --quick   # under a minute
 *
 * Processes: the real Search Gateway (embedded backend), the real Central Sequence Service (its sync
 * relay on) and the real edge (services/edge/src/server.ts, JWT verified on every request, rate
 * limits raised out of the way), each its own process; autocannon runs in this one.
 *
 * - search: `GET /v1/search?q=bench` (the edge runs ONE multi_search at the gateway; SEARCH_COLLECTIONS
 *   pins it to sequence_elements) against that same `POST /multi_search` body sent to the gateway.
 * - sequence: `POST /v1/sequence` against `POST /sequence`, every request a new element.
 * - throughput: CONNECTIONS connections for LOAD seconds, A-B-B-A (direct, edge, edge, direct) so the
 *   machine's drift weighs on both; ratio = edge rps / direct rps.
 * - p99 at 500 req/s: autocannon `overallRate: 500`, A-B-B-A; added = edge p99 - direct p99 (ms).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { mintDevToken } from '@fountain/kit';
import { startGateway, startService, type ServiceProcess } from '@fountain/testing';
import { searchTargets, type GatewayField } from '../../services/edge/src/clients/search-gateway.ts';
import { mean, round } from './figures.ts';

const quick = process.argv.includes('--quick');
const cfg = quick ? { loadSeconds: 3, rateSeconds: 3 } : { loadSeconds: 10, rateSeconds: 8 };
const CONNECTIONS = 16;
const RATE = 500;
const RATE_CONNECTIONS = 10;
const SERVICE_KEY = 'bench-edge-service-key-0123456789';
const API_KEY = 'bench-edge-sequence-key-0123456789';
const JWT = { JWT_SECRET: 'bench-edge-jwt-secret-0123456789abcdef', JWT_ISSUER: 'bench', JWT_AUDIENCE: 'fountain' };
const COLLECTION = 'sequence_elements';

interface Figures {
  rps: number;
  p50: number;
  p99: number;
}

let nextElementId = 0;

async function load(url: string, request: autocannon.Request, seconds: number, rate?: number): Promise<Figures> {
  const result = await autocannon({
    url,
    connections: rate ? RATE_CONNECTIONS : CONNECTIONS,
    duration: seconds,
    requests: [request],
    ...(rate && { overallRate: rate, ignoreCoordinatedOmission: true }),
  });
  if (result.non2xx > 0 || result.errors > 0 || result.timeouts > 0) {
    throw new Error(`load on ${url}${request.path}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`);
  }
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 };
}

/** A-B-B-A over direct and edge; answers the means per side. */
async function compare(direct: [string, autocannon.Request], edge: [string, autocannon.Request], seconds: number, rate?: number) {
  const d: Figures[] = [];
  const e: Figures[] = [];
  d.push(await load(...direct, seconds, rate));
  e.push(await load(...edge, seconds, rate));
  e.push(await load(...edge, seconds, rate));
  d.push(await load(...direct, seconds, rate));
  const avg = (xs: Figures[]): Figures => ({ rps: round(mean(xs.map((x) => x.rps)), 1), p50: round(mean(xs.map((x) => x.p50))), p99: round(mean(xs.map((x) => x.p99))) });
  return { direct: avg(d), edge: avg(e) };
}

const dataDir = mkdtempSync(join(tmpdir(), 'bench-edge-'));
const procs: Array<{ stop: () => Promise<unknown> }> = [];
try {
  const gateway = await startGateway({ serviceKey: SERVICE_KEY, env: { LOG_LEVEL: 'warn' } });
  procs.push({ stop: () => gateway.stopAndClean() });
  const sequence: ServiceProcess = await startService({
    entry: 'services/sequence/src/server.ts',
    env: { NODE_ENV: 'production', LOG_LEVEL: 'warn', DATABASE_URL: `sqlite:///${join(dataDir, 'sequence.db')}`, API_KEY, TYPESENSE_CLIENT_URL: gateway.url, TYPESENSE_SERVICE_API_KEY: SERVICE_KEY },
  });
  procs.push(sequence);
  const edge = await startService({
    entry: 'services/edge/src/server.ts',
    env: {
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      ...JWT,
      SEQUENCE_URL: sequence.url,
      SEQUENCE_API_KEY: API_KEY,
      // Not run here (their routes answer 502); production still wants a key for each.
      CHARACTERS_API_KEY: 'bench-edge-characters-key-0123456789',
      SCRIPTS_API_KEY: 'bench-edge-scripts-key-0123456789',
      TYPESENSE_CLIENT_URL: gateway.url,
      TYPESENSE_SERVICE_API_KEY: SERVICE_KEY,
      SEARCH_COLLECTIONS: COLLECTION,
      RATE_LIMITS: JSON.stringify({ roles: { viewer: 1e9, editor: 1e9, operator: 1e9, admin: 1e9 } }),
    },
  });
  procs.push(edge);
  const token = await mintDevToken({ sub: 'bench', roles: ['editor'], ttlSec: 3600, secret: JWT.JWT_SECRET, issuer: JWT.JWT_ISSUER, audience: JWT.JWT_AUDIENCE });

  // Some documents to find.
  for (let i = 0; i < 200; i++) {
    const res = await fetch(`${sequence.url}/sequence`, {
      method: 'POST',
      headers: { 'x-api-key': API_KEY, 'content-type': 'application/json' },
      body: JSON.stringify({ elementType: 'script', elementId: ++nextElementId, comment: `bench script ${i}` }),
    });
    if (res.status !== 201) throw new Error(`seed: ${res.status} ${await res.text()}`);
  }
  // The same multi_search the edge sends, for the direct side.
  const head = { 'x-api-key': SERVICE_KEY };
  const collections = (await (await fetch(`${gateway.url}/collections`, { headers: head })).json()) as Array<{ name: string; fields: GatewayField[] }>;
  const aliases = ((await (await fetch(`${gateway.url}/aliases`, { headers: head })).json()) as { aliases: Array<{ name: string; collection_name: string }> }).aliases;
  const target = searchTargets(collections, aliases).find((t) => t.name === COLLECTION);
  if (!target) throw new Error(`no ${COLLECTION} at the gateway`);
  const multi = JSON.stringify({ searches: [{ collection: COLLECTION, q: 'bench', query_by: target.queryBy.join(','), per_page: 10, page: 1 }] });
  const viaEdge = await fetch(`${edge.url}/v1/search?q=bench`, { headers: { authorization: `Bearer ${token}` } });
  const found = ((await viaEdge.json()) as { found?: number }).found;
  if (viaEdge.status !== 200 || !found) throw new Error(`edge search: ${viaEdge.status}, found ${found}`);

  const searchDirect: [string, autocannon.Request] = [gateway.url, { method: 'POST', path: '/multi_search', headers: { ...head, 'content-type': 'application/json' }, body: multi }];
  const searchEdge: [string, autocannon.Request] = [edge.url, { method: 'GET', path: '/v1/search?q=bench', headers: { authorization: `Bearer ${token}` } }];
  const newElement = (req: autocannon.Request): autocannon.Request => ({
    ...req,
    body: JSON.stringify({ elementType: 'action', elementId: ++nextElementId, comment: 'bench element' }),
  });
  const seqDirect: [string, autocannon.Request] = [sequence.url, { method: 'POST', path: '/sequence', headers: { 'x-api-key': API_KEY, 'content-type': 'application/json' }, setupRequest: newElement }];
  const seqEdge: [string, autocannon.Request] = [edge.url, { method: 'POST', path: '/v1/sequence', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, setupRequest: newElement }];

  // Warm-up, so neither side pays for JIT or first connections in the figures.
  await load(...searchEdge, 1);
  await load(...seqEdge, 1);

  const search = await compare(searchDirect, searchEdge, cfg.loadSeconds);
  const sequenceLoad = await compare(seqDirect, seqEdge, cfg.loadSeconds);
  const searchRate = await compare(searchDirect, searchEdge, cfg.rateSeconds, RATE);
  const sequenceRate = await compare(seqDirect, seqEdge, cfg.rateSeconds, RATE);

  console.log(
    JSON.stringify({
      bench: 'edge',
      quick,
      connections: CONNECTIONS,
      load_seconds: cfg.loadSeconds,
      search_direct_rps: search.direct.rps,
      search_edge_rps: search.edge.rps,
      search_throughput_ratio: round(search.edge.rps / search.direct.rps),
      sequence_direct_rps: sequenceLoad.direct.rps,
      sequence_edge_rps: sequenceLoad.edge.rps,
      sequence_throughput_ratio: round(sequenceLoad.edge.rps / sequenceLoad.direct.rps),
      rate: RATE,
      search_p99_direct_ms: searchRate.direct.p99,
      search_p99_edge_ms: searchRate.edge.p99,
      search_p99_added_ms: round(searchRate.edge.p99 - searchRate.direct.p99),
      sequence_p99_direct_ms: sequenceRate.direct.p99,
      sequence_p99_edge_ms: sequenceRate.edge.p99,
      sequence_p99_added_ms: round(sequenceRate.edge.p99 - sequenceRate.direct.p99),
      goals: { throughput_ratio: 0.8, p99_added_ms: 2 },
    }),
  );
} finally {
  for (const p of procs.reverse()) await p.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
