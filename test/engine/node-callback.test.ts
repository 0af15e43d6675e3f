/**
 * `app.callback()`: the app's stack and Context on Node's own servers — node:http, node:https and
 * node:http2's compatibility API — with Node parsing the requests and framing the responses, and
 * the engine's rules (framing decisions, declared lengths, the one error path, aborts) kept.
 */
import http from 'node:http';
import https from 'node:https';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import supertest from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { App } from '../../src/http/app.js';
import { readBody } from '../../src/http/read-body.js';
import { RawClient } from '../helpers/raw-client.js';
import { deferred } from '../helpers/server.js';
import { testCertificate } from '../helpers/tls-cert.js';

const servers: (http.Server | http2.Http2SecureServer)[] = [];
const sessions: http2.ClientHttp2Session[] = [];

afterEach(async () => {
  for (const s of sessions.splice(0)) s.destroy();
  await Promise.all(
    servers.splice(0).map(
      (s) =>
        new Promise<void>((resolve) => {
          s.close(() => resolve());
          if (s instanceof http.Server) s.closeAllConnections();
        }),
    ),
  );
});

/** Starts `server` on an ephemeral port of 127.0.0.1 and resolves with the port. */
async function start(server: http.Server | http2.Http2SecureServer): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** An app with one route per behaviour under test, and the errors it reported. */
function demoApp(options: { bodyHighWaterMark?: number } = {}): { app: App; errors: Error[] } {
  const app = new App({ logger: false, ...options });
  const errors: Error[] = [];
  app.on('error', (err: Error) => errors.push(err));
  app.use(async (ctx) => {
    switch (ctx.path) {
      case '/json':
        ctx.body = { version: ctx.req.httpVersion, host: ctx.host, protocol: ctx.protocol, path: ctx.get(':path') };
        return;
      case '/text':
        ctx.body = 'plain text';
        return;
      case '/stream':
        ctx.body = Readable.from(['a', 'b', 'c']);
        return;
      case '/short':
        ctx.length = 10;
        ctx.body = Readable.from(['abc']);
        return;
      case '/over':
        ctx.length = 2;
        ctx.body = Readable.from(['abc']);
        return;
      case '/empty':
        ctx.status = 204;
        return;
      case '/bye':
        ctx.set('connection', 'close');
        ctx.body = 'bye';
        return;
      case '/status-600':
        ctx.status = 600;
        ctx.body = 'not for HTTP/2';
        return;
      case '/fail':
        throw new Error('secret detail');
      case '/teapot':
        ctx.throw(418, 'short and stout');
        return;
      case '/read-body':
        ctx.body = { got: (await readBody(ctx, { limit: 1024 })).toString() };
        return;
      case '/read-req': {
        let size = 0;
        for await (const chunk of ctx.req) size += (chunk as Buffer).length;
        ctx.body = { size, complete: ctx.req.complete };
        return;
      }
    }
  });
  return { app, errors };
}

/** One request over an HTTP/2 session: the response head, its body, and how the stream ended. */
function h2request(
  session: http2.ClientHttp2Session,
  headers: http2.OutgoingHttpHeaders,
): Promise<{ head: http2.IncomingHttpHeaders; body: string; rstCode: number | undefined; error: string | null }> {
  return new Promise((resolve) => {
    const s = session.request(headers);
    let head: http2.IncomingHttpHeaders = {};
    let body = '';
    let error: string | null = null;
    s.setEncoding('utf8');
    s.on('response', (h) => (head = h));
    s.on('data', (d: string) => (body += d));
    s.on('error', (err: NodeJS.ErrnoException) => (error = err.code ?? err.message));
    s.on('close', () => resolve({ head, body, rstCode: s.rstCode, error }));
  });
}

/** A GET over HTTPS/1.1 that trusts the test certificate. */
function httpsGet(port: number, path: string, ca: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    https
      .get({ host: '127.0.0.1', port, path, ca, servername: 'localhost' }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      })
      .on('error', reject);
  });
}

describe('app.callback() under node:http', () => {
  it('should answer JSON and text with the Content-Length Node frames them by', async () => {
    const port = await start(http.createServer(demoApp().app.callback()));
    const json = await fetch(`http://127.0.0.1:${port}/json`);
    expect(json.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await json.json()).toEqual({ version: '1.1', host: `127.0.0.1:${port}`, protocol: 'http', path: '' });
    const text = await fetch(`http://127.0.0.1:${port}/text`);
    expect([text.status, text.headers.get('content-length'), await text.text()]).toEqual([200, '10', 'plain text']);
  });

  it('should stream a body of unknown length chunked, and keep the connection for HEAD and 204', async () => {
    const port = await start(http.createServer(demoApp().app.callback()));
    const c = await RawClient.connect(port);
    await c.send(
      'GET /stream HTTP/1.1\r\nHost: x\r\n\r\nHEAD /text HTTP/1.1\r\nHost: x\r\n\r\nGET /empty HTTP/1.1\r\nHost: x\r\n\r\n',
    );
    const [stream, head, empty] = await c.waitForResponses(3, ['GET', 'HEAD', 'GET']);
    expect([stream!.chunked, stream!.text()]).toEqual([true, 'abc']);
    expect([head!.status, head!.headers['content-length'], head!.body.length]).toEqual([200, '10', 0]);
    expect([empty!.status, empty!.headers['content-length'], empty!.body.length]).toEqual([204, undefined, 0]);
    expect(c.serverClosed).toBe(false);
    c.destroy();
  });

  it('should destroy the response when a stream ends short of its declared length, and report it', async () => {
    const { app, errors } = demoApp();
    const port = await start(http.createServer(app.callback()));
    const c = await RawClient.connect(port);
    await c.send('GET /short HTTP/1.1\r\nHost: x\r\n\r\n');
    await c.waitForServerClose();
    const { responses, rest } = c.result();
    expect(responses).toEqual([]);
    expect(rest.toString('latin1')).toMatch(/^HTTP\/1\.1 200 OK\r\n[^]*content-length: 10\r\n[^]*\r\n\r\nabc$/i);
    expect(errors.map((e) => e.message)).toEqual([expect.stringContaining('ended 7 bytes short')]);
  });

  it('should cut a stream that runs over its declared length there, and close the connection after it', async () => {
    const { app, errors } = demoApp();
    const port = await start(http.createServer(app.callback()));
    const c = await RawClient.connect(port);
    await c.send('GET /over HTTP/1.1\r\nHost: x\r\n\r\n');
    await c.waitForServerClose();
    const { responses, rest } = c.result();
    expect([responses.length, responses[0]!.text(), rest.length]).toEqual([1, 'ab', 0]);
    expect(errors.map((e) => e.message)).toEqual([expect.stringContaining('ran over')]);
  });

  it('should honour Connection: close set by the app', async () => {
    const port = await start(http.createServer(demoApp().app.callback()));
    const c = await RawClient.connect(port);
    await c.send('GET /bye HTTP/1.1\r\nHost: x\r\n\r\n');
    await c.waitForServerClose();
    const [res] = c.responses();
    expect([res!.headers['connection'], res!.text()]).toEqual(['close', 'bye']);
  });

  it('should answer errors as problem+json through the one error path, which reports them', async () => {
    const { app, errors } = demoApp();
    const port = await start(http.createServer(app.callback()));
    const fail = await fetch(`http://127.0.0.1:${port}/fail`);
    expect(fail.status).toBe(500);
    expect(fail.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
    expect(await fail.json()).toEqual({
      type: 'about:blank',
      title: 'Internal Server Error',
      status: 500,
      code: 'ERR_INTERNAL',
    });
    const teapot = await fetch(`http://127.0.0.1:${port}/teapot`);
    expect([teapot.status, ((await teapot.json()) as { detail: string }).detail]).toEqual([418, 'short and stout']);
    expect(errors.map((e) => e.message)).toEqual(['secret detail', 'short and stout']);
  });

  it('should read a request body with readBody() and through ctx.req', async () => {
    const port = await start(http.createServer(demoApp().app.callback()));
    const viaReadBody = await fetch(`http://127.0.0.1:${port}/read-body`, { method: 'POST', body: 'hello' });
    expect(await viaReadBody.json()).toEqual({ got: 'hello' });
    const viaReq = await fetch(`http://127.0.0.1:${port}/read-req`, { method: 'POST', body: 'x'.repeat(300) });
    expect(await viaReq.json()).toEqual({ size: 300, complete: true });
  });

  it('should deliver a body many times bodyHighWaterMark whole, pausing and resuming Node’s request', async () => {
    const port = await start(http.createServer(demoApp({ bodyHighWaterMark: 1024 }).app.callback()));
    const body = Buffer.alloc(1024 * 1024, 'y');
    const res = await fetch(`http://127.0.0.1:${port}/read-req`, { method: 'POST', body });
    expect(await res.json()).toEqual({ size: body.length, complete: true });
  });

  it('should tell the handler when the client resets mid-body: ctx.req fails as Node’s, ctx.signal aborts', async () => {
    const app = new App({ logger: false });
    const started = deferred();
    const seen = deferred<{ events: string[]; code: unknown; cause: unknown }>();
    app.use(async (ctx) => {
      const events: string[] = [];
      ctx.req.on('aborted', () => events.push('aborted'));
      const failed = new Promise<NodeJS.ErrnoException>((resolve) => ctx.req.once('error', resolve));
      const closed = new Promise((resolve) => ctx.req.once('close', resolve));
      ctx.req.once('data', () => started.resolve());
      const err = await failed;
      await closed;
      events.push('close');
      const reason = ctx.signal.reason as Error & { cause?: NodeJS.ErrnoException };
      seen.resolve({ events, code: err.code, cause: reason.cause?.code });
    });
    const port = await start(http.createServer(app.callback()));
    const c = await RawClient.connect(port);
    await c.send('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\npartial');
    await started.promise;
    c.socket.resetAndDestroy();
    // The body fails as on the own engine; the signal's reason carries the socket's own error.
    expect(await seen.promise).toEqual({ events: ['aborted', 'close'], code: 'ECONNRESET', cause: 'ECONNRESET' });
  });

  it('should abort the signal of every request on a connection whose client left, pipelined ones included', async () => {
    const app = new App({ logger: false });
    const running: string[] = [];
    const bothRunning = deferred();
    const bothAborted = deferred();
    let aborted = 0;
    app.use(async (ctx) => {
      running.push(ctx.path);
      if (running.length === 2) bothRunning.resolve();
      await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }));
      if (++aborted === 2) bothAborted.resolve();
      ctx.body = 'too late';
    });
    const port = await start(http.createServer(app.callback()));
    const c = await RawClient.connect(port);
    await c.send('GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n');
    await bothRunning.promise;
    c.socket.resetAndDestroy();
    await bothAborted.promise;
    expect(running).toEqual(['/a', '/b']);
  });

  it('should serve supertest(app.callback()) as Koa apps are tested', async () => {
    const { app } = demoApp();
    await supertest(app.callback()).get('/json').expect(200).expect('content-type', /json/);
    const res = await supertest(app.callback()).post('/read-body').send('from supertest').expect(200);
    expect(res.body).toEqual({ got: 'from supertest' });
  });

  it('should serve HTTPS through node:https, seen as https by the Context', async () => {
    const { key, cert } = testCertificate();
    const port = await start(https.createServer({ key, cert }, demoApp().app.callback()));
    const res = await httpsGet(port, '/json', cert);
    expect([res.status, JSON.parse(res.body)]).toEqual([
      200,
      { version: '1.1', host: `127.0.0.1:${port}`, protocol: 'https', path: '' },
    ]);
  });
});

describe("app.callback() under node:http2's compatibility API", () => {
  async function h2(): Promise<{ port: number; session: http2.ClientHttp2Session; errors: Error[]; cert: string }> {
    const { key, cert } = testCertificate();
    const { app, errors } = demoApp();
    const port = await start(http2.createSecureServer({ key, cert, allowHTTP1: true }, app.callback()));
    const session = http2.connect(`https://localhost:${port}`, { ca: cert });
    sessions.push(session);
    return { port, session, errors, cert };
  }

  it('should serve JSON to an HTTP/2 client as a 1.1 request with Host from :authority', async () => {
    const { port, session } = await h2();
    const res = await h2request(session, { ':path': '/json' });
    expect(res.head[':status']).toBe(200);
    expect(res.head['content-length']).toBe(String(Buffer.byteLength(res.body)));
    expect(JSON.parse(res.body)).toEqual({ version: '1.1', host: `localhost:${port}`, protocol: 'https', path: '' });
  });

  it('should stream a body over HTTP/2', async () => {
    const { session } = await h2();
    const res = await h2request(session, { ':path': '/stream' });
    expect([res.head[':status'], res.head['content-length'], res.body, res.rstCode]).toEqual([
      200,
      undefined,
      'abc',
      0,
    ]);
  });

  it('should answer an error as problem+json over HTTP/2', async () => {
    const { session, errors } = await h2();
    const res = await h2request(session, { ':path': '/teapot' });
    expect(res.head[':status']).toBe(418);
    expect(res.head['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(JSON.parse(res.body)).toMatchObject({ status: 418, detail: 'short and stout' });
    expect(errors).toHaveLength(1);
  });

  it('should answer 500 through the one error path for a status HTTP/2 cannot carry', async () => {
    const { session, errors } = await h2();
    const res = await h2request(session, { ':path': '/status-600' });
    expect([res.head[':status'], JSON.parse(res.body).code]).toEqual([500, 'ERR_INTERNAL']);
    expect(errors).toHaveLength(1);
  });

  it('should reset the stream with INTERNAL_ERROR when a body ends short of its declared length', async () => {
    const { session, errors } = await h2();
    const res = await h2request(session, { ':path': '/short' });
    expect([res.head['content-length'], res.rstCode]).toEqual(['10', http2.constants.NGHTTP2_INTERNAL_ERROR]);
    expect(errors.map((e) => e.message)).toEqual([expect.stringContaining('ended 7 bytes short')]);
  });

  it('should abort the handler’s signal when the client resets the stream', async () => {
    const { key, cert } = testCertificate();
    const app = new App({ logger: false });
    const started = deferred();
    const reason = deferred<unknown>();
    app.use(async (ctx) => {
      started.resolve();
      await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }));
      reason.resolve(ctx.signal.reason);
    });
    const port = await start(http2.createSecureServer({ key, cert }, app.callback()));
    const session = http2.connect(`https://localhost:${port}`, { ca: cert });
    sessions.push(session);
    const stream = session.request({ ':path': '/' });
    stream.on('error', () => {});
    await started.promise;
    stream.close(http2.constants.NGHTTP2_CANCEL);
    expect(await reason.promise).toBeInstanceOf(Error);
  });

  it('should serve an HTTP/1.1 client on the same secure server', async () => {
    const { port, cert } = await h2();
    const res = await httpsGet(port, '/json', cert);
    expect([res.status, JSON.parse(res.body)]).toEqual([
      200,
      { version: '1.1', host: `127.0.0.1:${port}`, protocol: 'https', path: '' },
    ]);
  });
});
