/**
 * Middleware written for Koa runs on shallot unmodified: `@koa/cors` and `koa-etag` straight from
 * npm (through `app.use()`, no adapter), Koa's conditional-GET idiom, and raw Node-style code that
 * writes through the `ctx.req` / `ctx.res` stand-ins with `ctx.respond = false`.
 */
import type { Server as NodeHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import etag from 'koa-etag';
import supertest from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { App, type Middleware } from '../../src/http/app.js';
import type { Context } from '../../src/http/context.js';
import type { ResponseBody } from '../../src/http/response.js';
import { RawClient } from '../helpers/raw-client.js';
import { closeAll, deferred, serve } from '../helpers/server.js';
import { inject } from '../helpers/transport.js';

// @koa/cors ships no types; load it as Koa users do, through require.
const require = createRequire(import.meta.url);
const cors = require('@koa/cors') as (options?: Record<string, unknown>) => Middleware;

afterEach(closeAll);

/**
 * A listening server for supertest, once bound (supertest would listen again otherwise); closed
 * after each test. Supertest only needs `address()`; its type asks for a `node:http` server.
 */
async function listen(app: App): Promise<NodeHttpServer> {
  const { server } = await serve(app);
  return server as unknown as NodeHttpServer;
}

/** Koa's `koa-conditional-get`, as Koa users write it. */
const conditionalGet: Middleware = async (ctx, next) => {
  await next();
  if (ctx.fresh) {
    ctx.status = 304;
    ctx.body = null;
  }
};

describe('@koa/cors', () => {
  function corsApp(options?: Record<string, unknown>): App {
    const app = new App({ logger: false });
    app.use(cors(options));
    app.use((ctx) => {
      if (ctx.path === '/fail') ctx.throw(400, 'Bad input');
      ctx.body = { ok: true };
    });
    return app;
  }

  it('should answer a preflight with 204 and the Access-Control-Allow-* headers', async () => {
    const res = await supertest(await listen(corsApp({ maxAge: 600 })))
      .options('/items')
      .set('Origin', 'https://app.test')
      .set('Access-Control-Request-Method', 'PUT')
      .set('Access-Control-Request-Headers', 'content-type, x-token');
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.headers['access-control-allow-methods']).toBe('GET,HEAD,PUT,POST,DELETE,PATCH');
    expect(res.headers['access-control-allow-headers']).toBe('content-type, x-token');
    expect(res.headers['access-control-max-age']).toBe('600');
    expect(res.headers['vary']).toBe('Origin');
  });

  it('should add Access-Control-Allow-Origin to a simple request', async () => {
    const res = await supertest(await listen(corsApp()))
      .get('/items')
      .set('Origin', 'https://app.test');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ok: true });
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.headers['vary']).toBe('Origin');
  });

  it('should reflect the request origin with credentials', async () => {
    const res = await supertest(await listen(corsApp({ credentials: true, exposeHeaders: ['x-total'] })))
      .get('/items')
      .set('Origin', 'https://app.test');
    expect(res.headers['access-control-allow-origin']).toBe('https://app.test');
    expect(res.headers['access-control-allow-credentials']).toBe('true');
    expect(res.headers['access-control-expose-headers']).toBe('x-total');
  });

  it('should keep its headers on an error response (err.headers)', async () => {
    const res = await supertest(await listen(corsApp()))
      .get('/fail')
      .set('Origin', 'https://app.test');
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.headers['vary']).toBe('Origin');
    expect(JSON.parse(res.text)).toMatchObject({ detail: 'Bad input' });
  });

  it('should let a request without a preflight method through to the handler', async () => {
    const res = await supertest(await listen(corsApp()))
      .options('/items')
      .set('Origin', 'https://app.test');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ok: true });
  });
});

describe('koa-etag with conditional GET', () => {
  function etagApp(body: (ctx: Context) => ResponseBody): App {
    const app = new App({ logger: false });
    app.use(conditionalGet);
    app.use(etag());
    app.use((ctx) => {
      ctx.body = body(ctx);
    });
    return app;
  }

  it('should add an ETag to a string, buffer or JSON body', async () => {
    for (const body of ['hello', Buffer.from('bytes'), { a: 1 }]) {
      const { responses } = await inject(
        etagApp(() => body),
        { url: '/' },
      );
      expect(responses[0]!.status).toBe(200);
      expect(responses[0]!.headers['etag']).toMatch(/^"[^"]+"$/);
    }
  });

  it('should answer 304 with no body to If-None-Match carrying that ETag', async () => {
    const app = etagApp(() => ({ version: 1 }));
    const first = (await inject(app, { url: '/' })).responses[0]!;
    const tag = first.headers['etag'] as string;
    const again = (await inject(app, { url: '/', headers: { 'if-none-match': tag } })).responses[0]!;
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    expect(again.headers['etag']).toBe(tag);
    expect(again.headers['content-type']).toBeUndefined();
    const changed = (await inject(app, { url: '/', headers: { 'if-none-match': '"other"' } })).responses[0]!;
    expect(changed.status).toBe(200);
    expect(changed.json()).toEqual({ version: 1 });
  });

  it('should work the same over a real socket with supertest', async () => {
    const server = await listen(etagApp(() => 'cached text'));
    const first = await supertest(server).get('/');
    const res = await supertest(server)
      .get('/')
      .set('If-None-Match', first.headers['etag'] as string);
    expect(res.status).toBe(304);
    expect(res.text).toBe('');
  });

  it('should leave a stream without a file path untagged', async () => {
    const { responses } = await inject(
      etagApp(() => Readable.from(['a'])),
      { url: '/' },
    );
    expect(responses[0]!.headers['etag']).toBeUndefined();
    expect(responses[0]!.text()).toBe('a');
  });
});

describe('raw Node-style middleware (ctx.respond = false)', () => {
  it('should send what writeHead/write/end wrote, with no Content-Type invented', async () => {
    const app = new App({ logger: false });
    app.use((ctx) => {
      ctx.respond = false;
      const res = ctx.res;
      res.statusCode = 201;
      res.setHeader('X-Raw', 'yes');
      expect(res.getHeader('x-raw')).toBe('yes');
      expect(res.hasHeader('X-RAW')).toBe(true);
      res.writeHead(202, 'Taken', { 'X-Head': '1' });
      res.write('hello ');
      res.end('world');
    });
    const { responses } = await inject(app, { url: '/' });
    const r = responses[0]!;
    expect([r.status, r.statusMessage]).toEqual([202, 'Taken']);
    expect(r.headers['x-raw']).toBe('yes');
    expect(r.headers['x-head']).toBe('1');
    expect(r.headers['content-type']).toBeUndefined();
    expect(r.text()).toBe('hello world');
  });

  it('should wait for end() called after the middleware returned', async () => {
    const app = new App({ logger: false });
    app.use((ctx) => {
      ctx.respond = false;
      ctx.res.writeHead(200, { 'content-type': 'text/plain' });
      setTimeout(() => ctx.res.end('later'), 5);
    });
    const { responses } = await inject(app, { url: '/' });
    expect(responses[0]!.text()).toBe('later');
    expect(responses[0]!.headers['content-type']).toBe('text/plain');
  });

  it('should answer a bare end() with an empty 200', async () => {
    const app = new App({ logger: false });
    app.use((ctx) => {
      ctx.respond = false;
      ctx.res.end();
    });
    const { responses } = await inject(app, { url: '/' });
    expect(responses[0]!.status).toBe(200);
    expect(responses[0]!.headers['content-length']).toBe('0');
  });

  it('should stream a large pipeline into ctx.res without waiting on itself', async () => {
    const app = new App({ logger: false });
    const chunk = Buffer.alloc(64 * 1024, 'x');
    let finished = false;
    app.use(async (ctx) => {
      ctx.respond = false;
      ctx.res.setHeader('content-type', 'application/octet-stream');
      // The middleware awaits the whole pipeline: the response must start before it settles.
      await pipeline(
        Readable.from(Array.from({ length: 32 }, () => chunk)),
        ctx.res as unknown as NodeJS.WritableStream,
      );
      finished = ctx.res.writableFinished;
    });
    const { responses } = await inject(app, { url: '/' });
    expect(responses[0]!.body.length).toBe(32 * chunk.length);
    expect(finished).toBe(true);
  });

  it('should cut the connection and report an error thrown after the head was committed', async () => {
    const app = new App({ logger: false });
    const errors: unknown[] = [];
    app.on('error', (err: unknown) => errors.push(err));
    app.use(async (ctx) => {
      ctx.respond = false;
      ctx.res.write('partial');
      await new Promise((r) => setTimeout(r, 5));
      throw new Error('late failure');
    });
    const { raw, closed } = await inject(app, { url: '/' });
    expect(raw.toString('latin1')).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(raw.toString('latin1')).not.toContain('0\r\n\r\n');
    expect(closed).toBe(true);
    expect(errors).toHaveLength(1);
  });

  it('should emit finish on ctx.res once the response was written, as loggers expect', async () => {
    const app = new App({ logger: false });
    const events: string[] = [];
    app.use(async (ctx, next) => {
      ctx.res.on('finish', () => events.push(`finish ${ctx.res.statusCode} ${String(ctx.res.finished)}`));
      ctx.res.on('close', () => events.push(`close ${String(ctx.res.writableFinished)}`));
      await next();
      events.push(`before write ${String(ctx.res.headersSent)}`);
    });
    app.use((ctx) => {
      ctx.body = 'logged';
    });
    await inject(app, { url: '/' });
    expect(events).toEqual(['before write false', 'finish 200 true', 'close true']);
  });

  it('should emit close without finish on ctx.res when the client leaves first, as Node does', async () => {
    const app = new App({ logger: false });
    const events: string[] = [];
    const started = deferred();
    const closed = deferred();
    app.use((ctx) => {
      ctx.res.on('finish', () => events.push('finish'));
      started.resolve();
      return new Promise<void>((resolve) =>
        ctx.res.on('close', () => {
          events.push(`close ${String(ctx.res.writableFinished)}`);
          closed.resolve();
          resolve();
        }),
      );
    });
    const server = await listen(app);
    const c = await RawClient.connect((server.address() as AddressInfo).port);
    await c.send('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await started.promise;
    c.destroy();
    await closed.promise;
    expect(events).toEqual(['close false']);
  });
});

describe('ctx.req (IncomingMessage stand-in)', () => {
  it("should carry the request line and headers as Node's IncomingMessage does", async () => {
    const app = new App({ logger: false });
    let seen: unknown;
    app.use((ctx) => {
      const req = ctx.req;
      seen = [
        req.method,
        req.url,
        req.httpVersion,
        req.headers['x-a'],
        req.rawHeaders.slice(0, 2),
        req.socket === ctx.socket,
      ];
      ctx.body = '';
    });
    await inject(app, 'GET /r?x=1 HTTP/1.1\r\nX-A: 1\r\nHost: h\r\n\r\n');
    expect(seen).toEqual(['GET', '/r?x=1', '1.1', '1', ['X-A', '1'], true]);
  });

  it('should be the request body as a Readable', async () => {
    const app = new App({ logger: false });
    app.use(async (ctx) => {
      const parts: Buffer[] = [];
      await new Promise<void>((resolve, reject) => {
        ctx.req.on('data', (c: Buffer) => parts.push(c));
        ctx.req.on('end', resolve);
        ctx.req.on('error', reject);
      });
      ctx.body = { got: Buffer.concat(parts).toString(), complete: ctx.req.complete };
    });
    const { responses } = await inject(
      app,
      'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n',
    );
    expect(responses[0]!.json()).toEqual({ got: 'abcde', complete: true });
  });

  it('should see a url rewritten through ctx.url, and rewrite ctx.url in turn', async () => {
    const app = new App({ logger: false });
    let seen: unknown;
    app.use((ctx) => {
      ctx.url = '/rewritten';
      const fromReq = ctx.req.url;
      ctx.req.url = '/again';
      seen = [fromReq, ctx.path];
      ctx.body = '';
    });
    await inject(app, { url: '/orig' });
    expect(seen).toEqual(['/rewritten', '/again']);
  });
});
