/**
 * Configuration from environment variables: one TypeBox object schema per service, parsed once at
 * start-up. Strings are converted to the schema's types, defaults applied, and every problem reported
 * at once so a misconfigured deployment is fixed in one round trip.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { Type, type Static, type TSchema } from 'typebox';
import { Value } from 'typebox/value';

/** Thrown when configuration is invalid; `problems` holds one line per variable. */
export class ConfigError extends Error {
  readonly problems: string[];

  constructor(problems: string[], heading = 'Invalid configuration') {
    super(`${heading}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** Options for {@link loadConfig}. */
export interface LoadConfigOptions {
  /** The environment to read; defaults to `process.env` (read, never written). */
  env?: Record<string, string | undefined>;
  /** Path of a dotenv file (default `.env` in the cwd, if present); `false` skips it. */
  envFile?: string | false;
}

/** Whether a variable's value must never be echoed in messages or logs. */
export function isSecretName(name: string): boolean {
  return /KEY|SECRET|PASSWORD|TOKEN/i.test(name);
}

/**
 * The values of a parsed config's secret settings (names matching {@link isSecretName}), for the
 * logger to mask wherever they appear.
 *
 * @example
 *   const log = createLogger({ name: 'sequence', secrets: secretValues(config) });
 */
export function secretValues(config: object): string[] {
  return Object.entries(config)
    .filter(([name, value]) => isSecretName(name) && typeof value === 'string' && value !== '')
    .map(([, value]) => value as string);
}

/**
 * Loads and validates configuration from the environment (plus an optional `.env` file, which never
 * overrides real variables).
 *
 * @example
 *   const Config = Type.Object({ PORT: portVar(8001), API_KEY: Type.String({ minLength: 16 }) });
 *   const config = loadConfig(Config); // throws ConfigError listing every problem
 */
export function loadConfig<T extends TSchema>(schema: T, opts: LoadConfigOptions = {}): Static<T> {
  const properties = objectProperties(schema);
  const env = readEnv(opts);

  const problems: string[] = [];
  const converted: Record<string, unknown> = {};
  for (const [name, prop] of Object.entries(properties)) {
    const raw = env[name];
    // An empty value counts as unset (so `PORT=` in a compose file falls back to the default).
    if (raw === undefined || raw === '') continue;
    const result = convert(prop, raw);
    if (result.ok) converted[name] = result.value;
    else problems.push(`${name}: ${result.problem}${got(name, raw)}`);
  }

  const withDefaults = Value.Default(schema, converted) as Record<string, unknown>;
  const failed = new Set(problems.map((p) => p.slice(0, p.indexOf(':'))));
  const seen = new Set<string>();
  for (const error of Value.Errors(schema, withDefaults)) {
    for (const name of namesOf(error)) {
      if (failed.has(name) || seen.has(name)) continue;
      seen.add(name);
      const prop = properties[name];
      const raw = env[name];
      if (prop === undefined || raw === undefined || raw === '') {
        problems.push(`${name}: is required${prop === undefined ? '' : ` (${describe(prop)})`}`);
        continue;
      }
      const inner = error.instancePath.slice(name.length + 1);
      const nested = inner === '' ? '' : ` (at ${inner}: ${error.message})`;
      problems.push(`${name}: ${describe(prop)}${nested}${got(name, raw)}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return withDefaults as Static<T>;
}

/** A TCP port variable with a default, e.g. `PORT: portVar(8001)`. */
export function portVar(defaultPort: number) {
  return Type.Integer({ minimum: 1, maximum: 65535, default: defaultPort, description: 'TCP port' });
}

/** A boolean variable with a default; accepts true/false, 1/0, yes/no, on/off. */
export function boolVar(defaultValue: boolean) {
  return Type.Boolean({ default: defaultValue });
}

// ---------------------------------------------------------------------------------------------

type Converted = { ok: true; value: unknown } | { ok: false; problem: string };

function objectProperties(schema: TSchema): Record<string, TSchema> {
  const s = schema as { type?: unknown; properties?: Record<string, TSchema> };
  if (s.type !== 'object' || s.properties === undefined) {
    throw new TypeError('loadConfig needs a Type.Object schema whose properties are the variables');
  }
  return s.properties;
}

/**
 * The environment a service reads: the `.env` file (if present) overlaid by the real variables, which
 * win. For services that read variables outside a schema too (so `.env` applies to those as well).
 *
 * @example
 *   const env = readEnv(); // then loadConfig(schema, { env, envFile: false })
 */
export function readEnv(opts: LoadConfigOptions = {}): Record<string, string> {
  return { ...readEnvFile(opts.envFile), ...definedOnly(opts.env ?? process.env) };
}

function readEnvFile(envFile: string | false | undefined): Record<string, string> {
  if (envFile === false) return {};
  const path = resolve(envFile ?? '.env');
  if (!existsSync(path)) {
    if (envFile !== undefined) throw new ConfigError([`${envFile}: env file not found`]);
    return {};
  }
  return parseDotenv(readFileSync(path));
}

function definedOnly(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return out;
}

function got(name: string, raw: string): string {
  return isSecretName(name) ? ' (value hidden)' : ` (got ${JSON.stringify(raw)})`;
}

/** The top-level variable(s) a TypeBox error is about. */
function namesOf(error: { instancePath: string; params: unknown }): string[] {
  const [, first] = error.instancePath.split('/');
  if (first) return [first.replace(/~1/g, '/').replace(/~0/g, '~')];
  const params = (error.params ?? {}) as { requiredProperties?: string[] };
  return params.requiredProperties ?? [];
}

const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off']);

/** Converts one raw string to the type a (sub)schema asks for; leaves validation to TypeBox. */
function convert(schema: TSchema, raw: string): Converted {
  const s = schema as { type?: unknown; anyOf?: TSchema[]; const?: unknown };
  if (Array.isArray(s.anyOf)) {
    for (const member of s.anyOf) {
      const r = convert(member, raw);
      if (r.ok && Value.Check(member, r.value)) return r;
    }
    return { ok: true, value: raw };
  }
  switch (s.type) {
    case 'integer':
    case 'number': {
      const trimmed = raw.trim();
      const n = Number(trimmed);
      return { ok: true, value: trimmed !== '' && Number.isFinite(n) ? n : raw };
    }
    case 'boolean': {
      const lower = raw.trim().toLowerCase();
      if (TRUE.has(lower)) return { ok: true, value: true };
      if (FALSE.has(lower)) return { ok: true, value: false };
      return { ok: false, problem: 'must be a boolean (true/false, 1/0, yes/no, on/off)' };
    }
    case 'object':
    case 'array':
      try {
        return { ok: true, value: JSON.parse(raw) as unknown };
      } catch {
        return { ok: false, problem: `must be valid JSON (${s.type === 'array' ? 'an array' : 'an object'})` };
      }
    default:
      return { ok: true, value: raw };
  }
}

/** A human description of what a variable must be, naming its constraints. */
function describe(schema: TSchema): string {
  const s = schema as Record<string, unknown> & { anyOf?: TSchema[] };
  if (Array.isArray(s.anyOf)) {
    const consts = s.anyOf.map((m) => (m as { const?: unknown }).const);
    if (consts.every((c) => c !== undefined)) return `must be one of ${consts.map((c) => String(c)).join(', ')}`;
    return 'must match one of the allowed forms';
  }
  if (s.const !== undefined) return `must be ${String(s.const)}`;
  if (Array.isArray(s.enum)) return `must be one of ${s.enum.map((c) => String(c)).join(', ')}`;
  switch (s.type) {
    case 'integer':
    case 'number':
      return `must be ${s.type === 'integer' ? 'an integer' : 'a number'}${range(s.minimum, s.maximum)}`;
    case 'boolean':
      return 'must be a boolean (true/false, 1/0, yes/no, on/off)';
    case 'string': {
      const parts: string[] = [];
      if (typeof s.minLength === 'number') parts.push(`at least ${s.minLength} characters`);
      if (typeof s.maxLength === 'number') parts.push(`at most ${s.maxLength} characters`);
      if (typeof s.pattern === 'string') parts.push(`matching /${s.pattern}/`);
      if (typeof s.format === 'string') parts.push(`in ${s.format} format`);
      return `must be a string${parts.length > 0 ? ` ${parts.join(', ')}` : ''}`;
    }
    case 'array':
      return 'must be a JSON array of the expected shape';
    case 'object':
      return 'must be a JSON object of the expected shape';
    default:
      return 'is invalid';
  }
}

function range(min: unknown, max: unknown): string {
  if (typeof min === 'number' && typeof max === 'number') return ` between ${min} and ${max}`;
  if (typeof min === 'number') return ` >= ${min}`;
  if (typeof max === 'number') return ` <= ${max}`;
  return '';
}

/**
 * Runs one step of reading settings; a ConfigError's problems are added to `problems` and the step
 * answers `undefined`, so a reader can go on and list every problem at once. Other errors are bugs
 * and are thrown.
 * @example const config = collectProblems(problems, () => loadConfig(Schema, { env, envFile: false }));
 */
export function collectProblems<T>(problems: string[], step: () => T): T | undefined {
  try {
    return step();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    problems.push(...err.problems);
    return undefined;
  }
}

/**
 * Reads a service's settings at start-up, or prints every problem and exits with status 1: bad
 * configuration fails fast, once, with the whole list (never per request).
 *
 * @example
 *   const { config } = settingsOrExit(() => readSettings(process.env));
 */
export function settingsOrExit<T>(read: () => T): T {
  try {
    return read();
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  }
}

/**
 * Runs an async start-up step (opening a data store) and, when it fails with an error already worded
 * for the operator (a `ConfigError` or a `StartupError`, by name), prints that one message and exits
 * with status 1, as {@link settingsOrExit} does. Anything else is a bug and keeps its stack.
 *
 * @example
 *   const backend = await startupOrExit(() => createEmbeddedBackend({ dataDir }));
 */
export async function startupOrExit<T>(step: () => T | Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (err) {
    if (!(err instanceof Error && (err.name === 'ConfigError' || err.name === 'StartupError'))) throw err;
    console.error(err.message);
    process.exit(1);
  }
}
