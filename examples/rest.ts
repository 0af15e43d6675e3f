/**
 * A small CRUD API: todos in an in-memory Map, served by a Router mounted under `/api`.
 *
 *   npx tsx examples/rest.ts                      (PORT and HOST from the environment, default 8006)
 *   curl -X POST localhost:8006/api/todos -H 'content-type: application/json' -d '{"title":"Write docs"}'
 *   curl localhost:8006/api/todos                 → [{"id":1,"title":"Write docs","done":false}]
 *   curl -X PATCH localhost:8006/api/todos/1 -H 'content-type: application/json' -d '{"done":true}'
 *   curl -X DELETE localhost:8006/api/todos/1     → 204
 *
 * Errors are the framework's problem+json: 400 for bad JSON or fields, 404 for an unknown id,
 * 405 (with Allow) for a method the path does not serve, 413 for a body over 16 KiB, 415 for a body
 * that is not JSON.
 */
import { App, Router, type Context } from '../src/index.js';

/** One todo. */
export interface Todo {
  id: number;
  title: string;
  done: boolean;
}

const MAX_BODY_BYTES = 16 * 1024;
const MAX_TITLE = 200;

/**
 * Reads a JSON request body of at most {@link MAX_BODY_BYTES}. A stand-in until the body middleware
 * lands: it counts bytes as they arrive, so an over-long body is refused without being buffered.
 */
async function readJson(ctx: Context): Promise<unknown> {
  if (ctx.is('application/json') === false) ctx.throw(415, 'Send the body as application/json');
  const declared = ctx.request.length;
  if (declared !== undefined && declared > MAX_BODY_BYTES) ctx.throw(413, `Body over ${MAX_BODY_BYTES} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) ctx.throw(413, `Body over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    ctx.throw(400, 'Malformed JSON body');
  }
}

/** The fields a client may send: `title` (required on create) and `done`. */
function readTodoInput(ctx: Context, input: unknown, create: boolean): Partial<Pick<Todo, 'title' | 'done'>> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) ctx.throw(400, 'Expected a JSON object');
  const { title, done } = input as Record<string, unknown>;
  const out: Partial<Pick<Todo, 'title' | 'done'>> = {};
  if (title !== undefined || create) {
    if (typeof title !== 'string' || title.trim() === '' || title.length > MAX_TITLE) {
      ctx.throw(400, `"title" must be a non-empty string of at most ${MAX_TITLE} characters`);
    }
    out.title = title.trim();
  }
  if (done !== undefined) {
    if (typeof done !== 'boolean') ctx.throw(400, '"done" must be a boolean');
    out.done = done;
  }
  return out;
}

/**
 * A fresh app with an empty store (tests use one each; `app` below is the shared one).
 *
 * @example
 * const { responses } = await createApp().inject({ method: 'GET', url: '/api/todos' })
 */
export function createApp(): App {
  const todos = new Map<number, Todo>();
  let nextId = 1;

  // Declares its mount path so `ctx.params.id` is typed; `(\d+)` makes `/api/todos/abc` a 404.
  const todoRoutes = new Router<object, '/api/todos'>();

  const find = (ctx: Context, id: string): Todo => {
    const todo = todos.get(Number(id));
    if (todo === undefined) ctx.throw(404, `No todo ${id}`);
    return todo;
  };

  todoRoutes
    .get('/', () => [...todos.values()])
    .get('/:id(\\d+)', (ctx) => find(ctx, ctx.params.id))
    .post('/', async (ctx) => {
      const input = readTodoInput(ctx, await readJson(ctx), true);
      const todo: Todo = { id: nextId++, title: input.title!, done: input.done ?? false };
      todos.set(todo.id, todo);
      ctx.status = 201;
      ctx.set('location', `/api/todos/${todo.id}`);
      return todo;
    })
    .patch('/:id(\\d+)', async (ctx) => {
      const todo = find(ctx, ctx.params.id);
      Object.assign(todo, readTodoInput(ctx, await readJson(ctx), false));
      return todo;
    })
    .delete('/:id(\\d+)', (ctx) => {
      find(ctx, ctx.params.id);
      todos.delete(Number(ctx.params.id));
      ctx.status = 204;
    });

  const api = new Router({ prefix: '/api' });
  api.use('/todos', todoRoutes);

  const app = new App();
  app.get('/', () => ({ api: '/api/todos' }));
  app.use(api.routes());
  return app;
}

export const app = createApp();

// Started directly, not when a test imports the app.
if (import.meta.url === `file://${process.argv[1]}`) {
  const port = Number(process.env['PORT'] ?? 8006);
  const host = process.env['HOST'] ?? 'localhost';
  app.listen({ port, host, signals: true }, () => app.log.info(`todo API on http://${host}:${port}/api/todos`));
}
