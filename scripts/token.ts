/**
 * `npm run token -- --role <role> [--role <role>...] [--sub <name>] [--ttl <seconds>]`: prints a
 * development JWT, signed HS256 with JWT_SECRET (default: the kit's public development secret), with
 * JWT_ISSUER and JWT_AUDIENCE, so every local service accepts it. Refused when NODE_ENV=production
 * and when JWT_JWKS_URL is set (those tokens come from the identity provider).
 *
 * @example
 *   curl -H "Authorization: Bearer $(npm run -s token -- --role admin)" http://127.0.0.1:8003/keys/central_sequence_service
 */
import { parseArgs } from 'node:util';
import { Type } from 'typebox';
import { jwtConfigVars, jwtSettingsFromConfig, loadConfig, mintDevToken } from '@fountain/kit';

function fail(message: string): never {
  console.error(`token: ${message}`);
  process.exit(1);
}

const { values } = parseArgs({
  options: {
    role: { type: 'string', multiple: true },
    sub: { type: 'string' },
    ttl: { type: 'string', default: '3600' },
  },
  strict: true,
});

const config = (() => {
  try {
    return loadConfig(Type.Object({ NODE_ENV: Type.String({ default: 'development' }), ...jwtConfigVars }));
  } catch (err) {
    return fail((err as Error).message);
  }
})();
if (config.NODE_ENV === 'production') fail('refused: NODE_ENV=production (development tokens only; use your identity provider)');
if (config.JWT_JWKS_URL !== undefined) fail('refused: JWT_JWKS_URL is set, so services accept only tokens from that identity provider');
const roles = values.role ?? [];
if (roles.length === 0) fail('give at least one --role (e.g. --role admin, or --role service --sub central_sequence_service)');
const ttlSec = Number(values.ttl);
if (!Number.isInteger(ttlSec) || ttlSec <= 0) fail('--ttl must be a positive number of seconds');

const settings = (() => {
  try {
    return jwtSettingsFromConfig(config, config.NODE_ENV);
  } catch (err) {
    return fail((err as Error).message);
  }
})();
const sub = values.sub ?? roles[0] ?? 'developer';
process.stdout.write(`${await mintDevToken({ sub, roles, ttlSec, secret: settings.secret, issuer: settings.issuer, audience: settings.audience })}\n`);
