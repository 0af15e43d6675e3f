/**
 * `koa-mount` from npm, both ways: a shallot App mounts a Koa app, and a shallot App is mounted —
 * into another shallot App or into a Koa app — the same way a Koa app is: koa-mount composes the
 * mounted app's `app.middleware` and runs it with the path stripped of the prefix. The mounted
 * app's own routes (`app.get()`) are part of its `middleware`, last, as they run.
 */
import Koa from 'koa';
import mount from 'koa-mount';
import supertest from 'supertest';
import { describe, expect, it } from 'vitest';
import { App, Router } from '../../src/index.js';

/** koa-mount's types name Koa's class; what it reads of a mounted app is `middleware`. */
const asKoa = (app: App): Koa => app as unknown as Koa;

/** A shallot API: its own routes, a router given to use(), and a middleware added after the routes. */
function shallotApi(): App {
  const api = new App({ logger: false });
  api.get('/todos/:id', (ctx) => ({ id: ctx.params.id, path: ctx.path }));
  api.use(new Router().get('/health', () => 'ok').routes());
  api.use(async (ctx, next) => {
    await next();
    ctx.set('x-api', 'shallot');
  });
  return api;
}

async function call(app: App, method: string, url: string) {
  const { responses } = await app.inject({ method, url });
  expect(responses).toHaveLength(1);
  return responses[0]!;
}

describe('koa-mount in a shallot App', () => {
  it('should mount a Koa app under a prefix', async () => {
    const legacy = new Koa();
    legacy.use((ctx) => {
      ctx.body = { legacy: true, path: ctx.path };
    });
    const app = new App({ logger: false });
    app.use(mount('/legacy', legacy));
    app.get('/', () => 'home');
    expect((await call(app, 'GET', '/legacy/x')).json()).toEqual({ legacy: true, path: '/x' });
    expect((await call(app, 'GET', '/')).text()).toBe('home');
  });

  it('should mount a shallot App under a prefix, its routes and middleware included', async () => {
    const app = new App({ logger: false });
    app.use(mount('/api', asKoa(shallotApi())));
    app.get('/', () => 'home');
    const todo = await call(app, 'GET', '/api/todos/3');
    expect(todo.status).toBe(200);
    expect(todo.json()).toEqual({ id: '3', path: '/todos/3' });
    expect(todo.headers['x-api']).toBe('shallot');
    expect((await call(app, 'GET', '/api/health')).text()).toBe('ok');
    expect((await call(app, 'GET', '/')).text()).toBe('home');
    expect((await call(app, 'GET', '/todos/3')).status).toBe(404);
  });
});

describe('koa-mount of a shallot App in a Koa app', () => {
  it('should serve the shallot routes under the prefix', async () => {
    const koa = new Koa();
    koa.use(mount('/api', asKoa(shallotApi())));
    koa.use((ctx) => {
      ctx.body = 'koa';
    });
    const request = supertest(koa.callback());
    const todo = await request.get('/api/todos/3');
    expect(todo.status).toBe(200);
    expect(todo.body).toEqual({ id: '3', path: '/todos/3' });
    expect(todo.headers['x-api']).toBe('shallot');
    expect((await request.get('/api/health')).text).toBe('ok');
    expect((await request.get('/other')).text).toBe('koa');
  });
});
