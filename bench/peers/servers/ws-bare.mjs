// Scenario "WebSocket echo" (issue 18, target 6): bare `ws`, the library shallot's WebSockets are
// built on, with its own HTTP server and defaults (no compression), echoing every message as it
// came. Any path is accepted. The ceiling for ../../servers/shallot-ws.mjs.
import { WebSocketServer } from 'ws';

const PORT = Number(process.env.PORT || 3000);
const HOST = '127.0.0.1';

const wss = new WebSocketServer({ port: PORT, host: HOST });
wss.on('connection', (socket) => {
  socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }));
});
