/**
 * JWT attacks against the edge's wiring of the kit's verifier: every bad token is a 401 envelope and
 * reaches no service. HS256 cases on a shared secret (development); algorithm confusion, unknown kid
 * and key rollover on a JWKS (production), served by a real HTTP server whose key set changes.
 */
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createJwtVerifier } from '@fountain/kit';
import { expectEnvelope } from '@fountain/testing';
import { SignJWT, exportJWK, exportSPKI, generateKeyPair, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  TEST_AUDIENCE,
  TEST_ISSUER,
  TEST_JWT_SECRET,
  buildTestEdge,
  startRecordingUpstream,
  type RecordingUpstream,
} from './edge.test-support.ts';

const b64 = (v: unknown): string => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
const now = (): number => Math.floor(Date.now() / 1000);
const claims = (extra: Record<string, unknown> = {}) => ({ sub: 'mallory', roles: ['admin'], iss: TEST_ISSUER, aud: TEST_AUDIENCE, iat: now(), exp: now() + 600, ...extra });
const hs256 = (payload: Record<string, unknown>, secret: string | Uint8Array = TEST_JWT_SECRET, header: Record<string, unknown> = { alg: 'HS256', typ: 'JWT' }): string => {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
};

let upstream: RecordingUpstream;
beforeAll(async () => {
  upstream = await startRecordingUpstream();
});
afterAll(() => upstream.close());

/** Calls an admin route with a token and expects a 401 that reached no service. */
async function refused(app: Awaited<ReturnType<typeof buildTestEdge>>, token: string, hint?: RegExp): Promise<void> {
  const before = upstream.seen.length;
  const res = await app.inject({ method: 'GET', url: '/v1/sync/sequence/dead-letters', headers: { authorization: `Bearer ${token}` } });
  const body = expectEnvelope(res, 'UNAUTHORIZED');
  if (hint) expect(body.message).toMatch(hint);
  expect(body.message).not.toContain(token.slice(0, 20));
  expect(upstream.seen.length).toBe(before);
}

describe('HS256 (development)', () => {
  let app: Awaited<ReturnType<typeof buildTestEdge>>;
  beforeAll(async () => {
    app = await buildTestEdge({ url: upstream.url });
  });
  afterAll(() => app.close());

  it('accepts a good token (the control case)', async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/sync/sequence/dead-letters', headers: { authorization: `Bearer ${hs256(claims())}` } });
    expect(res.statusCode).toBe(200);
  });

  it('refuses alg: none', async () => {
    await refused(app, `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims())}.`);
    await refused(app, `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims())}`);
  });
  it('refuses an expired token', () => refused(app, hs256(claims({ exp: now() - 3600 })), /expired/i));
  it('refuses a token whose nbf is in the future', () => refused(app, hs256(claims({ nbf: now() + 3600 })), /nbf/));
  it('refuses the wrong issuer', () => refused(app, hs256(claims({ iss: 'https://evil.example' })), /iss/));
  it('refuses the wrong audience', () => refused(app, hs256(claims({ aud: 'another-api' })), /aud/));
  it('refuses a token without exp (valid forever)', () => refused(app, hs256(claims({ exp: undefined }))));
  it('refuses a tampered signature', async () => {
    const good = hs256(claims({ roles: ['viewer'] }));
    const sig = good.split('.')[2] as string;
    await refused(app, `${good.slice(0, good.length - sig.length)}${sig[0] === 'A' ? 'B' : 'A'}${sig.slice(1)}`, /signature/i);
  });
  it('refuses a payload escalated to admin under the original signature', async () => {
    const [h, , s] = hs256(claims({ roles: ['viewer'] })).split('.');
    await refused(app, `${h}.${b64(claims({ roles: ['admin'] }))}.${s}`, /signature/i);
  });
  it('refuses a token signed with another secret', () => refused(app, hs256(claims(), 'another-secret-of-at-least-32-bytes!!')));
  it('refuses an oversized token before parsing it', () => refused(app, hs256(claims({ pad: 'x'.repeat(10_000) })), /larger/));
  it('refuses a malformed bearer and a missing one', async () => {
    await refused(app, 'not-a-jwt');
    const res = await app.inject({ method: 'GET', url: '/v1/elements/script', headers: { authorization: 'Basic YWRhOnB3' } });
    expectEnvelope(res, 'UNAUTHORIZED');
  });
});

describe('JWKS (production)', () => {
  let jwks: { keys: JWK[] } = { keys: [] };
  let server: Server;
  let app: Awaited<ReturnType<typeof buildTestEdge>>;
  let keyA: Awaited<ReturnType<typeof generateKeyPair>>;
  let keyB: Awaited<ReturnType<typeof generateKeyPair>>;
  const sign = (key: CryptoKey, kid: string, extra: Record<string, unknown> = {}) =>
    new SignJWT({ roles: ['admin'], ...extra })
      .setProtectedHeader({ alg: 'RS256', kid })
      .setSubject('ada')
      .setIssuer(TEST_ISSUER)
      .setAudience(TEST_AUDIENCE)
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(key);

  beforeAll(async () => {
    keyA = await generateKeyPair('RS256', { extractable: true });
    keyB = await generateKeyPair('RS256', { extractable: true });
    jwks = { keys: [{ ...(await exportJWK(keyA.publicKey)), kid: 'key-a', alg: 'RS256', use: 'sig' }] };
    server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwks)));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const verifier = createJwtVerifier({
      jwksUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`,
      issuer: TEST_ISSUER,
      audience: TEST_AUDIENCE,
      // Short, so the test sees a refetch; production keeps the kit's defaults (30 s / 10 min).
      jwksCooldownMs: 0,
      jwksCacheMaxAgeMs: 300,
    });
    app = await buildTestEdge({ url: upstream.url, verifier });
  });
  afterAll(async () => {
    await app.close();
    server.closeAllConnections();
    server.close();
  });

  it('accepts a token signed by the current key (the control case)', async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/sync/sequence/dead-letters', headers: { authorization: `Bearer ${await sign(keyA.privateKey, 'key-a')}` } });
    expect(res.statusCode).toBe(200);
  });

  it('refuses HS256 signed with the public key (algorithm confusion)', async () => {
    const pem = await exportSPKI(keyA.publicKey);
    await refused(app, hs256(claims(), pem, { alg: 'HS256', typ: 'JWT', kid: 'key-a' }));
    const jwk = JSON.stringify(jwks.keys[0]);
    await refused(app, hs256(claims(), jwk, { alg: 'HS256', typ: 'JWT', kid: 'key-a' }));
  });

  it('refuses an unknown kid, and a known kid over the wrong key', async () => {
    await refused(app, await sign(keyB.privateKey, 'key-unknown'), /kid|key/i);
    await refused(app, await sign(keyB.privateKey, 'key-a'), /signature/i);
  });

  it('follows a key rollover: the new key is accepted at once, the retired one refused once the set is refetched', async () => {
    jwks = { keys: [{ ...(await exportJWK(keyB.publicKey)), kid: 'key-b', alg: 'RS256', use: 'sig' }] };
    const res = await app.inject({ method: 'GET', url: '/v1/sync/sequence/dead-letters', headers: { authorization: `Bearer ${await sign(keyB.privateKey, 'key-b')}` } });
    expect(res.statusCode).toBe(200);
    await new Promise((r) => setTimeout(r, 400)); // past the cache age: the next token makes the set refetch
    await refused(app, await sign(keyA.privateKey, 'key-a'));
  });
});
