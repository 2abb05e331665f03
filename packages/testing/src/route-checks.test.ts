/**
 * The route checker itself: a small service on the kit passes every check, and each flaw a service
 * could have (an open body, a `..` id taken as a name, a 500, a refusal that lacks the scope check)
 * makes the checker fail, so a service that passes it has none of them.
 */
import { AppError, authorize, createApp } from '@fountain/kit';
import { afterAll, describe, expect, it } from 'vitest';
import { apiKeyAuth } from './api-key-auth.ts';
import { checkAuth, checkBodies, checkRoute, checkSegmentAttacks, type RouteCase, type RouteChecks } from './route-checks.ts';
import { describeRouteTable } from './route-table-suite.ts';

const WRITER = 'notes-writer-key-0123456789';
const READER = 'notes-reader-key-0123456789';
type Flaw = 'open body' | 'dots in ids' | '500 on a wrong shape' | 'no scope check';

/** A notes service: POST /notes (documents:create) and GET /notes/:id (documents:get), one of them flawed on request. */
function notesService(flaw?: Flaw) {
  const app = createApp({
    name: 'notes',
    version: '0.0.0',
    logger: false,
    keys: [
      { id: 'writer', value: WRITER, collections: ['*'], actions: ['documents:*'] },
      { id: 'reader', value: READER, collections: ['*'], actions: ['documents:search'] },
    ],
  });
  const notes = new Map<string, string>();
  app.post(
    '/notes',
    {
      schema: {
        body: {
          type: 'object',
          required: ['text'],
          additionalProperties: flaw === 'open body',
          properties: { text: flaw === '500 on a wrong shape' ? {} : { type: 'string' } },
        },
      },
    },
    async (request, reply) => {
      if (flaw !== 'no scope check') authorize(request, 'documents:create');
      const { text } = request.body as { text: string };
      const id = `n${notes.size + 1}`;
      notes.set(id, text.trim()); // a non-string text throws: a 500 when the schema lets it through
      return reply.code(201).send({ id });
    },
  );
  app.get(
    '/notes/:id',
    { schema: { params: { type: 'object', properties: { id: { type: 'string', pattern: flaw === 'dots in ids' ? '^[a-z0-9.]+$' : '^[a-z0-9]+$' } } } } },
    async (request) => {
      authorize(request, 'documents:get');
      const { id } = request.params as { id: string };
      if (flaw === 'dots in ids' && id.includes('.')) return { id, text: 'every note' };
      const text = notes.get(id);
      if (text === undefined) throw new AppError('NOT_FOUND', `No note ${id}`);
      return { id, text };
    },
  );
  return { app, notes };
}

type Notes = ReturnType<typeof notesService>;
const ROUTES: Array<RouteCase<Notes>> = [
  { method: 'POST', route: '/notes', url: () => '/notes', body: (n) => ({ text: `note ${n}` }), ok: 201 },
  { method: 'GET', route: '/notes/:id', url: (n) => `/notes/s${n}`, setup: async (s, n) => void s.notes.set(`s${n}`, 'x'), ok: 200 },
];

function checksFor(s: Notes): RouteChecks<Notes> {
  return {
    app: s.app,
    ctx: s,
    auth: {
      ...apiKeyAuth(WRITER),
      insufficient: () => [{ name: 'reader', headers: { 'x-api-key': READER }, check: (body) => expect(body.message).toContain("'reader'") }],
      secrets: [WRITER, READER],
    },
    validation: { closedByDefault: true, unknownField: 'surprise', wrongShape: 'refused', extraShapes: [{ text: {} }] },
    publicRoutes: ['/health'],
    undocumentedOk: (pattern) => ['/health', '/ready', '/metrics'].includes(pattern),
  };
}

const services: Notes[] = [];
const open = (flaw?: Flaw): Notes => {
  const s = notesService(flaw);
  services.push(s);
  return s;
};
afterAll(async () => {
  for (const s of services) await s.app.close();
});

describe('a service without flaws passes every check', () => {
  const s = open();
  describeRouteTable(ROUTES, () => checksFor(s));
});

describe('each flaw fails the checker', () => {
  const [create, read] = ROUTES as [RouteCase<Notes>, RouteCase<Notes>];
  it('an unknown body field let through', async () => {
    await expect(checkBodies(checksFor(open('open body')), create)).rejects.toThrow(/surprise|400/);
  });
  it('a JSON body of the wrong shape that reaches the handler (a 500)', async () => {
    await expect(checkBodies(checksFor(open('500 on a wrong shape')), create)).rejects.toThrow(/500/);
  });
  it("an id pattern that takes '..' and '.' as names", async () => {
    await expect(checkSegmentAttacks(checksFor(open('dots in ids')), read)).rejects.toThrow(/VALIDATION_ERROR|400/);
  });
  it('a route that never checks the scope', async () => {
    await expect(checkAuth(checksFor(open('no scope check')), create)).rejects.toThrow(/403|FORBIDDEN/);
  });
  it('a table that promises what the route does not do (a wrong success status)', async () => {
    await expect(checkRoute(checksFor(open()), { ...create, ok: 200 })).rejects.toThrow(/201/);
  });
});
