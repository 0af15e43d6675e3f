/**
 * Type tests for `validate()`: a route whose first handler is a validator types the handlers after
 * it from the schemas' outputs — no casts — and leaves untouched what it does not validate. The
 * checks run under `tsc --noEmit` (npm test); the `it` bodies only make vitest count them.
 */
import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import {
  App,
  Router,
  type Context,
  type IncomingHeaders,
  type ParsedQuery,
  type UploadedFile,
} from '../../src/index.js';
import { validate, type DeclaredResponse, type HandlerResult } from '../../src/middleware/index.js';

const User = z.object({ name: z.string(), age: z.number().int(), tags: z.array(z.string()).default([]) });
const Id = z.object({ id: z.coerce.number() });
const Page = z.object({ page: z.coerce.number().default(1), q: z.string().optional() });
const Key = z.object({ 'x-api-key': z.string() });

describe('validate() types', () => {
  it('should type ctx.request.files with the file fields the route declared', () => {
    new App().post(
      '/profile',
      validate({
        body: z.object({ name: z.string() }),
        files: { avatar: { accept: ['image/*'] }, attachments: { multiple: true, required: false } },
      }),
      (ctx) => {
        // No `?.` and no `!`: the validator let the request through only with one avatar.
        const avatar: UploadedFile = ctx.request.files.avatar[0];
        expectTypeOf(avatar.size).toEqualTypeOf<number>();
        const first: UploadedFile | undefined = ctx.request.files.attachments?.[0];
        void first;
        expectTypeOf(ctx.request.body.name).toEqualTypeOf<string>();
      },
    );
  });

  it('should leave ctx.request.files as the body parser left it on a route that declares none', () => {
    new App().post('/notes', validate({ body: z.object({ text: z.string() }) }), (ctx) => {
      expectTypeOf(ctx.request.files).toEqualTypeOf<Record<string, UploadedFile[]> | undefined>();
    });
  });

  it('should type ctx.request.body as the schema output on a router route', () => {
    new Router().post('/users', validate({ body: User }), (ctx) => {
      expectTypeOf(ctx.request.body).toEqualTypeOf<z.output<typeof User>>();
      expectTypeOf(ctx.request.body.tags).toEqualTypeOf<string[]>();
      // @ts-expect-error -- not in the schema
      void ctx.request.body.email;
      return { name: ctx.request.body.name };
    });
  });

  it('should type params and query from their schemas, with coercion', () => {
    new Router().get('/users/:id', validate({ params: Id, query: Page }), (ctx) => {
      expectTypeOf(ctx.params).toEqualTypeOf<{ id: number }>();
      expectTypeOf(ctx.params.id).toEqualTypeOf<number>();
      expectTypeOf(ctx.query.page).toEqualTypeOf<number>();
      expectTypeOf(ctx.query.q).toEqualTypeOf<string | undefined>();
      // @ts-expect-error -- a number has no toUpperCase
      void ctx.params.id.toUpperCase();
    });
  });

  it('should overlay validated headers on the raw ones', () => {
    new App().get('/me', validate({ headers: Key }), (ctx) => {
      expectTypeOf(ctx.headers['x-api-key']).toEqualTypeOf<string>();
      expectTypeOf(ctx.request.headers['x-api-key']).toEqualTypeOf<string>();
      expectTypeOf(ctx.headers['accept']).toEqualTypeOf<string | string[] | undefined>();
    });
  });

  it('should type the routes of app.post() the same way', () => {
    new App().post('/users/:id', validate({ body: User }), (ctx) => {
      expectTypeOf(ctx.request.body.age).toEqualTypeOf<number>();
      expectTypeOf(ctx.params.id).toEqualTypeOf<string>();
      expectTypeOf(ctx.query).toEqualTypeOf<ParsedQuery>();
    });
  });

  it('should type every handler after the validator, and named routes', () => {
    new Router().put(
      'user',
      '/users/:id',
      validate({ params: Id, body: User }),
      async (ctx, next) => {
        expectTypeOf(ctx.params.id).toEqualTypeOf<number>();
        await next();
      },
      (ctx) => {
        expectTypeOf(ctx.request.body.name).toEqualTypeOf<string>();
      },
    );
  });

  it('should leave routes without a validator typed as before', () => {
    new Router().post('/raw/:id', (ctx) => {
      expectTypeOf(ctx.request.body).toEqualTypeOf<unknown>();
      expectTypeOf(ctx.params.id).toEqualTypeOf<string>();
      expectTypeOf(ctx.headers).toEqualTypeOf<IncomingHeaders>();
    });
  });

  it('should still pass a validated context to a function that takes a plain Context when its params are strings', () => {
    const helper = (ctx: Context): string => ctx.path;
    new Router().post('/users', validate({ body: User }), (ctx) => helper(ctx));
  });

  it('should check a handler return value against the declared 2xx responses, allowing nothing', () => {
    const Todo = z.object({ id: z.number(), title: z.string(), tags: z.array(z.string()).default([]) });
    const r = new Router();
    r.get('/todos/:id', validate({ responses: { 200: Todo, 404: z.object({ code: z.string() }) } }), () => ({
      id: 1,
      title: 'x',
    }));
    r.get('/async', validate({ responses: { 200: Todo } }), async () => ({ id: 1, title: 'x', tags: ['a'] }));
    r.get('/sets-body', validate({ responses: { 200: Todo } }), (ctx) => {
      ctx.body = { id: 1, title: 'x' };
    });
    r.get('/next', validate({ responses: { 200: Todo } }), async (_ctx, next) => {
      await next();
    });
    // @ts-expect-error -- id is a number in the declared 200 response
    r.get('/wrong', validate({ responses: { 200: Todo } }), () => ({ id: '1', title: 'x' }));
    // @ts-expect-error -- a 404 declaration does not type the success value
    r.get('/only-error', validate({ responses: { 200: Todo, 404: z.string() } }), () => 'not found');
    r.post(
      '/todos',
      validate({ responses: { 201: Todo, 204: { description: 'Nothing new' } } }),
      // @ts-expect-error -- neither 201's Todo nor 204's no body
      async () => ({ title: 'x' }),
    );
    new App().get('/free', validate({ responses: { 404: z.string() } }), () => 42);
    expectTypeOf<HandlerResult<{ responses: { 200: typeof Todo } }>>().toEqualTypeOf<
      DeclaredResponse<z.input<typeof Todo>>
    >();
    expectTypeOf<HandlerResult<{ body: typeof Todo }>>().toEqualTypeOf<unknown>();
  });
});
