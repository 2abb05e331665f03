/**
 * The relay's state (SPEC.md, "States", "Events", "Transitions"): one value, moved only by the
 * events of the spec through {@link nextState}, a total table of every state and event.
 */
import type { RelayState } from './types.ts';

/** Everything that moves the relay from one state to another (SPEC.md, "Events"). */
export type RelayEvent =
  | 'start'
  | 'lease-acquired'
  | 'lease-busy'
  | 'lease-lost'
  | 'setup-done'
  | 'setup-failed'
  | 'setup-owed'
  | 'batch-read'
  | 'outbox-empty'
  | 'batch-done'
  | 'retry'
  | 'backoff-over'
  | 'stop';

/** Every state, in the order of SPEC.md's table. */
export const RELAY_STATES: readonly RelayState[] = ['stopped', 'waiting-for-lock', 'setting-up', 'idle', 'sending', 'backoff'];
/** Every event, in the order of SPEC.md's table (`start` first). */
export const RELAY_EVENTS: readonly RelayEvent[] = [
  'start',
  'lease-acquired',
  'lease-busy',
  'lease-lost',
  'setup-done',
  'setup-failed',
  'setup-owed',
  'batch-read',
  'outbox-empty',
  'batch-done',
  'retry',
  'backoff-over',
  'stop',
];

/** The states that hold the lease: a batch may be read, sent and acknowledged only in these. */
const HOLDING: ReadonlySet<RelayState> = new Set(['setting-up', 'idle', 'sending', 'backoff']);

/**
 * The transition table. An event that cannot happen in a state (SPEC.md's "–") keeps the state:
 * the loop never raises one, and keeping the state is the safe answer if it ever did.
 */
export function nextState(from: RelayState, event: RelayEvent): RelayState {
  if (event === 'stop') return 'stopped';
  if (from === 'stopped') return event === 'start' ? 'waiting-for-lock' : from;
  if (from === 'waiting-for-lock') {
    if (event === 'lease-acquired') return 'setting-up';
    return event === 'lease-busy' || event === 'lease-lost' ? 'waiting-for-lock' : from;
  }
  // From here on the relay holds the lease.
  if (event === 'lease-lost') return 'waiting-for-lock';
  if (from === 'setting-up') {
    if (event === 'setup-done') return 'idle';
    if (event === 'setup-failed') return 'backoff';
    return from;
  }
  switch (event) {
    // Setup owed again: the schema moved since it completed, or it failed and the backoff is over.
    case 'setup-owed':
      return 'setting-up';
    case 'batch-read':
      return 'sending';
    case 'outbox-empty':
      return 'idle';
    case 'batch-done':
      return from === 'sending' ? 'sending' : from;
    case 'retry':
      return 'backoff';
    default:
      // backoff-over keeps backoff until the outbox is read again; the rest cannot happen here.
      return from;
  }
}

/** Whether a state holds the lease (SPEC.md, "States"). */
export function holdsLease(state: RelayState): boolean {
  return HOLDING.has(state);
}

/** The relay's one state value. */
export interface StateCell {
  get(): RelayState;
  /** Applies an event; answers the new state. */
  on(event: RelayEvent): RelayState;
}

/** A state cell starting `stopped`; `onChange` sees every transition (tests, debugging). */
export function createStateCell(onChange?: (from: RelayState, event: RelayEvent, to: RelayState) => void): StateCell {
  let state: RelayState = 'stopped';
  return {
    get: () => state,
    on(event) {
      const from = state;
      state = nextState(from, event);
      onChange?.(from, event, state);
      return state;
    },
  };
}
