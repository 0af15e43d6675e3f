/**
 * `app.ws()` / `router.ws()` over real sockets: the upgrade request runs through the stack, the
 * handler accepts with `ctx.upgrade()` (a `ws` WebSocket), or answers over HTTP and the connection
 * closes, never upgraded.
 */
import { once } from 'node:events';
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import { WebSocket } from 'ws';
import { App, Router } from '../../src/index.js';
import { logger } from '../../src/middleware/index.js';
import { RawClient, get, rawRequest } from '../helpers/raw-client.js';
import { closeAll, serve } from '../helpers/server.js';

afterEach(closeAll);

/** Messages a client received, in order, as text: a queue, so none is missed between awaits. */
const inbox = new WeakMap<WebSocket, { queue: string[]; waiters: ((m: string) => void)[] }>();

/**
 * Opens a client and resolves once it is open, or rejects with the HTTP status the server
 * answered. Messages are queued from the start: the server may send in the same packet as its 101.
 */
function connect(url: string, options: WebSocket.ClientOptions = {}): Promise<WebSocket> {
  const ws = new WebSocket(url, options);
  const box = { queue: [] as string[], waiters: [] as ((m: string) => void)[] };
  inbox.set(ws, box);
  ws.on('message', (data: Buffer) => {
    const w = box.waiters.shift();
    if (w === undefined) box.queue.push(data.toString());
    else w(data.toString());
  });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => {
      reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode, headers: res.headers }));
      res.resume();
    });
    ws.once('error', reject);
  });
}

/** The next message, as text. */
function message(ws: WebSocket): Promise<string> {
  const box = inbox.get(ws)!;
  const m = box.queue.shift();
  return m === undefined ? new Promise((resolve) => box.waiters.push(resolve)) : Promise.resolve(m);
}

/** A raw upgrade request's bytes. */
function upgradeRequest(path: string, extra = ''): string {
  return (
    `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
    `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n${extra}\r\n`
  );
}

function echoApp(): App {
  const app = new App({ logger: false });
  app.ws('/echo', async (ctx) => {
    const ws = await ctx.upgrade();
    ws.on('message', (data, binary) => ws.send(data, { binary }));
  });
  app.get('/plain', () => 'plain');
  return app;
}

describe('app.ws()', () => {
  it('should echo messages over an accepted WebSocket', async () => {
    const { port } = await serve(echoApp());
    const ws = await connect(`ws://127.0.0.1:${port}/echo`);
    ws.send('hello');
    expect(await message(ws)).toBe('hello');
    ws.send('second');
    expect(await message(ws)).toBe('second');
    ws.close(1000);
    const [code] = (await once(ws, 'close')) as [number];
    expect(code).toBe(1000);
  });

  it('should run the app middleware and the route middleware for the upgrade request', async () => {
    const lines: Record<string, unknown>[] = [];
    const { pino } = await import('pino');
    const root = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s)) });
    const app = new App<{ user: string }>({ logger: false, keys: ['k'] });
    app.use(logger({ logger: root }));
    app.use(async (ctx, next) => {
      ctx.state.user = ctx.cookies.get('user') ?? 'anonymous';
      await next();
    });
    app.ws(
      '/who',
      (ctx, next) => {
        ctx.set('x-ignored', 'set before the upgrade');
        ctx.state.user = ctx.state.user.toUpperCase();
        return next();
      },
      async (ctx) => {
        const ws = await ctx.upgrade();
        ctx.log.info({ room: 'who' }, 'opened');
        ws.send(`${ctx.state.user} ${ctx.get('x-test')}`);
      },
    );
    const { port } = await serve(app);
    const ws = await connect(`ws://127.0.0.1:${port}/who`, { headers: { cookie: 'user=ada', 'x-test': 'yes' } });
    expect(await message(ws)).toBe('ADA yes');
    ws.close();
    await once(ws, 'close');
    const done = lines.find((l) => l['msg'] === 'request completed')!;
    expect(done).toMatchObject({ req: { method: 'GET', url: '/who' }, res: { statusCode: 101 } });
    const opened = lines.find((l) => l['msg'] === 'opened')!;
    expect(opened['reqId']).toBe(done['reqId']);
  });

  it('should give the handler typed params from the path', async () => {
    const app = new App({ logger: false });
    app.ws('/rooms/:room/users/:id', async (ctx) => {
      expectTypeOf(ctx.params).toEqualTypeOf<{ room: string; id: string }>();
      const ws = await ctx.upgrade();
      ws.send(`${ctx.params.room}/${ctx.params.id}`);
    });
    const { port } = await serve(app);
    const ws = await connect(`ws://127.0.0.1:${port}/rooms/l%C3%A9a/users/7`);
    expect(await message(ws)).toBe('léa/7');
    ws.terminate();
  });

  it('should answer a 401 thrown before the upgrade as HTTP and close the connection', async () => {
    const app = new App({ logger: false });
    let upgraded = false;
    app.ws('/secret', async (ctx) => {
      if (ctx.get('authorization') !== 'Bearer ok') ctx.throw(401, 'Log in first');
      await ctx.upgrade();
      upgraded = true;
    });
    const { port } = await serve(app);
    const refused = await connect(`ws://127.0.0.1:${port}/secret`).catch((e: { status: number }) => e);
    expect((refused as { status: number }).status).toBe(401);

    // The same over raw bytes, with bytes of the next protocol behind the head: one 401 that says
    // close, then the connection closes; nothing after the head is read as HTTP.
    const r = await rawRequest(port, upgradeRequest('/secret') + 'GET /x HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(r.responses.map((x) => x.status)).toEqual([401]);
    expect(r.responses[0]!.headers['connection']).toBe('close');
    expect(r.responses[0]!.json()).toMatchObject({ status: 401, detail: 'Log in first' });
    expect(r.closed).toBe(true);
    expect(r.rest.length).toBe(0);
    expect(upgraded).toBe(false);
  });

  it('should answer the refusal through app.inject as a normal response', async () => {
    const app = new App({ logger: false });
    app.ws('/secret', (ctx) => ctx.throw(401));
    const { responses } = await app.inject(upgradeRequest('/secret'));
    expect(responses.map((r) => r.status)).toEqual([401]);
    expect(responses[0]!.headers['connection']).toBe('close');
  });

  it('should answer 404 to an upgrade for a path no route serves, and close', async () => {
    const { port } = await serve(echoApp());
    const r = await rawRequest(port, upgradeRequest('/nowhere'));
    expect(r.responses.map((x) => x.status)).toEqual([404]);
    expect(r.closed).toBe(true);
  });

  it('should answer a plain GET to a WebSocket route with 426 and Upgrade: websocket', async () => {
    const { port } = await serve(echoApp());
    const c = await RawClient.connect(port);
    await c.send(get('/echo') + get('/plain'));
    const [res, plain] = await c.waitForResponses(2);
    expect(res!.status).toBe(426);
    expect(res!.headers['upgrade']).toBe('websocket');
    expect(res!.headers['connection']).toBe('upgrade');
    expect(res!.json()).toMatchObject({ code: 'ERR_UPGRADE_REQUIRED' });
    // A normal response: the connection stays open for the next request.
    expect(plain!.text()).toBe('plain');
    c.destroy();
  });

  it('should answer the requests pipelined before the upgrade request first', async () => {
    const { port } = await serve(echoApp());
    const c = await RawClient.connect(port);
    await c.send(get('/plain') + get('/plain') + upgradeRequest('/echo'));
    const [a, b] = await c.waitForResponses(2);
    expect([a!.text(), b!.text()]).toEqual(['plain', 'plain']);
    await c.waitForBytes(1);
    const text = () => c.raw.toString('latin1');
    while (!text().includes('\r\n\r\n', text().indexOf('HTTP/1.1 101'))) await c.waitForBytes(c.raw.length + 1);
    expect(text().indexOf('HTTP/1.1 101 Switching Protocols')).toBeGreaterThan(text().lastIndexOf('plain'));
    c.destroy();
  });

  it('should keep upgrades of other protocols for the upgrade listener', async () => {
    const app = echoApp();
    const seen: string[] = [];
    app.on('upgrade', (req: { url: string }, socket: import('node:net').Socket) => {
      seen.push(req.url);
      socket.end('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n');
    });
    const { port } = await serve(app);
    const r = await rawRequest(port, 'GET /e HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n');
    expect(r.raw.toString('latin1')).toMatch(/^HTTP\/1\.1 101 /);
    expect(seen).toEqual(['/e']);
  });
});

describe('ctx.upgrade()', () => {
  it('should throw 426 on a request that is not a WebSocket upgrade', async () => {
    const app = new App({ logger: false });
    app.get('/maybe', async (ctx) => {
      await ctx.upgrade();
    });
    const { responses } = await app.inject({ method: 'GET', url: '/maybe' });
    expect(responses[0]!.status).toBe(426);
    expect(responses[0]!.headers['upgrade']).toBe('websocket');
  });

  it('should answer a bad version with 426 naming version 13, and a bad key with 400, over HTTP', async () => {
    const { port } = await serve(echoApp());
    const v = await rawRequest(port, upgradeRequest('/echo').replace('Version: 13', 'Version: 12'));
    expect(v.responses.map((r) => r.status)).toEqual([426]);
    expect(v.responses[0]!.headers['sec-websocket-version']).toBe('13');
    expect(v.responses[0]!.json()).toMatchObject({ code: 'ERR_WEBSOCKET_VERSION' });
    expect(v.closed).toBe(true);
    const k = await rawRequest(port, upgradeRequest('/echo').replace('dGhlIHNhbXBsZSBub25jZQ==', 'short'));
    expect(k.responses.map((r) => r.status)).toEqual([400]);
    expect(k.responses[0]!.json()).toMatchObject({ code: 'ERR_WEBSOCKET_HANDSHAKE' });
  });
});

describe('router.ws()', () => {
  it('should route upgrades of a mounted router, with the params of its mount path', async () => {
    const rooms = new Router<{}, '/rooms/:room'>();
    rooms.ws('/live', async (ctx) => {
      expectTypeOf(ctx.params.room).toEqualTypeOf<string>();
      const ws = await ctx.upgrade();
      ws.send(ctx.params.room);
    });
    const app = new App({ logger: false });
    const api = new Router().use('/rooms/:room', rooms);
    app.use(api.routes());
    const { port } = await serve(app);
    const ws = await connect(`ws://127.0.0.1:${port}/rooms/blue/live`);
    expect(await message(ws)).toBe('blue');
    ws.terminate();
  });
});
