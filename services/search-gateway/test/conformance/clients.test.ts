import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { typesenseAvailable } from '@fountain/testing';
import { booksOf, clientCases, observeStep, type DriverLine } from './client-cases.test-support.ts';
import { buildGoDriver, pythonDriver, runDriver, type Driver } from './drivers.test-support.ts';
import { booksJsonl, booksSchema } from './fixtures.test-support.ts';
import { runNpmCases } from './npm-driver.test-support.ts';
import { startTargets, type Target, type TargetKind, type Targets } from './targets.test-support.ts';

/**
 * Every official client against the three targets: the same client-neutral cases (client-cases.test-support.ts)
 * run through the npm client (in process), the Python client and the Go client (each a driver
 * process), against (a) Typesense, (b) the gateway on Typesense and (c) the gateway on its embedded
 * engine. A client's observations through (b) and (c) must equal its own through (a); each case's
 * absolute checks run on every target, so (c) is still checked without Typesense.
 */

const WITH_TYPESENSE = typesenseAvailable();
const KINDS: TargetKind[] = ['typesense', 'gateway-typesense', 'gateway-embedded'];
type ClientName = 'npm' | 'python' | 'go';
const CLIENTS: ClientName[] = ['npm', 'python', 'go'];

let targets: Targets | undefined;
let goDir: string | undefined;
const drivers: Partial<Record<ClientName, Driver | 'npm' | null>> = {};
/** Per client, per target kind: the driver's lines by case name. */
const runs = new Map<string, Promise<Map<string, DriverLine>>>();

beforeAll(async () => {
  goDir = mkdtempSync(join(tmpdir(), 'go-driver-'));
  drivers.npm = 'npm';
  drivers.python = pythonDriver();
  targets = await startTargets(WITH_TYPESENSE);
  // Built once per run, after the servers are up: on a loaded machine a compile beside three starting
  // servers pushes them past their start-up timeout.
  const go = buildGoDriver(goDir);
  await Promise.all(
    targets.all.map(async (t) => {
      await t.client.collections().create(booksSchema(booksOf(t.ns)));
      await t.client.collections(booksOf(t.ns)).documents().import(booksJsonl(), { action: 'create' });
    }),
  );
  drivers.go = await go;
  // Every client against every target, all at once (the namespaces keep them apart).
  for (const client of CLIENTS) {
    const driver = drivers[client];
    if (!driver) continue;
    for (const t of targets.all) {
      const cases = clientCases(t.ns, client);
      const lines = driver === 'npm' ? runNpmCases(t.client, cases) : runDriver(driver, t.url, t.key, cases);
      runs.set(`${client}/${t.kind}`, lines.then((ls) => new Map(ls.map((l) => [l.case, l]))));
    }
  }
  // Surface a driver that crashed here, once, rather than in every case.
  await Promise.all(runs.values());
}, 600_000);

afterAll(async () => {
  await targets?.stop();
  if (goDir) rmSync(goDir, { recursive: true, force: true });
}, 30_000);

function targetOf(kind: TargetKind): Target {
  const t = targets?.all.find((x) => x.kind === kind);
  if (!t) throw new Error(`target ${kind} is not running`);
  return t;
}

/** The observations of one case, as one client saw them on one target. */
async function observed(client: ClientName, kind: TargetKind, name: string): Promise<unknown[]> {
  const t = targetOf(kind);
  const lines = await runs.get(`${client}/${kind}`);
  const line = lines?.get(name);
  if (!line) throw new Error(`${client} printed no line for case ${name} on ${kind}`);
  const c = clientCases(t.ns, client).find((x) => x.name === name);
  if (!c) throw new Error(`no case ${name}`);
  expect(line.results).toHaveLength(c.steps.length);
  return c.steps.map((s, i) => observeStep(t.ns, s, line.results[i] as never));
}

const CASE_NAMES = clientCases('x', 'x').map((c) => c.name);

describe.each(CLIENTS)('client %s', (client) => {
  describe.each(KINDS)('against %s', (kind) => {
    const needsTypesense = kind !== 'gateway-embedded';
    describe.skipIf(needsTypesense && !WITH_TYPESENSE)('cases', () => {
      it.each(CASE_NAMES)('%s', async (name) => {
        if (!drivers[client]) return; // skipped loudly in beforeAll (and a failure under CI)
        const obs = await observed(client, kind, name);
        const c = clientCases(targetOf(kind).ns, client).find((x) => x.name === name);
        c?.check?.(obs, client);
        if (kind !== 'typesense' && WITH_TYPESENSE) {
          const same = (o: unknown[]) => (c?.comparable ? c.comparable(o, client) : o);
          expect(same(obs)).toEqual(same(await observed(client, 'typesense', name)));
        }
      });
    });
  });
});
