import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'typesense';
import { startGateway, startTypesense, type ServiceProcess, type TypesenseServer } from '@fountain/testing';

/** Which of the three things under test a target is. */
export type TargetKind = 'typesense' | 'gateway-typesense' | 'gateway-embedded';

/** One target of the conformance suite: a base URL, the key that may do everything, and a client. */
export interface Target {
  readonly kind: TargetKind;
  /** Suffix that makes collection names unique per target ((a) and (b) share one Typesense). */
  readonly ns: string;
  readonly url: string;
  readonly port: number;
  /** The admin key for (a), the full-scope service key for (b) and (c). */
  readonly key: string;
  /** The official client, pointed at this target. */
  readonly client: Client;
  /** True for the gateways, which answer errors with the `{errorCode, message, details}` envelope. */
  readonly gateway: boolean;
}

/** The service key both gateways accept with full scope: a throwaway, never a real secret. */
export const SERVICE_KEY = 'conformance-service-key-5b1e';
/** A key scoped to `sequence_*` collections (documents and collections:get only). */
export const SEQUENCE_KEY = 'seq-key-1234567';
/** A key that may only search. */
export const SEARCH_ONLY_KEY = 'search-only-key-89ab';

const GATEWAY_KEYS = JSON.stringify([
  { id: 'seq', value: SEQUENCE_KEY, collections: ['sequence_*'], actions: ['documents:*', 'collections:get'] },
  { id: 'reader', value: SEARCH_ONLY_KEY, collections: ['*'], actions: ['documents:search'] },
]);

/** The official client against one base URL and key, with the settings the issue asks for. */
export function officialClient(port: number, apiKey: string): Client {
  return new Client({
    nodes: [{ host: '127.0.0.1', port, protocol: 'http' }],
    apiKey,
    connectionTimeoutSeconds: 10,
    numRetries: 0,
    logLevel: 'silent',
  });
}

function target(kind: TargetKind, ns: string, url: string, port: number, key: string): Target {
  return { kind, ns, url, port, key, client: officialClient(port, key), gateway: kind !== 'typesense' };
}

/** The running processes of the suite; `stop()` ends every one of them and removes their data. */
export interface Targets {
  all: Target[];
  oracle: Target | null;
  stop(): Promise<void>;
}

/**
 * Starts the targets: with Typesense, (a) Typesense itself, (b) a gateway in front of it and (c) an
 * embedded gateway; without it, only (c). Each gateway is its own production-mode process.
 */
export async function startTargets(withTypesense: boolean): Promise<Targets> {
  const dirs: string[] = [];
  const services: ServiceProcess[] = [];
  let ts: TypesenseServer | null = null;
  const tmp = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-conformance-'));
    dirs.push(dir);
    return dir;
  };
  const stop = async (): Promise<void> => {
    await Promise.allSettled(services.map((s) => s.stop()));
    if (ts) await ts.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  };
  const gatewayEnv = { GATEWAY_API_KEYS: GATEWAY_KEYS };
  try {
    const all: Target[] = [];
    const starts: Array<Promise<ServiceProcess>> = [startGateway({ serviceKey: SERVICE_KEY, env: { ...gatewayEnv, DATA_DIR: tmp() }, timeoutMs: 90_000 })];
    if (withTypesense) {
      ts = await startTypesense();
      starts.push(startGateway({ typesense: ts, serviceKey: SERVICE_KEY, env: { ...gatewayEnv, DATA_DIR: tmp() }, timeoutMs: 90_000 }));
    }
    const started = await Promise.allSettled(starts);
    for (const s of started) if (s.status === 'fulfilled') services.push(s.value);
    for (const s of started) if (s.status === 'rejected') throw s.reason;
    const [embedded, overTypesense] = services as [ServiceProcess, ServiceProcess | undefined];
    let oracle: Target | null = null;
    if (ts && overTypesense) {
      oracle = target('typesense', 'ts', ts.url, ts.port, ts.apiKey);
      all.push(oracle, target('gateway-typesense', 'gts', overTypesense.url, overTypesense.port, SERVICE_KEY));
    }
    all.push(target('gateway-embedded', 'emb', embedded.url, embedded.port, SERVICE_KEY));
    return { all, oracle, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** A raw HTTP answer: status and the body parsed as JSON when it is JSON. */
export interface RawResponse {
  status: number;
  body: unknown;
  text: string;
}

/**
 * Sends one request with fetch, for the bad-input cases the client would refuse to send. The key is
 * sent in `X-TYPESENSE-API-KEY` unless `key` is null.
 */
export async function raw(
  t: Target,
  method: string,
  path: string,
  opts: { body?: string | object; key?: string | null; contentType?: string } = {},
): Promise<RawResponse> {
  const headers: Record<string, string> = {};
  const key = opts.key === undefined ? t.key : opts.key;
  if (key !== null) headers['X-TYPESENSE-API-KEY'] = key;
  let body: string | undefined;
  if (opts.body !== undefined) {
    body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
    headers['Content-Type'] = opts.contentType ?? 'application/json';
  }
  const res = await fetch(`${t.url}${path}`, { method, headers, body, signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body: parsed, text };
}
