/**
 * CRUD over HTTP for one table, in the kit's conventions: TypeBox schemas (validation and /docs),
 * the error envelope, paging, and 404/409/400 that name the field. A service declares the resource;
 * the SQL follows from its field names, which are the table's column names (seeds/004 names columns
 * as the API does: `characterId`, `dialogueText`).
 *
 * The table has an INTEGER PRIMARY KEY named `id`'s value, the body's fields, and `createdAt` and
 * `updatedAt` TEXT columns. Every write runs in `writeTransaction`, so `Prefer: wait-for-index` works.
 */
import type Database from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import { AppError, ErrorEnvelopeSchema, type App } from '@fountain/kit';
import { writeTransaction } from '@fountain/sync';
import { Type, type TObject, type TSchema } from 'typebox';

/** What a service declares for one resource. */
export interface ResourceOptions {
  /** Singular noun, for messages and the OpenAPI tag: `character`. */
  noun: string;
  /** The URL segment and the list's key: `characters`. */
  plural: string;
  table: string;
  /** The INTEGER PRIMARY KEY column, named as in the API: `characterId`. */
  id: string;
  /**
   * The writable fields; their names are the columns'. Required ones are required on create and PUT;
   * a `default` fills an omitted field on create and PUT (never on PATCH).
   */
  body: TObject;
  /** Fields kept as JSON text in their column (arrays, objects). */
  json?: string[];
  /** Fields the list route filters on by equality (`GET /characters?scriptId=3`). */
  filters?: string[];
}

type Row = Record<string, unknown>;
const withoutDefault = (schema: object): object => {
  const { default: _default, ...rest } = schema as Record<string, unknown>;
  return rest;
};
const quote = (name: string): string => `"${name.replace(/"/g, '""')}"`;
const now = (): string => new Date().toISOString();

/** Maps a constraint failure to the envelope, naming the fields; anything else is rethrown. */
function constraintError(err: unknown, o: ResourceOptions, row: Row): never {
  const e = err as { code?: string; message?: string };
  if (e.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || (e.code === 'SQLITE_CONSTRAINT_UNIQUE' && e.message?.endsWith(`${o.table}.${o.id}`))) {
    throw new AppError('CONFLICT', `${o.id}: ${o.noun} ${String(row[o.id])} already exists`, { details: { fields: [o.id] } });
  }
  if (e.code === 'SQLITE_CONSTRAINT_UNIQUE') {
    // "UNIQUE constraint failed: characters.scriptId, characters.name"
    const fields = (e.message ?? '').replace(/^.*failed: /, '').split(', ').map((c) => c.replace(/^[^.]*\./, ''));
    const values = fields.map((f) => `${f} ${JSON.stringify(row[f] ?? null)}`).join(' and ');
    throw new AppError('CONFLICT', `${fields.join(', ')}: a ${o.noun} with ${values} already exists`, { details: { fields } });
  }
  if (e.code === 'SQLITE_CONSTRAINT_CHECK' || e.code === 'SQLITE_CONSTRAINT_NOTNULL') {
    throw new AppError('VALIDATION_ERROR', `${o.noun}: ${e.message ?? 'constraint failed'}`, { details: [{ path: '/body', message: e.message }] });
  }
  throw err;
}

/**
 * Registers `POST /<plural>`, `GET /<plural>` (paged, filtered), `GET|PUT|PATCH|DELETE /<plural>/:id`.
 *
 * @example
 *   crudRoutes(app, db, { noun: 'character', plural: 'characters', table: 'characters', id: 'characterId', body: CharacterBody, json: ['tags'] });
 */
export function crudRoutes(typed: App, db: Database.Database, o: ResourceOptions): void {
  // The schemas are built at run time from the declaration, so the handlers are typed as plain Fastify
  // ones (the schemas still validate every request and shape every answer).
  const app = typed as unknown as FastifyInstance;
  const fields = Object.keys(o.body.properties);
  const json = new Set(o.json ?? []);
  const table = quote(o.table);
  const idCol = quote(o.id);
  const Id = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: `The ${o.noun}'s id` });
  // additionalProperties: columns added at run time (ALTER TABLE) are answered too.
  const Record_ = Type.Object({ [o.id]: Id, ...o.body.properties, createdAt: Type.String(), updatedAt: Type.String() }, { additionalProperties: true, title: o.noun });
  const Params = Type.Object({ id: Id });
  const e = ErrorEnvelopeSchema;
  const errors = { 400: e, 401: e, 404: e, 409: e, 502: e };
  const tags = [o.plural];

  const fromRow = (r: Row | undefined): Row | undefined => {
    if (!r) return undefined;
    const out: Row = {};
    for (const [k, v] of Object.entries(r)) {
      if (v === null) continue; // an absent optional field, not a null of the wrong type
      out[k] = json.has(k) && typeof v === 'string' ? (JSON.parse(v) as unknown) : v;
    }
    return out;
  };
  const toColumns = (body: Row): Row => {
    const out: Row = {};
    for (const f of fields) if (f in body) out[f] = json.has(f) ? JSON.stringify(body[f]) : body[f];
    return out;
  };
  const getStmt = db.prepare(`SELECT * FROM ${table} WHERE ${idCol} = ?`);
  const get = (id: number): Row | undefined => fromRow(getStmt.get(id) as Row | undefined);
  const mustGet = (id: number): Row => {
    const r = get(id);
    if (!r) throw new AppError('NOT_FOUND', `${o.id}: no ${o.noun} ${id}`, { details: { [o.id]: id } });
    return r;
  };
  const insert = (body: Row): Row => {
    const at = now();
    const cols: Row = { ...toColumns(body), ...(body[o.id] !== undefined && { [o.id]: body[o.id] }), createdAt: at, updatedAt: at };
    const names = Object.keys(cols);
    try {
      const r = db.prepare(`INSERT INTO ${table} (${names.map(quote).join(', ')}) VALUES (${names.map((n) => `@${n}`).join(', ')})`).run(cols);
      return mustGet(Number(r.lastInsertRowid));
    } catch (err) {
      return constraintError(err, o, { ...body, [o.id]: body[o.id] });
    }
  };
  const update = (id: number, body: Row, replace: boolean): Row => {
    const existing = mustGet(id);
    // PUT replaces: optional fields it leaves out become NULL. PATCH changes only what it names.
    const cols: Row = { ...(replace ? Object.fromEntries(fields.map((f) => [f, null])) : {}), ...toColumns(body), updatedAt: now() };
    try {
      db.prepare(`UPDATE ${table} SET ${Object.keys(cols).map((n) => `${quote(n)} = @${n}`).join(', ')} WHERE ${idCol} = @__id`).run({ ...cols, __id: id });
    } catch (err) {
      constraintError(err, o, { ...existing, ...body });
    }
    return mustGet(id);
  };

  app.post(
    `/${o.plural}`,
    {
      schema: {
        summary: `Create a ${o.noun}`,
        tags,
        body: Type.Object({ [o.id]: Type.Optional(Id), ...o.body.properties }, { additionalProperties: false }),
        response: { 201: Record_, ...errors },
      },
    },
    async (request, reply) => reply.code(201).send(writeTransaction(db, () => insert(request.body as Row))),
  );

  // Without their defaults: a filter left out must not become a filter on the default value.
  const filterProps = Object.fromEntries((o.filters ?? []).map((f) => [f, Type.Optional(withoutDefault(o.body.properties[f]!) as TSchema)]));
  const Query = Type.Object(
    { page: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 1 }), per_page: Type.Integer({ minimum: 1, maximum: 250, default: 50 }), ...filterProps },
    { additionalProperties: false },
  );
  app.get(
    `/${o.plural}`,
    {
      schema: {
        summary: `List ${o.plural} (oldest first), paged${o.filters?.length ? `, filtered by ${o.filters.join(', ')}` : ''}`,
        tags,
        querystring: Query,
        response: { 200: Type.Object({ [o.plural]: Type.Array(Record_), page: Type.Integer(), perPage: Type.Integer(), found: Type.Integer() }), ...errors },
      },
    },
    async (request) => {
      const { page, per_page, ...filters } = request.query as Row & { page: number; per_page: number };
      const where = Object.keys(filters).map((f) => `${quote(f)} = @${f}`);
      const clause = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
      const rows = db.prepare(`SELECT * FROM ${table} ${clause} ORDER BY ${idCol} LIMIT @limit OFFSET @offset`).all({ ...filters, limit: per_page, offset: (page - 1) * per_page }) as Row[];
      const found = db.prepare(`SELECT count(*) FROM ${table} ${clause}`).pluck().get(filters) as number;
      return { [o.plural]: rows.map((r) => fromRow(r)), page, perPage: per_page, found };
    },
  );

  app.get(`/${o.plural}/:id`, { schema: { summary: `Get one ${o.noun}`, tags, params: Params, response: { 200: Record_, ...errors } } }, async (request) =>
    mustGet((request.params as { id: number }).id),
  );
  app.put(
    `/${o.plural}/:id`,
    { schema: { summary: `Replace a ${o.noun}`, tags, params: Params, body: Type.Object(o.body.properties, { additionalProperties: false }), response: { 200: Record_, ...errors } } },
    async (request) => writeTransaction(db, () => update((request.params as { id: number }).id, request.body as Row, true)),
  );
  app.patch(
    `/${o.plural}/:id`,
    {
      schema: {
        summary: `Change some fields of a ${o.noun}`,
        tags,
        params: Params,
        // Every field optional and no defaults (a default would overwrite what the PATCH leaves out).
        body: {
          type: 'object',
          properties: Object.fromEntries(Object.entries(o.body.properties).map(([k, v]) => [k, withoutDefault(v)])),
          additionalProperties: false,
          minProperties: 1,
        },
        response: { 200: Record_, ...errors },
      },
    },
    async (request) => writeTransaction(db, () => update((request.params as { id: number }).id, request.body as Row, false)),
  );
  app.delete(`/${o.plural}/:id`, { schema: { summary: `Delete a ${o.noun}`, tags, params: Params, response: { 204: Type.Null(), ...errors } } }, async (request, reply) => {
    const { id } = request.params as { id: number };
    writeTransaction(db, () => {
      mustGet(id);
      db.prepare(`DELETE FROM ${table} WHERE ${idCol} = ?`).run(id);
    });
    return reply.code(204).send();
  });
}
