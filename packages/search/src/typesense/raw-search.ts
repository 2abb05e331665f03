/**
 * The search hot path of the typesense backend: the request goes to Typesense over undici's
 * keep-alive pools and the answer comes back as bytes, never parsed or re-serialized.
 *
 * Why not the official client here: through axios it cost the gateway about 2 ms of CPU per search
 * on our 2-core machines (request config merging, follow-redirects, JSON parse, then our JSON
 * stringify), about four times what Typesense itself spends on a typical search, so the gateway
 * served a third of Typesense's throughput. Everything else (writes, imports, schema changes) keeps
 * the official client. Passing the bytes through is also the most tolerant parsing there is: whatever
 * a newer server adds to its answer reaches the caller untouched.
 */
import { Pool } from 'undici';
import type { SearchParams } from '../backend.ts';
import { toAppError } from './map-error.ts';
import type { TypesenseNode } from './nodes-from-env.ts';

/** Options of {@link createRawSearch}. */
export interface RawSearchOptions {
  nodes: TypesenseNode[];
  /** The key, or a function answering the current one (a key the KMS rotates). */
  apiKey: string | (() => string);
  /** Per-attempt timeout (connect, headers and body), as the client's connectionTimeoutSeconds. */
  timeoutSeconds: number;
  /** Attempts after the first on a network error or 5xx, moving to the next node each time. */
  retries: number;
}

/** A raw search function and the pools it holds. */
export interface RawSearch {
  search(collection: string, params: SearchParams): Promise<Buffer>;
  close(): Promise<void>;
}

/** Node errors that mean "this node can't be reached now": try the next one. */
function isNetworkError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('UND_ERR') || code.startsWith('E'));
}

/**
 * Creates the raw search path over the same nodes as the client, in the same failover order
 * (round robin from a rotating start, like the client's).
 */
export function createRawSearch(opts: RawSearchOptions): RawSearch {
  const timeout = opts.timeoutSeconds * 1000;
  const pools = opts.nodes.map(
    (n) =>
      new Pool(`${n.protocol}://${n.host}:${n.port}`, {
        connections: 64,
        connectTimeout: timeout,
        headersTimeout: timeout,
        bodyTimeout: timeout,
        keepAliveTimeout: 5_000,
      }),
  );
  const prefixes = opts.nodes.map((n) => (n.path ?? '').replace(/\/$/, ''));
  let next = 0;

  return {
    async search(collection, params) {
      const query = new URLSearchParams();
      for (const [k, v] of Object.entries(params)) if (v !== undefined) query.set(k, String(v));
      const tail = `/collections/${encodeURIComponent(collection)}/documents/search?${query.toString()}`;
      let lastErr: unknown;
      const start = next++ % pools.length;
      for (let attempt = 0; attempt <= opts.retries; attempt++) {
        const i = (start + attempt) % pools.length;
        try {
          const res = await pools[i]!.request({
            method: 'GET',
            path: prefixes[i] + tail,
            headers: { 'x-typesense-api-key': typeof opts.apiKey === 'function' ? opts.apiKey() : opts.apiKey, 'accept-encoding': 'identity' },
          });
          const body = Buffer.from(await res.body.arrayBuffer());
          if (res.statusCode === 200) return body;
          // Shape the failure like the client's, so one mapping (map-error.ts) serves both paths.
          const err = httpError(res.statusCode, body);
          if (res.statusCode < 500) throw toAppError(err, `collection '${collection}'`);
          lastErr = err;
        } catch (err) {
          if (!isNetworkError(err)) throw err;
          lastErr = err;
        }
      }
      throw toAppError(lastErr, `collection '${collection}'`);
    },
    async close() {
      await Promise.all(pools.map((p) => p.close()));
    },
  };
}

function httpError(status: number, body: Buffer): Error & { httpStatus: number } {
  let said = body.toString('utf8');
  try {
    const parsed = JSON.parse(said) as { message?: unknown };
    if (typeof parsed.message === 'string') said = parsed.message;
  } catch {
    // not JSON: keep the text
  }
  return Object.assign(new Error(`Request failed with HTTP code ${status} | Server said: ${said}`), { httpStatus: status });
}
