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
 *   (`ctx.routePath` set) keeps its own 404 — a handler saying "no such todo" is not a 405.
 * - Rule order: a path served with other methods → 405 (OPTIONS → 204), both with `Allow`; else a
 *   method no router serves at all → 501; else the 404 stands.
 * - Answering is idempotent: the innermost router answers first with the full record; the outer ones
 *   then see a non-404 outcome (or the 405/501 error) and leave it.
 */
import { isHttpError } from '../http/http-error.js';
import { errorFor } from '../http/errors.js';
import type { Context } from '../http/context.js';

/** What the routers a request passed through would have allowed. */
export interface Miss {
  /** Methods served at this exact path (GET implies HEAD). */
  readonly allow: Set<string>;
  /** Methods served anywhere by these routers (HEAD and OPTIONS always). */
  readonly known: Set<string>;
}

// Keyed by context, so no field is added to Context later (it keeps one hidden class), and a
// record dies with its request. Only unmatched requests ever touch this map.
const misses = new WeakMap<Context, Miss>();

/** Adds one router's view of an unmatched request to its record; returns the record. */
export function recordMiss(ctx: Context, allowedHere: readonly string[], known: ReadonlySet<string>): Miss {
  let miss = misses.get(ctx);
  if (miss === undefined) {
    miss = { allow: new Set(), known: new Set() };
    misses.set(ctx, miss);
  }
  for (const m of allowedHere) {
    // An `all()` route at this path would have matched, so `ALL` never belongs in `Allow`.
    if (m === 'ALL') continue;
    miss.allow.add(m);
    if (m === 'GET') miss.allow.add('HEAD');
  }
  for (const k of known) miss.known.add(k);
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
    if (ctx.routePath !== null || !isHttpError(err) || err.status !== 404) throw err;
    if (!decide(ctx, miss)) throw err;
    return;
  }
  if (ctx.routePath !== null || ctx.headerSent || ctx.status !== 404) return;
  decide(ctx, miss);
}

/** Applies the rules (see the module header): throws, answers OPTIONS (true), or lets the 404 stand (false). */
function decide(ctx: Context, miss: Miss): boolean {
  const method = ctx.method;
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
