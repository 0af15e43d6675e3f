/**
 * `errorHandler()`: custom 404 and error renderers, Accept negotiation, and no 5xx leaks — all on
 * the core's one error path (`ctx.errorRenderer`), so the core still logs and emits each error once.
 */
import supertest from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { App, HttpError } from '../../src/index.js';
import { errorHandler, type ErrorHandlerOptions } from '../../src/middleware/index.js';
import { closeAll, serve } from '../helpers/server.js';

afterEach(closeAll);

function app(options?: ErrorHandlerOptions): App {
  const a = new App({ logger: false });
  a.use(errorHandler(options));
  a.get('/ok', () => 'fine');
  a.get('/boom', () => {
    throw new Error('database password is hunter2');
  });
  a.get('/teapot', (ctx) => ctx.throw(418, 'Short and stout', { code: 'ERR_TEAPOT' }));
  a.get('/gone', () => {
    throw HttpError.notFound('No such user');
  });
  a.get('/exposed', () => {
    throw new HttpError(503, 'Down for maintenance', {
      expose: true,
      code: 'ERR_DOWN',
      headers: { 'retry-after': '60' },
    });
  });
  a.get('/cyclic', (ctx) => {
    const o: Record<string, unknown> = {};
    o['self'] = o;
    ctx.body = o;
  });
  return a;
}

async function get(a: App, url: string, accept?: string) {
  const { responses } = await a.inject({ url, headers: accept === undefined ? {} : { accept } });
  return responses[0]!;
}

describe('errorHandler() — defaults', () => {
  it('should answer problem+json by default, with Vary: Accept', async () => {
    const res = await get(app(), '/teapot');
    expect(res.status).toBe(418);
    expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(res.headers['vary']).toBe('accept');
    expect(res.json()).toEqual({
      type: 'about:blank',
      title: "I'm a Teapot",
      status: 418,
      detail: 'Short and stout',
      code: 'ERR_TEAPOT',
    });
  });

  it('should answer a minimal HTML page when the client prefers text/html', async () => {
    const res = await get(app(), '/teapot', 'text/html,application/xhtml+xml,*/*;q=0.8');
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.text()).toContain('<title>418 I&#39;m a Teapot</title>');
    expect(res.text()).toContain('<p>Short and stout</p>');
  });

  it('should answer plain JSON to a client that only takes application/json', async () => {
    const res = await get(app(), '/teapot', 'application/json');
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.json()).toMatchObject({ status: 418, code: 'ERR_TEAPOT' });
  });

  it('should never show a 5xx message, in JSON or HTML', async () => {
    const json = await get(app(), '/boom');
    const html = await get(app(), '/boom', 'text/html');
    expect(json.status).toBe(500);
    expect(json.json()).toEqual({
      type: 'about:blank',
      title: 'Internal Server Error',
      status: 500,
      code: 'ERR_INTERNAL',
    });
    expect(html.text()).not.toContain('hunter2');
    expect(html.text()).toContain('<h1>500 Internal Server Error</h1>');
  });

  it('should show a 5xx message only when the error says expose, keeping its headers', async () => {
    const res = await get(app(), '/exposed', 'text/html');
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('60');
    expect(res.text()).toContain('<p>Down for maintenance</p>');
  });

  it('should show 5xx messages with expose: true (development)', async () => {
    const res = await get(app({ expose: true }), '/boom');
    expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(res.json()).toMatchObject({ status: 500, detail: 'database password is hunter2' });
  });

  it('should escape what it puts in HTML', async () => {
    const a = new App({ logger: false });
    a.use(errorHandler());
    a.get('/', (ctx) => ctx.throw(400, '<script>alert(1)</script>'));
    const res = await get(a, '/', 'text/html');
    expect(res.text()).not.toContain('<script>');
    expect(res.text()).toContain('&#60;script&#62;');
  });

  it('should render the unhandled 404 negotiated too', async () => {
    const res = await get(app(), '/nothing-here', 'text/html');
    expect(res.status).toBe(404);
    expect(res.text()).toContain('<h1>404 Not Found</h1>');
  });

  it('should render an error that happens while the response is serialised', async () => {
    const res = await get(app(), '/cyclic', 'text/html');
    expect(res.status).toBe(500);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
  });

  it('should leave HEAD responses without a body', async () => {
    const { responses } = await app().inject({ method: 'HEAD', url: '/teapot', headers: { accept: 'text/html' } });
    expect(responses[0]!.status).toBe(418);
    expect(responses[0]!.body.length).toBe(0);
    expect(Number(responses[0]!.headers['content-length'])).toBeGreaterThan(0);
  });
});

describe('errorHandler() — custom renderers', () => {
  const custom: ErrorHandlerOptions = {
    notFound: (ctx) => `<h1>Nothing at ${ctx.path.replace(/[<>&]/g, '')}</h1>`,
    onError: (err, ctx) => {
      if (err.status === 418) {
        ctx.set('x-brew', 'tea');
        return { error: err.code, retry: false };
      }
      return undefined;
    },
  };

  it('should render an unanswered request with notFound(ctx)', async () => {
    const res = await get(app(custom), '/missing');
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.text()).toBe('<h1>Nothing at /missing</h1>');
  });

  it('should render a thrown 404 with onError, not notFound', async () => {
    const res = await get(app(custom), '/gone');
    expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(res.json()).toMatchObject({ detail: 'No such user' });
  });

  it('should send what onError returns, with the headers it set', async () => {
    const res = await get(app(custom), '/teapot');
    expect(res.status).toBe(418);
    expect(res.headers['x-brew']).toBe('tea');
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.json()).toEqual({ error: 'ERR_TEAPOT', retry: false });
  });

  it('should fall back to the default when onError returns undefined', async () => {
    const res = await get(app(custom), '/boom');
    expect(res.json()).toMatchObject({ title: 'Internal Server Error', code: 'ERR_INTERNAL' });
  });

  it('should take a body and type set on ctx by the renderer', async () => {
    const a = app({
      notFound: (ctx) => {
        ctx.type = 'text/csv';
        ctx.body = 'status\n404\n';
      },
    });
    const res = await get(a, '/nope');
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.text()).toBe('status\n404\n');
  });

  it('should send the default problem+json when a renderer throws, and report it', async () => {
    const a = new App({ logger: false });
    a.use(
      errorHandler({
        onError: () => {
          throw new Error('renderer bug');
        },
      }),
    );
    a.get('/', (ctx) => ctx.throw(409));
    const res = await get(a, '/');
    expect(res.status).toBe(409);
    expect(res.json()).toMatchObject({ status: 409 });
  });

  it('should report each error once, through the app', async () => {
    const a = app(custom);
    const seen: unknown[] = [];
    a.on('error', (err) => seen.push(err));
    await get(a, '/boom');
    await get(a, '/missing');
    expect(seen).toHaveLength(1);
    expect((seen[0] as Error).message).toBe('database password is hunter2');
  });

  it('should render errors thrown by middleware upstream of it too', async () => {
    const a = new App({ logger: false });
    a.use(async (_ctx, next) => {
      await next();
      throw new HttpError(451, 'Blocked');
    });
    a.use(errorHandler({ onError: (err) => `status ${err.status}` }));
    a.get('/', () => 'ok');
    const res = await get(a, '/');
    expect(res.status).toBe(451);
    expect(res.text()).toBe('status 451');
  });

  it('should answer a browser through a real server', async () => {
    const { url } = await serve(app(custom));
    const res = await supertest(url).get('/missing').set('accept', 'text/html');
    expect(res.status).toBe(404);
    expect(res.text).toBe('<h1>Nothing at /missing</h1>');
  });
});
