/**
 * The validation contract: what a validator middleware carries, so that a router can type the
 * handlers after it and list its schemas without importing any validator. The router reads this
 * contract, `validate()` (src/middleware/validate) implements it, and a third-party validator may
 * implement it too.
 *
 * Contract:
 * - A validator is a middleware with a `schemas` property: `{ params?, query?, headers?, body? }`,
 *   each a Standard Schema v1 schema (zod 4, Valibot, ArkType…), and optionally the route's
 *   declarations beside them: `files` (the multipart file fields it takes) and `responses` (a
 *   schema, or a {@link ResponseSpec}, by status). The property is data, not behaviour: the router
 *   never calls the schemas, and the middleware itself does the checking.
 * - `responses` types a handler's return value: after a validator declaring 2xx responses, a
 *   handler returns the input type of one of them, or nothing (`void`/`undefined`: it set
 *   `ctx.body` itself, or left it to a later handler) — see {@link HandlerResult}.
 * - Given as the first handler of a route, a validator types the handlers after it from its
 *   schemas' outputs ({@link ValidatedHandler}); given anywhere in a route's chain, it is listed
 *   by `router.list()` ({@link schemasOf}).
 * - The Standard Schema v1 interface below is copied as the spec intends (standardschema.dev), so
 *   that no schema library is a dependency. Only the members shallot reads are declared.
 */
import type { Next } from './compose.js';
import type { Context } from './context.js';
import type { IncomingHeaders } from './incoming-headers.js';
import type { ParsedQuery } from './query.js';
import type { UploadedFile, UploadedFiles } from './multipart.js';
import type { Request } from './request.js';

/**
 * A schema any Standard Schema v1 library produces.
 *
 * @example
 * const Id: StandardSchemaV1<unknown, { id: number }> = z.object({ id: z.coerce.number() })
 */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  readonly '~standard': StandardSchemaProps<Input, Output>;
}

/**
 * The `~standard` member of a {@link StandardSchemaV1}.
 *
 * @example
 * const result = await schema['~standard'].validate(input)
 */
export interface StandardSchemaProps<Input = unknown, Output = Input> {
  readonly version: 1;
  readonly vendor: string;
  readonly validate: (value: unknown) => StandardResult<Output> | Promise<StandardResult<Output>>;
  readonly types?: { readonly input: Input; readonly output: Output } | undefined;
}

/**
 * A validation outcome: the (possibly transformed) value, or issues.
 *
 * @example
 * const ok: StandardResult<number> = { value: 42 }
 */
export type StandardResult<Output> =
  { readonly value: Output; readonly issues?: undefined } | { readonly issues: readonly StandardIssue[] };

/**
 * One problem found by a schema. Libraries may add fields (zod adds `code`).
 *
 * @example
 * const issue: StandardIssue = { message: 'Expected a number', path: ['items', 0, 'price'] }
 */
export interface StandardIssue {
  readonly message: string;
  readonly path?: readonly (PropertyKey | { readonly key: PropertyKey })[] | undefined;
}

/**
 * The output type of a schema (`z.output<typeof s>` for zod).
 *
 * @example
 * type User = InferOutput<typeof UserSchema>
 */
export type InferOutput<S extends StandardSchemaV1> = NonNullable<S['~standard']['types']>['output'];

/**
 * The input type of a schema (`z.input<typeof s>` for zod): what a handler hands over for a
 * declared response, before any transform.
 *
 * @example
 * type UserIn = InferInput<typeof UserSchema>
 */
export type InferInput<S extends StandardSchemaV1> = NonNullable<S['~standard']['types']>['input'];

/**
 * A declared response in full: its schema (none for a response without a body, such as a 204),
 * its media type (default `application/json`) and a description (default the status text).
 *
 * @example
 * const deleted: ResponseSpec = { description: 'The todo was deleted' }
 * const csv: ResponseSpec = { schema: z.string(), type: 'text/csv' }
 */
export interface ResponseSpec {
  readonly schema?: StandardSchemaV1;
  readonly type?: string;
  readonly description?: string;
}

/**
 * A route's responses by status: a schema (the JSON body), or a {@link ResponseSpec}.
 *
 * @example
 * const responses: ResponseSchemas = { 200: Todo, 404: Problem, 204: { description: 'Deleted' } }
 */
export type ResponseSchemas = { readonly [status: number]: StandardSchemaV1 | ResponseSpec };

/**
 * A multipart file field a route takes: required unless `required: false`, one file unless
 * `multiple: true`; `accept` lists the media types it may have (documentation: the body parser's
 * own `accept` option is what refuses others).
 *
 * @example
 * const files = { avatar: { accept: ['image/*'] }, attachments: { multiple: true, required: false } }
 */
export interface FileField {
  readonly required?: boolean;
  readonly multiple?: boolean;
  readonly accept?: readonly string[];
  readonly description?: string;
}

/**
 * The schemas of a route, by target, and its declarations: the file fields of a multipart body
 * (`files`) and the responses (`responses`), which are not checked against the request.
 *
 * @example
 * const schemas: ValidationSchemas = { params: z.object({ id: z.coerce.number() }), body: User, responses: { 200: User } }
 */
export interface ValidationSchemas {
  params?: StandardSchemaV1;
  query?: StandardSchemaV1;
  headers?: StandardSchemaV1;
  body?: StandardSchemaV1;
  files?: { readonly [field: string]: FileField };
  responses?: ResponseSchemas;
}

/**
 * Where in the request a schema applies.
 *
 * @example
 * const order: ValidationTarget[] = ['params', 'headers', 'query', 'body']
 */
export type ValidationTarget = 'params' | 'query' | 'headers' | 'body';

/**
 * A validator: a middleware that carries its schemas in `schemas`, so the route methods type the
 * handlers after it and `router.list()` can report them. `validate()` returns one; any middleware
 * that checks a request against Standard Schema schemas can be one by carrying the property.
 *
 * @example
 * // A third-party validator: check the body, and say so.
 * function checkBody<T extends StandardSchemaV1>(schema: T): Validator<{ body: T }> {
 *   const mw = async (ctx: Context, next: Next) => { … ; await next() }
 *   return Object.assign(mw, { schemas: { body: schema } })
 * }
 */
export type Validator<T extends ValidationSchemas> = ((ctx: Context, next: Next) => unknown) & { readonly schemas: T };

/** The output of target `K` of `T`, or `D` when `T` has no schema for it. */
type Out<T extends ValidationSchemas, K extends ValidationTarget, D> = T[K] extends StandardSchemaV1
  ? InferOutput<T[K]>
  : D;

/** Context's params and query are objects: a schema whose output is not one leaves `{}`. */
type Obj<X> = X extends object ? X : {};

/**
 * The context a handler after a validator sees, written with the types it reads rather than the
 * schemas they came from: `ctx.params`, `ctx.query`, `ctx.request.body`, `ctx.headers` and
 * `ctx.request.files`. The compiler names this type in its messages (`TypedContext<{}, { id: number; },
 * ParsedQuery, { name: string; }, {}, …>`), so it takes outputs, never schemas.
 *
 * @example
 * type Ctx = TypedContext<{}, { id: string }, ParsedQuery, { name: string }, {}, UploadedFiles | undefined>
 */
export type TypedContext<S extends object, Params extends object, Query extends object, Body, Headers, Files> = Context<
  S,
  Params,
  Query
> & {
  readonly request: Request & {
    body: Body;
    files: Files;
    readonly headers: IncomingHeaders & Headers;
  };
  readonly headers: IncomingHeaders & Headers;
};

/**
 * The context a handler after a validator sees: `ctx.params`, `ctx.query`, `ctx.request.body`
 * and `ctx.headers` typed from the schemas' outputs; a target with no schema keeps its usual type.
 * It is a {@link TypedContext} of those outputs; the conditional form (always true) makes the
 * compiler show that `TypedContext<…>` rather than this alias with the schemas' own types.
 *
 * @example
 * type Ctx = ValidatedContext<{}, { id: string }, { body: typeof User }> // ctx.request.body: z.output<typeof User>
 */
export type ValidatedContext<S extends object, P extends object, T extends ValidationSchemas> = T extends unknown
  ? TypedContext<
      S,
      Obj<Out<T, 'params', P>>,
      Obj<Out<T, 'query', ParsedQuery>>,
      Out<T, 'body', unknown>,
      Out<T, 'headers', {}>,
      FilesOut<T['files']>
    >
  : never;

/** The files of one declared field, as the validator lets them through: one, or one or more when `multiple`. */
type FileList<F> = F extends { readonly multiple: true } ? [UploadedFile, ...UploadedFile[]] : [UploadedFile];

/**
 * `ctx.request.files` after a validator that declares file fields: each required one is there, as
 * one file or (`multiple`) one or more; an optional one (`required: false`) may be absent. It
 * narrows the body parser's `Record<string, UploadedFile[]> | undefined`, so a field the route did
 * not declare still reads as that record's.
 */
type FilesOut<F> = F extends { readonly [field: string]: FileField }
  ? { readonly [K in keyof F as F[K] extends { readonly required: false } ? never : K]: FileList<F[K]> } & {
      readonly [K in keyof F as F[K] extends { readonly required: false } ? K : never]?: FileList<F[K]>;
    }
  : UploadedFiles | undefined;

/** The body type a declaration stands for: a schema's input; `void` for one without a schema. */
type DeclaredBody<D> = D extends StandardSchemaV1
  ? InferInput<D>
  : D extends { readonly schema: infer X extends StandardSchemaV1 }
    ? InferInput<X>
    : void;

/** The union of the 2xx declarations' body types of `R`; `never` when it declares no 2xx. */
type SuccessBody<R> = {
  [K in keyof R]: K extends number ? (`${K}` extends `2${string}` ? DeclaredBody<R[K]> : never) : never;
}[keyof R];

/**
 * What a handler after a validator may return: with 2xx `responses` declared, the input type of
 * one of them (`z.input` for zod), or nothing — `void`/`undefined` for a handler that sets
 * `ctx.body` itself or leaves it to a later handler; without any, anything (the value becomes the
 * body). A promise of either, for an async handler.
 *
 * @example
 * type R = HandlerResult<{ responses: { 200: typeof User } }> // z.input<typeof User> | void | Promise<…>
 */
export type HandlerResult<T extends ValidationSchemas> = [SuccessBody<NonNullable<T['responses']>>] extends [never]
  ? unknown
  : DeclaredResponse<SuccessBody<NonNullable<T['responses']>>>;

/** A declared 2xx response body, or nothing, now or later (see {@link HandlerResult}). */
export type DeclaredResponse<B> = B | void | Promise<B | void>;

/**
 * A handler after a validator: see {@link ValidatedContext}. Its return value becomes the body, as
 * any route handler's, and is typed by the declared responses ({@link HandlerResult}).
 *
 * @example
 * const create: ValidatedHandler<{}, {}, { body: typeof User }> = (ctx) => ({ created: ctx.request.body.name })
 */
export type ValidatedHandler<S extends object, P extends object, T extends ValidationSchemas> = (
  ctx: ValidatedContext<S, P, T>,
  next: Next,
) => HandlerResult<T>;

const TARGETS: readonly ValidationTarget[] = ['params', 'headers', 'query', 'body'];

/**
 * The schemas a function carries as a {@link Validator}, or `null` when it is not one: its
 * `schemas` must be an object whose every target present holds a Standard Schema v1 schema, and
 * at least one target, or a `files` or `responses` object, must be present.
 *
 * @example
 * schemasOf(validate({ body: User })) // { body: User }
 * schemasOf(() => 'hi')               // null
 */
export function schemasOf(fn: unknown): ValidationSchemas | null {
  if (typeof fn !== 'function') return null;
  const schemas: unknown = (fn as { schemas?: unknown }).schemas;
  if (typeof schemas !== 'object' || schemas === null) return null;
  let found = false;
  for (const t of TARGETS) {
    const s: unknown = (schemas as Record<string, unknown>)[t];
    if (s === undefined) continue;
    // A schema may be callable (ArkType's are functions), so both kinds of object qualify.
    if ((typeof s !== 'object' && typeof s !== 'function') || s === null || !('~standard' in s)) return null;
    found = true;
  }
  for (const k of ['files', 'responses']) {
    const d: unknown = (schemas as Record<string, unknown>)[k];
    if (d === undefined) continue;
    if (typeof d !== 'object' || d === null) return null;
    found = true;
  }
  return found ? (schemas as ValidationSchemas) : null;
}
