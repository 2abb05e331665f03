import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createHmac } from 'node:crypto';
import { SignJWT } from 'jose';
import { expectEnvelope } from '@fountain/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { open } from '../src/domain/secrets.ts';
import { as, buildHarness, issue, JWT_SECRET, MASTER_KEY, SEQUENCE, token, type KmsHarness } from './harness.ts';

let h: KmsHarness;
let seqKey: { api_key: string; key: { id: string } };
let otherKey: { api_key: string; key: { id: string } };
beforeAll(async () => {
  h = await buildHarness();
  seqKey = await issue(h, { service: SEQUENCE, collections: ['sequence_*'], actions: ['documents:*'] });
  otherKey = await issue(h, { service: 'story_factory', collections: ['story_*'], actions: ['documents:*'] });
});
afterAll(() => h.close());

/** Every authenticated route, with a valid request for it. */
const ROUTES = () => [
  { method: 'GET', url: `/keys/${SEQUENCE}` },
  { method: 'GET', url: '/keys' },
  { method: 'POST', url: '/keys', payload: { service: 'x', collections: ['x'], actions: ['documents:search'] } },
  { method: 'POST', url: `/keys/${otherKey.key.id}/rotate`, payload: {} },
  { method: 'POST', url: `/keys/${otherKey.key.id}/revoke` },
  { method: 'PATCH', url: `/keys/${otherKey.key.id}`, payload: { description: 'x' } },
  { method: 'GET', url: '/audit' },
  { method: 'GET', url: '/changes?since=0' },
  { method: 'POST', url: '/usage', payload: { key_ids: [] } },
] as const;

const now = () => Math.floor(Date.now() / 1000);
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

describe('authentication', () => {
  it('the route table covers every documented route', () => {
    const spec = h.app.swagger() as { paths: Record<string, Record<string, unknown>> };
    const documented = Object.entries(spec.paths)
      .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`))
      .filter((r) => !/ \/(health|ready|metrics)$/.test(r));
    const table = ROUTES().map((r) => `${r.method} ${r.url.split('?')[0]!.replace(SEQUENCE, ':service').replace(otherKey.key.id, ':id')}`);
    expect(documented.sort()).toEqual(table.sort());
  });

  it('every route: 401 without a token, with an API key, and with forged, expired, alg-none or wrong-audience tokens', async () => {
    const payload = { sub: 'mallory', roles: ['admin'], iss: 'fountain-dev', aud: 'fountain', exp: now() + 300 };
    const hs = (claims: Record<string, unknown>, secret = JWT_SECRET) => {
      const head = b64({ alg: 'HS256', typ: 'JWT' });
      const body = b64({ ...payload, ...claims });
      return `${head}.${body}.${createHmac('sha256', secret).update(`${head}.${body}`).digest('base64url')}`;
    };
    const bad = [
      undefined,
      seqKey.api_key, // a service key is not a token
      `${b64({ alg: 'none', typ: 'JWT' })}.${b64(payload)}.`,
      hs({}, 'guessed-secret-guessed-secret-guessed-secret'),
      hs({ exp: now() - 3600 }),
      hs({ aud: 'another-api' }),
      hs({ iss: 'someone-else' }),
      hs({ nbf: now() + 3600 }),
    ];
    for (const route of ROUTES()) {
      for (const t of bad) {
        const res = await h.app.inject({ ...route, headers: t === undefined ? {} : { authorization: `Bearer ${t}` } });
        const body = expectEnvelope(res, 'UNAUTHORIZED');
        if (t) expect(body.message).not.toContain(t);
      }
    }
    // And a correctly signed one passes, so the cases above fail for the reason they test.
    expect((await h.app.inject({ url: '/keys', headers: { authorization: `Bearer ${hs({})}` } })).statusCode).toBe(200);
  });
});

describe('authorization (least privilege)', () => {
  it('BOLA: a service reading another service\'s key is a 403, and the attempt is audited', async () => {
    const res = await h.app.inject({ url: '/keys/story_factory', headers: await as('service', SEQUENCE) });
    const body = expectEnvelope(res, 'FORBIDDEN');
    expect(res.body).not.toContain(otherKey.api_key);
    expect(body.message).toMatch(/story_factory/);
    const audit = (await h.app.inject({ url: '/audit?service=story_factory', headers: await as('admin') })).json<{ entries: { action: string; actor: string; outcome: string }[] }>();
    expect(audit.entries[0]).toMatchObject({ action: 'key.read', actor: SEQUENCE, outcome: 'denied' });
  });

  it('a service with a role other than `service`, or without one, cannot read a key named after its sub', async () => {
    for (const roles of [['viewer'], [], ['gateway']]) {
      const res = await h.app.inject({ url: `/keys/${SEQUENCE}`, headers: { authorization: `Bearer ${await token(roles, SEQUENCE)}` } });
      expectEnvelope(res, 'FORBIDDEN');
    }
  });

  it('a service may rotate and revoke only its own keys, and never issue, list, re-scope, read the audit or the feed', async () => {
    const svc = await as('service', SEQUENCE);
    expectEnvelope(await h.app.inject({ method: 'POST', url: `/keys/${otherKey.key.id}/rotate`, headers: svc, payload: {} }), 'FORBIDDEN');
    expectEnvelope(await h.app.inject({ method: 'POST', url: `/keys/${otherKey.key.id}/revoke`, headers: svc }), 'FORBIDDEN');
    expectEnvelope(await h.app.inject({ method: 'PATCH', url: `/keys/${seqKey.key.id}`, headers: svc, payload: { actions: ['*'] } }), 'FORBIDDEN');
    expectEnvelope(await h.app.inject({ method: 'POST', url: '/keys', headers: svc, payload: { service: SEQUENCE, name: 'extra', collections: ['*'], actions: ['*'] } }), 'FORBIDDEN');
    for (const url of ['/keys', '/audit', '/changes?since=0']) expectEnvelope(await h.app.inject({ url, headers: svc }), 'FORBIDDEN');
    const own = await h.app.inject({ method: 'POST', url: `/keys/${seqKey.key.id}/rotate`, headers: svc, payload: {} });
    expect(own.statusCode, own.body).toBe(201);
    seqKey = own.json();
  });

  it('the gateway role reads the feed but no service secret', async () => {
    expectEnvelope(await h.app.inject({ url: `/keys/${SEQUENCE}`, headers: await as('gateway') }), 'FORBIDDEN');
    expect((await h.app.inject({ url: '/changes?since=0', headers: await as('gateway') })).statusCode).toBe(200);
  });

  it('an unknown key id is a 404 for an admin, and ids are validated', async () => {
    expectEnvelope(await h.app.inject({ method: 'POST', url: '/keys/key_doesnotexist/revoke', headers: await as('admin') }), 'NOT_FOUND');
    expectEnvelope(await h.app.inject({ method: 'POST', url: '/keys/..%2F..%2Fetc/revoke', headers: await as('admin') }), 'VALIDATION_ERROR');
    expectEnvelope(await h.app.inject({ url: '/keys/a%20b', headers: await as('admin') }), 'VALIDATION_ERROR');
  });
});

describe('secrets at rest', () => {
  it('the database files hold no secret, only AES-256-GCM ciphertext and SHA-256 digests', async () => {
    const current = (await h.app.inject({ url: `/keys/${SEQUENCE}`, headers: await as('admin') })).json<{ api_key: string }>().api_key;
    const secrets = [seqKey.api_key, otherKey.api_key, current];
    const dir = dirname(h.dbPath);
    const files = readdirSync(dir).filter((f) => f.startsWith('kms.db'));
    expect(files).toContain('kms.db');
    for (const f of files) {
      const bytes = readFileSync(join(dir, f));
      for (const s of secrets) {
        expect(bytes.includes(Buffer.from(s)), `${f} holds a secret`).toBe(false);
        expect(bytes.includes(Buffer.from(s.slice(3))), `${f} holds a secret's body`).toBe(false);
      }
    }
  });

  it('a sealed secret is bound to its key id (copied onto another record it does not open)', () => {
    const a = h.store.listKeys({ service: 'story_factory' })[0]!;
    expect(open(MASTER_KEY, a.id, a.sealed)).toBe(otherKey.api_key);
    expect(() => open(MASTER_KEY, seqKey.key.id, a.sealed)).toThrow();
    const wrongMaster = Buffer.alloc(32, 7);
    expect(() => open(wrongMaster, a.id, a.sealed)).toThrow();
  });

  it('no response, error or audit entry echoes a presented token', async () => {
    const t = await new SignJWT({ roles: ['admin'] }).setProtectedHeader({ alg: 'HS256' }).setSubject('x').setIssuer('fountain-dev').setAudience('fountain').setExpirationTime(now() - 999).sign(new TextEncoder().encode(JWT_SECRET));
    const res = await h.app.inject({ url: '/keys', headers: { authorization: `Bearer ${t}` } });
    expect(res.body).not.toContain(t);
    expect(res.json().message).toMatch(/expired/);
  });
});
