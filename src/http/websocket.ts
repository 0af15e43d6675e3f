/**
 * The app's WebSockets: the `ws` package (framing, masking, permessage-deflate, close codes) behind
 * `ctx.upgrade()`, with the limits a server needs on every socket.
 *
 * Rules:
 * - `ws` is loaded on the first upgrade, not with shallot: it loads `node:http`, which shallot
 *   otherwise never does (as `cookies` in context.ts).
 * - One `WebSocketServer({ noServer: true })` per app does the handshake (`handleUpgrade` writes
 *   the 101) on a socket the engine has let go of; the sockets are tracked here, not by `ws`.
 * - `maxPayload`: a message over it closes the socket with 1009 (`ws`'s own check, while reading).
 * - Backpressure is checked on every `send()` (the sockets are a subclass of `ws`'s WebSocket):
 *   once `bufferedAmount` is over `highWaterMark`, the socket is closed with 1008 and destroyed
 *   at once — a peer that does not read would not read the close frame either — so what a slow
 *   consumer pins is bounded by the mark plus one message.
 * - Ping: every `pingInterval` ms each socket is pinged; one that has not answered the previous
 *   ping with a pong is destroyed (a dead peer, or a half-open TCP connection). One timer for all
 *   sockets, running only while there are some, and unref'd.
 * - A socket's 'error' (a peer's protocol error, which `ws` answers with the close code) is logged
 *   at debug, never left unhandled.
 * - Shutdown: the engine tells each upgraded request (its context's abort), which closes its
 *   socket with 1001 (Going Away).
 */
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import type { PerMessageDeflateOptions, WebSocket, WebSocketServer } from 'ws';

/** Options of the app's WebSockets (`new App({ ws: { … } })`); defaults in {@link WEBSOCKET_DEFAULTS}. */
export interface WebSocketOptions {
  /** Largest message accepted, in bytes; a larger one closes the socket with 1009 (Message Too Big). */
  maxPayload?: number;
  /**
   * Most bytes a socket may hold unsent (`bufferedAmount`): a `send()` that leaves more closes it
   * with 1008 and destroys it, rather than buffering for a peer that does not read.
   */
  highWaterMark?: number;
  /** Ping every this many ms; a socket that did not answer the previous ping is destroyed. 0: no pings. */
  pingInterval?: number;
  /** permessage-deflate (`ws`'s option): off by default, since it costs memory per socket. */
  perMessageDeflate?: boolean | PerMessageDeflateOptions;
}

/** The defaults of {@link WebSocketOptions}. */
export const WEBSOCKET_DEFAULTS = {
  maxPayload: 1024 * 1024,
  highWaterMark: 1024 * 1024,
  pingInterval: 30_000,
  perMessageDeflate: false,
} as const satisfies Required<WebSocketOptions>;

/** What `ws` needs of the upgrade request (it reads nothing else without `verifyClient`). */
export interface UpgradeRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string | string[] | undefined>;
}

const requireCjs = createRequire(import.meta.url);

/** 1008 Policy Violation: the reason a slow consumer is given. */
const SLOW_CONSUMER = 1008;

/** The app's sockets and the `ws` server that opens them; see the module rules. */
export class WebSocketHub {
  readonly #options: Required<WebSocketOptions>;
  readonly #log: Logger;
  #wss: WebSocketServer | null = null;
  /** Open sockets: whether each answered the last ping. */
  readonly #alive = new Map<WebSocket, boolean>();
  #timer: NodeJS.Timeout | null = null;

  constructor(options: WebSocketOptions | undefined, log: Logger) {
    this.#options = { ...WEBSOCKET_DEFAULTS, ...options };
    this.#log = log;
  }

  /** Open sockets. */
  get size(): number {
    return this.#alive.size;
  }

  /**
   * Runs the handshake on `socket` (`head`: the bytes read past the request). Returns the open
   * socket, or null when `ws` refused the handshake (it answered the client and closes the socket).
   */
  accept(req: UpgradeRequest, socket: Socket, head: Buffer): WebSocket | null {
    let opened: WebSocket | null = null;
    // Without verifyClient, `ws` completes (or refuses) the handshake synchronously.
    this.#server().handleUpgrade(req as never, socket, head, (ws) => {
      opened = ws;
    });
    if (opened === null) return null;
    const ws: WebSocket = opened;
    this.#alive.set(ws, true);
    // `ws` emits 'error' for what a peer does wrong (a message over maxPayload, a bad frame) after
    // closing with the matching code: with no listener, any client could crash the process.
    ws.on('error', (err) => this.#log.debug({ err }, 'WebSocket closed on a protocol error'));
    ws.on('pong', () => {
      if (this.#alive.has(ws)) this.#alive.set(ws, true);
    });
    ws.once('close', () => {
      this.#alive.delete(ws);
      if (this.#alive.size === 0) this.#stopPings();
    });
    this.#startPings();
    return ws;
  }

  #server(): WebSocketServer {
    if (this.#wss === null) {
      const ws = requireCjs('ws') as typeof import('ws');
      const o = this.#options;
      this.#wss = new ws.WebSocketServer({
        noServer: true,
        clientTracking: false,
        maxPayload: o.maxPayload,
        perMessageDeflate: o.perMessageDeflate,
        WebSocket: boundedSocket(ws.WebSocket, o.highWaterMark, this.#log),
      });
    }
    return this.#wss;
  }

  #startPings(): void {
    const every = this.#options.pingInterval;
    if (this.#timer !== null || every <= 0) return;
    this.#timer = setInterval(() => this.#ping(), every);
    this.#timer.unref();
  }

  #stopPings(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }

  #ping(): void {
    for (const [ws, alive] of this.#alive) {
      if (!alive) {
        this.#log.debug('WebSocket peer did not answer a ping: closed');
        ws.terminate();
        continue;
      }
      this.#alive.set(ws, false);
      ws.ping();
    }
  }
}

/** `ws`'s WebSocket with the backpressure rule on `send()` (see the module rules). */
function boundedSocket(Base: typeof WebSocket, highWaterMark: number, log: Logger): typeof WebSocket {
  return class BoundedWebSocket extends Base {
    override send(data: unknown, options?: unknown, cb?: unknown): void {
      Reflect.apply(Base.prototype.send, this, [data, options, cb]);
      if (this.bufferedAmount > highWaterMark && this.readyState === Base.OPEN) {
        log.warn({ bufferedAmount: this.bufferedAmount, highWaterMark }, 'WebSocket closed: the peer does not read');
        this.close(SLOW_CONSUMER, 'Send buffer over its limit');
        this.terminate();
      }
    }
  };
}
