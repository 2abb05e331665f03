/** The `typesense` search backend: the official client against a real Typesense server or cluster. */
export { createTypesenseBackend } from './typesense-backend.ts';
export { TYPESENSE_DEFAULTS, type TypesenseBackendOptions } from './clients.ts';
export { typesenseNodesFromEnv, type TypesenseNode, type TypesenseNodesFromEnv } from './nodes-from-env.ts';
export { toAppError, typesenseMessage } from './map-error.ts';
export {
  normalizeSearchResult,
  normalizeMultiSearchResult,
  isSearchFailure,
  type SearchFailure,
} from './search-result.ts';
export type { PinoLikeLogger } from './client-logger.ts';
