/**
 * Streamed bodies through the connection engine: a Node Readable, a web ReadableStream and an
 * async iterable are written chunked (or with Content-Length when the handler declared it), with
 * backpressure from the socket; a client that leaves fires `ctx.signal` and destroys the source
 * without being reported as a server error; a source that fails after the head is out cuts the
 * connection and is reported exactly once; one that fails before is answered with a 500.
 */
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { App } from '../../src/index.js';
import { parseResponses } from '../helpers/http-wire.js';
import { closeAll, deferred, serve } from '../helpers/server.js';
import { connect, until } from '../helpers/socket.js';
import { serverErrors } from '../helpers/client-errors.js';

afterEach(() => closeAll());

function appWithErrors(): { app: App; errors: unknown[] } {
  const app = new App({ logger: false });
  const errors: unknown[] = [];
  app.on('error', (e) => errors.push(e));
  return { app, errors };
}

describe('streamed ctx.body', () => {
  it('should write a Node Readable chunked', async () => {
    const app = new App({ logger: false });
    app.use((ctx) => {
      ctx.body = Readable.from(['a', 'b', 'c']);
    });
    const res = (await app.inject({ url: '/' })).responses[0]!;
    expect(res.headers['transfer-encoding']).toBe('chunked');
    expect(res.headers['content-length']).toBeUndefined();
    expect(res.text()).toBe('abc');
  });

  it('should write a web ReadableStream chunked', async () => {
    const app = new App({ logger: false });
    app.use((ctx) => {
      ctx.body = new ReadableStream({
        start(c) {
          c.enqueue(new TextEncoder().encode('web '));
          c.enqueue(new TextEncoder().encode('stream'));
          c.close();
        },
      });
    });
    const res = (await app.inject({ url: '/' })).responses[0]!;
    expect(res.headers['transfer-encoding']).toBe('chunked');
    expect(res.text()).toBe('web stream');
  });

  it('should write an async iterable chunked', async () => {
    const app = new App({ logger: false });
    app.use((ctx) => {
      ctx.body = (async function* () {
        yield 'one ';
        yield Buffer.from('two');
      })();
    });
    const res = (await app.inject({ url: '/' })).responses[0]!;
    expect(res.headers['transfer-encoding']).toBe('chunked');
    expect(res.text()).toBe('one two');
  });

  it('should use Content-Length, not chunked, when the length is declared', async () => {
    const app = new App({ logger: false });
    app.use((ctx) => {
      ctx.body = Readable.from([Buffer.from('12345')]);
      ctx.length = 5;
    });
    const { raw, responses } = await app.inject({ url: '/' });
    expect(responses[0]!.headers['content-length']).toBe('5');
    expect(responses[0]!.headers['transfer-encoding']).toBeUndefined();
    expect(raw.toString('latin1').endsWith('\r\n\r\n12345')).toBe(true);
  });

  it('should send a Blob with its length', async () => {
    const app = new App({ logger: false });
    app.use((ctx) => {
      ctx.body = new Blob(['blob body'], { type: 'text/plain' });
    });
    const res = (await app.inject({ url: '/' })).responses[0]!;
    expect(res.headers['content-length']).toBe('9');
    expect(res.text()).toBe('blob body');
  });

  it('should keep the connection usable for the next request after a stream', async () => {
    const app = new App({ logger: false });
    app.use((ctx) => {
      ctx.body = ctx.path === '/s' ? Readable.from(['streamed']) : 'plain';
    });
    const { responses } = await app.inject('GET /s HTTP/1.1\r\nHost: a\r\n\r\nGET /p HTTP/1.1\r\nHost: a\r\n\r\n');
    expect(responses.map((r) => r.text())).toEqual(['streamed', 'plain']);
  });
});

describe('streamed ctx.body backpressure', () => {
  it('should stop pulling from a Readable while the client does not read', async () => {
    const app = new App({ logger: false });
    let reads = 0;
    const total = 64 * 1024 * 1024;
    const chunk = Buffer.alloc(64 * 1024, 0x62);
    app.use((ctx) => {
      ctx.body = new Readable({
        read() {
          reads++;
          this.push(reads * chunk.length > total ? null : chunk);
        },
      });
    });
    const { port } = await serve(app);
    const s = await connect(port);
    s.pause();
    s.write('GET / HTTP/1.1\r\nHost: a\r\n\r\n');
    // Producer runs until the socket buffers fill, then stops: the count stops moving.
    let last = -1;
    expect(
      await until(() => {
        const same = reads === last && reads > 0;
        last = reads;
        return same;
      }),
    ).toBe(true);
    const paused = reads;
    for (let i = 0; i < 20; i++) await new Promise((r) => setTimeout(r, 5));
    expect(reads).toBe(paused);
    // Far fewer reads than the whole body: the rest waits for the client.
    expect(paused * chunk.length).toBeLessThan(total / 2);
    // Reading again lets everything through.
    let got = 0;
    const done = new Promise<void>((resolve) => {
      s.on('data', (c: Buffer) => {
        got += c.length;
        if (got >= total) resolve();
      });
    });
    s.resume();
    await done;
    expect(reads).toBeGreaterThan(paused);
    s.destroy();
  });
});

describe('streamed ctx.body and a client that leaves', () => {
  it('should destroy a Node Readable, fire ctx.signal, and report no error', async () => {
    const { app, errors } = appWithErrors();
    let destroyed = false;
    const aborted = deferred();
    app.use((ctx) => {
      ctx.signal.addEventListener('abort', () => aborted.resolve());
      ctx.body = new Readable({
        read() {
          this.push(Buffer.alloc(16 * 1024, 0x61));
        },
        destroy(err, cb) {
          destroyed = true;
          cb(err);
        },
      });
    });
    const { port } = await serve(app);
    const s = await connect(port);
    s.write('GET / HTTP/1.1\r\nHost: a\r\n\r\n');
    await new Promise((r) => s.once('data', r));
    s.destroy();
    await aborted.promise;
    expect(await until(() => destroyed)).toBe(true);
    // The engine's read loop ends a few ticks after the destroy: let it, then look for reports.
    for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
    expect(serverErrors(errors)).toEqual([]);
  });

  it('should cancel a web ReadableStream that waits for its next chunk', async () => {
    const { app, errors } = appWithErrors();
    const cancelled = deferred<unknown>();
    let pulls = 0;
    app.use((ctx) => {
      ctx.body = new ReadableStream({
        start(c) {
          c.enqueue(new TextEncoder().encode('first'));
        },
        pull() {
          pulls++;
          // Never produces again: only cancel() can end this.
          return new Promise(() => {});
        },
        cancel(reason) {
          cancelled.resolve(reason);
        },
      });
    });
    const { port } = await serve(app);
    const s = await connect(port);
    s.write('GET / HTTP/1.1\r\nHost: a\r\n\r\n');
    await new Promise((r) => s.once('data', r));
    // A reset is seen at once, with no write pending to discover it.
    s.resetAndDestroy();
    await cancelled.promise;
    expect(pulls).toBeGreaterThan(0);
    expect(serverErrors(errors)).toEqual([]);
  });

  it('should fire ctx.signal for an async iterable so the producer can stop', async () => {
    const { app, errors } = appWithErrors();
    const stopped = deferred();
    app.use((ctx) => {
      const signal = ctx.signal;
      ctx.body = (async function* () {
        yield 'hello';
        await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
        stopped.resolve();
      })();
    });
    const { port } = await serve(app);
    const s = await connect(port);
    s.write('GET / HTTP/1.1\r\nHost: a\r\n\r\n');
    await new Promise((r) => s.once('data', r));
    s.resetAndDestroy();
    await stopped.promise;
    expect(serverErrors(errors)).toEqual([]);
  });
});

describe('streamed ctx.body errors', () => {
  it('should close the connection and report once when the stream fails after the head', async () => {
    const { app, errors } = appWithErrors();
    app.use((ctx) => {
      ctx.body = (async function* () {
        yield 'partial';
        await new Promise((r) => setImmediate(r));
        throw new Error('disk on fire');
      })();
    });
    const { port } = await serve(app);
    const s = await connect(port);
    const chunks: Buffer[] = [];
    s.on('data', (c: Buffer) => chunks.push(c));
    s.write('GET / HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n');
    await new Promise((r) => s.once('close', r));
    const raw = Buffer.concat(chunks);
    // The head and the first chunk went out; no terminating chunk, no second response.
    expect(raw.toString('latin1')).toContain('partial');
    expect(raw.toString('latin1')).not.toContain('0\r\n\r\n');
    expect(parseResponses(raw, ['GET', 'GET']).responses).toHaveLength(0);
    expect(errors).toHaveLength(1);
    expect((errors[0] as Error).message).toBe('disk on fire');
  });

  it('should report a Node Readable error once (no second report from an error event)', async () => {
    const { app, errors } = appWithErrors();
    app.use((ctx) => {
      const r = new Readable({ read() {} });
      ctx.body = r;
      r.push('x');
      setImmediate(() => r.destroy(new Error('readable failed')));
    });
    const { port } = await serve(app);
    const s = await connect(port);
    s.on('data', () => {});
    s.write('GET / HTTP/1.1\r\nHost: a\r\n\r\n');
    await new Promise((r) => s.once('close', r));
    expect(errors).toHaveLength(1);
  });

  it('should answer 500 when a stream fails while its response waits behind a pipelined one', async () => {
    const { app, errors } = appWithErrors();
    const slow = deferred();
    app.use(async (ctx) => {
      if (ctx.path === '/slow') {
        await slow.promise;
        ctx.body = 'slow';
        return;
      }
      const r = new Readable({ read() {} });
      ctx.body = r;
      // Fails before its turn comes: nobody is reading it yet (this used to crash the process
      // with an unhandled 'error' event).
      setImmediate(() => {
        r.destroy(Object.assign(new Error('ENOENT: no such file'), { code: 'ENOENT' }));
        setImmediate(() => slow.resolve());
      });
    });
    const { responses } = await app.inject(
      'GET /slow HTTP/1.1\r\nHost: a\r\n\r\nGET /fail HTTP/1.1\r\nHost: a\r\n\r\n',
    );
    expect(responses.map((r) => r.status)).toEqual([200, 500]);
    expect(errors).toHaveLength(1);
  });
});
