/**
 * A small CRUD API with one declaration per route: `validate({ params, query, body, files,
 * responses })` checks the request, types the handler (its return value too) and documents the
 * route; `serveOpenApi()` serves the OpenAPI 3.1 document and an offline docs page from them.
 *
 *   npx tsx examples/rest.ts                      (PORT and HOST from the environment, default 8006)
 *   curl -X POST localhost:8006/api/todos -H 'content-type: application/json' -d '{"title":"Write docs"}'
 *   curl 'localhost:8006/api/todos?done=false'    → [{"id":1,"title":"Write docs","done":false}]
 *   curl -X PATCH localhost:8006/api/todos/1 -H 'content-type: application/json' -d '{"done":true}'
 *   curl -F note=notes -F file=@README.md localhost:8006/api/todos/1/attachments
 *   curl -X DELETE localhost:8006/api/todos/1     → 204
 *   open http://localhost:8006/docs               (the docs page; the document is /openapi.json)
 *
 * Errors are the framework's problem+json: 400 for bad JSON or fields (`errors` lists them), 404
 * for an unknown id, 405 (with Allow) for a method the path does not serve, 413 for a body over
 * 16 KiB, 415 for a body that is not JSON. The typed client of this API, `rest.openapi.ts`, is
 * generated from its document: `npm run openapi:types`.
 */
import { z } from 'zod';
import { App, HttpError, Router } from '../src/index.js';
import { validate, type BodyOptions } from '../src/middleware/index.js';
import { serveOpenApi, type OpenApiOptions } from '../src/openapi/index.js';

/** One todo; `.meta({ id })` makes it `components.schemas.Todo` in the document. */
export const Todo = z
  .object({ id: z.number().int(), title: z.string(), done: z.boolean() })
  .meta({ id: 'Todo', description: 'A thing to do' });
export type Todo = z.infer<typeof Todo>;

const Title = z.string().trim().min(1).max(200);
const TodoInput = z.object({ title: Title, done: z.boolean().optional() }).meta({ id: 'TodoInput' });
const TodoPatch = z.object({ title: Title.optional(), done: z.boolean().optional() });
const Id = z.object({ id: z.coerce.number().int().min(1) });
const ListQuery = z.object({
  done: z.enum(['true', 'false']).optional().meta({ description: 'Only the todos done, or not done' }),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});
const Attachment = z
  .object({ name: z.string(), type: z.string(), size: z.number().int(), note: z.string().optional() })
  .meta({ id: 'Attachment' });

/** JSON bodies of at most 16 KiB, and nothing else (a form is a 415). */
const JSON_ONLY: BodyOptions = { json: { limit: 16 * 1024 }, urlencoded: false };

/** What the document says about the API as a whole. */
export const OPENAPI: OpenApiOptions = {
  info: { title: 'Todos', version: '1.0.0', description: 'The todo API of examples/rest.ts' },
  tags: [{ name: 'todos', description: 'Things to do' }],
};

/**
 * A fresh app with an empty store (tests use one each; `app` below is the shared one).
 *
 * @example
 * const { responses } = await createApp().inject({ method: 'GET', url: '/api/todos' })
 */
export function createApp(): App {
  const todos = new Map<number, Todo>();
  let nextId = 1;

  const find = (id: number): Todo => {
    const todo = todos.get(id);
    if (todo === undefined) throw new HttpError(404, `No todo ${id}`, { code: 'ERR_NOT_FOUND' });
    return todo;
  };

  // `(\d+)` makes `/api/todos/abc` a 404 before validation; the schema makes the id a number.
  const todoRoutes = new Router<object, '/api/todos'>()
    .get(
      { name: 'listTodos', summary: 'List the todos', tags: ['todos'] },
      '/',
      validate({ query: ListQuery, responses: { 200: z.array(Todo) } }),
      (ctx) => {
        const { done, limit } = ctx.query;
        const all = [...todos.values()].filter((t) => done === undefined || String(t.done) === done);
        return all.slice(0, limit);
      },
    )
    .get(
      { name: 'getTodo', summary: 'One todo', tags: ['todos'] },
      '/:id(\\d+)',
      validate({ params: Id, responses: { 200: Todo } }),
      (ctx) => find(ctx.params.id),
    )
    .post(
      { name: 'createTodo', summary: 'Add a todo', tags: ['todos'] },
      '/',
      validate(
        { body: TodoInput, responses: { 201: { schema: Todo, description: 'Created; Location names it' } } },
        { body: JSON_ONLY },
      ),
      (ctx) => {
        const todo: Todo = { id: nextId++, title: ctx.request.body.title, done: ctx.request.body.done ?? false };
        todos.set(todo.id, todo);
        ctx.status = 201;
        ctx.set('location', `/api/todos/${todo.id}`);
        return todo;
      },
    )
    .patch(
      { name: 'updateTodo', summary: 'Change a todo', tags: ['todos'] },
      '/:id(\\d+)',
      validate({ params: Id, body: TodoPatch, responses: { 200: Todo } }, { body: JSON_ONLY }),
      (ctx) => {
        const todo = find(ctx.params.id);
        const { title, done } = ctx.request.body;
        if (title !== undefined) todo.title = title;
        if (done !== undefined) todo.done = done;
        return todo;
      },
    )
    .delete(
      { name: 'deleteTodo', summary: 'Remove a todo', tags: ['todos'] },
      '/:id(\\d+)',
      validate({ params: Id, responses: { 204: { description: 'Deleted' } } }),
      (ctx) => {
        todos.delete(find(ctx.params.id).id);
        ctx.status = 204;
      },
    )
    .post(
      { name: 'attachFile', summary: 'Attach a file to a todo (multipart)', tags: ['todos'] },
      '/:id(\\d+)/attachments',
      validate(
        {
          params: Id,
          body: z.object({ note: z.string().max(200).optional() }),
          files: { file: { accept: ['text/*', 'image/*'], description: 'The file to attach' } },
          responses: { 201: Attachment },
        },
        { body: { json: false, urlencoded: false, multipart: { storage: 'memory', limits: { files: 1 } } } },
      ),
      (ctx) => {
        find(ctx.params.id);
        const file = ctx.request.files!['file']![0]!;
        ctx.status = 201;
        return { name: file.filename, type: file.type, size: file.size, note: ctx.request.body.note };
      },
    );

  const api = new Router({ prefix: '/api' });
  api.use('/todos', todoRoutes);

  const app = new App();
  app.get(
    { name: 'index', summary: 'Where the API and its docs are' },
    '/',
    validate({ responses: { 200: z.object({ api: z.string(), docs: z.string(), openapi: z.string() }) } }),
    () => ({ api: '/api/todos', docs: '/docs', openapi: '/openapi.json' }),
  );
  app.use(api.routes());
  serveOpenApi(app, { ...OPENAPI, path: '/openapi.json', docs: '/docs' });
  return app;
}

export const app = createApp();

// Started directly, not when a test imports the app.
if (import.meta.url === `file://${process.argv[1]}`) {
  const port = Number(process.env['PORT'] ?? 8006);
  const host = process.env['HOST'] ?? 'localhost';
  app.listen({ port, host, signals: true }, () => app.log.info(`todo API on http://${host}:${port}/api/todos`));
}
