/**
 * Sync over HTTP, for operators: the dead letters (list, replay, discard) and the relay's status.
 *
 * Authorization uses the kit's Typesense-style scopes, since a dead letter is a document of a
 * collection: reading needs `documents:get` and replaying needs `documents:import` on EVERY
 * collection the request touches (a request without a collection touches every collection that has
 * dead letters), and discarding needs `documents:delete` likewise. `/sync/status` shows only counts
 * and needs `collections:get`. Without the kit's auth plugin, everything is allowed (as `authorize`).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type Database from 'better-sqlite3';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { AppError, authorize, ErrorEnvelopeSchema } from '@fountain/kit';
import { discardDeadLetters, listDeadLetters, replayDeadLetters, selectDeadLetters, type DeadLetterSelector } from './dead-letters.ts';
import type { AuditReport } from './audit.ts';
import type { CheckpointStats } from './checkpoint.ts';
import type { RelayStats } from './relay/types.ts';

/** What the routes need from a running sync: a connection to the service database and the relay. */
export interface SyncAdminTarget {
  db: Database.Database;
  relay: { stats(): RelayStats; notify(): void };
  /** The background WAL checkpointer, when sync runs one. */
  checkpointer?: { stats(): CheckpointStats } | null;
  /** Audits every table (`POST /sync/audit`); without it the route is not mounted. */
  audit?(opts: { repair?: boolean }): Promise<AuditReport[]>;
  /** The synced tables, for the audit route's authorization. */
  tables?(): Array<{ decl: { collection: string } }>;
}

/** Options of {@link syncAdminRoutes}. */
export interface SyncAdminOptions {
  sync: SyncAdminTarget;
}

const DeadLetterSchema = Type.Object(
  {
    tbl: Type.String({ description: 'The synced table.' }),
    rowKey: Type.String({ description: 'The row key as stored: a JSON array of the id columns, e.g. `[42]`.' }),
    collection: Type.String(),
    docId: Type.String(),
    code: Type.Integer({ description: "The index's HTTP code for this document." }),
    message: Type.String({ description: "The index's reason." }),
    attempts: Type.Integer(),
    firstSeenMs: Type.Integer(),
    lastSeenMs: Type.Integer(),
    payload: Type.String({ description: 'The rejected document (JSON text).' }),
  },
  { title: 'DeadLetter' },
);

const SelectorBody = Type.Object(
  {
    collection: Type.Optional(Type.String({ minLength: 1, description: 'Every dead letter of this collection.' })),
    tbl: Type.Optional(Type.String({ minLength: 1, description: 'With rowKey: one dead letter.' })),
    rowKey: Type.Optional(Type.String({ minLength: 1, description: 'With tbl: the row key exactly as listed.' })),
    all: Type.Optional(Type.Literal(true, { description: 'Every dead letter.' })),
  },
  { additionalProperties: false, description: 'Exactly one of: `collection`, `tbl` + `rowKey`, `all: true`.' },
);

function selectorOf(body: { collection?: string; tbl?: string; rowKey?: string; all?: true }): DeadLetterSelector {
  const forms = [body.collection !== undefined, body.tbl !== undefined || body.rowKey !== undefined, body.all === true].filter(Boolean).length;
  if (forms !== 1) {
    throw new AppError('VALIDATION_ERROR', 'body: give exactly one of `collection`, `tbl` + `rowKey`, `all: true`', {
      details: [{ path: '/body', message: 'exactly one selector' }],
    });
  }
  if (body.all) return 'all';
  if (body.collection !== undefined) return { collection: body.collection };
  if (body.tbl === undefined || body.rowKey === undefined) {
    const missing = body.tbl === undefined ? 'tbl' : 'rowKey';
    throw new AppError('VALIDATION_ERROR', `body/${missing}: required with ${missing === 'tbl' ? 'rowKey' : 'tbl'}`, {
      details: [{ path: `/body/${missing}`, message: 'required' }],
    });
  }
  return { tbl: body.tbl, rowKey: body.rowKey };
}

/** Authorizes `action` on every collection of the selected dead letters (and the named one). */
function authorizeSelected(req: FastifyRequest, db: Database.Database, action: string, selector: DeadLetterSelector): void {
  const collections = new Set(selectDeadLetters(db, selector).map((d) => d.collection));
  if (typeof selector === 'object' && 'collection' in selector) collections.add(selector.collection);
  for (const c of collections) authorize(req, action, c);
  if (typeof selector === 'object' && 'rowKey' in selector && collections.size === 0) {
    throw new AppError('NOT_FOUND', `No dead letter for table '${selector.tbl}' and key ${selector.rowKey}`);
  }
}

/**
 * Fastify plugin with `GET /sync/dead-letters`, `POST /sync/dead-letters/replay`,
 * `POST /sync/dead-letters/discard`, `GET /sync/status` and `POST /sync/audit`. The dead letters are
 * the rows of the `sync_errors` table (see dead-letters.ts for why the two names).
 *
 * @example
 *   await app.register(syncAdminRoutes, { sync: { db, relay } });
 */
export const syncAdminRoutes: FastifyPluginAsyncTypebox<SyncAdminOptions> = async (app, { sync }) => {
  const tags = ['Sync'];
  const errors = { 400: ErrorEnvelopeSchema, 401: ErrorEnvelopeSchema, 403: ErrorEnvelopeSchema };

  app.get(
    '/sync/dead-letters',
    {
      schema: {
        summary: 'List documents the index rejected for good',
        description: 'Dead letters, newest first. Each is a row of the `sync_errors` table in the service database (the table keeps the seeds\' name; "dead letter" everywhere else).',
        tags,
        querystring: Type.Object({
          collection: Type.Optional(Type.String({ minLength: 1 })),
          limit: Type.Integer({ minimum: 1, maximum: 1000, default: 50 }),
          // Bounded, so a huge offset is a 400 naming it, not an SQLite "datatype mismatch" 500 (SQLite
          // can't bind 9223372036854775807 once JavaScript has rounded it up past INT64_MAX).
          offset: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, default: 0 }),
        }),
        response: { 200: Type.Object({ total: Type.Integer(), items: Type.Array(DeadLetterSchema) }), ...errors },
      },
    },
    async (req) => {
      const { collection, limit, offset } = req.query;
      authorizeSelected(req, sync.db, 'documents:get', collection === undefined ? 'all' : { collection });
      return listDeadLetters(sync.db, { collection, limit, offset });
    },
  );

  app.post(
    '/sync/dead-letters/replay',
    {
      schema: {
        summary: 'Send dead letters again (after fixing the rows or the schema)',
        description: 'Re-enqueues the keys; the relay sends the current rows. A dead letter is removed when the index accepts it, updated when it rejects it again.',
        tags,
        body: SelectorBody,
        response: { 200: Type.Object({ replayed: Type.Integer() }), 404: ErrorEnvelopeSchema, ...errors },
      },
    },
    async (req) => {
      const selector = selectorOf(req.body);
      authorizeSelected(req, sync.db, 'documents:import', selector);
      const replayed = replayDeadLetters(sync.db, selector);
      sync.relay.notify();
      return { replayed };
    },
  );

  app.post(
    '/sync/dead-letters/discard',
    {
      schema: {
        summary: 'Forget dead letters without sending them again',
        tags,
        body: SelectorBody,
        response: { 200: Type.Object({ discarded: Type.Integer() }), 404: ErrorEnvelopeSchema, ...errors },
      },
    },
    async (req) => {
      const selector = selectorOf(req.body);
      authorizeSelected(req, sync.db, 'documents:delete', selector);
      return { discarded: discardDeadLetters(sync.db, selector) };
    },
  );

  app.get(
    '/sync/status',
    {
      schema: {
        summary: 'Outbox depth and age, dead letters, relay state',
        tags,
        response: {
          200: Type.Object({
            outbox: Type.Object({ depth: Type.Integer(), oldestAgeSeconds: Type.Number() }),
            deadLetters: Type.Integer(),
            relay: Type.Record(Type.String(), Type.Unknown()),
            checkpoint: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
          }),
          ...errors,
        },
      },
    },
    async (req) => {
      authorize(req, 'collections:get');
      const o = sync.db.prepare('SELECT count(*) AS depth, min(created_ms) AS oldest FROM _sync_outbox').get() as { depth: number; oldest: number | null };
      const deadLetters = sync.db.prepare('SELECT count(*) FROM sync_errors').pluck().get() as number;
      return {
        outbox: { depth: o.depth, oldestAgeSeconds: o.oldest === null ? 0 : Math.max(0, (Date.now() - o.oldest) / 1000) },
        deadLetters,
        relay: { ...sync.relay.stats() },
        ...(sync.checkpointer && { checkpoint: { ...sync.checkpointer.stats() } }),
      };
    },
  );

  const { audit } = sync;
  if (!audit) return;
  const Finding = Type.Object({ count: Type.Integer(), sample: Type.Array(Type.String()) });
  app.post(
    '/sync/audit',
    {
      schema: {
        summary: 'Compare every row with its document (missing, stale, extra); optionally repair',
        description:
          'Reads every synced table and the export of its collection. With `repair: true` the differences are handed ' +
          'to the relay, which re-sends the rows (or deletes the extra documents). Needs `documents:export` on every ' +
          'synced collection, and `documents:import` too for a repair. Rows whose change is still on its way to the ' +
          'index (its outbox entry pending, or changed after the snapshot) are counted apart in `inFlight`: they are ' +
          'not differences and are not repaired.',
        tags,
        body: Type.Optional(Type.Object({ repair: Type.Optional(Type.Boolean()) }, { additionalProperties: false })),
        response: {
          200: Type.Object({
            differences: Type.Integer({ description: 'missing + stale + extra, over every table (rows in flight are not counted)' }),
            inFlight: Type.Integer({ description: 'rows in flight, over every table' }),
            reports: Type.Array(
              Type.Object({
                table: Type.String(),
                collection: Type.String(),
                rows: Type.Integer(),
                documents: Type.Integer(),
                missing: Finding,
                stale: Finding,
                extra: Finding,
                inFlight: Finding,
                durationMs: Type.Number(),
              }),
            ),
          }),
          ...errors,
        },
      },
    },
    async (req) => {
      const repair = req.body?.repair === true;
      for (const t of sync.tables?.() ?? []) {
        authorize(req, 'documents:export', t.decl.collection);
        if (repair) authorize(req, 'documents:import', t.decl.collection);
      }
      const reports = await audit({ repair });
      return {
        differences: reports.reduce((n, r) => n + r.missing.count + r.stale.count + r.extra.count, 0),
        inFlight: reports.reduce((n, r) => n + r.inFlight.count, 0),
        reports: reports.map(({ table, collection, rows, documents, missing, stale, extra, inFlight, durationMs }) => ({
          table,
          collection,
          rows,
          documents,
          missing,
          stale,
          extra,
          inFlight,
          durationMs,
        })),
      };
    },
  );
};
