/**
 * What the compiler knows about the verb methods, typed once by `RouteMethods` for both Router and
 * App: the forms a route takes (path, name or options, validator first), what each returns, and the
 * names `url()` then accepts. `tsc --noEmit` checks the assertions and the `@ts-expect-error`
 * lines; vitest runs the bodies, which only register routes.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { App, Router } from '../../src/index.js';
import { validate } from '../../src/middleware/index.js';
import type { RouteMethod, RoutesMiddleware } from '../../src/router/router.js';
import type { NamedRoute, RouteName, UrlParams } from '../../src/router/names.js';
import type { RouteInfo } from '../../src/router/route-info.js';

interface State {
  user: string;
}

const Id = z.object({ id: z.coerce.number() });

describe('RouteMethods', () => {
  it('should give Router and App the same eight verb methods', () => {
    const router = new Router<State>();
    const app = new App<State>();
    for (const verb of ['get', 'post', 'put', 'patch', 'delete', 'head', 'options', 'all'] as const) {
      expectTypeOf(router[verb]).toEqualTypeOf<RouteMethod<State, '', {}, Router<State>>>();
      expectTypeOf(app[verb]).toEqualTypeOf<RouteMethod<State, '', never, App<State>>>();
      expect(typeof router[verb]).toBe('function');
      expect(typeof app[verb]).toBe('function');
    }
  });

  it('should return the owner from an unnamed route, for chaining', () => {
    const app = new App();
    expectTypeOf(app.get('/', () => 'home')).toEqualTypeOf<App>();
    expectTypeOf(app.delete('/x/:id', (ctx) => ctx.params.id)).toEqualTypeOf<App>();
    expectTypeOf(new Router().head('/h', () => null)).toEqualTypeOf<Router>();
  });

  it('should let head, options and all take a validator first, like the other verbs', () => {
    new Router().all('/n/:id', validate({ params: Id }), (ctx) => {
      expectTypeOf(ctx.params.id).toEqualTypeOf<number>();
    });
    new App().options('/n/:id', validate({ params: Id }), (ctx) => {
      expectTypeOf(ctx.params.id).toEqualTypeOf<number>();
    });
  });

  it('should type ctx.params and ctx.state in every form', () => {
    new Router<State, '/orgs/:org'>().patch({ name: 'repo', summary: 'Edit' }, '/repos/:repo', (ctx) => {
      expectTypeOf(ctx.params).toEqualTypeOf<{ org: string; repo: string }>();
      expectTypeOf(ctx.state.user).toEqualTypeOf<string>();
    });
    new App<State>().get({ summary: 'Me' }, '/me', (ctx) => {
      expectTypeOf(ctx.state.user).toEqualTypeOf<string>();
    });
  });
});

describe('named routes', () => {
  it('should add a name given as a string or in options, on any verb', () => {
    const router = new Router()
      .get('user', '/users/:id', () => 'u')
      .post({ name: 'create', tags: ['users'] }, '/users', () => 'c')
      .all('ping', '/ping', () => 'pong')
      .get('/unnamed', () => 'x');
    expectTypeOf<RouteName<typeof router extends Router<object, string, infer N> ? N : never>>().toEqualTypeOf<
      'user' | 'create' | 'ping'
    >();
    router.url('user', { id: 1 });
    router.url('create');
    // @ts-expect-error 'unnamed' is not a route name
    expect(() => router.url('unnamed')).toThrow(/No route named/);
  });

  it('should type the params of a name registered with options and a validator', () => {
    const router = new Router().put(
      { name: 'doc', summary: 'Edit a doc' },
      '/docs/:section/:lang?',
      validate({ params: z.object({ section: z.string() }) }),
      () => null,
    );
    router.url('doc', { section: 'intro', lang: 'en' });
    // @ts-expect-error `section` is required
    expect(() => router.url('doc', { lang: 'en' })).toThrow(/Missing param/);
  });

  it('should record the full path under the router type\u2019s Base', () => {
    const router = new Router<object, '/api'>().get('user', '/users/:id', () => 'u');
    expectTypeOf(router).toEqualTypeOf<Router<object, '/api', NamedRoute<'user', '/api/users/:id', {}>>>();
  });

  it('should add no name for options without one, or a name known only at run time', () => {
    const name: string = 'dynamic';
    expectTypeOf(new Router().get({ summary: 'No name' }, '/a', () => 'a')).toEqualTypeOf<Router>();
    expectTypeOf(new Router().get(name, '/a', () => 'a')).toEqualTypeOf<Router>();
  });

  it('should keep the app the app: its names are not tracked in its type', () => {
    const app = new App();
    expectTypeOf(app.get('home', '/', () => 'home')).toEqualTypeOf<App>();
    expectTypeOf(app.get({ name: 'about' }, '/about', () => 'about')).toEqualTypeOf<App>();
    expectTypeOf(app.router.url).parameter(0).toEqualTypeOf<string>();
  });

  it('should reject metadata the route options do not declare', () => {
    // @ts-expect-error `sumary` is not a RouteMeta field
    new Router().get({ sumary: 'typo' }, '/a', () => 'a');
    // @ts-expect-error `tags` is a list of strings
    new App().get({ tags: 'users' }, '/a', () => 'a');
  });
});

describe('names and url params', () => {
  type Names = NamedRoute<'doc', '/docs/:section/:lang?', NamedRoute<'home', '/', {}>>;

  it('should read the names and params of a list of named routes', () => {
    expectTypeOf<RouteName<Names>>().toEqualTypeOf<'doc' | 'home'>();
    expectTypeOf<UrlParams<Names, 'doc'>>().toEqualTypeOf<{ section: string | number; lang?: string | number }>();
    expectTypeOf<UrlParams<Names, 'home'>>().toEqualTypeOf<{}>();
  });

  it('should accept any name and params when none are known', () => {
    expectTypeOf<RouteName<{}>>().toEqualTypeOf<string>();
    expectTypeOf<UrlParams<{}, 'x'>>().toEqualTypeOf<Record<string, string | number>>();
  });
});

describe('the listing', () => {
  it('should type router.list(), app.routes and the hooks routes() carries', () => {
    expectTypeOf(new Router().list()).toEqualTypeOf<RouteInfo[]>();
    expectTypeOf(new App().routes).toEqualTypeOf<RouteInfo[]>();
    expectTypeOf(new Router<State>().routes()).toEqualTypeOf<RoutesMiddleware<State>>();
    expectTypeOf<RouteInfo['meta']['tags']>().toEqualTypeOf<readonly string[] | undefined>();
  });
});
