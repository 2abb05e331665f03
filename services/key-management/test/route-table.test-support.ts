/**
 * The KMS's route table (every keyed route, with a valid sample request) and the settings of
 * @fountain/testing's shared route checker for it: callers present a JWT; an admin may call every
 * route; a viewer, and a service acting on another service's keys, may call none of them.
 */
import { createHmac } from 'node:crypto';
import type { RouteCase, RouteChecks } from '@fountain/testing';
import { as, issue, JWT_SECRET, SEQUENCE, token, type KmsHarness } from './harness.test-support.ts';

/** The key each call of a key-id route acts on, issued by its setup (a rotated or revoked key can't be again). */
const keyIds = new Map<number, string>();
const freshKey = async (h: KmsHarness, n: number): Promise<void> => {
  keyIds.set(n, (await issue(h, { service: 'story_factory', name: `lineage_${n}`, collections: ['story_*'], actions: ['documents:*'] })).key.id);
};
const keyOf = (n: number): string => keyIds.get(n) ?? 'key_notissued';

/** Every keyed route of the KMS. */
export const ROUTES: Array<RouteCase<KmsHarness>> = [
  { method: 'GET', route: '/keys/:service', url: () => `/keys/${SEQUENCE}`, ok: 200 },
  { method: 'GET', route: '/keys', url: () => '/keys', ok: 200 },
  { method: 'POST', route: '/keys', url: () => '/keys', body: (n) => ({ service: `svc_${n}`, collections: ['x'], actions: ['documents:search'] }), ok: 201 },
  { method: 'POST', route: '/keys/:id/rotate', url: (n) => `/keys/${keyOf(n)}/rotate`, body: () => ({}), optionalBody: true, setup: freshKey, ok: 201 },
  { method: 'POST', route: '/keys/:id/revoke', url: (n) => `/keys/${keyOf(n)}/revoke`, setup: freshKey, ok: 200 },
  { method: 'PATCH', route: '/keys/:id', url: (n) => `/keys/${keyOf(n)}`, body: () => ({ description: 'x' }), setup: freshKey, ok: 200 },
  { method: 'GET', route: '/audit', url: () => '/audit', ok: 200 },
  { method: 'GET', route: '/changes', url: () => '/changes?since=0', ok: 200 },
  { method: 'POST', route: '/usage', url: () => '/usage', body: () => ({ key_ids: [] }), ok: 200 },
];

const now = () => Math.floor(Date.now() / 1000);
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const claims = { sub: 'mallory', roles: ['admin'], iss: 'fountain-dev', aud: 'fountain' };

/** An HS256 token built by hand, so each claim can be wrong on purpose; with no changes it is a valid admin's. */
export function handToken(changes: Record<string, unknown>, secret = JWT_SECRET): string {
  const head = b64({ alg: 'HS256', typ: 'JWT' });
  const body = b64({ ...claims, exp: now() + 300, ...changes });
  return `${head}.${body}.${createHmac('sha256', secret).update(`${head}.${body}`).digest('base64url')}`;
}

/**
 * The shared route checker's settings: no token, a service's API key, and forged, expired, alg-none,
 * wrong-audience, wrong-issuer or not-yet-valid tokens are 401s; an admin is let through; a viewer,
 * and a service acting on a key or a feed that isn't its own, are 403s.
 */
export async function kmsChecks(h: KmsHarness, serviceKey: string): Promise<RouteChecks<KmsHarness>> {
  const bearer = (name: string, t: string) => ({ name, headers: { authorization: `Bearer ${t}` } });
  const viewer = bearer('viewer', await token(['viewer']));
  const intruder = bearer("another service's token", await token(['service'], 'intruder_service'));
  return {
    app: h.app,
    ctx: h,
    auth: {
      rejected: [
        { name: 'no token', headers: {} },
        bearer('a service API key', serviceKey),
        bearer('alg none', `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ ...claims, exp: now() + 300 })}.`),
        bearer('a guessed secret', handToken({}, 'guessed-secret-guessed-secret-guessed-secret')),
        bearer('expired', handToken({ exp: now() - 3600 })),
        bearer('another audience', handToken({ aud: 'another-api' })),
        bearer('another issuer', handToken({ iss: 'someone-else' })),
        bearer('not yet valid', handToken({ nbf: now() + 3600 })),
      ],
      accepted: [{ name: 'admin', headers: await as('admin') }],
      insufficient: () => [viewer, intruder],
    },
    validation: { closedByDefault: true, unknownField: 'surprise', wrongShape: 'refused' },
    // A service name admits dots (`^[A-Za-z0-9_.-]{1,64}$`), so `/keys/.` and `/keys/..` look up a
    // service of that name (in SQL, never a path) and answer 404; every other attack is a 400.
    segmentRefusals: ['NOT_FOUND'],
    unknownRoute: { path: '/nope' },
    publicRoutes: ['/health', '/ready', '/metrics'],
    undocumentedOk: (pattern) => ['/health', '/ready', '/metrics'].includes(pattern),
  };
}
