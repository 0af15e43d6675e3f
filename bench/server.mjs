// The shared harness's routes served by shallot, from the built package (`npm run build` first):
// GET / text, GET /json, GET /user/:id through the router, POST /echo (JSON echoed back).
// Logging off, as for every peer in bench/peers.
import { App } from '../dist/index.js';

process.env.NODE_ENV ||= 'production';
const PORT = Number(process.env.PORT || 3000);
const HOST = '127.0.0.1';

const app = new App({ logger: false });
app.get('/', () => 'Hello, World!');
app.get('/json', () => ({ message: 'Hello, World!' }));
app.get('/user/:id', (ctx) => ({ id: ctx.params.id }));
app.post('/echo', async (ctx) => {
  const chunks = [];
  for await (const c of ctx.req) chunks.push(c);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
});
app.listen(PORT, HOST);
