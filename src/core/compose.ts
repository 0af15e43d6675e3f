/**
 * The onion: composes middleware once into one function. Shape and guarantees follow
 * koa-compose: each middleware gets `next()`, which runs the rest of the stack and resolves when
 * it is done; calling `next()` twice from one middleware rejects.
 *
 * Cost: one small `next` function per middleware level per request. That closure is what lets the
 * double-`next()` guard know which level called it; a stack of one runs with no closure at all.
 */
import { HttpError } from './http-error.js';

/** Runs the rest of the stack. */
export type Next = () => Promise<void>;

/** A middleware: `(ctx, next)`, async or sync; its return value is ignored. */
export type ComposableMiddleware<C> = (ctx: C, next: Next) => unknown;

const RESOLVED: Promise<void> = Promise.resolve();
const noopNext: Next = () => RESOLVED;

/**
 * Composes a stack of middleware into one function, validated now rather than per request.
 *
 * @throws {TypeError} if an element is not a function
 * @example
 * const run = compose([async (ctx, next) => { await next(); ctx.x++ }, (ctx) => { ctx.x = 1 }])
 * await run(ctx)
 */
export function compose<C>(stack: readonly ComposableMiddleware<C>[]): (ctx: C, next?: Next) => Promise<void> {
  for (const fn of stack) {
    if (typeof fn !== 'function') throw new TypeError('Middleware must be a function');
  }
  const fns = stack.slice();
  const n = fns.length;
  if (n === 0) return (_ctx, next) => (next === undefined ? RESOLVED : next());
  if (n === 1) {
    const only = fns[0]!;
    return (ctx, next) => {
      try {
        return toPromise(only(ctx, next ?? noopNext));
      } catch (err) {
        return Promise.reject(err);
      }
    };
  }
  return (ctx, next) => {
    let index = -1;
    const dispatch = (i: number): Promise<void> => {
      if (i <= index) {
        return Promise.reject(new HttpError(500, 'next() called multiple times', { code: 'ERR_NEXT_CALLED_TWICE', expose: false }));
      }
      index = i;
      if (i === n) return next === undefined ? RESOLVED : next();
      try {
        return toPromise(fns[i]!(ctx, () => dispatch(i + 1)));
      } catch (err) {
        return Promise.reject(err);
      }
    };
    return dispatch(0);
  };
}

function toPromise(v: unknown): Promise<void> {
  // Sync middleware is common (a handler that just sets ctx.body): skip a Promise.resolve wrap.
  if (v === undefined) return RESOLVED;
  return v instanceof Promise ? (v as Promise<void>) : Promise.resolve(v).then(ignore);
}

function ignore(): void {}
