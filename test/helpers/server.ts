/**
 * Listening servers for wire tests: `serve(app)` listens on an ephemeral port and resolves once it
 * is bound; `closeAll()` (call it from `afterEach`) closes every server a test opened, so a failing
 * test never leaks a listening socket into the next.
 */
import type { AddressInfo } from 'node:net';
import type { App, ListenOptions, Server } from '../../src/index.js';

const open = new Set<Server>();

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
    const server = app.listen({ ...opts, port: 0, host: '127.0.0.1' });
    open.add(server);
    server.once('error', reject);
    server.once('listening', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ server, port, url: `${server.encrypted ? 'https' : 'http'}://127.0.0.1:${port}` });
    });
  });
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
