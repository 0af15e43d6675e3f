// Scenario "GET / over TLS" (issue 18, target 3), Fastify's side: Fastify 5 over node:https
// (`https: { key, cert }`), the same `GET /` as fastify.mjs, logger off. Key and certificate: the
// run's self-signed pair (TLS_KEY, TLS_CERT).
import { readFileSync } from 'node:fs';
import Fastify from 'fastify';

process.env.NODE_ENV ||= 'production';
const PORT = Number(process.env.PORT || 3000);
const HOST = '127.0.0.1';

const app = Fastify({
  logger: false,
  https: { key: readFileSync(process.env.TLS_KEY), cert: readFileSync(process.env.TLS_CERT) },
});
app.get('/', async () => 'Hello, World!');

await app.listen({ port: PORT, host: HOST });
