import type { Provision } from '../config.ts';
import type { KeyManager } from './keys.ts';

const SYSTEM = { subject: 'system:provision', roles: ['admin'] };

/**
 * Makes sure each listed service has an active key of the given name, issuing the missing ones
 * (KMS_SERVICES; `npm start`). Existing keys are left alone, scope included: the database, not the
 * environment, is the source of truth once a key exists. Answers the services given a new key.
 */
export function provisionKeys(keys: KeyManager, list: readonly Provision[]): string[] {
  const issued: string[] = [];
  for (const p of list) {
    const name = p.name ?? 'default';
    if (keys.list(SYSTEM, { service: p.service }).some((k) => k.name === name && keys.stateOf(k) === 'active')) continue;
    keys.issue(SYSTEM, { service: p.service, name, collections: p.collections, actions: p.actions, description: p.description ?? null });
    issued.push(p.service);
  }
  return issued;
}
