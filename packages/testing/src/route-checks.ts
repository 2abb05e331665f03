/**
 * THE route checker, after Unkey's `common-tests.ts`: a service lists its keyed routes in a table (a
 * valid sample request each) and says how a caller authenticates; these functions check
 * the rules every keyed route obeys (`route-table-suite.ts` registers them as tests). What only one
 * service promises stays in that service's tests.
 *
 * Every answer the checker sees is also checked for what must never leak: a 5xx, a stack trace, a
 * secret, or an error that isn't exactly the envelope.
 */
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import type { ErrorCode } from '@fountain/kit';
import { expectEnvelope, type EnvelopeAnswer } from './envelope.ts';
import { BAD_PARAM_VALUES, SEGMENT_ATTACKS, paramSegments, withSegment, type SegmentAttack } from './path-attacks.ts';
import { sendRaw, type Listenable } from './raw-http.ts';

/** An HTTP method a route table lists. */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** One keyed route of a service's route table, with a valid sample request. */
export interface RouteCase<Ctx = unknown> {
  method: HttpMethod;
  /** The pattern, as the router or the OpenAPI document spells it (`/collections/:name`, `/characters/{id}`). */
  route: string;
  /** The concrete url of the n-th call (n is unique per call, so repeated calls stay valid). */
  url(n: number): string;
  /** A valid body: JSON, or text when `text` is set (a JSONL import). */
  body?(n: number): unknown;
  text?: boolean;
  /** Unknown body fields are refused (default {@link ValidationRules.closedByDefault}). */
  closedBody?: boolean;
  /** The body may be left out, and a JSON `null` counts as none (so it is not a wrong shape here). */
  optionalBody?: boolean;
  /** The status of a success. */
  ok: number;
  /** Makes the n-th call valid (creates what it reads or deletes). */
  setup?(ctx: Ctx, n: number): Promise<void>;
}

/** Request headers that authenticate a caller (or fail to), named for failure messages. */
export interface Credential {
  name: string;
  headers: Record<string, string>;
}

/** The app under test: Fastify's in-process `inject`, and its server for raw-path requests. */
export interface CheckedApp extends Listenable {
  inject(opts: InjectOptions): Promise<LightMyRequestResponse>;
}

/** How a service authenticates, for the route checker. */
export interface AuthRules<R> {
  /** Missing or wrong credentials: each is a 401 envelope on every route. */
  rejected: Credential[];
  /** The 401's message, where the service has one fixed message. */
  rejectedMessage?: string;
  /** Credentials allowed on a route, each let through with its `ok` status. The first one drives the other checks. */
  accepted: Credential[] | ((route: R) => Credential[]);
  /** Valid credentials without the route's scope or role: each is a 403 envelope, and `check` adds the service's own assertions. */
  insufficient?: (route: R) => Array<Credential & { check?(body: { message: string; details: unknown }): void }>;
  /** Values no answer may contain (keys, tokens). */
  secrets?: string[];
}

/** How a service validates bodies. Leave out where bodies are not the service's to check (the edge proxies them). */
export interface ValidationRules {
  /** Unknown fields are refused on every JSON body route, not only on those marked `closedBody`. */
  closedByDefault: boolean;
  /** The unknown field sent; the refusal must name it. */
  unknownField: string;
  /** `refused`: JSON of the wrong shape is a 400 envelope. `no-5xx`: it may succeed (Typesense's leniency), but never a 5xx. */
  wrongShape: 'refused' | 'no-5xx';
  /** Wrong-shape bodies built from the service's own field names, besides {@link WRONG_SHAPES}. */
  extraShapes?: unknown[];
}

/** Everything the checker needs to know about one service. */
export interface RouteChecks<Ctx, R extends RouteCase<Ctx> = RouteCase<Ctx>> {
  app: CheckedApp;
  /** Passed to each route's `setup`. */
  ctx: Ctx;
  auth: AuthRules<R>;
  validation?: ValidationRules;
  /** Parameter values the service's ids refuse, besides {@link BAD_PARAM_VALUES}. */
  badParams?: string[];
  /** Segment attacks besides {@link SEGMENT_ATTACKS} (names legal on this service, for example). */
  segmentAttacks?: SegmentAttack[];
  /** Codes a refused segment attack may answer instead of its own (a name pattern that admits dots answers 404). */
  segmentRefusals?: ErrorCode[];
  /** Counts what reached the service's backend; a refused request must not move it. */
  reached?: () => number;
  /** An unknown route's path (default `/no-such-route`), and the code an anonymous caller gets there (default 401 or 404). */
  unknownRoute?: { path?: string; anonymous?: ErrorCode };
  /** Routes that need no credentials, each a 200 (health, readiness, metrics, docs). */
  publicRoutes?: string[];
  /** Documented routes the table needn't list (public ops routes, another package's routes): compare the table with the OpenAPI document. */
  undocumentedOk?: (pattern: string) => boolean;
}

/** Malformed JSON bodies: each is a 400 envelope. */
export const MALFORMED_JSON: readonly string[] = ['{"q": "x",', '{"elementType": "script",', '{', 'nope'];
/** Well-formed JSON no route takes as its body. */
export const WRONG_SHAPES: readonly unknown[] = [[], 1, 'text', true, null, [[{}]]];

/** A stack frame or a Node internal in an answer: internals leaked to the caller. */
const STACK = /at [^"\s]+ \([^"]*:\d+:\d+\)|node:internal|node_modules\/|"stack"\s*:/;

let counter = 0;
/** A fresh number for a route's n-th call, unique in the process. */
export const freshN = (): number => ++counter;

/** Checks what every answer must be: below 500, no stack trace, no secret, and an error is exactly the envelope. */
export function inspect(res: EnvelopeAnswer, label: string, secrets: readonly string[]): void {
  expect(res.statusCode, `${label}: ${res.body}`).toBeLessThan(500);
  expect(res.body, label).not.toMatch(STACK);
  for (const s of secrets) expect(res.body.includes(s), `${label} echoes a secret`).toBe(false);
  if (res.statusCode >= 400) expectEnvelope(res, res.json<{ errorCode: ErrorCode }>().errorCode);
}

/** A refusal never echoes the credential presented (a key, or the token of an Authorization header). */
function notEchoed(body: string, cred: Credential, label: string): void {
  for (const value of Object.values(cred.headers)) {
    const secret = value.replace(/^(Bearer|Basic) /i, '');
    if (secret.length >= 8) expect(body.includes(secret), `${label}: the answer to ${cred.name} echoes it`).toBe(false);
  }
}

export const acceptedFor = <Ctx, R extends RouteCase<Ctx>>(c: RouteChecks<Ctx, R>, route: R): Credential[] =>
  typeof c.auth.accepted === 'function' ? c.auth.accepted(route) : c.auth.accepted;

/** The JSON or text payload of a body, with its content type. */
function payloadOf(route: { text?: boolean }, body: unknown): Pick<InjectOptions, 'payload' | 'headers'> {
  if (body === undefined) return {};
  return route.text
    ? { payload: body as string, headers: { 'content-type': 'text/plain' } }
    : { payload: JSON.stringify(body), headers: { 'content-type': 'application/json' } };
}

/** A route's checks share its label, its first accepted credential and a sender that inspects every answer. */
function routeKit<Ctx, R extends RouteCase<Ctx>>(c: RouteChecks<Ctx, R>, route: R) {
  const label = `${route.method} ${route.route}`;
  const secrets = c.auth.secrets ?? [];
  const [main] = acceptedFor(c, route);
  if (main === undefined) throw new Error(`${label}: no accepted credential`);
  const send = async (headers: Record<string, string>, opts: { n?: number; raw?: string; body?: unknown; url?: string } = {}) => {
    const n = opts.n ?? freshN();
    const part = opts.raw !== undefined ? { payload: opts.raw, headers: { 'content-type': 'application/json' } } : payloadOf(route, opts.body ?? route.body?.(n));
    const res = await c.app.inject({ method: route.method, url: opts.url ?? route.url(n), ...part, headers: { ...headers, ...part.headers } });
    inspect(res, `${label} ${opts.url ?? ''}`, secrets);
    return res;
  };
  /** A fresh n whose call `setup` has made valid. */
  const prepared = async (): Promise<number> => {
    const n = freshN();
    await route.setup?.(c.ctx, n);
    return n;
  };
  /** Runs a refused request and checks it reached nothing. */
  const unreached = async (fn: () => Promise<void>): Promise<void> => {
    const before = c.reached?.();
    await fn();
    if (c.reached) expect(c.reached(), `${label}: a refused request reached the service`).toBe(before);
  };
  return { label, secrets, main, send, prepared, unreached };
}

/** Authentication and authorization on one route: each rejected credential 401, each accepted one through, each insufficient one 403; a refusal never echoes the credential. */
export async function checkAuth<Ctx, R extends RouteCase<Ctx>>(c: RouteChecks<Ctx, R>, route: R): Promise<void> {
  const { label, send, prepared, unreached } = routeKit(c, route);
  for (const cred of c.auth.rejected) {
    await unreached(async () => {
      const res = await send(cred.headers);
      notEchoed(res.body, cred, label);
      const body = expectEnvelope(res, 'UNAUTHORIZED');
      if (c.auth.rejectedMessage !== undefined) expect(body.message, `${label} with ${cred.name}`).toBe(c.auth.rejectedMessage);
    });
  }
  for (const cred of acceptedFor(c, route)) {
    const res = await send(cred.headers, { n: await prepared() });
    expect(res.statusCode, `${label} with ${cred.name}: ${res.body}`).toBe(route.ok);
  }
  for (const cred of c.auth.insufficient?.(route) ?? []) {
    await unreached(async () => {
      const res = await send(cred.headers, { n: await prepared() });
      notEchoed(res.body, cred, label);
      const body = expectEnvelope(res, 'FORBIDDEN');
      cred.check?.(body);
    });
  }
}

/** Bodies on one route: malformed JSON is a 400, JSON of the wrong shape a 400 (or at least no 5xx), an unknown field a 400 naming it. */
export async function checkBodies<Ctx, R extends RouteCase<Ctx>>(c: RouteChecks<Ctx, R>, route: R): Promise<void> {
  const v = c.validation;
  if (!v || !route.body) return;
  const { label, main, send, prepared } = routeKit(c, route);
  if (!route.text) {
    for (const raw of MALFORMED_JSON) expectEnvelope(await send(main.headers, { n: await prepared(), raw }), 'VALIDATION_ERROR');
  }
  for (const shape of [...WRONG_SHAPES, ...(v.extraShapes ?? [])]) {
    const res = await send(main.headers, { n: await prepared(), raw: JSON.stringify(shape) });
    if (v.wrongShape === 'refused' && !(shape === null && route.optionalBody)) expectEnvelope(res, 'VALIDATION_ERROR');
  }
  if (!route.text && (route.closedBody ?? v.closedByDefault)) {
    const n = await prepared();
    const body = { ...(route.body(n) as object), [v.unknownField]: 1 };
    const refused = expectEnvelope(await send(main.headers, { n, body }), 'VALIDATION_ERROR');
    expect(`${refused.message} ${JSON.stringify(refused.details)}`, label).toContain(v.unknownField);
  }
}

/** Bad parameter values ({@link BAD_PARAM_VALUES} and the service's) in each parameter segment of one route are 4xx envelopes. */
export async function checkParams<Ctx, R extends RouteCase<Ctx>>(c: RouteChecks<Ctx, R>, route: R): Promise<void> {
  const { label, main, send } = routeKit(c, route);
  for (const index of paramSegments(route.route)) {
    for (const bad of [...BAD_PARAM_VALUES, ...(c.badParams ?? [])]) {
      const url = withSegment(route.url(freshN()), index, bad);
      const res = await send(main.headers, { url });
      expect(res.statusCode, `${label} at ${url}: ${res.body}`).toBeGreaterThanOrEqual(400);
    }
  }
}

/**
 * Path-segment attacks on one route, over real HTTP (inject would resolve `..` first): each of
 * {@link SEGMENT_ATTACKS} (and the service's) in each parameter segment is refused with its code and
 * reaches nothing; a legal name may succeed but never 5xx. Answers one line per request.
 */
export async function checkSegmentAttacks<Ctx, R extends RouteCase<Ctx>>(c: RouteChecks<Ctx, R>, route: R): Promise<string[]> {
  const { main, secrets, unreached } = routeKit(c, route);
  const seen: string[] = [];
  for (const index of paramSegments(route.route)) {
    for (const attack of [...SEGMENT_ATTACKS, ...(c.segmentAttacks ?? [])]) {
      const n = freshN();
      const url = withSegment(route.url(n), index, attack.raw);
      const { payload, headers } = payloadOf(route, route.body?.(n));
      const once = async (): Promise<void> => {
        const res = await sendRaw(c.app, route.method, url, { ...main.headers, ...(headers as Record<string, string>) }, payload as string | undefined);
        const at = `${route.method} ${url}: ${res.statusCode} ${res.body}`;
        inspect(res, at, secrets);
        if (attack.expect !== 'legal') expect([attack.expect, ...(c.segmentRefusals ?? [])], at).toContain(res.json<{ errorCode: ErrorCode }>().errorCode);
        seen.push(`${route.method} ${url} -> ${res.statusCode}`);
      };
      // A legal name may succeed and reach the backend; only a refusal must not.
      await (attack.expect === 'legal' ? once() : unreached(once));
    }
  }
  return seen;
}

/** Every check of one route: {@link checkAuth}, {@link checkBodies}, {@link checkParams}, {@link checkSegmentAttacks}. */
export async function checkRoute<Ctx, R extends RouteCase<Ctx>>(c: RouteChecks<Ctx, R>, route: R): Promise<void> {
  await checkAuth(c, route);
  await checkBodies(c, route);
  await checkParams(c, route);
  await checkSegmentAttacks(c, route);
}

