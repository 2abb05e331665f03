/**
 * The two gateways every attack test runs against: one in front of a real Typesense 0.24.1, one on
 * the embedded engine, each its own production-mode process. Without the Typesense binary (and not
 * under CI's REQUIRE_TYPESENSE=1) only the embedded one runs, and `typesenseAvailable` says so loudly.
 */
import { startGateway, startTypesense, typesenseAvailable, type GatewayProcess, type TypesenseServer } from '@fountain/testing';

/** One gateway under attack. */
export interface Target {
  name: 'typesense' | 'embedded';
  gateway: GatewayProcess;
  /** Calls the gateway with the full-scope key. */
  call(method: string, path: string, body?: string, contentType?: string): Promise<{ status: number; text: string; json: () => unknown }>;
}

/** The running targets, the Typesense behind the first one (if any), and a way to stop everything. */
export interface Attack {
  targets: Target[];
  typesense: TypesenseServer | undefined;
  stop(): Promise<void>;
}

/** Starts the targets (in parallel) with the given extra gateway environment. */
export async function startAttackTargets(env: Record<string, string> = {}): Promise<Attack> {
  const typesense = typesenseAvailable() ? await startTypesense() : undefined;
  const started = await Promise.allSettled([
    // Two gateways and a Typesense starting at once on a loaded two-core machine: give them time.
    typesense ? startGateway({ typesense, env, timeoutMs: 90_000 }) : Promise.resolve(undefined),
    startGateway({ env, timeoutMs: 90_000 }),
  ]);
  const gateways = started.map((s) => (s.status === 'fulfilled' ? s.value : undefined));
  const stop = async (): Promise<void> => {
    await Promise.allSettled(gateways.map((g) => g?.stopAndClean()));
    await typesense?.stop();
  };
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) {
    await stop();
    throw (failed as PromiseRejectedResult).reason;
  }
  const target = (name: Target['name'], gateway: GatewayProcess): Target => ({
    name,
    gateway,
    async call(method, path, body, contentType = 'application/json') {
      const res = await fetch(`${gateway.url}${path}`, {
        method,
        headers: { 'x-api-key': gateway.serviceKey, ...(body === undefined ? {} : { 'content-type': contentType }) },
        ...(body === undefined ? {} : { body }),
      });
      const text = await res.text();
      return { status: res.status, text, json: () => JSON.parse(text) as unknown };
    },
  });
  const targets: Target[] = [];
  if (gateways[0]) targets.push(target('typesense', gateways[0]));
  targets.push(target('embedded', gateways[1]!));
  return { targets, typesense, stop };
}
