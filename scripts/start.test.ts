/**
 * End to end through the README's own entry (`npm start` runs scripts/start.ts): the whole system
 * starts, the seeds' flows work over HTTP, the elements are found in search, and SIGINT (Ctrl-C)
 * stops everything cleanly. Once on the embedded backend, once on a real Typesense. Then the faults
 * of the launcher itself: SIGKILLed, it leaves no service behind; a port already taken stops it before
 * it starts anything, naming the process that holds the port.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { SEED_DEV_API_KEY, SEED_DEV_SERVICE_KEY, mintDevToken } from '@fountain/kit';
import { descendants, freePort, isAlive, startTypesense, typesenseAvailable, type TypesenseServer } from '@fountain/testing';
import { canBind, cleanupLaunches, launch } from './start.test-support.ts';

afterAll(cleanupLaunches);

async function runSystem(extraEnv: Record<string, string>): Promise<void> {
  const { child, gatewayPort, sequencePort, kmsPort, edgePort, exited, output, running } = await launch(extraEnv);
  try {
    await running();
    const out = output();
    expect(out).toContain(`http://localhost:${gatewayPort}`);
    expect(out).toContain(`http://localhost:${sequencePort}`);
    expect(out).toContain(extraEnv.TYPESENSE_HOST ? 'typesense (' : 'embedded (');

    // seeds/001 3.e against npm start: an admin reads a service's key from the KMS.
    const admin = { authorization: `Bearer ${await mintDevToken({ sub: 'ops', roles: ['admin'] })}` };
    for (const service of ['service_a', 'central_sequence_service']) {
      const res = await fetch(`http://127.0.0.1:${kmsPort}/keys/${service}`, { headers: admin });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { api_key: string }).api_key).toMatch(/^fk_/);
    }

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

    // The edge, with a development token: the elements under /v1, and one search across collections.
    expect(out).toContain(`http://localhost:${edgePort}`);
    const viewer = await mintDevToken({ sub: 'start-e2e', roles: ['viewer'] });
    const edge = (path: string) => fetch(`http://127.0.0.1:${edgePort}${path}`, { headers: { authorization: `Bearer ${viewer}` } });
    const elements = await edge('/v1/elements/script');
    expect(elements.status).toBe(200);
    expect(((await elements.json()) as { found: number }).found).toBe(3);
    const across = (await (await edge('/v1/search?q=lighthouse')).json()) as { groups: Array<{ collection: string; found: number }> };
    expect(across.groups.find((grp) => grp.collection === 'sequence_elements')?.found).toBe(1);
    expect((await edge('/v1/sync/sequence/status')).status).toBe(403); // a viewer is not an operator
  } finally {
    child.kill('SIGINT');
  }
  expect(await exited).toBe(0);
  expect(output()).toContain('shutting down');
}

describe('npm start when things go wrong', () => {
  it('a SIGKILLed launcher leaves no service running (the whole process tree)', async () => {
    const sys = await launch();
    await sys.running().catch((err: unknown) => {
      sys.child.kill('SIGTERM'); // never leave a half-started system behind
      throw err;
    });
    const tree = descendants(sys.child.pid!);
    // The three services (and anything they started) are in the tree.
    expect(tree.length).toBeGreaterThanOrEqual(3);
    sys.child.kill('SIGKILL');
    await sys.exited;
    const deadline = Date.now() + 20_000;
    while (tree.some(isAlive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const survivors = tree.filter(isAlive);
    for (const pid of survivors) process.kill(pid, 'SIGKILL'); // never leave them behind, even when failing
    expect(survivors, 'services still running after their launcher was SIGKILLed').toEqual([]);
    expect(await canBind(sys.gatewayPort)).toBe(true);
    expect(await canBind(sys.sequencePort)).toBe(true);
    for (const port of [sys.kmsPort, sys.charactersPort, sys.scriptsPort, sys.edgePort]) expect(await canBind(port)).toBe(true);
  }, 240_000);

  it('a taken port stops it before it starts anything, naming the port and the process holding it', async () => {
    const holder = createServer();
    const taken = await freePort();
    await new Promise<void>((r) => holder.listen(taken, '127.0.0.1', r));
    try {
      const sequencePort = await freePort();
      const sys = await launch({}, { gateway: taken, sequence: sequencePort });
      expect(await sys.exited).toBe(1);
      const out = sys.output();
      expect(out).toContain(`port ${taken} (gateway, GATEWAY_PORT) is already in use by pid ${process.pid} (`);
      // The holder's command line, as /proc has it (this test runner's worker).
      expect(out).toContain(process.execPath);
      expect(out).toContain('nothing was started');
      expect(out).not.toContain('Search Gateway ready');
      expect(await canBind(sequencePort)).toBe(true);
    } finally {
      await new Promise((r) => holder.close(r));
    }
  }, 60_000);
});

/**
 * The two story services through npm start: CRUD over HTTP, one multi_search through the gateway that
 * finds a character, a script and a sequence element by one word, and seeds/004's scenario: a column
 * added to characters on the running system is a filterable field within seconds.
 */
async function runStoryServices(): Promise<void> {
  const sys = await launch({});
  try {
    await sys.running();
    for (const port of [sys.charactersPort, sys.scriptsPort]) expect(sys.output()).toContain(`http://localhost:${port}`);
    expect(sys.output()).toMatch(/Character Service\s+http/);
    expect(sys.output()).toMatch(/Core Script Management\s+http/);
    const api = async (port: number, method: string, path: string, body?: unknown, prefer = true) => {
      const res = await fetch(`http://127.0.0.1:${port}${path}`, {
        method,
        headers: { 'X-API-KEY': SEED_DEV_API_KEY, 'Content-Type': 'application/json', ...(prefer && { Prefer: 'wait-for-index' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const el = await api(sys.sequencePort, 'POST', '/sequence', { elementType: 'script', elementId: 1, comment: 'The lighthouse at dawn.' });
    expect(el.status, JSON.stringify(el.body)).toBe(201);
    const script = await api(sys.scriptsPort, 'POST', '/scripts', { title: 'The Lighthouse', author: 'Ada Quill', elements: [{ elementType: 'script', elementId: 1 }] });
    expect(script.status, JSON.stringify(script.body)).toBe(201);
    const character = await api(sys.charactersPort, 'POST', '/characters', { name: 'Elias', description: 'Keeper of the lighthouse', scriptId: script.body.scriptId });
    expect(character.status, JSON.stringify(character.body)).toBe(201);
    expect((await api(sys.charactersPort, 'GET', `/characters/${String(character.body.characterId)}`)).body).toMatchObject({ name: 'Elias' });
    // The same character through the edge, under /v1, with a viewer's token.
    const viewer = await mintDevToken({ sub: 'story-e2e', roles: ['viewer'] });
    const viaEdge = await fetch(`http://127.0.0.1:${sys.edgePort}/v1/characters/${String(character.body.characterId)}`, { headers: { authorization: `Bearer ${viewer}` } });
    expect(viaEdge.status).toBe(200);
    expect(await viaEdge.json()).toMatchObject({ name: 'Elias' });

    // One multi_search through the gateway, as the README's curl does it.
    const res = await fetch(`http://127.0.0.1:${sys.gatewayPort}/multi_search`, {
      method: 'POST',
      headers: { 'X-TYPESENSE-API-KEY': SEED_DEV_SERVICE_KEY, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        searches: [
          { collection: 'characters', q: 'lighthouse', query_by: 'name,description,dialogueText' },
          { collection: 'scripts', q: 'lighthouse', query_by: 'title,logline,sections' },
          { collection: 'sequence_elements', q: 'lighthouse', query_by: 'comment' },
        ],
      }),
    });
    expect(res.status).toBe(200);
    const { results } = (await res.json()) as { results: Array<{ found: number; hits: Array<{ document: Record<string, unknown> }> }> };
    expect(results.map((r) => r.found)).toEqual([1, 1, 1]);
    expect(results[0]!.hits[0]!.document).toMatchObject({ name: 'Elias' });
    expect(results[1]!.hits[0]!.document).toMatchObject({ title: 'The Lighthouse', elementRefs: ['script:1'] });
    expect(results[2]!.hits[0]!.document).toMatchObject({ id: 'script:1:1' });

    // seeds/004: an `age` column added on the running system, by another program.
    const db = new Database(join(sys.dataDir, 'characters.db'));
    db.pragma('busy_timeout = 5000');
    db.exec('ALTER TABLE characters ADD COLUMN age INTEGER');
    db.prepare('UPDATE characters SET age = 61 WHERE characterId = ?').run(character.body.characterId);
    db.close();
    const started = Date.now();
    let found = 0;
    while (found !== 1 && Date.now() - started < 15_000) {
      const r = await api(sys.charactersPort, 'GET', '/search?q=*&filter_by=age:>60', undefined, false);
      found = r.status === 200 ? (r.body.found as number) : 0;
      if (found !== 1) await new Promise((done) => setTimeout(done, 100));
    }
    console.log(`seeds/004 age column: filterable in search ${Date.now() - started} ms after the ALTER TABLE`);
    expect(found).toBe(1);
    sys.child.kill('SIGINT');
    expect(await sys.exited).toBe(0);
  } finally {
    if (sys.child.exitCode === null) sys.child.kill('SIGKILL');
  }
}

describe('npm start (scripts/start.ts)', () => {
  it('runs the whole system on the embedded backend', async () => {
    await runSystem({});
  }, 240_000);

  it('runs the story services: CRUD, one multi_search across services, a column added at run time', async () => {
    await runStoryServices();
  }, 240_000);

  describe.skipIf(!typesenseAvailable())('on a real Typesense', () => {
    let ts: TypesenseServer | undefined;
    afterAll(async () => {
      await ts?.stop();
    });
    it('runs the whole system on Typesense', async () => {
      ts = await startTypesense();
      await runSystem({ TYPESENSE_HOST: ts.host, TYPESENSE_PORT: String(ts.port), TYPESENSE_API_KEY: ts.apiKey });
    }, 240_000);
  });
});
