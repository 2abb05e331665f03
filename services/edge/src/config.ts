/**
 * The edge's environment, parsed once at start-up; every problem is listed at once. Service URLs and
 * keys use the seeds' names where the seeds have one (TYPESENSE_CLIENT_URL, TYPESENSE_SERVICE_API_KEY).
 */
import {
  ConfigError,
  collectProblems,
  SEED_DEV_API_KEY,
  SEED_DEV_SERVICE_KEY,
  jwtConfigVars,
  jwtSettingsFromConfig,
  loadConfig,
  readEnv,
  type JwtVerifierSettings,
} from '@fountain/kit';
import { Type, type Static } from 'typebox';
import { Value } from 'typebox/value';
import { ROLES, type Role } from './roles.ts';
import { ROUTES } from './routes/route-table.ts';
import { SERVICE_ENV, SERVICE_NAMES, type Upstream } from './services.ts';

const Level = Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)), { default: 'info' });

/** The edge's variables. */
export const EdgeConfigSchema = Type.Object({
  NODE_ENV: Type.Union([Type.Literal('development'), Type.Literal('production'), Type.Literal('test')], { default: 'development' }),
  PORT: Type.Integer({ minimum: 1, maximum: 65535, default: 8080 }),
  HOST: Type.Optional(Type.String({ minLength: 1 })),
  LOG_LEVEL: Level,
  SEQUENCE_URL: Type.String({ minLength: 1, default: 'http://127.0.0.1:8000' }),
  SEQUENCE_API_KEY: Type.String({ minLength: 8, default: SEED_DEV_API_KEY }),
  CHARACTERS_URL: Type.String({ minLength: 1, default: 'http://127.0.0.1:8004' }),
  CHARACTERS_API_KEY: Type.String({ minLength: 8, default: SEED_DEV_API_KEY }),
  SCRIPTS_URL: Type.String({ minLength: 1, default: 'http://127.0.0.1:8005' }),
  SCRIPTS_API_KEY: Type.String({ minLength: 8, default: SEED_DEV_API_KEY }),
  TYPESENSE_CLIENT_URL: Type.String({ minLength: 1, default: 'http://127.0.0.1:8001' }),
  TYPESENSE_SERVICE_API_KEY: Type.String({ minLength: 8, default: SEED_DEV_SERVICE_KEY }),
  /** The Key Management Service; unset: /v1/keys answers 502 UPSTREAM_UNAVAILABLE. */
  KEY_MANAGEMENT_URL: Type.Optional(Type.String({ minLength: 1 })),
  /** How long a service may take to send its response headers, and between body chunks. */
  UPSTREAM_TIMEOUT_MS: Type.Integer({ minimum: 1, maximum: 600_000, default: 30_000 }),
  UPSTREAM_CONNECT_TIMEOUT_MS: Type.Integer({ minimum: 1, maximum: 60_000, default: 5_000 }),
  /** JSON, see {@link RateLimitsSchema}. */
  RATE_LIMITS: Type.Optional(Type.String({ minLength: 2 })),
  /** Shares rate-limit counters across edge instances (`redis://host:6379`); unset: in memory. */
  REDIS_URL: Type.Optional(Type.String({ minLength: 1 })),
  /** `*`, or a comma-separated list of allowed origins; unset: no CORS headers. */
  CORS_ORIGINS: Type.Optional(Type.String({ minLength: 1 })),
  /** Proxies whose X-Forwarded-* the edge believes: addresses/CIDRs (comma-separated), or `loopback`. */
  TRUST_PROXY: Type.Optional(Type.String({ minLength: 1 })),
  /** The collections `GET /v1/search` covers (comma-separated); unset: every collection the edge's gateway key sees. */
  SEARCH_COLLECTIONS: Type.Optional(Type.String({ minLength: 1 })),
  /** How long the list of collections and their fields is cached for `GET /v1/search`. */
  SEARCH_SCHEMA_TTL_MS: Type.Integer({ minimum: 0, default: 30_000 }),
  /** JWT_SECRET / JWT_JWKS_URL / JWT_ISSUER / JWT_AUDIENCE / JWT_ALGORITHMS: the kit's verifier. */
  ...jwtConfigVars,
});

/** The parsed configuration. */
export type EdgeConfig = Static<typeof EdgeConfigSchema>;

/** `RATE_LIMITS`: requests per window, per subject (per IP when anonymous), by role and by route. */
export const RateLimitsSchema = Type.Object(
  {
    windowMs: Type.Optional(Type.Integer({ minimum: 1000 })),
    anonymous: Type.Optional(Type.Integer({ minimum: 1 })),
    roles: Type.Optional(Type.Partial(Type.Object(Object.fromEntries(ROLES.map((r) => [r, Type.Integer({ minimum: 1 })]))))),
    /** `"METHOD /path"` (a route table path) → its own budget, counted apart from the rest. */
    routes: Type.Optional(Type.Record(Type.String(), Type.Integer({ minimum: 1 }))),
  },
  { additionalProperties: false },
);

/** The rate limits in force. */
export interface RateLimits {
  windowMs: number;
  anonymous: number;
  roles: Record<Role, number>;
  routes: Record<string, number>;
}

/** The defaults: 3000 requests a minute per subject, 300 per IP without a token. */
export const DEFAULT_RATE_LIMITS: RateLimits = {
  windowMs: 60_000,
  anonymous: 300,
  roles: { viewer: 3000, editor: 3000, operator: 3000, admin: 3000 },
  routes: {},
};

/** Everything the server needs, checked. */
export interface EdgeSettings {
  config: EdgeConfig;
  jwt: JwtVerifierSettings;
  upstreams: Upstream[];
  rateLimits: RateLimits;
  corsOrigins: string[] | '*' | null;
  trustProxy: string[] | undefined;
  searchCollections: string[] | null;
}

const list = (s: string): string[] => s.split(',').map((x) => x.trim()).filter((x) => x !== '');

/** Parses RATE_LIMITS (JSON) over the defaults, naming every problem. */
export function parseRateLimits(json: string | undefined, problems: string[]): RateLimits {
  if (json === undefined) return DEFAULT_RATE_LIMITS;
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    problems.push('RATE_LIMITS: must be JSON, e.g. {"roles":{"viewer":600},"routes":{"POST /v1/sequence":60}}');
    return DEFAULT_RATE_LIMITS;
  }
  const errors = [...Value.Errors(RateLimitsSchema, raw)];
  for (const e of errors) problems.push(`RATE_LIMITS${e.instancePath.replace(/\//g, '.')}: ${e.message}`);
  if (errors.length > 0) return DEFAULT_RATE_LIMITS;
  const r = raw as Static<typeof RateLimitsSchema>;
  const known = new Set(ROUTES.map((route) => `${route.method} ${route.path}`));
  for (const key of Object.keys(r.routes ?? {})) {
    if (!known.has(key)) problems.push(`RATE_LIMITS.routes: '${key}' is not a route of the edge (use "METHOD /v1/path" from the route table)`);
  }
  return {
    windowMs: r.windowMs ?? DEFAULT_RATE_LIMITS.windowMs,
    anonymous: r.anonymous ?? DEFAULT_RATE_LIMITS.anonymous,
    roles: { ...DEFAULT_RATE_LIMITS.roles, ...r.roles },
    routes: { ...r.routes },
  };
}

/** Reads and checks the environment, throwing one ConfigError that lists every problem. */
export function readSettings(realEnv: Record<string, string | undefined>, envFile?: string | false): EdgeSettings {
  const env = readEnv({ env: realEnv, ...(envFile === undefined ? {} : { envFile }) });
  const problems: string[] = [];
  const config: EdgeConfig | undefined = collectProblems(problems, () => loadConfig(EdgeConfigSchema, { env, envFile: false }));
  for (const name of SERVICE_NAMES) {
    const v = env[SERVICE_ENV[name].url];
    if (v && !/^https?:\/\/[^/]+/.test(v)) problems.push(`${SERVICE_ENV[name].url}: must be an http(s) URL, e.g. http://127.0.0.1:8000`);
  }
  if (env.NODE_ENV === 'production') {
    const placeholders = [
      ['SEQUENCE_API_KEY', SEED_DEV_API_KEY],
      ['CHARACTERS_API_KEY', SEED_DEV_API_KEY],
      ['SCRIPTS_API_KEY', SEED_DEV_API_KEY],
      ['TYPESENSE_SERVICE_API_KEY', SEED_DEV_SERVICE_KEY],
    ] as const;
    for (const [key, placeholder] of placeholders) {
      if (!env[key] || env[key] === placeholder) problems.push(`${key}: required in production (the seeds' placeholder is refused)`);
    }
  }
  const rateLimits = parseRateLimits(env.RATE_LIMITS || undefined, problems);
  if (env.REDIS_URL && !/^rediss?:\/\//.test(env.REDIS_URL)) problems.push('REDIS_URL: must be a redis:// or rediss:// URL');
  let jwt: JwtVerifierSettings | undefined;
  if (config) {
    jwt = collectProblems(problems, () => jwtSettingsFromConfig(config, config.NODE_ENV));
  }
  if (problems.length > 0 || !config || !jwt) throw new ConfigError(problems);

  const origin = (url: string): string => url.replace(/\/+$/, '');
  const upstreams: Upstream[] = [
    { name: 'sequence', url: origin(config.SEQUENCE_URL), auth: { kind: 'api-key', apiKey: config.SEQUENCE_API_KEY } },
    { name: 'characters', url: origin(config.CHARACTERS_URL), auth: { kind: 'api-key', apiKey: config.CHARACTERS_API_KEY } },
    { name: 'scripts', url: origin(config.SCRIPTS_URL), auth: { kind: 'api-key', apiKey: config.SCRIPTS_API_KEY } },
    { name: 'search', url: origin(config.TYPESENSE_CLIENT_URL), auth: { kind: 'api-key', apiKey: config.TYPESENSE_SERVICE_API_KEY } },
    ...(config.KEY_MANAGEMENT_URL ? [{ name: 'kms' as const, url: origin(config.KEY_MANAGEMENT_URL), auth: { kind: 'caller-jwt' as const } }] : []),
  ];
  const cors = config.CORS_ORIGINS?.trim();
  const trust = config.TRUST_PROXY?.trim();
  return {
    config,
    jwt,
    upstreams,
    rateLimits,
    corsOrigins: cors === undefined ? null : cors === '*' ? '*' : list(cors),
    trustProxy: trust === undefined ? undefined : list(trust),
    searchCollections: config.SEARCH_COLLECTIONS ? list(config.SEARCH_COLLECTIONS) : null,
  };
}
