/**
 * Koa habits that used to serve nothing, with real middleware from npm: `koa-logger` and
 * `koa-session` added with `app.use()` after the first `app.get()` still run for routed requests
 * (the app's routes run after every `app.use()` middleware), and a router mounted through its
 * `routes()` (`router.use('/todos', todos.routes())`) serves its routes.
 */
import KoaRouter from '@koa/router';
import koaLogger from 'koa-logger';
import session from 'koa-session';
import { describe, expect, it } from 'vitest';
import { App, Router } from '../../src/index.js';
import { deferred } from '../helpers/server.js';

async function call(app: App, method: string, url: string, headers: Record<string, string> = {}) {
  const { responses } = await app.inject({ method, url, headers });
  expect(responses).toHaveLength(1);
  return responses[0]!;
}

describe('koa-logger added after the first route', () => {
  it('should log a routed request, in and out', async () => {
    const app = new App({ logger: false });
    app.get('/todos', () => [{ id: 1 }]);
    const lines: string[] = [];
    const done = deferred();
    app.use(
      koaLogger((line) => {
        // koa-logger colours its fields; the words are what matters here.
        lines.push(line.replace(/\u001b\[\d+m/g, ''));
        if (line.includes('-->')) done.resolve();
      }),
    );
    const res = await call(app, 'GET', '/todos');
    expect(res.json()).toEqual([{ id: 1 }]);
    expect(lines[0]).toMatch(/<-- GET \/todos$/);
    // The second line is written when the response finishes.
    await done.promise;
    expect(lines[1]).toMatch(/--> GET \/todos 200 /);
  });
});

describe('koa-session added after the first route', () => {
  it("should give routed handlers ctx.session, kept across requests in the app's cookie", async () => {
    const app = new App({ logger: false, keys: ['k1'] });
    app.get('/visits', (ctx) => {
      const s = (ctx as unknown as { session: { visits?: number } }).session;
      s.visits = (s.visits ?? 0) + 1;
      return { visits: s.visits };
    });
    app.use(session({ key: 'sid' }, app as never));
    const first = await call(app, 'GET', '/visits');
    expect(first.json()).toEqual({ visits: 1 });
    const cookies = ([] as string[])
      .concat(first.headers['set-cookie'] ?? [])
      .map((c) => c.split(';')[0])
      .join('; ');
    expect(cookies).toMatch(/sid=.*sid\.sig=/);
    expect((await call(app, 'GET', '/visits', { cookie: cookies })).json()).toEqual({ visits: 2 });
  });
});

describe('@koa/router given to app.use() after the first route', () => {
  it("should serve both, the Koa router in its place before the app's own routes", async () => {
    const app = new App({ logger: false });
    app.get('/who', () => 'app');
    app.get('/app-only', () => 'app');
    const koa = new KoaRouter();
    koa.get('/who', (ctx) => {
      ctx.body = 'koa';
    });
    app.use(koa.routes());
    expect((await call(app, 'GET', '/who')).text()).toBe('koa');
    expect((await call(app, 'GET', '/app-only')).text()).toBe('app');
  });
});

describe('router.use(path, child.routes())', () => {
  it('should mount the child router, as router.use(path, child) does', async () => {
    const todos = new Router().get('/', () => ['all']).get('/:id', (ctx) => ({ id: ctx.params.id }));
    const api = new Router().use('/todos', todos.routes());
    const app = new App({ logger: false });
    app.use(api.routes());
    expect((await call(app, 'GET', '/todos')).json()).toEqual(['all']);
    expect((await call(app, 'GET', '/todos/3')).json()).toEqual({ id: '3' });
    const del = await call(app, 'DELETE', '/todos/3');
    expect(del.status).toBe(405);
    expect(del.headers['allow']).toBe('GET, HEAD, OPTIONS');
  });
});
