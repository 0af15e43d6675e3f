/**
 * serveStatic() over real sockets: files stream with backpressure, and no path leaves a file
 * descriptor open — a client that disconnects mid-download, one that leaves while its response
 * waits behind a pipelined one, and one that leaves before the handler even finished.
 *
 * Open descriptors are read from /proc/self/fd (the server runs in this process), counting those
 * that point into the fixture directory: the test runner opens and closes descriptors of its own
 * at any time, so a bare total could match by coincidence while a file stayed open. The server
 * closes a file on its own schedule (a socket 'close' event, then fs.close on the thread pool), so
 * the tests wait for the count to settle by polling it a bounded number of times — never a fixed
 * sleep that would be either flaky or slow.
 */
import { readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { App } from '../../src/index.js';
import { serveStatic } from '../../src/middleware/index.js';
import { closeAll, deferred, serve } from '../helpers/server.js';
import { buildFixture, removeFixture, type StaticFixture } from './static-fixture.js';
import { connect, until } from '../helpers/socket.js';
import { serverErrors } from '../helpers/client-errors.js';

const BIG = 8 * 1024 * 1024;
let fx: StaticFixture;
beforeAll(() => {
  fx = buildFixture();
  writeFileSync(path.join(fx.root, 'big.bin'), Buffer.alloc(BIG, 0x61));
});
afterAll(() => removeFixture(fx));
afterEach(() => closeAll());

const onLinux = process.platform === 'linux';
/** Open descriptors of files under the fixture. */
const fileFds = (): number => {
  let n = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`).startsWith(fx.base)) n++;
    } catch {
      // Closed while we looked (the directory handle of readdirSync itself, say).
    }
  }
  return n;
};

/** Resolves once `n` bytes arrived on `s` (and keeps them counted). */
function receive(s: net.Socket, n: number): Promise<number> {
  return new Promise((resolve) => {
    let got = 0;
    const on = (c: Buffer): void => {
      got += c.length;
      if (got >= n) {
        s.removeListener('data', on);
        resolve(got);
      }
    };
    s.on('data', on);
  });
}

describe.runIf(onLinux)('serveStatic() descriptors', () => {
  it('should close the file when the client disconnects mid-download', async () => {
    const app = new App({ logger: false });
    const errors: unknown[] = [];
    app.on('error', (e) => errors.push(e));
    app.use(serveStatic(fx.root, { prefix: '/static' }));
    const { port } = await serve(app);
    const s = await connect(port);
    s.write('GET /static/big.bin HTTP/1.1\r\nHost: a\r\n\r\n');
    await receive(s, 256 * 1024);
    // Mid-download: the file is open.
    expect(fileFds()).toBe(1);
    s.destroy();
    expect(await until(() => fileFds() === 0)).toBe(true);
    // The client leaving is not a server error.
    expect(serverErrors(errors)).toEqual([]);
  });

  it('should close the file of a range response the client abandons', async () => {
    const app = new App({ logger: false });
    app.use(serveStatic(fx.root, { prefix: '/static' }));
    const { port } = await serve(app);
    const s = await connect(port);
    s.write(`GET /static/big.bin HTTP/1.1\r\nHost: a\r\nRange: bytes=1000-${BIG - 1000}\r\n\r\n`);
    await receive(s, 128 * 1024);
    expect(fileFds()).toBe(1);
    s.destroy();
    expect(await until(() => fileFds() === 0)).toBe(true);
  });

  it('should leave no descriptor after complete downloads, HEAD and 304 on a kept-alive connection', async () => {
    const app = new App({ logger: false });
    app.use(serveStatic(fx.root, { prefix: '/static' }));
    const { port } = await serve(app);
    const s = await connect(port);
    const req = (m: string, extra = ''): string => `${m} /static/data.bin HTTP/1.1\r\nHost: a\r\n${extra}\r\n`;
    s.write(req('GET') + req('HEAD') + req('GET', 'If-None-Match: *\r\n') + req('GET', 'Range: bytes=0-1\r\n'));
    const all: Buffer[] = [];
    await new Promise<void>((resolve) => {
      s.on('data', (c: Buffer) => {
        all.push(c);
        const text = Buffer.concat(all).toString('latin1');
        // Four responses; the last is the 206 whose body is bytes 0-1 of data.bin.
        if ((text.match(/HTTP\/1\.1 /g) ?? []).length === 4 && text.endsWith('\x00\x01')) resolve();
      });
    });
    // The connection is still open, and no file is.
    expect(await until(() => fileFds() === 0)).toBe(true);
    s.destroy();
  });

  it('should close the file of a finished response queued behind a pipelined one when the client resets', async () => {
    const app = new App({ logger: false });
    const slow = deferred();
    const entered = deferred();
    // Keep the contexts reachable: otherwise a leaked FileHandle may be closed by the garbage
    // collector (with a warning) and the leak would go unseen.
    const held: unknown[] = [];
    app.use(async (ctx, next) => {
      held.push(ctx);
      if (ctx.path === '/slow') {
        entered.resolve();
        await slow.promise;
        ctx.body = 'slow';
        return;
      }
      await next();
    });
    app.use(serveStatic(fx.root, { prefix: '/static' }));
    const { port } = await serve(app);
    const s = await connect(port);
    s.write('GET /slow HTTP/1.1\r\nHost: a\r\n\r\nGET /static/big.bin HTTP/1.1\r\nHost: a\r\n\r\n');
    await entered.promise;
    // The file response is ready and waits its turn: its descriptor is open.
    expect(await until(() => fileFds() === 1)).toBe(true);
    s.resetAndDestroy();
    expect(await until(() => fileFds() === 0)).toBe(true);
    slow.resolve();
    expect(held).toHaveLength(2);
  });

  it('should close the file when the client left before the handler finished', async () => {
    const app = new App({ logger: false });
    const left = deferred();
    let opened = false;
    app.use(async (ctx, next) => {
      app.emit('request-seen');
      // Serve only once the client is gone: the response has nowhere to go.
      await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve()));
      left.resolve();
      await next();
      opened = ctx.body !== undefined;
    });
    app.use(serveStatic(fx.root, { prefix: '/static' }));
    const { port } = await serve(app);
    const got = deferred();
    app.once('request-seen', () => got.resolve());
    const s = await connect(port);
    s.write('GET /static/big.bin HTTP/1.1\r\nHost: a\r\n\r\n');
    await got.promise;
    s.resetAndDestroy();
    await left.promise;
    // serveStatic opened the file after the client left; it must be closed all the same.
    expect(await until(() => opened && fileFds() === 0)).toBe(true);
  });
});

describe.runIf(onLinux)('serveStatic() backpressure', () => {
  it('should stop reading the file while the client does not read', async () => {
    const app = new App({ logger: false });
    let serverSocket: net.Socket | null = null;
    app.use(async (ctx, next) => {
      serverSocket = ctx.socket as net.Socket;
      await next();
    });
    app.use(serveStatic(fx.root, { prefix: '/static' }));
    const { port } = await serve(app);
    const s = await connect(port);
    s.pause();
    s.write('GET /static/big.bin HTTP/1.1\r\nHost: a\r\n\r\n');
    // The server fills the socket buffers, then waits for 'drain'.
    expect(await until(() => serverSocket !== null && serverSocket.writableNeedDrain)).toBe(true);
    const sock = serverSocket as unknown as net.Socket;
    const written = sock.bytesWritten + sock.writableLength;
    // Let the loop turn for a while (there is no event for "nothing happened"): nothing more is
    // read from the file and written while nobody drains.
    for (let i = 0; i < 20; i++) await new Promise((r) => setTimeout(r, 5));
    expect(sock.bytesWritten + sock.writableLength).toBe(written);
    expect(written).toBeLessThan(BIG);
    // Reading again lets the whole file through.
    let got = 0;
    const done = new Promise<void>((resolve) => {
      s.on('data', (c: Buffer) => {
        got += c.length;
        if (got >= BIG) resolve();
      });
    });
    s.resume();
    await done;
    expect(got).toBeGreaterThanOrEqual(BIG);
    s.destroy();
  });
});
