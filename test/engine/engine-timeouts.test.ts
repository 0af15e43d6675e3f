/**
 * Timeouts over raw sockets. Small values keep the tests fast; every assertion is about what
 * happened (a 408, a close, a complete response), observed through socket events — never about
 * how long it took. Where a test needs "the sweep has run past the timeout", it uses another
 * connection being closed by that sweep as the clock.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { App } from '../../src/index.js';
import { RawClient, get, rawRequest } from '../helpers/raw-client.js';
import { closeAll, deferred, readBody, serve } from '../helpers/server.js';

afterEach(closeAll);

function app(opts: ConstructorParameters<typeof App>[0]): App {
  const a = new App({ logger: false, ...opts });
  a.use((ctx) => {
    ctx.body = `hello ${ctx.path}`;
  });
  return a;
}

/** Opens a connection, makes one request, and resolves when the server's keep-alive sweep closes it. */
async function idleConnectionClosed(port: number): Promise<void> {
  const c = await RawClient.connect(port);
  await c.send(get('/clock'));
  await c.waitForResponses(1);
  await c.closed;
}

describe('Connection (timeouts)', () => {
  it('should answer 408 and close when a request head does not arrive within headersTimeout', async () => {
    const { port } = await serve(app({ headersTimeout: 200, requestTimeout: 0, keepAliveTimeout: 0 }));
    const r = await rawRequest(port, 'GET /slow HTTP/1.1\r\nHost: x\r\nX-Half: ');
    expect(r.closed).toBe(true);
    expect(r.responses).toHaveLength(1);
    const res = r.responses[0]!;
    expect(res.status).toBe(408);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.headers['connection']).toBe('close');
    expect(res.json()['code']).toBe('ERR_REQUEST_TIMEOUT');
  });

  it('should answer the requests that arrived and then 408 a second head that stalls', async () => {
    const { port } = await serve(app({ headersTimeout: 200, keepAliveTimeout: 0 }));
    const r = await rawRequest(port, get('/done') + 'GET /stalled HTTP/1.1\r\nHo');
    expect(r.responses.map((x) => x.status)).toEqual([200, 408]);
    expect(r.responses[0]!.text()).toBe('hello /done');
    expect(r.closed).toBe(true);
  });

  it('should close a request whose body does not arrive within requestTimeout, failing the body read', async () => {
    const a = new App({ logger: false, headersTimeout: 0, requestTimeout: 300, keepAliveTimeout: 0 });
    const readFailed = deferred<string>();
    a.use(async (ctx) => {
      try {
        await readBody(ctx.req);
        ctx.body = 'complete';
      } catch (err) {
        readFailed.resolve((err as Error).message);
        throw err;
      }
    });
    const { port } = await serve(a);
    const c = await RawClient.connect(port);
    await c.send('POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly-part');
    await c.waitForServerClose();
    expect(typeof (await readFailed.promise)).toBe('string');
    // Never a 200 for a body that did not arrive.
    expect(c.responses().every((x) => x.status !== 200)).toBe(true);
  });

  it('should close an idle keep-alive connection after keepAliveTimeout', async () => {
    const { port } = await serve(app({ keepAliveTimeout: 200 }));
    const c = await RawClient.connect(port);
    await c.send(get('/once'));
    const [res] = await c.waitForResponses(1);
    expect(res!.headers['keep-alive']).toBe('timeout=1');
    await c.waitForServerClose();
    await c.closed;
    expect(c.responses()).toHaveLength(1);
    expect(c.result().rest.length).toBe(0);
  });

  it("should close an idle connection after keepAliveTimeout across the wrap of the engine's 32-bit clock (24.8 days up)", async () => {
    // The engine keeps timestamps as int32 ms since its sweep started: here the wall clock jumps to
    // 150 ms before that count leaves the int32 range, and the connection's idle time spans it.
    const start = Date.now();
    vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true, now: start });
    try {
      const { port } = await serve(app({ keepAliveTimeout: 300 }));
      const before = await RawClient.connect(port);
      vi.setSystemTime(start + 2 ** 31 - 150);
      // The sweep's clock is coarse: the jump counts once a sweep has read it, which closing the
      // connection opened before it (idle for the whole jump) shows.
      await before.closed;
      const c = await RawClient.connect(port);
      await c.send(get('/once'));
      await c.waitForResponses(1);
      await c.waitForServerClose();
      expect(c.responses()).toHaveLength(1);
      expect(Date.now() - start).toBeGreaterThan(2 ** 31);
    } finally {
      vi.useRealTimers();
    }
  });

  it('should close a connection that never sends a byte after keepAliveTimeout', async () => {
    const { port } = await serve(app({ keepAliveTimeout: 200 }));
    const c = await RawClient.connect(port);
    await c.closed;
    expect(c.raw.length).toBe(0);
  });

  it('should advertise keep-alive timeout=N in whole seconds of keepAliveTimeout', async () => {
    const { port } = await serve(app({ keepAliveTimeout: 3000 }));
    const { responses } = await rawRequest(port, get('/'), { responses: 1 });
    expect(responses[0]!.headers['keep-alive']).toBe('timeout=3');
  });

  it('should not time out a slow handler once its request was received', async () => {
    const a = new App({ logger: false, headersTimeout: 100, requestTimeout: 100, keepAliveTimeout: 100 });
    const gate = deferred();
    a.use(async (ctx) => {
      // The handler outlives every timeout; the clock is another connection closed by the sweep.
      if (ctx.path === '/slow') await gate.promise;
      ctx.body = 'late but whole';
    });
    const { port } = await serve(a);
    const c = await RawClient.connect(port);
    await c.send(get('/slow'));
    await idleConnectionClosed(port);
    gate.resolve();
    const [res] = await c.waitForResponses(1);
    expect(res!.text()).toBe('late but whole');
    c.destroy();
  });

  it('should not close a connection by keepAliveTimeout while a response is still streaming', async () => {
    const a = new App({ logger: false, keepAliveTimeout: 150 });
    const release = deferred();
    a.use((ctx) => {
      if (ctx.path !== '/stream') {
        ctx.body = 'quick';
        return;
      }
      ctx.body = (async function* () {
        yield 'first ';
        await release.promise;
        yield 'last';
      })();
    });
    const { port } = await serve(a);
    const c = await RawClient.connect(port);
    await c.send(get('/stream'));
    await c.waitForBytes(1);
    // Another connection, idle since after this stream began, is closed by the keep-alive sweep:
    // the sweep has looked at the streaming connection with more idle time than that.
    await idleConnectionClosed(port);
    release.resolve();
    const [res] = await c.waitForResponses(1);
    expect(res!.text()).toBe('first last');
    c.destroy();
  });

  it('should not close a connection by keepAliveTimeout while a written response waits for a slow reader', async () => {
    const a = new App({ logger: false, keepAliveTimeout: 150 });
    // Bigger than the loopback socket buffers on both ends, so part of it stays in the server's
    // write queue while the client is paused.
    const big = Buffer.alloc(64 * 1024 * 1024, 0x62);
    a.use((ctx) => {
      ctx.body = ctx.path === '/big' ? big : 'quick';
    });
    const { port } = await serve(a);
    const c = await RawClient.connect(port);
    await c.send(get('/big'));
    await c.waitForBytes(1);
    c.socket.pause();
    await idleConnectionClosed(port);
    c.socket.resume();
    const [res] = await c.waitForResponses(1);
    expect(res!.body.length).toBe(big.length);
    c.destroy();
  });
});
