/**
 * Bearer-JWT authentication for Fastify: `request.principal` from a {@link JwtVerifier}, and role
 * checks per route. It composes with the kit's API-key auth: a service that accepts both makes
 * createApp's key check skip requests whose bearer is a JWT (`isPublic: (r) => isDefaultPublic(r) ||
 * hasJwtBearer(r)`) and registers this plugin with `optional: true`; a route then calls
 * {@link requireRole} or the kit's `authorize`, and each fails closed without its credential.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { isDefaultPublic } from './auth.ts';
import { AppError } from './errors.ts';
import type { JwtVerifier, Principal } from './jwt.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified JWT's principal; null on public routes or without a token (optional mode). */
    principal: Principal | null;
  }
}

/** Options for {@link jwtAuthPlugin}. */
export interface JwtAuthOptions {
  verifier: JwtVerifier;
  /** Requests that need no token (default: /health, /ready, /metrics, /docs*, OPTIONS). */
  isPublic?: (request: FastifyRequest) => boolean;
  /**
   * `false` (default): every non-public request needs a valid bearer JWT. `true`: a bearer JWT is
   * verified when present (a bad one is still a 401) and the request goes on without a principal
   * otherwise, for services that also take API keys.
   */
  optional?: boolean;
}

const BEARER = /^Bearer\s+(\S+)\s*$/i;
/** Three base64url segments: the compact JWS form (an API key never has two dots). */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** The `Authorization: Bearer` token of a request, if any. */
export function bearerToken(request: FastifyRequest): string | undefined {
  const h = request.headers.authorization;
  return typeof h === 'string' ? BEARER.exec(h)?.[1] : undefined;
}

/** Whether the request's bearer token has the shape of a JWT (not whether it is valid). */
export function hasJwtBearer(request: FastifyRequest): boolean {
  const token = bearerToken(request);
  return token !== undefined && COMPACT_JWS.test(token);
}

/**
 * The authentication step: sets `request.principal` or throws UNAUTHORIZED.
 *
 * @example
 *   const authenticate = jwtAuthenticator({ verifier });
 *   app.addHook('onRequest', authenticate);
 */
export function jwtAuthenticator(opts: JwtAuthOptions): (request: FastifyRequest) => Promise<void> {
  const isPublic = opts.isPublic ?? isDefaultPublic;
  return async (request) => {
    if (isPublic(request)) return;
    const token = bearerToken(request);
    if (token === undefined) {
      if (opts.optional) return;
      throw new AppError('UNAUTHORIZED', 'Missing bearer token (Authorization: Bearer <JWT>)');
    }
    if (opts.optional && !COMPACT_JWS.test(token)) return; // an API key: the key check owns it
    const principal = await opts.verifier.verify(token);
    request.principal = principal;
    // Log who, never the token.
    request.log = request.log.child({ sub: principal.subject });
  };
}

/**
 * Fastify plugin (not encapsulated) requiring a bearer JWT on every non-public request and
 * decorating `request.principal`.
 *
 * @example
 *   await app.register(jwtAuthPlugin, { verifier: createJwtVerifier(settings) });
 *   app.get('/keys', async (request) => { requireRole(request, 'admin'); ... });
 */
export const jwtAuthPlugin = fp(
  async function jwtAuth(app: FastifyInstance, opts: JwtAuthOptions) {
    const authenticate = jwtAuthenticator(opts);
    app.decorateRequest('principal', null);
    app.addHook('onRequest', async (request) => authenticate(request));
  },
  { name: '@fountain/kit/jwt-auth', fastify: '5.x' },
);

/**
 * The request's principal if it holds one of the roles: UNAUTHORIZED without a principal, FORBIDDEN
 * without the role.
 *
 * @example
 *   const admin = requireRole(request, 'admin');
 */
export function requireRole(request: FastifyRequest, ...roles: string[]): Principal {
  const principal = request.principal ?? null;
  if (principal === null) throw new AppError('UNAUTHORIZED', 'Missing bearer token (Authorization: Bearer <JWT>)');
  if (!roles.some((r) => principal.roles.includes(r))) {
    throw new AppError('FORBIDDEN', `This needs the role ${roles.map((r) => `'${r}'`).join(' or ')}`, {
      details: { required: roles },
    });
  }
  return principal;
}
