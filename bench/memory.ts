/**
 * Retained memory per idle keep-alive connection (issue 8): shallot against bare node:http and a
 * bare node:net socket.
 *
 *   npm run bench:memory                 (3 interleaved rounds of 5,000 connections per server)
 *   npm run bench:memory -- --conns 2000 --rounds 1 --json
 *
 * For each server (bench/servers/idle-*.mjs, started with --expose-gc on core SERVER_CPU, this
 * client on LOAD_CPU): warm it up with a few requests, force full GCs in the server (over IPC, see
 * bench/lib/idle-control.mjs) and read its RSS; then open N connections, each sending one
 * `GET /` and reading the whole response, so every connection has been used and sits idle with
 * keep-alive; GC again and read RSS. (RSS after − RSS before) / N is the memory the server keeps
 * per idle connection. Heap and external (Buffer) deltas are shown too: they tell JS objects from
 * native socket state. Checks before a number counts: every connection got its 200, none was
 * closed, and the server holds ≥ N more file descriptors.
 *
 * `npm run build` first (the shallot server imports dist/).
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureFdLimit, startServer, stopServer } from './lib/proc.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const KINDS = ['shallot', 'node-http', 'net'] as const;
type Kind = (typeof KINDS)[number];

const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : process.argv[i + 1]!;
};
const CONNS = Number(arg('conns', process.env['MEMORY_CONNS'] ?? '5000'));
const ROUNDS = Number(arg('rounds', process.env['MEMORY_ROUNDS'] ?? '3'));
const SERVER_CPU = process.env['SERVER_CPU'] ?? '0';
const LOAD_CPU = process.env['LOAD_CPU'] ?? '1';
const PORT = Number(process.env['MEMORY_PORT'] ?? 3390);
const JSON_OUT = process.argv.includes('--json');
const say = (s: string): void => void (JSON_OUT ? process.stderr : process.stdout).write(`${s}\n`);

interface Usage {
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

function measure(child: ChildProcess): Promise<Usage> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('server did not answer the measure request in 30 s')), 30_000);
    const onMessage = (m: Usage & { cmd: string }): void => {
      if (m.cmd !== 'measured') return; // e.g. the 'ready' sent on listen
      child.off('message', onMessage);
      clearTimeout(timer);
      resolve(m);
    };
    child.on('message', onMessage);
    child.send({ cmd: 'measure' });
  });
}

const REQUEST = 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n';

/** Connects, sends one request, resolves once the whole response (Content-Length) was read. */
function openUsed(state: { closed: number }): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(PORT, '127.0.0.1');
    let buf = '';
    const onData = (d: Buffer): void => {
      buf += d.toString('latin1');
      const end = buf.indexOf('\r\n\r\n');
      if (end === -1) return;
      const len = Number(/content-length: *(\d+)/i.exec(buf.slice(0, end))?.[1] ?? NaN);
      if (buf.length < end + 4 + len) return;
      s.off('data', onData);
      if (!buf.startsWith('HTTP/1.1 200'))
        return reject(new Error(`unexpected response ${JSON.stringify(buf.slice(0, 40))}`));
      resolve(s);
    };
    s.on('data', onData);
    s.once('connect', () => s.write(REQUEST));
    s.once('error', reject);
    s.once('close', () => state.closed++);
  });
}

async function openMany(n: number, state: { closed: number }): Promise<net.Socket[]> {
  const sockets: net.Socket[] = [];
  // A few hundred connects in flight at a time: all 5,000 at once would overflow the listen
  // backlog, and SYN retries would only make this slow.
  const batch = 200;
  for (let i = 0; i < n; i += batch)
    sockets.push(...(await Promise.all(Array.from({ length: Math.min(batch, n - i) }, () => openUsed(state)))));
  return sockets;
}

export interface MemoryRow {
  kind: Kind;
  round: number;
  conns: number;
  rssPerConn: number;
  heapPerConn: number;
  externalPerConn: number;
  rssBefore: number;
  rssAfter: number;
  fdDelta: number;
}

async function one(kind: Kind, round: number, logDir: string): Promise<MemoryRow> {
  const child = await startServer({
    name: `idle-${kind}`,
    file: join(ROOT, `bench/servers/idle-${kind}.mjs`),
    cwd: ROOT,
    port: PORT,
    cpu: SERVER_CPU,
    logFile: join(logDir, `idle-${kind}.log`),
    nodeArgs: ['--expose-gc'],
    ipc: true,
  });
  const fds = (): number => readdirSync(`/proc/${child.pid}/fd`).length;
  const state = { closed: 0 };
  try {
    // Warm-up: the code paths a connection takes get compiled and lazily built state allocated.
    for (let i = 0; i < 5; i++) for (const s of await openMany(50, state)) s.destroy();
    await new Promise((r) => setTimeout(r, 300));
    state.closed = 0;
    const before = await measure(child);
    const fd0 = fds();
    const sockets = await openMany(CONNS, state);
    await new Promise((r) => setTimeout(r, 300));
    const after = await measure(child);
    const fdDelta = fds() - fd0;
    for (const s of sockets) s.destroy();
    if (state.closed > 0)
      throw new Error(`${kind}: ${state.closed} of ${CONNS} connections were closed before measuring`);
    if (fdDelta < CONNS)
      throw new Error(`${kind}: server holds only ${fdDelta} more file descriptors for ${CONNS} connections`);
    return {
      kind,
      round,
      conns: CONNS,
      rssPerConn: (after.rss - before.rss) / CONNS,
      heapPerConn: (after.heapUsed - before.heapUsed) / CONNS,
      externalPerConn: (after.external - before.external) / CONNS,
      rssBefore: before.rss,
      rssAfter: after.rss,
      fdDelta,
    };
  } finally {
    await stopServer(child);
  }
}

const median = (xs: number[]): number => {
  const a = [...xs].sort((x, y) => x - y);
  const m = a.length >> 1;
  return a.length % 2 === 1 ? a[m]! : (a[m - 1]! + a[m]!) / 2;
};
const kb = (b: number): string => (b / 1024).toFixed(2);

async function main(): Promise<void> {
  ensureFdLimit(CONNS + 1024, say); // one file per connection here, and one per connection in the server
  spawnSync('taskset', ['-a', '-p', '-c', LOAD_CPU, String(process.pid)], { stdio: 'ignore' });
  const logDir = process.env['BENCH_LOG_DIR'] ?? mkdtempSync(join(tmpdir(), 'shallot-memory-'));
  const rows: MemoryRow[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    for (const kind of KINDS) {
      const row = await one(kind, round, logDir);
      rows.push(row);
      say(
        `[memory round ${round}] ${kind.padEnd(9)} ${kb(row.rssPerConn)} KiB RSS/conn (heap ${kb(row.heapPerConn)}, external ${kb(row.externalPerConn)}; RSS ${(row.rssBefore / 2 ** 20).toFixed(1)} → ${(row.rssAfter / 2 ** 20).toFixed(1)} MiB)`,
      );
    }
  }
  if (JSON_OUT) {
    process.stdout.write(`${JSON.stringify(rows)}\n`);
    return;
  }
  const ref = median(rows.filter((r) => r.kind === 'node-http').map((r) => r.rssPerConn));
  say(`\n${CONNS} idle keep-alive connections, median of ${ROUNDS} round(s), KiB per connection:\n`);
  say('| server | RSS | heap | external | RSS ÷ node:http |');
  say('| --- | ---: | ---: | ---: | ---: |');
  for (const kind of KINDS) {
    const of = rows.filter((r) => r.kind === kind);
    const rss = median(of.map((r) => r.rssPerConn));
    say(
      `| ${kind} | ${kb(rss)} | ${kb(median(of.map((r) => r.heapPerConn)))} | ${kb(median(of.map((r) => r.externalPerConn)))} | ${(rss / ref).toFixed(2)}× |`,
    );
  }
}

await main();
