/**
 * The order of an App's stack (rules in src/app.ts): the app's own routes run after every
 * `app.use()` middleware, whenever either was added; routers given to `app.use()` keep their place;
 * a plain middleware's return value is ignored, a route handler's becomes the body.
 */
import { describe, expect, it } from 'vitest';
import { App, Router } from '../../src/index.js';
import { errorHandler } from '../../src/middleware/index.js';

async function call(app: App, method: string, url: string) {
  const { responses } = await app.inject({ method, url, headers: { accept: 'application/json' } });
  expect(responses).toHaveLength(1);
  return responses[0]!;
}

describe('App: middleware added after the first route', () => {
  it('should wrap the routes, as middleware added before them does', async () => {
    const app = new App({ logger: false });
    const seen: string[] = [];
    app.use(async (ctx, next) => {
      seen.push('before');
      await next();
      ctx.set('x-before', 'yes');
    });
    app.get('/', () => {
      seen.push('route');
      return 'hi';
    });
    app.use(async (ctx, next) => {
      seen.push('after');
      await next();
      ctx.set('x-after', 'yes');
    });
    const res = await call(app, 'GET', '/');
    expect(res.text()).toBe('hi');
    expect(res.headers['x-before']).toBe('yes');
    expect(res.headers['x-after']).toBe('yes');
    expect(seen).toEqual(['before', 'after', 'route']);
  });

  it("should let an errorHandler() added after the routes render a route's error", async () => {
    const app = new App({ logger: false });
    app.get('/boom', (ctx) => ctx.throw(409, 'taken'));
    app.use(errorHandler({ onError: (err) => ({ oops: err.message }) }));
    const res = await call(app, 'GET', '/boom');
    expect(res.status).toBe(409);
    expect(res.json()).toEqual({ oops: 'taken' });
  });

  it('should serve a custom 404 written around the stack, and keep the 405 and 501 answers', async () => {
    const app = new App({ logger: false });
    app.get('/', () => 'hi');
    app.use(async (ctx, next) => {
      await next();
      if (ctx.status !== 404 || ctx.body !== undefined) return;
      ctx.status = 404;
      ctx.body = 'custom';
    });
    expect((await call(app, 'GET', '/')).text()).toBe('hi');
    const missing = await call(app, 'GET', '/missing');
    expect(missing.status).toBe(404);
    expect(missing.text()).toBe('custom');
    // The path exists with GET: 405 wins over 501 (Allow is the more useful answer).
    expect((await call(app, 'POST', '/')).status).toBe(405);
    expect((await call(app, 'POST', '/missing')).status).toBe(501);
  });

  it('should answer every request from a middleware that does not call next(), routed ones included', async () => {
    const app = new App({ logger: false });
    app.get('/', () => 'hi');
    app.use((ctx) => {
      ctx.body = 'maintenance';
    });
    expect((await call(app, 'GET', '/')).text()).toBe('maintenance');
  });

  it('should keep a router given to app.use() in its place, before the app’s own routes', async () => {
    const app = new App({ logger: false });
    app.get('/who', () => 'app');
    app.use(
      new Router()
        .get('/who', () => 'router')
        .get('/only-router', () => 'router')
        .routes(),
    );
    expect((await call(app, 'GET', '/who')).text()).toBe('router');
    expect((await call(app, 'GET', '/only-router')).text()).toBe('router');
  });

  it('should refuse use() once the app serves, and a non-function at once', async () => {
    const app = new App({ logger: false });
    app.get('/', () => 'hi');
    expect(() => app.use('nope' as never)).toThrow(TypeError);
    await call(app, 'GET', '/');
    expect(() => app.use((_ctx, next) => next())).toThrow(/after the app started serving/);
  });
});

describe('App: return values', () => {
  it("should ignore a plain middleware's return value, as Koa does", async () => {
    const app = new App({ logger: false });
    app.use(() => 'ignored');
    const res = await call(app, 'GET', '/');
    expect(res.status).toBe(404);
  });

  it("should make a route handler's return value the body, which an upstream `return next()` leaves alone", async () => {
    const app = new App({ logger: false });
    // Koa middleware returns next(); its value is whatever ran downstream, and is not a body.
    app.use((_ctx, next) => next().then(() => 'not the body'));
    app.get('/', () => ({ from: 'route' }));
    expect((await call(app, 'GET', '/')).json()).toEqual({ from: 'route' });
  });
});
