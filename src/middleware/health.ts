/**
 * `health()`: liveness and readiness endpoints, and the order of a graceful stop behind a load
 * balancer.
 *
 * Rule: when the server is told to stop (`listen({ signals: true })` and a SIGTERM, or
 * `server.shutdown()`), readiness answers 503 first; the drain (`server.close()`: stop listening,
 * answer requests in flight) begins only `readinessDelay` ms later. A balancer or Kubernetes
 * takes a moment to notice a backend going away; during that moment it still sends requests, and
 * they are served as usual. Liveness stays 200 until the process exits: a failing liveness check
 * gets a process restarted, which a draining process does not need.
 */
import type { Middleware } from '../http/app.js';
import type { Next } from '../http/compose.js';
import type { Context } from '../http/context.js';
import { MIDDLEWARE_DEFAULTS } from './defaults.js';

/** Options of {@link health}. */
export interface HealthOptions {
  /** Liveness path (default `/healthz`): 200 while the process runs. */
  livenessPath?: string;
  /** Readiness path (default `/readyz`): 200 while the app takes traffic, 503 once stopping. */
  readinessPath?: string;
  /** ms between readiness turning 503 and the drain (default 5000; 0: drain at once). */
  readinessDelay?: number;
  /**
   * An extra readiness condition (a database reachable, a cache warmed): `false`, or a throw, answers
   * 503. Called for each readiness request, so keep it cheap.
   */
  ready?: () => boolean | Promise<boolean>;
}

/** The middleware {@link health} returns: the endpoints, and the hook the server calls before it drains. */
export interface HealthMiddleware extends Middleware {
  /** Whether the server was told to stop (readiness answers 503). */
  readonly stopping: boolean;
  /**
   * Called by the server before the drain: turns readiness to 503 and resolves after
   * `readinessDelay`. Idempotent.
   */
  beforeDrain(): Promise<void>;
}

/**
 * Liveness at `/healthz` and readiness at `/readyz` (GET and HEAD, `Cache-Control: no-store`, a JSON
 * `{ status }`), and a readiness that turns 503 `readinessDelay` ms before the drain. Put it first in
 * the stack (`app.use`), so that no other middleware (a logger, an auth check) runs for probes; the
 * server finds its `beforeDrain` hook there.
 *
 * @example app.use(health({ readinessDelay: 5000 })); app.listen({ port: 8080, signals: true })
 */
export function health(options: HealthOptions = {}): HealthMiddleware {
  const livenessPath = options.livenessPath ?? '/healthz';
  const readinessPath = options.readinessPath ?? '/readyz';
  const delay = options.readinessDelay ?? MIDDLEWARE_DEFAULTS.readinessDelay;
  const check = options.ready;
  let stopping: Promise<void> | null = null;

  const answer = (ctx: Context, status: number, word: string): void => {
    ctx.status = status;
    ctx.set('cache-control', 'no-store');
    ctx.body = { status: word };
  };

  const readiness = async (ctx: Context, ready: () => boolean | Promise<boolean>): Promise<void> => {
    let ok = false;
    try {
      ok = (await ready()) === true;
    } catch {
      ok = false;
    }
    // The server may have been told to stop while the check ran.
    if (stopping !== null) return answer(ctx, 503, 'stopping');
    answer(ctx, ok ? 200 : 503, ok ? 'ready' : 'not ready');
  };

  // Synchronous for every other request: an async middleware first in the stack would cost each
  // request the stack's synchronous fast path (App's kRun).
  const mw = ((ctx: Context, next: Next): unknown => {
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') return next();
    if (ctx.path === livenessPath) return answer(ctx, 200, 'ok');
    if (ctx.path !== readinessPath) return next();
    if (stopping !== null) return answer(ctx, 503, 'stopping');
    if (check === undefined) return answer(ctx, 200, 'ready');
    return readiness(ctx, check);
  }) as HealthMiddleware;

  Object.defineProperty(mw, 'stopping', { get: () => stopping !== null, enumerable: true });
  mw.beforeDrain = () =>
    (stopping ??=
      delay <= 0
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            // The listening server holds the process meanwhile; the timer must not hold it alone.
            setTimeout(resolve, delay).unref();
          }));
  return mw;
}
