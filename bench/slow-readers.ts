/**
 * `npm run bench:slow-readers`: what clients that never read cost the server, and that the send
 * timeout gives it back. In one process (run with --expose-gc, which the script adds): a shallot
 * app whose handler builds a fresh 10 MiB body per request (the worst case: nothing shared between
 * responses), `CLIENTS` raw clients that each send one GET and never read a byte, and the server's
 * memory (RSS, and the ArrayBuffer memory that holds the bodies) at three moments:
 *
 * 1. baseline — listening, after a full GC;
 * 2. held — every request answered and stalled in its socket, after a full GC;
 * 3. after — the send timeout has closed every stalled connection, after a full GC.
 *
 * Knobs (environment): CLIENTS=100 BODY_MIB=10 SEND_TIMEOUT=2000. Exits 1 when memory "after" is
 * not back within 10% of the body total of the baseline (or a connection is left open).
 */
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { App } from '../src/index.js';

const CLIENTS = Number(process.env['CLIENTS'] ?? 100);
const BODY = Number(process.env['BODY_MIB'] ?? 10) * 1024 * 1024;
const SEND_TIMEOUT = Number(process.env['SEND_TIMEOUT'] ?? 2000);

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) {
  const { spawnSync } = await import('node:child_process');
  const r = spawnSync(process.execPath, ['--expose-gc', ...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
  });
  process.exit(r.status ?? 1);
}

const MiB = (n: number): string => `${(n / 1024 / 1024).toFixed(1)} MiB`;
async function reading(label: string): Promise<{ rss: number; buffers: number }> {
  // Twice, a turn apart: backing stores of buffers freed by one GC are released after it.
  gc!();
  await new Promise((r) => setImmediate(r));
  gc!();
  const m = process.memoryUsage();
  console.log(`${label.padEnd(9)} rss ${MiB(m.rss).padStart(10)}   array buffers ${MiB(m.arrayBuffers).padStart(10)}`);
  return { rss: m.rss, buffers: m.arrayBuffers };
}

let answered = 0;
const app = new App({ logger: false, sendTimeout: SEND_TIMEOUT });
app.use((ctx) => {
  answered++;
  ctx.body = Buffer.alloc(BODY, 0x61);
});
const server = app.listen(0, '127.0.0.1');
await new Promise<void>((r) => server.once('listening', () => r()));
const { port } = server.address() as AddressInfo;
const base = await reading('baseline');

const sockets: net.Socket[] = [];
for (let i = 0; i < CLIENTS; i++) {
  const s = net.connect(port, '127.0.0.1');
  s.on('error', () => {});
  s.pause();
  s.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  sockets.push(s);
}
const started = Date.now();
while (answered < CLIENTS) await new Promise((r) => setTimeout(r, 20));
await new Promise((r) => setTimeout(r, 200));
const held = await reading('held');
while (server.connections > 0 && Date.now() - started < SEND_TIMEOUT * 5) await new Promise((r) => setTimeout(r, 50));
const closedAfter = Date.now() - started;
const after = await reading('after');
for (const s of sockets) s.destroy();
await server.close();

const total = CLIENTS * BODY;
console.log(
  `\n${CLIENTS} clients × ${MiB(BODY)} = ${MiB(total)} of bodies; send timeout ${SEND_TIMEOUT} ms; every stalled connection closed ${closedAfter} ms after the requests`,
);
console.log(`held above baseline: ${MiB(held.buffers - base.buffers)} array buffers, ${MiB(held.rss - base.rss)} RSS`);
console.log(
  `after the timeout:   ${MiB(after.buffers - base.buffers)} array buffers, ${MiB(after.rss - base.rss)} RSS above baseline`,
);
const ok = server.connections === 0 && after.buffers - base.buffers < total * 0.1;
console.log(ok ? 'ok: memory returned to baseline' : '!!! memory did not return to baseline');
process.exit(ok ? 0 : 1);
