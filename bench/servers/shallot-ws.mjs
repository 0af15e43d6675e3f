// Scenario "WebSocket echo" (issue 18, target 6), shallot's side: a routed WebSocket (`app.ws()`,
// docs/websockets.md) that echoes every message as it came (text or binary). App defaults
// (maxPayload 1 MiB, a ping every 30 s, no compression). Compare with ../peers/servers/ws-bare.mjs
// and fastify-websocket.mjs. Built package: `npm run build` first.
import { App } from '../../dist/index.js';

process.env.NODE_ENV ||= 'production';
const PORT = Number(process.env.PORT || 3000);
const HOST = '127.0.0.1';

const app = new App({ logger: false });
app.get('/', () => 'Hello, World!');
app.ws('/echo', async (ctx) => {
  const socket = await ctx.upgrade();
  socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }));
});
app.listen(PORT, HOST);
