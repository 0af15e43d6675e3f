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
import { HttpError } from './http-error.js';
import { serializeError, type HeadOptions } from './respond.js';
import type { AppLike } from './app-like.js';
import type { Context } from './context.js';
import type { EngineHost } from './engine-host.js';

/** Connection-engine options (all optional; defaults in `SERVER_DEFAULTS`). */
export interface EngineOptions {
  headersTimeout?: number;
  requestTimeout?: number;
  keepAliveTimeout?: number;
  maxRequestsPerSocket?: number;
  maxPipelinedRequests?: number;
  bodyHighWaterMark?: number;
  shutdownTimeout?: number;
  parser?: ParserOptions;
}

/** What the engine calls back into the app for. */
export interface EngineApp extends AppLike {
  run(ctx: Context, conn: Connection): void;
  onError(err: unknown, ctx: Context): void;
  listenerCount(event: 'upgrade'): number;
  emit(event: 'upgrade', req: unknown, socket: Socket, head: Buffer): boolean;
}

/**
 * Reset parsers kept for reuse. Enough that a busy server with a few hundred connections taking
 * turns rarely allocates one; few enough (~60 KiB) that thousands of idle connections do not end
 * up holding their parsers here instead.
 */
const PARSER_POOL_SIZE = 128;

const CLOSE_OPTS: HeadOptions = Object.freeze({ close: true, http10: false, keepAliveHeader: '' });

/** See the module comment. */
export class Engine implements EngineHost {
  readonly app: EngineApp;
  readonly log: Logger;
  readonly parsers: ParserPool;
  readonly bodyHighWaterMark: number;
  readonly maxPipelinedRequests: number;
  readonly maxRequestsPerSocket: number;
  readonly headersTimeout: number;
  readonly requestTimeout: number;
  readonly keepAliveTimeout: number;
  readonly shutdownTimeout: number;
  readonly closeOpts: HeadOptions = CLOSE_OPTS;
  readonly #keep11: HeadOptions;
  readonly #keep10: HeadOptions;
  readonly connections = new Set<Connection>();
  closing = false;
  #clock = 0;
  #sweep: NodeJS.Timeout | null = null;
  #drainWaiters: (() => void)[] = [];
  /** Sockets handed to an `upgrade` listener and still open: past HTTP, but not past shutdown. */
  readonly #upgraded = new Set<Socket>();

  constructor(app: EngineApp, options: EngineOptions) {
    this.app = app;
    this.log = app.log;
    this.parsers = new ParserPool(options.parser ?? {}, PARSER_POOL_SIZE);
    this.bodyHighWaterMark = options.bodyHighWaterMark ?? SERVER_DEFAULTS.bodyHighWaterMark;
    this.maxPipelinedRequests = options.maxPipelinedRequests ?? SERVER_DEFAULTS.maxPipelinedRequests;
    this.maxRequestsPerSocket = options.maxRequestsPerSocket ?? SERVER_DEFAULTS.maxRequestsPerSocket;
    this.headersTimeout = options.headersTimeout ?? SERVER_DEFAULTS.headersTimeout;
    this.requestTimeout = options.requestTimeout ?? SERVER_DEFAULTS.requestTimeout;
    this.keepAliveTimeout = options.keepAliveTimeout ?? SERVER_DEFAULTS.keepAliveTimeout;
    this.shutdownTimeout = options.shutdownTimeout ?? SERVER_DEFAULTS.shutdownTimeout;
    const ka = this.keepAliveTimeout > 0 ? `keep-alive: timeout=${Math.max(1, Math.floor(this.keepAliveTimeout / 1000))}\r\n` : '';
    this.#keep11 = Object.freeze({ close: false, http10: false, keepAliveHeader: ka });
    this.#keep10 = Object.freeze({ close: false, http10: true, keepAliveHeader: ka });
  }

  /** Takes a new socket. */
  accept(socket: Socket, encrypted: boolean): Connection {
    socket.setNoDelay(true);
    const conn = new Connection(this, socket, encrypted);
    this.connections.add(conn);
    if (this.closing) conn.shutdown();
    return conn;
  }

  /** Starts the timeout sweep (servers only). */
  startSweep(): void {
    const timeouts = [this.headersTimeout, this.requestTimeout, this.keepAliveTimeout].filter((t) => t > 0);
    if (timeouts.length === 0) return;
    // A quarter of the shortest timeout, between 10 ms and 1 s: precise enough, nearly free.
    const tick = Math.min(1000, Math.max(10, Math.floor(Math.min(...timeouts) / 4)));
    this.#clock = Date.now();
    this.#sweep = setInterval(() => this.#check(), tick);
    this.#sweep.unref();
  }

  stopSweep(): void {
    if (this.#sweep !== null) clearInterval(this.#sweep);
    this.#sweep = null;
  }

  #check(): void {
    const now = (this.#clock = Date.now());
    for (const c of this.connections) {
      if (c.requestStart !== 0) {
        const age = now - c.requestStart;
        if ((!c.headDone && this.headersTimeout > 0 && age > this.headersTimeout) || (this.requestTimeout > 0 && age > this.requestTimeout)) {
          c.timeout();
          continue;
        }
      } else if (this.keepAliveTimeout > 0) {
        // Idle time counts from the last sweep that saw the connection busy (a response streaming
        // or still being written), so the client gets the whole keep-alive window after it.
        if (!c.idle) c.idleSince = now;
        else if (now - c.idleSince > this.keepAliveTimeout) c.socket.destroy();
      }
    }
  }

  /**
   * Graceful shutdown: idle connections close now, busy ones after answering what they received;
   * whatever is left after `shutdownTimeout` is destroyed. Resolves when every connection is gone.
   */
  async shutdown(): Promise<void> {
    this.closing = true;
    for (const c of this.connections) c.shutdown();
    if (this.connections.size === 0 && this.#upgraded.size === 0) return;
    const drained = this.connections.size === 0 ? Promise.resolve() : new Promise<void>((resolve) => this.#drainWaiters.push(resolve));
    // The deadline also ends upgraded sockets (a WebSocket the app did not close): the listening
    // server cannot finish closing while one lives, so without this close() never resolved.
    const deadline = setTimeout(() => {
      for (const c of this.connections) c.socket.destroy();
      for (const s of this.#upgraded) s.destroy();
    }, this.shutdownTimeout);
    deadline.unref();
    await drained;
    if (this.#upgraded.size === 0) clearTimeout(deadline);
  }

  // ── EngineHost ──────────────────────────────────────────────────────────────────────────
  keepOpts(http10: boolean): HeadOptions {
    return http10 ? this.#keep10 : this.#keep11;
  }

  now(): number {
    return this.#clock;
  }

  dispatch(ctx: Context, conn: Connection): void {
    this.app.run(ctx, conn);
  }

  httpError(status: number, message: string, code: string): Error {
    return new HttpError(status, message, { code });
  }

  hasUpgradeListener(): boolean {
    return this.app.listenerCount('upgrade') > 0;
  }

  upgrade(ctx: Context, socket: Socket, head: Buffer): void {
    this.#upgraded.add(socket);
    socket.once('close', () => this.#upgraded.delete(socket));
    this.app.emit('upgrade', ctx.req, socket, head);
  }

  renderError(ctx: Context, err: unknown, opts: HeadOptions): Buffer {
    return serializeError(ctx, this.reportError(err, ctx), opts);
  }

  reportError(err: unknown, ctx: Context): unknown {
    this.app.onError(err, ctx);
    return err;
  }

  finished(ctx: Context): void {
    if (ctx.hasRes) ctx.res.markFinished();
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
