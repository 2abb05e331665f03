/**
 * Roles at the edge. Who is calling is established by the kit's JWT authenticator (every request but
 * /health, /ready, /metrics, /docs and CORS preflights carries `Authorization: Bearer <JWT>`); here
 * the route's role, read from the route table through the matched route's config, is checked against
 * the token's roles.
 */
import { AppError } from '@fountain/kit';
import type { FastifyRequest } from 'fastify';
import { highestRole, satisfies, type Role } from './roles.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The least role the route needs (from the route table). */
    role?: Role;
    /** The route table's key of the route, `METHOD /path`. */
    routeKey?: string;
  }
}

/**
 * Refuses a caller whose roles are below the route's, with a 403 naming the role needed. A versioned
 * route without a role is refused too (fail closed); unknown paths fall through to the 404.
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
