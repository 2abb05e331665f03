/**
 * The per-document write rules of Typesense's create / upsert / update / emplace, as a pure step that
 * answers what to store. The caller persists and applies it, so a batch can be one SQLite transaction.
 */
import type { Document, WriteAction } from '../backend.ts';
import type { CollectionState } from './collection-state.ts';
import { conflict, invalid, notFound } from './errors.ts';
import { sortedKeys } from './sorted-keys.ts';
import { checkId, validateDocument } from './validate-document.ts';

/** A validated write: the document to store under `id` with sequence number `seq`. */
export interface PlannedWrite {
  id: string;
  seq: number;
  doc: Document;
  /** What the API answers: the stored document, or for `update` the merged document like Typesense. */
  response: Document;
}

const ACTIONS = new Set<WriteAction>(['create', 'upsert', 'update', 'emplace']);

/** Checks an action name. */
export function checkAction(action: unknown): WriteAction {
  if (action === undefined) return 'create';
  if (!ACTIONS.has(action as WriteAction)) {
    throw invalid('The `action` parameter must be one of: create, upsert, update, emplace.');
  }
  return action as WriteAction;
}

/**
 * Plans one write. `pending` holds the writes planned earlier in the same batch and not yet applied,
 * so that a batch sees its own earlier lines (a create followed by an update of the same id).
 */
export function planWrite(
  state: CollectionState,
  raw: unknown,
  action: WriteAction,
  pending: Map<string, PlannedWrite>,
  allocateSeq: () => number,
): PlannedWrite {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw invalid('Bad JSON: not a properly formed document.');
  const doc = raw as Document;
  const givenId = checkId(doc);
  const fields = state.schema.fields;
  const existing = givenId === undefined ? undefined : (pending.get(givenId) ?? toPlanned(state, givenId));

  if (action === 'update' || (action === 'emplace' && existing)) {
    if (givenId === undefined) {
      if (action === 'update') throw invalid('For update, the `id` key must be provided.');
    }
    if (!existing) throw notFound(`Could not find a document with id: ${givenId}`);
    const patch = validateDocument(fields, doc, true);
    let merged: Document = { ...existing.doc, ...patch };
    // An optional field sent as null is removed, as in Typesense's partial updates.
    for (const f of fields) if (doc[f.name] === null && f.optional) delete merged[f.name];
    // Stored with Typesense's key order, so every answer (write, get, hit, export) has it.
    merged = sortedKeys(merged);
    return { id: existing.id, seq: existing.seq, doc: merged, response: merged };
  }

  if (action === 'create' && existing) throw conflict(`A document with id ${givenId} already exists.`);
  const valid = validateDocument(fields, doc, false);
  // Upsert replaces the whole document but keeps its sequence number, as Typesense keeps its seq_id.
  const seq = existing ? existing.seq : allocateSeq();
  // Typesense generates ids from the sequence number; skip one a caller has already taken.
  let id = givenId;
  if (id === undefined) {
    id = String(seq);
    while (state.byId.has(id) || pending.has(id)) id = String(allocateSeq());
  }
  const stored: Document = sortedKeys({ ...valid, id });
  return { id, seq, doc: stored, response: stored };
}

function toPlanned(state: CollectionState, id: string): PlannedWrite | undefined {
  const e = state.byId.get(id);
  return e ? { id, seq: e.seq, doc: e.doc, response: e.doc } : undefined;
}
