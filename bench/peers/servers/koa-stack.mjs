// Scenario "Koa-style stack" (issue 8), Koa's side: Koa 3 + @koa/router + @koa/bodyparser, with
// Koa's own ctx.query. Koa has no logger of its own, so this side runs none. Mirrors
// ./shallot-stack.mjs.
//
// Not dependencies of shallot: this file runs from bench/peers, whose own package.json and lockfile
// `npm run bench` installs on its first run.
import Koa from 'koa';
import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';

process.env.NODE_ENV ||= 'production';
const PORT = Number(process.env.PORT || 3000);
const HOST = '127.0.0.1';

const router = new Router();
router.get('/', (ctx) => {
  ctx.body = 'Hello, World!';
});
router.post('/api/items/:id', (ctx) => {
  const b = ctx.request.body;
  ctx.body = { id: ctx.params.id, tag: ctx.query.tag, limit: ctx.query.limit, name: b.name, qty: b.qty };
});

const app = new Koa();
app.use(bodyParser());
app.use(router.routes());
app.listen(PORT, HOST);
