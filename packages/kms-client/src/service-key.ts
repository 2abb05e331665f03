/**
 * A service's own key, kept current: fetched from the KMS at start, re-read every `refreshMs` so a
 * rotation is picked up well inside its grace period, and re-read at once when the gateway refuses
 * the key (`refreshNow`). While the KMS is down the last key known stays in use and `status()` says
 * degraded.
 */
import { AppError } from '@fountain/kit';
import type { KmsClient } from './client.ts';

/** Logs of the refresher (pino fits). */
export interface KeyLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** A service's current key; see {@link startServiceKey}. */
export interface ServiceKey {
  /** The key to present now (never logged). */
  current(): string;
  /** The KMS id of the current key (null: the static fallback). */
  keyId(): string | null;
  /** Re-reads the key now (e.g. after a 401 from the gateway); never throws. */
  refreshNow(): Promise<void>;
  /** `true`, or why the key may be stale (for `/ready`). */
  status(): true | string;
  stop(): void;
}

/** Options of {@link startServiceKey}. */
export interface ServiceKeyOptions {
  client: KmsClient;
  /** SERVICE_NAME. */
  service: string;
  name?: string;
  /** How often to re-read (default 30 s; well inside the KMS's 10 min grace period). */
  refreshMs?: number;
  /** How long start-up waits for the KMS before giving up (default 30 s). */
  startupTimeoutMs?: number;
  logger?: KeyLogger;
}

/**
 * Fetches the service's key and keeps it current. Rejects when the KMS cannot hand out the key within
 * `startupTimeoutMs` (a refusal, e.g. a 403 or 404, at once): a service without its key cannot talk to
 * the gateway, so it should not start.
 *
 * @example
 *   const key = await startServiceKey({ client, service: 'central_sequence_service' });
 *   startSync({ gateway: { url, apiKey: () => key.current() }, ... });
 */
export async function startServiceKey(opts: ServiceKeyOptions): Promise<ServiceKey> {
  const refreshMs = opts.refreshMs ?? 30_000;
  const deadline = Date.now() + (opts.startupTimeoutMs ?? 30_000);
  let record = null as Awaited<ReturnType<KmsClient['serviceKey']>> | null;
  for (let attempt = 0; record === null; attempt++) {
    try {
      record = await opts.client.serviceKey(opts.service, opts.name);
    } catch (err) {
      const retryable = err instanceof AppError ? err.retryable : true;
      if (!retryable || Date.now() >= deadline) {
        throw new AppError(
          err instanceof AppError ? err.code : 'SEARCH_BACKEND_UNAVAILABLE',
          `Cannot get this service's key (${opts.service}) from the Key Management Service: ${(err as Error).message}`,
          { cause: err },
        );
      }
      opts.logger?.warn({ attempt, err: (err as Error).message }, 'key management service not answering yet; retrying');
      await new Promise((r) => setTimeout(r, Math.min(2_000, 100 * 2 ** attempt)));
    }
  }
  let current = record;
  let failingSince: number | null = null;
  let problem = '';
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> | null = null;

  const refresh = (): Promise<void> =>
    (inFlight ??= (async () => {
      try {
        const next = await opts.client.serviceKey(opts.service, opts.name);
        if (next.id !== current.id) opts.logger?.info({ keyId: next.id, previous: current.id }, 'service key rotated; using the new key');
        current = next;
        failingSince = null;
      } catch (err) {
        failingSince ??= Date.now();
        problem = (err as Error).message;
        opts.logger?.warn({ err: problem }, 'could not refresh the service key; keeping the last one');
      } finally {
        inFlight = null;
      }
    })());

  let stopped = false;
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => void refresh().then(schedule), refreshMs);
    timer.unref();
  };
  schedule();

  return {
    current: () => current.apiKey,
    keyId: () => current.id,
    refreshNow: refresh,
    status: () => (failingSince === null ? true : `degraded: key not refreshed since ${new Date(failingSince).toISOString()} (${problem})`),
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
