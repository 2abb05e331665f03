/**
 * The `embedded` SearchBackend: Typesense-compatible collections, documents, search and aliases,
 * served in-process. SQLite (`<dataDir>/search.db`) is the durable copy; memory holds the index.
 * Every write goes to SQLite first (one transaction per call or import batch), then to memory, so a
 * failed write never leaves the index ahead of the disk.
 */
import type {
  Alias, CollectionInfo, CollectionSchema, CollectionUpdate, Document, ExportOptions, ImportOptions,
  SearchBackend, SearchParams, SearchResult, WriteAction,
} from '../backend.ts';
import { CollectionState } from './collection-state.ts';
import { AppError, conflict, httpCodeOf, invalid, messageOf, notFound } from './errors.ts';
import { importJsonl } from './import-jsonl.ts';
import { loadCollection, repairedAnything } from './integrity.ts';
import { applySchemaUpdate, normalizeSchema } from './schema.ts';
import { compileFilterBy } from './search.ts';
import { searchCooperatively } from './cooperative-search.ts';
import { assertDocumentWithinLimits } from '../document-limits.ts';
import type { DocWrite } from './store.ts';
import type { SearchStore } from './store.ts';
import type { PlannedWrite } from './write-document.ts';
import { checkAction, planWrite } from './write-document.ts';
import { sortedKeys } from './sorted-keys.ts';
import { checkFieldValue } from './validate-document.ts';

/** Where the embedded engine reports what its start-up check found (pino's signature). */
export interface EmbeddedLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** The embedded engine. Create it with `createEmbeddedBackend`. */
export class EmbeddedBackend implements SearchBackend {
  readonly kind = 'embedded' as const;
  private readonly collections = new Map<string, CollectionState>();
  private readonly aliases = new Map<string, string>();
  private closed = false;

  constructor(
    private readonly store: SearchStore,
    logger?: EmbeddedLogger,
  ) {
    let documents = 0;
    for (const c of store.loadCollections()) {
      const { state, report } = loadCollection(store, c);
      documents += report.documents;
      if (repairedAnything(report)) {
        logger?.warn(
          { ...report, renumbered: report.renumbered.length, renumberedIds: report.renumbered.slice(0, 20).map((r) => r.id) },
          `embedded search store: collection \`${report.collection}\` repaired at start: ${report.renumbered.length} documents shared a sequence number and were renumbered${report.counter ? `, counter raised from ${report.counter.saved} to ${report.counter.now}` : ''}${report.textIndexRebuilt ? ', text index rebuilt' : ''}; no document lost`,
        );
      }
      this.collections.set(c.schema.name, state);
    }
    // Only now, with any clash from older versions renumbered, can SQLite enforce the invariant.
    store.enforceUniqueSeqs();
    for (const a of store.loadAliases()) this.aliases.set(a.name, a.collection_name);
    logger?.info({ collections: this.collections.size, documents, path: store.path }, 'embedded search store: integrity check done');
  }

  async health(): Promise<boolean> {
    return !this.closed;
  }

  private resolve(name: string): CollectionState {
    const state = this.collections.get(name) ?? this.collections.get(this.aliases.get(name) ?? '');
    if (!state) throw notFound(`Collection \`${name}\` not found.`);
    return state;
  }

  async createCollection(schema: CollectionSchema): Promise<CollectionInfo> {
    const s = normalizeSchema(schema);
    if (this.collections.has(s.name)) throw conflict(`A collection with name \`${s.name}\` already exists.`);
    const createdAt = Math.floor(Date.now() / 1000);
    this.store.createCollection(s, createdAt);
    const state = new CollectionState(s, createdAt, 0);
    this.collections.set(s.name, state);
    return state.info();
  }

  async getCollection(name: string): Promise<CollectionInfo> {
    return this.resolve(name).info();
  }

  async listCollections(): Promise<CollectionInfo[]> {
    // Typesense lists the newest collection first.
    return [...this.collections.values()].reverse().map((c) => c.info());
  }

  async updateCollection(name: string, update: CollectionUpdate): Promise<CollectionUpdate> {
    const state = this.resolve(name);
    const change = applySchemaUpdate(state.schema, update, (field) => {
      for (const e of state.bySeq.values()) {
        const v = e.doc[field.name];
        if (v === undefined || v === null) {
          if (!field.optional) {
            throw invalid(
              `Field \`${field.name}\` has been declared in the schema, but is not found in the documents already present in the collection. If you still want to add this field, set it as \`optional: true\`.`,
            );
          }
          continue;
        }
        if (field.index) checkFieldValue(field, v);
      }
    });
    const next = { ...state.schema, fields: change.fields };
    this.store.updateSchema(next);
    state.setSchema(next);
    return {
      fields: [
        ...change.dropped.map((n) => ({ name: n, drop: true }) as CollectionUpdate['fields'][number]),
        ...change.added,
      ],
    };
  }

  async deleteCollection(name: string): Promise<CollectionInfo> {
    const state = this.resolve(name);
    const info = state.info();
    this.store.deleteCollection(state.schema.name);
    this.collections.delete(state.schema.name);
    return info;
  }

  /**
   * Plans and applies a batch of writes: valid ones in one SQLite transaction, then in memory. The
   * counter stored with them already counts every number the batch allocated (see withSeq).
   */
  private applyWrites(state: CollectionState, planned: PlannedWrite[]): void {
    if (planned.length === 0) return;
    const name = state.schema.name;
    const writes: DocWrite[] = planned.map((w) => ({ kind: 'put', collection: name, id: w.id, seq: w.seq, doc: w.doc }));
    this.store.writeBatch(name, writes, state.nextSeq);
    for (const w of planned) state.put(w.id, w.seq, w.doc);
  }

  /**
   * Runs `fn` with a sequence allocator that advances the collection's counter as it hands numbers
   * out, so the transaction inside `fn` stores the advanced counter with the documents; if `fn`
   * throws (nothing stored), the counter goes back.
   */
  private withSeq<T>(state: CollectionState, fn: (alloc: () => number) => T): T {
    const start = state.nextSeq;
    try {
      return fn(() => state.nextSeq++);
    } catch (err) {
      state.nextSeq = start;
      throw err;
    }
  }

  async writeDocument(collection: string, doc: Document, action: WriteAction): Promise<Document> {
    assertDocumentWithinLimits(doc);
    const state = this.resolve(collection);
    const act = checkAction(action);
    return this.withSeq(state, (alloc) => {
      const w = planWrite(state, doc, act, new Map(), alloc);
      this.applyWrites(state, [w]);
      return w.response;
    });
  }

  async getDocument(collection: string, id: string): Promise<Document> {
    const e = this.resolve(collection).byId.get(id);
    if (!e) throw notFound(`Could not find a document with id: ${id}`);
    return e.doc;
  }

  async deleteDocument(collection: string, id: string): Promise<Document> {
    const state = this.resolve(collection);
    const e = state.byId.get(id);
    if (!e) throw notFound(`Could not find a document with id: ${id}`);
    this.store.writeBatch(state.schema.name, [{ kind: 'delete', collection: state.schema.name, id }], state.nextSeq);
    state.remove(id);
    return e.doc;
  }

  async deleteByFilter(collection: string, filterBy: string): Promise<{ num_deleted: number }> {
    const state = this.resolve(collection);
    if (typeof filterBy !== 'string' || filterBy.trim() === '') {
      throw invalid('Parameter `filter_by` must be provided.');
    }
    const pred = compileFilterBy(filterBy, state.info(), state);
    const ids = [...state.byId.entries()].filter(([, e]) => pred(e.doc)).map(([id]) => id);
    const name = state.schema.name;
    this.store.writeBatch(name, ids.map((id) => ({ kind: 'delete', collection: name, id })), state.nextSeq);
    for (const id of ids) state.remove(id);
    return { num_deleted: ids.length };
  }

  async importDocuments(collection: string, jsonl: string, options: ImportOptions): Promise<string> {
    const state = this.resolve(collection);
    const action = checkAction(options?.action);
    for (const k of Object.keys(options ?? {})) {
      if (!['action', 'batch_size', 'return_id', 'return_doc', 'dirty_values'].includes(k)) {
        throw invalid(`Parameter '${k}' is not supported by the embedded search backend`);
      }
    }
    if (options?.dirty_values !== undefined && options.dirty_values !== 'reject') {
      throw invalid(`Parameter 'dirty_values=${options.dirty_values}' is not supported by the embedded search backend`);
    }
    return importJsonl(jsonl, options ?? {}, (docs) =>
      this.withSeq(state, (alloc) => {
        const pending = new Map<string, PlannedWrite>();
        const results = docs.map((d) => {
          try {
            const w = planWrite(state, d, action, pending, alloc);
            pending.set(w.id, w);
            return { ok: true as const, id: w.id, doc: w.response };
          } catch (err) {
            if (!(err instanceof AppError)) throw err;
            return { ok: false as const, code: httpCodeOf(err), error: messageOf(err) };
          }
        });
        // One transaction for the batch; a later line for the same id wins, as it would in order.
        this.applyWrites(state, [...pending.values()]);
        return results;
      }),
    );
  }

  async exportDocuments(collection: string, options: ExportOptions): Promise<string> {
    const state = this.resolve(collection);
    const pred = options?.filter_by ? compileFilterBy(options.filter_by, state.info(), state) : undefined;
    const include = options?.include_fields ? new Set(options.include_fields.split(',').map((s) => s.trim())) : undefined;
    const exclude = options?.exclude_fields ? new Set(options.exclude_fields.split(',').map((s) => s.trim())) : undefined;
    const lines: string[] = [];
    for (const e of state.bySeq.values()) {
      if (pred && !pred(e.doc)) continue;
      let doc = e.doc;
      if (include || exclude) {
        doc = Object.fromEntries(Object.entries(doc).filter(([k]) => (!include || include.has(k)) && !exclude?.has(k)));
      }
      // Typesense's key order even for documents stored before the engine sorted them on write.
      lines.push(JSON.stringify(sortedKeys(doc)));
    }
    return lines.join('\n');
  }

  async search(collection: string, params: SearchParams): Promise<SearchResult> {
    const state = this.resolve(collection);
    return searchCooperatively(state, params);
  }

  async multiSearch(
    searches: Array<SearchParams & { collection?: string }>,
    common: SearchParams & { collection?: string },
  ): Promise<{ results: Array<SearchResult | { code: number; error: string }> }> {
    const results = [];
    for (const s of searches) {
      const merged: SearchParams & { collection?: string } = { ...common, ...s };
      const { collection, ...params } = merged;
      try {
        if (!collection) throw invalid('Parameter `collection` is required.');
        results.push(await this.search(String(collection), params as SearchParams));
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        results.push({ code: httpCodeOf(err), error: messageOf(err) });
      }
    }
    return { results };
  }

  async upsertAlias(name: string, collectionName: string): Promise<Alias> {
    if (typeof name !== 'string' || name === '') throw invalid('Alias name must be a non-empty string.');
    if (typeof collectionName !== 'string' || collectionName === '') {
      throw invalid('Parameter `collection_name` is required.');
    }
    // Like Typesense, an alias may point at a collection that doesn't exist (yet).
    this.store.upsertAlias(name, collectionName);
    this.aliases.set(name, collectionName);
    return { name, collection_name: collectionName };
  }

  async getAlias(name: string): Promise<Alias> {
    const target = this.aliases.get(name);
    if (target === undefined) throw notFound(`Alias \`${name}\` not found.`);
    return { name, collection_name: target };
  }

  async listAliases(): Promise<Alias[]> {
    return [...this.aliases.entries()].map(([name, collection_name]) => ({ name, collection_name }));
  }

  async deleteAlias(name: string): Promise<Alias> {
    const alias = await this.getAlias(name);
    this.store.deleteAlias(name);
    this.aliases.delete(name);
    return alias;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.store.close();
  }
}
