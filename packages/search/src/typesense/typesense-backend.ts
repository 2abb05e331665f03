/**
 * The `typesense` backend: every `SearchBackend` method as one call of the official client, with its
 * errors mapped to `AppError` codes. The connections and their timeout and retry policy are
 * `clients.ts`; the search hot path is `raw-search.ts`.
 */
import type { Client, CollectionCreateSchema, CollectionUpdateSchema, DocumentWriteParameters } from 'typesense';
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
import { assertDocumentWithinLimits, importWithinLimits } from '../document-limits.ts';
import { createClients, withDeadline, type TypesenseBackendOptions } from './clients.ts';
import { toAppError } from './map-error.ts';
import { pathSegment } from './path-segment.ts';
import { normalizeMultiSearchResult, normalizeSearchResult } from './search-result.ts';

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
  const { client, alterClient, bulkClient, healthClient, rawSearch, longTimeoutSeconds, close } = createClients(opts);

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
            longTimeoutSeconds,
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

    close,
  };
}

const singleDocument: Omit<DocumentWriteParameters, 'action'> = {};

/** Drops undefined values so they never reach the query string as "undefined". */
function definedOnly<T extends object>(params: T): T {
  return Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined)) as T;
}
