/**
 * A listening server on `node:net` (or `node:tls`), with a Promise `close()` that shuts down
 * gracefully. `node:http` is never loaded.
 */
import { EventEmitter } from 'node:events';
import net from 'node:net';
import { createRequire } from 'node:module';
import type os from 'node:os';
import type tls from 'node:tls';
import { kBeforeDrain, type Engine } from './engine.js';

/** node:tls, loaded only by a server that speaks it: importing shallot does not pay for it. */
const loadTls = (): typeof tls => createRequire(import.meta.url)('node:tls') as typeof tls;
/** node:os, for a signal's number when a second signal makes the process exit. */
const loadOs = (): typeof os => createRequire(import.meta.url)('node:os') as typeof os;

/**
 * A repeat of a shutdown signal within this many ms of the first is the same request, delivered
 * twice: a terminal sends SIGINT to the whole process group and `npm start` forwards it again, a
 * container runtime's SIGTERM reaches both npm and node. A signal after it is a second request.
 */
const SIGNAL_REPEAT_MS = 1000;

/** Options of `app.listen({ … })`. */
export interface ListenOptions {
  port?: number;
  host?: string;
  /** Serve HTTPS with these TLS options. */
  tls?: tls.TlsOptions;
  /** Shut down gracefully on SIGINT and SIGTERM, as {@link Server.shutdown} does. */
  signals?: boolean;
}

/**
 * The object `app.listen()` returns: `address()`, `close()`, and the `listening`, `error` and
 * `close` events of the underlying server.
 *
 * @example const server = app.listen(0); const { port } = server.address() as AddressInfo; await server.close()
 */
export class Server extends EventEmitter {
  readonly #net: net.Server;
  readonly #engine: Engine;
  #closing: Promise<void> | null = null;
  #stopping: Promise<void> | null = null;
  #signalHandler: ((signal: NodeJS.Signals) => void) | null = null;
  #firstSignalAt = 0;
  readonly #encrypted: boolean;

  /** Starts listening on `port` (0: any) and `host`; 'listening' follows, asynchronously. */
  constructor(
    engine: Engine,
    tlsOptions: tls.TlsOptions | undefined,
    signals: boolean,
    port: number,
    host: string | undefined,
  ) {
    super();
    this.#engine = engine;
    this.#encrypted = tlsOptions !== undefined;
    // allowHalfOpen: a client that half-closes after its request still gets its response.
    if (tlsOptions !== undefined) {
      // ALPN: offer http/1.1, so a client that speaks only h2 fails the handshake with
      // no_application_protocol rather than sending HTTP/2 frames to an HTTP/1.1 parser.
      // Half-open only once the handshake is done: a TLS server created half-open keeps a socket
      // whose client left before the handshake (a TCP health check) forever, so close() never
      // resolved (Node's tls, reproducible without shallot).
      const s = loadTls().createServer({ ALPNProtocols: ['http/1.1'], ...tlsOptions, allowHalfOpen: false });
      s.on('secureConnection', (socket) => {
        socket.allowHalfOpen = true;
        engine.accept(socket);
      });
      s.on('tlsClientError', (err) => engine.log.debug({ err }, 'TLS handshake failed'));
      this.#net = s;
    } else {
      this.#net = net.createServer({ allowHalfOpen: true, noDelay: true }, (socket) => engine.accept(socket));
    }
    this.#net.on('listening', () => {
      engine.startSweep();
      this.emit('listening');
    });
    this.#net.on('error', (err) => this.emit('error', err));
    if (signals) {
      // Kept for the whole shutdown: once a handler is gone, the next signal kills the process
      // mid-drain with the default action.
      this.#signalHandler = (signal) => this.#onSignal(signal);
      process.on('SIGINT', this.#signalHandler);
      process.on('SIGTERM', this.#signalHandler);
    }
    if (host === undefined) this.#net.listen(port);
    else this.#net.listen(port, host);
  }

  /**
   * The first SIGINT/SIGTERM starts a graceful close; repeats of it (see SIGNAL_REPEAT_MS) are
   * ignored; a later one is a second request, as pressing Ctrl-C again is: every connection is
   * destroyed and the process exits with the signal's conventional status (128 + its number), as
   * Fastify's close-with-grace does.
   */
  #onSignal(signal: NodeJS.Signals): void {
    const now = Date.now();
    if (this.#closing === null && this.#stopping === null) {
      this.#firstSignalAt = now;
      this.#engine.log.info(
        { signal },
        'shutting down: answering requests in flight (send the signal again to stop at once)',
      );
      void this.shutdown();
      return;
    }
    if (now - this.#firstSignalAt < SIGNAL_REPEAT_MS) return;
    this.#engine.log.warn({ signal }, 'second signal: closing every connection and exiting now');
    this.#engine.destroyAll();
    this.#removeSignalHandler();
    process.exit(128 + (loadOs().constants.signals[signal] ?? 0));
  }

  #removeSignalHandler(): void {
    if (this.#signalHandler === null) return;
    process.removeListener('SIGINT', this.#signalHandler);
    process.removeListener('SIGTERM', this.#signalHandler);
    this.#signalHandler = null;
  }

  /** The bound address, as `net.Server#address()`. */
  address(): net.AddressInfo | string | null {
    return this.#net.address();
  }

  /** Whether the server is accepting connections. */
  get listening(): boolean {
    return this.#net.listening;
  }

  /** Live connections. */
  get connections(): number {
    return this.#engine.connections.size;
  }

  /** Whether this server speaks TLS. */
  get encrypted(): boolean {
    return this.#encrypted;
  }

  /**
   * Graceful shutdown: stop accepting, close idle keep-alive connections now, let in-flight
   * requests finish (their responses say `Connection: close`), answer pipelined requests already
   * received, destroy what is left after `shutdownTimeout`. Long-lived responses and upgraded
   * sockets are told: their `ctx.signal` aborts with code `ERR_SERVER_CLOSING`, and the server
   * emits `closing` first (for code that holds upgraded sockets itself). Idempotent.
   */
  close(): Promise<void> {
    if (this.#closing !== null) return this.#closing;
    this.emit('closing');
    const stopped = new Promise<void>((resolve) => {
      if (!this.#net.listening) resolve();
      else this.#net.close(() => resolve());
    });
    this.#closing = Promise.all([stopped, this.#engine.shutdown()]).then(() => {
      this.#removeSignalHandler();
      this.#engine.stopSweep();
      this.emit('close');
    });
    return this.#closing;
  }

  /**
   * What a shutdown signal does (`signals: true`): emits `stopping`, lets the app get ready for the
   * drain — `health()` answers readiness with 503 and waits its `readinessDelay`, so that load
   * balancers stop sending before the listener goes — then {@link close}s. Idempotent; after
   * `close()` began, the same as `close()`.
   *
   * @example process.on('message', (m) => { if (m === 'shutdown') void server.shutdown() })
   */
  shutdown(): Promise<void> {
    if (this.#closing !== null) return this.#closing;
    if (this.#stopping !== null) return this.#stopping;
    this.emit('stopping');
    this.#stopping = this.#engine.app[kBeforeDrain]().then(() => this.close());
    return this.#stopping;
  }

  /** Lets the process exit while the server is open. */
  unref(): this {
    this.#net.unref();
    return this;
  }

  /** Undoes {@link unref}. */
  ref(): this {
    this.#net.ref();
    return this;
  }
}
