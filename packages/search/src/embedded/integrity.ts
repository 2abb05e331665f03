/**
 * Loading one collection at start, with an integrity check of what was rebuilt against what is
 * stored. Every document is keyed in memory by its sequence number, so two stored documents with the
 * same number would leave one of them out of search and export while GET by id still found it (the
 * data loss of issue 7, written by versions whose saved counter trailed by one batch). The check:
 *
 * - gives a fresh number to any document whose number another one already holds (or that is not a
 *   valid number), and stores the new number;
 * - raises the collection's counter to at least the highest stored number plus one, and stores it;
 * - compares the stored documents with the rebuilt state: every one reachable by id and by number,
 *   and in the text index; a shortfall there rebuilds the text index, and if that does not fix it the
 *   start fails rather than serve an index that silently lacks documents.
 *
 * What it repaired is answered as a report for the log.
 */
import { CollectionState } from './collection-state.ts';
import type { SearchStore, StoredCollection } from './store.ts';
import { TextIndex } from './text-index.ts';
import { textFields } from './collection-state.ts';

/** What the check found in one collection. */
export interface IntegrityReport {
  collection: string;
  /** Stored documents. */
  documents: number;
  /** Documents given a new sequence number because another one held theirs. */
  renumbered: Array<{ id: string; from: number; to: number }>;
  /** The saved counter and the one now in force, when the saved one was too low. */
  counter?: { saved: number; now: number };
  /** Whether the text index had to be rebuilt after the first pass. */
  textIndexRebuilt: boolean;
}

/** Whether the report names anything that was repaired. */
export function repairedAnything(r: IntegrityReport): boolean {
  return r.renumbered.length > 0 || r.counter !== undefined || r.textIndexRebuilt;
}

/** Loads a stored collection into memory, repairing and reporting what the check finds. */
export function loadCollection(store: SearchStore, stored: StoredCollection): { state: CollectionState; report: IntegrityReport } {
  const name = stored.schema.name;
  const state = new CollectionState(stored.schema, stored.createdAt, 0);
  const clashes: Array<{ id: string; seq: number; doc: Record<string, unknown> }> = [];
  let documents = 0;
  let highest = -1;
  // Documents come in sequence order; the first holder of a number keeps it.
  for (const d of store.loadDocuments(name)) {
    documents++;
    if (!Number.isSafeInteger(d.seq) || d.seq < 0 || state.bySeq.has(d.seq)) {
      clashes.push(d);
      continue;
    }
    state.put(d.id, d.seq, d.doc);
    if (d.seq > highest) highest = d.seq;
  }
  state.nextSeq = Math.max(stored.nextSeq, highest + 1);
  const renumbered = clashes.map((d) => {
    const to = state.nextSeq++;
    state.put(d.id, to, d.doc);
    return { id: d.id, from: d.seq, to };
  });
  const report: IntegrityReport = { collection: name, documents, renumbered, textIndexRebuilt: false };
  if (state.nextSeq !== stored.nextSeq) report.counter = { saved: stored.nextSeq, now: state.nextSeq };
  if (renumbered.length > 0 || report.counter) {
    store.saveRepair(name, renumbered.map((r) => ({ id: r.id, seq: r.to })), state.nextSeq);
  }

  if (shortfall(state, documents) !== undefined) {
    state.text = TextIndex.rebuild(textFields(state.schema), state.bySeq.values());
    report.textIndexRebuilt = true;
    const still = shortfall(state, documents);
    if (still !== undefined) throw new Error(`embedded search store: collection \`${name}\` failed its integrity check: ${still}`);
  }
  return { state, report };
}

/** What the rebuilt state lacks compared with the stored documents, or undefined when nothing. */
function shortfall(state: CollectionState, stored: number): string | undefined {
  if (state.byId.size !== stored) return `${stored} documents stored, ${state.byId.size} loaded`;
  if (state.bySeq.size !== stored) return `${stored} documents stored, ${state.bySeq.size} with a sequence number`;
  let unindexed = 0;
  for (const [id, e] of state.byId) {
    if (state.bySeq.get(e.seq) !== e) return `document \`${id}\` is not reachable by its sequence number`;
    if (!state.text.isIndexed(e.seq)) unindexed++;
  }
  return unindexed > 0 ? `${unindexed} documents are missing from the text index` : undefined;
}
