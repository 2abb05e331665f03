/**
 * One concept: the launcher. It runs past 300 lines because its parts are read together: the one
 * table of services (ports, keys, environment, in start-up order: the KMS before the services that
 * fetch keys from it), starting each and waiting for its /health, the banner, and the shutdown that
 * must reach every child however the launcher ends. The port check (port-holder.ts) is apart.
 *
 * `npm start`: the whole system on one machine. Starts the Key Management Service (port 8003), the
 * Search Gateway (port 8001; the embedded backend unless TYPESENSE_HOST or TYPESENSE_NODES is set),
 * the Central Sequence Service (port 8000), the Character Service (8004), Core Script Management
 * (8005) and the edge API gateway (port 8080, plain HTTP), each as its own HTTP server process, with
 * data under ./data (DATA_DIR); prints one banner with the URLs, the keys and the backend; Ctrl-C (or
 * SIGTERM) shuts them all down cleanly. `npm run start:tls` (`--tls`) also starts Caddy in front of
 * the edge with `tls internal` (deploy/Caddyfile): HTTPS on TLS_PORT (8443), plain HTTP on
 * TLS_HTTP_PORT (8081) redirected to it.
 *
 * Each service also runs alone, for production: `npx tsx services/<name>/src/server.ts`.
 *
 * Before starting anything it checks that every port is free, and names the process holding one
 * that is not. The services exit by themselves when this launcher is gone, however it ends (kit's
 * runServer watches the IPC channel set up here), so a SIGKILLed launcher leaves no orphans.
 *
 * Environment (besides what each service reads itself): GATEWAY_PORT (8001), SEQUENCE_PORT (8000),
 * KMS_PORT (8003), CHARACTERS_PORT (8004), SCRIPTS_PORT (8005), EDGE_PORT (8080), DATA_DIR (./data). The Key Management Service starts first; the sequence service
 * gets its gateway key from it, and the gateway accepts the keys it issues. Keys: TYPESENSE_SERVICE_API_KEY and API_KEY from the environment, else the
 * seeds' development keys, so the seeds' curl examples work as written.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LAUNCHER_PID_VAR, SEED_DEV_API_KEY, SEED_DEV_SERVICE_KEY, bindHost } from '@fountain/kit';
import { describeHolders, portFree, portHolders } from './port-holder.ts';

const root = resolve(fileURLToPath(import.meta.url), '../..');
const env = process.env;
const dataDir = env.DATA_DIR ?? './data';
const gatewayPort = Number(env.GATEWAY_PORT ?? 8001);
const sequencePort = Number(env.SEQUENCE_PORT ?? 8000);
const kmsPort = Number(env.KMS_PORT ?? 8003);
const charactersPort = Number(env.CHARACTERS_PORT ?? 8004);
const scriptsPort = Number(env.SCRIPTS_PORT ?? 8005);
const edgePort = Number(env.EDGE_PORT ?? 8080);
const tls = process.argv.includes('--tls');
const tlsPort = Number(env.TLS_PORT ?? 8443);
const tlsHttpPort = Number(env.TLS_HTTP_PORT ?? 8081);
const kmsUrl = `http://127.0.0.1:${kmsPort}`;
const kmsDbPath = join(dataDir, 'key-management.db');
/** SQLAlchemy style, as the seeds: three slashes then a relative path, or four for an absolute one. */
const sqliteUrl = (path: string) => `sqlite:///${isAbsolute(path) ? path : path.replace(/^\.\//, '')}`;
const serviceKey = env.TYPESENSE_SERVICE_API_KEY ?? SEED_DEV_SERVICE_KEY;
const apiKey = env.API_KEY ?? SEED_DEV_API_KEY;
const typesense = env.TYPESENSE_NODES ?? (env.TYPESENSE_HOST ? `${env.TYPESENSE_PROTOCOL ?? 'http'}://${env.TYPESENSE_HOST}:${env.TYPESENSE_PORT ?? 8108}` : null);
const dbPath = join(dataDir, 'sequence.db');

interface Service {
  name: string;
  /** Its name in the banner. */
  title: string;
  /** The variable that sets its port, for the message when the port is taken. */
  portVar: string;
  entry: string;
  port: number;
  env: Record<string, string>;
  child?: ChildProcess;
}

/**
 * A service on the blueprint (@fountain/service): its port, database and collection, the shared
 * keys. (Not yet on the KMS: it would need their service names registered there.)
 */
function blueprint(name: string, title: string, port: number, portVar: string, collection: string): Service {
  return {
    name,
    title,
    portVar,
    entry: `services/${name}/src/server.ts`,
    port,
    env: {
      PORT: String(port),
      DATABASE_URL: sqliteUrl(join(dataDir, `${name}.db`)),
      TYPESENSE_CLIENT_URL: `http://127.0.0.1:${gatewayPort}`,
      TYPESENSE_SERVICE_API_KEY: serviceKey,
      API_KEY: apiKey,
      TYPESENSE_COLLECTION_NAME: collection,
    },
  };
}

const services: Service[] = [
  {
    // First: the others fetch their keys from it at start (seeds/001 3.e).
    name: 'kms',
    title: 'Key Management Service',
    portVar: 'KMS_PORT',
    entry: 'services/key-management/src/server.ts',
    port: kmsPort,
    env: { PORT: String(kmsPort), DATABASE_URL: env.KMS_DATABASE_URL ?? sqliteUrl(kmsDbPath) },
  },
  {
    name: 'gateway',
    title: 'Search Gateway',
    portVar: 'GATEWAY_PORT',
    entry: 'services/search-gateway/src/server.ts',
    port: gatewayPort,
    // Accepts the keys the KMS issues (and the static one, for the seeds' curl examples).
    env: { PORT: String(gatewayPort), DATA_DIR: dataDir, TYPESENSE_SERVICE_API_KEY: serviceKey, KEY_MANAGEMENT_URL: kmsUrl },
  },
  {
    name: 'sequence',
    title: 'Central Sequence Service',
    portVar: 'SEQUENCE_PORT',
    entry: 'services/sequence/src/server.ts',
    port: sequencePort,
    env: {
      PORT: String(sequencePort),
      DATABASE_URL: env.DATABASE_URL ?? sqliteUrl(dbPath),
      TYPESENSE_CLIENT_URL: `http://127.0.0.1:${gatewayPort}`,
      // Its gateway key comes from the KMS (GET /keys/central_sequence_service), rotations included.
      KEY_MANAGEMENT_URL: kmsUrl,
      TYPESENSE_SERVICE_API_KEY: serviceKey,
      API_KEY: apiKey,
      // Each service's own TYPESENSE_COLLECTION_NAME default applies (elements; sequence_elements).
      TYPESENSE_COLLECTION_NAME: env.SEQUENCE_COLLECTION_NAME ?? 'sequence_elements',
    },
  },
  blueprint('characters', 'Character Service', charactersPort, 'CHARACTERS_PORT', 'characters'),
  blueprint('scripts', 'Core Script Management', scriptsPort, 'SCRIPTS_PORT', 'scripts'),
  {
    // The public entry: JWTs (the kit's development secret unless JWT_SECRET is set), roles, rate
    // limits, /v1 routing to the services above, each called with its own key; /v1/keys goes to the
    // KMS with the caller's own token.
    name: 'edge',
    title: 'Edge API (public, /v1)',
    portVar: 'EDGE_PORT',
    entry: 'services/edge/src/server.ts',
    port: edgePort,
    env: {
      PORT: String(edgePort),
      SEQUENCE_URL: `http://127.0.0.1:${sequencePort}`,
      SEQUENCE_API_KEY: apiKey,
      CHARACTERS_URL: `http://127.0.0.1:${charactersPort}`,
      CHARACTERS_API_KEY: apiKey,
      SCRIPTS_URL: `http://127.0.0.1:${scriptsPort}`,
      SCRIPTS_API_KEY: apiKey,
      TYPESENSE_CLIENT_URL: `http://127.0.0.1:${gatewayPort}`,
      TYPESENSE_SERVICE_API_KEY: serviceKey,
      KEY_MANAGEMENT_URL: kmsUrl,
      // Behind the local Caddy, believe its X-Forwarded-For (the caller's IP for per-IP limits).
      ...(tls && { TRUST_PROXY: '127.0.0.1,::1' }),
    },
  },
];

let stopping = false;

/** Caddy in front of the edge (`--tls`): not a Node service, so started apart. */
let caddy: ChildProcess | undefined;
const caddyDir = resolve(dataDir, 'caddy');
const caddyRoot = join(caddyDir, 'data', 'caddy', 'pki', 'authorities', 'local', 'root.crt');

/** Starts Caddy on deploy/Caddyfile (`tls internal`) and waits until its HTTPS port is bound. */
async function startCaddy(): Promise<void> {
  const child = spawn('caddy', ['run', '--config', join(root, 'deploy/Caddyfile'), '--adapter', 'caddyfile'], {
    cwd: process.cwd(),
    env: {
      ...env,
      // Its local CA lives under DATA_DIR and is never installed into the system's trust store.
      XDG_DATA_HOME: join(caddyDir, 'data'),
      XDG_CONFIG_HOME: join(caddyDir, 'config'),
      SITE_ADDRESS: env.SITE_ADDRESS ?? 'localhost',
      TLS: env.TLS ?? 'internal',
      HTTP_PORT: String(tlsHttpPort),
      HTTPS_PORT: String(tlsPort),
      CADDY_ADMIN: 'off',
      EDGE_UPSTREAMS: `127.0.0.1:${edgePort}`,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  caddy = child;
  child.on('error', (err) => console.error(`[caddy] ${err.message} (is Debian's caddy installed? apt-get install caddy)`));
  child.stderr?.on('data', (c: Buffer) => {
    // Caddy logs JSON at info level; only its warnings and errors are worth a terminal line.
    for (const line of c.toString().split('\n')) if (/"level":"(warn|error|fatal)"/.test(line)) process.stderr.write(`[caddy] ${line}\n`);
  });
  child.once('exit', (code, signal) => {
    if (stopping) return;
    console.error(`[start] caddy exited (${signal ?? code}); stopping the system`);
    void stopAll(1);
  });
  const deadline = Date.now() + 30_000;
  while ((await portFree(tlsPort, '127.0.0.1')).free) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`caddy did not listen on ${tlsPort}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

/** Starts one service, its output prefixed with its name, and waits until /health answers. */
async function start(s: Service): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, s.entry)], {
    cwd: process.cwd(),
    env: { ...env, ...s.env, [LAUNCHER_PID_VAR]: String(process.pid) },
    // The IPC channel is how the service learns that this launcher is gone: it closes however the
    // launcher ends, SIGKILL included (see runServer in the kit).
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    // Its own process group: a terminal's Ctrl-C reaches only this launcher, which then sends each
    // service exactly one SIGTERM (a second signal during a graceful close means "exit now").
    detached: true,
  });
  s.child = child;
  const prefix = (chunk: Buffer): string =>
    chunk
      .toString()
      .split('\n')
      .filter((l) => l.length > 0)
      .map((l) => `[${s.name}] ${l}\n`)
      .join('');
  child.stdout?.on('data', (c: Buffer) => process.stdout.write(prefix(c)));
  child.stderr?.on('data', (c: Buffer) => process.stderr.write(prefix(c)));
  child.once('exit', (code, signal) => {
    if (stopping) return;
    console.error(`[start] ${s.name} exited (${signal ?? code}); stopping the system`);
    void stopAll(1);
  });
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${s.name} exited during start-up`);
    try {
      if ((await fetch(`http://127.0.0.1:${s.port}/health`, { signal: AbortSignal.timeout(1000) })).ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${s.name} did not answer /health on port ${s.port} within 60 s`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

/** Stops every service (SIGTERM: each drains and closes), then exits with `code`. */
async function stopAll(code: number): Promise<never> {
  stopping = true;
  if (caddy && caddy.exitCode === null && caddy.signalCode === null) {
    const exited = new Promise((r) => caddy?.once('exit', r));
    caddy.kill('SIGTERM');
    await exited;
  }
  // Stop in reverse order: the sequence service finishes its in-flight sync batch while the gateway
  // (and the KMS, which the gateway follows) is up.
  for (const s of [...services].reverse()) {
    const child = s.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) continue;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }
  process.exit(code);
}

// If the launcher itself ends any other way, don't leave the services running on their own.
process.on('exit', () => {
  for (const s of services) if (s.child && s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGTERM');
  if (caddy && caddy.exitCode === null && caddy.signalCode === null) caddy.kill('SIGTERM');
});

/** Refuses to start when a port is taken, naming the process that holds it; starts nothing. */
async function checkPorts(): Promise<void> {
  const host = bindHost({ HOST: env.HOST, NODE_ENV: env.NODE_ENV ?? 'development' });
  const problems: string[] = [];
  for (const s of services) {
    const probe = await portFree(s.port, host);
    if (probe.free) continue;
    if (probe.code !== 'EADDRINUSE') {
      problems.push(`port ${s.port} (${s.name}, ${s.portVar}) on ${host} cannot be used: ${probe.code}`);
      continue;
    }
    const holders = portHolders(s.port);
    const leftover = holders?.some((h) => /services\/(search-gateway|sequence|key-management|characters|scripts|edge)\//.test(h.command))
      ? ' It looks like a FountainAI service left over from an earlier run.'
      : '';
    const stop = holders && holders.length > 0 ? `Stop it (kill ${holders.map((h) => h.pid).join(' ')}) or set` : 'Free it or set';
    problems.push(
      `port ${s.port} (${s.name}, ${s.portVar}) is already in use ${describeHolders(s.port, holders)}.${leftover} ${stop} ${s.portVar} to a free port.`,
    );
  }
  if (problems.length === 0) return;
  for (const p of problems) console.error(`[start] ${p}`);
  console.error('[start] nothing was started');
  process.exit(1);
}

// A closed terminal sends SIGHUP: stop the services as for Ctrl-C.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    if (!stopping) {
      console.log(`\n[start] ${signal}: shutting down`);
      void stopAll(0);
    }
  });
}

await checkPorts();
mkdirSync(dataDir, { recursive: true });
try {
  // The edge needs nothing up to start (it reaches the services per request), so it starts alongside
  // the others, which start in order (each fetches its key from the one before).
  const edge = services.find((s) => s.name === 'edge');
  const edgeStarted = edge ? start(edge).then(() => null, (err: unknown) => err) : Promise.resolve(null);
  for (const s of services) if (s !== edge) await start(s);
  const edgeFailed = await edgeStarted;
  if (edgeFailed) throw edgeFailed;
  if (tls) await startCaddy();
} catch (err) {
  console.error(`[start] ${err instanceof Error ? err.message : String(err)}`);
  await stopAll(1);
}

const key = (value: string, seedValue: string, name: string): string =>
  value === seedValue ? `${value}  (the seeds' development key; set ${name} to change it)` : `${name} from the environment`;
console.log(
  [
    '',
    '  FountainAI is running',
    ...services.map((s) => `    ${s.title.padEnd(26)}http://localhost:${s.port}   (docs: /docs${s.name === 'kms' ? '; an admin token: npm run -s token -- --role admin' : ''})`),
    ...(tls ? [`    ${'Edge API over TLS'.padEnd(26)}https://localhost:${tlsPort}/v1   (Caddy; trust ${caddyRoot})`] : []),
    `    search backend            ${typesense ? `typesense (${typesense})` : `embedded (${resolve(dataDir, 'search')})`}`,
    `    data                      ${resolve(dataDir)}`,
    `    gateway key (X-API-KEY)   ${key(serviceKey, SEED_DEV_SERVICE_KEY, 'TYPESENSE_SERVICE_API_KEY')}`,
    `    services' key (X-API-KEY) ${key(apiKey, SEED_DEV_API_KEY, 'API_KEY')}`,
    '',
    '  Ctrl-C stops everything.',
    '',
  ].join('\n'),
);
