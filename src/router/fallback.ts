/**
 * What routers answer when none of them matched a request: 405 with `Allow`, 204 to `OPTIONS`,
 * 501 for a method no route serves — decided after the rest of the stack had its chance, so the
 * answer holds even when the user put a catch-all 404 after the routers.
 *
 * Contract:
 * - Every router a request passes through without matching calls {@link recordMiss} before it
 *   calls `next()`, so the record is the union over all those routers ("across all mounted routers").
 * - After `next()` settles, each of them calls {@link answerMiss}. Only a plain "not found" outcome
 *   is replaced: status 404 left standing, or a thrown 404 error. A request some router *did* match
 *   keeps its own 404 — a handler saying "no such todo" is not a 405. "Some router" includes
 *   routers that are not shallot's: a match is `ctx.routePath` (shallot's) or `ctx._matchedRoute`
 *   (@koa/router's, see {@link routed}).
 * - Rule order: a GET or HEAD that is not a WebSocket upgrade, to a path served as a WebSocket
 *   (`ws()`) → 426 with `Upgrade: websocket` (RFC 9110 §15.5.22); else a path served with other
 *   methods → 405 (OPTIONS → 204), both with `Allow` (a WebSocket route allows GET); else a
 *   method no router serves at all → 501; else the 404 stands. "Served at this path" counts the
 *   route layers @koa/router leaves on `ctx.matched` too, so a Koa router downstream (or upstream)
 *   is in `Allow` exactly as its own `allowedMethods()` would put it.
 * - Answering is idempotent: the innermost router answers first with the full record; the outer ones
 *   then see a non-404 outcome (or the 405/501 error) and leave it.
 */
import { isHttpError } from '../http/http-error.js';
import { errorFor } from '../http/errors.js';
import type { Context } from '../http/context.js';

/**
 * The method key of a WebSocket route in the tree. Not a token (it holds a space), so no
 * request's method can match it: only a WebSocket upgrade is looked up with it.
 */
export const WS_METHOD = 'GET websocket';

/** What the routers a request passed through would have allowed. */
export interface Miss {
  /** Methods served at this exact path (GET implies HEAD). */
  readonly allow: Set<string>;
  /** Methods served anywhere by these routers (HEAD and OPTIONS always). */
  readonly known: Set<string>;
  /** The path is served as a WebSocket. */
  websocket: boolean;
}

// Keyed by context, so no field is added to Context later (it keeps one hidden class), and a
// record dies with its request. Only unmatched requests ever touch this map.
const misses = new WeakMap<Context, Miss>();

/** Adds one router's view of an unmatched request to its record; returns the record. */
export function recordMiss(ctx: Context, allowedHere: readonly string[], known: ReadonlySet<string>): Miss {
  let miss = misses.get(ctx);
  if (miss === undefined) {
    miss = { allow: new Set(), known: new Set(), websocket: false };
    misses.set(ctx, miss);
  }
  for (const m of allowedHere) {
    // An `all()` route at this path would have matched, so `ALL` never belongs in `Allow`.
    if (m === 'ALL') continue;
    if (m === WS_METHOD) {
      miss.websocket = true;
      miss.allow.add('GET');
      miss.allow.add('HEAD');
      continue;
    }
    miss.allow.add(m);
    if (m === 'GET') miss.allow.add('HEAD');
  }
  for (const k of known) if (k !== WS_METHOD) miss.known.add(k);
  return miss;
}

/**
 * Runs `next()` and then turns a plain 404 into the 405/OPTIONS/501 answer `miss` calls for.
 *
 * @throws {HttpError} 405 `ERR_METHOD_NOT_ALLOWED` (with an `Allow` header) or 501
 *   `ERR_METHOD_NOT_IMPLEMENTED`; any error from downstream that is not a plain 404 is rethrown.
 */
export async function answerMiss(ctx: Context, next: () => Promise<void>, miss: Miss): Promise<void> {
  try {
    await next();
  } catch (err) {
    if (routed(ctx) || !isHttpError(err) || err.status !== 404) throw err;
    if (!decide(ctx, miss)) throw err;
    return;
  }
  if (routed(ctx) || ctx.headerSent || ctx.status !== 404) return;
  decide(ctx, miss);
}

/**
 * What @koa/router (15.x) leaves on the context, read from its `dispatch`: `matched` on every
 * request it sees — the layers whose path matched, whatever their methods (a route layer lists its
 * methods, GET with HEAD; a `router.use()` layer lists none) — and `_matchedRoute`, the matched
 * route's path, only when a layer matched both path and method, before that route's chain runs.
 */
interface KoaRouterMarks {
  readonly matched?: unknown;
  readonly _matchedRoute?: unknown;
}

/**
 * Whether a router matched the request: shallot's sets `ctx.routePath`, @koa/router sets
 * `ctx._matchedRoute`. `typeof`, not `!== null`: on a Koa context (a shallot router mounted into a
 * Koa app) `routePath` is `undefined` until a shallot router sets it.
 */
function routed(ctx: Context): boolean {
  return typeof ctx.routePath === 'string' || (ctx as KoaRouterMarks)._matchedRoute !== undefined;
}

/** Adds the methods of the @koa/router route layers whose path matched (`ctx.matched`) to `miss`. */
function addKoaMatched(ctx: Context, miss: Miss): void {
  const matched = (ctx as KoaRouterMarks).matched;
  if (!Array.isArray(matched)) return;
  for (const layer of matched as unknown[]) {
    const methods = typeof layer === 'object' && layer !== null ? (layer as { methods?: unknown }).methods : undefined;
    if (!Array.isArray(methods)) continue;
    for (const m of methods as unknown[]) {
      if (typeof m !== 'string') continue;
      miss.allow.add(m);
      miss.known.add(m);
    }
  }
}

/** Applies the rules (see the module header): throws, answers OPTIONS (true), or lets the 404 stand (false). */
function decide(ctx: Context, miss: Miss): boolean {
  addKoaMatched(ctx, miss);
  const method = ctx.method;
  if (miss.websocket && (method === 'GET' || method === 'HEAD') && !ctx.isWebSocket) {
    throw errorFor('ERR_UPGRADE_REQUIRED', `${ctx.path} takes WebSocket connections only`, {
      headers: { upgrade: 'websocket' },
    });
  }
  if (miss.allow.size > 0) {
    const allow = [...miss.allow, 'OPTIONS'].filter(unique).sort().join(', ');
    if (method === 'OPTIONS') {
      ctx.set('allow', allow);
      ctx.status = 204;
      ctx.body = null;
      return true;
    }
    throw errorFor('ERR_METHOD_NOT_ALLOWED', `${method} is not allowed on ${ctx.path}`, { headers: { allow } });
  }
  if (!miss.known.has(method) && !miss.known.has('ALL')) {
    throw errorFor('ERR_METHOD_NOT_IMPLEMENTED', `No route serves ${method}`, { expose: true });
  }
  return false;
}

function unique(v: string, i: number, a: string[]): boolean {
  return a.indexOf(v) === i;
}
