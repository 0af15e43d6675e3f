/**
 * Every default of the middleware set, in one place (STYLE rule 11): body limits, query limits,
 * request-id rules and what the logger redacts. Each middleware takes the same names as options.
 */

/** The middleware defaults; see each middleware's options for what they mean. */
export const MIDDLEWARE_DEFAULTS = {
  /**
   * `health()`: time between readiness turning 503 and the drain, on a shutdown signal. Long
   * enough for a load balancer's probe or Kubernetes' endpoint update to stop new traffic first.
   */
  readinessDelay: 5_000,
  /** `body()`: largest JSON body, after decoding (Fastify's `bodyLimit`). Over it: 413. */
  jsonLimit: 1024 * 1024,
  /** `body()`: largest `application/x-www-form-urlencoded` body (koa-bodyparser's `formLimit`). */
  urlencodedLimit: 56 * 1024,
  /** `body()`: largest text body. */
  textLimit: 1024 * 1024,
  /** `body()`: largest raw (`application/octet-stream`) body. */
  rawLimit: 1024 * 1024,
  /** `query()` and urlencoded bodies: bracket levels read in `a[b][c]=…` (qs's `depth`). */
  depth: 5,
  /** `query()` and urlencoded bodies: parameters read; the rest are ignored (qs's `parameterLimit`). */
  parameterLimit: 1000,
  /** `query()` and urlencoded bodies: highest `a[n]` index that builds an array (qs's `arrayLimit`). */
  arrayLimit: 20,
  /** `logger()`: the header a request id is read from and echoed in. */
  requestIdHeader: 'x-request-id',
  /** `logger()`: longest accepted incoming request id; a longer one is replaced by a generated id. */
  requestIdMaxLength: 128,
  /** `logger()`: paths pino redacts (request and response headers that carry credentials). */
  redact: [
    'req.headers.authorization',
    'req.headers.cookie',
    'req.headers["proxy-authorization"]',
    'res.headers["set-cookie"]',
    'headers.authorization',
    'headers.cookie',
  ],
} as const;
