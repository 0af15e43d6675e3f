/**
 * `@koa/bodyparser` from npm before shallot's `body()` and `validate({ body })`: the body it parsed
 * onto `ctx.request.body` is the body — used as it is, never read a second time from a stream it
 * already consumed — and `validate()` checks that body against its schema.
 */
import bodyParser from '@koa/bodyparser';
import supertest from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { App } from '../../src/index.js';
import { body, validate } from '../../src/middleware/index.js';
import { closeAll, serve } from '../helpers/server.js';

afterEach(closeAll);

async function post(app: App, url: string, type: string, payload: string) {
  const { responses } = await app.inject({ method: 'POST', url, headers: { 'content-type': type }, body: payload });
  expect(responses).toHaveLength(1);
  return responses[0]!;
}

describe('body() after @koa/bodyparser', () => {
  function app(): App {
    const a = new App({ logger: false });
    a.use(bodyParser());
    a.use(body());
    a.use((ctx) => {
      ctx.body = { got: ctx.request.body, raw: ctx.request.rawBody ?? null };
    });
    return a;
  }

  it('should keep the JSON body @koa/bodyparser parsed, and its rawBody', async () => {
    const res = await post(app(), '/', 'application/json', '{"name":"Ada"}');
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ got: { name: 'Ada' }, raw: '{"name":"Ada"}' });
  });

  it('should keep a form body @koa/bodyparser parsed', async () => {
    const res = await post(app(), '/', 'application/x-www-form-urlencoded', 'name=Ada&tags=a');
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({ got: { name: 'Ada', tags: 'a' } });
  });

  it('should keep the parsed body over a real client connection, body streamed after the head', async () => {
    const { url } = await serve(app());
    const res = await supertest(url)
      .post('/')
      .send({ list: Array.from({ length: 2000 }, (_, i) => i) });
    expect(res.status).toBe(200);
    expect((res.body as { got: { list: number[] } }).got.list).toHaveLength(2000);
  });

  it("should still refuse what @koa/bodyparser refuses, with its error's status", async () => {
    const res = await post(app(), '/', 'application/json', '{"name":');
    expect(res.status).toBe(400);
  });
});

describe('validate({ body }) after @koa/bodyparser', () => {
  const User = z.object({ name: z.string().min(1), age: z.number().int() });

  function app(): App {
    const a = new App({ logger: false });
    a.use(bodyParser());
    a.post('/users', validate({ body: User }), (ctx) => ({
      created: ctx.request.body.name,
      age: ctx.request.body.age,
    }));
    return a;
  }

  it('should validate the body @koa/bodyparser parsed and hand it to the handler', async () => {
    const res = await post(app(), '/users', 'application/json', '{"name":"Ada","age":36}');
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ created: 'Ada', age: 36 });
  });

  it('should answer 400 ERR_VALIDATION for a parsed body that does not fit the schema', async () => {
    const res = await post(app(), '/users', 'application/json', '{"name":"","age":1.5}');
    expect(res.status).toBe(400);
    const problem = res.json<{ code: string; errors: { in: string; pointer: string }[] }>();
    expect(problem.code).toBe('ERR_VALIDATION');
    expect(problem.errors.map((e) => [e.in, e.pointer])).toEqual([
      ['body', '/name'],
      ['body', '/age'],
    ]);
  });
});
