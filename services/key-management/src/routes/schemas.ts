/** Request and response schemas of the KMS API (they make /docs). */
import { ACTIONS, WILDCARD_ACTIONS } from '@fountain/kit';
import { Type, type Static } from 'typebox';
import type { KeyRow } from '../db/store.ts';
import type { KeyState } from '../domain/keys.ts';

/** A service name, as in SERVICE_NAME (the `sub` of its token). */
export const ServiceName = Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$', description: "The owning service's SERVICE_NAME", examples: ['central_sequence_service'] });
/** A lineage name: several keys of one service (e.g. `default`, `search`). */
export const LineageName = Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$', default: 'default', description: 'Which of the service\'s keys (default: `default`)' });
export const KeyId = Type.String({ pattern: '^key_[A-Za-z0-9_-]{1,32}$', description: 'A key id (not the secret)' });

const Action = Type.Unsafe<string>({ type: 'string', enum: [...ACTIONS, ...WILDCARD_ACTIONS], description: 'A Typesense-style action' });
export const Collections = Type.Array(Type.String({ minLength: 1, maxLength: 128 }), {
  minItems: 1,
  maxItems: 64,
  description: 'Collection globs (`*` matches any run of characters)',
  examples: [['sequence_*']],
});
export const Actions = Type.Array(Action, { minItems: 1, maxItems: 32, examples: [['documents:*', 'collections:*', 'aliases:*']] });

const Time = Type.Union([Type.String({ format: 'date-time' }), Type.Null()]);

/** A key record as the API shows it: never the secret. */
export const KeyView = Type.Object(
  {
    id: KeyId,
    service: Type.String(),
    name: Type.String(),
    collections: Type.Array(Type.String()),
    actions: Type.Array(Type.String()),
    description: Type.Union([Type.String(), Type.Null()]),
    prefix: Type.String({ description: 'The first characters of the secret, to recognise it' }),
    state: Type.Union([Type.Literal('active'), Type.Literal('grace'), Type.Literal('expired'), Type.Literal('revoked')], {
      description: '`grace`: rotated out, still valid until expires_at',
    }),
    created_at: Type.String({ format: 'date-time' }),
    expires_at: Time,
    revoked_at: Time,
    last_used_at: Time,
    rotated_from: Type.Union([Type.String(), Type.Null()]),
    replaced_by: Type.Union([Type.String(), Type.Null()]),
  },
  { title: 'Key' },
);
export type KeyViewT = Static<typeof KeyView>;

/** A key and its secret: answered once by issue and rotate, and to its service by `GET /keys/{service}`. */
export const KeyWithSecret = Type.Object(
  { api_key: Type.String({ description: 'The secret. Shown here only; the KMS stores it encrypted.' }), key: KeyView },
  { title: 'KeyWithSecret' },
);

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** The API view of a key record. */
export function keyView(k: KeyRow, state: KeyState): KeyViewT {
  return {
    id: k.id,
    service: k.service,
    name: k.name,
    collections: k.collections,
    actions: k.actions,
    description: k.description,
    prefix: k.prefix,
    state,
    created_at: new Date(k.createdAt).toISOString(),
    expires_at: iso(k.expiresAt),
    revoked_at: iso(k.revokedAt),
    last_used_at: iso(k.lastUsedAt),
    rotated_from: k.rotatedFrom,
    replaced_by: k.replacedBy,
  };
}

/** One key in the change feed: what a verifier needs to check a presented key (a digest, not the secret). */
export const FeedKey = Type.Object(
  {
    id: Type.String(),
    service: Type.String(),
    name: Type.String(),
    collections: Type.Array(Type.String()),
    actions: Type.Array(Type.String()),
    digest: Type.String({ description: 'SHA-256 (hex) of the secret' }),
    prefix: Type.String(),
    created_at_ms: Type.Integer(),
    expires_at_ms: Type.Union([Type.Integer(), Type.Null()]),
    revoked_at_ms: Type.Union([Type.Integer(), Type.Null()]),
    search_secret: Type.Optional(
      Type.String({ description: 'Only for search-only keys, which end users derive scoped search keys from (HMAC needs the secret)' }),
    ),
  },
  { title: 'FeedKey' },
);
export type FeedKeyT = Static<typeof FeedKey>;

export const FeedPage = Type.Object(
  {
    seq: Type.Integer({ description: 'Pass it as `since` next time' }),
    reset: Type.Boolean({ description: 'True when `keys` is the whole set (since=0): drop what you held' }),
    keys: Type.Array(FeedKey),
  },
  { title: 'FeedPage' },
);

/** Whether a key may only search (its secret then travels in the feed, for scoped search keys). */
export function isSearchOnly(actions: readonly string[]): boolean {
  return actions.length > 0 && actions.every((a) => a === 'documents:search');
}

export const AuditView = Type.Object(
  {
    id: Type.Integer(),
    at: Type.String({ format: 'date-time' }),
    actor: Type.String({ description: 'The token subject' }),
    roles: Type.Array(Type.String()),
    action: Type.String({ examples: ['key.rotate'] }),
    key_id: Type.Union([Type.String(), Type.Null()]),
    service: Type.Union([Type.String(), Type.Null()]),
    outcome: Type.String({ examples: ['ok', 'denied', 'not_found'] }),
    source_ip: Type.Union([Type.String(), Type.Null()]),
    user_agent: Type.Union([Type.String(), Type.Null()]),
    request_id: Type.Union([Type.String(), Type.Null()]),
    details: Type.Unknown(),
  },
  { title: 'AuditEntry' },
);
