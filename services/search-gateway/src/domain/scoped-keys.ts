/**
 * Scoped search keys in Typesense's format (what the official clients' `generateScopedSearchKey`
 * makes): base64( base64(HMAC-SHA256(parentKey, paramsJson)) + parentKey[0..4] + paramsJson ). An end
 * user gets one from a service holding a search-only key, and the gateway enforces what it embeds:
 * `filter_by` is ANDed with the caller's (never widened), every other embedded parameter overrides the
 * caller's, `expires_at` (epoch seconds) ends it, `limit_multi_searches` bounds a multi_search.
 * Parents are the KMS's search-only keys (their secrets come with the change feed).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { AppError, type ApiKey } from '@fountain/kit';
import type { FastifyRequest } from 'fastify';

/** Where parents come from (the KMS key mirror). */
export interface ScopedKeyParents {
  searchParents(prefix: string): { key: ApiKey; secret: string }[];
}

/** The base64 length of a SHA-256 digest. */
const DIGEST_CHARS = 44;
const PREFIX_CHARS = 4;
/** Parameters a scoped key may not carry: they are the key's own business. */
const RESERVED = new Set(['collection', 'x-typesense-api-key']);

/**
 * The key a presented scoped search key stands for (its parent's scope, search only, with its
 * embedded parameters), or null when it is not one, does not verify, or has expired.
 *
 * @example
 *   createApp({ keyLookup: (k) => mirror.lookup(k) ?? scopedKeyLookup(mirror, k) });
 */
export function scopedKeyLookup(parents: ScopedKeyParents, presented: string, now: () => number = Date.now): ApiKey | null {
  if (presented.length < 64 || presented.length > 8192 || !/^[A-Za-z0-9+/]+={0,2}$/.test(presented)) return null;
  const raw = Buffer.from(presented, 'base64').toString('utf8');
  if (raw.length <= DIGEST_CHARS + PREFIX_CHARS) return null;
  const digest = Buffer.from(raw.slice(0, DIGEST_CHARS));
  const prefix = raw.slice(DIGEST_CHARS, DIGEST_CHARS + PREFIX_CHARS);
  const paramsJson = raw.slice(DIGEST_CHARS + PREFIX_CHARS);
  let parent: ApiKey | null = null;
  // Every candidate is checked (no early exit): the time taken does not say which one matched.
  for (const p of parents.searchParents(prefix)) {
    const expected = Buffer.from(createHmac('sha256', p.secret).update(paramsJson).digest('base64'));
    if (expected.length === digest.length && timingSafeEqual(expected, digest) && parent === null) parent = p.key;
  }
  if (parent === null) return null;
  let params: unknown;
  try {
    params = JSON.parse(paramsJson);
  } catch {
    return null;
  }
  if (typeof params !== 'object' || params === null || Array.isArray(params)) return null;
  const embedded = params as Record<string, unknown>;
  if (Object.keys(embedded).some((k) => RESERVED.has(k))) return null;
  const expiresAt = embedded.expires_at;
  if (expiresAt !== undefined && (typeof expiresAt !== 'number' || expiresAt * 1000 <= now())) return null;
  return {
    id: `${parent.id}:scoped`,
    value: '',
    collections: parent.collections,
    // A scoped key only ever searches, whatever its parent may do.
    actions: parent.actions.filter((a) => a === 'documents:search' || a === 'documents:*' || a === '*').length > 0 ? ['documents:search'] : [],
    description: `scoped search key of ${parent.id}`,
    embedded,
  };
}

type Params = Record<string, unknown> & { filter_by?: unknown };

/**
 * A search's parameters with the request key's embedded ones applied: `filter_by` ANDed (so it can
 * only narrow), the others overriding the caller's. Unchanged for an ordinary key.
 */
export function withEmbedded<P extends Params>(request: FastifyRequest, params: P): P {
  const embedded = request.apiKey?.embedded;
  if (!embedded) return params;
  const { filter_by: filter, expires_at: _e, limit_multi_searches: _l, ...rest } = embedded;
  const merged: Params = { ...params, ...Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, typeof v === 'string' ? v : String(v)])) };
  if (typeof filter === 'string' && filter.trim() !== '') {
    const own = typeof params.filter_by === 'string' && params.filter_by.trim() !== '' ? params.filter_by : undefined;
    merged.filter_by = own === undefined ? filter : `(${filter}) && (${own})`;
  }
  return merged as P;
}

/** Refuses a multi_search with more searches than the key's embedded `limit_multi_searches`. */
export function checkMultiSearchLimit(request: FastifyRequest, count: number): void {
  const limit = request.apiKey?.embedded?.limit_multi_searches;
  if (typeof limit === 'number' && count > limit) {
    throw new AppError('VALIDATION_ERROR', `This key allows at most ${limit} searches per multi_search (got ${count})`, {
      details: { field: 'searches', limit },
    });
  }
}
