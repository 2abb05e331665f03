/** The KMS's metrics: keys by state, operations by outcome, and the age of each current key (rotation age). */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { KmsStore } from './db/store.ts';
import { stateOf } from './domain/keys.ts';

/** The operation counter the key manager feeds through `onAudit`. */
export interface KmsMetrics {
  operation(action: string, outcome: string): void;
}

/**
 * Registers the metrics; the gauges are computed from the database on each scrape (there are few keys).
 *
 * @example
 *   const metrics = createKmsMetrics(app.metricsRegistry, store);
 */
export function createKmsMetrics(registry: Registry, store: KmsStore, now: () => number = Date.now): KmsMetrics {
  new Gauge({
    name: 'kms_keys',
    help: 'Key records by state (active, grace, expired, revoked).',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      const t = now();
      const counts = { active: 0, grace: 0, expired: 0, revoked: 0 };
      for (const k of store.listKeys({})) counts[stateOf(k, t)]++;
      for (const [state, n] of Object.entries(counts)) this.set({ state }, n);
    },
  });
  new Gauge({
    name: 'kms_key_age_seconds',
    help: 'Age of the current (active) key of each service and name: the time since its last rotation.',
    labelNames: ['service', 'name'],
    registers: [registry],
    collect() {
      this.reset();
      const t = now();
      for (const k of store.listKeys({})) if (stateOf(k, t) === 'active') this.set({ service: k.service, name: k.name }, (t - k.createdAt) / 1000);
    },
  });
  const ops = new Counter({
    name: 'kms_operations_total',
    help: 'Key operations (issue, rotate, revoke, update, read, ...) by outcome (ok, denied, not_found).',
    labelNames: ['action', 'outcome'],
    registers: [registry],
  });
  return { operation: (action, outcome) => ops.inc({ action, outcome }) };
}
