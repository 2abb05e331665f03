/**
 * A verifier's copy of the KMS's keys (the Search Gateway's): it follows the change feed with a long
 * poll, so a revocation arrives within milliseconds, and answers `lookup(presented)` from memory by
 * SHA-256 digest. The last known set (digests, states and the feed position; never a secret) is
 * persisted, so after a restart a key revoked before it is still refused, even while the KMS is down.
 * While the KMS is unreachable the mirror keeps the set it has, `status()` says degraded, and it
 * catches up when the KMS is back.
 */
import { hash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Counter, type Registry } from 'prom-client';
import type { ApiKey } from '@fountain/kit';
import type { FeedKey, KmsClient } from './client.ts';
import type { KeyLogger } from './service-key.ts';

/** The verification outcomes counted in `gateway_key_verifications_total`. */
export type VerificationOutcome = 'ok' | 'unknown' | 'revoked' | 'expired';

/** Options of {@link startKeyMirror}. */
export interface KeyMirrorOptions {
  client: KmsClient;
  /** Where the last known set is kept (e.g. `DATA_DIR/kms-keys.json`); none: memory only. */
  persistPath?: string;
  /** A long poll's wait (default 25 s). */
  waitMs?: number;
  /** How long start-up waits for the first sync before serving the persisted set (default 5 s). */
  startupTimeoutMs?: number;
  /** How often used key ids are reported to the KMS (default 10 s). */
  usageReportMs?: number;
  /** Where `gateway_key_verifications_total` is registered. */
  registry?: Registry;
  logger?: KeyLogger;
  now?: () => number;
}

/** A running mirror; see {@link startKeyMirror}. */
export interface KeyMirror {
  /** The key a presented secret belongs to, if it is known, not revoked and not expired. */
  lookup(presented: string): ApiKey | null;
  /** Search-only keys whose secret starts with `prefix` (the parents of scoped search keys). */
  searchParents(prefix: string): { key: ApiKey; secret: string }[];
  /** `true` when in sync with the KMS, else why not (for `/ready`: degraded, still serving). */
  status(): true | string;
  /** The feed position held. */
  seq(): number;
  stop(): Promise<void>;
}

interface Held {
  entry: FeedKey;
  key: ApiKey;
}

const digestOf = (s: string) => hash('sha256', s, 'hex');

/**
 * Loads the persisted set, syncs with the KMS (bounded), and follows the feed until stopped.
 *
 * @example
 *   const mirror = await startKeyMirror({ client, persistPath: join(dataDir, 'kms-keys.json'), registry });
 *   createApp({ keys, keyLookup: (k) => mirror.lookup(k) });
 */
export async function startKeyMirror(opts: KeyMirrorOptions): Promise<KeyMirror> {
  const now = opts.now ?? Date.now;
  const waitMs = opts.waitMs ?? 25_000;
  const byDigest = new Map<string, Held>();
  const secrets = new Map<string, string>(); // key id -> search-only secret (memory only)
  const used = new Set<string>();
  let seq = 0;
  let synced = false;
  let failingSince: number | null = null;
  let problem = 'not synced with the Key Management Service yet';
  const verifications = opts.registry
    ? new Counter({ name: 'gateway_key_verifications_total', help: 'Keys from the Key Management Service checked, by outcome.', labelNames: ['outcome'], registers: [opts.registry] })
    : undefined;

  const hold = (e: FeedKey) => {
    const { search_secret, ...entry } = e;
    byDigest.set(e.digest, { entry, key: { id: e.id, value: '', collections: e.collections, actions: e.actions, description: `${e.service}/${e.name}` } });
    if (search_secret !== undefined && e.revoked_at_ms === null) secrets.set(e.id, search_secret);
    else secrets.delete(e.id);
  };

  if (opts.persistPath) {
    try {
      const saved = JSON.parse(readFileSync(opts.persistPath, 'utf8')) as { seq: number; keys: FeedKey[] };
      for (const e of saved.keys) hold(e);
      seq = saved.seq;
      opts.logger?.info({ keys: saved.keys.length, seq }, 'loaded the last known key set');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') opts.logger?.warn({ err: (err as Error).message }, 'could not read the persisted key set; starting empty');
    }
  }

  const persist = () => {
    if (!opts.persistPath) return;
    mkdirSync(dirname(opts.persistPath), { recursive: true });
    const tmp = `${opts.persistPath}.tmp`;
    // Digests and states only: the search-only secrets stay in memory and come back with the next sync.
    writeFileSync(tmp, JSON.stringify({ seq, keys: [...byDigest.values()].map((h) => h.entry) }), { mode: 0o600 });
    renameSync(tmp, opts.persistPath);
  };

  const stop = new AbortController();
  const syncOnce = async (wait: number) => {
    const page = await opts.client.changes(seq, wait, stop.signal);
    if (page.reset) {
      byDigest.clear();
      secrets.clear();
    }
    for (const e of page.keys) {
      // A rotation changes nothing but the record's times; a digest never moves between keys.
      for (const [d, h] of byDigest) if (h.entry.id === e.id && d !== e.digest) byDigest.delete(d);
      hold(e);
    }
    const moved = page.seq !== seq || page.reset;
    seq = page.seq;
    if (moved) persist();
    if (failingSince !== null) opts.logger?.info({ seq }, 'key management service back; key set in sync');
    synced = true;
    failingSince = null;
  };

  // Start-up: one bounded attempt; then serve what we have (persisted) and keep trying.
  try {
    await Promise.race([syncOnce(0), new Promise((_, reject) => setTimeout(() => reject(new Error('timed out')), opts.startupTimeoutMs ?? 5_000).unref())]);
  } catch (err) {
    failingSince = now();
    problem = (err as Error).message;
    opts.logger?.warn({ err: problem, keys: byDigest.size }, 'key management service unreachable at start; serving the last known key set');
  }

  const loop = (async () => {
    let backoff = 100;
    while (!stop.signal.aborted) {
      try {
        await syncOnce(synced ? waitMs : 0);
        backoff = 100;
      } catch (err) {
        if (stop.signal.aborted) break;
        if (failingSince === null) opts.logger?.warn({ err: (err as Error).message }, 'key management service unreachable; keeping the last known key set');
        failingSince ??= now();
        problem = (err as Error).message;
        await new Promise((r) => setTimeout(r, backoff).unref());
        backoff = Math.min(2_000, backoff * 2);
      }
    }
  })();

  const usageTimer = setInterval(() => {
    if (used.size === 0) return;
    const ids = [...used];
    used.clear();
    opts.client.reportUsage(ids).catch(() => ids.forEach((id) => used.add(id)));
  }, opts.usageReportMs ?? 10_000);
  usageTimer.unref();

  return {
    lookup(presented) {
      const held = byDigest.get(digestOf(presented));
      if (!held) {
        verifications?.inc({ outcome: 'unknown' });
        return null;
      }
      const e = held.entry;
      const outcome: VerificationOutcome = e.revoked_at_ms !== null ? 'revoked' : e.expires_at_ms !== null && e.expires_at_ms <= now() ? 'expired' : 'ok';
      verifications?.inc({ outcome });
      if (outcome !== 'ok') return null;
      used.add(e.id);
      return held.key;
    },
    searchParents(prefix) {
      const out: { key: ApiKey; secret: string }[] = [];
      for (const h of byDigest.values()) {
        const secret = secrets.get(h.entry.id);
        const e = h.entry;
        if (secret === undefined || !secret.startsWith(prefix) || e.revoked_at_ms !== null || (e.expires_at_ms !== null && e.expires_at_ms <= now())) continue;
        out.push({ key: h.key, secret });
      }
      return out;
    },
    status: () => (failingSince === null && synced ? true : `degraded: ${problem}; serving the last known key set (${byDigest.size} keys)`),
    seq: () => seq,
    async stop() {
      stop.abort();
      clearInterval(usageTimer);
      await loop;
    },
  };
}
