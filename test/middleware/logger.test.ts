/**
 * `logger()`: one root, a child per request with its id, one "request completed" line, errors
 * logged once by the core through that child, redaction, per-route levels and skipping.
 * Log lines are captured from a pino destination, parsed as JSON.
 */
import { pino, type Logger } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { App, HttpError, type Context } from '../../src/index.js';
import { logLevel, logger, type RequestLoggerOptions } from '../../src/middleware/index.js';
import { RawClient, get as rawGet } from '../helpers/raw-client.js';
import { closeAll, deferred, serve } from '../helpers/server.js';

afterEach(closeAll);

type Line = Record<string, unknown> & { msg?: string; level: number; reqId?: string };

function capture(level = 'debug'): { root: Logger; lines: Line[] } {
  const lines: Line[] = [];
  const root = pino({ level }, { write: (s: string) => void lines.push(JSON.parse(s) as Line) });
  return { root, lines };
}

function setup(options: RequestLoggerOptions = {}) {
  const { root, lines } = capture();
  const app = new App({ logger: root });
  app.use(logger(options));
  app.get('/hello', () => ({ hello: 'world' }));
  app.get('/boom', () => {
    throw new Error('kaput');
  });
  app.get('/teapot', (ctx) => ctx.throw(418));
  app.get('/health', () => 'ok');
  app.get('/secret', (ctx) => {
    ctx.log.info({ req: { headers: ctx.headers } }, 'headers seen');
    return 'ok';
  });
  const completed = () => lines.filter((l) => l.msg === 'request completed');
  return { app, lines, completed };
}

async function get(app: App, url: string, headers: Record<string, string> = {}) {
  const { responses } = await app.inject({ url, headers });
  return responses[0]!;
}

describe('logger()', () => {
  it('should log one "request completed" line with method, url, status, bytes and response time', async () => {
    const { app, completed } = setup();
    const res = await get(app, '/hello?x=1');
    const [line, ...more] = completed();
    expect(more).toHaveLength(0);
    expect(line).toMatchObject({
      level: 30,
      req: { method: 'GET', url: '/hello?x=1' },
      res: { statusCode: 200, bytes: res.body.length },
    });
    expect(line!['responseTime']).toEqual(expect.any(Number));
    expect(line!.reqId).toBe(res.headers['x-request-id']);
  });

  it('should generate a request id and echo it in x-request-id', async () => {
    const { app } = setup();
    const a = await get(app, '/hello');
    const b = await get(app, '/hello');
    expect(a.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(a.headers['x-request-id']).not.toBe(b.headers['x-request-id']);
  });

  it("should take the client's x-request-id when it is safe", async () => {
    const { app, completed } = setup();
    const res = await get(app, '/hello', { 'x-request-id': 'abc-123_Z.9:x' });
    expect(res.headers['x-request-id']).toBe('abc-123_Z.9:x');
    expect(completed()[0]!.reqId).toBe('abc-123_Z.9:x');
  });

  it.each([
    ['too long', 'a'.repeat(129)],
    ['with unsafe characters', 'abc<script>'],
    ['with spaces', 'a b'],
  ])('should replace an incoming id %s', async (_name, id) => {
    const { app } = setup();
    const res = await get(app, '/hello', { 'x-request-id': id });
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('should read and echo a configured header, or none', async () => {
    const custom = setup({ requestIdHeader: 'x-trace', genReqId: () => 'gen-1' });
    expect((await get(custom.app, '/hello', { 'x-trace': 't-9' })).headers['x-trace']).toBe('t-9');
    expect((await get(custom.app, '/hello')).headers['x-trace']).toBe('gen-1');
    const none = setup({ requestIdHeader: false });
    const res = await get(none.app, '/hello', { 'x-request-id': 'ignored' });
    expect(res.headers['x-request-id']).toBeUndefined();
    expect(none.completed()[0]!.reqId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('should echo the request id on error responses and on the unhandled 404', async () => {
    const { app } = setup();
    expect((await get(app, '/boom', { 'x-request-id': 'r1' })).headers['x-request-id']).toBe('r1');
    expect((await get(app, '/teapot', { 'x-request-id': 'r2' })).headers['x-request-id']).toBe('r2');
    expect((await get(app, '/nowhere', { 'x-request-id': 'r3' })).headers['x-request-id']).toBe('r3');
  });

  it('should log a 5xx once, at error, with the err serializer and the request id', async () => {
    const { app, lines } = setup();
    await get(app, '/boom', { 'x-request-id': 'e1' });
    const errs = lines.filter((l) => l['err'] !== undefined);
    expect(errs).toHaveLength(1);
    expect(errs[0]).toMatchObject({ level: 50, reqId: 'e1', err: { type: 'Error', message: 'kaput' } });
    expect((errs[0]!['err'] as { stack: string }).stack).toContain('kaput');
    const done = lines.filter((l) => l.msg === 'request completed');
    expect(done).toHaveLength(1);
    expect(done[0]).toMatchObject({ reqId: 'e1', res: { statusCode: 500 } });
    expect(done[0]!['err']).toBeUndefined();
  });

  it('should log the bytes of an error body', async () => {
    const { app, completed } = setup();
    const res = await get(app, '/teapot');
    expect(completed()[0]).toMatchObject({ res: { statusCode: 418, bytes: res.body.length } });
  });

  it('should redact authorization and cookie headers', async () => {
    const { app, lines } = setup();
    await get(app, '/secret', { authorization: 'Bearer s3cr3t', cookie: 'sid=abc', accept: 'text/plain' });
    const line = lines.find((l) => l.msg === 'headers seen')!;
    const headers = (line['req'] as { headers: Record<string, string> }).headers;
    expect(headers['authorization']).toBe('[Redacted]');
    expect(headers['cookie']).toBe('[Redacted]');
    expect(headers['accept']).toBe('text/plain');
    expect(JSON.stringify(lines)).not.toContain('s3cr3t');
  });

  it('should set the level per route with logLevel()', async () => {
    const { root, lines } = capture('info');
    const app = new App({ logger: root });
    app.use(logger());
    app.get('/verbose', logLevel('debug'), (ctx) => {
      ctx.log.debug('detail');
      return 'ok';
    });
    app.get('/quiet', (ctx) => {
      ctx.log.debug('hidden');
      return 'ok';
    });
    await get(app, '/verbose');
    await get(app, '/quiet');
    await get(app, '/verbose');
    expect(lines.filter((l) => l.msg === 'detail')).toHaveLength(2);
    expect(lines.filter((l) => l.msg === 'hidden')).toHaveLength(0);
  });

  it('should leave out the lines skip() asks for', async () => {
    const { app, completed } = setup({ skip: (ctx) => ctx.path === '/health' && ctx.status === 200 });
    await get(app, '/health');
    await get(app, '/hello');
    expect(completed().map((l) => (l['req'] as { url: string }).url)).toEqual(['/hello']);
  });

  it('should set the level of the request loggers with level', async () => {
    const { app, lines } = setup({ level: 'warn' });
    await get(app, '/hello');
    await get(app, '/boom');
    expect(lines.filter((l) => l.msg === 'request completed')).toHaveLength(0);
    expect(lines.filter((l) => l.level === 50)).toHaveLength(1);
  });

  it('should use a logger it is given as the root, whatever the app logs to', async () => {
    const mine = capture();
    const app = new App({ logger: false });
    app.use(logger({ logger: mine.root }));
    app.get('/', (ctx) => {
      ctx.log.info('from handler');
      return 'ok';
    });
    await get(app, '/');
    expect(mine.lines.map((l) => l.msg)).toEqual(['from handler', 'request completed']);
  });

  // How the handler learns that the client left: through ctx.signal, or never (it waits for
  // ctx.res 'close', as the logger itself does) — the logger needs neither from it.
  const leaves: [string, (ctx: Context, done: () => void) => void][] = [
    ['when the client leaves before the response', (ctx, done) => ctx.signal.addEventListener('abort', done)],
    ['for a handler that never looks at ctx.signal', (ctx, done) => ctx.res.once('close', done)],
  ];
  for (const [when, onGone] of leaves) {
    it(`should log "request aborted" ${when}`, async () => {
      const { root, lines } = capture();
      const app = new App({ logger: root });
      app.use(logger());
      const started = deferred();
      const gone = deferred();
      app.get('/slow', (ctx) => {
        started.resolve();
        return new Promise<string>((resolve) =>
          onGone(ctx, () => {
            gone.resolve();
            resolve('late');
          }),
        );
      });
      const { port } = await serve(app);
      const c = await RawClient.connect(port);
      await c.send(rawGet('/slow'));
      await started.promise;
      c.destroy();
      await gone.promise;
      expect(lines.filter((l) => l.msg === 'request aborted')).toHaveLength(1);
      expect(lines.filter((l) => l.msg === 'request completed')).toHaveLength(0);
    });
  }
});

describe('logger() and the core error path', () => {
  it('should not double-log a 4xx either', async () => {
    const { app, lines } = setup();
    await get(app, '/teapot');
    expect(lines.filter((l) => l.msg === 'request rejected')).toHaveLength(1);
  });

  it('should keep an HttpError’s own headers when it adds the echo', async () => {
    const { root } = capture();
    const app = new App({ logger: root });
    app.use(logger());
    app.get('/', () => {
      throw new HttpError(401, 'Who?', { headers: { 'www-authenticate': 'Bearer' } });
    });
    const res = await get(app, '/', { 'x-request-id': 'w1' });
    expect(res.headers['www-authenticate']).toBe('Bearer');
    expect(res.headers['x-request-id']).toBe('w1');
  });
});
