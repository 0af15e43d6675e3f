/**
 * The round trip that proves the document true: examples/rest.ts's OpenAPI document, turned into
 * types by openapi-typescript 6 (examples/rest.openapi.ts, committed), types an openapi-fetch
 * client that calls the running example over real sockets. `npm test` type-checks this file, so a
 * document that says something other than what the handlers take and return fails at compile
 * time here, or at run time below.
 */
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import createClient from 'openapi-fetch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { paths } from '../../examples/rest.openapi.js';
import { TYPES_FILE, restOpenApiTypes } from '../../examples/rest-openapi-types.js';
import { createApp } from '../../examples/rest.js';
import type { Server } from '../../src/index.js';

describe('examples/rest.openapi.ts', () => {
  it('should be what openapi-typescript prints for the live document (npm run openapi:types)', async () => {
    expect(readFileSync(TYPES_FILE, 'utf8')).toBe(await restOpenApiTypes());
  });
});

describe('a client typed by the example document', () => {
  let server: Server;
  let client: ReturnType<typeof createClient<paths>>;
  beforeAll(async () => {
    server = createApp().listen({ port: 0, host: '127.0.0.1' });
    await new Promise((resolve) => server.once('listening', resolve));
    client = createClient<paths>({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
  });
  afterAll(() => server.close());

  it('should create, list, read, update, attach to and delete a todo', async () => {
    const created = await client.POST('/api/todos', { body: { title: 'Write docs' } });
    expect(created.response.status).toBe(201);
    const todo = created.data!;
    expect(todo).toEqual({ id: 1, title: 'Write docs', done: false });

    const list = await client.GET('/api/todos', { params: { query: { done: 'false', limit: 10 } } });
    expect(list.data?.map((t) => t.title)).toEqual(['Write docs']);

    const one = await client.GET('/api/todos/{id}', { params: { path: { id: todo.id } } });
    expect(one.data?.done).toBe(false);

    const patched = await client.PATCH('/api/todos/{id}', { params: { path: { id: todo.id } }, body: { done: true } });
    expect(patched.data).toEqual({ ...todo, done: true });

    const form = new FormData();
    form.append('note', 'the outline');
    form.append('file', new Blob(['# Docs\n'], { type: 'text/markdown' }), 'outline.md');
    const attached = await client.POST('/api/todos/{id}/attachments', {
      params: { path: { id: todo.id } },
      // The generated type says `file: string` (binary); a form is what goes on the wire.
      body: { file: '', note: '' },
      bodySerializer: () => form,
    });
    expect(attached.response.status).toBe(201);
    expect(attached.data).toEqual({ name: 'outline.md', type: 'text/markdown', size: 7, note: 'the outline' });

    const deleted = await client.DELETE('/api/todos/{id}', { params: { path: { id: todo.id } } });
    expect(deleted.response.status).toBe(204);
  });

  it('should refuse, at compile time, a call the document does not allow', () => {
    const calls = [
      // @ts-expect-error -- the document says a title is a string
      () => client.POST('/api/todos', { body: { title: 1 } }),
      // @ts-expect-error -- the path param is required
      () => client.GET('/api/todos/{id}', {}),
      // @ts-expect-error -- no such path
      () => client.GET('/api/nothing'),
    ];
    expect(calls).toHaveLength(3);
  });

  it('should type the framework answers as problems: a 404 and a 400 with its errors', async () => {
    const missing = await client.GET('/api/todos/{id}', { params: { path: { id: 99 } } });
    expect(missing.response.status).toBe(404);
    expect(missing.error?.code).toBe('ERR_NOT_FOUND');

    const bad = await client.POST('/api/todos', { body: { title: '' } });
    expect(bad.response.status).toBe(400);
    expect(bad.error?.code).toBe('ERR_VALIDATION');
    expect(bad.error?.errors?.map((e) => (e as { pointer: string }).pointer)).toEqual(['/title']);
  });
});
