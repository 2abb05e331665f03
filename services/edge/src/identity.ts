/**
 * Who is calling: every request but the public ones (/health, /ready, /metrics, /docs, CORS
 * preflights) carries `Authorization: Bearer <JWT>`, verified by the kit's verifier; the verified
 * subject and roles become `request.principal`. Then the route's role, from the route table, is
 * checked against the token's roles.
 */
import { AppError, isDefaultPublic } from '@fountain/kit';
import type { FastifyRequest } from 'fastify';
import { highestRole, satisfies, type Role } from './roles.ts';

/** A verified caller. */
export interface Principal {
  subject: string;
  roles: string[];
  claims: Record<string, unknown>;
}

/** Verifies a bearer token (the kit's JWT verifier); throws AppError UNAUTHORIZED when it fails. */
export interface TokenVerifier {
  verify(token: string): Promise<Principal>;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified caller; null on public routes. */
    principal: Principal | null;
  }
  interface FastifyContextConfig {
    /** The least role the route needs (from the route table). */
    role?: Role;
    /** The route table's key of the route, `METHOD /path`. */
    routeKey?: string;
  }
}

const BEARER = /^Bearer[ \t]+([^\s]+)[ \t]*$/i;

/** The message of every 401 without a usable token. */
export const MISSING_TOKEN = 'A bearer token is required: Authorization: Bearer <JWT>';

/**
 * Verifies the caller's token (non-public requests only) and sets `request.principal`.
 *
 * @example
 *   app.addHook('onRequest', authenticate(verifier));
 */
export function authenticate(verifier: TokenVerifier) {
  return async (request: FastifyRequest): Promise<void> => {
    if (isDefaultPublic(request)) return;
    const header = request.headers.authorization;
    const token = typeof header === 'string' ? BEARER.exec(header)?.[1] : undefined;
    if (token === undefined) throw new AppError('UNAUTHORIZED', MISSING_TOKEN);
    const principal = await verifier.verify(token);
    request.principal = principal;
    request.log = request.log.child({ sub: principal.subject });
  };
}

/**
 * Refuses a caller whose roles are below the route's. A versioned route without a role in the table
 * is refused too (fail closed); unknown paths fall through to the 404.
 */
export function checkRole(request: FastifyRequest): void {
  if (request.is404 || request.principal === null) return;
  const needed = request.routeOptions.config.role;
  if (needed === undefined) {
    if (request.url.startsWith('/v1/')) throw new AppError('FORBIDDEN', 'This route has no role in the route table');
    return;
  }
  const roles = request.principal.roles;
  if (!satisfies(roles, needed)) {
    const held = highestRole(roles);
    throw new AppError('FORBIDDEN', `This route needs the '${needed}' role; the token's highest role is ${held === null ? 'none' : `'${held}'`}`, {
      details: { requiredRole: needed, role: held },
    });
  }
}
