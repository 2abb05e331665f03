import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startService, type ServiceProcess } from './service-process.ts';
import type { TypesenseServer } from './typesense-server.ts';

/** The Search Gateway's entry point, run as its own process. */
export const GATEWAY_ENTRY = 'services/search-gateway/src/server.ts';

/** A Search Gateway process, with the service key it accepts and its own data dir. */
export interface GatewayProcess extends ServiceProcess {
  /** The full-scope key (TYPESENSE_SERVICE_API_KEY) the gateway accepts: a throwaway test key. */
  readonly serviceKey: string;
  readonly dataDir: string;
  /** Stops the process and removes its data dir. */
  stopAndClean(): Promise<void>;
}

/**
 * Starts the real Search Gateway as its own production-mode process: in front of a real Typesense
 * when `typesense` is given, on its embedded backend otherwise, with a throwaway service key and a
 * temporary DATA_DIR.
 *
 * @example
 *   const ts = await startTypesense();
 *   const gw = await startGateway({ typesense: ts });
 *   // ... fetch(`${gw.url}/collections`, { headers: { 'X-API-KEY': gw.serviceKey } })
 *   await gw.stopAndClean(); await ts.stop();
 */
export async function startGateway(
  opts: {
    typesense?: TypesenseServer;
    serviceKey?: string;
    env?: Record<string, string>;
    nodeArgs?: string[];
    /** A fixed port, e.g. to restart a gateway where its clients expect it (default: a free one). */
    port?: number;
    /** How much of its output to keep (see startService). */
    outputLimit?: number;
    /** How long to wait for it to answer /health (default 30 s). */
    timeoutMs?: number;
  } = {},
): Promise<GatewayProcess> {
  const serviceKey = opts.serviceKey ?? 'test-gateway-service-key-0123456789';
  const dataDir = mkdtempSync(join(tmpdir(), 'gateway-test-'));
  const ts = opts.typesense;
  try {
    const proc = await startService({
      entry: GATEWAY_ENTRY,
      env: {
        NODE_ENV: 'production',
        TYPESENSE_SERVICE_API_KEY: serviceKey,
        DATA_DIR: dataDir,
        ...(ts && { TYPESENSE_HOST: ts.host, TYPESENSE_PORT: String(ts.port), TYPESENSE_API_KEY: ts.apiKey }),
        ...opts.env,
      },
      ...(opts.nodeArgs && { nodeArgs: opts.nodeArgs }),
      ...(opts.port !== undefined && { port: opts.port }),
      ...(opts.outputLimit !== undefined && { outputLimit: opts.outputLimit }),
      ...(opts.timeoutMs !== undefined && { timeoutMs: opts.timeoutMs }),
    });
    return Object.assign(proc, {
      serviceKey,
      dataDir,
      async stopAndClean() {
        await proc.stop();
        rmSync(dataDir, { recursive: true, force: true });
      },
    });
  } catch (err) {
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
}
