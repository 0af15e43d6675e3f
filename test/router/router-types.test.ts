/**
 * What the compiler knows about routes: `ctx.params` from the path literal (prefix/mount included),
 * `ctx.state` from App to Router to handler, and the names `router.url` accepts. `tsc --noEmit`
 * (part of `npm test`) checks the assertions and the `@ts-expect-error` lines; vitest runs the
 * bodies, which only register routes.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import { App, Router } from '../../src/index.js';

interface State {
  user: string;
}

describe('ctx.params', () => {
  it('should be inferred from the path literal', () => {
    new Router().get('/users/:id', (ctx) => {
      expectTypeOf(ctx.params).toEqualTypeOf<{ id: string }>();
      // @ts-expect-error `name` is not a param of '/users/:id'
      void ctx.params.name;
    });
    new Router().get('/users/{id}/files/*path', (ctx) => {
      expectTypeOf(ctx.params).toEqualTypeOf<{ id: string; path: string }>();
    });
    new Router().get('/health', (ctx) => {
      expectTypeOf(ctx.params).toEqualTypeOf<{}>();
    });
  });

  it('should make optional params optional', () => {
    new Router().get('/docs/:lang?', (ctx) => {
      expectTypeOf(ctx.params).toEqualTypeOf<{ lang?: string }>();
      expectTypeOf(ctx.params.lang).toEqualTypeOf<string | undefined>();
    });
  });

  it('should skip a param pattern and keep its name', () => {
    new Router().get('/n/:id(\\d+)', (ctx) => {
      expectTypeOf(ctx.params).toEqualTypeOf<{ id: string }>();
    });
  });

  it('should include the params of the mount path a router declares', () => {
    const posts = new Router<State, '/users/:userId'>();
    posts.get('/posts/:postId', (ctx) => {
      expectTypeOf(ctx.params).toEqualTypeOf<{ userId: string; postId: string }>();
      // @ts-expect-error `id` is not a param of '/users/:userId/posts/:postId'
      void ctx.params.id;
    });
    new Router<State>().use('/users/:userId', posts);
  });

  it('should include the params of a literal prefix', () => {
    const users = new Router({ prefix: '/users/:userId' });
    users.get('/', (ctx) => {
      expectTypeOf(ctx.params).toEqualTypeOf<{ userId: string }>();
    });
    users.get('/posts/:postId', (ctx) => {
      expectTypeOf(ctx.params).toEqualTypeOf<{ userId: string; postId: string }>();
      // @ts-expect-error `id` is not a param of '/users/:userId/posts/:postId'
      void ctx.params.id;
    });
    users.use((ctx, next) => {
      expectTypeOf(ctx.params).toEqualTypeOf<Record<string, string>>();
      return next();
    });
  });

  it('should keep an explicit mount path over the prefix, and accept any prefix with it', () => {
    const posts = new Router<State, '/users/:userId'>({ prefix: '/api' });
    posts.get('/posts/:postId', (ctx) => {
      expectTypeOf(ctx.params).toEqualTypeOf<{ userId: string; postId: string }>();
    });
  });

  it('should type only the route literal under a prefix that is not a literal', () => {
    const prefix: string = process.env['PREFIX'] ?? '/v1';
    new Router({ prefix }).get('/:id', (ctx) => {
      expectTypeOf(ctx.params).toEqualTypeOf<{ id: string }>();
    });
    new Router({ strict: true }).get('/:id', (ctx) => {
      expectTypeOf(ctx.params).toEqualTypeOf<{ id: string }>();
    });
  });

  it('should type the params of narrowed router middleware from its path', () => {
    new Router().use('/orgs/:org', (ctx, next) => {
      expectTypeOf(ctx.params).toEqualTypeOf<{ org: string }>();
      return next();
    });
  });

  it('should type the params of app route sugar', () => {
    const app = new App();
    app.put('/todos/:id', (ctx) => {
      expectTypeOf(ctx.params.id).toEqualTypeOf<string>();
    });
  });
});

describe('ctx.state', () => {
  it('should flow from App to its route sugar', () => {
    const app = new App<State>();
    app.get('/', (ctx) => {
      // `toExtend`, not `toEqualTypeOf`: the core may merge the augmentable StateMap into S.
      expectTypeOf(ctx.state).toExtend<State>();
      expectTypeOf(ctx.state.user).toEqualTypeOf<string>();
      // @ts-expect-error `admin` is not part of State
      void ctx.state.admin;
      return ctx.state.user;
    });
    expectTypeOf(app.router).toEqualTypeOf<Router<State>>();
  });

  it('should flow from a Router to its handlers and middleware, and into app.use', () => {
    const router = new Router<State>();
    router.use((ctx, next) => {
      expectTypeOf(ctx.state.user).toEqualTypeOf<string>();
      return next();
    });
    router.get('/me', (ctx) => {
      expectTypeOf(ctx.state.user).toEqualTypeOf<string>();
      return { user: ctx.state.user };
    });
    new App<State>().use(router.routes());
    // @ts-expect-error a Router<State> does not serve an app whose state lacks `user`
    new App<{ other: number }>().use(router.routes());
  });
});

describe('Router#url', () => {
  it('should accept only the names registered on a chained router', () => {
    const router = new Router()
      .get('user', '/user/:id', (ctx) => ({ id: ctx.params.id }))
      .post('posts', '/posts', () => null);
    router.url('user', { id: 42 }, { query: { tab: 'x' } });
    router.url('posts');
    // @ts-expect-error 'users' is not a registered route name
    expect(() => router.url('users', { id: 42 })).toThrow(/No route named/);
  });

  it("should type the params by the route's path", () => {
    const router = new Router().get('doc', '/docs/:section/:lang?', () => 'doc');
    router.url('doc', { section: 'intro' });
    router.url('doc', { section: 'intro', lang: 'en' });
    // @ts-expect-error `page` is not a param of '/docs/:section/:lang?'
    router.url('doc', { section: 'intro', page: 1 });
    // @ts-expect-error `section` is required
    expect(() => router.url('doc', { lang: 'en' })).toThrow(/Missing param "section"/);
  });

  it('should accept any name when the router was not built by chaining', () => {
    const router = new Router();
    router.get('user', '/user/:id', () => 'u');
    expectTypeOf(router.url).parameter(0).toEqualTypeOf<string>();
  });
});
