// SSE (issue 18, target 7), Fastify's side with the same stream as ../../servers/sse-shallot.mjs:
// GET /events hijacks the reply and writes the event-stream head and one event on `reply.raw`;
// GET /broadcast writes one event to every open stream. Started by bench/sse.ts with --expose-gc
// and the IPC control channel of bench/memory.ts.
import Fastify from 'fastify';
import { ready, serveControl } from '../../lib/idle-control.mjs';

process.env.NODE_ENV ||= 'production';
const PORT = Number(process.env.PORT || 3000);

serveControl();
const clients = new Set();
const app = Fastify({ logger: false, keepAliveTimeout: 600_000 });
app.get('/events', (req, reply) => {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    'x-accel-buffering': 'no',
  });
  res.write('event: hello\ndata: ready\n\n');
  clients.add(res);
  res.on('close', () => clients.delete(res));
});
app.get('/broadcast', async () => {
  for (const res of clients) res.write('event: news\ndata: broadcast\n\n');
  return String(clients.size);
});
await app.listen({ port: PORT, host: '127.0.0.1' });
ready();
