// The raw-socket limit (issue 18, target 1): bare `node:net` that answers every request with a
// canned, correct HTTP/1.1 response without parsing it — the ceiling any Node framework on this
// machine can reach. A request is counted by its `\r\n\r\n` (GET only: every request is a head);
// pipelined heads in one chunk and a head split across chunks are both handled. The one byte
// looked at is the path's first letter after `/` (`u` → the /user/:id JSON, else the text of
// GET /), so that one server stands for both scenarios. The responses carry the same fields as
// shallot's (content-type, content-length, date, keep-alive), the Date refreshed once a second.
import net from 'node:net';

const PORT = Number(process.env.PORT || 3000);
const HOST = '127.0.0.1';
const SEP = Buffer.from('\r\n\r\n');

let text;
let json;
function canned() {
  const date = new Date().toUTCString();
  const head = (type, len) =>
    `HTTP/1.1 200 OK\r\ncontent-type: ${type}; charset=utf-8\r\ncontent-length: ${len}\r\ndate: ${date}\r\nkeep-alive: timeout=5\r\n\r\n`;
  text = Buffer.from(`${head('text/plain', 13)}Hello, World!`, 'latin1');
  json = Buffer.from(`${head('application/json', 11)}{"id":"42"}`, 'latin1');
}
canned();
setInterval(canned, 1000).unref();

const server = net.createServer({ noDelay: true }, (socket) => {
  // Bytes of a head not yet complete (a head split across chunks), else null.
  let pending = null;
  socket.on('data', (chunk) => {
    const buf = pending === null ? chunk : Buffer.concat([pending, chunk]);
    let start = 0;
    let out = null;
    let n = 0;
    for (let end = buf.indexOf(SEP, 0); end !== -1; end = buf.indexOf(SEP, start)) {
      // "GET /u…": byte 5 of the head.
      const r = buf[start + 5] === 0x75 ? json : text;
      if (n === 0) out = r;
      else if (n === 1) out = [out, r];
      else out.push(r);
      n++;
      start = end + 4;
    }
    pending = start === buf.length ? null : Buffer.from(buf.subarray(start));
    if (n === 1) socket.write(out);
    else if (n > 1) socket.write(Buffer.concat(out));
  });
  socket.on('error', () => socket.destroy());
});
server.listen(PORT, HOST);
