/**
 * A listening server on `node:net` (or `node:tls`), with a Promise `close()` that shuts down
 * gracefully. `node:http` is never loaded.
 */
import { EventEmitter } from 'node:events';
import net from 'node:net';
import tls from 'node:tls';
import type { Engine } from './engine.js';

/** Options of `app.listen({ … })`. */
export interface ListenOptions {
  port?: number;
  host?: string;
  /** Serve HTTPS with these TLS options. */
  tls?: tls.TlsOptions;
  /** Shut down gracefully on SIGINT and SIGTERM. */
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
  #signalHandler: (() => void) | null = null;

  constructor(engine: Engine, tlsOptions: tls.TlsOptions | undefined, signals: boolean) {
    super();
    this.#engine = engine;
    // allowHalfOpen: a client that half-closes after its request still gets its response.
    if (tlsOptions !== undefined) {
      const s = tls.createServer({ ...tlsOptions, allowHalfOpen: true });
      s.on('secureConnection', (socket) => engine.accept(socket, true));
      s.on('tlsClientError', (err) => engine.log.debug({ err }, 'TLS handshake failed'));
      this.#net = s;
    } else {
      this.#net = net.createServer({ allowHalfOpen: true, noDelay: true }, (socket) => engine.accept(socket, false));
    }
    this.#net.on('listening', () => {
      engine.startSweep();
      this.emit('listening');
    });
    this.#net.on('error', (err) => this.emit('error', err));
    if (signals) {
      this.#signalHandler = () => void this.close();
      process.once('SIGINT', this.#signalHandler);
      process.once('SIGTERM', this.#signalHandler);
    }
  }

  /** @internal */
  listen(port: number, host?: string): void {
    if (host === undefined) this.#net.listen(port);
    else this.#net.listen(port, host);
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
    return this.#net instanceof tls.Server;
  }

  /**
   * Graceful shutdown: stop accepting, close idle keep-alive connections now, let in-flight
   * requests finish (their responses say `Connection: close`), answer pipelined requests already
   * received, destroy what is left after `shutdownTimeout`. Idempotent.
   */
  close(): Promise<void> {
    if (this.#closing !== null) return this.#closing;
    if (this.#signalHandler !== null) {
      process.removeListener('SIGINT', this.#signalHandler);
      process.removeListener('SIGTERM', this.#signalHandler);
    }
    const stopped = new Promise<void>((resolve) => {
      if (!this.#net.listening) resolve();
      else this.#net.close(() => resolve());
    });
    this.#closing = Promise.all([stopped, this.#engine.shutdown()]).then(() => {
      this.#engine.stopSweep();
      this.emit('close');
    });
    return this.#closing;
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
