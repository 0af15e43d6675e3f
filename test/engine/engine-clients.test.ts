/**
 * Real clients against the engine: Node's global fetch (undici, keep-alive by default) and
 * supertest. What they prove that raw sockets cannot: a mainstream client's framing, connection
 * reuse and concurrency all agree with ours.
 */
import type { AddressInfo } from 'node:net';
import supertest from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { App, type Server } from '../../src/index.js';
import { closeAll, readBody, serve } from '../helpers/server.js';

afterEach(closeAll);

/** An app that tells which server-side socket answered, to observe connection reuse. */
function app(): App {
  const a = new App({ logger: false });
  const sockets = new Map<object, number>();
  a.use(async (ctx) => {
    if (!sockets.has(ctx.socket)) sockets.set(ctx.socket, sockets.size + 1);
    const conn = sockets.get(ctx.socket)!;
    if (ctx.path === '/echo') {
      const body = await readBody(ctx.req);
      ctx.type = ctx.get('content-type') || 'application/octet-stream';
      ctx.body = body;
      return;
    }
    if (ctx.path === '/stream') {
      ctx.body = (async function* () {
        for (let i = 0; i < 5; i++) yield `part ${i}\n`;
      })();
      return;
    }
    ctx.body = { conn, path: ctx.path, method: ctx.method };
  });
  return a;
}

describe('with fetch (undici keep-alive)', () => {
  it('should keep connections alive across sequential requests', async () => {
    const { url } = await serve(app());
    const conns = new Set<number>();
    for (let i = 0; i < 10; i++) {
      const res = await fetch(`${url}/seq/${i}`);
      expect(res.status).toBe(200);
      const body = (await res.json()) as { conn: number; path: string };
      expect(body.path).toBe(`/seq/${i}`);
      conns.add(body.conn);
    }
    // undici's pool may alternate between two sockets (one is released a tick after the body is
    // read), but ten requests never needed ten connections: they were kept alive and reused.
    expect(conns.size).toBeLessThanOrEqual(2);
  });

  it('should answer many concurrent requests', async () => {
    const { url } = await serve(app());
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) => fetch(`${url}/c/${i}`).then((r) => r.json() as Promise<{ path: string }>)),
    );
    expect(results.map((r) => r.path)).toEqual(Array.from({ length: 30 }, (_, i) => `/c/${i}`));
  });

  it('should round-trip a POST body', async () => {
    const { url } = await serve(app());
    const payload = JSON.stringify({ hello: 'world', n: [1, 2, 3] });
    const res = await fetch(`${url}/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: payload,
    });
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.text()).toBe(payload);
  });

  it('should read a chunked streamed body', async () => {
    const { url } = await serve(app());
    const res = await fetch(`${url}/stream`);
    expect(res.headers.get('transfer-encoding')).toBe('chunked');
    expect(await res.text()).toBe('part 0\npart 1\npart 2\npart 3\npart 4\n');
  });

  it('should answer HEAD without a body', async () => {
    const { url } = await serve(app());
    const res = await fetch(`${url}/h`, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(Number(res.headers.get('content-length'))).toBeGreaterThan(0);
    expect(await res.text()).toBe('');
  });
});

describe('with supertest', () => {
  let server: Server | null = null;
  afterEach(async () => {
    await server?.close();
    server = null;
  });

  it('should work with supertest(app.listen(0))', async () => {
    server = app().listen(0);
    const res = await supertest(server as never)
      .get('/st')
      .expect(200);
    expect(res.body).toMatchObject({ path: '/st', method: 'GET' });
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
  });

  it('should send a JSON body with supertest', async () => {
    server = app().listen(0);
    const res = await supertest(server as never)
      .post('/echo')
      .send({ a: 1 })
      .expect(200);
    expect(res.body).toEqual({ a: 1 });
  });

  it('should report its address once listening', async () => {
    server = app().listen(0);
    await new Promise<void>((resolve) => server!.once('listening', () => resolve()));
    const addr = server.address() as AddressInfo;
    expect(addr.port).toBeGreaterThan(0);
  });
});
