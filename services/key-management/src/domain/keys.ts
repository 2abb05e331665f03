/**
 * Key operations: issue, rotate (with a grace period), revoke, update scope, read a service's current
 * secret, and the change feed. Each mutation, its audit entry and its change-feed row commit in one
 * transaction. Who may do what is decided here (admins anything; a service only reads or rotates its
 * own keys), so every route gets the same policy and every refusal is audited.
 */
import { randomBytes } from 'node:crypto';
import { AppError } from '@fountain/kit';
import type { AuditEntry, KeyRow, KmsStore } from '../db/store.ts';
import { displayPrefix, generateSecret, open, seal, secretDigest } from './secrets.ts';

/** Who asks, and from where (for the audit log). */
export interface Actor {
  subject: string;
  roles: string[];
  ip?: string | null;
  userAgent?: string | null;
  requestId?: string | null;
}

/** The life-cycle state of a key at a moment. */
export type KeyState = 'active' | 'grace' | 'expired' | 'revoked';

/** The state of a key at `now` (ms). */
export function stateOf(key: Pick<KeyRow, 'revokedAt' | 'expiresAt' | 'replacedBy'>, now: number): KeyState {
  if (key.revokedAt !== null) return 'revoked';
  if (key.expiresAt !== null && key.expiresAt <= now) return 'expired';
  return key.replacedBy === null ? 'active' : 'grace';
}

/** What the manager needs. */
export interface KeyManagerDeps {
  store: KmsStore;
  masterKey: Buffer;
  /** How long a rotated-out key stays valid, in ms. */
  graceMs: number;
  /** The clock (ms); tests move it. */
  now?: () => number;
  /** Called after every committed change (wakes long-polling feed readers). */
  onChange?: () => void;
  /** Called for every audit entry written (metrics). */
  onAudit?: (action: string, outcome: string) => void;
}

/** What a new key is given. */
export interface IssueInput {
  service: string;
  name?: string;
  collections: string[];
  actions: string[];
  description?: string | null;
  /** Lifetime in seconds; none: until rotated or revoked. */
  expiresInSec?: number | null;
}

/** A key with its secret, as handed out once at issue/rotate and to its service on request. */
export interface IssuedKey {
  key: KeyRow;
  secret: string;
}

/** The key manager; see {@link createKeyManager}. */
export type KeyManager = ReturnType<typeof createKeyManager>;

const isAdmin = (a: Actor) => a.roles.includes('admin');
const isServiceOf = (a: Actor, service: string) => a.roles.includes('service') && a.subject === service;

/**
 * Builds the key manager over a store.
 *
 * @example
 *   const keys = createKeyManager({ store, masterKey, graceMs: 600_000, onChange: () => feed.notify() });
 *   const { secret } = keys.readCurrent(actor, 'central_sequence_service');
 */
export function createKeyManager(deps: KeyManagerDeps) {
  const { store, masterKey } = deps;
  const now = deps.now ?? Date.now;

  const audit = (actor: Actor, action: string, key: Pick<KeyRow, 'id' | 'service'> | { id: null; service: string | null }, outcome: string, details?: unknown) => {
    deps.onAudit?.(action, outcome);
    store.appendAudit({
      at: now(),
      actor: actor.subject,
      roles: actor.roles,
      action,
      keyId: key.id,
      service: key.service,
      outcome,
      sourceIp: actor.ip ?? null,
      userAgent: actor.userAgent ?? null,
      requestId: actor.requestId ?? null,
      details: details ?? null,
    });
  };

  /** Audits a refusal (it must survive the throw, so it commits on its own) and throws it. */
  const deny = (actor: Actor, action: string, key: { id: string | null; service: string | null }, error: AppError): never => {
    store.transaction(() => audit(actor, action, key as { id: null; service: string | null }, 'denied', { reason: error.message }));
    throw error;
  };

  const mustGet = (actor: Actor, action: string, id: string): KeyRow => {
    const key = store.getKey(id);
    return key ?? deny(actor, action, { id, service: null }, new AppError('NOT_FOUND', `No key with id '${id}'`));
  };

  const requireAdminOrOwner = (actor: Actor, action: string, key: { id: string | null; service: string }, ownerMay: boolean) => {
    if (isAdmin(actor) || (ownerMay && isServiceOf(actor, key.service))) return;
    deny(
      actor,
      action,
      key,
      new AppError('FORBIDDEN', ownerMay ? `Only an admin or the service '${key.service}' itself may do this` : 'Only an admin may do this'),
    );
  };

  const newKey = (input: IssueInput, t: number, rotatedFrom: string | null): IssuedKey => {
    const id = `key_${randomBytes(9).toString('base64url')}`;
    const secret = generateSecret();
    const key: KeyRow = {
      id,
      service: input.service,
      name: input.name ?? 'default',
      collections: [...input.collections],
      actions: [...input.actions],
      description: input.description ?? null,
      prefix: displayPrefix(secret),
      digest: secretDigest(secret),
      sealed: seal(masterKey, id, secret),
      createdAt: t,
      expiresAt: input.expiresInSec ? t + input.expiresInSec * 1000 : null,
      revokedAt: null,
      lastUsedAt: null,
      rotatedFrom,
      replacedBy: null,
    };
    store.insertKey(key);
    store.recordChange(id, t);
    return { key, secret };
  };

  const changed = <T>(result: T): T => {
    deps.onChange?.();
    return result;
  };

  return {
    stateOf: (key: KeyRow) => stateOf(key, now()),

    /** Issues the first key of a lineage (409 when the lineage already has a usable key: rotate it). */
    issue(actor: Actor, input: IssueInput): IssuedKey {
      requireAdminOrOwner(actor, 'key.issue', { id: null, service: input.service }, false);
      const name = input.name ?? 'default';
      return changed(
        store.transaction(() => {
          const t = now();
          const current = store.latestOf(input.service, name);
          if (current && stateOf(current, t) === 'active') {
            throw new AppError('CONFLICT', `Service '${input.service}' already has an active '${name}' key (${current.id}); rotate it instead`, {
              details: { id: current.id },
            });
          }
          const issued = newKey(input, t, null);
          audit(actor, 'key.issue', issued.key, 'ok', { name, collections: input.collections, actions: input.actions });
          return issued;
        }),
      );
    },

    /**
     * Rotates a key: a new secret with the same scope; the old one stays valid for the grace period
     * (or less, if it expires sooner). Admins, or the owning service.
     */
    rotate(actor: Actor, id: string, graceSec?: number): IssuedKey {
      const old = mustGet(actor, 'key.rotate', id);
      requireAdminOrOwner(actor, 'key.rotate', old, true);
      return changed(
        store.transaction(() => {
          const t = now();
          const fresh = store.getKey(id) as KeyRow;
          const state = stateOf(fresh, t);
          if (state !== 'active') {
            throw new AppError('CONFLICT', `Key '${id}' is ${state}${fresh.replacedBy ? ` (replaced by ${fresh.replacedBy})` : ''}; only an active key can be rotated`);
          }
          const graceMs = graceSec === undefined ? deps.graceMs : graceSec * 1000;
          const lifetime = fresh.expiresAt === null ? null : Math.max(1, Math.round((fresh.expiresAt - fresh.createdAt) / 1000));
          const issued = newKey({ ...fresh, expiresInSec: lifetime }, t, id);
          store.supersede(id, issued.key.id, t + graceMs);
          store.recordChange(id, t);
          audit(actor, 'key.rotate', issued.key, 'ok', { rotated_from: id, grace_ms: graceMs });
          return issued;
        }),
      );
    },

    /** Revokes a key at once (idempotent). Admins, or the owning service. */
    revoke(actor: Actor, id: string): KeyRow {
      const key = mustGet(actor, 'key.revoke', id);
      requireAdminOrOwner(actor, 'key.revoke', key, true);
      return changed(
        store.transaction(() => {
          store.revoke(id, now());
          store.recordChange(id, now());
          audit(actor, 'key.revoke', key, 'ok', key.revokedAt === null ? null : { already_revoked: true });
          return store.getKey(id) as KeyRow;
        }),
      );
    },

    /** Changes a key's scope or description. Admins only (a service must not widen its own scope). */
    updateScope(actor: Actor, id: string, patch: { collections?: string[]; actions?: string[]; description?: string | null }): KeyRow {
      const key = mustGet(actor, 'key.update', id);
      requireAdminOrOwner(actor, 'key.update', key, false);
      return changed(
        store.transaction(() => {
          const next = {
            collections: patch.collections ?? key.collections,
            actions: patch.actions ?? key.actions,
            description: patch.description === undefined ? key.description : patch.description,
          };
          store.updateScope(id, next);
          store.recordChange(id, now());
          audit(actor, 'key.update', key, 'ok', { before: { collections: key.collections, actions: key.actions }, after: next });
          return store.getKey(id) as KeyRow;
        }),
      );
    },

    /** The current secret of a service's lineage (the seeds' `GET /keys/{service}`): admins, or the service itself. */
    readCurrent(actor: Actor, service: string, name = 'default'): IssuedKey {
      requireAdminOrOwner(actor, 'key.read', { id: null, service }, true);
      return store.transaction(() => {
        const key = store.latestOf(service, name);
        const state = key && stateOf(key, now());
        if (!key || state !== 'active') {
          audit(actor, 'key.read', { id: key?.id ?? null, service }, 'not_found');
          throw new AppError('NOT_FOUND', `Service '${service}' has no active '${name}' key${key ? ` (the latest is ${state})` : ''}`);
        }
        audit(actor, 'key.read', key, 'ok');
        return { key, secret: open(masterKey, key.id, key.sealed) };
      });
    },

    /** Key records (never secrets). Admins only. */
    list(actor: Actor, filter: { service?: string; id?: string }): KeyRow[] {
      requireAdminOrOwner(actor, 'key.list', { id: null, service: filter.service ?? '*' }, false);
      return store.listKeys(filter);
    },

    /** The audit log, newest first. Admins only. */
    auditLog(actor: Actor, filter: { keyId?: string; service?: string; beforeId?: number; limit: number }): AuditEntry[] {
      requireAdminOrOwner(actor, 'audit.read', { id: null, service: filter.service ?? '*' }, false);
      return store.listAudit(filter);
    },

    /** Raises last-used times reported by verifiers. */
    recordUsage(ids: readonly string[]): number {
      return ids.length === 0 ? 0 : store.touchUsed(ids, now());
    },

    /** The secret of a key, for the feed's search-only keys (scoped search keys need it). */
    secretOf: (key: KeyRow): string => open(masterKey, key.id, key.sealed),

    /** Rotates every active key older than `maxAgeMs` (automatic rotation); answers the new keys' ids. */
    rotateOlderThan(maxAgeMs: number): string[] {
      const t = now();
      const due = store.listKeys({}).filter((k) => stateOf(k, t) === 'active' && t - k.createdAt >= maxAgeMs);
      const system: Actor = { subject: 'system:auto-rotate', roles: ['admin'] };
      return due.map((k) => this.rotate(system, k.id).key.id);
    },
  };
}
