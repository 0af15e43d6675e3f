// Scenario "POST /echo 1 KiB JSON" (issue 8), shallot's side: body() reads and parses the JSON,
// validate() checks it against a zod schema and replaces it with the schema's output, and the
// handler echoes that output. Compare with ../peers/servers/fastify-echo-schema.mjs: the same shape, the same
// limits, unknown keys stripped on both sides. Built package: `npm run build` first.
import { z } from 'zod';
import { App } from '../../dist/index.js';
import { body, validate } from '../../dist/middleware/index.js';

process.env.NODE_ENV ||= 'production';
const PORT = Number(process.env.PORT || 3000);
const HOST = '127.0.0.1';

const Item = z.object({
  sku: z.string().min(1).max(32),
  qty: z.number().int().min(1).max(1000),
  price: z.number().min(0),
  note: z.string().max(200),
});
const Order = z.object({
  id: z.number().int().min(1),
  user: z.object({
    name: z.string().min(1).max(100),
    email: z.string().min(3).max(254),
    age: z.number().int().min(0).max(150),
    admin: z.boolean(),
  }),
  tags: z.array(z.string().min(1).max(30)).max(20),
  items: z.array(Item).min(1).max(50),
  comment: z.string().max(2000),
});

const app = new App({ logger: false });
app.use(body());
app.get('/', () => 'Hello, World!');
app.post('/echo', validate({ body: Order }), (ctx) => ctx.request.body);
app.listen(PORT, HOST);
