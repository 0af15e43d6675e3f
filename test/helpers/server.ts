/**
 * Listening servers for wire tests: `serve(app)` listens on an ephemeral port and resolves once it
 * is bound; `closeAll()` (call it from `afterEach`) closes every server a test opened, so a failing
 * test never leaks a listening socket into the next.
 *
 * In the vitest project `callback` (see transport.ts) `serve(app)` starts `node:http` (or
 * `node:https`, with `tls`) running `app.callback()` instead of `app.listen()`, behind the members
 * of `Server` that wire tests use: `address()`, `close()` (a promise), `connections`, `encrypted`,
 * `listening` and its events.
 */
import { EventEmitter } from 'node:events';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { ListenOptions, Server } from '../../src/index.js';
import type { App } from '../../src/http/app.js';
import { OVER_CALLBACK } from './transport.js';

/** Anything {@link closeAll} can close. */
interface Closable {
  close(): Promise<void>;
}

const open = new Set<Closable>();

/** A listening server and its port. */
export interface Served {
  server: Server;
  port: number;
  /** `http://127.0.0.1:port` (or `https://…` for a TLS server). */
  url: string;
}

/**
 * Listens on `127.0.0.1` on an ephemeral port.
 *
 * @example const { port } = await serve(app)
 */
export function serve<S extends object>(app: App<S>, opts: Omit<ListenOptions, 'port' | 'host'> = {}): Promise<Served> {
  return new Promise((resolve, reject) => {
    const server = OVER_CALLBACK
      ? (new CallbackServer(app.callback(), opts.tls ?? app.settings.tls) as unknown as Server)
      : app.listen({ ...opts, port: 0, host: '127.0.0.1' });
    open.add(server);
    server.once('error', reject);
    server.once('listening', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ server, port, url: `${server.encrypted ? 'https' : 'http'}://127.0.0.1:${port}` });
    });
  });
}

/**
 * `node:http` (or `node:https`) running `app.callback()` on `127.0.0.1`, with the `Server` members
 * wire tests use. `close()` stops listening, closes idle connections and waits for the rest, as
 * `node:http`'s `close()` does.
 */
class CallbackServer extends EventEmitter {
  readonly #server: http.Server;
  readonly #sockets = new Set<Socket>();
  readonly encrypted: boolean;
  #closing: Promise<void> | null = null;

  constructor(handler: http.RequestListener, tls: ListenOptions['tls']) {
    super();
    this.encrypted = tls !== undefined;
    this.#server = tls === undefined ? http.createServer(handler) : https.createServer(tls, handler);
    this.#server.on('connection', (s: Socket) => {
      this.#sockets.add(s);
      s.once('close', () => this.#sockets.delete(s));
    });
    this.#server.on('listening', () => this.emit('listening'));
    this.#server.on('error', (err) => this.emit('error', err));
    this.#server.listen(0, '127.0.0.1');
  }

  address(): AddressInfo | string | null {
    return this.#server.address();
  }

  get listening(): boolean {
    return this.#server.listening;
  }

  /** Live connections. */
  get connections(): number {
    return this.#sockets.size;
  }

  close(): Promise<void> {
    if (this.#closing !== null) return this.#closing;
    this.#closing = new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeIdleConnections();
    }).then(() => {
      this.emit('close');
    });
    return this.#closing;
  }
}

/** Closes every server opened with {@link serve}. */
export async function closeAll(): Promise<void> {
  const all = [...open];
  open.clear();
  await Promise.all(all.map((s) => s.close()));
}

/** A promise with its resolve function, for handlers that wait on the test. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Reads a request body to the end with `for await`, as a handler would. */
export async function readBody(req: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of req) parts.push(c);
  return Buffer.concat(parts);
}
