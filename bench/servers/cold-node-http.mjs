// Cold start (issue 18, target 9), the reference: a node:http hello server, the same answer as
// cold-shallot.mjs.
import http from 'node:http';

http
  .createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'content-length': 13 });
    res.end('Hello, World!');
  })
  .listen(Number(process.env.PORT || 3000), '127.0.0.1');
