/**
 * What the kit knows about a service's routes, beyond Fastify's router:
 * - which methods a concrete path answers to, so a request with another method (TRACE on `/health`)
 *   is a 405 with `Allow`, not a 404 (Fastify's router only says "no route");
 * - the error answers every route can give, added to each route's OpenAPI `responses`, so the
 *   document lists what the service really answers (the envelope on 400, 401, 403, 404, ...), and
 *   the public ops routes say they need no key (`security: []`);
 * - a request parameter with a default is optional (not `required`) in the document.
 */
import FindMyWay from 'find-my-way';
import type { RouteOptions } from 'fastify';
import { ErrorEnvelopeSchema, statusOf, type ErrorCode } from './errors.ts';

/** The methods Fastify routes. */
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/** Tracks the registered routes and answers which methods a concrete path allows. */
export interface MethodTable {
  /** Records a route (called from an onRoute hook). */
  add(route: Pick<RouteOptions, 'method' | 'url'>): void;
  /** The methods `path` (no query string) is routed for; empty when the path has no route at all. */
  allowed(path: string): string[];
}

/** Creates an empty {@link MethodTable}. */
export function methodTable(): MethodTable {
  // Same trailing-slash rule as the app's router (create-app.ts).
  const router = FindMyWay({ ignoreTrailingSlash: true });
  return {
    add(route) {
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      for (const method of methods) {
        try {
          router.on(method as (typeof METHODS)[number], route.url, () => undefined);
        } catch {
          // Already known (the same route registered on two prefixes, or a HEAD twin): nothing to add.
        }
      }
    },
    allowed(path) {
      return METHODS.filter((m) => router.find(m, path) !== null);
    },
  };
}

/** Codes a public route (health, ready, metrics) can answer besides its own statuses. */
const PUBLIC_ERRORS: readonly ErrorCode[] = ['VALIDATION_ERROR', 'NOT_FOUND'];
/** Codes any keyed route can answer: bad input, auth, missing things, conflicts, limits, an engine down. */
const ROUTE_ERRORS: readonly ErrorCode[] = [
  'VALIDATION_ERROR',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
  'PAYLOAD_TOO_LARGE',
  'TYPESENSE_SYNC_ERROR',
  'SEARCH_BACKEND_UNAVAILABLE',
];

/**
 * A request part's schema with every property that has a default left out of `required`: the
 * validator fills defaults before it checks `required` (ajv's useDefaults), so such a property is
 * optional to the caller, and the OpenAPI document must say so (`page`/`per_page` were marked required).
 */
function optionalDefaults(part: unknown): unknown {
  const schema = part as { type?: unknown; properties?: Record<string, { default?: unknown }>; required?: string[] } | undefined;
  if (!schema || schema.type !== 'object' || !schema.properties || !Array.isArray(schema.required)) return part;
  const props = schema.properties;
  const required = schema.required.filter((name) => props[name]?.default === undefined);
  if (required.length === schema.required.length) return part;
  const copy: Record<string | symbol, unknown> = { ...schema, required };
  if (required.length === 0) delete copy.required;
  return copy;
}

/**
 * Adds the envelope to a route's documented responses for every error status it can answer (without
 * replacing a status the route documents itself), and `security: []` on public routes.
 */
export function documentErrors(route: RouteOptions, isPublic: boolean, keyed: boolean): void {
  const schema = route.schema as (Record<string, unknown> & { response?: Record<string, unknown>; hide?: boolean }) | undefined;
  if (schema === undefined || schema.hide === true) return;
  for (const part of ['querystring', 'params', 'headers'] as const) if (schema[part] !== undefined) schema[part] = optionalDefaults(schema[part]);
  const response = (schema.response ??= {});
  // A route that documents no success of its own still answers one: once error statuses are listed,
  // the document would otherwise say the route can only fail.
  if (!Object.keys(response).some((status) => status.startsWith('2'))) response['2xx'] = { description: 'Success' };
  const codes = isPublic ? PUBLIC_ERRORS : ROUTE_ERRORS.filter((c) => keyed || (c !== 'UNAUTHORIZED' && c !== 'FORBIDDEN'));
  for (const code of codes) {
    const status = String(statusOf(code));
    if (response[status] === undefined) response[status] = ErrorEnvelopeSchema;
  }
  if (isPublic) schema.security = [];
}
