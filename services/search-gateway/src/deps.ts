import type { SearchBackend } from '@fountain/search';
import type { SchemaCache } from './domain/schema-cache.ts';

/** Everything the gateway's routes need, built once in server.ts (or by a test). */
export interface GatewayDeps {
  backend: SearchBackend;
  schemas: SchemaCache;
  /** TYPESENSE_COLLECTION_NAME: the seed endpoints' collection when the caller names none. */
  defaultCollection: string;
  /** Body limit of the JSONL import route. */
  maxImportBytes: number;
}
