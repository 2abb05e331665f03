import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { SignJWT } from 'jose';
import { describeRouteTable, expectEnvelope, type RouteChecks } from '@fountain/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { open } from '../src/domain/secrets.ts';
import { as, buildHarness, issue, JWT_SECRET, MASTER_KEY, SEQUENCE, token, type KmsHarness } from './harness.test-support.ts';
import { ROUTES, handToken, kmsChecks } from './route-table.test-support.ts';

let h: KmsHarness;
let seqKey: { api_key: string; key: { id: string } };
let otherKey: { api_key: string; key: { id: string } };
beforeAll(async () => {
  h = await buildHarness();
  seqKey = await issue(h, { service: SEQUENCE, collections: ['sequence_*'], actions: ['documents:*'] });
  otherKey = await issue(h, { service: 'story_factory', collections: ['story_*'], actions: ['documents:*'] });
});
afterAll(() => h.close());

describe('authentication (the shared route checker)', () => {
  let checks: RouteChecks<KmsHarness>;
  beforeAll(async () => {
    checks = await kmsChecks(h, seqKey.api_key);
  });
  describeRouteTable(ROUTES, () => checks);

  it('a correctly signed token passes, so the rejected ones fail for the reason they test', async () => {
    expect((await h.app.inject({ url: '/keys', headers: { authorization: `Bearer ${handToken({})}` } })).statusCode).toBe(200);
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
    const t = await new SignJWT({ roles: ['admin'] }).setProtectedHeader({ alg: 'HS256' }).setSubject('x').setIssuer('fountain-dev').setAudience('fountain').setExpirationTime(Math.floor(Date.now() / 1000) - 999).sign(new TextEncoder().encode(JWT_SECRET));
    const res = await h.app.inject({ url: '/keys', headers: { authorization: `Bearer ${t}` } });
    expect(res.body).not.toContain(t);
    expect(res.json().message).toMatch(/expired/);
  });
});
