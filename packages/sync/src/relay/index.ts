/** The relay: outbox to search index, in order, with retries and dead letters (docs/sync.md, "Relay"). */
export { createRelay } from './create-relay.ts';
export { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.ts';
export { classifyRequestError } from './send.ts';
export type { Relay, RelayOptions, RelayState, RelayStats, SyncLogger } from './types.ts';
