/**
 * Runs an embedded search in time slices, so one long query never holds the event loop: between
 * slices, other requests (/health, a SIGTERM's shutdown) get their turn. Search is CPU work on the
 * in-memory index, which lives on this thread, so it can't move to a worker; it yields instead.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { SearchParams, SearchResult } from '../backend.ts';
import type { CollectionState } from './collection-state.ts';
import { searchSteps } from './search.ts';

/** The longest a search runs before it gives the event loop back. */
export const SEARCH_SLICE_MS = 1;

/** After this many restarts (a write landed while the search was paused), it runs without pausing. */
const MAX_RESTARTS = 3;

/**
 * Runs a search, pausing every {@link SEARCH_SLICE_MS} ms of work. A write to the collection while
 * it is paused makes it start over (its candidate lists would be stale); after a few restarts under
 * a steady stream of writes it finishes in one go, so it always ends.
 *
 * @example
 *   const result = await searchCooperatively(state, { q: 'dune', query_by: 'title' });
 */
export async function searchCooperatively(state: CollectionState, params: SearchParams): Promise<SearchResult> {
  // One search works at a time: the others wait their turn on a promise, not in the immediate queue,
  // so the wait of any other request is one slice, not one slice per search running in parallel.
  const previous = turn;
  let release!: () => void;
  turn = new Promise<void>((resolve) => (release = resolve));
  await previous;
  try {
    return await runInSlices(state, params);
  } finally {
    release();
  }
}

/** The tail of the queue of searches waiting to work. */
let turn: Promise<void> = Promise.resolve();

async function runInSlices(state: CollectionState, params: SearchParams): Promise<SearchResult> {
  for (let attempt = 0; ; attempt++) {
    const version = state.version;
    const steps = searchSteps(state, params, state.schema.name);
    const pausing = attempt < MAX_RESTARTS;
    let sliceStart = performance.now();
    let r = steps.next();
    let stale = false;
    while (!r.done) {
      if (pausing && performance.now() - sliceStart >= SEARCH_SLICE_MS) {
        await nextTurn();
        if (state.version !== version) {
          stale = true;
          break;
        }
        sliceStart = performance.now();
      }
      r = steps.next();
    }
    if (!stale && r.done) return r.value;
  }
}
