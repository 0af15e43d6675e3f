/**
 * `returnsBody()`, what a route's chain wraps each handler in: a handler's value becomes the body,
 * and a middleware given as a handler (`validate()`) whose downstream finished synchronously keeps
 * the chain synchronous — the composed stack returns RESOLVED, so `App.run` completes the request
 * without a microtask (the echo route's hot path, issue 18).
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { RESOLVED, compose, type Next } from '../../src/http/compose.js';
import type { Context } from '../../src/http/context.js';
import { validate } from '../../src/middleware/index.js';
import { returnsBody } from '../../src/router/route-chain.js';

type Handler = Parameters<typeof returnsBody>[0];
const fakeCtx = (params: Record<string, string>): Context => ({ params, body: undefined }) as unknown as Context;

describe('returnsBody()', () => {
  it('should hand back a settled downstream as it is', () => {
    const mw = returnsBody(((_ctx: Context, next: Next) => next()) as Handler);
    expect(mw(fakeCtx({}), () => RESOLVED)).toBe(RESOLVED);
  });

  it('should keep a route of validate() and a synchronous handler synchronous', () => {
    const ctx = fakeCtx({ id: '7' });
    const chain = compose(
      [validate({ params: z.object({ id: z.coerce.number() }) }), (c: Context) => ({ id: c.params['id'] })].map((f) =>
        returnsBody(f as Handler),
      ),
      { checkAwait: false },
    );
    expect(chain(ctx)).toBe(RESOLVED);
    expect((ctx as unknown as { body: unknown }).body).toEqual({ id: 7 });
  });

  it("should still set an async handler's value once it settles", async () => {
    const ctx = fakeCtx({});
    const mw = returnsBody((async () => 'late') as Handler);
    const out = mw(ctx, () => RESOLVED);
    expect(out).not.toBe(RESOLVED);
    await out;
    expect((ctx as unknown as { body: unknown }).body).toBe('late');
  });

  it("should not set a body from a middleware's settled next()", async () => {
    const ctx = fakeCtx({});
    const mw = returnsBody(((_ctx: Context, next: Next) => next()) as Handler);
    await mw(ctx, () => Promise.resolve());
    expect((ctx as unknown as { body: unknown }).body).toBeUndefined();
  });
});
