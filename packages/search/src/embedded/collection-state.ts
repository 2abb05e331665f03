/**
 * The in-memory state of one collection: its schema, its documents by id and by sequence number, and
 * its text index (`text-index.ts`). Rebuilt from SQLite at start; every write updates SQLite first.
 */
import type { CollectionInfo, Document } from '../backend.ts';
import type { Column } from './columns.ts';
import { Column as ColumnImpl, columnKind } from './columns.ts';
import type { NormalizedSchema } from './schema.ts';
import { isTextType } from './schema.ts';
import type { Entry } from './postings.ts';
import { TextIndex } from './text-index.ts';

/** The names of the fields the text index holds: indexed string and string[] fields. */
export function textFields(schema: NormalizedSchema): string[] {
  return schema.fields.filter((f) => f.index && isTextType(f.type)).map((f) => f.name);
}

/** One collection held in memory. */
export class CollectionState {
  readonly byId = new Map<string, Entry>();
  /** Sequence number -> entry; iteration order is insertion order, which Typesense's ties follow. */
  readonly bySeq = new Map<number, Entry>();
  /** Seq -> entry, as an array (holes for removed documents). */
  readonly entries: Array<Entry | undefined> = [];
  /** Columnar values of scalar fields (see columns.ts), by field name. */
  columns = new Map<string, Column>();
  /** Compiled filters by `filter_by` text (a small LRU; see search.ts). Cleared on schema change. */
  readonly filterCache = new Map<string, unknown>();
  text: TextIndex;
  /** Bumped by every change to the documents or the schema: a search paused across a change starts over. */
  version = 0;

  constructor(
    public schema: NormalizedSchema,
    readonly createdAt: number,
    public nextSeq: number,
  ) {
    this.text = new TextIndex(textFields(schema));
    this.columns = this.buildColumns();
  }

  private buildColumns(): Map<string, Column> {
    const cols = new Map<string, Column>();
    for (const f of this.schema.fields) {
      const kind = columnKind(f);
      if (kind) cols.set(f.name, new ColumnImpl(f.name, kind));
    }
    for (const e of this.bySeq.values()) for (const c of cols.values()) c.set(e.seq, e.doc);
    return cols;
  }

  /** The collection as `GET /collections/:name` shows it. */
  info(): CollectionInfo {
    return {
      created_at: this.createdAt,
      default_sorting_field: this.schema.default_sorting_field,
      enable_nested_fields: this.schema.enable_nested_fields,
      fields: this.schema.fields.map((f) => ({ ...f })),
      name: this.schema.name,
      num_documents: this.byId.size,
      symbols_to_index: [...this.schema.symbols_to_index],
      token_separators: [...this.schema.token_separators],
    };
  }

  /** Inserts or replaces a document in memory (the caller has stored it). */
  put(id: string, seq: number, doc: Document): void {
    this.version++;
    const old = this.byId.get(id);
    if (old) this.text.remove(old.seq);
    const e: Entry = { seq, doc };
    this.byId.set(id, e);
    this.bySeq.set(seq, e);
    while (this.entries.length <= seq) this.entries.push(undefined);
    this.entries[seq] = e;
    for (const c of this.columns.values()) c.set(seq, doc);
    this.text.add(e);
  }

  /** Removes a document from memory. */
  remove(id: string): void {
    const old = this.byId.get(id);
    if (!old) return;
    this.version++;
    this.text.remove(old.seq);
    this.byId.delete(id);
    this.bySeq.delete(old.seq);
    this.entries[old.seq] = undefined;
    for (const c of this.columns.values()) c.clear(old.seq);
  }

  /** Applies a new schema, rebuilding the text index when the set of text fields changed. */
  setSchema(schema: NormalizedSchema): void {
    this.version++;
    const before = textFields(this.schema).join('\u0000');
    this.schema = schema;
    const after = textFields(schema);
    if (after.join('\u0000') !== before) this.text = TextIndex.rebuild(after, this.bySeq.values());
    this.columns = this.buildColumns();
    this.filterCache.clear();
  }
}
