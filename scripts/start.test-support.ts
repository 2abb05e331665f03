/**
 * Test support for the e2e suites of `npm start` (start.test.ts, crash-burst.test.ts): scripts/start.ts
 * run as `npm start` runs it, on chosen or fresh ports and data dir, and a port probe.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, REPO_ROOT } from '@fountain/testing';

const dirs: string[] = [];

/** Removes the data dirs that {@link launch} created (call from afterAll). */
export function cleanupLaunches(): void {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** A running scripts/start.ts. */
export interface Launched {
  child: ChildProcess;
  gatewayPort: number;
  sequencePort: number;
  kmsPort: number;
  charactersPort: number;
  scriptsPort: number;
  edgePort: number;
  dataDir: string;
  exited: Promise<number | null>;
  output(): string;
  /** Resolves once the banner is printed; throws with the output if the launcher exits first. */
  running(): Promise<void>;
}

/** Starts scripts/start.ts with `extraEnv`, on `ports` (default: free ones) and `dataDir` (default: a fresh one). */
export async function launch(
  extraEnv: Record<string, string> = {},
  ports?: { gateway: number; sequence: number; kms?: number; characters?: number; scripts?: number; edge?: number },
  dataDir?: string,
): Promise<Launched> {
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'start-e2e-'));
  if (dataDir === undefined) dirs.push(dir);
  const gatewayPort = ports?.gateway ?? (await freePort());
  const sequencePort = ports?.sequence ?? (await freePort());
  const kmsPort = ports?.kms ?? (await freePort());
  const charactersPort = ports?.characters ?? (await freePort());
  const scriptsPort = ports?.scripts ?? (await freePort());
  const edgePort = ports?.edge ?? (await freePort());
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'scripts/start.ts')], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      LOG_LEVEL: 'warn',
      ...extraEnv,
      DATA_DIR: dir,
      GATEWAY_PORT: String(gatewayPort),
      SEQUENCE_PORT: String(sequencePort),
      KMS_PORT: String(kmsPort),
      CHARACTERS_PORT: String(charactersPort),
      SCRIPTS_PORT: String(scriptsPort),
      EDGE_PORT: String(edgePort),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return {
    child,
    gatewayPort,
    sequencePort,
    kmsPort,
    charactersPort,
    scriptsPort,
    edgePort,
    dataDir: dir,
    exited,
    output: () => out,
    async running() {
      // Five services and the edge start one after the other; on a loaded CI machine that can take a minute or more.
      const deadline = Date.now() + 240_000;
      while (!out.includes('FountainAI is running')) {
        if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the system did not start:\n${out}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
  };
}

/** Whether a TCP port can be bound on 127.0.0.1 (the services' development address). */
export function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}
