// bench/memory.ts: a bare node:net socket per connection, the floor under any HTTP server in JS.
// It answers every chunk with one canned response (no parsing) and keeps the socket open.
import net from 'node:net';
import { ready, serveControl } from '../lib/idle-control.mjs';

const PORT = Number(process.env.PORT || 3000);
const RESPONSE = Buffer.from(
  'HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 13\r\n\r\nHello, World!',
);

serveControl();
const server = net.createServer((socket) => {
  socket.on('data', () => socket.write(RESPONSE));
  socket.on('error', () => socket.destroy());
});
server.listen(PORT, '127.0.0.1', ready);
