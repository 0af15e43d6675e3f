/**
 * The onion: composes middleware once into one function. Shape and guarantees follow
 * koa-compose: each middleware gets `next()`, which runs the rest of the stack and resolves when
 * it is done; calling `next()` twice from one middleware rejects with `ERR_NEXT_CALLED_TWICE`.
 *
 * Two variants are chosen between at compose time, never per request:
 * - production: one small `next` function per middleware level per request (that closure is what
 *   lets the double-`next()` guard know which level called it); a stack of one with no outer
 *   `next` runs with no closure at all.
 * - development (`NODE_ENV !== 'production'`, or `checkAwait: true`): additionally rejects with
 *   `ERR_MISSING_AWAIT` when a middleware settles while the downstream it started is still running
 *   — the forgotten `await next()` that otherwise sends a 404 before the handler has run.
 */
import { ERRORS, errorFor } from './errors.js';
import { ignore } from '../engine/ignore.js';

/** Runs the rest of the stack. */
export type Next = () => Promise<void>;

/** A middleware: `(ctx, next)`, async or sync; its return value is ignored. */
export type ComposableMiddleware<C> = (ctx: C, next: Next) => unknown;

/** Options of {@link compose}. */
export interface ComposeOptions {
  /** Reject when a middleware settles before its downstream (default: `NODE_ENV !== 'production'`). */
  checkAwait?: boolean;
}

/**
 * @internal What a composed stack returns when every middleware it ran finished synchronously:
 * the app then completes the request without waiting a microtask (see `App.run`).
 */
export const RESOLVED: Promise<void> = Promise.resolve();
const noopNext: Next = () => RESOLVED;

/**
 * Composes a stack of middleware into one function, validated now rather than per request.
 *
 * @throws {TypeError} if an element is not a function
 * @example
 * const run = compose([async (ctx, next) => { await next(); ctx.x++ }, (ctx) => { ctx.x = 1 }])
 * await run(ctx)
 */
export function compose<C>(
  stack: readonly ComposableMiddleware<C>[],
  options: ComposeOptions = {},
): (ctx: C, next?: Next) => Promise<void> {
  for (const fn of stack) {
    if (typeof fn !== 'function') throw new TypeError('Middleware must be a function');
  }
  const fns = stack.slice();
  const n = fns.length;
  if (n === 0) return (_ctx, next) => (next === undefined ? RESOLVED : next());
  const check = options.checkAwait ?? process.env['NODE_ENV'] !== 'production';
  if (check) return composeChecked(fns);
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
      if (i <= index) return Promise.reject(errorFor('ERR_NEXT_CALLED_TWICE'));
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

/**
 * The development variant: as above, and each level remembers whether the downstream it started
 * has settled. Settling first is the missing-`await` bug; a middleware that throws is left alone
 * (its own error is the more useful one).
 */
function composeChecked<C>(fns: ComposableMiddleware<C>[]): (ctx: C, next?: Next) => Promise<void> {
  const n = fns.length;
  return (ctx, next) => {
    let index = -1;
    const dispatch = (i: number): Promise<void> => {
      if (i <= index) return Promise.reject(errorFor('ERR_NEXT_CALLED_TWICE'));
      index = i;
      if (i === n) return next === undefined ? RESOLVED : next();
      let pending = 0;
      const down: Next = () => {
        pending++;
        const p = dispatch(i + 1);
        p.then(settle, settle);
        return p;
      };
      const settle = (): void => {
        pending--;
      };
      let out: Promise<void>;
      try {
        out = toPromise(fns[i]!(ctx, down));
      } catch (err) {
        return Promise.reject(err);
      }
      return out.then(() => {
        if (pending > 0)
          throw errorFor(
            'ERR_MISSING_AWAIT',
            `${ERRORS.ERR_MISSING_AWAIT.message} (middleware #${i + 1}${nameOf(fns[i]!)})`,
          );
      });
    };
    return dispatch(0);
  };
}

function nameOf(fn: { name: string }): string {
  return fn.name === '' ? '' : `, ${fn.name}`;
}

function toPromise(v: unknown): Promise<void> {
  // Sync middleware is common (a handler that just sets ctx.body): skip a Promise.resolve wrap.
  if (v === undefined) return RESOLVED;
  return v instanceof Promise ? (v as Promise<void>) : Promise.resolve(v).then(ignore);
}
