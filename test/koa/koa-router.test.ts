/**
 * `@koa/router` beside a shallot `Router`, both straight from their packages: a route of the Koa
 * router keeps its own 404 ("no such todo") when it sits after a shallot router, and the shallot
 * router's 405/OPTIONS/501 rules still answer a request neither router serves — counting the
 * methods the Koa router serves at the path (its `ctx.matched`) in `Allow`.
 */
import KoaRouter from '@koa/router';
import { describe, expect, it } from 'vitest';
import { App, Router } from '../../src/index.js';

/** The todos API as a Koa app writes it: "no such todo" is a 404, thrown or set. */
function koaTodos(): KoaRouter {
  const todos = new KoaRouter();
  todos.get('/todos/:id', (ctx) => {
    if (ctx.params['id'] !== '1') ctx.throw(404, 'no such todo');
    ctx.body = { id: 1, title: 'water the plants' };
  });
  todos.delete('/todos/:id', (ctx) => {
    ctx.status = 404;
    ctx.body = { error: 'no such todo' };
  });
  todos.post('/todos', (ctx) => ctx.throw(404, 'no such list'));
  return todos;
}

/** A shallot router serving users and the todo list (GET only), then the Koa router. */
function shallotThenKoa(): App {
  const users = new Router().get('/users/:id', (ctx) => ({ user: ctx.params.id })).get('/todos', () => [{ id: 1 }]);
  const app = new App({ logger: false });
  app.use(users.routes());
  app.use(koaTodos().routes());
  return app;
}

async function call(app: App, method: string, url: string) {
  const { responses } = await app.inject({ method, url });
  expect(responses).toHaveLength(1);
  return responses[0]!;
}

describe('@koa/router after a shallot Router', () => {
  it("should serve the Koa router's routes", async () => {
    const res = await call(shallotThenKoa(), 'GET', '/todos/1');
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ id: 1, title: 'water the plants' });
  });

  it("should keep a Koa route's thrown 404 where the shallot router serves the path with another method", async () => {
    // POST /todos: the shallot router serves GET /todos, so a plain miss there would be 405.
    const res = await call(shallotThenKoa(), 'POST', '/todos');
    expect(res.status).toBe(404);
    expect(res.json()).toMatchObject({ status: 404, detail: 'no such list' });
  });

  it("should keep a Koa route's 404 for a method no shallot route serves", async () => {
    // DELETE is served by no shallot route: a plain miss would be 501.
    const res = await call(shallotThenKoa(), 'DELETE', '/todos/9');
    expect(res.status).toBe(404);
    expect(res.json()).toEqual({ error: 'no such todo' });
  });

  it("should keep a Koa route's thrown 404 for a method the shallot router serves elsewhere", async () => {
    const res = await call(shallotThenKoa(), 'GET', '/todos/9');
    expect(res.status).toBe(404);
    expect(res.json()).toMatchObject({ status: 404, detail: 'no such todo' });
  });

  it('should answer 405 with Allow for a path only the shallot router serves, with another method', async () => {
    const res = await call(shallotThenKoa(), 'PATCH', '/users/1');
    expect(res.status).toBe(405);
    expect(res.headers['allow']).toBe('GET, HEAD, OPTIONS');
    expect(res.json()).toMatchObject({ code: 'ERR_METHOD_NOT_ALLOWED' });
  });

  it('should count the methods the Koa router serves at the path in the 405 and in OPTIONS', async () => {
    const app = shallotThenKoa();
    const put = await call(app, 'PUT', '/todos/1');
    expect(put.status).toBe(405);
    expect(put.headers['allow']).toBe('DELETE, GET, HEAD, OPTIONS');
    const options = await call(app, 'OPTIONS', '/todos/1');
    expect(options.status).toBe(204);
    expect(options.headers['allow']).toBe('DELETE, GET, HEAD, OPTIONS');
  });

  it('should answer 501 for a method neither router serves, and 404 for a path neither serves', async () => {
    const app = shallotThenKoa();
    const purge = await call(app, 'PURGE', '/nowhere');
    expect(purge.status).toBe(501);
    expect(purge.json()).toMatchObject({ code: 'ERR_METHOD_NOT_IMPLEMENTED' });
    expect((await call(app, 'GET', '/nowhere')).status).toBe(404);
  });
});

describe('@koa/router before a shallot Router', () => {
  function koaThenShallot(): App {
    const app = new App({ logger: false });
    app.use(koaTodos().routes());
    app.use(new Router().get('/users/:id', (ctx) => ({ user: ctx.params.id })).routes());
    return app;
  }

  it('should serve both routers and keep the Koa route 404', async () => {
    const app = koaThenShallot();
    expect((await call(app, 'GET', '/users/7')).json()).toEqual({ user: '7' });
    const res = await call(app, 'DELETE', '/todos/9');
    expect(res.status).toBe(404);
    expect(res.json()).toEqual({ error: 'no such todo' });
  });

  it('should answer 405 with both routers’ methods for a path they serve with others', async () => {
    const res = await call(koaThenShallot(), 'PUT', '/todos/1');
    expect(res.status).toBe(405);
    expect(res.headers['allow']).toBe('DELETE, GET, HEAD, OPTIONS');
  });
});
