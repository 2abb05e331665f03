/**
 * Attacks on roles: privilege escalation through claims the edge does not issue, a viewer replaying
 * dead letters, an editor changing collections. (Every route against every lower role is walked in
 * route-table.security.test.ts.)
 */
import { expectEnvelope } from '@fountain/testing';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  TEST_AUDIENCE,
  TEST_ISSUER,
  TEST_JWT_SECRET,
  buildTestEdge,
  startRecordingUpstream,
  tokenFor,
  type RecordingUpstream,
} from './edge.test-support.ts';

let upstream: RecordingUpstream;
let app: Awaited<ReturnType<typeof buildTestEdge>>;

beforeAll(async () => {
  upstream = await startRecordingUpstream();
  app = await buildTestEdge({ url: upstream.url });
});
afterAll(async () => {
  await app.close();
  await upstream.close();
});

async function forbidden(token: string, method: 'GET' | 'POST' | 'DELETE', url: string): Promise<void> {
  const before = upstream.seen.length;
  const res = await app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(method === 'POST' && { payload: { all: true } }) });
  expectEnvelope(res, 'FORBIDDEN');
  expect(upstream.seen.length).toBe(before);
}

describe('privilege escalation by claims the edge does not issue', () => {
  const escalations: Array<[string, Parameters<typeof tokenFor>]> = [
    ['an unknown role (root)', [['root']]],
    ['a wildcard role', [['*']]],
    ['a differently cased role', [['ADMIN', 'Operator']]],
    ['a padded role', [['admin ', ' operator']]],
    ["the KMS's service role", [['service'], 'central_sequence_service']],
  ];
  for (const [name, args] of escalations) {
    it(`${name} gets no operator rights`, async () => {
      const token = await tokenFor(...args);
      await forbidden(token, 'POST', '/v1/sync/sequence/dead-letters/replay');
      await forbidden(token, 'DELETE', '/v1/search-api/collections/sequence_elements');
    });
  }

  it('extra claims beside a viewer role change nothing', async () => {
    const token = await new SignJWT({ roles: ['viewer'], scope: 'admin', groups: ['admin'], is_admin: true, 'https://fountain/roles': ['admin'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('mallory')
      .setIssuer(TEST_ISSUER)
      .setAudience(TEST_AUDIENCE)
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(TEST_JWT_SECRET));
    await forbidden(token, 'POST', '/v1/sync/sequence/dead-letters/replay');
  });
});

describe('roles at work', () => {
  it('a viewer cannot replay or discard dead letters (operator)', async () => {
    const viewer = await tokenFor(['viewer']);
    await forbidden(viewer, 'POST', '/v1/sync/sequence/dead-letters/replay');
    await forbidden(viewer, 'POST', '/v1/sync/sequence/dead-letters/discard');
  });

  it('an editor can write but cannot replay dead letters, drop a collection or repoint an alias', async () => {
    const editor = await tokenFor(['editor']);
    await forbidden(editor, 'POST', '/v1/sync/sequence/dead-letters/replay');
    await forbidden(editor, 'DELETE', '/v1/search-api/collections/sequence_elements');
    const res = await app.inject({ method: 'POST', url: '/v1/sequence', headers: { authorization: `Bearer ${editor}` }, payload: { elementType: 'script', elementId: 1 } });
    expect(res.statusCode).toBe(200);
  });

  it('an editor (and an operator) cannot issue, rotate or read keys (admin)', async () => {
    for (const role of ['editor', 'operator'] as const) {
      const token = await tokenFor([role]);
      await forbidden(token, 'POST', '/v1/keys');
      await forbidden(token, 'POST', '/v1/keys/k1/rotate');
      await forbidden(token, 'GET', '/v1/keys/central_sequence_service');
    }
    const admin = await tokenFor(['admin']);
    const res = await app.inject({ method: 'POST', url: '/v1/keys', headers: { authorization: `Bearer ${admin}` }, payload: { service: 'x' } });
    expect(res.statusCode).toBe(200);
  });

  it('the highest of several roles counts', async () => {
    const token = await tokenFor(['viewer', 'operator']);
    const res = await app.inject({ method: 'POST', url: '/v1/sync/sequence/dead-letters/replay', headers: { authorization: `Bearer ${token}` }, payload: { all: true } });
    expect(res.statusCode).toBe(200);
  });
});
