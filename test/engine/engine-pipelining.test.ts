/**
 * Pipelining over raw sockets (RFC 9112 §9.3.2): requests that arrive together are answered in
 * order, responses ready together leave in one write, and the same bytes split at every byte
 * boundary give the same answers.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { App, type Context } from '../../src/index.js';
import { RawClient, get, rawRequest } from '../helpers/raw-client.js';
import { closeAll, deferred, readBody, serve } from '../helpers/server.js';
import { spyOnSocket, type WriteSpy } from '../helpers/spy.js';
import type { WireResponse } from '../helpers/http-wire.js';

afterEach(closeAll);

/** Answers `METHOD path body-length:body` so every response is tied to its request. */
function echoApp(): App {
  const app = new App({ logger: false });
  app.use(async (ctx) => {
    const body = await readBody(ctx.req);
    ctx.set('x-path', ctx.path);
    ctx.body = `${ctx.method} ${ctx.path} ${body.length}:${body.toString('latin1')}`;
  });
  return app;
}

/** A mix of framings: bare GET, Content-Length body, chunked body with an extension, HEAD. */
const MIXED = [
  get('/a'),
  'POST /b HTTP/1.1\r\nHost: localhost\r\nContent-Length: 11\r\n\r\nhello world',
  'POST /c HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\n\r\n',
  'HEAD /d HTTP/1.1\r\nHost: localhost\r\n\r\n',
  get('/e?x=1', 'Connection: close\r\n'),
].join('');
const MIXED_METHODS = ['GET', 'POST', 'POST', 'HEAD', 'GET'];

/** The parts of a response that must not depend on how the request bytes were split. */
function essence(r: WireResponse): unknown {
  return {
    status: r.status,
    path: r.headers['x-path'],
    length: r.headers['content-length'],
    connection: r.headers['connection'],
    body: r.text(),
  };
}

describe('Connection (pipelining)', () => {
  it('should answer many pipelined requests in order', async () => {
    const { port } = await serve(echoApp());
    const n = 50;
    let bytes = '';
    for (let i = 0; i < n; i++) bytes += get(`/${i}`);
    const { responses } = await rawRequest(port, bytes, { responses: n });
    expect(responses.map((r) => r.headers['x-path'])).toEqual(Array.from({ length: n }, (_, i) => `/${i}`));
  });

  it('should answer pipelined requests of every framing in order', async () => {
    const { port } = await serve(echoApp());
    const r = await rawRequest(port, MIXED, { methods: MIXED_METHODS });
    expect(r.closed).toBe(true);
    expect(r.rest.length).toBe(0);
    expect(r.responses.map((x) => x.text())).toEqual([
      'GET /a 0:',
      'POST /b 11:hello world',
      'POST /c 11:hello world',
      '',
      'GET /e 0:',
    ]);
    // HEAD: the length the body would have had, and no body.
    expect(r.responses[3]!.headers['content-length']).toBe(String('HEAD /d 0:'.length));
  });

  it('should send pipelined responses that are ready together in one socket write', async () => {
    const app = new App({ logger: false });
    let spy: WriteSpy | null = null;
    app.use((ctx) => {
      spy ??= spyOnSocket(ctx.socket);
      ctx.body = `r${ctx.path}`;
    });
    const { port } = await serve(app);
    const n = 10;
    let bytes = '';
    for (let i = 0; i < n; i++) bytes += get(`/${i}`);
    const { responses } = await rawRequest(port, bytes, { responses: n });
    expect(responses.map((r) => r.text())).toEqual(Array.from({ length: n }, (_, i) => `r/${i}`));
    // All ten handlers finished before the first flush, so all ten responses leave in one writev.
    expect(spy!.calls).toHaveLength(1);
    expect(spy!.calls[0]!.toString('latin1').match(/HTTP\/1\.1 200/g)).toHaveLength(n);
  });

  it('should answer a slow first request before a fast second one, both in one write', async () => {
    const app = new App({ logger: false });
    const secondDone = deferred();
    let spy: WriteSpy | null = null;
    app.use(async (ctx) => {
      spy ??= spyOnSocket(ctx.socket);
      if (ctx.path === '/slow') await secondDone.promise;
      ctx.body = ctx.path;
      if (ctx.path === '/fast') secondDone.resolve();
    });
    const { port } = await serve(app);
    const { responses } = await rawRequest(port, get('/slow') + get('/fast'), { responses: 2 });
    expect(responses.map((r) => r.text())).toEqual(['/slow', '/fast']);
    // The fast response waited, ready, for the slow one; they left together.
    expect(spy!.calls).toHaveLength(1);
  });

  it('should answer the same pipeline identically when it arrives one byte per write', async () => {
    const { port } = await serve(echoApp());
    const whole = await rawRequest(port, MIXED, { methods: MIXED_METHODS });
    const split = await rawRequest(port, MIXED, { methods: MIXED_METHODS, byteByByte: true });
    expect(split.responses.map(essence)).toEqual(whole.responses.map(essence));
    expect(split.responses).toHaveLength(5);
    expect(split.closed).toBe(true);
  });

  it('should answer a pipeline split at every single byte boundary identically', async () => {
    const { port } = await serve(echoApp());
    const bytes = Buffer.from(MIXED, 'latin1');
    const expected = (await rawRequest(port, bytes, { methods: MIXED_METHODS })).responses.map(essence);
    // Every two-piece split, each piece its own write: a boundary in every state of the parser.
    // A fast subset of boundaries would miss states; all of them take well under a second.
    for (let cut = 1; cut < bytes.length; cut++) {
      const r = await rawRequest(port, [bytes.subarray(0, cut), bytes.subarray(cut)], { methods: MIXED_METHODS });
      expect(r.responses.map(essence), `split at byte ${cut}`).toEqual(expected);
    }
  });

  it('should dispatch a pipelined request before the previous response was written', async () => {
    const app = new App({ logger: false });
    const secondStarted = deferred();
    app.use(async (ctx: Context) => {
      // The first handler can only finish once the second one has started: proof that pipelined
      // requests run concurrently rather than one after the other.
      if (ctx.path === '/first') await secondStarted.promise;
      else secondStarted.resolve();
      ctx.body = ctx.path;
    });
    const { port } = await serve(app);
    const c = await RawClient.connect(port);
    await c.send(get('/first') + get('/second'));
    const rs = await c.waitForResponses(2);
    expect(rs.map((r) => r.text())).toEqual(['/first', '/second']);
    c.destroy();
  });
});
