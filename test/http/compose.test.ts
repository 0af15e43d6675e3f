/**
 * `compose()`: the onion, its guards (a second `next()` rejects; in development, a middleware that
 * settles before its downstream rejects), and the choice between the two variants made at
 * compose time rather than per request.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { App } from '../../src/http/app.js';
import { compose, type ComposableMiddleware, type Next } from '../../src/http/compose.js';
import type { HttpError } from '../../src/http/http-error.js';

type Ctx = { log: string[] };
type Mw = ComposableMiddleware<Ctx>;

const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 1));

/** Both variants, so every onion rule is checked with and without the development guard. */
const variants = [
  ['production', { checkAwait: false }],
  ['development', { checkAwait: true }],
] as const;

describe.each(variants)('compose() (%s)', (_name, options) => {
  it('should run middleware as an onion: down in order, back up in reverse', async () => {
    const ctx: Ctx = { log: [] };
    const mw =
      (name: string): Mw =>
      async (c, next) => {
        c.log.push(`${name} in`);
        await tick();
        await next();
        c.log.push(`${name} out`);
      };
    await compose([mw('a'), mw('b'), mw('c')], options)(ctx);
    expect(ctx.log).toEqual(['a in', 'b in', 'c in', 'c out', 'b out', 'a out']);
  });

  it('should accept sync middleware and ignore return values', async () => {
    const ctx: Ctx = { log: [] };
    const run = compose<Ctx>(
      [
        (c, next) => {
          c.log.push('sync');
          return next();
        },
        (c) => {
          c.log.push('end');
          return 42;
        },
      ],
      options,
    );
    await expect(run(ctx)).resolves.toBeUndefined();
    expect(ctx.log).toEqual(['sync', 'end']);
  });

  it('should turn a synchronous throw into a rejection', async () => {
    const boom = new Error('sync boom');
    const run = compose<Ctx>(
      [
        (_c, next) => next(),
        () => {
          throw boom;
        },
      ],
      options,
    );
    await expect(run({ log: [] })).rejects.toBe(boom);
    await expect(
      compose<Ctx>(
        [
          () => {
            throw boom;
          },
        ],
        options,
      )({ log: [] }),
    ).rejects.toBe(boom);
  });

  it('should reject a second next() from the same middleware with ERR_NEXT_CALLED_TWICE', async () => {
    const run = compose<Ctx>(
      [
        async (_c, next) => {
          await next();
          await next();
        },
        () => {},
      ],
      options,
    );
    await expect(run({ log: [] })).rejects.toMatchObject({ code: 'ERR_NEXT_CALLED_TWICE', status: 500 });
  });

  it('should call the outer next after the last middleware, so stacks nest', async () => {
    const ctx: Ctx = { log: [] };
    const inner = compose<Ctx>(
      [
        async (c, next) => {
          c.log.push('inner');
          await next();
        },
      ],
      options,
    );
    const outer = compose<Ctx>(
      [
        async (c, next) => {
          await inner(c, next);
          c.log.push('outer out');
        },
        (c) => {
          c.log.push('last');
        },
      ],
      options,
    );
    await outer(ctx);
    expect(ctx.log).toEqual(['inner', 'last', 'outer out']);
  });

  it('should call the outer next for an empty stack', async () => {
    const ctx: Ctx = { log: [] };
    const next: Next = async () => {
      ctx.log.push('outer');
    };
    await compose<Ctx>([], options)(ctx, next);
    expect(ctx.log).toEqual(['outer']);
  });

  it('should validate the stack when composing, not per request', () => {
    expect(() => compose([(() => {}) as Mw, 'nope' as unknown as Mw], options)).toThrow(TypeError);
  });

  it('should not affect later requests when one rejects', async () => {
    let n = 0;
    const run = compose<Ctx>(
      [
        async (_c, next) => {
          await next();
        },
        () => {
          if (n++ === 0) throw new Error('first only');
        },
      ],
      options,
    );
    await expect(run({ log: [] })).rejects.toThrow('first only');
    await expect(run({ log: [] })).resolves.toBeUndefined();
  });
});

describe('compose() missing-await check', () => {
  const forgetful: Mw = async (_c, next) => {
    void next();
  };
  const slow: Mw = async (c) => {
    await tick();
    c.log.push('handler done');
  };

  it('should reject, in development, a middleware that settles before its downstream', async () => {
    const err = (await compose([forgetful, slow], { checkAwait: true })({ log: [] }).catch(
      (e: unknown) => e,
    )) as HttpError;
    expect(err.code).toBe('ERR_MISSING_AWAIT');
    expect(err.message).toContain('resolved before downstream — missing await?');
    expect(err.message).toContain('middleware #1');
  });

  it('should name the middleware when it has a name', async () => {
    async function session(_c: Ctx, next: Next): Promise<void> {
      void next();
    }
    const err = (await compose([session, slow], { checkAwait: true })({ log: [] }).catch(
      (e: unknown) => e,
    )) as HttpError;
    expect(err.message).toContain('session');
  });

  it('should accept await next(), return next(), and a caught downstream error', async () => {
    const fine: Mw[] = [
      async (_c, next) => {
        await next();
      },
      (_c, next) => next(),
      async (_c, next) => {
        try {
          await next();
        } catch {
          // handled
        }
      },
    ];
    const failing: Mw = async () => {
      await tick();
      throw new Error('downstream');
    };
    for (const mw of fine) {
      await expect(compose([mw, slow], { checkAwait: true })({ log: [] })).resolves.toBeUndefined();
    }
    await expect(compose([fine[2]!, failing], { checkAwait: true })({ log: [] })).resolves.toBeUndefined();
  });

  it('should flag a forgotten await even when the downstream happens to finish synchronously', async () => {
    // Deterministic on purpose: the bug is in the caller, and it bites as soon as the handler awaits.
    const syncDownstream: Mw = (c) => {
      c.log.push('sync');
    };
    await expect(compose([forgetful, syncDownstream], { checkAwait: true })({ log: [] })).rejects.toMatchObject({
      code: 'ERR_MISSING_AWAIT',
    });
  });

  it('should leave a middleware that throws with its own error', async () => {
    const own = new Error('own');
    const run = compose<Ctx>(
      [
        async (_c, next) => {
          void next();
          throw own;
        },
        slow,
      ],
      { checkAwait: true },
    );
    await expect(run({ log: [] })).rejects.toBe(own);
  });

  it('should not check in production', async () => {
    const ctx: Ctx = { log: [] };
    await expect(compose([forgetful, slow], { checkAwait: false })(ctx)).resolves.toBeUndefined();
    expect(ctx.log).toEqual([]);
  });

  describe('default', () => {
    const saved = process.env['NODE_ENV'];
    afterEach(() => {
      if (saved === undefined) delete process.env['NODE_ENV'];
      else process.env['NODE_ENV'] = saved;
    });

    it('should follow NODE_ENV when composing, and keep that choice for every request', async () => {
      process.env['NODE_ENV'] = 'production';
      const prod = compose([forgetful, slow]);
      process.env['NODE_ENV'] = 'development';
      const dev = compose([forgetful, slow]);
      process.env['NODE_ENV'] = 'production';
      // Changing NODE_ENV later changes nothing: the variant was chosen at compose time.
      await expect(dev({ log: [] })).rejects.toMatchObject({ code: 'ERR_MISSING_AWAIT' });
      process.env['NODE_ENV'] = 'development';
      await expect(prod({ log: [] })).resolves.toBeUndefined();
    });
  });

  it('should answer the request with a 500 through the app and report it', async () => {
    const app = new App({ logger: false });
    const errors: unknown[] = [];
    app.on('error', (err: unknown) => errors.push(err));
    app.use(async (_ctx, next) => {
      void next();
    });
    app.use(async (ctx) => {
      await tick();
      ctx.body = 'late';
    });
    const { responses } = await app.inject({ url: '/' });
    expect(responses[0]!.status).toBe(500);
    expect(responses[0]!.json()).toMatchObject({ code: 'ERR_MISSING_AWAIT' });
    expect(errors).toHaveLength(1);
  });
});

describe('next() called twice, through the app', () => {
  it('should answer 500 with ERR_NEXT_CALLED_TWICE and never its message', async () => {
    const app = new App({ logger: false });
    app.use(async (_ctx, next) => {
      await next();
      await next();
    });
    app.use((ctx) => {
      ctx.body = 'once';
    });
    const { responses } = await app.inject({ url: '/' });
    expect(responses[0]!.status).toBe(500);
    expect(responses[0]!.json()).toEqual({
      type: 'about:blank',
      title: 'Internal Server Error',
      status: 500,
      code: 'ERR_NEXT_CALLED_TWICE',
    });
  });
});
