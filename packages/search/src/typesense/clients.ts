/**
 * The typesense backend's connections: the timeout and retry policy documented on
 * `createTypesenseBackend`, as one official client per policy (all sharing one keep-alive agent) plus
 * the raw search path, and the deadline the client itself never puts on an import.
 */
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { Client } from 'typesense';
import { AppError } from '@fountain/kit';
import { clientLogger, type PinoLikeLogger } from './client-logger.ts';
import type { TypesenseNode } from './nodes-from-env.ts';
import { createRawSearch, type RawSearch } from './raw-search.ts';
import { tolerantJsonAdapter } from './tolerant-adapter.ts';

/** Options of the typesense backend. */
export interface TypesenseBackendOptions {
  /** One node, or every node of a Raft cluster; the client fails over between them. */
  nodes: TypesenseNode[];
  /**
   * The Typesense admin key (or the gateway key of a service). Never logged, never put in an error
   * message. A function is asked on every request: a key the KMS rotates is switched mid-stream.
   */
  apiKey: string | (() => string);
  /** Per-attempt timeout of ordinary calls (search, document and collection reads/writes). Default 3. */
  connectionTimeoutSeconds?: number;
  /** Retries of ordinary calls after a network error or a 5xx. Default max(2, nodes.length). */
  numRetries?: number;
  /** Pause between those retries. Default 0.25. */
  retryIntervalSeconds?: number;
  /** Deadline of the long calls: PATCH (alter), import and export. Default 600 (10 minutes). */
  longOperationTimeoutSeconds?: number;
  /** Timeout of `health()`. Default 2. */
  healthTimeoutSeconds?: number;
  /** pino or anything with warn/error/debug; the client's per-attempt failures go to warn. */
  logger?: PinoLikeLogger;
}

/** The defaults of the retry and timeout policy; see `createTypesenseBackend`. */
export const TYPESENSE_DEFAULTS = {
  connectionTimeoutSeconds: 3,
  minRetries: 2,
  retryIntervalSeconds: 0.25,
  longOperationTimeoutSeconds: 600,
  healthTimeoutSeconds: 2,
  healthcheckIntervalSeconds: 15,
} as const;

/** One client per policy, the raw search path, and the long calls' deadline. */
export interface TypesenseClients {
  /** Ordinary calls: short per-attempt timeout, retried on network errors and 5xx. */
  client: Client;
  /** PATCH (alter): one attempt, long timeout. */
  alterClient: Client;
  /** Import and export: long timeout, failover retries only. */
  bulkClient: Client;
  /** health(): short timeout, failover retries only. */
  healthClient: Client;
  rawSearch: RawSearch;
  /** The deadline of the long calls, in seconds (see {@link withDeadline}). */
  longTimeoutSeconds: number;
  /** Releases every socket. */
  close(): Promise<void>;
}

/** Builds the clients of the policy documented on `createTypesenseBackend`. */
export function createClients(opts: TypesenseBackendOptions): TypesenseClients {
  const d = TYPESENSE_DEFAULTS;
  const failoverRetries = opts.nodes.length - 1;
  const longTimeout = opts.longOperationTimeoutSeconds ?? d.longOperationTimeoutSeconds;
  // Same settings as Node 20's global agent (keep-alive, idle sockets dropped after 5 s), but ours,
  // so close() can release the sockets.
  const httpAgent = new HttpAgent({ keepAlive: true, timeout: 5_000 });
  const httpsAgent = new HttpsAgent({ keepAlive: true, timeout: 5_000 });

  const currentKey = opts.apiKey;
  const keyHeaders: Record<string, string> =
    typeof currentKey === 'function'
      ? Object.defineProperties({ 'Accept-Encoding': 'identity' } as Record<string, string>, {
          'X-TYPESENSE-API-KEY': { get: currentKey, enumerable: true },
        })
      : { 'Accept-Encoding': 'identity' };
  const makeClient = (timeoutSeconds: number, numRetries: number, retryIntervalSeconds: number): Client =>
    new Client({
      nodes: opts.nodes.map((n) => ({ ...n })),
      // The client reads `apiKey` once; a rotating key goes in a header getter it reads per request
      // (its own additionalHeaders are merged after, and so win over, the key it was built with).
      apiKey: typeof opts.apiKey === 'function' ? 'rotating' : opts.apiKey,
      connectionTimeoutSeconds: timeoutSeconds,
      numRetries,
      retryIntervalSeconds,
      healthcheckIntervalSeconds: d.healthcheckIntervalSeconds,
      // No client-side search cache: the gateway must answer what the index holds now.
      cacheSearchResultsForSeconds: 0,
      httpAgent,
      httpsAgent,
      // Without this, axios asks for gzip: Typesense then compresses every answer and we inflate it
      // again, which cost the gateway a third of its search throughput on a loopback or LAN link.
      additionalHeaders: keyHeaders,
      logger: clientLogger(opts.logger),
      // Error bodies that are not JSON (0.24.1 pastes ids into them unescaped) become `{message}`.
      axiosAdapter: tolerantJsonAdapter(),
    });

  const client = makeClient(
    opts.connectionTimeoutSeconds ?? d.connectionTimeoutSeconds,
    opts.numRetries ?? Math.max(d.minRetries, opts.nodes.length),
    opts.retryIntervalSeconds ?? d.retryIntervalSeconds,
  );
  const alterClient = makeClient(longTimeout, 0, d.retryIntervalSeconds);
  const bulkClient = makeClient(longTimeout, failoverRetries, d.retryIntervalSeconds);
  const healthClient = makeClient(opts.healthTimeoutSeconds ?? d.healthTimeoutSeconds, failoverRetries, 0.1);

  const rawSearch = createRawSearch({
    nodes: opts.nodes,
    apiKey: opts.apiKey,
    timeoutSeconds: opts.connectionTimeoutSeconds ?? d.connectionTimeoutSeconds,
    retries: opts.numRetries ?? Math.max(d.minRetries, opts.nodes.length),
  });

  return {
    client,
    alterClient,
    bulkClient,
    healthClient,
    rawSearch,
    longTimeoutSeconds: longTimeout,
    async close() {
      httpAgent.destroy();
      httpsAgent.destroy();
      await rawSearch.close();
    },
  };
}

/**
 * Fails with SEARCH_BACKEND_UNAVAILABLE when `promise` has not settled after `seconds`. The client
 * gives imports no timeout and no abort signal, so this abandons the request rather than cancelling it;
 * the socket is freed when Typesense answers or dies, or by close().
 */
export async function withDeadline<T>(seconds: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new AppError('SEARCH_BACKEND_UNAVAILABLE', `Typesense did not answer within ${seconds} s`)),
      seconds * 1000,
    );
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
