/**
 * The limits every WebSocket gets (`new App({ ws })`): maxPayload → 1009, a slow consumer closed
 * rather than buffered for, a dead peer reaped by pings, shutdown → 1001; and `allowOrigins()`.
 */
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { App, WEBSOCKET_DEFAULTS, type WebSocketOptions } from '../../src/index.js';
import { allowOrigins } from '../../src/middleware/index.js';
import { closeAll, deferred, serve } from '../helpers/server.js';

afterEach(closeAll);

/** Opens a client; rejects with the HTTP status when the server answers instead of upgrading. */
function connect(url: string, options: WebSocket.ClientOptions = {}): Promise<WebSocket> {
  const ws = new WebSocket(url, options);
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => {
      reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode }));
      res.resume();
    });
    ws.once('error', reject);
  });
}

/** An app with one route whose handler gets each accepted socket. */
function appWith(ws: WebSocketOptions, onSocket: (socket: WebSocket) => void): App {
  const app = new App({ logger: false, ws });
  app.ws('/s', async (ctx) => onSocket(await ctx.upgrade()));
  return app;
}

describe('ws options', () => {
  it('should default to 1 MiB messages, a 1 MiB send buffer and pings every 30 s', () => {
    expect(WEBSOCKET_DEFAULTS).toMatchObject({
      maxPayload: 1024 * 1024,
      highWaterMark: 1024 * 1024,
      pingInterval: 30_000,
    });
  });

  it('should close a socket that receives a message over maxPayload with 1009', async () => {
    const server = deferred<number>();
    const got: number[] = [];
    const app = appWith({ maxPayload: 1000 }, (s) => {
      s.on('message', (m: Buffer) => got.push(m.length));
      s.on('close', (code) => server.resolve(code));
    });
    const { port } = await serve(app);
    const ws = await connect(`ws://127.0.0.1:${port}/s`);
    ws.send(Buffer.alloc(1000));
    ws.send(Buffer.alloc(1001));
    const [code] = (await once(ws, 'close')) as [number];
    expect(code).toBe(1009);
    expect(got).toEqual([1000]);
    // ws reports the code it received, and the peer sent none: the socket closed all the same.
    expect(await server.promise).toBe(1006);
  });

  it('should close a socket whose peer stops reading instead of buffering without bound', async () => {
    const highWaterMark = 256 * 1024;
    const result = deferred<{ sent: number; buffered: number; code: number }>();
    const app = appWith({ highWaterMark }, (s) => {
      const chunk = Buffer.alloc(64 * 1024);
      let sent = 0;
      let maxBuffered = 0;
      s.on('close', (code) => result.resolve({ sent, buffered: maxBuffered, code }));
      // Far more than any socket buffer holds: the client reads none of it.
      for (let i = 0; i < 4096 && s.readyState === s.OPEN; i++) {
        s.send(chunk);
        sent += chunk.length;
        maxBuffered = Math.max(maxBuffered, s.bufferedAmount);
      }
    });
    const { port } = await serve(app);
    const ws = new WebSocket(`ws://127.0.0.1:${port}/s`);
    // The client stops reading as soon as it is connected (before the 101 is even read), and so
    // never sees the socket open: its terminate() below reports that as an error.
    ws.on('error', () => undefined);
    const req = (ws as unknown as { _req: import('node:http').ClientRequest })._req;
    req.once('socket', (sock) => sock.once('connect', () => sock.pause()));
    const { sent, buffered, code } = await result.promise;
    expect(sent).toBeLessThan(4096 * 64 * 1024);
    expect(buffered).toBeLessThanOrEqual(highWaterMark + 64 * 1024 + 1024);
    expect(code).toBe(1006); // destroyed: the peer would never have read a close frame
    ws.terminate();
  });

  it('should destroy a socket whose peer does not answer pings', async () => {
    const closed = deferred<number>();
    const app = appWith({ pingInterval: 20 }, (s) => s.on('close', (code) => closed.resolve(code)));
    const { port } = await serve(app);
    const ws = new WebSocket(`ws://127.0.0.1:${port}/s`, { autoPong: false });
    let pings = 0;
    ws.on('ping', () => pings++);
    const [code] = (await once(ws, 'close')) as [number];
    expect(code).toBe(1006);
    expect(await closed.promise).toBe(1006);
    expect(pings).toBeGreaterThanOrEqual(1);
  });

  it('should keep a socket whose peer answers pings', async () => {
    const app = appWith({ pingInterval: 10 }, () => undefined);
    const { port } = await serve(app);
    const ws = await connect(`ws://127.0.0.1:${port}/s`);
    // Three pings, each answered: the socket is still open after the interval passed twice.
    for (let i = 0; i < 3; i++) await once(ws, 'ping');
    expect(ws.readyState).toBe(WebSocket.OPEN);
    ws.terminate();
  });
});

describe('graceful shutdown', () => {
  it('should close open sockets with 1001 and resolve server.close()', async () => {
    const serverSide: Promise<number>[] = [];
    const app = appWith({}, (s) => {
      const d = deferred<number>();
      s.on('close', (code) => d.resolve(code));
      serverSide.push(d.promise);
    });
    const { server, port } = await serve(app);
    const a = await connect(`ws://127.0.0.1:${port}/s`);
    const b = await connect(`ws://127.0.0.1:${port}/s`);
    const closes = [a, b].map((ws) => once(ws, 'close') as Promise<[number, Buffer]>);
    await server.close();
    const codes = await Promise.all(closes);
    expect(codes.map(([code]) => code)).toEqual([1001, 1001]);
    expect(await Promise.all(serverSide)).toEqual([1001, 1001]);
    expect(server.listening).toBe(false);
  });
});

describe('allowOrigins()', () => {
  function originApp(): App {
    const app = new App({ logger: false });
    app.ws('/s', allowOrigins(['https://example.com/']), async (ctx) => {
      const ws = await ctx.upgrade();
      ws.send('in');
    });
    return app;
  }

  it('should refuse another origin with 403 before the upgrade', async () => {
    const { port } = await serve(originApp());
    const err = await connect(`ws://127.0.0.1:${port}/s`, { origin: 'https://example.com.evil.net' }).catch(
      (e: { status: number }) => e,
    );
    expect((err as { status: number }).status).toBe(403);
    const none = await connect(`ws://127.0.0.1:${port}/s`).catch((e: { status: number }) => e);
    expect((none as { status: number }).status).toBe(403);
  });

  it('should let a listed origin upgrade', async () => {
    const { port } = await serve(originApp());
    const ws = new WebSocket(`ws://127.0.0.1:${port}/s`, { origin: 'https://EXAMPLE.com' });
    // Listening from the start: the message may come in the same packet as the 101.
    const [m] = (await once(ws, 'message')) as [Buffer];
    expect(m.toString()).toBe('in');
    ws.terminate();
  });
});
