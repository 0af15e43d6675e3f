/**
 * The Router's rules (issue 5), each over the real engine: `app.inject` for most, supertest over a
 * listening server where a real client's view matters (405/OPTIONS/HEAD, mounting).
 */
import supertest from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import type { AddressInfo } from 'node:net';
import { App, Router, type Server } from '../../src/index.js';

const servers: Server[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** A supertest agent for `app` on an ephemeral port; the server is closed after the test. */
async function http(app: App<object>): Promise<supertest.Agent> {
  const server = app.listen(0, '127.0.0.1');
  servers.push(server);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  return supertest.agent(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
}

/** One request through `app.inject`; its response. */
async function call(app: App<object>, method: string, url: string, body?: string | object) {
  const { responses } = await app.inject({ method, url, ...(body === undefined ? {} : { body }) });
  expect(responses).toHaveLength(1);
  return responses[0]!;
}

/** A route handler that answers with its params, as a plain object. */
const echo = (ctx: { params: Record<string, string> }) => ({ ...ctx.params });

function appWith(router: Router<object>): App<object> {
  const app = new App<object>({ logger: false });
  app.use(router.routes());
  return app;
}

/** The usual catch-all a user puts after the routers (the @koa/router complaint). */
function withCatchAll(app: App<object>): App<object> {
  return app.use((ctx) => {
    ctx.status = 404;
    ctx.body = 'custom';
  });
}

describe('Router path syntax', () => {
  it('should capture a param written as /user/:id or /user/{id}', async () => {
    const app = appWith(new Router().get('/user/:id', echo).get('/team/{id}', echo));
    expect((await call(app, 'GET', '/user/42')).json()).toEqual({ id: '42' });
    expect((await call(app, 'GET', '/team/7')).json()).toEqual({ id: '7' });
    expect((await call(app, 'GET', '/user/')).status).toBe(404);
  });

  it('should serve an optional segment with and without it', async () => {
    const app = appWith(new Router().get('/docs/:lang?', echo));
    expect((await call(app, 'GET', '/docs')).json()).toEqual({});
    expect((await call(app, 'GET', '/docs/en')).json()).toEqual({ lang: 'en' });
    expect((await call(app, 'GET', '/docs/en/x')).status).toBe(404);
  });

  it('should capture a named wildcard tail, slashes included', async () => {
    const app = appWith(new Router().get('/files/*path', echo));
    expect((await call(app, 'GET', '/files/a/b/c.txt')).json()).toEqual({ path: 'a/b/c.txt' });
    expect((await call(app, 'GET', '/files')).json()).toEqual({ path: '' });
  });

  it('should match a param pattern like :id(\\d+) only when the whole value matches', async () => {
    const app = appWith(
      new Router().get('/user/:id(\\d+)', echo).get('/user/:name', (ctx) => ({ name: ctx.params.name })),
    );
    expect((await call(app, 'GET', '/user/42')).json()).toEqual({ id: '42' });
    expect((await call(app, 'GET', '/user/4x2')).json()).toEqual({ name: '4x2' });
    const only = appWith(new Router().get('/n/:id(\\d+)', echo));
    expect((await call(only, 'GET', '/n/abc')).status).toBe(404);
  });

  it('should percent-decode a param exactly once', async () => {
    const app = appWith(new Router().get('/user/:id', echo).get('/files/*path', echo));
    expect((await call(app, 'GET', '/user/a%20b')).json()).toEqual({ id: 'a b' });
    // Decoding twice would turn %2541 into 'A'.
    expect((await call(app, 'GET', '/user/%2541')).json()).toEqual({ id: '%41' });
    expect((await call(app, 'GET', '/files/dir/a%2Fb%C3%A9')).json()).toEqual({ path: 'dir/a/bé' });
  });

  it('should answer a malformed escape in a param with 400 problem+json', async () => {
    const app = appWith(new Router().get('/user/:id', echo));
    const res = await call(app, 'GET', '/user/%E0%A4%A');
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({ status: 400, code: 'ERR_BAD_PARAM' });
  });

  it('should not match a param longer than maxParamLength (default 100)', async () => {
    const app = appWith(new Router().get('/user/:id', echo));
    expect((await call(app, 'GET', `/user/${'x'.repeat(100)}`)).status).toBe(200);
    expect((await call(app, 'GET', `/user/${'x'.repeat(101)}`)).status).toBe(404);
    const short = appWith(new Router({ maxParamLength: 3 }).get('/user/:id', echo));
    expect((await call(short, 'GET', '/user/abc')).status).toBe(200);
    expect((await call(short, 'GET', '/user/abcd')).status).toBe(404);
  });

  it('should throw at registration, naming both paths, for two routes no request tells apart', () => {
    const router = new Router().get('/user/:id', echo);
    let error: unknown;
    try {
      router.get('/user/{name}', echo);
    } catch (err) {
      error = err;
    }
    expect(error).toMatchObject({ code: 'ERR_ROUTER_CONFLICT' });
    expect((error as Error).message).toContain('/user/{name}');
    expect((error as Error).message).toContain('/user/:id');
    // Other methods at the same path are fine.
    expect(() => router.post('/user/:name', echo)).not.toThrow();
  });

  it('should throw at mounting for a mounted route that clashes with one already there', () => {
    const api = new Router().get('/users/:id', echo);
    const users = new Router().get('/:userId', echo);
    expect(() => api.use('/users', users)).toThrow(/"\/users\/:userId".*"\/users\/:id"/);
  });

  it('should refuse new routes once it serves (ERR_ROUTER_FROZEN)', async () => {
    const child = new Router().get('/c', () => 'c');
    const router = new Router().get('/a', () => 'a').use('/x', child);
    const app = appWith(router);
    expect((await call(app, 'GET', '/x/c')).text()).toBe('c');
    expect(() => router.get('/b', () => 'b')).toThrow(expect.objectContaining({ code: 'ERR_ROUTER_FROZEN' }));
    expect(() => child.get('/d', () => 'd')).toThrow(expect.objectContaining({ code: 'ERR_ROUTER_FROZEN' }));
  });
});

describe('Router#url', () => {
  it('should build the URL of a named route with params and a query', () => {
    const router = new Router().get('user', '/user/:id', echo);
    expect(router.url('user', { id: 42 })).toBe('/user/42');
    expect(router.url('user', { id: 42 }, { query: { tab: 'a b', page: 2 } })).toBe('/user/42?tab=a%20b&page=2');
    expect(router.url('user', { id: 'a/b c' })).toBe('/user/a%2Fb%20c');
  });

  it('should include the prefix and mount paths, and reject an unknown name', () => {
    const child = new Router().get('post', '/posts/:postId', echo);
    const api = new Router({ prefix: '/api' });
    api.use('/users/:userId', child);
    expect(api.url('post', { userId: 1, postId: 2 })).toBe('/api/users/1/posts/2');
    expect(() => api.url('nope')).toThrow(/No route named "nope"/);
  });

  it('should serve the URL it builds', async () => {
    const router = new Router().get('file', '/files/*path', echo);
    const app = appWith(router);
    const url = router.url('file', { path: 'a b/c' });
    expect(url).toBe('/files/a%20b/c');
    expect((await call(app, 'GET', url)).json()).toEqual({ path: 'a b/c' });
  });
});

describe('Router mounting', () => {
  it('should show the parent params in a router mounted at /users/:userId/posts', async () => {
    const posts = new Router<object, '/users/:userId/posts'>()
      .get('/', (ctx) => ({ userId: ctx.params.userId, list: true }))
      .get('/:postId', (ctx) => ({ userId: ctx.params.userId, postId: ctx.params.postId }));
    const api = new Router({ prefix: '/api' });
    api.use('/users/:userId/posts', posts);
    const request = await http(appWith(api));
    await request.get('/api/users/7/posts/3').expect(200, { userId: '7', postId: '3' });
    await request.get('/api/users/7/posts').expect(200, { userId: '7', list: true });
    await request.get('/users/7/posts/3').expect(404);
  });

  it('should join prefixes and mount paths at every level', async () => {
    const leaf = new Router({ prefix: '/c' }).get('/:z', echo);
    const mid = new Router({ prefix: '/b' }).use('/:y', leaf);
    const top = new Router({ prefix: '/a' }).use('/:x', mid);
    const app = appWith(top);
    expect((await call(app, 'GET', '/a/1/b/2/c/3')).json()).toEqual({ x: '1', y: '2', z: '3' });
  });

  it('should mount a router given as its routes() middleware, as the router itself', async () => {
    const todos = new Router<object, '/lists/:listId/todos'>()
      .get('/', (ctx) => ({ list: ctx.params.listId }))
      .get('/:id', (ctx) => ({ list: ctx.params.listId, id: ctx.params.id }));
    const api = new Router({ prefix: '/api' }).use('/lists/:listId/todos', todos.routes());
    const app = appWith(api);
    expect((await call(app, 'GET', '/api/lists/2/todos/5')).json()).toEqual({ list: '2', id: '5' });
    expect((await call(app, 'GET', '/api/lists/2/todos')).json()).toEqual({ list: '2' });
    expect((await call(app, 'POST', '/api/lists/2/todos')).status).toBe(405);
    expect(api.list().map((r) => r.path)).toEqual(['/api/lists/:listId/todos', '/api/lists/:listId/todos/:id']);
    expect(() => todos.get('/late', () => 'late')).toThrow(expect.objectContaining({ code: 'ERR_ROUTER_FROZEN' }));
  });

  it('should refuse to mount a router in itself through its routes()', () => {
    const r = new Router();
    expect(() => r.use('/x', r.routes())).toThrow(TypeError);
  });

  it('should serve its routes under the prefix only', async () => {
    const app = appWith(new Router({ prefix: '/v1' }).get('/ping', () => 'pong').get('/', () => 'root'));
    expect((await call(app, 'GET', '/v1/ping')).text()).toBe('pong');
    expect((await call(app, 'GET', '/v1')).text()).toBe('root');
    expect((await call(app, 'GET', '/ping')).status).toBe(404);
  });
});

describe('Router options', () => {
  it('should match static text case-sensitively unless caseSensitive is false', async () => {
    const strictCase = appWith(new Router().get('/About', () => 'about'));
    expect((await call(strictCase, 'GET', '/About')).status).toBe(200);
    expect((await call(strictCase, 'GET', '/about')).status).toBe(404);
    const folded = appWith(new Router({ caseSensitive: false }).get('/About/:name', echo));
    expect((await call(folded, 'GET', '/aBOUT/Bob')).json()).toEqual({ name: 'Bob' });
  });

  it('should treat one trailing slash as optional unless strict', async () => {
    const lenient = appWith(new Router().get('/about', () => 'about'));
    expect((await call(lenient, 'GET', '/about/')).status).toBe(200);
    const strict = appWith(new Router({ strict: true }).get('/about', () => 'about'));
    expect((await call(strict, 'GET', '/about')).status).toBe(200);
    expect((await call(strict, 'GET', '/about/')).status).toBe(404);
  });
});

describe('Router methods: 405, OPTIONS, HEAD, 501', () => {
  /** Two separate routers serving different methods on the same path, each `app.use`d. */
  function twoRouters(): App<object> {
    const reads = new Router().get('/items/:id', (ctx) => ({ id: ctx.params.id, via: 'reads' }));
    const writes = new Router().put('/items/:id', () => ({ via: 'writes' })).delete('/items/:id', () => null);
    const app = new App<object>({ logger: false });
    app.use(reads.routes());
    app.use(writes.routes());
    return app;
  }

  for (const catchAll of [false, true]) {
    const suffix = catchAll ? ' (with a catch-all 404 after the routers)' : '';
    const make = (): App<object> => (catchAll ? withCatchAll(twoRouters()) : twoRouters());

    it(`should answer 405 with Allow listing every method at the path across routers${suffix}`, async () => {
      const request = await http(make());
      const res = await request.post('/items/1').expect(405);
      expect(res.headers['allow']).toBe('DELETE, GET, HEAD, OPTIONS, PUT');
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({ status: 405, code: 'ERR_METHOD_NOT_ALLOWED' });
    });

    it(`should answer OPTIONS with 204 and Allow${suffix}`, async () => {
      const request = await http(make());
      const res = await request.options('/items/1').expect(204);
      expect(res.headers['allow']).toBe('DELETE, GET, HEAD, OPTIONS, PUT');
      expect(res.text).toBe('');
    });

    it(`should serve HEAD with the GET route: no body, the GET Content-Length${suffix}`, async () => {
      const app = make();
      const get = await call(app, 'GET', '/items/1');
      const head = await call(app, 'HEAD', '/items/1');
      expect(head.status).toBe(200);
      expect(head.body.length).toBe(0);
      expect(head.headers['content-length']).toBe(String(get.body.length));
      expect(head.headers['content-type']).toBe(get.headers['content-type']);
      const request = await http(make());
      const res = await request.head('/items/1').expect(200);
      expect(res.headers['content-length']).toBe(String(get.body.length));
    });

    it(`should answer 501 for a method no route serves anywhere${suffix}`, async () => {
      const res = await call(make(), 'PATCH', '/nowhere');
      expect(res.status).toBe(501);
      expect(res.json()).toMatchObject({ status: 501, code: 'ERR_METHOD_NOT_IMPLEMENTED' });
    });

    it(`should route each method to the router that serves it${suffix}`, async () => {
      const app = make();
      expect((await call(app, 'GET', '/items/1')).json()).toEqual({ id: '1', via: 'reads' });
      expect((await call(app, 'PUT', '/items/1')).json()).toEqual({ via: 'writes' });
      expect((await call(app, 'DELETE', '/items/1')).status).toBe(204);
    });
  }

  it('should leave an unknown path with a known method to the catch-all', async () => {
    expect((await call(twoRouters(), 'GET', '/nowhere')).status).toBe(404);
    const res = await call(withCatchAll(twoRouters()), 'GET', '/nowhere');
    expect(res.status).toBe(404);
    expect(res.text()).toBe('custom');
    expect((await call(twoRouters(), 'OPTIONS', '/nowhere')).status).toBe(404);
  });

  it('should still answer 405 when the catch-all throws 404 instead of setting it', async () => {
    const app = twoRouters().use((ctx) => ctx.throw(404));
    const res = await call(app, 'POST', '/items/1');
    expect(res.status).toBe(405);
    expect(res.headers['allow']).toBe('DELETE, GET, HEAD, OPTIONS, PUT');
    expect((await call(app, 'OPTIONS', '/items/1')).status).toBe(204);
  });

  it("should keep a matched route's own 404, even when another router serves the path with other methods", async () => {
    // Regression: the outer router saw 404 and turned the inner route's "no such item" into a 405.
    const reads = new Router().get('/items/:id', () => 'item');
    const writes = new Router().put('/items/:id', (ctx) => {
      ctx.status = 404;
      ctx.body = { error: 'no such item' };
    });
    const app = new App<object>({ logger: false });
    app.use(reads.routes());
    app.use(writes.routes());
    const res = await call(app, 'PUT', '/items/9');
    expect(res.status).toBe(404);
    expect(res.json()).toEqual({ error: 'no such item' });
  });

  it('should let an explicit OPTIONS or HEAD route answer for itself', async () => {
    const router = new Router()
      .get('/x', () => 'get')
      .head('/x', (ctx) => {
        ctx.set('x-head', 'own');
        ctx.status = 200;
      })
      .options('/x', (ctx) => {
        ctx.set('allow', 'GET');
        ctx.status = 200;
      });
    const app = appWith(router);
    expect((await call(app, 'HEAD', '/x')).headers['x-head']).toBe('own');
    expect((await call(app, 'OPTIONS', '/x')).status).toBe(200);
  });
});

describe('Router#use middleware', () => {
  function tracedApp() {
    const seen: string[] = [];
    const a = new Router();
    a.use((ctx, next) => {
      seen.push(`a:${ctx.path}`);
      return next();
    });
    a.get('/a', () => 'a');
    const b = new Router().get('/b', () => 'b');
    const app = new App<object>({ logger: false });
    app.use(a.routes());
    app.use(b.routes());
    return { app, seen };
  }

  it("should run only for requests routed into its router, not for other routers' routes", async () => {
    const { app, seen } = tracedApp();
    expect((await call(app, 'GET', '/b')).text()).toBe('b');
    expect(seen).toEqual([]);
    expect((await call(app, 'GET', '/a')).text()).toBe('a');
    expect(seen).toEqual(['a:/a']);
  });

  it('should not run for a request no route matched', async () => {
    const { app, seen } = tracedApp();
    expect((await call(app, 'GET', '/nowhere')).status).toBe(404);
    expect((await call(app, 'POST', '/a')).status).toBe(405);
    expect(seen).toEqual([]);
  });

  it('should run outer router middleware first, then the mounted router’s, then the handler', async () => {
    const order: string[] = [];
    const child = new Router();
    child.use(async (_ctx, next) => {
      order.push('child');
      await next();
    });
    child.get('/leaf', () => {
      order.push('handler');
      return 'ok';
    });
    const parent = new Router();
    parent.use(async (_ctx, next) => {
      order.push('parent');
      await next();
    });
    parent.use('/c', child);
    parent.get('/own', () => 'own');
    const app = appWith(parent);
    expect((await call(app, 'GET', '/c/leaf')).text()).toBe('ok');
    expect(order).toEqual(['parent', 'child', 'handler']);
    order.length = 0;
    expect((await call(app, 'GET', '/own')).text()).toBe('own');
    expect(order).toEqual(['parent']);
  });

  it("should narrow router.use('/admin', fn) to routes at /admin and below, segment-wise", async () => {
    const seen: string[] = [];
    const router = new Router();
    router.use('/admin', (ctx, next) => {
      seen.push(ctx.path);
      return next();
    });
    const panel = new Router().get('/stats', () => 'stats');
    router
      .get('/admin', () => 'admin')
      .get('/admin/users/:id', echo)
      .get('/administrator', () => 'x')
      .get('/public', () => 'p');
    router.use('/admin/panel', panel);
    // Mounted with no path: its own '/admin/…' routes are still under '/admin' (regression).
    router.use(new Router().get('/admin/logs', () => 'logs').get('/status', () => 'up'));
    const app = appWith(router);
    for (const path of [
      '/admin',
      '/admin/users/1',
      '/admin/panel/stats',
      '/admin/logs',
      '/administrator',
      '/public',
      '/status',
    ]) {
      expect((await call(app, 'GET', path)).status).toBe(200);
    }
    expect(seen).toEqual(['/admin', '/admin/users/1', '/admin/panel/stats', '/admin/logs']);
  });

  it('should give narrowed middleware the params of its path', async () => {
    const router = new Router<{ owner?: string }>();
    router.use('/users/:userId', (ctx, next) => {
      ctx.state.owner = ctx.params.userId;
      return next();
    });
    router.get('/users/:userId/profile', (ctx) => ({ owner: ctx.state.owner }));
    const app = new App<{ owner?: string }>({ logger: false });
    app.use(router.routes());
    expect((await app.inject({ url: '/users/5/profile' })).responses[0]!.json()).toEqual({ owner: '5' });
  });
});

describe('App route sugar and return values', () => {
  it("should send app.get('/', ctx => ({ message })) as JSON", async () => {
    const app = new App({ logger: false });
    app.get('/', () => ({ message: 'Hello, world!' }));
    const request = await http(app);
    const res = await request.get('/').expect(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.body).toEqual({ message: 'Hello, world!' });
  });

  it('should send a returned string as text/plain, sync or async', async () => {
    const app = new App({ logger: false });
    app.get('/sync', () => 'plain');
    app.get('/async', async () => 'later');
    const res = await call(app, 'GET', '/sync');
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(res.text()).toBe('plain');
    expect((await call(app, 'GET', '/async')).text()).toBe('later');
  });

  it('should leave the body alone when a handler returns undefined', async () => {
    const app = new App({ logger: false });
    app.get(
      '/',
      async (ctx, next) => {
        ctx.body = 'set by middleware';
        await next();
      },
      () => undefined,
    );
    app.get('/self', (ctx) => {
      ctx.body = { set: 'directly' };
    });
    expect((await call(app, 'GET', '/')).text()).toBe('set by middleware');
    expect((await call(app, 'GET', '/self')).json()).toEqual({ set: 'directly' });
  });

  it('should register post, put, patch, delete and all on the app', async () => {
    const app = new App({ logger: false });
    app.post('/t', () => ({ m: 'post' }));
    app.put('/t/:id', (ctx) => ({ m: 'put', id: ctx.params.id }));
    app.patch('/t/:id', (ctx) => ({ m: 'patch', id: ctx.params.id }));
    app.delete('/t/:id', (ctx) => ({ m: 'delete', id: ctx.params.id }));
    app.all('/any', (ctx) => ({ m: ctx.method }));
    expect((await call(app, 'POST', '/t', { a: 1 })).json()).toEqual({ m: 'post' });
    expect((await call(app, 'PUT', '/t/1')).json()).toEqual({ m: 'put', id: '1' });
    expect((await call(app, 'PATCH', '/t/2')).json()).toEqual({ m: 'patch', id: '2' });
    expect((await call(app, 'DELETE', '/t/3')).json()).toEqual({ m: 'delete', id: '3' });
    for (const method of ['GET', 'POST', 'PROPFIND']) {
      expect((await call(app, method, '/any')).json()).toEqual({ m: method });
    }
  });
});
