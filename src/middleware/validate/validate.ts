/**
 * `validate({ params?, query?, headers?, body? })`: checks a request against Standard Schema
 * schemas (zod 4 is the shipped, tested adapter: its schemas implement the spec natively) and
 * hands the handler the parsed values, typed.
 *
 * Rules (tested in test/middleware/validate.test.ts and validate-types.test.ts):
 * - Targets are checked in the order params, headers, query, body; all of them are checked, and
 *   every issue of every target is reported at once.
 * - The returned middleware is a `Validator` (src/http/validation.ts): it carries `schemas`, so a
 *   router types the handlers after it and lists the schemas.
 * - On success the outputs replace the inputs: `ctx.params`, `ctx.query` (the core setter: the
 *   object is kept as is, `ctx.querystring` follows as in Koa), `ctx.request.body`; validated
 *   headers are overlaid on `ctx.headers` (the others stay). Given as the first handler of a
 *   route, `validate()` types them for the handlers after it: `ctx.request.body` is
 *   `z.output<typeof schema>`, with no cast.
 * - A `body` schema reads the body first if no body parser did (`options.body` configures it), so
 *   413/415/400 body errors come before validation. A body already on `ctx.request.body` — from
 *   `body()` or another parser such as `@koa/bodyparser` — is the one validated (`body()`'s rule).
 * - On failure: the formatter's error is thrown. The default is 400 `ERR_VALIDATION`, rendered by
 *   the core as problem+json with `errors: [{ in, pointer, message, code }]` — `in` the target,
 *   `pointer` an RFC 6901 JSON Pointer into it (`/items/0/price`, `''` for the whole target),
 *   `code` the library's issue code (zod's `invalid_type`, `too_small`, …) or `'invalid'`.
 * - The formatter: `options.formatter`, else the nearest `validationFormatter(fn)` the request
 *   passed through — so one set on the app or on a router applies to every router mounted below
 *   it, and an inner one overrides an outer one.
 * - `files` declares the multipart file fields: the body is read with multipart enabled (unless
 *   `options.body.multipart` configures it), and a missing required file, or more than one where
 *   `multiple` is not set, is an issue `in: 'body'` at `/<field>` (codes `missing_file`,
 *   `too_many_files`), reported with the body's issues.
 * - `responses` declares the responses by status; they are not checked against the request.
 *   With `checkResponses` (default: on unless `NODE_ENV` is `production`, read when `validate()`
 *   is called), once the handlers after the validator finished without throwing, `ctx.body` is
 *   checked against the declaration for `ctx.status`; a 2xx status not declared, while some 2xx
 *   is, fails too. A body of bytes or a stream, a declaration without a schema, and a status
 *   neither declared nor 2xx are not checked. A mismatch is a 500 `ERR_RESPONSE_VALIDATION`
 *   whose (logged, never sent) message names the method, route, status and issues. Off, or with
 *   no `responses`, the middleware is the request check alone, at the same cost.
 */
import type { Middleware } from '../../http/app.js';
import type { Next } from '../../http/compose.js';
import type { Context } from '../../http/context.js';
import type { ParsedQuery } from '../../http/query.js';
import type {
  StandardIssue,
  StandardResult,
  ResponseSchemas,
  StandardSchemaV1,
  ValidationSchemas,
  ValidationTarget,
  Validator,
} from '../../http/validation.js';
import { parseBody, resolveBodyOptions, type BodyOptions } from '../body/body.js';
import { fail } from '../fail.js';

// The contract lives in the http room, where the router reads it too; re-exported here beside
// the validator that implements it.
export type {
  DeclaredResponse,
  FileField,
  HandlerResult,
  InferInput,
  ResponseSchemas,
  ResponseSpec,
  TypedContext,
  ValidatedContext,
  ValidatedHandler,
  ValidationSchemas,
  ValidationTarget,
  Validator,
} from '../../http/validation.js';

/** One validation issue, as sent in the `errors` array of a 400. */
export interface ValidationIssue {
  in: ValidationTarget;
  /** RFC 6901 JSON Pointer into the target, e.g. `/items/0/price`; `''` for the target itself. */
  pointer: string;
  message: string;
  code: string;
}

/** Turns the issues of a request into the error to throw (see {@link validationFormatter}). */
export type ValidationFormatter = (issues: ValidationIssue[], ctx: Context) => Error;

/** Options of {@link validate}. */
export interface ValidateOptions {
  /** This route's formatter, over any inherited one. */
  formatter?: ValidationFormatter;
  /**
   * How the body is read when a `body` schema or `files` is given and no body parser ran (default:
   * JSON and forms; multipart too when `files` is declared).
   */
  body?: BodyOptions;
  /** Check `ctx.body` against the declared `responses` (default: on unless `NODE_ENV` is `production`). */
  checkResponses?: boolean;
}

const ORDER: readonly ValidationTarget[] = ['params', 'headers', 'query', 'body'];
const inherited = new WeakMap<object, ValidationFormatter>();

/** The default: 400 `ERR_VALIDATION` with the issues as the problem's `errors`. */
export const defaultValidationFormatter: ValidationFormatter = (issues) =>
  fail('ERR_VALIDATION', `Request validation failed: ${issues.length} issue${issues.length === 1 ? '' : 's'}`, {
    details: issues,
  });

/**
 * Validates a route's request; see the module rules.
 *
 * @throws {HttpError} 400 `ERR_VALIDATION` (or the formatter's error); body errors when it reads the body
 * @example
 * const User = z.object({ name: z.string().min(1), age: z.number().int() })
 * router.post('/users', validate({ body: User }), (ctx) => ({ created: ctx.request.body.name }))
 */
export function validate<const T extends ValidationSchemas>(schemas: T, options: ValidateOptions = {}): Validator<T> {
  const targets = ORDER.filter((t) => schemas[t] !== undefined);
  const files = schemas.files === undefined ? null : Object.entries(schemas.files);
  const bodyOptions = files === null ? options.body : { multipart: true, ...options.body };
  const bodyConfig = schemas.body !== undefined || files !== null ? resolveBodyOptions(bodyOptions ?? {}) : null;
  const own = options.formatter;
  const n = targets.length;
  const responses = schemas.responses;
  const checked =
    responses !== undefined && (options.checkResponses ?? process.env['NODE_ENV'] !== 'production')
      ? new ResponseCheck(responses)
      : null;
  // Not async: with a body already here and a synchronous schema (zod's usual case) a request
  // passes with no promise of its own; an async schema or a body still arriving takes promises.
  const check = (ctx: Context, next: Next): unknown => {
    const results: Result[] = new Array(n);
    let pending = false;
    for (let i = 0; i < n; i++) {
      const target = targets[i]!;
      const r = schemas[target]!['~standard'].validate(input(ctx, target)) as Result;
      results[i] = r;
      if (r instanceof Promise) pending = true;
    }
    if (pending) return Promise.all(results).then((settled) => apply(ctx, next, settled));
    return apply(ctx, next, results as StandardResult<unknown>[]);
  };
  const apply = (ctx: Context, next: Next, results: StandardResult<unknown>[]): unknown => {
    let issues: ValidationIssue[] | null = null;
    for (let i = 0; i < n; i++) {
      const found = results[i]!.issues;
      if (found === undefined) continue;
      issues ??= [];
      for (const issue of found) issues.push(toIssue(targets[i]!, issue));
    }
    if (files !== null) issues = fileIssues(ctx, files, issues);
    if (issues !== null) throw (own ?? inherited.get(ctx) ?? defaultValidationFormatter)(issues, ctx);
    for (let i = 0; i < n; i++) install(ctx, targets[i]!, (results[i] as { value: unknown }).value);
    return checked === null ? next() : next().then(() => checked.check(ctx));
  };
  const mw: Middleware = function validate(ctx, next) {
    const reading = bodyConfig === null ? undefined : parseBody(ctx, bodyConfig);
    return reading === undefined ? check(ctx, next) : reading.then(() => check(ctx, next));
  };
  return Object.assign(mw, { schemas });
}

type Result = StandardResult<unknown> | Promise<StandardResult<unknown>>;

/**
 * Sets the validation formatter for the requests that pass through it: use it on the app or a
 * router, and every route below (mounted routers included) formats its validation errors with
 * `fn`, unless a nearer `validationFormatter()` or the route's own `formatter` option says otherwise.
 *
 * @example
 * api.use(validationFormatter((issues) => new HttpError(422, 'Invalid', { code: 'ERR_VALIDATION', details: issues })))
 */
export function validationFormatter(fn: ValidationFormatter): Middleware {
  return function validationFormatter(ctx, next) {
    inherited.set(ctx, fn);
    return next();
  };
}

function input(ctx: Context, target: ValidationTarget): unknown {
  switch (target) {
    case 'params':
      return ctx.params;
    case 'query':
      return ctx.query;
    case 'headers':
      return ctx.headers;
    case 'body':
      return ctx.request.body;
  }
}

function install(ctx: Context, target: ValidationTarget, value: unknown): void {
  switch (target) {
    case 'params':
      ctx.params = value as Record<string, string>;
      return;
    case 'query':
      ctx.query = value as ParsedQuery;
      return;
    case 'headers':
      // Overlaid, not replaced: a schema that names three headers must not hide the others.
      if (typeof value === 'object' && value !== null) Object.assign(ctx.headers, value);
      return;
    case 'body':
      ctx.request.body = value;
  }
}

/** The issues of the declared file fields, added to `issues` (a fresh array when it is null). */
function fileIssues(
  ctx: Context,
  files: readonly [string, { readonly required?: boolean; readonly multiple?: boolean }][],
  issues: ValidationIssue[] | null,
): ValidationIssue[] | null {
  const got = ctx.request.files;
  for (const [name, field] of files) {
    const count = got?.[name]?.length ?? 0;
    const pointer = `/${name.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    if (count === 0 && field.required !== false)
      (issues ??= []).push({ in: 'body', pointer, message: 'Expected a file', code: 'missing_file' });
    else if (count > 1 && field.multiple !== true)
      (issues ??= []).push({ in: 'body', pointer, message: `Expected one file, got ${count}`, code: 'too_many_files' });
  }
  return issues;
}

/** The declared responses of one `validate()`, checked against what a handler answered. */
class ResponseCheck {
  readonly #responses: ResponseSchemas;
  readonly #has2xx: boolean;

  constructor(responses: ResponseSchemas) {
    this.#responses = responses;
    this.#has2xx = Object.keys(responses).some((k) => k.startsWith('2'));
  }

  /** @throws {HttpError} 500 `ERR_RESPONSE_VALIDATION` on a mismatch (see the module rules) */
  check(ctx: Context): void | Promise<void> {
    const status = ctx.status;
    const declared = this.#responses[status];
    if (declared === undefined) {
      if (this.#has2xx && status >= 200 && status < 300) throw mismatch(ctx, 'the status is not declared');
      return;
    }
    const schema: StandardSchemaV1 | undefined = '~standard' in declared ? declared : declared.schema;
    const value: unknown = ctx.body;
    if (schema === undefined || isBytes(value)) return;
    const result = schema['~standard'].validate(value) as Result;
    if (result instanceof Promise) return result.then((r) => report(ctx, r));
    report(ctx, result);
  }
}

function report(ctx: Context, result: StandardResult<unknown>): void {
  const found = result.issues;
  if (found === undefined) return;
  const issues = found.map((issue) => {
    const { pointer, message } = toIssue('body', issue);
    return `${pointer === '' ? '(body)' : pointer}: ${message}`;
  });
  throw mismatch(ctx, issues.join('; '));
}

function mismatch(ctx: Context, what: string): Error {
  return fail(
    'ERR_RESPONSE_VALIDATION',
    `Response to ${ctx.method} ${ctx.routePath ?? ctx.path} with status ${ctx.status} does not match its declaration: ${what}`,
  );
}

/** A body of bytes or a stream: what a schema of values cannot describe. */
function isBytes(value: unknown): boolean {
  return (
    value instanceof Uint8Array ||
    (typeof value === 'object' && value !== null && typeof (value as { pipe?: unknown }).pipe === 'function')
  );
}

/** A library issue as a {@link ValidationIssue}. */
function toIssue(target: ValidationTarget, issue: StandardIssue): ValidationIssue {
  let pointer = '';
  for (const seg of issue.path ?? []) {
    const key = typeof seg === 'object' && seg !== null ? seg.key : seg;
    pointer += `/${String(key).replace(/~/g, '~0').replace(/\//g, '~1')}`;
  }
  const code = (issue as { code?: unknown }).code;
  return { in: target, pointer, message: issue.message, code: typeof code === 'string' ? code : 'invalid' };
}
