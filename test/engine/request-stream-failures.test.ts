/**
 * `ctx.req` fails the way Node's IncomingMessage does, so upload code written for node:http cannot
 * take the process down: when the body cannot be completed — the client resets or half-closes, a
 * chunk line is malformed, the request times out — the stream emits 'aborted', then 'error' only
 * if someone listens, then 'close'. And whatever the handler then does, its request gets exactly
 * one answer.
 *
 * The handlers here pipe `ctx.req` into a sink the usual way, with no error listener on `ctx.req`:
 * an unhandled 'error' would crash the test process (vitest reports it and fails the run).
 */
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { App, type Context } from '../../src/index.js';
import { RawClient } from '../helpers/raw-client.js';
import { closeAll, deferred, readBody, serve } from '../helpers/server.js';

afterEach(closeAll);

const HEAD_CL = 'POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n';
const HEAD_CHUNKED = 'POST /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n';

interface Observed {
  events: string[];
  error: unknown;
}

/**
 * An app whose /up handler pipes the body into a sink (no 'error' listener on ctx.req unless
 * `listen`), records the events ctx.req emits, and answers once ctx.req closes.
 */
function uploadApp(
  listen: boolean,
  opts: ConstructorParameters<typeof App>[0] = {},
): { app: App; piping: Promise<void>; seen: Promise<Observed> } {
  const app = new App({ logger: false, ...opts });
  const piping = deferred();
  const seen = deferred<Observed>();
  app.use(async (ctx: Context) => {
    if (ctx.path !== '/up') {
      ctx.body = 'still serving';
      return;
    }
    const obs: Observed = { events: [], error: null };
    const req = ctx.req;
    req.on('aborted', () => obs.events.push('aborted'));
    if (listen)
      req.on('error', (err) => {
        obs.events.push('error');
        obs.error = err;
      });
    const closed = new Promise<void>((resolve) =>
      req.on('close', () => {
        obs.events.push('close');
        resolve();
      }),
    );
    req.pipe(new Writable({ write: (_c, _e, cb) => cb() }));
    piping.resolve();
    await closed;
    seen.resolve(obs);
    ctx.status = 400;
    ctx.body = 'upload incomplete';
  });
  return { app, piping: piping.promise, seen: seen.promise };
}

describe('ctx.req when the body cannot be completed', () => {
  it('should emit aborted and close, and no error nobody listens for, when the client resets mid-body', async () => {
    const { app, piping, seen } = uploadApp(false);
    const { port } = await serve(app);
    const c = await RawClient.connect(port);
    await c.send(`${HEAD_CL}0123456789`);
    await piping;
    c.socket.resetAndDestroy();
    expect((await seen).events).toEqual(['aborted', 'close']);
    const next = await RawClient.connect(port);
    await next.send('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    expect((await next.waitForResponses(1))[0]!.text()).toBe('still serving');
    next.destroy();
  });

  it('should emit aborted and close when the client half-closes mid-body, and answer it once', async () => {
    const { app, piping, seen } = uploadApp(false);
    const { port } = await serve(app);
    const c = await RawClient.connect(port);
    await c.send(`${HEAD_CL}0123456789`);
    await piping;
    c.end();
    expect((await seen).events).toEqual(['aborted', 'close']);
    await c.waitForServerClose();
    expect(c.responses().map((r) => r.status)).toEqual([400]);
  });

  it('should emit aborted and close for a malformed chunk line, and answer the request once', async () => {
    const { app, piping, seen } = uploadApp(false);
    const { port } = await serve(app);
    const c = await RawClient.connect(port);
    await c.send(`${HEAD_CHUNKED}5\r\nhello\r\n`);
    await piping;
    await c.send('zz\r\n');
    expect((await seen).events).toEqual(['aborted', 'close']);
    await c.waitForServerClose();
    const rs = c.responses();
    expect(rs.map((r) => r.status)).toEqual([400]);
    expect(rs[0]!.text()).toBe('upload incomplete');
    expect(rs[0]!.headers['connection']).toBe('close');
  });

  it('should emit aborted and close when the body stalls past requestTimeout', async () => {
    const { app, piping, seen } = uploadApp(false, { requestTimeout: 200, headersTimeout: 200 });
    const { port } = await serve(app);
    const c = await RawClient.connect(port);
    await c.send(`${HEAD_CL}0123456789`);
    await piping;
    expect((await seen).events).toEqual(['aborted', 'close']);
    await c.waitForServerClose();
    expect(c.responses().map((r) => r.status)).toEqual([400]);
  });

  it.each([
    ['the client resets', 'ECONNRESET', 'aborted', undefined],
    ['a chunk line is malformed', 'HPE_INVALID_CHUNK_SIZE', undefined, 400],
    ['the request times out', 'ERR_REQUEST_TIMEOUT', undefined, 408],
  ] as const)('should emit an error to a listener when %s, with code %s', async (how, code, message, status) => {
    const { app, piping, seen } = uploadApp(true, { requestTimeout: 200, headersTimeout: 200 });
    const { port } = await serve(app);
    const c = await RawClient.connect(port);
    await c.send(how === 'a chunk line is malformed' ? `${HEAD_CHUNKED}5\r\nhello\r\n` : `${HEAD_CL}0123456789`);
    await piping;
    if (how === 'the client resets') c.socket.resetAndDestroy();
    if (how === 'a chunk line is malformed') await c.send('zz\r\n');
    const obs = await seen;
    expect(obs.events).toEqual(['aborted', 'error', 'close']);
    const err = obs.error as { code?: string; message: string; status?: number };
    expect(err.code).toBe(code);
    if (message !== undefined) expect(err.message).toBe(message);
    if (status !== undefined) expect(err.status).toBe(status);
    c.destroy();
  });
});

describe('one answer for a request whose body fails', () => {
  /** A handler that reads its body with `for await` and lets a failure reach the error path (or maps it). */
  function readerApp(map: boolean): App {
    const app = new App({ logger: false, requestTimeout: 200, headersTimeout: 200 });
    app.use(async (ctx: Context) => {
      if (ctx.method === 'GET') {
        ctx.body = `GET ${ctx.path}`;
        return;
      }
      try {
        ctx.body = `read ${(await readBody(ctx.req)).length}`;
      } catch (err) {
        if (map) ctx.throw(422, 'Upload rejected');
        throw err;
      }
    });
    return app;
  }

  it("should answer a malformed chunk line with the parser's 400 through the handler, once", async () => {
    const { port } = await serve(readerApp(false));
    const c = await RawClient.connect(port);
    await c.send(`${HEAD_CHUNKED}5\r\nhello\r\nzz\r\n`);
    await c.waitForServerClose();
    const rs = c.responses();
    expect(rs.map((r) => r.status)).toEqual([400]);
    expect(rs[0]!.json()).toMatchObject({ code: 'HPE_INVALID_CHUNK_SIZE' });
  });

  it("should send the handler's own answer to a malformed body and nothing after it", async () => {
    const { port } = await serve(readerApp(true));
    const c = await RawClient.connect(port);
    await c.send(`${HEAD_CHUNKED}5\r\nhello\r\nzz\r\n`);
    await c.waitForServerClose();
    expect(c.responses().map((r) => r.status)).toEqual([422]);
  });

  it('should answer a pipelined request before it, then the failed one, and nothing more', async () => {
    const { port } = await serve(readerApp(false));
    const c = await RawClient.connect(port);
    await c.send(
      `GET /first HTTP/1.1\r\nHost: x\r\n\r\n${HEAD_CHUNKED}5\r\nhello\r\nzz\r\nGET /never HTTP/1.1\r\nHost: x\r\n\r\n`,
    );
    await c.waitForServerClose();
    const rs = c.responses();
    expect(rs.map((r) => r.status)).toEqual([200, 400]);
    expect(rs[0]!.text()).toBe('GET /first');
  });

  it('should not answer a request a second time when its body stalls after it was answered', async () => {
    const app = new App({ logger: false, requestTimeout: 200, headersTimeout: 200 });
    app.use((ctx: Context) => {
      ctx.body = 'answered without reading';
    });
    const { port } = await serve(app);
    const c = await RawClient.connect(port);
    await c.send(`${HEAD_CL}0123456789`);
    await c.waitForServerClose();
    const rs = c.responses();
    expect(rs.map((r) => r.status)).toEqual([200]);
    expect(c.raw.toString('latin1')).not.toContain('408');
  });

  it('should answer 400 ERR_BODY_ABORTED once when the client half-closes mid-body and the handler reads it', async () => {
    const { port } = await serve(readerApp(false));
    const c = await RawClient.connect(port);
    await c.send(`${HEAD_CL}0123456789`);
    c.end();
    await c.waitForServerClose();
    const rs = c.responses();
    expect(rs.map((r) => r.status)).toEqual([400]);
    expect(rs[0]!.json()).toMatchObject({ code: 'ERR_BODY_ABORTED' });
  });

  it('should answer 408 once when the body stalls and the handler reads it', async () => {
    const { port } = await serve(readerApp(false));
    const c = await RawClient.connect(port);
    await c.send(`${HEAD_CL}0123456789`);
    await c.waitForServerClose();
    const rs = c.responses();
    expect(rs.map((r) => r.status)).toEqual([408]);
    expect(rs[0]!.json()).toMatchObject({ code: 'ERR_REQUEST_TIMEOUT' });
  });

  it("should answer a head that stalls behind a pipelined request with 408 after that request's answer", async () => {
    const { port } = await serve(readerApp(false));
    const c = await RawClient.connect(port);
    await c.send('GET /first HTTP/1.1\r\nHost: x\r\n\r\nGET /second HTTP/1.1\r\nHo');
    await c.waitForServerClose();
    expect(c.responses().map((r) => r.status)).toEqual([200, 408]);
  });
});

describe('a request the engine refuses itself', () => {
  it("should answer a malformed HEAD request with the problem's length and no content", async () => {
    const app = new App({ logger: false });
    app.use((ctx: Context) => {
      ctx.body = 'ok';
    });
    const { port } = await serve(app);
    const c = await RawClient.connect(port);
    await c.send('HEAD /a/  HTTP/1.1\r\nHost: x\r\n\r\n');
    await c.waitForServerClose();
    const [head, rest] = c.raw.toString('latin1').split('\r\n\r\n') as [string, string];
    expect(head).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(head).toMatch(/\r\ncontent-length: [1-9]\d*\r\n/);
    expect(rest).toBe('');
  });
});

describe('the same failures through app.inject', () => {
  it('should answer a malformed chunk line once, through the handler', async () => {
    const app = new App({ logger: false });
    app.use(async (ctx: Context) => {
      ctx.body = `read ${(await readBody(ctx.req)).length}`;
    });
    const { responses, closed } = await app.inject(`${HEAD_CHUNKED}5\r\nhello\r\nzz\r\n`);
    expect(responses.map((r) => r.status)).toEqual([400]);
    expect(closed).toBe(true);
  });

  it('should answer a pipelined request, then refuse a malformed head once', async () => {
    const app = new App({ logger: false });
    app.use((ctx: Context) => {
      ctx.body = 'ok';
    });
    const { responses } = await app.inject(
      'GET / HTTP/1.1\r\nHost: x\r\n\r\nGET /\x01 HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n',
    );
    expect(responses.map((r) => r.status)).toEqual([200, 400]);
  });
});
