/**
 * The JWT environment variables (JWT_SECRET, JWT_JWKS_URL, JWT_ISSUER, JWT_AUDIENCE, JWT_ALGORITHMS),
 * as a TypeBox fragment every service spreads into its config schema, and the one function that
 * turns them into {@link JwtVerifierSettings}, refusing the development secret in production.
 */
import { Type, type Static } from 'typebox';
import { ConfigError } from './config.ts';
import { DEV_JWT_SECRET } from './dev-keys.ts';
import { DEFAULT_JWT_AUDIENCE, DEFAULT_JWT_ISSUER, jwtSettingsProblems, type JwtVerifierSettings } from './jwt.ts';

/**
 * The JWT variables, to spread into a service's config schema.
 *
 * @example
 *   const Config = Type.Object({ PORT: portVar(8003), ...jwtConfigVars });
 */
export const jwtConfigVars = {
  JWT_SECRET: Type.Optional(
    Type.String({ minLength: 1, description: 'HS256 shared secret (development); default: the public development secret' }),
  ),
  JWT_JWKS_URL: Type.Optional(Type.String({ minLength: 1, description: "The identity provider's JWKS URL (production)" })),
  JWT_ISSUER: Type.String({ minLength: 1, default: DEFAULT_JWT_ISSUER, description: 'Required `iss` claim' }),
  JWT_AUDIENCE: Type.String({ minLength: 1, default: DEFAULT_JWT_AUDIENCE, description: 'Required `aud` claim' }),
  JWT_ALGORITHMS: Type.Optional(Type.String({ minLength: 1, description: 'Comma-separated `alg` allowlist' })),
};

/** The JWT variables as a schema of their own. */
export const JwtConfigSchema = Type.Object(jwtConfigVars);
/** The parsed JWT variables. */
export type JwtConfig = Static<typeof JwtConfigSchema>;

/**
 * The verifier settings from parsed config. In development, with neither JWT_SECRET nor JWT_JWKS_URL,
 * the public {@link DEV_JWT_SECRET} is used; production requires one of them and refuses the
 * development secret. Throws a ConfigError listing every problem.
 *
 * @example
 *   const verifier = createJwtVerifier(jwtSettingsFromConfig(config, config.NODE_ENV));
 */
export function jwtSettingsFromConfig(config: JwtConfig, nodeEnv: string): JwtVerifierSettings {
  const problems: string[] = [];
  const production = nodeEnv === 'production';
  let secret = config.JWT_SECRET;
  if (production) {
    if (secret === undefined && config.JWT_JWKS_URL === undefined) problems.push('JWT_SECRET or JWT_JWKS_URL: required in production');
    if (secret === DEV_JWT_SECRET) problems.push('JWT_SECRET: the development secret is refused in production');
  } else if (secret === undefined && config.JWT_JWKS_URL === undefined) {
    secret = DEV_JWT_SECRET;
  }
  const settings: JwtVerifierSettings = {
    ...(secret === undefined ? {} : { secret }),
    ...(config.JWT_JWKS_URL === undefined ? {} : { jwksUrl: config.JWT_JWKS_URL }),
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
    ...(config.JWT_ALGORITHMS === undefined
      ? {}
      : { algorithms: config.JWT_ALGORITHMS.split(',').map((a) => a.trim()).filter((a) => a !== '') }),
  };
  if (problems.length === 0) problems.push(...jwtSettingsProblems(settings));
  if (problems.length > 0) throw new ConfigError(problems, 'Invalid JWT settings');
  return settings;
}
