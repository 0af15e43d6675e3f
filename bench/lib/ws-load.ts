/**
 * WebSocket echo load generator for `npm run bench` (scenario "WebSocket echo"; wrk speaks no
 * WebSocket). The driver runs it under `taskset -c <load cpu>` (./ws-run.ts); by hand:
 *
 *   npx tsx bench/lib/ws-load.ts --port 3300 [--path /echo] [--conns 50] [--seconds 5] [--size 1024]
 *
 * N connections in a closed loop: each sends one binary message of `size` bytes and sends the next
 * when its echo is back. After `seconds` it prints one line for ./ws-run.ts:
 *   WSRESULT conns= size= messages= duration_us= p50_us= p90_us= p99_us= max_us= errors= cpu_s=
 * (messages: echoes received in the window; cpu_s: this process's CPU over the window) and exits.
 * A connection that fails its handshake makes it exit 1 before measuring.
 *
 * Why raw sockets instead of the `ws` client: a `ws` client costs about as much CPU per message as
 * the server, so one core of it could not saturate one core of server. Here every frame sent is the
 * same precomputed buffer (one mask key for all frames: servers unmask whatever key comes, and the
 * key's freshness only matters against proxies, RFC 6455 §10.3), and an echo is checked by opcode,
 * FIN and length only; that the bytes come back intact is checked before measuring (./checks.ts).
 */
import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';

const arg = (name: string, dflt: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? dflt : process.argv[i + 1]!;
};
const PORT = Number(arg('port', '3000'));
const PATH = arg('path', '/echo');
const CONNS = Number(arg('conns', '50'));
const SECONDS = Number(arg('seconds', '5'));
const SIZE = Number(arg('size', '1024'));
const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** One masked binary frame of SIZE bytes (FIN, opcode 2). */
function clientFrame(opcode: number, payload: Buffer): Buffer {
  const n = payload.length;
  const ext = n < 126 ? 0 : n < 65536 ? 2 : 8;
  const head = Buffer.alloc(2 + ext + 4);
  head[0] = 0x80 | opcode;
  if (ext === 0) head[1] = 0x80 | n;
  else if (ext === 2) {
    head[1] = 0x80 | 126;
    head.writeUInt16BE(n, 2);
  } else {
    head[1] = 0x80 | 127;
    head.writeBigUInt64BE(BigInt(n), 2);
  }
  const mask = randomBytes(4);
  mask.copy(head, 2 + ext);
  const body = Buffer.from(payload);
  for (let i = 0; i < n; i++) body[i]! ^= mask[i & 3]!;
  return Buffer.concat([head, body]);
}

const FRAME = clientFrame(2, randomBytes(SIZE));

let running = false;
let stopAt = 0;
let messages = 0;
let errors = 0;
const errorKinds = new Map<string, number>();
/** Round trips in µs, one per echo received in the window. */
let rtts = new Float64Array(1 << 20);

function fail(kind: string): void {
  errors++;
  errorKinds.set(kind, (errorKinds.get(kind) ?? 0) + 1);
}

function record(us: number): void {
  if (messages === rtts.length) {
    const bigger = new Float64Array(rtts.length * 2);
    bigger.set(rtts);
    rtts = bigger;
  }
  rtts[messages++] = us;
}

/** Opens one WebSocket (raw handshake, Sec-WebSocket-Accept checked); resolves with the socket and any bytes after the 101. */
function open(): Promise<{ sock: net.Socket; rest: Buffer }> {
  return new Promise((resolve, reject) => {
    const key = randomBytes(16).toString('base64');
    const want = createHash('sha1')
      .update(key + GUID)
      .digest('base64');
    const sock = net.connect(PORT, '127.0.0.1');
    sock.setNoDelay(true);
    let buf = Buffer.alloc(0);
    const onData = (d: Buffer): void => {
      buf = Buffer.concat([buf, d]);
      const end = buf.indexOf('\r\n\r\n');
      if (end === -1) return;
      sock.off('data', onData);
      const head = buf.subarray(0, end).toString('latin1');
      const accept = /\r\nsec-websocket-accept: *(\S+)/i.exec(head)?.[1];
      if (!head.startsWith('HTTP/1.1 101') || accept !== want) {
        sock.destroy();
        return reject(new Error(`handshake refused: ${JSON.stringify(head.slice(0, 200))}`));
      }
      resolve({ sock, rest: buf.subarray(end + 4) });
    };
    sock.on('data', onData);
    sock.once('error', reject);
    sock.write(
      `GET ${PATH} HTTP/1.1\r\nHost: 127.0.0.1:${PORT}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
        `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${key}\r\n\r\n`,
    );
  });
}

/** Runs one connection's closed loop: frame parser for unmasked server frames. */
function drive(sock: net.Socket, rest: Buffer): void {
  let pending = rest;
  let sentAt = 0;
  const send = (): void => {
    if (!running) return;
    sentAt = performance.now();
    sock.write(FRAME);
  };
  sock.removeAllListeners('error');
  sock.on('error', (e: NodeJS.ErrnoException) => running && fail(`socket ${e.code ?? e.message}`));
  sock.on('close', () => running && fail('closed by server'));
  sock.on('data', (d: Buffer) => {
    let buf = pending.length === 0 ? d : Buffer.concat([pending, d]);
    for (;;) {
      if (buf.length < 2) break;
      const b1 = buf[1]!;
      let len = b1 & 0x7f;
      let off = 2;
      if (len === 126) {
        if (buf.length < 4) break;
        len = buf.readUInt16BE(2);
        off = 4;
      } else if (len === 127) {
        if (buf.length < 10) break;
        len = Number(buf.readBigUInt64BE(2));
        off = 10;
      }
      if (b1 & 0x80) off += 4; // a server must not mask; tolerated, payload not read anyway
      if (buf.length < off + len) break;
      const op = buf[0]! & 0x0f;
      const fin = (buf[0]! & 0x80) !== 0;
      if (op === 0x9) sock.write(clientFrame(0xa, buf.subarray(off, off + len)));
      else if (op === 0x8) fail('close frame');
      else if (op === 0x2 && fin && len === SIZE) {
        if (running) {
          if (performance.now() <= stopAt) record((performance.now() - sentAt) * 1000);
          send();
        }
      } else if (op !== 0xa) fail(`unexpected frame op=${op} fin=${fin} len=${len}`);
      buf = buf.subarray(off + len);
    }
    pending = buf.length === 0 ? Buffer.alloc(0) : Buffer.from(buf);
  });
  send();
}

function pct(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return -1;
  return Math.round(sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!);
}

async function main(): Promise<void> {
  const socks = await Promise.all(Array.from({ length: CONNS }, open));
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  stopAt = t0 + SECONDS * 1000;
  running = true;
  for (const { sock, rest } of socks) drive(sock, rest);
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  // The window ends at stopAt: echoes arriving later are not counted (record() checks the clock).
  const cpu = process.cpuUsage(cpu0);
  const durationUs = Math.round(SECONDS * 1e6);
  running = false;
  for (const { sock } of socks) sock.destroy();
  const sorted = rtts.subarray(0, messages).sort();
  const detail = [...errorKinds].map(([k, n]) => `${k.replace(/\s+/g, '_')}:${n}`).join(',');
  process.stdout.write(
    `WSRESULT conns=${CONNS} size=${SIZE} messages=${messages} duration_us=${durationUs} ` +
      `p50_us=${pct(sorted, 50)} p90_us=${pct(sorted, 90)} p99_us=${pct(sorted, 99)} max_us=${pct(sorted, 100)} ` +
      `errors=${errors} error_detail=${detail || '-'} cpu_s=${((cpu.user + cpu.system) / 1e6).toFixed(3)}\n`,
  );
}

main().then(
  () => process.exit(0),
  (e: Error) => {
    process.stderr.write(`ws-load: ${e.message}\n`);
    process.exit(1);
  },
);
