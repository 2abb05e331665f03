/**
 * createApp: a Fastify instance with every piece of shared plumbing registered (request ids, logger,
 * error envelope, auth, health/ready/metrics, OpenAPI docs), ready for a service's routes. It never
 * listens and never reads process.env; `server.ts` does both.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AjvCompiler, type BuildCompilerFromPool } from '@fastify/ajv-compiler';
import { fastifySwagger } from '@fastify/swagger';
import { fastifySwaggerUi } from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import {
  fastify,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyRequest,
  type FastifySchemaCompiler,
  type RawServerDefault,
} from 'fastify';
import fp from 'fastify-plugin';
import type { Logger } from 'pino';
import { authenticator, isDefaultPublic, type ApiKey } from './auth.ts';
import { envelopeResponse, errorHandlerPlugin, handleError } from './error-handler.ts';
import { registerBodyParser } from './json-body.ts';
import { documentErrors, methodTable } from './route-table.ts';
import { createLogger } from './logger.ts';
import { observabilityPlugin, type ReadyChecks } from './observability.ts';
import { REQUEST_ID_HEADER, genRequestId } from './request-id.ts';
import { deferredChildLoggerFactory } from './request-logger.ts';

/** The Fastify instance every service builds on: TypeBox type provider, pino logger. */
export type App = FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, FastifyBaseLogger, TypeBoxTypeProvider>;

/** Options for {@link createApp}. */
export interface CreateAppOptions {
  /** The service name (logger name, OpenAPI title default). */
  name: string;
  /** The service version, shown in the OpenAPI document. */
  version: string;
  /** The logger; default a kit logger named after the service; `false` disables logging. */
  logger?: Logger | false;
  /** The largest accepted body in bytes (default 10 MiB), for JSON and text/NDJSON alike. */
  bodyLimit?: number;
  /** The `/health` body (default `{"status":"healthy","ok":true}`: the seeds' shape and Typesense's at once). */
  health?: () => unknown;
  /** The `/ready` checks. */
  ready?: () => Promise<ReadyChecks>;
  /** API keys; when given, every non-public request needs one. */
  keys?: ApiKey[];
  /** Keys known at run time (from the KMS), asked when no static key matches; see AuthOptions.lookup. */
  keyLookup?: (presented: string) => ApiKey | null;
  /** Requests that need no key (default: /health, /ready, /metrics, /docs*, OPTIONS). */
  isPublic?: (request: FastifyRequest) => boolean;
  /** The OpenAPI document's info. */
  openapi?: { title: string; description?: string };
  /**
   * Which proxies in front may set `X-Forwarded-For`/`-Proto`/`-Host` (Fastify's `trustProxy`: an
   * address or CIDR list, or `loopback`). Default none: `request.ip` is the socket's peer.
   */
  trustProxy?: boolean | string | string[];
}

/** The default body limit: 10 MiB. */
export const DEFAULT_BODY_LIMIT = 10 * 1024 * 1024;

/**
 * Validators: querystring, params and headers are strings on the wire, so ajv coerces them to the
 * schema's types; bodies are JSON and must already have the right types. `allErrors` makes a
 * VALIDATION_ERROR list every issue at once; additional properties are reported, not silently
 * removed.
 */
function buildValidator(externalSchemas: Parameters<BuildCompilerFromPool>[0]): FastifySchemaCompiler<unknown> {
  const pool = AjvCompiler();
  const common = { removeAdditional: false, useDefaults: true, allErrors: true } as const;
  // The pool's published types say it compiles a bare schema; at run time it takes Fastify's route
  // definition ({schema, method, url, httpPart}), as the cast records.
  const coercing = pool(externalSchemas, { customOptions: { ...common, coerceTypes: 'array' } }) as unknown as FastifySchemaCompiler<unknown>;
  const strict = pool(externalSchemas, { customOptions: { ...common, coerceTypes: false } }) as unknown as FastifySchemaCompiler<unknown>;
  return (route) => (route.httpPart === 'body' ? strict(route) : coercing(route));
}

/** Whether a route pattern is public, asked of the service's public-request predicate with a stand-in request. */
function isPublicPath(url: string, isPublic: (request: FastifyRequest) => boolean): boolean {
  try {
    return isPublic({ method: 'GET', url, headers: {}, query: {} } as unknown as FastifyRequest);
  } catch {
    return false;
  }
}

/**
 * Builds a service's Fastify app with the shared plumbing registered.
 *
 * @example
 *   const app = createApp({ name: 'search-gateway', version: '0.1.0', keys, ready: async () => ({ typesense: await backend.ping() }) });
 *   app.register(documentRoutes, { deps });
 *   await runServer(app, { port: config.PORT, host: '0.0.0.0', logger });
 */
export function createApp(opts: CreateAppOptions): App {
  const logger = opts.logger === false ? undefined : (opts.logger ?? createLogger({ name: opts.name }));
  const bodyLimit = opts.bodyLimit ?? DEFAULT_BODY_LIMIT;

  const app = fastify({
    // Each request's logger (reqId) is made on its first enabled line, not for every request.
    ...(logger === undefined ? { logger: false } : { loggerInstance: logger, childLoggerFactory: deferredChildLoggerFactory }),
    bodyLimit,
    ...(opts.trustProxy !== undefined && { trustProxy: opts.trustProxy }),
    // Lenient about transport, as Typesense is: `/collections/c/documents/` is the same route as
    // `/collections/c/documents` (the Python client writes the slash), on every path of every service.
    routerOptions: { ignoreTrailingSlash: true },
    genReqId: genRequestId,
    requestIdHeader: false, // genRequestId validates the caller's header; the log label stays 'reqId'
    schemaController: { compilersFactory: { buildValidator: buildValidator as unknown as BuildCompilerFromPool } },
    // Errors raised before routing (a malformed URL) also leave as the envelope.
    frameworkErrors: (error, request, reply) => {
      reply.header(REQUEST_ID_HEADER, request.id);
      handleError(error, request, reply);
    },
    // Requests Node's parser refuses before Fastify sees them (a URL or headers over 16 KB, a
    // malformed request line) get the envelope too, not Fastify's default body.
    clientErrorHandler: (err, socket) => {
      // As Fastify's own handler: nothing to say on a reset or destroyed socket; a client that went
      // quiet mid-request (timeout) is just dropped.
      const code = (err as { code?: string }).code;
      if (code === 'ECONNRESET' || socket.destroyed) return;
      if (socket.writable && code !== 'ERR_HTTP_REQUEST_TIMEOUT') {
        const tooLarge = code === 'HPE_HEADER_OVERFLOW';
        socket.write(envelopeResponse(tooLarge ? 'HEADERS_TOO_LARGE' : 'VALIDATION_ERROR', tooLarge ? 'Request line and headers exceed 16 KB' : 'Malformed HTTP request'));
      }
      socket.destroy(err);
    },
  }).withTypeProvider<TypeBoxTypeProvider>() as unknown as App;

  // The one onRequest hook: the id is echoed first, so it is there even when auth rejects the
  // request. Callback style, so no promise is made per request; a throw reaches the error handler.
  const authenticate = opts.keys ? authenticator({ keys: opts.keys, public: opts.isPublic, lookup: opts.keyLookup }) : undefined;
  if (authenticate) app.decorateRequest('apiKey', null);
  app.addHook('onRequest', (request, reply, done) => {
    reply.header(REQUEST_ID_HEADER, request.id);
    authenticate?.(request);
    done();
  });

  // Every body is read as JSON whatever its Content-Type, or as text where a route asks (json-body.ts).
  registerBodyParser(app, bodyLimit);

  // Every route's OpenAPI entry lists the error envelope for the statuses it can answer, and a
  // request with a method the path doesn't route is a 405 (see route-table.ts). Installed before
  // swagger's own onRoute hook, so the document sees the completed schema.
  const methods = methodTable();
  const isPublic = opts.isPublic ?? isDefaultPublic;
  app.addHook('onRoute', (route) => {
    methods.add(route);
    documentErrors(route, isPublicPath(route.url, isPublic), opts.keys !== undefined);
  });


  // @fastify/swagger collects routes in an onRoute hook, which only sees routes added after it is
  // installed. Registering it normally defers it to boot, so routes added right after createApp
  // returns would be missing from /docs; running its setup synchronously on the root avoids that.
  fastifySwagger(
    app,
    {
      openapi: {
        openapi: '3.0.3',
        info: { title: opts.openapi?.title ?? opts.name, description: opts.openapi?.description, version: opts.version },
        components: {
          securitySchemes: {
            apiKey: { type: 'apiKey', in: 'header', name: 'X-API-KEY' },
            typesenseApiKey: { type: 'apiKey', in: 'header', name: 'X-TYPESENSE-API-KEY' },
            bearer: { type: 'http', scheme: 'bearer' },
          },
        },
        security: opts.keys ? [{ apiKey: [] }, { typesenseApiKey: [] }, { bearer: [] }] : [],
      },
    },
    (err) => {
      if (err) throw err;
    },
  );

  // Tell Fastify's dependency check (@fastify/swagger-ui needs it) that swagger is installed.
  app.register(fp(async () => {}, { name: '@fastify/swagger', fastify: '5.x' }));

  app.register(errorHandlerPlugin, { allowedMethods: (path) => methods.allowed(path) });
  app.register(observabilityPlugin, { health: opts.health, ready: opts.ready, defaultLabels: { service: opts.name } });
  app.register(fastifySwaggerUi, { routePrefix: '/docs' });
  return app;
}
