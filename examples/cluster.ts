/**
 * The production start: a `node:cluster` primary and one worker per core, each serving
 * examples/service.ts on the same port. `npm run start:prod` runs it compiled, on the built dist/
 * (docs/production.md); `tsx examples/cluster.ts` runs it from the sources.
 *
 * - SIGHUP: rolling restart, one worker at a time — fork a new worker, wait until it listens, then
 *   tell one old worker to stop (`server.shutdown()`: readiness 503, `readinessDelay`, then the
 *   drain answers its requests in flight) and wait for it to exit. Capacity never drops below the
 *   worker count, and the listening socket is never closed, so no connection is refused.
 * - SIGTERM, SIGINT: every worker stops the same way; the primary exits once they all have. A
 *   second signal more than a second later kills the workers at once.
 * - A worker that exits on its own (a crash) is replaced.
 *
 * Environment: PORT (8080), HOST (all interfaces), WORKERS (one per core), READINESS_DELAY (ms,
 * 5000), SINGLE_THREADED_GC=1 (workers get `--single-threaded-gc`; see docs/production.md).
 *
 * The primary reports on stdout as JSON lines (`msg`): "worker listening", "workers ready",
 * "rolling restart done", "stopped".
 */
import cluster, { type Worker } from 'node:cluster';
import { once } from 'node:events';
import { availableParallelism } from 'node:os';
import { pino } from 'pino';
import { createApp } from './service.js';

const PORT = Number(process.env['PORT'] ?? 8080);
const HOST = process.env['HOST'];
const WORKERS = Number(process.env['WORKERS']) || availableParallelism();
const READINESS_DELAY = Number(process.env['READINESS_DELAY'] ?? 5000);
/** A repeat of a stop signal within this many ms is the same request delivered twice (as the server's rule). */
const SIGNAL_REPEAT_MS = 1000;
const STOP = 'shutdown';

if (cluster.isPrimary) runPrimary();
else runWorker();

function runWorker(): void {
  const server = createApp({ readinessDelay: READINESS_DELAY }).listen({ port: PORT, host: HOST, signals: true });
  process.on('message', (m) => {
    if (m === STOP) void server.shutdown();
  });
  // The IPC channel would keep the worker alive once its server is closed: leave the cluster.
  server.on('close', () => cluster.worker?.disconnect());
}

function runPrimary(): void {
  const log = pino({ base: { role: 'primary', pid: process.pid } });
  // Workers run with the primary's flags (a loader such as tsx's included). Measured in
  // bench/README.md: with one worker per core, V8's parallel GC threads only compete with the
  // workers for cores; --single-threaded-gc cut CPU per request by ~20% there. Opt in, then measure.
  const gc = process.env['SINGLE_THREADED_GC'] === '1' ? ['--single-threaded-gc'] : [];
  cluster.setupPrimary({ execArgv: [...process.execArgv, ...gc] });

  /** Workers we told to stop: their exit is expected, not a crash. */
  const retiring = new Set<Worker>();
  let phase: 'running' | 'restarting' | 'stopping' = 'running';
  let firstStopAt = 0;

  const fork = (): Worker => {
    const w = cluster.fork();
    w.once('listening', () => log.info({ worker: w.process.pid }, 'worker listening'));
    return w;
  };
  const listening = (w: Worker): Promise<void> =>
    new Promise((resolve, reject) => {
      w.once('listening', () => resolve());
      w.once('exit', (code) => reject(new Error(`worker ${w.process.pid} exited with ${code} before listening`)));
    });
  const retire = async (w: Worker): Promise<void> => {
    retiring.add(w);
    const exited = once(w, 'exit');
    if (w.isConnected()) w.send(STOP);
    await exited;
  };

  cluster.on('exit', (w, code, signal) => {
    if (retiring.delete(w)) return;
    log.warn({ worker: w.process.pid, code, signal }, 'worker exited unexpectedly');
    if (phase !== 'stopping') fork();
  });

  const rollingRestart = async (): Promise<void> => {
    if (phase !== 'running') return;
    phase = 'restarting';
    const old = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
    log.info({ workers: old.length }, 'rolling restart');
    try {
      for (const w of old) {
        await listening(fork());
        if (phase !== 'restarting') return;
        await retire(w);
      }
      log.info('rolling restart done');
    } catch (err) {
      log.error({ err }, 'rolling restart stopped');
    } finally {
      if (phase === 'restarting') phase = 'running';
    }
  };

  const stop = (signal: NodeJS.Signals): void => {
    const now = Date.now();
    if (phase === 'stopping') {
      if (now - firstStopAt < SIGNAL_REPEAT_MS) return;
      log.warn({ signal }, 'second signal: killing the workers');
      for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGKILL');
      return;
    }
    phase = 'stopping';
    firstStopAt = now;
    log.info({ signal }, 'stopping the workers');
    const all = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
    void Promise.all(all.map(retire)).then(() => log.info('stopped'));
  };

  process.on('SIGHUP', () => void rollingRestart());
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);

  const first = Array.from({ length: WORKERS }, fork);
  void Promise.all(first.map(listening)).then(
    () => log.info({ workers: WORKERS, port: PORT }, 'workers ready'),
    (err: unknown) => log.error({ err }, 'a worker failed to start'),
  );
}
