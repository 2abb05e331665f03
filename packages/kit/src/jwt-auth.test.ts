import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorize, isDefaultPublic, type ApiKey } from './auth.ts';
import { createApp, type App } from './create-app.ts';
import { createJwtVerifier, mintDevToken } from './jwt.ts';
import { hasJwtBearer, jwtAuthPlugin, requireRole } from './jwt-auth.ts';

const SECRET = 'plugin-test-secret-0123456789abcdef0123456789';
const verifier = createJwtVerifier({ secret: SECRET, issuer: 'fountain-dev', audience: 'fountain' });
const token = (roles: string[], sub = 'alice') => mintDevToken({ sub, roles, secret: SECRET });
const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

describe('jwtAuthPlugin (JWT required)', () => {
  let app: App;
  beforeAll(async () => {
    app = createApp({ name: 'jwt-test', version: '0', logger: false });
    await app.register(jwtAuthPlugin, { verifier });
    app.get('/whoami', async (request) => request.principal);
    app.get('/admin', async (request) => ({ sub: requireRole(request, 'admin').subject }));
    await app.ready();
  });
  afterAll(() => app.close());

  it('sets request.principal from a valid bearer JWT', async () => {
    const res = await app.inject({ url: '/whoami', headers: bearer(await token(['viewer'], 'bob')) });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ subject: 'bob', roles: ['viewer'] });
  });

  it('401 in the envelope without a token, with a bad one, and with an API key instead', async () => {
    for (const headers of [{}, bearer('a.b.c'), bearer('not-a-jwt'), { 'x-api-key': 'whatever' }]) {
      const res = await app.inject({ url: '/whoami', headers });
      expect(res.statusCode).toBe(401);
      expect(Object.keys(res.json()).sort()).toEqual(['details', 'errorCode', 'message']);
    }
  });

  it('requireRole: 403 without the role, 200 with it', async () => {
    const viewer = await app.inject({ url: '/admin', headers: bearer(await token(['viewer'])) });
    expect(viewer.statusCode).toBe(403);
    expect(viewer.json().errorCode).toBe('FORBIDDEN');
    const admin = await app.inject({ url: '/admin', headers: bearer(await token(['admin'])) });
    expect(admin.json()).toEqual({ sub: 'alice' });
  });

  it('leaves /health public', async () => {
    expect((await app.inject({ url: '/health' })).statusCode).toBe(200);
  });
});

describe('jwtAuthPlugin composed with API keys (optional mode)', () => {
  const key: ApiKey = { id: 'svc', value: 'svc-key-0123456789', collections: ['*'], actions: ['documents:search'] };
  let app: App;
  beforeAll(async () => {
    app = createApp({ name: 'jwt-test', version: '0', logger: false, keys: [key], isPublic: (r) => isDefaultPublic(r) || hasJwtBearer(r) });
    await app.register(jwtAuthPlugin, { verifier, optional: true });
    app.get('/search', async (request) => {
      authorize(request, 'documents:search', 'x');
      return { key: request.apiKey?.id };
    });
    app.get('/admin', async (request) => ({ sub: requireRole(request, 'admin').subject }));
    await app.ready();
  });
  afterAll(() => app.close());

  it('an API key reaches key routes and is refused on JWT routes', async () => {
    expect((await app.inject({ url: '/search', headers: bearer(key.value) })).json()).toEqual({ key: 'svc' });
    expect((await app.inject({ url: '/admin', headers: bearer(key.value) })).statusCode).toBe(401);
  });

  it('a JWT reaches JWT routes and is refused on key routes; a bad JWT is a 401 everywhere', async () => {
    const t = await token(['admin']);
    expect((await app.inject({ url: '/admin', headers: bearer(t) })).json()).toEqual({ sub: 'alice' });
    expect((await app.inject({ url: '/search', headers: bearer(t) })).statusCode).toBe(401);
    const forged = `${t.slice(0, -4)}AAAA`;
    for (const url of ['/admin', '/search']) expect((await app.inject({ url, headers: bearer(forged) })).statusCode).toBe(401);
  });

  it('neither credential is a 401', async () => {
    for (const url of ['/admin', '/search']) expect((await app.inject({ url })).statusCode).toBe(401);
  });
});
