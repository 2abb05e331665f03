/**
 * API-key authentication with Typesense-style scopes: each key names the collections (globs) and
 * actions (`documents:search`, `collections:*`, ...) it may use. Keys are compared in constant time
 * and never logged.
 */
import { hash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { Type } from 'typebox';
import { Value } from 'typebox/value';
import { ConfigError } from './config.ts';
import { AppError } from './errors.ts';

/** A service key and its scope. */
export interface ApiKey {
  /** A stable, loggable name for the key (never the secret). */
  id: string;
  /** The secret presented by the caller. */
  value: string;
  /** Collection globs, e.g. `*`, `sequence_*`, `story_elements`. */
  collections: string[];
  /** Typesense-style actions, e.g. `documents:search`, `documents:*`, `*`. */
  actions: string[];
  description?: string;
  /**
   * Search parameters embedded in a scoped search key (Typesense's format): the search routes AND its
   * `filter_by` with the caller's and let the others override the caller's. Set by the verifier.
   */
  embedded?: Record<string, unknown>;
}

/** Every concrete action a key may be granted. */
export const ACTIONS = [
  'documents:search',
  'documents:get',
  'documents:create',
  'documents:upsert',
  'documents:update',
  'documents:delete',
  'documents:import',
  'documents:export',
  'collections:create',
  'collections:get',
  'collections:list',
  'collections:update',
  'collections:delete',
  'aliases:create',
  'aliases:get',
  'aliases:list',
  'aliases:delete',
] as const;

/** A concrete action. */
export type Action = (typeof ACTIONS)[number];

/** The wildcard actions: a whole resource, or everything. */
export const WILDCARD_ACTIONS = ['documents:*', 'collections:*', 'aliases:*', '*'] as const;

const KNOWN_ACTIONS = new Set<string>([...ACTIONS, ...WILDCARD_ACTIONS]);

/** Whether `name` matches a glob where `*` stands for any run of characters (including none). */
export function globMatch(pattern: string, name: string): boolean {
  const parts = pattern.split('*');
  if (parts.length === 1) return pattern === name;
  const first = parts[0] ?? '';
  const last = parts[parts.length - 1] ?? '';
  if (name.length < first.length + last.length || !name.startsWith(first) || !name.endsWith(last)) return false;
  // Greedy-left matching of the middle parts is exact for `*`-only globs.
  let pos = first.length;
  const end = name.length - last.length;
  for (const part of parts.slice(1, -1)) {
    const at = name.indexOf(part, pos);
    if (at === -1 || at + part.length > end) return false;
    pos = at + part.length;
  }
  return true;
}

function actionMatches(granted: string, action: string): boolean {
  if (granted === '*' || granted === action) return true;
  return granted.endsWith(':*') && action.startsWith(granted.slice(0, -1));
}

/**
 * Whether a key may perform an action, on a collection if given (`undefined` means an action not
 * about one collection, such as `collections:list`).
 *
 * @example
 *   isAllowed(key, 'documents:import', 'sequence_elements')
 */
export function isAllowed(key: ApiKey, action: string, collection?: string): boolean {
  if (!key.actions.some((granted) => actionMatches(granted, action))) return false;
  if (collection === undefined) return true;
  return key.collections.some((pattern) => globMatch(pattern, collection));
}

const ApiKeySchema = Type.Object({
  id: Type.String({ minLength: 1 }),
  value: Type.String({ minLength: 1 }),
  collections: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
  actions: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
  description: Type.Optional(Type.String()),
});

/**
 * Parses and validates a key list (a JSON string or an already-parsed value), throwing a
 * ConfigError that lists every problem. Problems name keys by index and id, never by value.
 *
 * @example
 *   const keys = parseApiKeys(process.env.API_KEYS ?? '[]');
 */
export function parseApiKeys(json: unknown): ApiKey[] {
  let input = json;
  if (typeof json === 'string') {
    try {
      input = JSON.parse(json) as unknown;
    } catch {
      throw new ConfigError(['api keys: must be valid JSON (an array of keys)'], 'Invalid API keys');
    }
  }
  if (!Array.isArray(input)) throw new ConfigError(['api keys: must be an array of keys'], 'Invalid API keys');

  const problems: string[] = [];
  const ids = new Set<string>();
  const values = new Set<string>();
  input.forEach((raw: unknown, i) => {
    const where = `keys[${i}]`;
    const { id, value } = (typeof raw === 'object' && raw !== null ? raw : {}) as { id?: unknown; value?: unknown };
    const name = typeof id === 'string' ? `${where} (${id})` : where;
    // Never echo a value; the path and the rule are enough.
    for (const e of Value.Errors(ApiKeySchema, raw)) problems.push(`${where}${e.instancePath.replace(/\//g, '.')}: ${e.message}`);
    if (typeof id === 'string') {
      if (ids.has(id)) problems.push(`${where}: duplicate id '${id}'`);
      ids.add(id);
    }
    if (typeof value === 'string') {
      if (values.has(value)) problems.push(`${name}: same value as an earlier key`);
      values.add(value);
    }
    const actions = (raw as { actions?: unknown }).actions;
    for (const action of Array.isArray(actions) ? actions : []) {
      if (typeof action === 'string' && !KNOWN_ACTIONS.has(action)) problems.push(`${name}: unknown action '${action}'`);
    }
  });
  if (problems.length > 0) throw new ConfigError(problems, 'Invalid API keys');
  return (input as ApiKey[]).map((k) => ({ ...k, collections: [...k.collections], actions: [...k.actions] }));
}

/** Options for {@link authPlugin}. */
export interface AuthOptions {
  /** The accepted keys. */
  keys: ApiKey[];
  /** Requests that need no key (default {@link isDefaultPublic}). */
  public?: (request: FastifyRequest) => boolean;
  /**
   * Keys known at run time (issued by the Key Management Service), asked when no static key matches.
   * It must compare in constant time or by digest, and answer null for a revoked or expired key.
   */
  lookup?: (presented: string) => ApiKey | null;
}

/** The default public requests: health, readiness, metrics, docs and CORS preflights. */
export function isDefaultPublic(request: FastifyRequest): boolean {
  if (request.method === 'OPTIONS') return true;
  const url = request.url;
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  return path === '/health' || path === '/ready' || path === '/metrics' || path === '/docs' || path.startsWith('/docs/');
}

function headerValue(headers: FastifyRequest['headers'], name: string): string | undefined {
  const v = headers[name];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/** The key a request presents: X-API-KEY, X-TYPESENSE-API-KEY, `Authorization: Bearer`, or the query. */
export function presentedKey(request: FastifyRequest): string | undefined {
  const h = request.headers;
  const inHeader = headerValue(h, 'x-api-key') ?? headerValue(h, 'x-typesense-api-key');
  if (inHeader !== undefined) return inHeader;
  const authorization = headerValue(h, 'authorization');
  const bearer = authorization === undefined ? undefined : BEARER.exec(authorization)?.[1];
  if (bearer !== undefined) return bearer;
  const query = (request.query as Record<string, unknown> | undefined)?.['x-typesense-api-key'];
  return typeof query === 'string' && query !== '' ? query : undefined;
}

/** SHA-256 in one call: no Hash object per request (crypto.hash, Node >= 20.12). */
const digest = (s: string): Buffer => hash('sha256', s, 'buffer');

/**
 * Finds the key matching a presented secret. Compares SHA-256 digests with timingSafeEqual against
 * EVERY key without short-circuiting, so neither the length nor the position of a match leaks. The
 * keys' digests are made once, at start-up; only the presented secret is hashed per request.
 */
export function findKey(keys: readonly { key: ApiKey; digest: Buffer }[], presented: string | undefined): ApiKey | null {
  const candidate = digest(presented ?? '');
  let found: ApiKey | null = null;
  for (const entry of keys) {
    const equal = timingSafeEqual(entry.digest, candidate);
    if (equal && found === null && presented !== undefined) found = entry.key;
  }
  return found;
}

/** The 401 every missing or wrong key gets (one message, so callers can't tell the two apart). */
export const UNAUTHORIZED_MESSAGE = 'Invalid or missing API Key';

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated key; null on public routes. */
    apiKey: ApiKey | null;
  }
}

/**
 * The authentication step of a request: does nothing on a public request, throws UNAUTHORIZED
 * without a valid key, and otherwise sets `request.apiKey` and adds the key's id to the request's
 * logger. Synchronous, so it runs inside a callback-style hook (no promise per request). The keys'
 * digests are computed here, once.
 *
 * @example
 *   const authenticate = authenticator({ keys });
 *   app.addHook('onRequest', (request, _reply, done) => { authenticate(request); done(); });
 */
export function authenticator(opts: AuthOptions): (request: FastifyRequest) => void {
  const keys = opts.keys.map((key) => ({ key, digest: digest(key.value) }));
  const isPublic = opts.public ?? isDefaultPublic;
  return (request) => {
    if (isPublic(request)) return;
    const presented = presentedKey(request);
    let key = findKey(keys, presented);
    if (key === null && presented !== undefined && opts.lookup) key = opts.lookup(presented);
    if (key === null) throw new AppError('UNAUTHORIZED', UNAUTHORIZED_MESSAGE);
    request.apiKey = key;
    // Log the key's id for audit, never its value.
    request.log = request.log.child({ keyId: key.id });
  };
}

/**
 * Fastify plugin (not encapsulated) requiring a valid key on every non-public request and
 * decorating `request.apiKey`. (createApp runs {@link authenticator} in its own onRequest hook
 * instead, one hook for the request id and the key.)
 *
 * @example
 *   await app.register(authPlugin, { keys: parseApiKeys(config.API_KEYS) });
 */
export const authPlugin = fp(
  async function auth(app: FastifyInstance, opts: AuthOptions) {
    const authenticate = authenticator(opts);
    app.decorateRequest('apiKey', null);
    // A throw from a callback-style hook reaches the error handler like a rejected async hook.
    app.addHook('onRequest', (request, _reply, done) => {
      authenticate(request);
      done();
    });
  },
  { name: '@fountain/kit/auth', fastify: '5.x' },
);

/**
 * Throws FORBIDDEN unless the request's key may perform the action (on the collection, if given).
 * Without the auth plugin (a service configured without keys) everything is allowed.
 *
 * @example
 *   authorize(request, 'documents:import', request.params.collection);
 */
export function authorize(request: FastifyRequest, action: string, collection?: string): void {
  if (!request.server.hasRequestDecorator('apiKey')) return;
  const key = request.apiKey;
  if (key === null) throw new AppError('UNAUTHORIZED', UNAUTHORIZED_MESSAGE);
  if (!isAllowed(key, action, collection)) {
    const target = collection === undefined ? '' : ` on collection '${collection}'`;
    throw new AppError('FORBIDDEN', `API key '${key.id}' is not allowed to perform '${action}'${target}`, {
      details: { action, collection: collection ?? null },
    });
  }
}
