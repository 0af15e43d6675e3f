/**
 * Request bodies and reading backpressure over raw sockets: the queue of pipelined requests and
 * unread bodies pause reading; a body nobody reads is discarded so the next request is still
 * answered; a reader gets every byte of a body far larger than the buffer; `Expect: 100-continue`
 * is answered when (and only when) the handler reads.
 */
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { App } from '../../src/index.js';
import { RawClient, get, rawRequest } from '../helpers/raw-client.js';
import { closeAll, deferred, readBody, serve } from '../helpers/server.js';
import { spyOnSocket, type WriteSpy } from '../helpers/spy.js';

afterEach(closeAll);

function sha(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

/** A deterministic pseudo-random body, so a reordered or dropped chunk changes the hash. */
function bodyOf(size: number): Buffer {
  const b = Buffer.allocUnsafe(size);
  let x = 0x2545f491;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
}

describe('Connection (reading backpressure)', () => {
  it('should answer every pipelined request with maxPipelinedRequests 2, pausing and resuming reads', async () => {
    const app = new App({ logger: false, maxPipelinedRequests: 2 });
    let spy: WriteSpy | null = null;
    app.use(async (ctx) => {
      spy ??= spyOnSocket(ctx.socket);
      await Promise.resolve();
      ctx.body = ctx.path;
    });
    const { port } = await serve(app);
    const n = 40;
    let bytes = '';
    for (let i = 0; i < n; i++) bytes += get(`/${i}`);
    const { responses } = await rawRequest(port, bytes, { responses: n });
    expect(responses.map((r) => r.text())).toEqual(Array.from({ length: n }, (_, i) => `/${i}`));
    expect(spy!.pauses).toBeGreaterThan(0);
    expect(spy!.resumes).toBeGreaterThan(0);
  });

  it('should let handlers read their bodies with maxPipelinedRequests 1', async () => {
    const app = new App({ logger: false, maxPipelinedRequests: 1 });
    app.use(async (ctx) => {
      ctx.body = `${ctx.path}:${(await readBody(ctx.req)).toString()}`;
    });
    const { port } = await serve(app);
    const post = (path: string, body: string): string =>
      `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
    const { responses } = await rawRequest(port, post('/a', 'one') + get('/b') + post('/c', 'three'), { responses: 3 });
    expect(responses.map((r) => r.text())).toEqual(['/a:one', '/b:', '/c:three']);
  });

  it('should never run more than maxPipelinedRequests handlers at once', async () => {
    const app = new App({ logger: false, maxPipelinedRequests: 3 });
    let running = 0;
    let peak = 0;
    app.use(async (ctx) => {
      peak = Math.max(peak, ++running);
      await new Promise((r) => setImmediate(r));
      running--;
      ctx.body = 'ok';
    });
    const { port } = await serve(app);
    let bytes = '';
    for (let i = 0; i < 30; i++) bytes += get(`/${i}`);
    const { responses } = await rawRequest(port, bytes, { responses: 30 });
    expect(responses).toHaveLength(30);
    expect(peak).toBeLessThanOrEqual(3);
  });

  it('should stop reading new requests while the client does not read its responses', async () => {
    const app = new App({ logger: false, maxPipelinedRequests: 2 });
    const big = Buffer.alloc(1024 * 1024, 0x61);
    const sawFullWriteBuffer: string[] = [];
    app.use((ctx) => {
      // With read backpressure tied to the write buffer, no new request is taken while responses
      // already written wait for a client that is not reading them.
      if (ctx.socket.writableNeedDrain) sawFullWriteBuffer.push(ctx.path);
      ctx.body = big;
    });
    const { port } = await serve(app);
    const c = await RawClient.connect(port);
    c.socket.pause();
    const n = 12;
    let bytes = '';
    for (let i = 0; i < n; i++) bytes += get(`/${i}`);
    await c.send(bytes);
    c.socket.resume();
    const rs = await c.waitForResponses(n);
    expect(rs.every((r) => r.body.length === big.length)).toBe(true);
    expect(sawFullWriteBuffer).toEqual([]);
    c.destroy();
  });
});

describe('Connection (request bodies)', () => {
  it('should give a for-await reader every byte of a body much larger than bodyHighWaterMark', async () => {
    const app = new App({ logger: false, bodyHighWaterMark: 16 * 1024 });
    app.use(async (ctx) => {
      const body = await readBody(ctx.req);
      ctx.body = { length: body.length, sha: sha(body) };
    });
    const { port } = await serve(app);
    const body = bodyOf(4 * 1024 * 1024 + 7);
    const head = `POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n`;
    const [res] = (await rawRequest(port, [head, body], { responses: 1 })).responses;
    expect(res!.json()).toEqual({ length: body.length, sha: sha(body) });
  });

  it('should give a reader every byte of a large chunked body', async () => {
    const app = new App({ logger: false, bodyHighWaterMark: 8 * 1024 });
    app.use(async (ctx) => {
      const body = await readBody(ctx.req);
      ctx.body = { length: body.length, sha: sha(body) };
    });
    const { port } = await serve(app);
    const body = bodyOf(1024 * 1024);
    const parts: (string | Buffer)[] = ['POST /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n'];
    for (let i = 0; i < body.length; i += 10_000) {
      const piece = body.subarray(i, i + 10_000);
      parts.push(`${piece.length.toString(16)}\r\n`, piece, '\r\n');
    }
    parts.push('0\r\n\r\n');
    const [res] = (
      await rawRequest(port, Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : p))), {
        responses: 1,
      })
    ).responses;
    expect(res!.json()).toEqual({ length: body.length, sha: sha(body) });
  });

  it('should discard a large body the handler never reads and still answer the next pipelined request', async () => {
    const app = new App({ logger: false, bodyHighWaterMark: 16 * 1024 });
    app.use((ctx) => {
      ctx.body = `answered ${ctx.method} ${ctx.path}`;
    });
    const { port } = await serve(app);
    const body = bodyOf(2 * 1024 * 1024);
    const post = `POST /ignored HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n`;
    const r = await rawRequest(port, [post, body, get('/next')], { responses: 2 });
    expect(r.responses.map((x) => x.text())).toEqual(['answered POST /ignored', 'answered GET /next']);
    expect(r.responses[0]!.headers['connection']).toBeUndefined();
  });

  it('should answer before the unread body has arrived, then keep the connection usable', async () => {
    const app = new App({ logger: false });
    app.use((ctx) => {
      ctx.body = `answered ${ctx.path}`;
    });
    const { port } = await serve(app);
    const c = await RawClient.connect(port);
    await c.send('POST /early HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nhello');
    const [first] = await c.waitForResponses(1);
    expect(first!.text()).toBe('answered /early');
    await c.send('world' + get('/after'));
    const both = await c.waitForResponses(2);
    expect(both[1]!.text()).toBe('answered /after');
    c.destroy();
  });
});

describe('Connection (Expect: 100-continue)', () => {
  const head = (len: number, extra = ''): string =>
    `POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: ${len}\r\nExpect: 100-continue\r\n${extra}\r\n`;

  it('should write 100 Continue when the handler first reads the body', async () => {
    const app = new App({ logger: false });
    app.use(async (ctx) => {
      ctx.body = `got ${(await readBody(ctx.req)).toString()}`;
    });
    const { port } = await serve(app);
    const c = await RawClient.connect(port);
    await c.send(head(5));
    // A well-behaved client waits for the interim response before sending the body.
    const [interim] = await c.waitForResponses(1);
    expect(interim!.status).toBe(100);
    expect(interim!.head).toBe('HTTP/1.1 100 Continue');
    await c.send('hello');
    const rs = await c.waitForResponses(2);
    expect(rs[1]!.status).toBe(200);
    expect(rs[1]!.text()).toBe('got hello');
    // Still usable afterwards.
    await c.send(get('/'));
    expect((await c.waitForResponses(3))[2]!.status).toBe(200);
    c.destroy();
  });

  it('should write 100 Continue for a pipelined request only once the response before it is out', async () => {
    const app = new App({ logger: false });
    const slow = deferred();
    const asked = deferred();
    app.use(async (ctx) => {
      if (ctx.path === '/slow') {
        await slow.promise;
        ctx.body = 'slow';
        return;
      }
      asked.resolve();
      ctx.body = `got ${(await readBody(ctx.req)).toString()}`;
    });
    const { port } = await serve(app);
    const c = await RawClient.connect(port);
    await c.send(get('/slow') + head(5));
    // The second handler wants its body while the first response is still owed: an interim
    // response now would be read as the first request's.
    await asked.promise;
    slow.resolve();
    const rs = await c.waitForResponses(2);
    expect(rs.map((r) => r.status)).toEqual([200, 100]);
    expect(rs[0]!.text()).toBe('slow');
    await c.send('hello');
    const all = await c.waitForResponses(3);
    expect(all[2]!.status).toBe(200);
    expect(all[2]!.text()).toBe('got hello');
    c.destroy();
  });

  it('should not write 100 Continue when the handler answers without reading, and close after', async () => {
    const app = new App({ logger: false });
    app.use((ctx) => {
      ctx.status = 403;
      ctx.body = 'no uploads';
    });
    const { port } = await serve(app);
    const r = await rawRequest(port, head(1000));
    expect(r.closed).toBe(true);
    expect(r.responses.map((x) => x.status)).toEqual([403]);
    expect(r.raw.toString('latin1')).not.toContain('100 Continue');
    expect(r.responses[0]!.headers['connection']).toBe('close');
  });

  it('should answer an unsupported expectation with 417 problem+json and close', async () => {
    const app = new App({ logger: false });
    let ran = false;
    app.use((ctx) => {
      ran = true;
      ctx.body = 'x';
    });
    const { port } = await serve(app);
    const r = await rawRequest(port, 'POST / HTTP/1.1\r\nHost: x\r\nExpect: foo\r\nContent-Length: 0\r\n\r\n');
    expect(r.responses.map((x) => x.status)).toEqual([417]);
    expect(r.responses[0]!.json()['code']).toBe('ERR_EXPECTATION_FAILED');
    expect(r.closed).toBe(true);
    expect(ran).toBe(false);
  });
});
