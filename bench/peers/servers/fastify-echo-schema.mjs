// Scenario "POST /echo 1 KiB JSON" (issue 8), Fastify's side: its built-in JSON parser and a JSON
// schema on the route (validated by Fastify's Ajv compiler, which also strips unknown keys here
// because of additionalProperties: false). No response schema: like shallot's side, the reply is
// serialised with JSON.stringify. Mirrors ../../servers/shallot-echo.mjs.
//
// Fastify is not a dependency of shallot: this file runs from bench/peers, whose own package.json
// and lockfile `npm run bench` installs on its first run.
import Fastify from 'fastify';

process.env.NODE_ENV ||= 'production';
const PORT = Number(process.env.PORT || 3000);
const HOST = '127.0.0.1';

const str = (minLength, maxLength) => ({ type: 'string', minLength, maxLength });
const int = (minimum, maximum) => ({ type: 'integer', minimum, ...(maximum === undefined ? {} : { maximum }) });
const object = (properties) => ({
  type: 'object',
  properties,
  required: Object.keys(properties),
  additionalProperties: false,
});

const Item = object({ sku: str(1, 32), qty: int(1, 1000), price: { type: 'number', minimum: 0 }, note: str(0, 200) });
const Order = object({
  id: int(1),
  user: object({ name: str(1, 100), email: str(3, 254), age: int(0, 150), admin: { type: 'boolean' } }),
  tags: { type: 'array', items: str(1, 30), maxItems: 20 },
  items: { type: 'array', items: Item, minItems: 1, maxItems: 50 },
  comment: str(0, 2000),
});

const app = Fastify({ logger: false });
app.get('/', async () => 'Hello, World!');
app.post('/echo', { schema: { body: Order } }, async (req) => req.body);

await app.listen({ port: PORT, host: HOST });
