/** The key routes: the seeds' `GET /keys/{service}`, list, issue, rotate, revoke, update scope, audit. */
import { ErrorEnvelopeSchema, requireRole, type App } from '@fountain/kit';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { Actor } from '../domain/keys.ts';
import type { KmsDeps } from '../deps.ts';
import { Actions, AuditView, Collections, KeyId, KeyView, KeyWithSecret, LineageName, ServiceName, keyView } from './schemas.ts';

const errors = { 400: ErrorEnvelopeSchema, 401: ErrorEnvelopeSchema, 403: ErrorEnvelopeSchema, 404: ErrorEnvelopeSchema, 409: ErrorEnvelopeSchema };
const security = [{ bearer: [] }];

/** The caller, from the verified JWT, with where the request came from (for the audit log). */
export function actorOf(request: FastifyRequest): Actor {
  const principal = requireRole(request, 'admin', 'service', 'gateway');
  const ua = request.headers['user-agent'];
  return { subject: principal.subject, roles: principal.roles, ip: request.ip, userAgent: typeof ua === 'string' ? ua.slice(0, 256) : null, requestId: request.id };
}

/** Registers the key routes. */
export async function keyRoutes(app: App, { deps }: { deps: KmsDeps }) {
  const { keys } = deps;
  const view = (k: Parameters<typeof keyView>[0]) => keyView(k, keys.stateOf(k));

  app.get(
    '/keys/:service',
    {
      schema: {
        summary: "A service's current key (seeds/001 3.e)",
        description:
          'Answers `{"api_key": ...}` with the current secret of the service\'s key. Admins may read any service\'s key; a service ' +
          '(token role `service`, `sub` = its SERVICE_NAME) only its own. Poll it to pick up rotations.',
        security,
        params: Type.Object({ service: ServiceName }),
        querystring: Type.Object({ name: Type.Optional(LineageName) }),
        response: { 200: KeyWithSecret, ...errors },
      },
    },
    async (request) => {
      const issued = keys.readCurrent(actorOf(request), request.params.service, request.query.name ?? 'default');
      return { api_key: issued.secret, key: view(issued.key) };
    },
  );

  app.get(
    '/keys',
    {
      schema: {
        summary: 'List key records (never secrets); admins',
        security,
        querystring: Type.Object({ service: Type.Optional(ServiceName), id: Type.Optional(KeyId) }),
        response: { 200: Type.Object({ keys: Type.Array(KeyView) }), ...errors },
      },
    },
    async (request) => ({ keys: keys.list(actorOf(request), request.query).map(view) }),
  );

  app.post(
    '/keys',
    {
      schema: {
        summary: 'Issue a key; admins',
        description: 'Answers the secret once. 409 when the service already has an active key of that name: rotate it instead.',
        security,
        body: Type.Object(
          {
            service: ServiceName,
            name: Type.Optional(LineageName),
            collections: Collections,
            actions: Actions,
            description: Type.Optional(Type.String({ maxLength: 500 })),
            expires_in_sec: Type.Optional(Type.Integer({ minimum: 60, maximum: 10 * 365 * 86400 })),
          },
          { additionalProperties: false },
        ),
        response: { 201: KeyWithSecret, ...errors },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const issued = keys.issue(actorOf(request), {
        service: b.service,
        name: b.name ?? 'default',
        collections: b.collections,
        actions: b.actions,
        description: b.description ?? null,
        expiresInSec: b.expires_in_sec ?? null,
      });
      return reply.code(201).send({ api_key: issued.secret, key: view(issued.key) });
    },
  );

  app.post(
    '/keys/:id/rotate',
    {
      schema: {
        summary: 'Rotate a key: a new secret, the old one valid for the grace period; admins or the owning service',
        security,
        params: Type.Object({ id: KeyId }),
        body: Type.Object(
          { grace_period_sec: Type.Optional(Type.Integer({ minimum: 0, maximum: 7 * 86400, description: 'Default KEY_GRACE_PERIOD_SEC' })) },
          { additionalProperties: false },
        ),
        response: { 201: KeyWithSecret, ...errors },
      },
      // The body is optional: `curl -X POST .../rotate` with none rotates with the default grace period.
      preValidation: (request, _reply, done) => {
        (request as { body: unknown }).body ??= {};
        done();
      },
    },
    async (request, reply) => {
      const issued = keys.rotate(actorOf(request), request.params.id, request.body.grace_period_sec);
      return reply.code(201).send({ api_key: issued.secret, key: view(issued.key) });
    },
  );

  app.post(
    '/keys/:id/revoke',
    {
      schema: {
        summary: 'Revoke a key now (idempotent); admins or the owning service',
        security,
        params: Type.Object({ id: KeyId }),
        response: { 200: KeyView, ...errors },
      },
    },
    async (request) => view(keys.revoke(actorOf(request), request.params.id)),
  );

  app.patch(
    '/keys/:id',
    {
      schema: {
        summary: "Change a key's scope or description; admins",
        security,
        params: Type.Object({ id: KeyId }),
        body: Type.Object(
          { collections: Type.Optional(Collections), actions: Type.Optional(Actions), description: Type.Optional(Type.Union([Type.String({ maxLength: 500 }), Type.Null()])) },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: KeyView, ...errors },
      },
    },
    async (request) => view(keys.updateScope(actorOf(request), request.params.id, request.body)),
  );

  app.get(
    '/audit',
    {
      schema: {
        summary: 'The audit log of key operations, newest first; admins',
        security,
        querystring: Type.Object({
          key_id: Type.Optional(KeyId),
          service: Type.Optional(ServiceName),
          before_id: Type.Optional(Type.Integer({ minimum: 1, description: 'Page: entries older than this id' })),
          limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
        }),
        response: { 200: Type.Object({ entries: Type.Array(AuditView) }), ...errors },
      },
    },
    async (request) => {
      const q = request.query;
      const entries = keys.auditLog(actorOf(request), { keyId: q.key_id, service: q.service, beforeId: q.before_id, limit: q.limit });
      return {
        entries: entries.map((e) => ({
          id: e.id,
          at: new Date(e.at).toISOString(),
          actor: e.actor,
          roles: e.roles,
          action: e.action,
          key_id: e.keyId,
          service: e.service,
          outcome: e.outcome,
          source_ip: e.sourceIp,
          user_agent: e.userAgent,
          request_id: e.requestId,
          details: e.details,
        })),
      };
    },
  );
}
