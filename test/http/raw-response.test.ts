/**
 * Writing through `ctx.res` (Koa's and Node's raw response), as `ServerResponseShim` states the
 * rules: the first write commits the head, so later `ctx.set()`/`ctx.status` change nothing; an
 * unended raw response is ended — with `ctx.body` — when the stack finishes, unless
 * `ctx.respond = false`; an error after the head cuts it short; and when the client leaves, what
 * the response holds (its body, a stream it replaced, the raw stream) is destroyed even while the
 * handler still runs. Run over both transports (see helpers/transport.ts).
 */
import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { App, type Middleware } from '../../src/http/app.js';
import { closeAll, deferred, serve } from '../helpers/server.js';
import { connect, until } from '../helpers/socket.js';
import { inject } from '../helpers/transport.js';

afterEach(closeAll);

function appOf(...mws: Middleware[]): App {
  const app = new App({ logger: false });
  for (const mw of mws) app.use(mw);
  return app;
}

/** A Readable that records its destruction. */
function tracked(): { stream: Readable; destroyed: Promise<void> } {
  const gone = deferred();
  const stream = new Readable({
    read() {},
    destroy(err, cb) {
      gone.resolve();
      cb(err);
    },
  });
  return { stream, destroyed: gone.promise };
}

describe('ctx.res: the head is committed by the first raw write', () => {
  it('should ignore ctx.set(), ctx.status, ctx.message and ctx.body after res.end()', async () => {
    const app = appOf(async (ctx) => {
      ctx.set('x-before', '1');
      ctx.res.end('raw');
      await Promise.resolve();
      ctx.set('x-after', '1');
      ctx.status = 404;
      ctx.message = 'Changed';
      ctx.body = 'replaced';
    });
    const { responses } = await inject(app, { url: '/' });
    const res = responses[0]!;
    expect([res.status, res.statusMessage]).toEqual([200, 'OK']);
    expect(res.headers['x-before']).toBe('1');
    expect(res.headers['x-after']).toBeUndefined();
    expect(res.text()).toBe('raw');
  });

  it('should say headerSent from the first write on, and keep the status set before it', async () => {
    let seen: unknown[] = [];
    const app = appOf((ctx) => {
      ctx.status = 202;
      const before = ctx.headerSent;
      ctx.res.write('a');
      ctx.status = 500;
      seen = [before, ctx.headerSent, ctx.res.headersSent, ctx.status];
      ctx.res.end('b');
    });
    const { responses } = await inject(app, { url: '/' });
    expect([responses[0]!.status, responses[0]!.text()]).toEqual([202, 'ab']);
    expect(seen).toEqual([false, true, true, 202]);
  });
});

describe('ctx.res: an unended raw response when the stack finishes', () => {
  it('should be ended, with ctx.body after what was written, when ctx.respond is true (Koa)', async () => {
    const app = appOf(async (ctx) => {
      ctx.res.write('written, ');
      await Promise.resolve();
      ctx.body = 'then the body';
    });
    const { responses, closed } = await inject(app, { url: '/' });
    expect(responses[0]!.text()).toBe('written, then the body');
    expect(closed).toBe(false);
  });

  it('should pipe a stream ctx.body into it, and serialise an object one as JSON', async () => {
    const app = appOf((ctx) => {
      ctx.res.write('[');
      ctx.body = ctx.path === '/stream' ? Readable.from(['s1', 's2']) : { n: 1 };
    });
    const { responses } = await inject(
      app,
      'GET /stream HTTP/1.1\r\nHost: a\r\n\r\nGET /json HTTP/1.1\r\nHost: a\r\n\r\n',
    );
    expect(responses.map((r) => r.text())).toEqual(['[s1s2', '[{"n":1}']);
  });

  it('should be left to the handler with ctx.respond = false, which ends it later', async () => {
    const app = appOf((ctx) => {
      ctx.respond = false;
      ctx.res.write('now ');
      setImmediate(() => ctx.res.end('later'));
    });
    const { responses } = await inject(app, { url: '/' });
    expect(responses[0]!.text()).toBe('now later');
  });

  it('should not wait on itself when a large body is piped into ctx.res and awaited', async () => {
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    const app = appOf(async (ctx) => {
      await pipeline(
        Readable.from(
          (function* () {
            for (let i = 0; i < 64; i++) yield chunk;
          })(),
        ),
        ctx.res,
      );
    });
    const { responses } = await inject(app, { url: '/' });
    expect(responses[0]!.body.length).toBe(64 * 64 * 1024);
  });
});

describe('ctx.res: an error after the head', () => {
  it('should cut an unended raw response short and close the connection', async () => {
    const app = appOf(async (ctx) => {
      ctx.res.write('partial');
      await Promise.resolve();
      throw new Error('late failure');
    });
    app.on('error', () => {});
    const { raw, closed } = await inject(app, { url: '/' });
    const text = raw.toString('latin1');
    expect(text).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(text).toContain('partial');
    // Chunked, and never terminated: the client can tell the response is incomplete.
    expect(text).not.toContain('0\r\n\r\n');
    expect(closed).toBe(true);
  });

  it('should leave a raw response that was ended complete, reporting the error', async () => {
    const reported = deferred<Error>();
    const app = appOf(async (ctx) => {
      ctx.res.end('complete');
      await Promise.resolve();
      throw new Error('after the end');
    });
    app.on('error', (e: Error) => reported.resolve(e));
    const { responses, closed } = await inject(app, { url: '/' });
    expect(responses[0]!.text()).toBe('complete');
    expect(closed).toBe(false);
    const err = await reported.promise;
    expect([err.message, (err as { headerSent?: boolean }).headerSent]).toEqual(['after the end', true]);
  });
});

describe('a client that leaves while the handler still runs', () => {
  it('should destroy the stream body already set, as well as aborting ctx.signal', async () => {
    const { stream, destroyed } = tracked();
    const running = deferred();
    let destroyedFirst = false;
    const app = appOf(async (ctx) => {
      ctx.body = stream;
      running.resolve();
      await new Promise((r) => ctx.signal.addEventListener('abort', r));
      // Told of the client leaving, the handler finds its body already let go of.
      destroyedFirst = stream.destroyed;
    });
    const { port } = await serve(app);
    const s = await connect(port);
    s.write('GET / HTTP/1.1\r\nHost: a\r\n\r\n');
    await running.promise;
    // A reset: a FIN alone is a half-close, after which the client may still read the answer.
    s.resetAndDestroy();
    await destroyed;
    expect(await until(() => destroyedFirst)).toBe(true);
  });

  it('should destroy a stream the body replaced (piped into the new one), and the raw stream', async () => {
    const source = tracked();
    let raw: { destroyed: boolean } | null = null;
    const app = appOf(async (ctx) => {
      ctx.body = source.stream;
      ctx.body = source.stream.pipe(new PassThrough());
      ctx.res.write('started');
      await new Promise((r) => ctx.signal.addEventListener('abort', r));
      // The raw stream is gone too: a late write is dropped, not an error.
      ctx.res.write('late', (err) => (raw = { destroyed: err !== null && err !== undefined }));
    });
    const { port } = await serve(app);
    const s = await connect(port);
    s.write('GET / HTTP/1.1\r\nHost: a\r\n\r\n');
    await new Promise((r) => s.once('data', r));
    s.resetAndDestroy();
    await source.destroyed;
    expect(await until(() => raw !== null)).toBe(true);
    expect(raw).toEqual({ destroyed: true });
  });

  it("should hand the client's socket error to app.on('error') with the request's ctx, as Koa", async () => {
    const running = deferred();
    const reported = deferred<[Error & { code?: string; headerSent?: boolean }, unknown]>();
    let theCtx: unknown = null;
    const app = appOf(async (ctx) => {
      theCtx = ctx;
      running.resolve();
      await new Promise((r) => ctx.signal.addEventListener('abort', r));
    });
    app.on('error', (err: Error, ctx: unknown) => reported.resolve([err, ctx]));
    const { port } = await serve(app);
    const s = await connect(port);
    s.write('GET / HTTP/1.1\r\nHost: a\r\n\r\n');
    await running.promise;
    s.resetAndDestroy();
    const [err, ctx] = await reported.promise;
    expect([err.code, err.headerSent, ctx === theCtx]).toEqual(['ECONNRESET', true, true]);
  });

  it('should destroy a replaced stream once the response was written', async () => {
    const source = tracked();
    const app = appOf((ctx) => {
      ctx.body = source.stream;
      ctx.body = 'not the stream after all';
    });
    const { responses } = await inject(app, { url: '/' });
    expect(responses[0]!.text()).toBe('not the stream after all');
    await source.destroyed;
  });
});
