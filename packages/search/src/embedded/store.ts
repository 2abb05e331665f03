/**
 * Durable storage of the embedded backend in one SQLite file, `<dataDir>/search.db`: collection
 * schemas, documents (as JSON, with Typesense's per-collection sequence number) and aliases. SQLite
 * is the source of truth; the in-memory index is rebuilt from it at start.
 */
import Database from 'better-sqlite3';
import { accessSync, constants, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Document } from '../backend.ts';
import type { NormalizedSchema } from './schema.ts';
import { openFailure, storeFault } from './store-faults.ts';

/** One stored collection. */
export interface StoredCollection {
  schema: NormalizedSchema;
  createdAt: number;
  nextSeq: number;
}

/** One stored document row. */
export interface StoredDocument {
  id: string;
  seq: number;
  doc: Document;
}

/** A write of one document inside a batch. */
export type DocWrite = { kind: 'put'; collection: string; id: string; seq: number; doc: Document } | { kind: 'delete'; collection: string; id: string };

const MIGRATION = `
CREATE TABLE IF NOT EXISTS collections (
  name TEXT PRIMARY KEY,
  schema_json TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  next_seq INTEGER NOT NULL DEFAULT 0,
  -- creation order, for listing newest first like Typesense
  ordinal INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS documents (
  collection TEXT NOT NULL,
  id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  doc_json TEXT NOT NULL,
  PRIMARY KEY (collection, id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS aliases (
  name TEXT PRIMARY KEY,
  collection_name TEXT NOT NULL
);
`;

/** The SQLite side of the embedded backend. All statements are prepared once. */
export class SearchStore {
  readonly db: Database.Database;
  /** The database file, `<dataDir>/search.db`. */
  readonly path: string;
  private readonly stmts;

  constructor(dataDir: string) {
    this.path = join(dataDir, 'search.db');
    let db: Database.Database | undefined;
    try {
      mkdirSync(dataDir, { recursive: true });
      // SQLite would open a file it may not write read-only without a word, and fail at the first write.
      for (const f of [this.path, `${this.path}-wal`]) if (existsSync(f)) accessSync(f, constants.W_OK);
      db = new Database(this.path);
      // WAL lets readers (export, backups) run beside the writer; NORMAL is durable across process
      // crashes in WAL mode and only risks the last commits on power loss, which the outbox replays.
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.exec(MIGRATION);
    } catch (err) {
      if (db?.open) db.close();
      throw openFailure(err, this.path);
    }
    this.db = db;
    this.stmts = {
      listCollections: this.db.prepare('SELECT name, schema_json, created_at, next_seq FROM collections ORDER BY ordinal'),
      insertCollection: this.db.prepare(
        'INSERT INTO collections (name, schema_json, created_at, next_seq, ordinal) VALUES (?, ?, ?, 0, (SELECT COALESCE(MAX(ordinal), 0) + 1 FROM collections))',
      ),
      updateSchema: this.db.prepare('UPDATE collections SET schema_json = ? WHERE name = ?'),
      updateSeq: this.db.prepare('UPDATE collections SET next_seq = ? WHERE name = ?'),
      deleteCollection: this.db.prepare('DELETE FROM collections WHERE name = ?'),
      deleteCollectionDocs: this.db.prepare('DELETE FROM documents WHERE collection = ?'),
      listDocs: this.db.prepare('SELECT id, seq, doc_json FROM documents WHERE collection = ? ORDER BY seq'),
      // Not INSERT OR REPLACE: with the unique (collection, seq) index that would silently delete
      // another document holding the same number; a clash must fail loudly instead.
      putDoc: this.db.prepare(
        'INSERT INTO documents (collection, id, seq, doc_json) VALUES (?, ?, ?, ?) ON CONFLICT (collection, id) DO UPDATE SET seq = excluded.seq, doc_json = excluded.doc_json',
      ),
      setDocSeq: this.db.prepare('UPDATE documents SET seq = ? WHERE collection = ? AND id = ?'),
      deleteDoc: this.db.prepare('DELETE FROM documents WHERE collection = ? AND id = ?'),
      listAliases: this.db.prepare('SELECT name, collection_name FROM aliases ORDER BY name'),
      upsertAlias: this.db.prepare('INSERT OR REPLACE INTO aliases (name, collection_name) VALUES (?, ?)'),
      deleteAlias: this.db.prepare('DELETE FROM aliases WHERE name = ?'),
    };
  }

  /** All collections in creation order. */
  loadCollections(): Array<StoredCollection> {
    const rows = this.stmts.listCollections.all() as Array<{ name: string; schema_json: string; created_at: number; next_seq: number }>;
    return rows.map((r) => ({ schema: JSON.parse(r.schema_json) as NormalizedSchema, createdAt: r.created_at, nextSeq: r.next_seq }));
  }

  /** The documents of a collection in sequence order, streamed. */
  *loadDocuments(collection: string): Generator<StoredDocument> {
    for (const r of this.stmts.listDocs.iterate(collection) as Iterable<{ id: string; seq: number; doc_json: string }>) {
      yield { id: r.id, seq: r.seq, doc: JSON.parse(r.doc_json) as Document };
    }
  }

  /** Stores a new collection. */
  createCollection(schema: NormalizedSchema, createdAt: number): void {
    this.write(() => this.stmts.insertCollection.run(schema.name, JSON.stringify(schema), createdAt));
  }

  /** Replaces a collection's schema (after a PATCH). Documents keep dropped fields' values, as in Typesense. */
  updateSchema(schema: NormalizedSchema): void {
    this.write(() => this.stmts.updateSchema.run(JSON.stringify(schema), schema.name));
  }

  /** Removes a collection and its documents in one transaction. */
  deleteCollection(name: string): void {
    this.write(() =>
      this.db.transaction(() => {
        this.stmts.deleteCollectionDocs.run(name);
        this.stmts.deleteCollection.run(name);
      })(),
    );
  }

  /**
   * Writes what the start-up check repaired (see integrity.ts), in one transaction: new numbers for
   * documents that shared one, and the collection's counter.
   */
  saveRepair(collection: string, renumbered: Array<{ id: string; seq: number }>, nextSeq: number): void {
    this.write(() =>
      this.db.transaction(() => {
        for (const r of renumbered) this.stmts.setDocSeq.run(r.seq, collection, r.id);
        this.stmts.updateSeq.run(nextSeq, collection);
      })(),
    );
  }

  /**
   * From now on a sequence number belongs to one document of a collection, enforced by SQLite. Run
   * after the start-up check has renumbered the clashes older versions could leave behind.
   */
  enforceUniqueSeqs(): void {
    this.write(() =>
      this.db.exec(`
        CREATE UNIQUE INDEX IF NOT EXISTS documents_seq_unique ON documents (collection, seq);
        DROP INDEX IF EXISTS documents_by_seq;
      `),
    );
  }

  /**
   * Applies a batch of document writes and the collection's sequence counter in one transaction.
   * `nextSeq` must already count every number the batch uses, so a restart never hands one out again.
   */
  writeBatch(collection: string, writes: DocWrite[], nextSeq: number): void {
    this.write(() =>
      this.db.transaction(() => {
        for (const w of writes) {
          if (w.kind === 'put') this.stmts.putDoc.run(w.collection, w.id, w.seq, JSON.stringify(w.doc));
          else this.stmts.deleteDoc.run(w.collection, w.id);
        }
        this.stmts.updateSeq.run(nextSeq, collection);
      })(),
    );
  }

  /** All aliases. */
  loadAliases(): Array<{ name: string; collection_name: string }> {
    return this.stmts.listAliases.all() as Array<{ name: string; collection_name: string }>;
  }

  /** Creates or retargets an alias. */
  upsertAlias(name: string, collectionName: string): void {
    this.write(() => this.stmts.upsertAlias.run(name, collectionName));
  }

  /** Removes an alias. */
  deleteAlias(name: string): void {
    this.write(() => this.stmts.deleteAlias.run(name));
  }

  /**
   * Runs one write (one transaction, which SQLite rolls back whole when it fails), turning a full,
   * read-only or failing disk into the retryable 503 (store-faults.ts).
   */
  private write(fn: () => unknown): void {
    try {
      fn();
    } catch (err) {
      throw storeFault(err, this.path) ?? err;
    }
  }

  /** Closes the database file. */
  close(): void {
    if (this.db.open) this.db.close();
  }
}
