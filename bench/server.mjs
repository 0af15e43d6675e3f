// The shared harness's routes served by shallot, from the built package (npm run build first).
// GET / text, GET /json, GET /user/:id, POST /echo (JSON echoed back). Logging off.
import { App } from '../dist/index.js';

process.env.NODE_ENV ||= 'production';
const PORT = Number(process.env.PORT || 3000);
const HOST = '127.0.0.1';

const app = new App({ logger: false });
app.use(async (ctx) => {
  const path = ctx.path;
  if (ctx.method === 'GET') {
    if (path === '/') { ctx.body = 'Hello, World!'; return; }
    if (path === '/json') { ctx.body = { message: 'Hello, World!' }; return; }
    if (path.startsWith('/user/')) { ctx.body = { id: path.slice(6) }; return; }
  } else if (ctx.method === 'POST' && path === '/echo') {
    const chunks = [];
    for await (const c of ctx.req) chunks.push(c);
    ctx.body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  }
});
app.listen(PORT, HOST);
