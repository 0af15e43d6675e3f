// Scenario "WebSocket echo" (issue 18, target 6), Fastify's side: @fastify/websocket (ws underneath,
// defaults, no compression) on a `GET /echo` route with `websocket: true`, echoing every message
// as it came. Mirrors ../../servers/shallot-ws.mjs.
import Fastify from 'fastify';
import websocket from '@fastify/websocket';

process.env.NODE_ENV ||= 'production';
const PORT = Number(process.env.PORT || 3000);
const HOST = '127.0.0.1';

const app = Fastify({ logger: false });
await app.register(websocket);
app.get('/', async () => 'Hello, World!');
app.get('/echo', { websocket: true }, (socket) => {
  socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }));
});

await app.listen({ port: PORT, host: HOST });
