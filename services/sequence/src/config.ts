import { readServiceSettings, serviceConfig, type ServiceSettings } from '@fountain/service';
import { Type, type Static } from 'typebox';

/**
 * The Central Sequence Service's environment: the blueprint's common variables (the seeds' names,
 * seeds/000 section 3.b.ii, seeds/002 section 2) with this service's defaults. Parsed once at
 * start-up; every problem is listed at once.
 */
export const SequenceConfigSchema = serviceConfig(
  { name: 'sequence', port: 8000, collection: 'sequence_elements', serviceName: 'central_sequence_service' },
  {
    /** How long a write waits for the write lock held by another process before a retryable 503 (docs/sequence.md, "A long lock"). */
    DB_LOCK_WAIT_MS: Type.Integer({ minimum: 0, maximum: 120_000, default: 5000 }),
  },
);

/** The parsed configuration. */
export type SequenceConfig = Static<typeof SequenceConfigSchema>;

/** The seeds' placeholder keys: the development defaults, refused in production (see the kit). */
export { SEED_DEV_API_KEY, SEED_DEV_SERVICE_KEY } from '@fountain/kit';
/** The seeds' SQLAlchemy-style DATABASE_URL reader, kept in the kit (every service has one). */
export { parseDatabaseUrl } from '@fountain/kit';

/** The settings the server needs: the config plus the database file it names. */
export type SequenceSettings = ServiceSettings<SequenceConfig>;

/** Reads and checks the environment, throwing one ConfigError that lists every problem. */
export function readSettings(realEnv: Record<string, string | undefined>, envFile?: string | false): SequenceSettings {
  return readServiceSettings(SequenceConfigSchema, realEnv, envFile);
}
