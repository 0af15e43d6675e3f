// Scenario "Koa-style stack" (issue 8), Fastify's side, so the p99 target (≤ Fastify's) can be
// judged here too: Fastify's pino logger at warn, its query parser, JSON body parser and router
// (all built in). No schema. Mirrors ../../servers/shallot-stack.mjs.
//
// Fastify is not a dependency of shallot: this file runs from bench/peers, whose own package.json
// and lockfile `npm run bench` installs on its first run.
import Fastify from 'fastify';

process.env.NODE_ENV ||= 'production';
const PORT = Number(process.env.PORT || 3000);
const HOST = '127.0.0.1';

const app = Fastify({ logger: { level: 'warn' } });
app.get('/', async () => 'Hello, World!');
app.post('/api/items/:id', async (req) => {
  const b = req.body;
  return { id: req.params.id, tag: req.query.tag, limit: req.query.limit, name: b.name, qty: b.qty };
});

await app.listen({ port: PORT, host: HOST });
