/**
 * Graceful shutdown (`server.close()`): stop accepting, close idle keep-alive connections at once,
 * let in-flight requests finish with `Connection: close`, answer pipelined requests already
 * received, destroy what is left after `shutdownTimeout`, and resolve when every socket is gone.
 * Every wait is on an event (a socket closing, a promise the test resolves), never on a sleep.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { App, type Server } from '../../src/index.js';
import { RawClient, get } from '../helpers/raw-client.js';
import { closeAll, deferred, readBody, serve } from '../helpers/server.js';

afterEach(closeAll);

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ port, host: '127.0.0.1' });
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(true));
  });
}

describe('server.close()', () => {
  it('should close an idle keep-alive connection at once and resolve', async () => {
    const app = new App({ logger: false, keepAliveTimeout: 60_000, shutdownTimeout: 60_000 });
    app.use((ctx) => {
      ctx.body = 'hi';
    });
    const { server, port } = await serve(app);
    const c = await RawClient.connect(port);
    await c.send(get('/'));
    await c.waitForResponses(1);
    const closed = server.close();
    await c.closed;
    await closed;
    expect(c.responses()).toHaveLength(1);
    expect(c.result().rest.length).toBe(0);
    expect(server.connections).toBe(0);
  });

  it('should stop accepting new connections', async () => {
    const app = new App({ logger: false });
    app.use((ctx) => {
      ctx.body = 'hi';
    });
    const { server, port } = await serve(app);
    await server.close();
    expect(server.listening).toBe(false);
    expect(await refused(port)).toBe(true);
  });

  it('should let an in-flight request finish, answering it with Connection: close', async () => {
    const app = new App({ logger: false, shutdownTimeout: 60_000 });
    const started = deferred();
    const release = deferred();
    app.use(async (ctx) => {
      started.resolve();
      await release.promise;
      ctx.body = 'finished';
    });
    const { server, port } = await serve(app);
    const c = await RawClient.connect(port);
    await c.send(get('/slow'));
    await started.promise;
    let resolved = false;
    const closing = server.close().then(() => (resolved = true));
    // While the handler runs, close() is pending and the connection stays.
    await new Promise((r) => setImmediate(r));
    expect(resolved).toBe(false);
    release.resolve();
    await c.closed;
    await closing;
    const rs = c.responses();
    expect(rs).toHaveLength(1);
    expect(rs[0]!.text()).toBe('finished');
    expect(rs[0]!.headers['connection']).toBe('close');
  });

  it('should answer every pipelined request already received, the last with Connection: close', async () => {
    const app = new App({ logger: false, shutdownTimeout: 60_000 });
    const started = deferred();
    const release = deferred();
    const handled: string[] = [];
    app.use(async (ctx) => {
      handled.push(ctx.path);
      if (ctx.path === '/1') {
        started.resolve();
        await release.promise;
      }
      ctx.body = `r${ctx.path}`;
    });
    const { server, port } = await serve(app);
    const c = await RawClient.connect(port);
    await c.send(get('/1') + get('/2') + get('/3'));
    await started.promise;
    // All three heads arrived in one chunk and were dispatched with the first.
    expect(handled).toEqual(['/1', '/2', '/3']);
    const closing = server.close();
    release.resolve();
    await c.closed;
    await closing;
    const rs = c.responses();
    expect(rs.map((r) => r.text())).toEqual(['r/1', 'r/2', 'r/3']);
    expect(rs[2]!.headers['connection']).toBe('close');
    expect(c.result().rest.length).toBe(0);
  });

  it('should let a request whose body is still arriving receive it and be answered', async () => {
    const app = new App({ logger: false, shutdownTimeout: 60_000 });
    const started = deferred();
    app.use(async (ctx) => {
      started.resolve();
      ctx.body = `got ${(await readBody(ctx.req)).toString()}`;
    });
    const { server, port } = await serve(app);
    const c = await RawClient.connect(port);
    await c.send('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nhello');
    await started.promise;
    const closing = server.close();
    await c.send('world');
    await c.closed;
    await closing;
    const rs = c.responses();
    expect(rs.map((r) => r.text())).toEqual(['got helloworld']);
    expect(rs[0]!.headers['connection']).toBe('close');
  });

  it('should close a connection whose unread body finishes arriving during shutdown', async () => {
    const app = new App({ logger: false, shutdownTimeout: 60_000 });
    app.use((ctx) => {
      ctx.body = 'answered without reading';
    });
    const { server, port } = await serve(app);
    const c = await RawClient.connect(port);
    await c.send('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nhello');
    await c.waitForResponses(1);
    const closing = server.close();
    await c.send('world');
    await c.closed;
    await closing;
    expect(c.responses()).toHaveLength(1);
  });

  it('should destroy a socket whose handler never finishes once shutdownTimeout passes', async () => {
    const app = new App({ logger: false, shutdownTimeout: 150 });
    const started = deferred();
    app.use(async () => {
      started.resolve();
      await new Promise(() => {});
    });
    const { server, port } = await serve(app);
    const c = await RawClient.connect(port);
    await c.send(get('/forever'));
    await started.promise;
    await server.close();
    await c.closed;
    expect(c.raw.length).toBe(0);
    expect(server.connections).toBe(0);
  });

  it('should destroy a socket handed to an upgrade listener once shutdownTimeout passes', async () => {
    const app = new App({ logger: false, shutdownTimeout: 150 });
    app.on('upgrade', (_req: unknown, socket: net.Socket) => {
      // A protocol that never closes on its own (a WebSocket nobody closes at shutdown).
      socket.write('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: forever\r\n\r\n');
    });
    const { server, port } = await serve(app);
    const c = await RawClient.connect(port);
    await c.send('GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: forever\r\n\r\n');
    await c.waitForBytes(1);
    // The listening server cannot finish closing while that socket lives: the deadline must end it.
    await server.close();
    await c.closed;
    expect(server.listening).toBe(false);
  });

  it('should be idempotent', async () => {
    const app = new App({ logger: false });
    app.use((ctx) => {
      ctx.body = 'x';
    });
    const { server } = await serve(app);
    const a = server.close();
    const b = server.close();
    expect(a).toBe(b);
    await a;
  });

  it('should emit close once everything is gone', async () => {
    const app = new App({ logger: false });
    app.use((ctx) => {
      ctx.body = 'x';
    });
    const { server } = await serve(app);
    const emitted = new Promise<void>((resolve) => server.once('close', () => resolve()));
    await server.close();
    await emitted;
  });
});

describe('server.close() under load', () => {
  interface Sent {
    client: number;
    id: string;
    /** The request's bytes were handed to the kernel before close() was called. */
    beforeClose: boolean;
  }

  /**
   * Keep-alive clients each send a bounded series of requests (some one at a time, some
   * pipelined in threes); close() is called from inside a handler once `closeAfter` requests
   * were handled. For every request we record whether its write completed before close().
   */
  async function runLoad(opts: { clients: number; perClient: number; closeAfter: number }): Promise<{
    sent: Sent[];
    answered: Map<string, { status: number; connection: string | undefined }>;
    truncated: number;
    server: Server;
  }> {
    const app = new App({ logger: false, shutdownTimeout: 60_000, keepAliveTimeout: 60_000 });
    let handled = 0;
    let closeCalled = false;
    let closing: Promise<void> | null = null;
    let server: Server | null = null;
    app.use(async (ctx) => {
      handled++;
      if (handled === opts.closeAfter) {
        closing = server!.close();
        closeCalled = true;
      }
      // Some handlers finish on a later turn, so close() finds requests genuinely in flight.
      if (handled % 3 === 0) await new Promise((r) => setImmediate(r));
      ctx.body = `done ${ctx.path}`;
    });
    const served = await serve(app);
    server = served.server;
    const sent: Sent[] = [];
    const answered = new Map<string, { status: number; connection: string | undefined }>();
    let truncated = 0;

    async function client(n: number): Promise<void> {
      const c = await RawClient.connect(served.port);
      const batch = n % 4 === 0 ? 3 : 1;
      let expected = 0;
      try {
        for (let i = 0; i < opts.perClient; i += batch) {
          let bytes = '';
          const ids: string[] = [];
          for (let k = i; k < Math.min(i + batch, opts.perClient); k++) {
            const id = `/c${n}-r${k}`;
            ids.push(id);
            bytes += get(id);
          }
          if (c.serverClosed) break;
          try {
            await c.send(bytes);
          } catch {
            break; // the server closed first: these were never sent
          }
          for (const id of ids) sent.push({ client: n, id, beforeClose: !closeCalled });
          expected += ids.length;
          await c.waitForResponses(expected);
        }
      } catch {
        // waitForResponses: the server closed before answering; what did arrive is checked below.
      }
      await c.closed.then(
        () => undefined,
        () => undefined,
      );
      if (!c.serverClosed) c.destroy();
      const result = c.result();
      for (const r of result.responses)
        answered.set(r.text().slice('done '.length), { status: r.status, connection: r.headers['connection'] });
      if (result.rest.length > 0) truncated++;
    }

    const all: Promise<void>[] = [];
    for (let n = 0; n < opts.clients; n++) all.push(client(n));
    // Clients that finish their series before the close leave idle keep-alive sockets; those are
    // closed by close() itself, which ends every client above.
    await Promise.all(all);
    await closing;
    return { sent, answered, truncated, server };
  }

  it('should lose no request that was sent before close(), and truncate no response', async () => {
    const { sent, answered, truncated, server } = await runLoad({ clients: 20, perClient: 30, closeAfter: 200 });
    const before = sent.filter((s) => s.beforeClose);
    const lost = before.filter((s) => answered.get(s.id)?.status !== 200);
    expect(before.length).toBeGreaterThanOrEqual(200);
    expect(lost).toEqual([]);
    expect(truncated).toBe(0);
    // Every answer is a whole 200 for a request that was really sent.
    const ids = new Set(sent.map((s) => s.id));
    for (const [id, a] of answered) {
      expect(ids.has(id)).toBe(true);
      expect(a.status).toBe(200);
    }
    // The close really came mid-load: requests were still being sent after it, and some of those
    // met a clean close instead of an answer.
    expect(sent.length).toBeGreaterThan(before.length);
    expect(answered.size).toBeLessThan(sent.length);
    expect(server.connections).toBe(0);
  });
});
