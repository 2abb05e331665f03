/**
 * The sync runner (`fountain-sync`) end to end: a Python program writes its own SQLite file with the
 * standard sqlite3 module (inserts, updates, deletes, primary-key changes, an ALTER TABLE ADD COLUMN)
 * while the runner, started from its bin as a user would, syncs it through the real gateway on real
 * Typesense. The runner's whole process group is SIGKILLed mid-stream and started again; at the end
 * the runner's own audit finds zero differences, nothing is dead-lettered, and the added column is a
 * filterable field.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT, startService, typesenseAvailable, type ServiceProcess } from '@fountain/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, gatewaySearch, sleep, startStack, tempDir, type Stack } from './stack.test-support.ts';

const run = promisify(execFile);
const BIN = join(REPO_ROOT, 'packages/sync/bin/fountain-sync.js');
const WRITER = join(REPO_ROOT, 'packages/sync/test/fixtures/python-writer.py');
const API_KEY = 'runner-test-admin-key-4d1c';

describe.runIf(typesenseAvailable())('fountain-sync: a Python writer, synced through a crash of the runner', () => {
  let stack: Stack;
  let runner: ServiceProcess | undefined;
  const tmp = tempDir('sync-runner-');
  const db = join(tmp.dir, 'story.db');
  const decl = join(tmp.dir, 'sync.yaml');
  const collection = `characters_${process.pid}`;

  const startRunner = (): Promise<ServiceProcess> =>
    startService({
      entry: 'packages/sync/bin/fountain-sync.js',
      command: { file: process.execPath, args: [BIN, '--config', decl] },
      processGroup: true,
      env: { API_KEY, TYPESENSE_SERVICE_API_KEY: stack.gateway.apiKey, TYPESENSE_CLIENT_URL: stack.gateway.url, NODE_ENV: 'production' },
      timeoutMs: 60_000,
    });
  const admin = async (path: string, init: RequestInit = {}): Promise<{ status: number; body: Record<string, unknown> }> => {
    const res = await fetch(`${runner!.url}${path}`, { ...init, headers: { 'x-api-key': API_KEY, 'content-type': 'application/json', ...init.headers } });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    stack = await startStack('typesense');
    await run('python3', [WRITER, 'setup', db]);
    writeFileSync(
      decl,
      [
        'database: ./story.db',
        'tables:',
        '  - table: characters',
        `    collection: ${collection}`,
        '    fields:',
        "      tags: { type: 'string[]', facet: true }",
        '',
      ].join('\n'),
    );
    runner = await startRunner();
  }, 120_000);
  afterAll(async () => {
    await runner?.kill();
    await stack?.stop();
    tmp.cleanup();
  });

  it('serves /health, /ready (sync_relay), /metrics and keyed /sync/* routes', async () => {
    expect((await fetch(`${runner!.url}/health`)).status).toBe(200);
    const ready = await eventually(async () => (await fetch(`${runner!.url}/ready`)).status === 200, 20_000, '/ready');
    expect(ready).toBeGreaterThanOrEqual(0);
    const checks = ((await (await fetch(`${runner!.url}/ready`)).json()) as { checks: Record<string, unknown> }).checks;
    expect(checks).toMatchObject({ database: true, sync_relay: true });
    expect(await (await fetch(`${runner!.url}/metrics`)).text()).toContain('sync_outbox_depth');
    const anonymous = await fetch(`${runner!.url}/sync/status`);
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as { errorCode: string }).errorCode).toBe('UNAUTHORIZED');
    expect((await admin('/sync/status')).status).toBe(200);
    // The 200 seed rows were backfilled.
    await eventually(async () => (await gatewaySearch(stack.gateway, collection, { q: '*' })).found === 200, 30_000, 'the backfill');
  }, 60_000);

  it('converges after a SIGKILL of the runner mid-stream: the audit finds zero differences', async () => {
    const seed = Number(process.env.RUNNER_SEED ?? Date.now() % 1_000_000);
    console.log(`runner test seed: ${seed} (RUNNER_SEED=${seed} replays the writer)`);
    const writer = run('python3', [WRITER, 'stream', db, '1200', String(seed)]);
    let writing = true;
    void writer.finally(() => (writing = false)).catch(() => undefined);
    await sleep(1000);
    expect(writing, 'the writer is still writing when the runner is killed').toBe(true);
    const killedPid = runner!.pid;
    await runner!.kill(); // SIGKILL to the runner's whole process group, mid-stream
    await sleep(300);
    runner = await startRunner();
    expect(runner.pid).not.toBe(killedPid);
    const summary = JSON.parse((await writer).stdout) as Record<string, number>;
    console.log(`python writer: ${JSON.stringify(summary)}`);
    expect(summary.alter).toBe(1);
    expect(summary.pk_change).toBeGreaterThan(0);
    expect(summary.delete).toBeGreaterThan(0);

    await eventually(async () => {
      const s = await admin('/sync/status');
      return (s.body.outbox as { depth: number }).depth === 0;
    }, 60_000, 'the outbox to drain', 100);
    const audit = await admin('/sync/audit', { method: 'POST', body: '{}' });
    expect(audit.status, JSON.stringify(audit.body)).toBe(200);
    const report = (audit.body.reports as Array<{ rows: number; documents: number }>)[0]!;
    expect(audit.body.differences, JSON.stringify(audit.body)).toBe(0);
    expect(report.rows).toBe(summary.rows);
    expect(report.documents).toBe(summary.rows);
    expect((await admin('/sync/status')).body.deadLetters).toBe(0);

    // The column the Python program added is a field: filterable, with no restart for it.
    const calm = await gatewaySearch(stack.gateway, collection, { q: '*', filter_by: 'mood:=calm' });
    expect(calm.status, JSON.stringify(calm.body)).toBe(200);
    expect(calm.found).toBeGreaterThan(0);
  }, 180_000);
});

describe('fountain-sync refuses a bad declaration at start, listing every problem', () => {
  const tmp = tempDir('sync-runner-bad-');
  afterAll(() => tmp.cleanup());

  it('exits 1 with one line per problem and no stack trace', async () => {
    const db = join(tmp.dir, 'app.db');
    await run('python3', [WRITER, 'setup', db]);
    const file = join(tmp.dir, 'bad.yaml');
    writeFileSync(
      file,
      [
        'database: ./app.db',
        'tabels: []',
        'tables:',
        '  - table: charactrs',
        '    collection: characters',
        '  - table: characters',
        '    collection: characters2',
        '    idColumns: [characterId]',
        '    fields:',
        '      nmae: { facet: true }',
        '      name: { facet: "yes" }',
        '      description: { type: int64 }',
        '',
      ].join('\n'),
    );
    const err = await run(process.execPath, [BIN, '--config', file]).then(
      () => null,
      (e: { code: number; stderr: string }) => e,
    );
    expect(err?.code).toBe(1);
    const lines = err!.stderr.split('\n').filter((l) => l.startsWith('  - '));
    const text = lines.join('\n');
    expect(text).toContain('tabels: unknown key');
    expect(text).toContain("no table 'charactrs'");
    expect(text).toContain("no column 'characterId'");
    expect(text).toContain("no column 'nmae'");
    expect(text).toContain('name.facet: must be boolean');
    expect(text).toContain("column 'description' is TEXT; its values can't be indexed as int64");
    expect(lines).toHaveLength(6);
    expect(err!.stderr).not.toMatch(/\n\s+at /);
  }, 60_000);
});
