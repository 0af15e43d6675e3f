/**
 * Streamed response bodies and client disconnects, over raw sockets: Node Readable, web
 * ReadableStream and async generator bodies go out chunked when their length is unknown and with
 * Content-Length when it is set; a stream that fails after the head was sent cuts the connection
 * and reports the error once; `ctx.signal` aborts when the client goes away.
 */
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { App, type Context } from '../../src/index.js';
import { RawClient, get, rawRequest } from '../helpers/raw-client.js';
import { closeAll, deferred, serve } from '../helpers/server.js';

afterEach(closeAll);

const PARTS = ['alpha,', 'beta,', 'gamma'];

function bodies(): Record<string, () => unknown> {
  return {
    '/node': () => Readable.from(PARTS.map((p) => Buffer.from(p))),
    '/web': () =>
      new ReadableStream<Uint8Array>({
        start(controller) {
          for (const p of PARTS) controller.enqueue(new TextEncoder().encode(p));
          controller.close();
        },
      }),
    '/gen': () =>
      (async function* () {
        for (const p of PARTS) yield p;
      })(),
  };
}

function streamingApp(): App {
  const app = new App({ logger: false });
  const make = bodies();
  app.use((ctx: Context) => {
    const f = make[ctx.path];
    if (f === undefined) {
      ctx.body = `plain ${ctx.path}`;
      return;
    }
    ctx.body = f() as Readable;
    if (ctx.query['length'] !== undefined) ctx.length = PARTS.join('').length;
  });
  return app;
}

describe('streamed response bodies', () => {
  for (const kind of ['node', 'web', 'gen']) {
    it(`should send a ${kind} stream body chunked when its length is unknown`, async () => {
      const { port } = await serve(streamingApp());
      const { responses } = await rawRequest(port, get(`/${kind}`), { responses: 1 });
      const res = responses[0]!;
      expect(res.status).toBe(200);
      expect(res.chunked).toBe(true);
      expect(res.headers['content-length']).toBeUndefined();
      expect(res.text()).toBe(PARTS.join(''));
    });

    it(`should send a ${kind} stream body with Content-Length when the length is set`, async () => {
      const { port } = await serve(streamingApp());
      const { responses } = await rawRequest(port, get(`/${kind}?length=1`), { responses: 1 });
      const res = responses[0]!;
      expect(res.chunked).toBe(false);
      expect(res.headers['transfer-encoding']).toBeUndefined();
      expect(res.headers['content-length']).toBe(String(PARTS.join('').length));
      expect(res.text()).toBe(PARTS.join(''));
    });
  }

  it('should answer pipelined requests after a streamed response, in order', async () => {
    const { port } = await serve(streamingApp());
    const r = await rawRequest(port, get('/node') + get('/a') + get('/gen') + get('/b'), { responses: 4 });
    expect(r.responses.map((x) => x.text())).toEqual([PARTS.join(''), 'plain /a', PARTS.join(''), 'plain /b']);
    expect(r.responses.map((x) => x.chunked)).toEqual([true, false, true, false]);
  });

  it('should send the head of a HEAD request for a streamed body without the body', async () => {
    const { port } = await serve(streamingApp());
    const r = await rawRequest(port, 'HEAD /node HTTP/1.1\r\nHost: x\r\n\r\n' + get('/after'), {
      responses: 2,
      methods: ['HEAD', 'GET'],
    });
    expect(r.responses[0]!.status).toBe(200);
    expect(r.responses[0]!.body.length).toBe(0);
    expect(r.responses[1]!.text()).toBe('plain /after');
  });

  it('should destroy the connection and emit the error once when a stream fails after the head was sent', async () => {
    const app = new App({ logger: false });
    const errors: unknown[] = [];
    app.on('error', (err: unknown) => errors.push(err));
    const firstFailed = deferred();
    app.use(async (ctx) => {
      const path = ctx.path;
      // The pipelined second response becomes ready just after the first stream failed, before
      // the socket's 'close' event: it must not be started on the dead connection.
      if (path === '/never') await firstFailed.promise;
      ctx.body = (async function* () {
        try {
          yield 'partial data';
          throw new Error(`disk on fire at ${path}`);
        } finally {
          firstFailed.resolve();
        }
      })();
    });
    const { port } = await serve(app);
    const r = await rawRequest(port, get('/') + get('/never'));
    expect(r.closed).toBe(true);
    // The head and the first chunk went out; there is no terminating chunk and no second response.
    expect(r.responses).toHaveLength(0);
    expect(r.rest.toString('latin1')).toContain('partial data');
    expect(r.rest.toString('latin1')).not.toContain('0\r\n\r\n');
    expect(errors.map((e) => (e as Error).message)).toEqual(['disk on fire at /']);
  });

  it('should answer 500 problem+json when a stream fails before its head was written', async () => {
    const app = new App({ logger: false });
    const errors: unknown[] = [];
    app.on('error', (err: unknown) => errors.push(err));
    const slowFirst = deferred();
    app.use(async (ctx) => {
      if (ctx.path === '/slow') {
        await slowFirst.promise;
        ctx.body = 'slow';
        return;
      }
      const s = new Readable({ read() {} });
      ctx.body = s;
      // Fails after this handler returned, while its response waits behind the slow one: the
      // head was never written.
      setImmediate(() => {
        s.destroy(new Error('gone before the head'));
        setImmediate(() => slowFirst.resolve());
      });
    });
    const { port } = await serve(app);
    const r = await rawRequest(port, get('/slow') + get('/failing'), { responses: 2 });
    expect(r.responses.map((x) => x.status)).toEqual([200, 500]);
    expect(r.responses[1]!.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(r.responses[1]!.text()).not.toContain('gone before the head');
    expect(errors).toHaveLength(1);
  });
});

describe('ctx.signal', () => {
  it('should abort when the client disconnects mid-request', async () => {
    const app = new App({ logger: false });
    const started = deferred();
    const aborted = deferred<unknown>();
    app.use(async (ctx) => {
      const signal = ctx.signal;
      const gone = new Promise((resolve) =>
        signal.addEventListener('abort', () => resolve(signal.reason), { once: true }),
      );
      started.resolve();
      aborted.resolve(await gone);
      ctx.body = 'nobody will read this';
    });
    const { port } = await serve(app);
    const c = await RawClient.connect(port);
    await c.send(get('/long'));
    await started.promise;
    c.destroy();
    expect(await aborted.promise).toBeInstanceOf(Error);
  });

  it('should abort when the client resets the connection mid-request', async () => {
    const app = new App({ logger: false });
    const started = deferred();
    const aborted = deferred();
    app.use(async (ctx) => {
      const signal = ctx.signal;
      const gone = new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      started.resolve();
      await gone;
      aborted.resolve();
    });
    const { port } = await serve(app);
    const c = await RawClient.connect(port);
    await c.send(get('/long'));
    await started.promise;
    c.socket.resetAndDestroy();
    await aborted.promise;
  });

  it('should abort a streaming response whose client resets, and destroy the source', async () => {
    const app = new App({ logger: false });
    const aborted = deferred();
    const sourceDestroyed = deferred();
    app.use((ctx) => {
      ctx.signal.addEventListener('abort', () => aborted.resolve(), { once: true });
      const s = new Readable({ read() {} });
      s.push('first chunk');
      s.on('close', () => sourceDestroyed.resolve());
      ctx.body = s;
    });
    const { port } = await serve(app);
    const c = await RawClient.connect(port);
    await c.send(get('/stream'));
    await c.waitForBytes(1);
    c.socket.resetAndDestroy();
    await aborted.promise;
    await sourceDestroyed.promise;
  });

  it('should abort a streaming response whose client closes', async () => {
    const app = new App({ logger: false });
    const aborted = deferred();
    app.use((ctx) => {
      const s = new Readable({ read() {} });
      s.push('first chunk');
      // The handler's way to stop an endless feed: end it when the client is gone.
      ctx.signal.addEventListener(
        'abort',
        () => {
          aborted.resolve();
          s.push(null);
        },
        { once: true },
      );
      ctx.body = s;
    });
    const { port } = await serve(app);
    const c = await RawClient.connect(port);
    await c.send(get('/feed'));
    await c.waitForBytes(1);
    c.destroy();
    await aborted.promise;
  });

  it('should not abort once the response was sent', async () => {
    const app = new App({ logger: false });
    let signal: AbortSignal | null = null;
    app.use((ctx) => {
      signal = ctx.signal;
      ctx.body = 'done';
    });
    const { port } = await serve(app);
    const c = await RawClient.connect(port);
    await c.send(get('/'));
    await c.waitForResponses(1);
    c.destroy();
    await c.closed;
    // A keep-alive client leaving after its response is not an aborted request.
    await new Promise((r) => setImmediate(r));
    expect(signal!.aborted).toBe(false);
  });
});
