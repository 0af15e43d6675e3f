// Scenario "GET / over TLS" (issue 18, target 3), shallot's side: the same `GET /` as ../server.mjs,
// served by `app.listen({ tls })` (node:tls under shallot's engine). Key and certificate: the run's
// self-signed P-256 pair (TLS_KEY, TLS_CERT, made by the driver with openssl). Compare with
// ../peers/servers/fastify-tls.mjs (Fastify over node:https, the same pair).
import { readFileSync } from 'node:fs';
import { App } from '../../dist/index.js';

process.env.NODE_ENV ||= 'production';
const PORT = Number(process.env.PORT || 3000);
const HOST = '127.0.0.1';

const app = new App({ logger: false });
app.get('/', () => 'Hello, World!');
app.listen({
  port: PORT,
  host: HOST,
  tls: { key: readFileSync(process.env.TLS_KEY), cert: readFileSync(process.env.TLS_CERT) },
});
