// bench/memory.ts: bare node:http holding idle keep-alive connections (the reference).
// keepAliveTimeout raised as in the other idle servers; everything else is node:http's default.
import http from 'node:http';
import { ready, serveControl } from '../lib/idle-control.mjs';

process.env.NODE_ENV ||= 'production';
const PORT = Number(process.env.PORT || 3000);

serveControl();
const server = http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'content-length': 13 });
  res.end('Hello, World!');
});
server.keepAliveTimeout = 600_000;
server.listen(PORT, '127.0.0.1', ready);
