/**
 * `logger(options)`: request logging with pino — one root logger, one child per request on
 * `ctx.log` carrying the request id, and one "request completed" line per response.
 *
 * Rules (tested in test/middleware/logger.test.ts):
 * - The root is `options.logger`, else a pino built from the pino options given (e.g. a
 *   `transport`), else the app's own `app.log` — so by default the app and its requests write to
 *   one logger. Request loggers are children of it with `level`, `redact` and the serializers.
 * - The request id comes from `requestIdHeader` (`x-request-id`) when the client sent a safe one
 *   (1–128 of `A-Z a-z 0-9 - _ . : + = / @`), else `genReqId(ctx)` (a random UUID). It is bound
 *   to `ctx.log` as `reqId` and echoed in the same response header, error responses included.
 * - "request completed" is logged at `info` once the response was written (`ctx.res` 'close' after 'finish'),
 *   with `req: { method, url, remoteAddress }`, `res: { statusCode, bytes }` (the Content-Length
 *   sent; absent for a chunked stream) and `responseTime` in ms; a client that leaves first gets
 *   "request aborted" instead (a 'close' without 'finish'). `skip(ctx)` (called then)
 *   can suppress the line, e.g. for health checks.
 * - Errors are logged once, by the core's error path (`App.onError`: 5xx at `error` with the `err`
 *   serializer, 4xx at `info`), through `ctx.log` — so with the request id and redaction, and never
 *   a second time here.
 * - Redaction: `authorization`, `cookie` and `set-cookie` headers wherever the serializers or a
 *   handler log them under `req.headers`/`res.headers`/`headers` (see `MIDDLEWARE_DEFAULTS.redact`).
 * - Per-route level: `logLevel('debug')` as route middleware sets the level of that request's logger.
 */
import { randomUUID } from 'node:crypto';
import type { LevelWithSilent, Logger, LoggerOptions as PinoOptions } from 'pino';
import type { Middleware } from '../http/app.js';
import type { Context } from '../http/context.js';
import { pinoOf } from '../http/deferred-modules.js';
import { MIDDLEWARE_DEFAULTS } from './defaults.js';

/** Options of {@link logger}: pino options (a new root is built when any besides these are given) plus these. */
export interface RequestLoggerOptions extends Omit<PinoOptions, 'level' | 'redact' | 'serializers'> {
  /** The root logger (default: `app.log`). */
  logger?: Logger;
  /** Level of the request loggers (default: the root's). */
  level?: LevelWithSilent;
  /** Paths to redact, replacing the defaults; `false` for none. */
  redact?: string[] | false;
  /** Header the request id is read from and echoed in (default `x-request-id`); `false` to neither read nor echo. */
  requestIdHeader?: string | false;
  /** Makes a request id when none (valid) was sent. Default: `crypto.randomUUID()`. */
  genReqId?: (ctx: Context) => string;
  /** Return true to leave out this request's "request completed" line (called once it finished). */
  skip?: (ctx: Context) => boolean;
}

const SAFE_ID = /^[A-Za-z0-9\-_.:+=/@]+$/;
const OWN_KEYS = new Set(['logger', 'level', 'redact', 'requestIdHeader', 'genReqId', 'skip']);

/** The `req` serializer: what a request line needs, no headers (they are where credentials live). */
function serializeReq(ctx: Context): Record<string, unknown> {
  return { method: ctx.method, url: ctx.originalUrl, remoteAddress: ctx.remoteAddress };
}

/**
 * Logs each request through a child of one root pino logger; see the module rules.
 *
 * @example
 * app.use(logger({ level: 'info', skip: (ctx) => ctx.path === '/health' }))
 * app.get('/', (ctx) => { ctx.log.info('hello'); return 'hi' })
 */
export function logger(options: RequestLoggerOptions = {}): Middleware {
  const pinoOptions: Record<string, unknown> = {};
  for (const k of Object.keys(options)) if (!OWN_KEYS.has(k)) pinoOptions[k] = (options as Record<string, unknown>)[k];
  const { pino, stdSerializers } = pinoOf();
  const ownRoot = options.logger ?? (Object.keys(pinoOptions).length > 0 ? pino(pinoOptions as PinoOptions) : null);
  const childOptions = {
    ...(options.level !== undefined ? { level: options.level } : {}),
    ...(options.redact !== false ? { redact: options.redact ?? [...MIDDLEWARE_DEFAULTS.redact] } : {}),
    serializers: { err: stdSerializers.err },
  };
  // One derived base per root (the app's root is only known per request): children are cheap,
  // a child with its own redaction is not, so it is made once.
  const bases = new WeakMap<Logger, Logger>();
  const header = options.requestIdHeader === undefined ? MIDDLEWARE_DEFAULTS.requestIdHeader : options.requestIdHeader;
  const gen = options.genReqId ?? (() => randomUUID());
  const skip = options.skip;

  return async function logger(ctx, next) {
    const start = performance.now();
    const root = ownRoot ?? ctx.app.log;
    let base = bases.get(root);
    if (base === undefined) bases.set(root, (base = root.child({}, childOptions)));
    const id = requestId(ctx, header, gen);
    const log = base.child({ reqId: id });
    ctx.log = log;
    if (header !== false) ctx.set(header, id);
    // One closure per request: the line needs this request's start time once the response is out.
    // 'close' comes once either way — after 'finish' when the response was written, alone when
    // the client left first — so one listener serves both lines (and no AbortController is made).
    const res = ctx.res;
    res.once('close', () => {
      const log = ctx.log;
      if (!log.isLevelEnabled('info')) return;
      if (!res.writableFinished) {
        log.info({ req: serializeReq(ctx), responseTime: round(performance.now() - start) }, 'request aborted');
        return;
      }
      if (skip?.(ctx) === true) return;
      const cl = ctx.response.get('content-length');
      log.info(
        {
          req: serializeReq(ctx),
          res: { statusCode: ctx.status, bytes: cl === undefined ? undefined : Number(cl) },
          responseTime: round(performance.now() - start),
        },
        'request completed',
      );
    });
    try {
      await next();
    } catch (err) {
      // The error path resets response headers but keeps an error's own: keep the echo there.
      if (header !== false && typeof err === 'object' && err !== null) addHeader(err, header, id);
      throw err;
    }
  };
}

/**
 * Route middleware that sets the level of this request's logger (use after `logger()`).
 *
 * @example router.get('/debug/cache', logLevel('debug'), handler)
 */
export function logLevel(level: LevelWithSilent): Middleware {
  return function logLevel(ctx, next) {
    ctx.log.level = level;
    return next();
  };
}

/** The client's id when present and safe, else a generated one. */
function requestId(ctx: Context, header: string | false, gen: (ctx: Context) => string): string {
  if (header !== false) {
    const sent = ctx.get(header);
    if (sent.length > 0 && sent.length <= MIDDLEWARE_DEFAULTS.requestIdMaxLength && SAFE_ID.test(sent)) return sent;
  }
  return gen(ctx);
}

/** Adds the echo to an error's own headers (the ones the error path keeps), as `@koa/cors` does. */
function addHeader(err: object, name: string, value: string): void {
  const e = err as { headers?: unknown };
  if (e.headers !== undefined && (typeof e.headers !== 'object' || e.headers === null || Array.isArray(e.headers)))
    return;
  try {
    e.headers = { ...(e.headers as Record<string, string | string[]> | undefined), [name]: value };
  } catch {
    // A frozen or read-only error is answered without the echo.
  }
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
