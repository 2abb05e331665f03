/**
 * End to end through the README's own entry (`npm start` runs scripts/start.ts): the whole system
 * starts, the seeds' flows work over HTTP, the elements are found in search, and SIGINT (Ctrl-C)
 * stops everything cleanly. Once on the embedded backend, once on a real Typesense.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SEED_DEV_API_KEY, SEED_DEV_SERVICE_KEY } from '@fountain/kit';
import { freePort, REPO_ROOT, startTypesense, typesenseAvailable, type TypesenseServer } from '@fountain/testing';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function runSystem(extraEnv: Record<string, string>): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'start-e2e-'));
  dirs.push(dataDir);
  const [gatewayPort, sequencePort] = [await freePort(), await freePort()];
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'scripts/start.ts')], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...extraEnv, DATA_DIR: dataDir, GATEWAY_PORT: String(gatewayPort), SEQUENCE_PORT: String(sequencePort), LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  try {
    const deadline = Date.now() + 60_000;
    while (!out.includes('FountainAI is running')) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the system did not start:\n${out}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(out).toContain(`http://localhost:${gatewayPort}`);
    expect(out).toContain(`http://localhost:${sequencePort}`);
    expect(out).toContain(extraEnv.TYPESENSE_HOST ? 'typesense (' : 'embedded (');

    const seq = (path: string, body?: unknown, headers: Record<string, string> = {}) =>
      fetch(`http://127.0.0.1:${sequencePort}${path}`, {
        method: body === undefined ? 'GET' : path === '/sequence/reorder' ? 'PUT' : 'POST',
        headers: { 'X-API-KEY': SEED_DEV_API_KEY, 'Content-Type': 'application/json', ...headers },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    // The seeds' flows: sequence numbers, a version, a reorder.
    for (const elementId of [1, 2, 3]) {
      const res = await seq('/sequence', { elementType: 'script', elementId, comment: `script ${elementId}` });
      expect(res.status).toBe(201);
    }
    const version = await seq(
      '/sequence/version',
      { elementType: 'script', elementId: 2, newVersionData: { text: 'a lighthouse keeper' }, comment: 'rewrite' },
      { Prefer: 'wait-for-index' },
    );
    expect(version.status).toBe(201);
    const reorder = await seq('/sequence/reorder', {
      elementType: 'script',
      elements: [
        { elementId: 1, newSequence: 3 },
        { elementId: 3, newSequence: 1 },
      ],
      comment: 'swap',
    });
    expect(reorder.status).toBe(200);

    // Found in search, through the service and through the gateway's seed endpoint, without waiting
    // on anything but the index.
    let found: { found: number; hits: Array<{ document: Record<string, unknown> }> } = { found: 0, hits: [] };
    for (let i = 0; i < 100 && found.found < 4; i++) {
      found = (await (await seq('/search?q=lighthouse&query_by=data')).json()) as typeof found;
      if (found.found < 1) await new Promise((r) => setTimeout(r, 100));
      else break;
    }
    expect(found.found).toBe(1);
    expect(found.hits[0]?.document).toMatchObject({ element_type: 'script', element_id: 2, version_number: 2 });
    const viaGateway = await fetch(`http://127.0.0.1:${gatewayPort}/search`, {
      method: 'POST',
      headers: { 'X-API-KEY': SEED_DEV_SERVICE_KEY, 'Content-Type': 'application/json' },
      body: JSON.stringify({ q: '*', query_by: 'comment', filter_by: 'element_id:=3', sort_by: 'version_number:desc', collection: 'sequence_elements' }),
    });
    const g = (await viaGateway.json()) as { found: number; hits: Array<{ document: { sequence_number: number } }> };
    expect(viaGateway.status).toBe(200);
    expect(g.found).toBeGreaterThanOrEqual(1);
    // Element 3 was moved to position 1 by the reorder; its document follows (eventually, via sync).
    for (let i = 0; i < 50 && g.hits[0]?.document.sequence_number !== 1; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const again = await fetch(`http://127.0.0.1:${gatewayPort}/search`, {
        method: 'POST',
        headers: { 'X-API-KEY': SEED_DEV_SERVICE_KEY, 'Content-Type': 'application/json' },
        body: JSON.stringify({ q: '*', query_by: 'comment', filter_by: 'element_id:=3', collection: 'sequence_elements' }),
      });
      Object.assign(g, await again.json());
    }
    expect(g.hits[0]?.document.sequence_number).toBe(1);
  } finally {
    child.kill('SIGINT');
  }
  expect(await exited).toBe(0);
  expect(out).toContain('shutting down');
}

describe('npm start (scripts/start.ts)', () => {
  it('runs the whole system on the embedded backend', async () => {
    await runSystem({});
  }, 120_000);

  describe.skipIf(!typesenseAvailable())('on a real Typesense', () => {
    let ts: TypesenseServer | undefined;
    afterAll(async () => {
      await ts?.stop();
    });
    it('runs the whole system on Typesense', async () => {
      ts = await startTypesense();
      await runSystem({ TYPESENSE_HOST: ts.host, TYPESENSE_PORT: String(ts.port), TYPESENSE_API_KEY: ts.apiKey });
    }, 120_000);
  });
});
