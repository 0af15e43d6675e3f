/**
 * `allowOrigins(origins)`: refuses a request whose `Origin` is not one the application trusts,
 * with 403 `ERR_ORIGIN_FORBIDDEN`, before anything downstream runs — on a WebSocket route, before
 * the upgrade. Browsers do not apply the same-origin policy to WebSockets, and send the page's
 * cookies with the upgrade request from any site: without this check any page a logged-in user
 * visits can open a socket as that user (cross-site WebSocket hijacking).
 *
 * Rules (tested in test/ws/limits.test.ts):
 * - An origin is compared as the browser serialises it (`scheme://host[:port]`, lowercase, no
 *   trailing slash), exactly: no wildcards, no prefix matches (`https://example.com.evil.net`).
 * - A request without `Origin` is refused unless `allowMissing` (clients that are not browsers
 *   send none; a browser always sends one with a WebSocket upgrade).
 * - `Origin: null` (sandboxed frames, file: pages) is refused like any origin not in the list.
 */
import type { Middleware } from '../http/app.js';
import { errorFor } from '../http/errors.js';

/** Options of {@link allowOrigins}. */
export interface AllowOriginsOptions {
  /** Let requests without an `Origin` field through (non-browser clients). Default false. */
  allowMissing?: boolean;
}

/**
 * Refuses requests from other origins with 403; see the module rules.
 *
 * @example app.ws('/chat', allowOrigins(['https://example.com']), async (ctx) => { const ws = await ctx.upgrade() })
 */
export function allowOrigins(origins: readonly string[], options: AllowOriginsOptions = {}): Middleware {
  const allowed = new Set(origins.map((o) => o.toLowerCase().replace(/\/+$/, '')));
  const allowMissing = options.allowMissing === true;
  return (ctx, next) => {
    const origin = ctx.get('origin');
    if (origin === '' ? allowMissing : allowed.has(origin.toLowerCase())) return next();
    throw errorFor(
      'ERR_ORIGIN_FORBIDDEN',
      origin === '' ? 'A request without an Origin' : `Origin ${JSON.stringify(origin)} is not allowed`,
    );
  };
}
