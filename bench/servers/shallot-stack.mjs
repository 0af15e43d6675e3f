// Scenario "Koa-style stack" (issue 8), shallot's side: logger() at warn (so it builds the request
// logger and id but writes no line), query(), body() and a Router, in Koa's order. The request is
// POST /api/items/:id?tag=…&limit=… with a small JSON body; the handler answers with a mix of all
// three. Compare with ../peers/servers/koa-stack.mjs (the target) and ../peers/servers/fastify-stack.mjs (for p99).
import { App, Router } from '../../dist/index.js';
import { body, logger, query } from '../../dist/middleware/index.js';

process.env.NODE_ENV ||= 'production';
const PORT = Number(process.env.PORT || 3000);
const HOST = '127.0.0.1';

const router = new Router();
router.get('/', () => 'Hello, World!');
router.post('/api/items/:id', (ctx) => {
  const b = ctx.request.body;
  return { id: ctx.params.id, tag: ctx.query.tag, limit: ctx.query.limit, name: b.name, qty: b.qty };
});

// The app keeps its default root logger (info, to stdout); the request loggers are children at warn.
const app = new App();
app.use(logger({ level: 'warn' }));
app.use(query());
app.use(body());
app.use(router.routes());
app.listen(PORT, HOST);
