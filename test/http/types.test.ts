/**
 * Types (STYLE rule 4): `App<S>` flows into `Context<S, P>` and into every middleware, `ctx.state`
 * is typed and merged with the augmentable `StateMap`, params are typed by `P`. The assertions are
 * checked by `tsc --noEmit` over the tests (`npm test`); at run time they are no-ops, and each case
 * also runs a request so the types describe values that really exist.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import { App, type Middleware } from '../../src/http/app.js';
import type { Next } from '../../src/http/compose.js';
import type { Context, StateMap } from '../../src/http/context.js';
import { HttpError, isHttpError } from '../../src/http/http-error.js';
import type { ResponseBody } from '../../src/http/response.js';

// A library (say, a request-id middleware) augments StateMap once; every app's ctx.state sees it.
declare module '../../src/http/context.js' {
  interface StateMap {
    requestId?: string;
  }
}

interface AppState {
  user: { id: string; admin: boolean } | null;
}

describe('App<S> → Context<S> → middleware', () => {
  it('should type ctx.state from the app, plus StateMap', async () => {
    const app = new App<AppState>({ logger: false });
    app.use(async (ctx, next) => {
      expectTypeOf(ctx).toEqualTypeOf<Context<AppState>>();
      expectTypeOf(next).toEqualTypeOf<Next>();
      expectTypeOf(ctx.state.user).toEqualTypeOf<{ id: string; admin: boolean } | null>();
      expectTypeOf(ctx.state.requestId).toEqualTypeOf<string | undefined>();
      ctx.state.user = { id: 'u1', admin: false };
      ctx.state.requestId = 'r1';
      await next();
    });
    app.use((ctx) => {
      // @ts-expect-error `sesion` is neither in AppState nor in StateMap
      void ctx.state.sesion;
      // @ts-expect-error `user.id` is a string, not a number
      const n: number = ctx.state.user!.id;
      void n;
      ctx.body = { id: ctx.state.user?.id ?? null, requestId: ctx.state.requestId ?? null };
    });
    const { responses } = await app.inject({ url: '/' });
    expect(responses[0]!.json()).toEqual({ id: 'u1', requestId: 'r1' });
  });

  it('should give an app without S the StateMap alone', () => {
    const app = new App({ logger: false });
    app.use((ctx) => {
      expectTypeOf(ctx.state).toEqualTypeOf<StateMap>();
      // @ts-expect-error nothing declared `user`
      void ctx.state.user;
    });
  });

  it('should accept a generic middleware written without a state type in a typed app', () => {
    const poweredBy: Middleware = async (ctx, next) => {
      await next();
      ctx.set('x-powered-by', 'shallot');
    };
    const app = new App<AppState>({ logger: false });
    expectTypeOf(app.use(poweredBy)).toEqualTypeOf<App<AppState>>();
  });

  it('should type params through Context<S, P> and Middleware<S, P>', () => {
    const show: Middleware<AppState, { id: string }> = (ctx) => {
      expectTypeOf(ctx.params.id).toEqualTypeOf<string>();
      // @ts-expect-error no `slug` param on this route
      void ctx.params.slug;
    };
    expectTypeOf(show).parameter(0).toEqualTypeOf<Context<AppState, { id: string }>>();
  });
});

describe('Context members', () => {
  it('should type throw() as never and assert() as a narrowing assertion', () => {
    const handler = (ctx: Context<AppState>): string => {
      const user = ctx.state.user;
      ctx.assert(user, 401, 'Please log in');
      expectTypeOf(user).toEqualTypeOf<{ id: string; admin: boolean }>();
      if (!user.admin) ctx.throw(403, 'Admins only', { code: 'ERR_ADMIN' });
      return user.id;
    };
    expectTypeOf(handler).returns.toEqualTypeOf<string>();
    expectTypeOf<Context['throw']>().returns.toEqualTypeOf<never>();
  });

  it('should type the Koa delegates', () => {
    expectTypeOf<Context['status']>().toEqualTypeOf<number>();
    expectTypeOf<Context['body']>().toEqualTypeOf<ResponseBody>();
    expectTypeOf<Context['query']>().toEqualTypeOf<Record<string, string | string[]>>();
    expectTypeOf<Context['accepts']>().returns.toEqualTypeOf<string | string[] | false>();
    expectTypeOf<Context['is']>().returns.toEqualTypeOf<string | false | null>();
    expectTypeOf<Context['length']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<Context['signal']>().toEqualTypeOf<AbortSignal>();
  });

  it('should narrow unknown errors with isHttpError()', () => {
    const err: unknown = new HttpError(400);
    if (isHttpError(err)) {
      expectTypeOf(err.status).toEqualTypeOf<number>();
      expectTypeOf(err.expose).toEqualTypeOf<boolean>();
      expectTypeOf(err.code).toEqualTypeOf<string>();
    }
  });
});
