/**
 * SSE (issue 18, target 7): memory per open Server-Sent-Events client and the time to broadcast one
 * event to all of them, shallot's `sse()` (bench/servers/sse-shallot.mjs) against Fastify writing
 * the same stream on `reply.raw` (bench/peers/servers/sse-fastify.mjs).
 *
 *   npx tsx bench/sse.ts [--clients 10000] [--rounds 1] [--json]
 *
 * As bench/memory.ts: the server (core SERVER_CPU, --expose-gc, IPC) is warmed up, full GCs and
 * an RSS reading; then N clients open `GET /events` (200 connects in flight at a time) and each
 * waits for the stream's head and its first event; GC and RSS again: (after − before) / N is the
 * memory per open client. Then the broadcast: this process notes the time, sends `GET /broadcast`
 * on a connection of its own and stops the clock when the event has arrived on all N streams
 * (measured at the client side, this process's own reading time included). Checks: every stream
 * answered 200 text/event-stream with its first event, none closed, the broadcast reached all.
 */
import type { ChildProcess } from 'node:child_process';
import net from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureFdLimit, startServer, stopServer } from './lib/proc.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : process.argv[i + 1]!;
};
const CLIENTS = Number(arg('clients', process.env['SSE_CLIENTS'] ?? '10000'));
const ROUNDS = Number(arg('rounds', process.env['SSE_ROUNDS'] ?? '1'));
const SERVER_CPU = process.env['SERVER_CPU'] ?? '0';
const PORT = Number(process.env['SSE_PORT'] ?? 3392);
const JSON_OUT = process.argv.includes('--json');
const LOG_DIR = process.env['BENCH_LOG_DIR'] ?? '/tmp';
const say = (s: string): void => void (JSON_OUT ? process.stderr : process.stdout).write(`${s}\n`);

const KINDS = {
  shallot: { file: join(ROOT, 'bench/servers/sse-shallot.mjs'), cwd: ROOT },
  fastify: { file: join(ROOT, 'bench/peers/servers/sse-fastify.mjs'), cwd: join(ROOT, 'bench/peers') },
};
type Kind = keyof typeof KINDS;

export interface SseRow {
  kind: string;
  round: number;
  clients: number;
  rssPerClient: number;
  heapPerClient: number;
  broadcastMs: number;
}

function measure(child: ChildProcess): Promise<{ rss: number; heapUsed: number }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('server did not answer the measure request in 30 s')), 30_000);
    const onMessage = (m: { cmd: string; rss: number; heapUsed: number }): void => {
      if (m.cmd !== 'measured') return;
      child.off('message', onMessage);
      clearTimeout(timer);
      resolve(m);
    };
    child.on('message', onMessage);
    child.send({ cmd: 'measure' });
  });
}

interface Client {
  sock: net.Socket;
  buf: string;
  got: boolean;
}

function openStream(state: { closed: number; onNews: () => void }): Promise<Client> {
  return new Promise((resolve, reject) => {
    const c: Client = { sock: net.connect(PORT, '127.0.0.1'), buf: '', got: false };
    let opened = false;
    c.sock.on('data', (d: Buffer) => {
      c.buf += d.toString('latin1');
      if (!opened) {
        if (!c.buf.includes('data: ready\n\n')) return;
        opened = true;
        if (!/^HTTP\/1\.1 200 /.test(c.buf) || !/content-type: text\/event-stream/i.test(c.buf))
          return reject(new Error(`unexpected answer ${JSON.stringify(c.buf.slice(0, 60))}`));
        c.buf = '';
        return resolve(c);
      }
      if (!c.got && c.buf.includes('data: broadcast\n\n')) {
        c.got = true;
        state.onNews();
      }
    });
    c.sock.once('connect', () =>
      c.sock.write('GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n'),
    );
    c.sock.once('error', reject);
    c.sock.once('close', () => state.closed++);
  });
}

async function openMany(n: number, state: { closed: number; onNews: () => void }): Promise<Client[]> {
  const out: Client[] = [];
  for (let i = 0; i < n; i += 200)
    out.push(...(await Promise.all(Array.from({ length: Math.min(200, n - i) }, () => openStream(state)))));
  return out;
}

function get(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(PORT, '127.0.0.1', () =>
      s.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`),
    );
    let buf = '';
    s.on('data', (d: Buffer) => (buf += d.toString('latin1')));
    s.once('end', () => resolve(buf));
    s.once('error', reject);
  });
}

async function one(kind: Kind, round: number): Promise<SseRow> {
  const child = await startServer({
    name: `sse-${kind}`,
    ...KINDS[kind],
    port: PORT,
    cpu: SERVER_CPU,
    logFile: join(LOG_DIR, `sse-${kind}.log`),
    nodeArgs: ['--expose-gc'],
    ipc: true,
  });
  let reached = 0;
  let done: () => void = () => {};
  const state = { closed: 0, onNews: () => ++reached === CLIENTS && done() };
  try {
    // Warm-up: 5 × 50 streams opened and dropped.
    const warm = { closed: 0, onNews: () => {} };
    for (let i = 0; i < 5; i++) for (const c of await openMany(50, warm)) c.sock.destroy();
    await new Promise((r) => setTimeout(r, 300));
    const before = await measure(child);
    const clients = await openMany(CLIENTS, state);
    const after = await measure(child);
    if (state.closed > 0) throw new Error(`${kind}: ${state.closed} stream(s) closed before the broadcast`);
    const all = new Promise<void>((r) => (done = r));
    const t0 = performance.now();
    const answer = await get('/broadcast');
    const timeout = new Promise<never>((_, rej) =>
      setTimeout(() => rej(new Error(`${kind}: broadcast reached ${reached}/${CLIENTS} in 30 s`)), 30_000).unref(),
    );
    await Promise.race([all, timeout]);
    const ms = performance.now() - t0;
    if (!answer.endsWith(`\r\n\r\n${CLIENTS}`))
      throw new Error(`${kind}: /broadcast answered ${JSON.stringify(answer.slice(-40))}`);
    for (const c of clients) c.sock.destroy();
    return {
      kind,
      round,
      clients: CLIENTS,
      rssPerClient: (after.rss - before.rss) / CLIENTS,
      heapPerClient: (after.heapUsed - before.heapUsed) / CLIENTS,
      broadcastMs: ms,
    };
  } finally {
    await stopServer(child);
  }
}

async function main(): Promise<void> {
  ensureFdLimit(CLIENTS + 1024, say);
  const rows: SseRow[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    for (const kind of Object.keys(KINDS) as Kind[]) {
      const r = await one(kind, round);
      rows.push(r);
      say(
        `[round ${round}] sse-${kind}: ${CLIENTS} clients, RSS ${(r.rssPerClient / 1024).toFixed(2)} KiB/client, heap ${(r.heapPerClient / 1024).toFixed(2)} KiB/client, broadcast to all ${r.broadcastMs.toFixed(1)} ms`,
      );
    }
  }
  if (JSON_OUT) process.stdout.write(`${JSON.stringify(rows)}\n`);
}

await main();
