/**
 * What a route's chain does around its handlers, once matched: a handler's return value becomes
 * the body, and params are percent-decoded once. Both run on the hot path; see the comments for
 * what each avoids.
 */
import { RESOLVED, type Next } from '../http/compose.js';
import type { Context } from '../http/context.js';
import { errorFor } from '../http/errors.js';
import type { RouteHandler } from './types.js';

type AnyHandler = RouteHandler<object, Record<string, string>>;

/**
 * Wraps a route handler so its return value becomes the body (the seed's `ctx => ({ … })`);
 * `undefined` leaves the body alone.
 *
 * @example
 * compose([returnsBody((ctx) => ({ id: ctx.params.id }))])
 */
export function returnsBody(fn: AnyHandler): (ctx: Context, next: Next) => unknown {
  return (ctx, next) => {
    const v = fn(ctx, next);
    // A sync handler's value is set with no promise at all; an async one's when it settles. A
    // middleware given as a handler (`validate()`) returns `next()`: when that is RESOLVED (the
    // rest ran synchronously) it is handed back as is — its value is `undefined`, which sets no
    // body — so the stack stays synchronous and `App.run` completes without a microtask. Wrapping
    // it in `.then` sent every validated route through `App.#run`'s await (bench/README.md, "Echo
    // path": POST /echo via inject 24.9–28.4 → 20.8–22.3 µs; over a socket within the noise).
    if (v === RESOLVED) return v;
    if (v instanceof Promise) return v.then((r: unknown) => setBody(ctx, r));
    setBody(ctx, v);
    return undefined;
  };
}

function setBody(ctx: Context, v: unknown): void {
  if (v !== undefined) ctx.body = v as never;
}

/**
 * Decodes each param holding `%` once, into a fresh prototype-less object.
 *
 * @throws {HttpError} 400 `ERR_BAD_PARAM` for a malformed escape
 * @example
 * decodeParams({ name: 'a%20b' }) // { name: 'a b' }
 */
export function decodeParams(raw: Record<string, string>): Record<string, string> {
  const out = Object.create(null) as Record<string, string>;
  for (const k in raw) {
    const v = raw[k]!;
    if (v.indexOf('%') === -1) {
      out[k] = v;
      continue;
    }
    try {
      out[k] = decodeURIComponent(v);
    } catch {
      throw errorFor('ERR_BAD_PARAM', `Malformed percent-encoding in route parameter "${k}"`);
    }
  }
  return out;
}
