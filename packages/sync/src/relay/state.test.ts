/**
 * The transition table of SPEC.md, cell by cell: `nextState` must answer exactly what the spec's
 * table says (a "–" keeps the state), so the document and the code cannot drift apart.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createStateCell, holdsLease, nextState, RELAY_EVENTS, RELAY_STATES, type RelayEvent } from './state.ts';
import type { RelayState } from './types.ts';

const SPEC = readFileSync(new URL('../../SPEC.md', import.meta.url), 'utf8');

/** The spec's table: state → event → the state it names (footnote marks dropped; "–" keeps the state). */
function specTable(): Map<RelayState, Map<RelayEvent, RelayState>> {
  const lines = SPEC.split('\n');
  const header = lines.findIndex((l) => l.startsWith('| from \\ event'));
  expect(header).toBeGreaterThan(0);
  const cells = (l: string): string[] => l.split('|').slice(1, -1).map((c) => c.trim().replace(/`/g, '').replace(/[¹²]/g, ''));
  const events = cells(lines[header]!).slice(1) as RelayEvent[];
  const table = new Map<RelayState, Map<RelayEvent, RelayState>>();
  for (const line of lines.slice(header + 2)) {
    if (!line.startsWith('|')) break;
    const [from, ...tos] = cells(line) as [RelayState, ...string[]];
    table.set(from, new Map(events.map((e, i) => [e, (tos[i] === '–' ? from : tos[i]) as RelayState])));
  }
  return table;
}

describe('the relay state machine (SPEC.md)', () => {
  it('the spec table covers every state and every event but start', () => {
    const table = specTable();
    expect([...table.keys()].sort()).toEqual([...RELAY_STATES].sort());
    for (const row of table.values()) expect([...row.keys()].sort()).toEqual(RELAY_EVENTS.filter((e) => e !== 'start').sort());
  });

  it('nextState answers what the spec table says, in every cell', () => {
    for (const [from, row] of specTable()) {
      for (const [event, to] of row) expect(nextState(from, event), `${from} --${event}-->`).toBe(to);
    }
  });

  it('start leaves stopped for waiting-for-lock and changes nothing else', () => {
    for (const s of RELAY_STATES) expect(nextState(s, 'start')).toBe(s === 'stopped' ? 'waiting-for-lock' : s);
  });

  it('only the holding states can send: no event leads from a non-holding state to sending', () => {
    for (const s of RELAY_STATES.filter((x) => !holdsLease(x))) {
      for (const e of RELAY_EVENTS) expect(nextState(s, e)).not.toBe('sending');
    }
  });

  it('a state cell starts stopped and reports every transition', () => {
    const seen: string[] = [];
    const cell = createStateCell((from, event, to) => seen.push(`${from}:${event}:${to}`));
    expect(cell.get()).toBe('stopped');
    cell.on('start');
    cell.on('lease-acquired');
    cell.on('setup-done');
    expect(cell.get()).toBe('idle');
    expect(seen).toEqual(['stopped:start:waiting-for-lock', 'waiting-for-lock:lease-acquired:setting-up', 'setting-up:setup-done:idle']);
  });
});
