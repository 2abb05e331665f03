import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { Client } from 'typesense';
import type { CollectionCreateSchema, CollectionUpdateSchema, DocumentWriteParameters } from 'typesense';
import { AppError } from '@fountain/kit';
import type {
  CollectionInfo,
  CollectionSchema,
  CollectionUpdate,
  Document,
  ExportOptions,
  ImportOptions,
  SearchBackend,
  SearchParams,
  WriteAction,
} from '../backend.ts';
import { clientLogger, type PinoLikeLogger } from './client-logger.ts';
import { toAppError } from './map-error.ts';
import { assertDocumentWithinLimits, importWithinLimits } from '../document-limits.ts';
import { pathSegment } from './path-segment.ts';
import { createRawSearch } from './raw-search.ts';
import { tolerantJsonAdapter } from './tolerant-adapter.ts';
import type { TypesenseNode } from './nodes-from-env.ts';
import { normalizeMultiSearchResult, normalizeSearchResult } from './search-result.ts';

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

/** The defaults of the retry and timeout policy; see {@link createTypesenseBackend}. */
export const TYPESENSE_DEFAULTS = {
  connectionTimeoutSeconds: 3,
  minRetries: 2,
  retryIntervalSeconds: 0.25,
  longOperationTimeoutSeconds: 600,
  healthTimeoutSeconds: 2,
  healthcheckIntervalSeconds: 15,
} as const;

/**
 * The `typesense` backend: the official `typesense` client against one node or a cluster.
 *
 * Timeout and retry policy (one client instance per policy, all sharing one keep-alive agent):
 * - ordinary calls: 3 s per attempt, max(2, nodes) retries 0.25 s apart. The client retries only
 *   network errors and 5xx (Typesense's 503 "Not Ready or Lagging" is answered before anything is
 *   applied), never 4xx. A stopped server (connection refused) fails in about half a second; a hung
 *   one in about 10 s. Either way the caller gets SEARCH_BACKEND_UNAVAILABLE (retryable) and the
 *   sync relay, not this client, does the patient retrying with backoff.
 * - PATCH (alter): synchronous and blocking in 0.24.1, and not idempotent, so one attempt with a
 *   10-minute timeout: a retry after a timeout could apply the change twice or fail on a field that the
 *   first attempt already added.
 * - import and export: a 10-minute deadline, and only failover retries (nodes - 1), so a single node
 *   that is down still fails at once. The client itself never times out an import.
 * - health: 2 s, failover retries only.
 *
 * @example
 *   const backend = createTypesenseBackend({ nodes: [{ host: '127.0.0.1', port: 8108, protocol: 'http' }], apiKey });
 *   await backend.search('books', { q: 'dune', query_by: 'title' });
 */
export function createTypesenseBackend(opts: TypesenseBackendOptions): SearchBackend {
  if (opts.nodes.length === 0) throw new Error('createTypesenseBackend needs at least one node');
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

  /** Runs one client call and maps whatever it throws. */
  const call = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      throw toAppError(err, what);
    }
  };

  // Every name and id becomes a URL path segment: pathSegment refuses `.`/`..` (resolved away by the
  // HTTP layer) and lone surrogates (unencodable) with a 400 before any request is made.
  const docs = (c: Client, collection: string) => c.collections<Document>(pathSegment(collection, 'collection')).documents();
  const col = (c: Client, name: string) => c.collections(pathSegment(name, 'collection'));
  const doc = (collection: string, id: string) =>
    client.collections<Document>(pathSegment(collection, 'collection')).documents(pathSegment(id, 'id'));

  return {
    kind: 'typesense',

    async health() {
      try {
        const res = await healthClient.health.retrieve();
        return res.ok === true;
      } catch {
        return false;
      }
    },

    createCollection(schema: CollectionSchema) {
      return call(`collection '${schema.name}'`, async () => {
        pathSegment(schema.name, 'name');
        const created = await client.collections().create(schema as unknown as CollectionCreateSchema);
        return created as unknown as CollectionInfo;
      });
    },

    getCollection(name: string) {
      return call(`collection '${name}'`, async () => {
        return (await col(client, name).retrieve()) as unknown as CollectionInfo;
      });
    },

    listCollections() {
      return call('collections', async () => {
        return (await client.collections().retrieve()) as unknown as CollectionInfo[];
      });
    },

    updateCollection(name: string, update: CollectionUpdate) {
      return call(`collection '${name}'`, async () => {
        const res = await col(alterClient, name).update(update as unknown as CollectionUpdateSchema);
        return res as unknown as CollectionUpdate;
      });
    },

    deleteCollection(name: string) {
      return call(`collection '${name}'`, async () => {
        return (await col(client, name).delete()) as unknown as CollectionInfo;
      });
    },

    writeDocument(collection: string, doc: Document, action: WriteAction) {
      return call(`collection '${collection}'`, async () => {
        assertDocumentWithinLimits(doc);
        const documents = docs(client, collection);
        switch (action) {
          case 'create':
            return await documents.create(doc);
          case 'upsert':
            return await documents.upsert(doc);
          // No filter_by selects the single-document overloads, which answer the document.
          case 'update':
            return await documents.update(doc, singleDocument);
          case 'emplace':
            return await documents.emplace(doc, singleDocument);
        }
      });
    },

    getDocument(collection: string, id: string) {
      return call(`document '${id}' in collection '${collection}'`, () =>
        doc(collection, id).retrieve(),
      );
    },

    deleteDocument(collection: string, id: string) {
      return call(`document '${id}' in collection '${collection}'`, () =>
        doc(collection, id).delete(),
      );
    },

    deleteByFilter(collection: string, filterBy: string) {
      return call(`collection '${collection}'`, async () => {
        const res = await docs(client, collection).delete({ filter_by: filterBy });
        return { num_deleted: res.num_deleted };
      });
    },

    importDocuments(collection: string, jsonl: string, options: ImportOptions) {
      return call(`collection '${collection}'`, async () => {
        // A string in gives the raw JSONL answer back, and the client never throws ImportError for a
        // string (it only parses and checks lines for an array input). 0.24.1 answers 200 with one line
        // per document, so per-document failures come back as lines, not as an exception.
        // A line over the document bounds never reaches Typesense (one nested 100,000 deep crashes
        // 0.24.1 for good); it gets its own failed result line.
        return importWithinLimits(jsonl, async (within) => {
          const res: unknown = await withDeadline(
            longTimeout,
            docs(bulkClient, collection).import(within, { ...options, throwOnFail: false }),
          );
          // The client JSON-parses a body labelled application/json; a one-line answer could come back
          // as an object. Put it back into its JSONL form.
          return typeof res === 'string' ? res : JSON.stringify(res);
        });
      });
    },

    exportDocuments(collection: string, options: ExportOptions) {
      return call(`collection '${collection}'`, async () => {
        const res: unknown = await docs(bulkClient, collection).export(definedOnly(options));
        return typeof res === 'string' ? res : res === undefined || res === null ? '' : JSON.stringify(res);
      });
    },

    async searchRaw(collection: string, params: SearchParams) {
      return rawSearch.search(pathSegment(collection, 'collection'), params);
    },

    search(collection: string, params: SearchParams) {
      return call(`collection '${collection}'`, async () => {
        const raw: unknown = await docs(client, collection).search(definedOnly(params) as never, {
          cacheSearchResultsForSeconds: 0,
        });
        return normalizeSearchResult(raw);
      });
    },

    multiSearch(searches, common) {
      return call('collection named in multi_search', async () => {
        const raw: unknown = await client.multiSearch.perform(
          { searches: searches.map(definedOnly) } as never,
          definedOnly(common) as never,
          { cacheSearchResultsForSeconds: 0 },
        );
        return normalizeMultiSearchResult(raw);
      });
    },

    upsertAlias(name: string, collectionName: string) {
      return call(`alias '${name}'`, async () => {
        const res = await client.aliases().upsert(pathSegment(name, 'name'), { collection_name: pathSegment(collectionName, 'collection_name') });
        return { name: res.name, collection_name: res.collection_name };
      });
    },

    getAlias(name: string) {
      return call(`alias '${name}'`, () => client.aliases(pathSegment(name, 'name')).retrieve());
    },

    listAliases() {
      return call('aliases', async () => (await client.aliases().retrieve()).aliases);
    },

    deleteAlias(name: string) {
      return call(`alias '${name}'`, () => client.aliases(pathSegment(name, 'name')).delete());
    },

    async close() {
      httpAgent.destroy();
      httpsAgent.destroy();
      await rawSearch.close();
    },
  };
}

const singleDocument: Omit<DocumentWriteParameters, 'action'> = {};

/** Drops undefined values so they never reach the query string as "undefined". */
function definedOnly<T extends object>(params: T): T {
  return Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined)) as T;
}

/**
 * Fails with SEARCH_BACKEND_UNAVAILABLE when `promise` has not settled after `seconds`. The client
 * gives imports no timeout and no abort signal, so this abandons the request rather than cancelling it;
 * the socket is freed when Typesense answers or dies, or by close().
 */
async function withDeadline<T>(seconds: number, promise: Promise<T>): Promise<T> {
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
