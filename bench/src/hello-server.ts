/**
 * The baseline of `npm run bench:api`: a bare Fastify hello-world, run as its own process like the
 * service it is compared with. `POST /sequence` parses the JSON body (Fastify's default parser) and
 * answers 201 with a small JSON of the service's shape; no validation, no database, no auth.
 */
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.get('/health', async () => ({ status: 'ok' }));
app.post('/sequence', async (request, reply) => {
  const body = request.body as { elementId?: number };
  return reply.code(201).send({ sequenceNumber: body.elementId ?? 0, comment: 'hello' });
});
await app.listen({ port: Number(process.env.PORT ?? 3000), host: process.env.HOST ?? '127.0.0.1' });
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void app.close().then(() => process.exit(0)));
}
