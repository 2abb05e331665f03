/**
 * All of the KMS's SQL: key records, the audit log and the change feed. The only module that touches
 * better-sqlite3. Every mutation of a key appends to `key_changes` in the same transaction, so the
 * feed never misses a change and never shows one that was rolled back.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { migrate } from '@fountain/kit';

/** A key record as stored (the sealed secret stays in here). */
export interface KeyRow {
  id: string;
  service: string;
  name: string;
  collections: string[];
  actions: string[];
  description: string | null;
  prefix: string;
  digest: string;
  sealed: Buffer;
  createdAt: number;
  expiresAt: number | null;
  revokedAt: number | null;
  lastUsedAt: number | null;
  rotatedFrom: string | null;
  replacedBy: string | null;
}

/** One audit entry. */
export interface AuditEntry {
  id: number;
  at: number;
  actor: string;
  roles: string[];
  action: string;
  keyId: string | null;
  service: string | null;
  outcome: string;
  sourceIp: string | null;
  userAgent: string | null;
  requestId: string | null;
  details: unknown;
}

/** What {@link KmsStore.listKeys} filters on. */
export interface KeyFilter {
  service?: string;
  id?: string;
}

/** The typed face of the KMS database. */
export interface KmsStore {
  /** Runs `fn` in one IMMEDIATE transaction. */
  transaction<T>(fn: () => T): T;
  insertKey(row: KeyRow): void;
  getKey(id: string): KeyRow | undefined;
  /** The newest generation of a lineage that is not superseded (it may be revoked or expired). */
  latestOf(service: string, name: string): KeyRow | undefined;
  listKeys(filter: KeyFilter): KeyRow[];
  supersede(id: string, replacedBy: string, expiresAt: number): void;
  revoke(id: string, at: number): void;
  updateScope(id: string, scope: { collections: string[]; actions: string[]; description: string | null }): void;
  /** Raises last_used_at (never lowers it); answers how many records changed. */
  touchUsed(ids: readonly string[], at: number): number;
  appendAudit(entry: Omit<AuditEntry, 'id'>): void;
  listAudit(filter: { keyId?: string; service?: string; beforeId?: number; limit: number }): AuditEntry[];
  /** Appends one change-feed row for a key. */
  recordChange(keyId: string, at: number): void;
  /** The highest change seq (0 when none). */
  lastSeq(): number;
  /** The current records of the keys changed after `since`, and the seq they bring the reader to. */
  changesSince(since: number): { seq: number; keys: KeyRow[] };
  ping(): boolean;
  close(): void;
}

const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'migrations');

interface RawKey {
  id: string;
  service: string;
  name: string;
  collections: string;
  actions: string;
  description: string | null;
  prefix: string;
  digest: string;
  sealed: Buffer;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
  last_used_at: number | null;
  rotated_from: string | null;
  replaced_by: string | null;
}

const toKey = (r: RawKey): KeyRow => ({
  id: r.id,
  service: r.service,
  name: r.name,
  collections: JSON.parse(r.collections) as string[],
  actions: JSON.parse(r.actions) as string[],
  description: r.description,
  prefix: r.prefix,
  digest: r.digest,
  sealed: r.sealed,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  revokedAt: r.revoked_at,
  lastUsedAt: r.last_used_at,
  rotatedFrom: r.rotated_from,
  replacedBy: r.replaced_by,
});

/** Opens (and migrates) the KMS database: WAL, a busy timeout, foreign keys, fsync on every commit. */
export function openStore(path: string): KmsStore {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 5000');
  // Key operations are rare and must not be lost on a power cut (a lost revocation is a security bug).
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  migrate(db, MIGRATIONS_DIR);

  const insertKey = db.prepare(
    `INSERT INTO keys (id, service, name, collections, actions, description, prefix, digest, sealed, created_at, expires_at,
       revoked_at, last_used_at, rotated_from, replaced_by)
     VALUES (@id, @service, @name, @collections, @actions, @description, @prefix, @digest, @sealed, @createdAt, @expiresAt,
       @revokedAt, @lastUsedAt, @rotatedFrom, @replacedBy)`,
  );
  const getKey = db.prepare('SELECT * FROM keys WHERE id = ?');
  const latestOf = db.prepare(
    'SELECT * FROM keys WHERE service = ? AND name = ? AND replaced_by IS NULL ORDER BY created_at DESC, rowid DESC LIMIT 1',
  );
  const listKeys = db.prepare(
    `SELECT * FROM keys WHERE (@service IS NULL OR service = @service) AND (@id IS NULL OR id = @id)
     ORDER BY service, name, created_at, rowid`,
  );
  const supersede = db.prepare(
    'UPDATE keys SET replaced_by = ?, expires_at = CASE WHEN expires_at IS NULL OR expires_at > ? THEN ? ELSE expires_at END WHERE id = ?',
  );
  const revoke = db.prepare('UPDATE keys SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?');
  const updateScope = db.prepare('UPDATE keys SET collections = ?, actions = ?, description = ? WHERE id = ?');
  const touch = db.prepare('UPDATE keys SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)');
  const appendAudit = db.prepare(
    `INSERT INTO audit_log (at, actor, roles, action, key_id, service, outcome, source_ip, user_agent, request_id, details)
     VALUES (@at, @actor, @roles, @action, @keyId, @service, @outcome, @sourceIp, @userAgent, @requestId, @details)`,
  );
  const listAudit = db.prepare(
    `SELECT * FROM audit_log WHERE (@keyId IS NULL OR key_id = @keyId) AND (@service IS NULL OR service = @service)
       AND (@beforeId IS NULL OR id < @beforeId) ORDER BY id DESC LIMIT @limit`,
  );
  const recordChange = db.prepare('INSERT INTO key_changes (key_id, at) VALUES (?, ?)');
  const lastSeq = db.prepare('SELECT COALESCE(MAX(seq), 0) FROM key_changes').pluck();
  const changedSince = db.prepare(
    'SELECT k.* FROM keys k WHERE k.id IN (SELECT key_id FROM key_changes WHERE seq > ?) ORDER BY k.created_at, k.rowid',
  );
  const ping = db.prepare('SELECT 1').pluck();

  return {
    transaction: (fn) => db.transaction(fn).immediate(),
    insertKey: (row) => insertKey.run({ ...row, collections: JSON.stringify(row.collections), actions: JSON.stringify(row.actions) }),
    getKey: (id) => {
      const r = getKey.get(id) as RawKey | undefined;
      return r && toKey(r);
    },
    latestOf: (service, name) => {
      const r = latestOf.get(service, name) as RawKey | undefined;
      return r && toKey(r);
    },
    listKeys: (filter) => (listKeys.all({ service: filter.service ?? null, id: filter.id ?? null }) as RawKey[]).map(toKey),
    supersede: (id, replacedBy, expiresAt) => supersede.run(replacedBy, expiresAt, expiresAt, id),
    revoke: (id, at) => revoke.run(at, id),
    updateScope: (id, s) => updateScope.run(JSON.stringify(s.collections), JSON.stringify(s.actions), s.description, id),
    touchUsed: (ids, at) => db.transaction(() => ids.reduce((n, id) => n + touch.run(at, id, at).changes, 0)).immediate(),
    appendAudit: (e) => appendAudit.run({ ...e, roles: JSON.stringify(e.roles), details: e.details === undefined || e.details === null ? null : JSON.stringify(e.details) }),
    listAudit: (f) =>
      (listAudit.all({ keyId: f.keyId ?? null, service: f.service ?? null, beforeId: f.beforeId ?? null, limit: f.limit }) as Record<string, unknown>[]).map(
        (r) => ({
          id: r.id as number,
          at: r.at as number,
          actor: r.actor as string,
          roles: JSON.parse(r.roles as string) as string[],
          action: r.action as string,
          keyId: r.key_id as string | null,
          service: r.service as string | null,
          outcome: r.outcome as string,
          sourceIp: r.source_ip as string | null,
          userAgent: r.user_agent as string | null,
          requestId: r.request_id as string | null,
          details: r.details === null ? null : (JSON.parse(r.details as string) as unknown),
        }),
      ),
    recordChange: (keyId, at) => recordChange.run(keyId, at),
    lastSeq: () => lastSeq.get() as number,
    changesSince: (since) =>
      db.transaction(() => ({ seq: lastSeq.get() as number, keys: (changedSince.all(since) as RawKey[]).map(toKey) }))(),
    ping: () => ping.get() === 1,
    close: () => db.close(),
  };
}
