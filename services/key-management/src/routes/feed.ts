/** The change feed verifiers follow (long poll), and the usage reports they send back. */
import { ErrorEnvelopeSchema, requireRole, type App } from '@fountain/kit';
import { Type } from 'typebox';
import type { KmsDeps } from '../deps.ts';
import { FeedPage, isSearchOnly, KeyId, type FeedKeyT } from './schemas.ts';

const errors = { 400: ErrorEnvelopeSchema, 401: ErrorEnvelopeSchema, 403: ErrorEnvelopeSchema };
const security = [{ bearer: [] }];
/** The longest a reader may be held. Below common proxy idle timeouts (60 s). */
export const MAX_WAIT_MS = 30_000;

/** Registers `GET /changes` and `POST /usage` (role `gateway` or `admin`). */
export async function feedRoutes(app: App, { deps }: { deps: KmsDeps }) {
  const { keys, store, waiters } = deps;

  app.get(
    '/changes',
    {
      schema: {
        summary: 'Key changes after `since` (long poll); verifiers (role gateway) and admins',
        description:
          'Answers the current record of every key changed after `since`, and the `seq` to pass next. With `since=0` the whole set ' +
          '(`reset: true`). When nothing changed yet, waits up to `wait_ms` for the next change, so a revocation reaches a ' +
          'long-polling verifier in milliseconds. Records carry SHA-256 digests, never secrets (except search-only keys, see FeedKey).',
        security,
        querystring: Type.Object({
          since: Type.Integer({ minimum: 0, default: 0 }),
          wait_ms: Type.Integer({ minimum: 0, maximum: MAX_WAIT_MS, default: 0 }),
        }),
        response: { 200: FeedPage, ...errors },
      },
    },
    async (request) => {
      requireRole(request, 'gateway', 'admin');
      const { since, wait_ms } = request.query;
      // A reader ahead of us (a KMS restored from an older backup) gets the whole set again.
      const from = since > store.lastSeq() ? 0 : since;
      if (from === since) await waiters.waitPast(since, wait_ms);
      const page = store.changesSince(from);
      const out: FeedKeyT[] = page.keys.map((k) => ({
        id: k.id,
        service: k.service,
        name: k.name,
        collections: k.collections,
        actions: k.actions,
        digest: k.digest,
        prefix: k.prefix,
        created_at_ms: k.createdAt,
        expires_at_ms: k.expiresAt,
        revoked_at_ms: k.revokedAt,
        ...(isSearchOnly(k.actions) && k.revokedAt === null ? { search_secret: keys.secretOf(k) } : {}),
      }));
      return { seq: page.seq, reset: from === 0, keys: out };
    },
  );

  app.post(
    '/usage',
    {
      schema: {
        summary: 'Verifiers report which keys were used (raises last_used_at)',
        security,
        body: Type.Object({ key_ids: Type.Array(KeyId, { maxItems: 10_000 }) }, { additionalProperties: false }),
        response: { 200: Type.Object({ updated: Type.Integer() }), ...errors },
      },
    },
    async (request) => {
      requireRole(request, 'gateway', 'admin');
      return { updated: keys.recordUsage(request.body.key_ids) };
    },
  );
}
