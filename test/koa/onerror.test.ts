/**
 * `koa-onerror` from npm: it replaces `app.context.onerror` with Koa's contract (`this` is the
 * context; it reports through `this.app.emit('error')` and answers through `this.res.end()`),
 * choosing text, JSON or HTML by the request's Accept. shallot's default problem+json gives way to it.
 */
import { PassThrough } from 'node:stream';
import { onerror } from 'koa-onerror';
import { describe, expect, it } from 'vitest';
import { App, HttpError } from '../../src/index.js';

function appWithOnerror() {
  const app = new App({ logger: false });
  const reported: string[] = [];
  app.on('error', (err: Error) => reported.push(err.message));
  onerror(app, { json: (err: Error, ctx: { body: unknown }) => (ctx.body = { oops: err.message }) });
  app.get('/teapot', () => {
    throw new HttpError(418, 'short and stout', { expose: true });
  });
  app.post('/upload', () => {
    throw new Error('refused before reading');
  });
  app.get('/stream', (ctx) => {
    const s = new PassThrough();
    s.on('error', ctx.onerror);
    s.emit('error', Object.assign(new Error('no such file'), { code: 'ENOENT' }));
    ctx.body = 'never sent';
  });
  return { app, reported };
}

describe('koa-onerror', () => {
  it('should answer JSON through its json handler for a client that accepts JSON', async () => {
    const { app, reported } = appWithOnerror();
    const { responses } = await app.inject({ url: '/teapot', headers: { accept: 'application/json' } });
    const res = responses[0]!;
    expect(res.status).toBe(418);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.json()).toEqual({ oops: 'short and stout' });
    expect(reported).toEqual(['short and stout']);
  });

  it('should answer text for a client that asks for text, with the exposed message', async () => {
    const { app } = appWithOnerror();
    const { responses } = await app.inject({ url: '/teapot', headers: { accept: 'text/plain' } });
    expect(responses[0]!.status).toBe(418);
    expect(responses[0]!.headers['content-type']).toMatch(/^text\/plain/);
    expect(responses[0]!.text()).toBe('short and stout');
  });

  it('should answer its HTML page for a client that accepts anything, as under Koa', async () => {
    const { app } = appWithOnerror();
    const { responses } = await app.inject({ url: '/teapot' });
    expect(responses[0]!.status).toBe(418);
    expect(responses[0]!.headers['content-type']).toMatch(/^text\/html/);
    expect(responses[0]!.text()).toContain('<title>Error - 418</title>');
  });

  it('should drain an unread request body and keep the connection for the next request', async () => {
    const { app } = appWithOnerror();
    const body = 'x'.repeat(1000);
    const wire =
      `POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: ${body.length}\r\nAccept: application/json\r\n\r\n${body}` +
      'GET /teapot HTTP/1.1\r\nHost: a\r\nAccept: application/json\r\n\r\n';
    const { responses, closed } = await app.inject(wire);
    expect(responses.map((r) => r.status)).toEqual([500, 418]);
    expect(closed).toBe(false);
  });

  it("should map a stream's ENOENT to 404 when the stream reports through ctx.onerror", async () => {
    const { app, reported } = appWithOnerror();
    const { responses } = await app.inject({ url: '/stream', headers: { accept: 'application/json' } });
    expect(responses[0]!.status).toBe(404);
    expect(responses[0]!.json()).toEqual({ oops: 'no such file' });
    expect(reported).toEqual(['no such file']);
  });
});
