import { request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A raw HTTP answer, shaped like `app.inject`'s where the checks need it. */
export interface RawAnswer {
  statusCode: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
  json<T>(): T;
}

/** What {@link sendRaw} needs of a Fastify app: its server, and a way to start it listening. */
export interface Listenable {
  server: Server;
  listen(opts: { port: number; host: string }): Promise<string>;
}

/**
 * Sends one request over real HTTP with the path exactly as given. `app.inject` (like fetch) parses
 * the URL and resolves `..` before the app sees it, which is what a careful client does, not an
 * attacker. The app starts listening on a loopback port the first time.
 *
 * @example
 *   const res = await sendRaw(app, 'DELETE', '/collections/a/documents/..', { 'x-api-key': key });
 */
export async function sendRaw(
  app: Listenable,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<RawAnswer> {
  if (!app.server.listening) await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  const sized = body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) };
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers: sized }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ statusCode: res.statusCode ?? 0, body: text, headers: res.headers, json: <T>() => JSON.parse(text) as T });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}
