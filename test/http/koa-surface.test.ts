/**
 * Koa's extension points and error hooks on shallot's App and Context: per-app prototypes
 * (`app.context`, `app.request`, `app.response`), `ctx.onerror` and `app.onerror`/`app.silent`
 * with Koa's contracts, and the rest of Koa 3's surface (back-references, `ctx.search=`,
 * `ctx.flushHeaders()`, `app.currentContext`, header values kept as set, `app.middleware`,
 * `app.toJSON()`, the `compose` option, `NODE_ENV=''`). Run over both transports (see
 * helpers/transport.ts).
 */
import { inspect } from 'node:util';
import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { App, type AppOptions, type Middleware } from '../../src/http/app.js';
import { compose } from '../../src/http/compose.js';
import type { Context } from '../../src/http/context.js';
import { HttpError } from '../../src/http/http-error.js';
import { inject } from '../helpers/transport.js';

// Through the public entry, as a user writes `declare module 'shallot'`: the interface it re-exports
// merges into every Context.
declare module '../../src/index.js' {
  interface ContextExtensions {
    /** Added by the `app.context` test below. */
    greeting?: () => string;
  }
}

function appWith(mws: Middleware[], opts: AppOptions = {}): { app: App; errors: [unknown, Context][] } {
  const app = new App({ logger: false, ...opts });
  const errors: [unknown, Context][] = [];
  app.on('error', (err: unknown, ctx: Context) => errors.push([err, ctx]));
  for (const mw of mws) app.use(mw);
  return { app, errors };
}

async function get(app: App, url = '/') {
  const { responses } = await inject(app, { url });
  return responses[0]!;
}

describe('app.context / app.request / app.response', () => {
  it('should put what is added to app.context on every ctx of that app, and of no other', async () => {
    const a = new App({ logger: false });
    const b = new App({ logger: false });
    a.context.greeting = function (this: Context) {
      return `hello from ${this.path}`;
    };
    a.use((ctx) => {
      ctx.body = ctx.greeting?.() ?? 'none';
    });
    b.use((ctx) => {
      ctx.body = ctx.greeting?.() ?? 'none';
    });
    expect((await get(a, '/x')).text()).toBe('hello from /x');
    expect((await get(b, '/x')).text()).toBe('none');
  });

  it('should take getters defined on app.context, as plugins define ctx.session', async () => {
    const app = new App({ logger: false });
    let made = 0;
    const kStore = Symbol('store');
    Object.defineProperty(app.context, 'store', {
      get(this: Context & { [kStore]?: Map<string, string> }) {
        made++;
        return (this[kStore] ??= new Map());
      },
    });
    app.use((ctx) => {
      const store = (ctx as unknown as { store: Map<string, string> }).store;
      store.set('a', '1');
      ctx.body = [...(ctx as unknown as { store: Map<string, string> }).store];
    });
    expect((await get(app)).json()).toEqual([['a', '1']]);
    expect(made).toBe(2);
  });

  it('should put what is added to app.request and app.response on ctx.request and ctx.response', async () => {
    const app = new App({ logger: false });
    Object.defineProperty(app.request, 'shout', {
      get(this: { path: string }): string {
        return this.path.toUpperCase();
      },
    });
    Object.defineProperty(app.response, 'sendText', {
      value(this: { body: unknown }, s: string) {
        this.body = `text:${s}`;
      },
    });
    app.use((ctx) => {
      (ctx.response as unknown as { sendText(s: string): void }).sendText(
        (ctx.request as unknown as { shout: string }).shout,
      );
    });
    expect((await get(app, '/abc')).text()).toBe('text:/ABC');
  });

  it('should make contexts of the app instances of the class behind app.context', async () => {
    const { app } = appWith([]);
    let seen: boolean[] = [];
    app.use((ctx) => {
      seen = [
        Object.getPrototypeOf(ctx) === app.context,
        Object.getPrototypeOf(ctx.request) === app.request,
        Object.getPrototypeOf(ctx.response) === app.response,
      ];
      ctx.body = '';
    });
    await get(app);
    expect(seen).toEqual([true, true, true]);
  });
});

describe('ctx.onerror (default)', () => {
  it('should answer with the error response when a stream it listens to fails before the head', async () => {
    const { app, errors } = appWith([
      (ctx) => {
        const s = new PassThrough();
        s.on('error', ctx.onerror);
        // Synchronously, so the error comes before the head in every mode (a destroy() reports
        // on the next tick, which a synchronous stack in production does not wait for).
        s.emit('error', new Error('upstream broke'));
        ctx.body = 'never sent';
      },
    ]);
    const res = await get(app);
    expect(res.status).toBe(500);
    expect(res.json()).toMatchObject({ status: 500, code: 'ERR_INTERNAL' });
    expect(errors.map(([e]) => (e as Error).message)).toEqual(['upstream broke']);
  });

  it('should ignore null and undefined, so it can be given to node-style callbacks', async () => {
    const { app, errors } = appWith([
      (ctx) => {
        ctx.onerror(null);
        ctx.onerror(undefined);
        ctx.body = 'fine';
      },
    ]);
    expect((await get(app)).text()).toBe('fine');
    expect(errors).toEqual([]);
  });

  it("should wrap a non-Error thrown by middleware as Koa does: 'non-error thrown: …'", async () => {
    const { app, errors } = appWith([
      () => {
        throw { reason: 'oops' };
      },
    ]);
    const res = await get(app);
    expect(res.status).toBe(500);
    expect(errors).toHaveLength(1);
    expect(errors[0]![0]).toBeInstanceOf(Error);
    expect((errors[0]![0] as Error).message).toBe('non-error thrown: {"reason":"oops"}');
  });

  it('should wrap a thrown null and string too, never leaving the request unanswered', async () => {
    const { app, errors } = appWith([
      (ctx) => {
        if (ctx.path === '/null') throw null;
        throw 'text';
      },
    ]);
    expect((await get(app, '/null')).status).toBe(500);
    expect((await get(app, '/str')).status).toBe(500);
    expect(errors.map(([e]) => (e as Error).message)).toEqual(['non-error thrown: null', 'non-error thrown: "text"']);
  });
});

describe('ctx.onerror set by the application (Koa contract)', () => {
  it("should answer through an app.context.onerror that ends ctx.res, as Koa's default does", async () => {
    const { app, errors } = appWith([
      () => {
        throw new HttpError(418, 'short and stout');
      },
    ]);
    app.context.onerror = function (err) {
      const e = err as HttpError;
      this.app.emit('error', e, this);
      for (const name of this.res.getHeaderNames()) this.res.removeHeader(name);
      this.type = 'text';
      this.status = e.status;
      this.res.end(`custom: ${e.message}`);
    };
    const res = await get(app);
    expect(res.status).toBe(418);
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(res.text()).toBe('custom: short and stout');
    expect(errors.map(([e]) => (e as Error).message)).toEqual(['short and stout']);
  });

  it('should send the default error response when the override hands over to the one it replaced', async () => {
    const seen: string[] = [];
    const { app, errors } = appWith([
      () => {
        throw new HttpError(409, 'taken');
      },
    ]);
    const base = app.context.onerror;
    app.context.onerror = function (err) {
      seen.push(`audit ${(err as Error).message}`);
      base.call(this, err);
    };
    const res = await get(app);
    expect(res.status).toBe(409);
    expect(res.json()).toMatchObject({ status: 409, detail: 'taken' });
    expect(seen).toEqual(['audit taken']);
    expect(errors).toHaveLength(1);
  });

  it('should send the default error response when the override does not answer (Koa would hang)', async () => {
    const { app } = appWith([
      (ctx) => {
        ctx.body = 'half-built';
        throw new Error('boom');
      },
    ]);
    const heard: string[] = [];
    app.context.onerror = function (err) {
      heard.push((err as Error).message);
    };
    const res = await get(app);
    expect(res.status).toBe(500);
    expect(res.json()).toMatchObject({ status: 500 });
    expect(heard).toEqual(['boom']);
  });

  it('should call an onerror set on one ctx, bound to it when passed as a listener', async () => {
    const { app } = appWith([
      (ctx) => {
        ctx.onerror = function (err) {
          this.status = 503;
          this.res.end(`per-request: ${(err as Error).message}`);
        };
        const s = new PassThrough();
        s.on('error', ctx.onerror);
        s.destroy(new Error('gone'));
        return new Promise(() => {});
      },
    ]);
    const res = await get(app);
    expect(res.status).toBe(503);
    expect(res.text()).toBe('per-request: gone');
  });
});

describe('app.onerror / app.silent', () => {
  it('should call an app.onerror set by the application for each error, with err.headerSent when it came after the head', async () => {
    const app = new App({ logger: false });
    const got: [string, boolean | undefined][] = [];
    app.onerror = (err) => got.push([(err as Error).message, (err as { headerSent?: boolean }).headerSent]);
    app.use((ctx) => {
      if (ctx.path === '/before') throw new Error('before');
      ctx.res.write('partial');
      throw new Error('after');
    });
    expect((await get(app, '/before')).status).toBe(500);
    const { raw } = await inject(app, { url: '/after' });
    expect(raw.toString('latin1')).toMatch(/^HTTP\/1\.1 200 /);
    expect(got).toEqual([
      ['before', undefined],
      ['after', true],
    ]);
  });

  it('should throw a TypeError for a non-Error given to app.onerror, as Koa', () => {
    const app = new App({ logger: false });
    expect(() => app.onerror('nope')).toThrow(new TypeError('non-error thrown: "nope"'));
  });

  it('should log nothing from the default app.onerror when app.silent', async () => {
    const lines: string[] = [];
    const { pino } = await import('pino');
    const log = pino({ level: 'debug' }, { write: (l: string) => void lines.push(l) });
    const app = new App({ logger: log });
    app.use(() => {
      throw new Error('quiet');
    });
    await get(app);
    expect(lines.filter((l) => l.includes('request failed'))).toHaveLength(1);
    app.silent = true;
    await get(app);
    expect(lines.filter((l) => l.includes('request failed'))).toHaveLength(1);
  });

  it("should have a default 'error' listener, so that Koa middleware's app.emit('error') does not throw", async () => {
    const app = new App({ logger: false });
    app.use((ctx) => {
      ctx.app.emit('error', new Error('reported by middleware'), ctx);
      ctx.body = 'still fine';
    });
    expect((await get(app)).text()).toBe('still fine');
  });
  it("should leave reporting to the app's own 'error' listener, as Koa: the default app.onerror does not log then", async () => {
    const lines: string[] = [];
    const { pino } = await import('pino');
    const log = pino({ level: 'debug' }, { write: (l: string) => void lines.push(l) });
    const app = new App({ logger: log });
    const reported: string[] = [];
    app.on('error', (err: Error) => reported.push(err.message));
    app.use(() => {
      throw new Error('reported once');
    });
    expect((await get(app)).status).toBe(500);
    expect(reported).toEqual(['reported once']);
    expect(lines.filter((l) => l.includes('request failed'))).toHaveLength(0);
  });
});

describe('Koa 3 surface', () => {
  it('should link request, response, app, req and res both ways', async () => {
    const { app } = appWith([]);
    let links: boolean[] = [];
    app.use((ctx) => {
      const { request, response } = ctx;
      links = [
        request.app === app,
        response.app === app,
        request.ctx === ctx,
        response.ctx === ctx,
        request.req === ctx.req,
        response.res === ctx.res,
        request.response === response,
        response.request === request,
      ];
      ctx.body = '';
    });
    await get(app);
    expect(links).toEqual([true, true, true, true, true, true, true, true]);
  });

  it('should set the query string through ctx.search=', async () => {
    const { app } = appWith([
      (ctx) => {
        ctx.search = '?a=1&b=2';
        ctx.body = { url: ctx.url, search: ctx.search, query: { ...ctx.query } };
      },
    ]);
    expect((await get(app, '/p?x=0')).json()).toEqual({
      url: '/p?a=1&b=2',
      search: '?a=1&b=2',
      query: { a: '1', b: '2' },
    });
  });

  it('should keep header values as set: a number stays a number, an array a list', async () => {
    let seen: unknown[] = [];
    const { app } = appWith([
      (ctx) => {
        ctx.set('x-count', 5);
        ctx.set('x-list', ['a', 'b']);
        ctx.length = 2;
        seen = [ctx.response.get('x-count'), ctx.response.get('x-list'), ctx.response.get('content-length')];
        ctx.body = 'ok';
      },
    ]);
    const res = await get(app);
    expect(seen).toEqual([5, ['a', 'b'], 2]);
    expect(res.headers['x-count']).toBe('5');
    expect(res.headers['x-list']).toEqual(['a', 'b']);
  });

  it('should commit the head with ctx.flushHeaders() and stream the body set afterwards', async () => {
    let after: unknown[] = [];
    const { app } = appWith([
      async (ctx) => {
        ctx.status = 201;
        ctx.set('x-early', '1');
        ctx.flushHeaders();
        ctx.set('x-late', '1');
        ctx.status = 500;
        after = [ctx.headerSent, ctx.status];
        await Promise.resolve();
        ctx.body = Readable.from(['one ', 'two']);
      },
    ]);
    const res = await get(app);
    expect(res.status).toBe(201);
    expect(res.headers['x-early']).toBe('1');
    expect(res.headers['x-late']).toBeUndefined();
    expect(res.text()).toBe('one two');
    expect(after).toEqual([true, 201]);
  });

  it('should give the running context as app.currentContext with the asyncLocalStorage option', async () => {
    const app = new App({ logger: false, asyncLocalStorage: true });
    const deep = async (): Promise<string> => {
      await new Promise((r) => setImmediate(r));
      return app.currentContext!.path;
    };
    app.use(async (ctx) => {
      ctx.body = { path: await deep() };
    });
    expect((await get(app, '/deep')).json()).toEqual({ path: '/deep' });
    expect(app.currentContext).toBeUndefined();
    expect(new App({ logger: false }).currentContext).toBeUndefined();
  });

  it('should expose the stack as app.middleware, and summarise the settings in app.toJSON()', () => {
    const mw: Middleware = () => {};
    const app = new App({ logger: false, proxy: true, subdomainOffset: 3, env: 'staging' });
    app.use(mw);
    expect(app.middleware).toEqual([mw]);
    expect(app.toJSON()).toEqual({ subdomainOffset: 3, proxy: true, env: 'staging' });
    expect(inspect(app)).toBe(inspect({ subdomainOffset: 3, proxy: true, env: 'staging' }));
  });

  it('should compose the stack with the compose option', async () => {
    const order: string[] = [];
    const app = new App({
      logger: false,
      compose: (stack) => {
        order.push(`composed ${stack.length}`);
        return compose(
          stack.map((fn, i) => (ctx: Context, next: () => Promise<void>) => (order.push(`mw${i}`), fn(ctx, next))),
        );
      },
    });
    app.use(async (_ctx, next) => next());
    app.use((ctx) => {
      ctx.body = 'composed';
    });
    expect((await get(app)).text()).toBe('composed');
    expect(order).toEqual(['composed 2', 'mw0', 'mw1']);
  });

  it("should read an empty NODE_ENV as unset, as Koa: env is 'development'", () => {
    const saved = process.env['NODE_ENV'];
    process.env['NODE_ENV'] = '';
    try {
      expect(new App({ logger: false }).env).toBe('development');
      expect(new App({ logger: false, env: '' }).env).toBe('development');
    } finally {
      process.env['NODE_ENV'] = saved;
    }
  });
});
