/**
 * Content is held to the length its head promised (RFC 9112 §6.3): a stream that ends short, or
 * runs over, never leaves the connection open for the next response to be read as part of it.
 * Short → the connection closes after what was written; over → exactly the promised bytes, then
 * close. Either way it is reported as a server error, once.
 */
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { App, type Context } from '../../src/index.js';
import { serveStatic } from '../../src/middleware/index.js';
import { RawClient, rawRequest } from '../helpers/raw-client.js';
import { closeAll, serve } from '../helpers/server.js';

afterEach(closeAll);

const get = (path: string): string => `GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`;

/** /short promises 10 bytes and sends 5, /over promises 10 and sends 15, /next answers 'next'. */
function lengthApp(errors: unknown[]): App {
  const app = new App({ logger: false });
  app.on('error', (err) => errors.push(err));
  app.use((ctx: Context) => {
    if (ctx.path === '/next') {
      ctx.body = 'next';
      return;
    }
    const parts = ctx.path === '/short' ? ['abc', 'de'] : ['abcde', 'fghij', 'klmno'];
    ctx.body = Readable.from(parts.map((p) => Buffer.from(p)));
    ctx.length = 10;
  });
  return app;
}

describe('a stream body against its Content-Length', () => {
  it('should close the connection after a stream that ends short, so the next response is not read as its content', async () => {
    const errors: unknown[] = [];
    const { port } = await serve(lengthApp(errors));
    const c = await RawClient.connect(port);
    await c.send(get('/short') + get('/next'));
    await c.waitForServerClose();
    const raw = c.raw.toString('latin1');
    expect(raw).toMatch(/content-length: 10\r\n/);
    expect(raw.endsWith('\r\n\r\nabcde')).toBe(true);
    expect(raw).not.toContain('next');
    expect(errors.map((e) => (e as Error).message)).toEqual([
      expect.stringContaining('5 bytes short of its Content-Length of 10'),
    ]);
  });

  it('should write exactly the promised bytes of a stream that runs over, then close', async () => {
    const errors: unknown[] = [];
    const { port } = await serve(lengthApp(errors));
    const c = await RawClient.connect(port);
    await c.send(get('/over') + get('/next'));
    await c.waitForServerClose();
    const rs = c.responses();
    expect(rs.map((r) => r.text())).toEqual(['abcdefghij']);
    expect(c.raw.toString('latin1').endsWith('abcdefghij')).toBe(true);
    expect(errors.map((e) => (e as Error).message)).toEqual([
      expect.stringContaining('ran over its Content-Length of 10'),
    ]);
  });

  it('should answer the same way through app.inject', async () => {
    const { responses, raw, closed } = await lengthApp([]).inject(get('/short') + get('/next'));
    expect(responses).toHaveLength(1);
    expect(raw.toString('latin1')).not.toContain('next');
    expect(closed).toBe(true);
  });
});

describe('a client that closes once it has every promised byte', () => {
  it('should count the response as finished, not aborted, though the source has not ended yet', async () => {
    const app = new App({ logger: false });
    let ended: (how: string) => void = () => {};
    const how = new Promise<string>((r) => (ended = r));
    app.use((ctx: Context) => {
      let finished = false;
      ctx.res.on('finish', () => (finished = true));
      // All ten bytes now; the end of the stream only once the response is over.
      const body = new Readable({ read() {} });
      body.push('0123456789');
      ctx.res.on('close', () => {
        ended(finished ? 'finish' : 'aborted');
        body.push(null);
      });
      ctx.body = body;
      ctx.length = 10;
    });
    const { port } = await serve(app);
    const c = await RawClient.connect(port);
    await c.send(get('/'));
    await c.waitForResponses(1);
    c.destroy();
    expect(await how).toBe('finish');
  });
});

describe('a static file truncated while it is sent', () => {
  let dir = '';
  afterEach(() => {
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
    dir = '';
  });

  it('should close the connection after what the file still had, rather than frame the next response inside it', async () => {
    dir = mkdtempSync(join(tmpdir(), 'shallot-trunc-'));
    const file = join(dir, 'big.bin');
    writeFileSync(file, Buffer.alloc(1024 * 1024, 0x61));
    const app = new App({ logger: false });
    // Cut the file after its length was read for the head, before its bytes are: what a log
    // rotation or a deploy does to a file being served.
    app.use(async (ctx, next) => {
      await next();
      if (ctx.path === '/big.bin') truncateSync(file, 1000);
    });
    app.use(serveStatic(dir));
    const { port } = await serve(app);
    const c = await RawClient.connect(port);
    await c.send(get('/big.bin') + get('/big.bin'));
    await c.waitForServerClose();
    const raw = c.raw.toString('latin1');
    expect(raw.match(/HTTP\/1\.1 200/g)).toHaveLength(1);
    expect(raw).toMatch(/content-length: 1048576\r\n/);
    expect(c.responses()).toHaveLength(0);
  });
});

describe('large buffered bodies', () => {
  it('should send a body larger than a slice whole and intact, and the next response after it', async () => {
    const big = Buffer.alloc(1024 * 1024 + 7);
    for (let i = 0; i < big.length; i++) big[i] = i % 251;
    const app = new App({ logger: false });
    app.use((ctx) => {
      ctx.body = ctx.path === '/big' ? big : ctx.path === '/text' ? 'é'.repeat(100_000) : 'next';
    });
    const { port } = await serve(app);
    const r = await rawRequest(port, get('/big') + get('/text') + get('/next'), { responses: 3 });
    expect(Buffer.compare(r.responses[0]!.body, big)).toBe(0);
    expect(r.responses[1]!.text()).toBe('é'.repeat(100_000));
    expect(r.responses[2]!.text()).toBe('next');
  });
});

describe('a stream that yields a large piece', () => {
  it.each([
    ['chunked', false],
    ['with its length', true],
  ])('should send a 1 MiB piece %s, intact, and the next response after it', async (_how, withLength) => {
    const big = Buffer.alloc(1024 * 1024 + 3);
    for (let i = 0; i < big.length; i++) big[i] = i % 253;
    const app = new App({ logger: false });
    app.use((ctx) => {
      if (ctx.path === '/next') {
        ctx.body = 'next';
        return;
      }
      ctx.body = Readable.from([Buffer.from('head:'), big]);
      if (withLength) ctx.length = big.length + 5;
    });
    const { port } = await serve(app);
    const r = await rawRequest(port, get('/big') + get('/next'), { responses: 2 });
    expect(r.responses[0]!.chunked).toBe(!withLength);
    expect(Buffer.compare(r.responses[0]!.body, Buffer.concat([Buffer.from('head:'), big]))).toBe(0);
    expect(r.responses[1]!.text()).toBe('next');
  });
});

describe('a raw response (ctx.respond = false) whose handler fails after writing', () => {
  function rawApp(errors: unknown[]): App {
    const app = new App({ logger: false });
    app.on('error', (err) => errors.push(err));
    app.use(async (ctx: Context) => {
      if (ctx.path === '/slow') {
        await new Promise((r) => setImmediate(r));
        ctx.body = 'slow';
        return;
      }
      ctx.respond = false;
      ctx.res.write('partial');
      if (ctx.path === '/late') await new Promise((r) => setTimeout(r, 20));
      throw new Error('boom');
    });
    return app;
  }

  it('should still answer the pipelined request before it, then answer it 500 since its head was not out', async () => {
    const errors: unknown[] = [];
    const { port } = await serve(rawApp(errors));
    const c = await RawClient.connect(port);
    await c.send(get('/slow') + get('/fail'));
    const rs = await c.waitForResponses(2);
    c.destroy();
    expect(rs.map((r) => [r.status, r.text()])).toEqual([
      [200, 'slow'],
      [500, expect.stringContaining('Internal Server Error')],
    ]);
    expect(errors.map((e) => (e as Error).message)).toEqual(['boom']);
  });

  it('should cut the connection after what was written once its head is out, reporting once', async () => {
    const errors: unknown[] = [];
    const { port } = await serve(rawApp(errors));
    const c = await RawClient.connect(port);
    await c.send(get('/late'));
    await c.waitForServerClose();
    const raw = c.raw.toString('latin1');
    expect(raw).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(raw).toContain('transfer-encoding: chunked');
    expect(raw).not.toContain('0\r\n\r\n');
    expect(errors.map((e) => (e as Error).message)).toEqual(['boom']);
  });
});
