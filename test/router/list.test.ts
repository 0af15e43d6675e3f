/**
 * A router describes itself: `router.list()` and `app.routes` (rules in src/router/route-info.ts),
 * and the metadata a route declares once, at registration.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { App, Router } from '../../src/index.js';
import { validate } from '../../src/middleware/index.js';

const ok = (): string => 'ok';
const Id = z.object({ id: z.coerce.number() });
const User = z.object({ name: z.string() });
const Key = z.object({ 'x-api-key': z.string() });

describe('Router#list', () => {
  it('should describe each route: method, path, name, params, schemas and metadata', () => {
    const router = new Router().get('/health', ok).post('createUser', '/users', ok);
    expect(router.list()).toEqual([
      { method: 'GET', path: '/health', name: null, params: [], schemas: {}, meta: {} },
      { method: 'POST', path: '/users', name: 'createUser', params: [], schemas: {}, meta: {} },
    ]);
  });

  it('should mark optional params, restricted params and wildcard tails', () => {
    const router = new Router().get('/files/:id(\\d+)/:lang?', ok).get('/raw/*rest', ok).get('/any/*', ok);
    expect(router.list().map((r) => r.params)).toEqual([
      [
        { name: 'id', optional: false, pattern: '\\d+', wildcard: false },
        { name: 'lang', optional: true, pattern: null, wildcard: false },
      ],
      [{ name: 'rest', optional: false, pattern: null, wildcard: true }],
      [{ name: '*', optional: false, pattern: null, wildcard: true }],
    ]);
    expect(router.list()[0]!.path).toBe('/files/:id(\\d+)/:lang?');
  });

  it('should give full paths as seen from the listing router: its prefix and the mount paths below it', () => {
    const posts = new Router({ prefix: '/posts' }).get('post', '/:postId', ok);
    const users = new Router().get('/', ok).use('/users/:userId', posts);
    const api = new Router({ prefix: '/api' }).use('/v1', users);
    expect(api.list().map((r) => [r.path, r.name, r.params.map((p) => p.name)])).toEqual([
      ['/api/v1', null, []],
      ['/api/v1/users/:userId/posts/:postId', 'post', ['userId', 'postId']],
    ]);
    // A mounted router lists from its own view: its prefix in, the mount path above it out.
    expect(posts.list().map((r) => r.path)).toEqual(['/posts/:postId']);
    expect(users.list().map((r) => r.path)).toEqual(['/', '/users/:userId/posts/:postId']);
  });

  it("should list this router's routes in registration order, then each mounted router's", () => {
    const child = new Router().get('/c1', ok).get('/c2', ok);
    const router = new Router().get('/a', ok).use('/child', child).get('/b', ok);
    expect(router.list().map((r) => r.path)).toEqual(['/a', '/b', '/child/c1', '/child/c2']);
  });

  it('should list one entry per registration, HEAD and OPTIONS only when registered, all() as ALL', () => {
    const router = new Router().get('/a', ok).head('/b', ok).options('/b', ok).all('/c', ok);
    expect(router.list().map((r) => `${r.method} ${r.path}`)).toEqual(['GET /a', 'HEAD /b', 'OPTIONS /b', 'ALL /c']);
  });

  it('should report the schemas of a validator among the handlers', () => {
    const router = new Router().put('/users/:id', validate({ params: Id, body: User }), ok);
    expect(router.list()[0]!.schemas).toEqual({ params: Id, body: User });
  });

  it('should merge the schemas of router middleware that applies, outer routers first, the first per target winning', () => {
    const Other = z.object({ name: z.number() });
    const child = new Router().use(validate({ body: Other })).post('/items', validate({ params: Id }), ok);
    const router = new Router()
      .use(validate({ headers: Key }))
      .use('/admin', validate({ body: User }))
      .use('/admin', child)
      .use('/public', new Router().get('/', ok));
    const [items, pub] = router.list();
    expect(items!.path).toBe('/admin/items');
    expect(items!.schemas).toEqual({ headers: Key, body: User, params: Id });
    expect(pub!.schemas).toEqual({ headers: Key });
  });

  it('should carry files and responses, responses merged status by status with the outer first winning', () => {
    const Problem = z.object({ code: z.string() });
    const files = { photo: { accept: ['image/*'] } };
    const router = new Router()
      .use(validate({ responses: { 401: Problem, 404: Problem } }))
      .post('/photos', validate({ files, responses: { 201: User, 404: { description: 'No album' } } }), () => ({
        name: 'x',
      }));
    expect(router.list()[0]!.schemas).toEqual({ files, responses: { 201: User, 401: Problem, 404: Problem } });
  });

  it('should read any middleware carrying Standard Schema `schemas` as a validator (the contract, not validate())', () => {
    const thirdParty = Object.assign((_ctx: unknown, next: () => Promise<void>) => next(), { schemas: { query: Id } });
    const notOne = Object.assign((_ctx: unknown, next: () => Promise<void>) => next(), { schemas: { query: 'nope' } });
    const router = new Router().get('/a', thirdParty, ok).get('/b', notOne, ok);
    expect(router.list().map((r) => r.schemas)).toEqual([{ query: Id }, {}]);
  });

  it('should neither build nor freeze the table, and list a router that already serves', async () => {
    const router = new Router().get('/a', ok);
    router.list();
    expect(() => router.get('/b', ok)).not.toThrow();
    const app = new App({ logger: false }).use(router.routes());
    await app.inject({ url: '/a' });
    expect(router.list().map((r) => r.path)).toEqual(['/a', '/b']);
  });

  it('should return a fresh description each call', () => {
    const router = new Router().get({ tags: ['a'] }, '/a', ok);
    (router.list()[0]!.meta as { summary?: string }).summary = 'changed';
    expect(router.list()[0]!.meta).toEqual({ tags: ['a'] });
  });
});

describe('route metadata', () => {
  it('should take the name and metadata as an options object before the path', () => {
    const router = new Router().get(
      { name: 'user', summary: 'One user', tags: ['users'], deprecated: true },
      '/users/:id',
      ok,
    );
    expect(router.list()[0]).toMatchObject({
      name: 'user',
      meta: { summary: 'One user', tags: ['users'], deprecated: true },
    });
    expect(router.url('user', { id: 7 })).toBe('/users/7');
  });

  it('should leave a route given options without a name unnamed', () => {
    const router = new Router().post({ description: 'Creates one', operationId: 'create' }, '/items', ok);
    expect(router.list()[0]).toMatchObject({ name: null, meta: { description: 'Creates one', operationId: 'create' } });
  });

  it('should serve a route registered with options, with a validator after them', async () => {
    const router = new Router().post(
      { name: 'create', summary: 'Create' },
      '/users/:id',
      validate({ params: Id, body: User }),
      (ctx) => ({
        id: ctx.params.id,
        name: ctx.request.body.name,
      }),
    );
    expect(router.list()[0]!.schemas).toEqual({ params: Id, body: User });
    const app = new App({ logger: false }).use(router.routes());
    const { responses } = await app.inject({ method: 'POST', url: '/users/3', body: { name: 'Ada' } });
    expect(responses[0]!.json()).toEqual({ id: 3, name: 'Ada' });
  });

  it('should name routes of every verb, head, options and all included', () => {
    const router = new Router().head('h', '/h', ok).options({ name: 'o' }, '/o', ok).all('a', '/a', ok);
    expect([router.url('h'), router.url('o'), router.url('a')]).toEqual(['/h', '/o', '/a']);
  });

  it('should refuse a name that is not a non-empty string, and a first argument that is neither path, name nor options', () => {
    expect(() => new Router().get({ name: '' }, '/a', ok)).toThrow(TypeError);
    expect(() => new Router().get({ name: 42 as unknown as string }, '/a', ok)).toThrow(TypeError);
    expect(() => new Router().get(null as unknown as string, '/a', ok)).toThrow(/expected a path/);
    expect(() => new Router().get({ summary: 'x' } as unknown as string, ok)).toThrow(/expected a path/);
  });

  it('should keep a duplicate name a conflict however it is given', () => {
    const router = new Router().get('user', '/a', ok);
    expect(() => router.get({ name: 'user' }, '/b', ok)).toThrow(
      expect.objectContaining({ code: 'ERR_ROUTER_CONFLICT' }),
    );
  });
});

describe('App#routes', () => {
  it("should list the app's own routes, with their names and metadata", () => {
    const app = new App({ logger: false });
    app.get({ name: 'home', tags: ['pages'] }, '/', ok);
    app.post('/items/:id', validate({ params: Id }), ok);
    expect(app.routes).toEqual([
      { method: 'GET', path: '/', name: 'home', params: [], schemas: {}, meta: { tags: ['pages'] } },
      {
        method: 'POST',
        path: '/items/:id',
        name: null,
        params: [{ name: 'id', optional: false, pattern: null, wildcard: false }],
        schemas: { params: Id },
        meta: {},
      },
    ]);
  });

  it("should include routers mounted in the app's router, with their mount paths and prefixes", () => {
    const app = new App({ logger: false });
    app.get('/', ok);
    app.router.use('/v1', new Router({ prefix: '/users' }).get('/:id', ok));
    expect(app.routes.map((r) => r.path)).toEqual(['/', '/v1/users/:id']);
  });

  it("should include every router given to app.use(), in stack order, and the app's own routes last", () => {
    const app = new App({ logger: false });
    app.use(new Router({ prefix: '/api' }).get('/a', ok).routes());
    app.use((_ctx, next) => next());
    app.get('/own', ok);
    app.use(new Router().get('/b', ok).routes());
    // The order requests meet them: the app's own routes run after every app.use() middleware.
    expect(app.routes.map((r) => r.path)).toEqual(['/api/a', '/b', '/own']);
  });

  it('should list a third-party router: any middleware in the stack that carries list()', () => {
    const app = new App({ logger: false });
    const described = [{ method: 'GET', path: '/x', name: null, params: [], schemas: {}, meta: {} }];
    app.use(Object.assign((_ctx: unknown, next: () => Promise<void>) => next(), { list: () => described }));
    expect(app.routes).toEqual(described);
  });

  it('should be empty for an app without routers, and leave its stack alone', async () => {
    const app = new App({ logger: false });
    expect(app.routes).toEqual([]);
    app.use((ctx) => {
      ctx.body = 'only middleware';
    });
    // No router joined the stack: a method no route serves is not a 501.
    const { responses } = await app.inject({ method: 'PROPFIND', url: '/' });
    expect(responses[0]!.body.toString()).toBe('only middleware');
  });
});
