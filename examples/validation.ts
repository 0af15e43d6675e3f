/**
 * A typed CRUD over zod schemas: `validate()` types `ctx.params`, `ctx.query` and
 * `ctx.request.body` from the schemas, so the handlers below have no casts, and every invalid
 * request is one 400 problem+json listing `{ in, pointer, message, code }` per issue.
 *
 *   npx tsx examples/validation.ts   (http://localhost:8007)
 *   curl -X POST localhost:8007/books -H 'content-type: application/json' -d '{"title":"Dune","author":"Herbert","year":1965}'
 *   curl 'localhost:8007/books?tag=sf&limit=10'
 *   curl -X PATCH localhost:8007/books/1 -H 'content-type: application/json' -d '{"year":"soon"}'   → 400, errors[0].pointer "/year"
 *   curl -X DELETE localhost:8007/books/1
 */
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { App, HttpError, Router } from '../src/index.js';
import { body, errorHandler, logger, validate } from '../src/middleware/index.js';

const PORT = Number(process.env['PORT'] ?? 8007);
const HOST = process.env['HOST'] ?? 'localhost';

export const BookInput = z.object({
  title: z.string().trim().min(1).max(200),
  author: z.string().trim().min(1).max(200),
  year: z.number().int().min(-3000).max(2100),
  tags: z.array(z.string().min(1).max(30)).max(10).default([]),
});
export type Book = z.output<typeof BookInput> & { id: number };

const BookId = z.object({ id: z.coerce.number().int().positive() });
const ListQuery = z.object({
  tag: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  offset: z.coerce.number().int().min(0).default(0),
});

/** A fresh app with its own in-memory store (one per test). */
export function createApp(): App {
  const books = new Map<number, Book>();
  let nextId = 1;
  const find = (id: number): Book => {
    const book = books.get(id);
    if (book === undefined) throw HttpError.notFound(`No book ${id}`, { code: 'ERR_BOOK_NOT_FOUND' });
    return book;
  };

  const router = new Router({ prefix: '/books' });
  router.get('/', validate({ query: ListQuery }), (ctx) => {
    const { tag, limit, offset } = ctx.query;
    const all = [...books.values()].filter((b) => tag === undefined || b.tags.includes(tag));
    return { total: all.length, items: all.slice(offset, offset + limit) };
  });
  router.post('/', validate({ body: BookInput }), (ctx) => {
    const book: Book = { id: nextId++, ...ctx.request.body };
    books.set(book.id, book);
    ctx.status = 201;
    ctx.set('location', `/books/${book.id}`);
    return book;
  });
  router.get('/:id', validate({ params: BookId }), (ctx) => find(ctx.params.id));
  router.put('/:id', validate({ params: BookId, body: BookInput }), (ctx) => {
    const book: Book = { ...find(ctx.params.id), ...ctx.request.body };
    books.set(book.id, book);
    return book;
  });
  router.patch('/:id', validate({ params: BookId, body: BookInput.partial() }), (ctx) => {
    const book: Book = { ...find(ctx.params.id), ...stripUndefined(ctx.request.body) };
    books.set(book.id, book);
    return book;
  });
  router.delete('/:id', validate({ params: BookId }), (ctx) => {
    find(ctx.params.id);
    books.delete(ctx.params.id);
    ctx.body = null;
  });

  const app = new App();
  app.use(errorHandler());
  app.use(logger());
  app.use(body());
  app.use(router.routes());
  return app;
}

/** `{ a: undefined }` from a partial schema must not erase a stored field. */
function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export const app = createApp();

// Started directly, not when a test imports the app.
if (import.meta.url === `file://${process.argv[1]}`) {
  const server = app.listen({ port: PORT, host: HOST, signals: true }, () => {
    const { port } = server.address() as AddressInfo;
    app.log.info(`validation example on http://${HOST}:${port}`);
  });
}
