/**
 * The engine: options resolved once, the set of live connections, the timeout sweep and graceful
 * shutdown. One per listening server, and one (without sweep) per `app.inject()` call.
 *
 * Timeouts are checked by one sweep timer over all connections (as Node's
 * `connectionsCheckingInterval`) rather than a timer per request, so the hot path only stores a
 * coarse timestamp.
 */
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import type { ParserOptions } from '../parser/parser.js';
import { Connection } from './connection.js';
import { ParserPool } from './parser-pool.js';
import { SERVER_DEFAULTS } from './defaults.js';
import { kAbort, kHandOver, type Exchange } from './exchange.js';
import type { RequestHead } from '../parser/events.js';
import type { EngineHost } from './host.js';

/** Connection-engine options (all optional; defaults in `SERVER_DEFAULTS`). */
export interface EngineOptions {
  headersTimeout?: number;
  requestTimeout?: number;
  keepAliveTimeout?: number;
  sendTimeout?: number;
  maxRequestsPerSocket?: number;
  maxPipelinedRequests?: number;
  bodyHighWaterMark?: number;
  shutdownTimeout?: number;
  parser?: ParserOptions;
}

/*
 * The app's side of the engine, keyed by symbols as the exchange handler's is: the App implements
 * them, and its users do not see them among its methods.
 */
export const kAttach: unique symbol = Symbol('shallot.attach');
export const kRun: unique symbol = Symbol('shallot.run');
export const kHttpError: unique symbol = Symbol('shallot.httpError');
export const kRefusal: unique symbol = Symbol('shallot.refusal');
export const kCanUpgrade: unique symbol = Symbol('shallot.canUpgrade');
export const kUpgrade: unique symbol = Symbol('shallot.upgrade');
export const kRoutesUpgrade: unique symbol = Symbol('shallot.routesUpgrade');
export const kBeforeDrain: unique symbol = Symbol('shallot.beforeDrain');

/** What the engine calls the http room (the app) for. */
export interface EngineApp {
  readonly log: Logger;
  /** Gives `ex` its handler: the context the middleware will see. */
  [kAttach](ex: Exchange, socket: Socket): void;
  /** Runs the middleware for `ex`; the handler completes the exchange. */
  [kRun](ex: Exchange): void;
  /** The registered error for `code` (the app's HttpError, its status from the registry). */
  [kHttpError](code: string, message: string): Error & { status: number; code: string };
  /** The bytes of an early answer the engine writes itself (the app's one error path renders it). */
  [kRefusal](err: Error, head: boolean): string;
  /** Whether anyone listens for upgrades. */
  [kCanUpgrade](): boolean;
  /**
   * Whether the stack answers this upgrade request (a WebSocket upgrade to an app with WebSocket
   * routes): it is then dispatched like any request, and its handler may complete it as an upgrade.
   */
  [kRoutesUpgrade](head: RequestHead): boolean;
  /** Hands an upgraded socket to the application's `upgrade` listeners. */
  [kUpgrade](ex: Exchange, socket: Socket, head: Buffer): void;
  /**
   * The server was told to stop (a shutdown signal, `server.shutdown()`): resolves when the app is
   * ready for the drain to begin (e.g. once its readiness check has answered 503 long enough).
   */
  [kBeforeDrain](): Promise<void>;
}

/**
 * Reset parsers kept for reuse. Enough that a busy server with a few hundred connections taking
 * turns rarely allocates one; few enough (~60 KiB) that thousands of idle connections do not end
 * up holding their parsers here instead.
 */
const PARSER_POOL_SIZE = 128;

/** See the module comment. */
export class Engine implements EngineHost {
  readonly app: EngineApp;
  readonly parsers: ParserPool;
  readonly bodyHighWaterMark: number;
  readonly maxPipelinedRequests: number;
  readonly maxRequestsPerSocket: number;
  readonly headersTimeout: number;
  readonly requestTimeout: number;
  readonly keepAliveTimeout: number;
  readonly sendTimeout: number;
  readonly shutdownTimeout: number;
  readonly keepAliveField: string;
  readonly connections = new Set<Connection>();
  closing = false;
  /**
   * ms since the sweep first started, plus one (0 means "not timed" to the connections), as an
   * int32: the timestamps every connection keeps stay small integers, where an epoch in ms is a
   * heap number, 16 B per timestamp per connection. It wraps every 49 days (skipping 0), so ages
   * are taken as `(now - then) | 0`, exact across a wrap for any age under 24 days.
   */
  #clock = 0;
  #epoch = 0;
  #sweep: NodeJS.Timeout | null = null;
  #drainWaiters: (() => void)[] = [];
  /** Sockets handed to an `upgrade` listener and still open, with their exchanges: past HTTP, but not past shutdown. */
  readonly #upgraded = new Map<Socket, Exchange>();

  /** The app's logger, read only when something logs (the app may make it on first read). */
  get log(): Logger {
    return this.app.log;
  }

  constructor(app: EngineApp, options: EngineOptions) {
    this.app = app;
    this.parsers = new ParserPool(options.parser ?? {}, PARSER_POOL_SIZE);
    this.bodyHighWaterMark = options.bodyHighWaterMark ?? SERVER_DEFAULTS.bodyHighWaterMark;
    this.maxPipelinedRequests = options.maxPipelinedRequests ?? SERVER_DEFAULTS.maxPipelinedRequests;
    this.maxRequestsPerSocket = options.maxRequestsPerSocket ?? SERVER_DEFAULTS.maxRequestsPerSocket;
    this.headersTimeout = options.headersTimeout ?? SERVER_DEFAULTS.headersTimeout;
    this.requestTimeout = options.requestTimeout ?? SERVER_DEFAULTS.requestTimeout;
    this.keepAliveTimeout = options.keepAliveTimeout ?? SERVER_DEFAULTS.keepAliveTimeout;
    this.sendTimeout = options.sendTimeout ?? SERVER_DEFAULTS.sendTimeout;
    this.shutdownTimeout = options.shutdownTimeout ?? SERVER_DEFAULTS.shutdownTimeout;
    this.keepAliveField =
      this.keepAliveTimeout > 0
        ? `keep-alive: timeout=${Math.max(1, Math.floor(this.keepAliveTimeout / 1000))}\r\n`
        : '';
  }

  /** Takes a new socket. */
  accept(socket: Socket): Connection {
    socket.setNoDelay(true);
    const conn = new Connection(this, socket);
    this.connections.add(conn);
    if (this.closing) conn.shutdown();
    return conn;
  }

  /** Starts the timeout sweep (servers only). */
  startSweep(): void {
    const timeouts = [this.headersTimeout, this.requestTimeout, this.keepAliveTimeout, this.sendTimeout].filter(
      (t) => t > 0,
    );
    if (timeouts.length === 0) return;
    // A quarter of the shortest timeout, between 10 ms and 1 s: precise enough, nearly free.
    const tick = Math.min(1000, Math.max(10, Math.floor(Math.min(...timeouts) / 4)));
    if (this.#epoch === 0) this.#epoch = Date.now() - 1;
    this.#clock = (Date.now() - this.#epoch) | 0 || 1;
    this.#sweep = setInterval(() => this.#check(), tick);
    this.#sweep.unref();
  }

  stopSweep(): void {
    if (this.#sweep !== null) clearInterval(this.#sweep);
    this.#sweep = null;
  }

  #check(): void {
    const now = (this.#clock = (Date.now() - this.#epoch) | 0 || 1);
    for (const c of this.connections) {
      // A client that stopped reading what we write holds its connection and every byte queued for
      // it; progress, not the age of the response, is what counts (a large download may take long).
      if (this.sendTimeout > 0 && c.stalledFor(now) > this.sendTimeout) {
        this.log.debug({ remoteAddress: c.socket.remoteAddress }, 'send timeout: the client stopped reading');
        c.socket.destroy();
        continue;
      }
      if (c.requestStart !== 0) {
        const age = (now - c.requestStart) | 0;
        if (
          (!c.headDone && this.headersTimeout > 0 && age > this.headersTimeout) ||
          (this.requestTimeout > 0 && age > this.requestTimeout)
        ) {
          c.timeout();
          continue;
        }
      } else if (this.keepAliveTimeout > 0) {
        // Idle time counts from the last sweep that saw the connection busy (a response streaming
        // or still being written), so the client gets the whole keep-alive window after it.
        if (!c.idle) c.idleSince = now;
        else if (((now - c.idleSince) | 0) > this.keepAliveTimeout) c.socket.destroy();
      }
    }
  }

  /**
   * Graceful shutdown: idle connections close now, busy ones after answering what they received;
   * streaming responses and upgraded sockets are told (their handlers' `abort`, code
   * `ERR_SERVER_CLOSING`); whatever is left after `shutdownTimeout` is destroyed. Resolves when
   * every connection is gone.
   */
  async shutdown(): Promise<void> {
    this.closing = true;
    for (const c of this.connections) c.shutdown();
    if (this.#upgraded.size > 0) {
      const reason = this.app[kHttpError]('ERR_SERVER_CLOSING', 'The server is shutting down');
      for (const ex of this.#upgraded.values()) ex.handler![kAbort](reason);
    }
    if (this.connections.size === 0 && this.#upgraded.size === 0) return;
    const drained =
      this.connections.size === 0
        ? Promise.resolve()
        : new Promise<void>((resolve) => this.#drainWaiters.push(resolve));
    // The deadline also ends upgraded sockets (a WebSocket the app did not close): the listening
    // server cannot finish closing while one lives, so without this close() never resolved.
    const deadline = setTimeout(() => this.destroyAll(), this.shutdownTimeout);
    deadline.unref();
    await drained;
    if (this.#upgraded.size === 0) clearTimeout(deadline);
  }

  /** Destroys every connection and upgraded socket now (a forced exit). */
  destroyAll(): void {
    for (const c of this.connections) c.socket.destroy();
    for (const s of this.#upgraded.keys()) s.destroy();
  }

  // ── EngineHost ──────────────────────────────────────────────────────────────────────────
  now(): number {
    return this.#clock;
  }

  attach(ex: Exchange, socket: Socket): void {
    this.app[kAttach](ex, socket);
  }

  dispatch(ex: Exchange): void {
    this.app[kRun](ex);
  }

  httpError(code: string, message: string): Error & { status: number; code: string } {
    return this.app[kHttpError](code, message);
  }

  refusal(err: Error, head: boolean): string {
    return this.app[kRefusal](err, head);
  }

  hasUpgradeListener(): boolean {
    return this.app[kCanUpgrade]();
  }

  routesUpgrade(head: RequestHead): boolean {
    return this.app[kRoutesUpgrade](head);
  }

  upgrade(ex: Exchange, socket: Socket, head: Buffer): void {
    this.#upgraded.set(socket, ex);
    socket.once('close', () => this.#upgraded.delete(socket));
    if (!ex.upgraded) {
      this.app[kUpgrade](ex, socket, head);
      return;
    }
    ex.handler![kHandOver](socket, head);
    // Handed over after shutdown began (its turn came in the grace): told at once, as the others were.
    if (this.closing) ex.handler![kAbort](this.app[kHttpError]('ERR_SERVER_CLOSING', 'The server is shutting down'));
  }

  forget(conn: Connection): void {
    this.connections.delete(conn);
    if (this.connections.size === 0 && this.#drainWaiters.length > 0) {
      const waiters = this.#drainWaiters;
      this.#drainWaiters = [];
      for (const w of waiters) w();
    }
  }
}
