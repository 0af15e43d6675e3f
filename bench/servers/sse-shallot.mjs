// SSE (issue 18, target 7), shallot's side: GET /events opens a stream with `sse(ctx)` (heartbeat
// off, so nothing but the broadcast is written while bench/sse.ts measures) and sends one event;
// GET /broadcast sends one event to every open stream and answers with their count. Started by
// bench/sse.ts with --expose-gc and the IPC control channel of bench/memory.ts.
import { App } from '../../dist/index.js';
import { sse } from '../../dist/middleware/index.js';
import { ready, serveControl } from '../lib/idle-control.mjs';

process.env.NODE_ENV ||= 'production';
const PORT = Number(process.env.PORT || 3000);

serveControl();
const clients = new Set();
const app = new App({ logger: false, keepAliveTimeout: 600_000 });
app.get('/events', (ctx) => {
  const stream = sse(ctx, { heartbeat: 0 });
  clients.add(stream);
  stream.onClose(() => clients.delete(stream));
  stream.send({ event: 'hello', data: 'ready' });
});
app.get('/broadcast', () => {
  for (const s of clients) s.send({ event: 'news', data: 'broadcast' });
  return String(clients.size);
});
app.listen(PORT, '127.0.0.1', ready);
