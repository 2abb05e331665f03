/**
 * The sequence semantics (docs/sequence.md): allocation, the two reorder forms, versions. Every write
 * runs in one `BEGIN IMMEDIATE` transaction (`store.immediate`).
 */
import { AppError } from '@fountain/kit';
import type { ElementRow, Move, SequenceStore } from '../db/store.ts';

/** The element types of the seeds' ElementTypeEnum. */
export const ELEMENT_TYPES = ['script', 'section', 'character', 'action', 'spokenWord'] as const;
/** One element type. */
export type ElementType = (typeof ELEMENT_TYPES)[number];

const now = (): string => new Date().toISOString();

/** Values that occur more than once, in first-seen order. */
function duplicates<T>(values: readonly T[]): T[] {
  const seen = new Set<T>();
  const dup = new Set<T>();
  for (const v of values) (seen.has(v) ? dup : seen).add(v);
  return [...dup];
}

/**
 * The largest element id, sequence number and version number: the index holds them as int32 (seeds/001's
 * schema), and a larger one would be acknowledged but never searchable (docs/sequence.md, "Number ranges").
 */
export const INT32_MAX = 2_147_483_647;

/** The 409 for a number that would pass INT32_MAX: nothing is written. */
function exhausted(field: string, of: string, next: number): AppError {
  return new AppError('CONFLICT', `No ${field} left for ${of}: the next would be ${next}, past ${INT32_MAX} (the search index holds int32); reorder to lower positions first`, {
    details: { field, next, max: INT32_MAX },
  });
}

/**
 * POST /sequence. A new element gets the next number of its type (max + 1) and its version 1 (no
 * data, the request's comment). An element that already has a number keeps it: the call answers that
 * number with `created: false` and writes nothing, so a retried request is harmless.
 */
export async function allocateSequence(
  store: SequenceStore,
  req: { elementType: ElementType; elementId: number; comment: string },
): Promise<{ created: boolean; sequenceNumber: number }> {
  return store.immediate(() => {
    const existing = store.getElement(req.elementType, req.elementId);
    if (existing) return { created: false, sequenceNumber: existing.sequenceNumber };
    const sequenceNumber = store.nextSequenceNumber(req.elementType);
    if (sequenceNumber > INT32_MAX) throw exhausted('sequenceNumber', `${req.elementType} elements`, sequenceNumber);
    const at = now();
    store.insertElement(req.elementType, req.elementId, sequenceNumber, req.comment, at);
    store.insertVersion({
      elementType: req.elementType,
      elementId: req.elementId,
      versionNumber: 1,
      sequenceNumber,
      data: null,
      comment: req.comment,
      createdAt: at,
    });
    return { created: true, sequenceNumber };
  });
}

/** Throws a 404 naming the ids of `wanted` that are not in `found`. */
function requireAll(type: string, wanted: readonly number[], found: readonly ElementRow[]): void {
  const have = new Set(found.map((e) => e.elementId));
  const missing = wanted.filter((id) => !have.has(id));
  if (missing.length > 0) {
    throw new AppError('NOT_FOUND', `Unknown ${type} element(s): ${missing.join(', ')}`, {
      details: { elementType: type, missingElementIds: missing },
    });
  }
}

/**
 * Moves elements to new positions, atomically, rewriting only those whose position changes. A target
 * held by an element outside the request is a 409: a reorder never makes two elements share a
 * position, and never silently shifts an element the caller didn't name.
 */
function move(store: SequenceStore, type: string, targets: ReadonlyMap<number, number>, byId: ReadonlyMap<number, ElementRow>): Move[] {
  const moves: Move[] = [];
  for (const [elementId, to] of targets) {
    const from = byId.get(elementId)!.sequenceNumber;
    if (from !== to) moves.push({ elementId, from, to });
  }
  const holders = store.elementsAtPositions(
    type,
    moves.map((m) => m.to),
  ).filter((e) => !targets.has(e.elementId));
  if (holders.length > 0) {
    throw new AppError(
      'CONFLICT',
      `Position(s) ${holders.map((h) => h.sequenceNumber).join(', ')} of ${type} are held by element(s) not in this reorder: ${holders.map((h) => h.elementId).join(', ')}`,
      { details: { elementType: type, held: holders.map((h) => ({ elementId: h.elementId, sequenceNumber: h.sequenceNumber })) } },
    );
  }
  if (moves.length > 0) store.applyMoves(type, moves, now());
  return moves;
}

/**
 * PUT /sequence/reorder (seeds/000): each named element gets its `newSequence`. Duplicate ids or
 * duplicate targets are a 400, unknown elements a 404 naming them.
 */
export async function reorderElements(
  store: SequenceStore,
  req: { elementType: ElementType; elements: ReadonlyArray<{ elementId: number; newSequence: number }> },
): Promise<{ moves: Move[] }> {
  const ids = req.elements.map((e) => e.elementId);
  const dupIds = duplicates(ids);
  const dupTargets = duplicates(req.elements.map((e) => e.newSequence));
  if (dupIds.length > 0 || dupTargets.length > 0) {
    const parts = [
      dupIds.length > 0 ? `elements: elementId(s) ${dupIds.join(', ')} appear more than once` : '',
      dupTargets.length > 0 ? `elements: newSequence value(s) ${dupTargets.join(', ')} appear more than once` : '',
    ].filter(Boolean);
    throw new AppError('VALIDATION_ERROR', parts.join('; '), { details: { duplicateElementIds: dupIds, duplicateNewSequences: dupTargets } });
  }
  return store.immediate(() => {
    const found = store.getElements(req.elementType, ids);
    requireAll(req.elementType, ids, found);
    const byId = new Map(found.map((e) => [e.elementId, e]));
    const targets = new Map(req.elements.map((e) => [e.elementId, e.newSequence]));
    const moves = move(store, req.elementType, targets, byId);
    return { moves };
  });
}

/**
 * POST /sequence/reorder (seeds/002): `newOrder` lists the same elements as `elementIds` in their new
 * order. They take the positions they hold now, ascending, in that order: for the elements of a type
 * numbered 1..n this is exactly seeds/002's `enumerate(newOrder, start=1)`, and for a subset it is a
 * permutation of their own positions, so it never collides with an element outside the request.
 * Seeds/002 names no type: without `elementType` the ids must all be found in one type.
 */
export async function reorderByOrder(
  store: SequenceStore,
  req: { elementType?: ElementType; elementIds: readonly number[]; newOrder: readonly number[] },
): Promise<{ elementType: string; moves: Move[] }> {
  const problems: string[] = [];
  const dupIds = duplicates(req.elementIds);
  const dupOrder = duplicates(req.newOrder);
  if (dupIds.length > 0) problems.push(`elementIds: ${dupIds.join(', ')} appear more than once`);
  if (dupOrder.length > 0) problems.push(`newOrder: ${dupOrder.join(', ')} appear more than once`);
  const inIds = new Set(req.elementIds);
  const inOrder = new Set(req.newOrder);
  const notInOrder = req.elementIds.filter((id) => !inOrder.has(id));
  const notInIds = req.newOrder.filter((id) => !inIds.has(id));
  if (notInOrder.length > 0 || notInIds.length > 0) {
    problems.push(
      `newOrder: must list exactly the elements of elementIds (missing from newOrder: [${notInOrder.join(', ')}], not in elementIds: [${notInIds.join(', ')}])`,
    );
  }
  if (problems.length > 0) {
    throw new AppError('VALIDATION_ERROR', problems.join('; '), {
      details: { duplicateElementIds: dupIds, duplicateNewOrder: dupOrder, missingFromNewOrder: notInOrder, notInElementIds: notInIds },
    });
  }
  return store.immediate(() => {
    const type = req.elementType ?? resolveType(store, req.elementIds);
    const found = store.getElements(type, req.elementIds);
    requireAll(type, req.elementIds, found);
    const byId = new Map(found.map((e) => [e.elementId, e]));
    const positions = found.map((e) => e.sequenceNumber).sort((a, b) => a - b);
    const targets = new Map(req.newOrder.map((id, i) => [id, positions[i]!]));
    const moves = move(store, type, targets, byId);
    return { elementType: type, moves };
  });
}

/** The one type holding all of `ids` (seeds/002's reorder names none). */
function resolveType(store: SequenceStore, ids: readonly number[]): ElementType {
  const rows = store.findElementsInAnyType(ids);
  const typesOf = new Map<number, string[]>();
  for (const r of rows) typesOf.set(r.elementId, [...(typesOf.get(r.elementId) ?? []), r.elementType]);
  const ambiguous = [...typesOf].filter(([, types]) => types.length > 1);
  if (ambiguous.length > 0) {
    throw new AppError(
      'VALIDATION_ERROR',
      `elementType: required, since element(s) ${ambiguous.map(([id, t]) => `${id} (${t.join(', ')})`).join('; ')} exist in several types`,
      { details: { ambiguous: Object.fromEntries(ambiguous) } },
    );
  }
  const types = [...new Set(rows.map((r) => r.elementType))];
  if (types.length > 1) {
    throw new AppError('VALIDATION_ERROR', `elementIds: the elements belong to several types (${types.join(', ')}); reorder one type at a time`, {
      details: { types },
    });
  }
  if (types.length === 0) {
    throw new AppError('NOT_FOUND', `Unknown element(s): ${ids.join(', ')}`, { details: { missingElementIds: [...ids] } });
  }
  return types[0] as ElementType;
}

/**
 * POST /sequence/version: appends version max + 1 of an existing element, with its data and the
 * element's current position. An element without a sequence number is a 404 (create it with POST
 * /sequence first): a version must never invent a position.
 */
export async function createVersion(
  store: SequenceStore,
  req: { elementType: ElementType; elementId: number; newVersionData: Record<string, unknown>; comment: string },
): Promise<{ versionNumber: number }> {
  return store.immediate(() => {
    const element = store.getElement(req.elementType, req.elementId);
    if (!element) {
      throw new AppError('NOT_FOUND', `Unknown ${req.elementType} element ${req.elementId}; create it with POST /sequence first`, {
        details: { elementType: req.elementType, missingElementIds: [req.elementId] },
      });
    }
    const versionNumber = store.maxVersion(req.elementType, req.elementId) + 1;
    if (versionNumber > INT32_MAX) throw exhausted('versionNumber', `${req.elementType} element ${req.elementId}`, versionNumber);
    store.insertVersion({
      elementType: req.elementType,
      elementId: req.elementId,
      versionNumber,
      sequenceNumber: element.sequenceNumber,
      data: req.newVersionData,
      comment: req.comment,
      createdAt: now(),
    });
    return { versionNumber };
  });
}
