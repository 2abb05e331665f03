/**
 * Health, readiness and Prometheus metrics. Each app owns its own prom-client Registry
 * (`app.metricsRegistry`) so several apps in one process (tests) never collide, and other packages
 * register their metrics into it.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { Type } from 'typebox';

/**
 * The result of a readiness check: each dependency, `true` when it answers or a reason when not. A
 * reason starting with `degraded` means the service still serves (e.g. with the last known keys while
 * the KMS is down): `/ready` then answers 200 with status `degraded`, so no load balancer pulls it.
 */
export type ReadyChecks = Record<string, boolean | string>;

/** One readiness check: `true` when the dependency answers, else the reason it does not. */
export type ReadyCheck = () => boolean | string | Promise<boolean | string>;

/** Options for {@link observabilityPlugin}. */
export interface ObservabilityOptions {
  /**
   * The `/health` body. The default answers the seeds' `{"status":"healthy"}` and Typesense's
   * `{"ok":true}` at once, so the official clients' health checks read it as healthy too.
   */
  health?: () => unknown;
  /** Checks dependencies for `/ready`; ready when every check is `true`. A throw counts as not ready. */
  ready?: () => Promise<ReadyChecks>;
  /** Collect default process metrics (default true). */
  defaultMetrics?: boolean;
  /** Labels added to every metric, e.g. `{ service: 'search-gateway' }`. */
  defaultLabels?: Record<string, string>;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** This app's Prometheus registry; register package metrics here. */
    metricsRegistry: Registry;
    /**
     * Adds a dependency to `/ready` (a plugin's own check, e.g. sync's `sync_relay`): `true` when it
     * answers, else the reason. Checks with the same name as the app's own `ready` ones win over them.
     */
    addReadyCheck(name: string, check: ReadyCheck): void;
  }
}

/** The `route` label of requests that matched no route (keeps label cardinality bounded). */
export const NOT_FOUND_ROUTE = 'not_found';

const ReadyBody = Type.Object({
  status: Type.Union([Type.Literal('ready'), Type.Literal('degraded'), Type.Literal('unavailable')]),
  checks: Type.Record(Type.String(), Type.Union([Type.Boolean(), Type.String()])),
});

/**
 * Fastify plugin (not encapsulated) adding `/health`, `/ready`, `/metrics` and the HTTP metrics
 * `http_requests_total` and `http_request_duration_seconds`, labelled by route pattern.
 */
export const observabilityPlugin = fp(
  async function observability(app: FastifyInstance, opts: ObservabilityOptions) {
    const registry = new Registry();
    if (opts.defaultLabels) registry.setDefaultLabels(opts.defaultLabels);
    if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
    app.decorate('metricsRegistry', registry);
    const extraChecks = new Map<string, ReadyCheck>();
    app.decorate('addReadyCheck', (name: string, check: ReadyCheck) => {
      extraChecks.set(name, check);
    });

    const labelNames = ['method', 'route', 'status_code'] as const;
    const requests = new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests answered, by method, route pattern and status code.',
      labelNames,
      registers: [registry],
    });
    const duration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration in seconds, by method, route pattern and status code.',
      labelNames,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    });

    // One labelled child pair per (method, route, status) series, made on its first request: no
    // label object per request. The key space is that of the series, so it stays bounded.
    const series = new Map<string, { inc: () => void; observe: (value: number) => void }>();
    app.addHook('onResponse', (request, reply, done) => {
      // The route pattern, never the raw URL: `/collections/:name` stays one series.
      const route = request.is404 ? NOT_FOUND_ROUTE : (request.routeOptions.url ?? NOT_FOUND_ROUTE);
      const method = request.method;
      const status = reply.statusCode;
      const key = `${method} ${status} ${route}`;
      let s = series.get(key);
      if (s === undefined) {
        const counter = requests.labels(method, route, String(status));
        s = { inc: () => counter.inc(), observe: duration.labels(method, route, String(status)).observe };
        series.set(key, s);
      }
      s.inc();
      s.observe(reply.elapsedTime / 1000);
      done();
    });

    const health = opts.health ?? (() => ({ status: 'healthy', ok: true }));
    app.get('/health', { schema: { tags: ['ops'], summary: 'Liveness: the process answers.' } }, async () => health());

    app.get(
      '/ready',
      {
        schema: {
          tags: ['ops'],
          summary: 'Readiness: every dependency answers (503 when one does not; 200 `degraded` when the service still serves without one).',
          response: { 200: ReadyBody, 503: ReadyBody },
        },
      },
      async (request, reply) => {
        let checks: ReadyChecks;
        try {
          checks = opts.ready ? await opts.ready() : {};
          for (const [name, check] of extraChecks) checks[name] = await check();
        } catch (err) {
          request.log.warn({ err }, 'readiness check failed');
          checks = { ready: err instanceof Error ? err.message : 'readiness check failed' };
        }
        const values = Object.values(checks);
        const degraded = (v: boolean | string) => typeof v === 'string' && v.startsWith('degraded');
        const serving = values.every((v) => v === true || degraded(v));
        const status = !serving ? 'unavailable' : values.every((v) => v === true) ? 'ready' : 'degraded';
        return reply.code(serving ? 200 : 503).send({ status, checks });
      },
    );

    app.get('/metrics', { schema: { tags: ['ops'], summary: 'Prometheus metrics.' } }, async (_request, reply) => {
      return reply.type(registry.contentType).send(await registry.metrics());
    });
  },
  { name: '@fountain/kit/observability', fastify: '5.x' },
);
