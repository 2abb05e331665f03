/**
 * Sending a batch through a SearchBackend and classifying what comes back (docs/sync.md, "Relay"):
 * one JSONL upsert import per target collection plus deletes by filter; per-document 4xx answers are
 * permanent, everything else is retried.
 */
import { AppError } from '@fountain/kit';
import type { SearchBackend } from '@fountain/search';
import type { FailureKind } from '../metrics.ts';
import type { BatchItem } from './read-batch.ts';

/** The outcome of one item: sent, rejected for good (with the index's words), or to be retried. */
export type ItemOutcome =
  | { kind: 'ok' }
  | { kind: 'permanent'; collection: string; code: number; message: string }
  | { kind: 'retry' };

/** A whole request that failed: the items it carried, and why. */
export interface RequestFailure {
  kind: Exclude<FailureKind, 'permanent'> | 'too-large';
  collection: string;
  message: string;
  error: unknown;
}

/** The outcome of sending a batch. */
export interface SendResult {
  outcomes: Map<BatchItem, ItemOutcome>;
  /** Set when a whole request failed; the items it had not settled are `retry`. */
  failure: RequestFailure | null;
  upserted: number;
  deleted: number;
}

/**
 * How a whole-request failure is handled. Retryable AppErrors (SEARCH_BACKEND_UNAVAILABLE) and
 * anything that isn't an AppError (a network error the client didn't map) are transient. A 413 means
 * the batch is too big. Every other AppError of a whole request (401/403 from the gateway, which the
 * client maps to INTERNAL_SERVER_ERROR; a missing collection; a request the server refuses) is a
 * misconfiguration: it is retried too, never dead-lettered, since no single document is to blame.
 */
export function classifyRequestError(err: unknown): RequestFailure['kind'] {
  if (!(err instanceof AppError)) return 'transient';
  if (err.retryable || err.code === 'TYPESENSE_SYNC_ERROR') return 'transient';
  if (err.code === 'PAYLOAD_TOO_LARGE') return 'too-large';
  return 'misconfigured';
}

/** Ids that can go in a `id:=[...]` filter: a backtick would end the quoted value. */
const FILTERABLE = (id: string): boolean => !id.includes('`');
/** Keeps a delete-by-filter URL well under common limits (the filter travels in the query string). */
const MAX_FILTER_CHARS = 4000;

/** Backends that refused `dirty_values` (the embedded engine): lenient imports go without it. */
const NO_DIRTY_VALUES = new WeakSet<SearchBackend>();

async function importLenient(backend: SearchBackend, collection: string, jsonl: string): Promise<string> {
  try {
    return await backend.importDocuments(collection, jsonl, { action: 'upsert', dirty_values: 'coerce_or_drop' });
  } catch (err) {
    if (!(err instanceof AppError && err.code === 'VALIDATION_ERROR' && /dirty_values/.test(err.message))) throw err;
    NO_DIRTY_VALUES.add(backend);
    return backend.importDocuments(collection, jsonl, { action: 'upsert' });
  }
}

function parseImportLine(line: string | undefined): ItemOutcome | null {
  if (line === undefined) return null;
  let r: { success?: unknown; code?: unknown; error?: unknown };
  try {
    r = JSON.parse(line) as typeof r;
  } catch {
    return null;
  }
  if (r.success === true) return { kind: 'ok' };
  const code = typeof r.code === 'number' ? r.code : 0;
  // 4xx per document: the document is wrong (schema violation, bad id). Anything else (a 503 in a
  // cluster without a leader, no code at all) may pass later.
  if (code >= 400 && code < 500) return { kind: 'permanent', collection: '', code, message: typeof r.error === 'string' ? r.error : 'rejected' };
  return { kind: 'retry' };
}

/** Merges the outcome of one collection into an item's overall outcome: retry > permanent > ok. */
function merge(prev: ItemOutcome | undefined, next: ItemOutcome): ItemOutcome {
  if (!prev || prev.kind === 'ok') return next;
  if (prev.kind === 'retry' || next.kind !== 'retry') return prev;
  return next;
}

/**
 * Sends the items to every target collection (for a table with several, as during a blue/green
 * rebuild `[old, new]`, every target but the last is lenient: `dirty_values=coerce_or_drop` and its
 * per-document rejections ignored) and settles each one. Stops at the first whole-request
 * failure: the items not settled by then are `retry`, so the batch is simply read and sent again.
 */
export async function sendBatch(
  backend: SearchBackend,
  items: readonly BatchItem[],
  collectionsOf: (item: BatchItem) => string[],
  onImport: (seconds: number) => void,
): Promise<SendResult> {
  const outcomes = new Map<BatchItem, ItemOutcome>();
  const result: SendResult = { outcomes, failure: null, upserted: 0, deleted: 0 };
  const byCollection = new Map<string, { collection: string; lenient: boolean; upserts: BatchItem[]; deletes: BatchItem[] }>();
  const answered = new Map<BatchItem, number>();
  for (const item of items) {
    if (item.buildError !== null) {
      const collection = collectionsOf(item)[0] ?? item.derived.decl.collection;
      outcomes.set(item, { kind: 'permanent', collection, code: 422, message: item.buildError });
      answered.set(item, 1);
      continue;
    }
    const targets = collectionsOf(item);
    targets.forEach((c, i) => {
      // During a blue/green rebuild the targets are [old, new]: only the last one's verdict counts.
      const lenient = i < targets.length - 1;
      const k = `${lenient ? 1 : 0}\u0000${c}`;
      let g = byCollection.get(k);
      if (!g) byCollection.set(k, (g = { collection: c, lenient, upserts: [], deletes: [] }));
      (item.doc ? g.upserts : g.deletes).push(item);
    });
  }
  const set = (item: BatchItem, o: ItemOutcome): void => {
    outcomes.set(item, merge(outcomes.get(item), o));
    answered.set(item, (answered.get(item) ?? 0) + 1);
  };

  let current = '';
  try {
    for (const { collection, lenient, upserts, deletes } of byCollection.values()) {
      current = collection;
      if (upserts.length > 0) {
        const started = performance.now();
        // The old collection of a rebuild still has the old schema: let it coerce or drop what it can't
        // take, and ignore its rejections (the new collection's answer is the one that counts).
        const jsonl = upserts.map((i) => i.line).join('\n');
        const answer = lenient && !NO_DIRTY_VALUES.has(backend) ? await importLenient(backend, collection, jsonl) : await backend.importDocuments(collection, jsonl, { action: 'upsert' });
        onImport((performance.now() - started) / 1000);
        const lines = answer.split('\n').filter((l) => l.trim() !== '');
        upserts.forEach((item, i) => {
          const o = parseImportLine(lines.length === upserts.length ? lines[i] : undefined) ?? { kind: 'retry' };
          if (o.kind === 'permanent' && lenient) set(item, { kind: 'ok' });
          else set(item, o.kind === 'permanent' ? { ...o, collection } : o);
          if (o.kind === 'ok') result.upserted++;
        });
      }
      const filterable = deletes.filter((i) => FILTERABLE(i.docId));
      for (const chunk of chunkByLength(filterable)) {
        await backend.deleteByFilter(collection, `id:=[${chunk.map((i) => `\`${i.docId}\``).join(',')}]`);
        for (const item of chunk) set(item, { kind: 'ok' });
        result.deleted += chunk.length;
      }
      for (const item of deletes.filter((i) => !FILTERABLE(i.docId))) {
        try {
          await backend.deleteDocument(collection, item.docId);
        } catch (err) {
          if (!(err instanceof AppError && err.code === 'NOT_FOUND')) throw err;
        }
        set(item, { kind: 'ok' });
        result.deleted++;
      }
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    result.failure = { kind: classifyRequestError(error), collection: current, message, error };
  }
  for (const item of items) {
    // An item is settled when every one of its collections answered for it; the rest of a failed
    // batch is read and sent again (upserts and deletes are idempotent), so nothing is lost.
    const needed = item.buildError !== null ? 1 : collectionsOf(item).length;
    if ((answered.get(item) ?? 0) < needed || !outcomes.has(item)) outcomes.set(item, { kind: 'retry' });
  }
  return result;
}

function* chunkByLength(items: readonly BatchItem[]): Generator<BatchItem[]> {
  let chunk: BatchItem[] = [];
  let length = 0;
  for (const item of items) {
    if (chunk.length > 0 && length + item.docId.length + 3 > MAX_FILTER_CHARS) {
      yield chunk;
      chunk = [];
      length = 0;
    }
    chunk.push(item);
    length += item.docId.length + 3;
  }
  if (chunk.length > 0) yield chunk;
}
