/**
 * `validate()`: success installs typed outputs, failure is one 400 problem+json listing every
 * issue as `{ in, pointer, message, code }`, and formatters are inherited down mounted routers.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { App, HttpError, Router, readBody } from '../../src/index.js';
import { validate, validationFormatter, type StandardSchemaV1 } from '../../src/middleware/index.js';

const Item = z.object({ name: z.string().min(1), price: z.number().positive() });
const Order = z.object({ items: z.array(Item).min(1), note: z.string().optional() });

function orders(): App {
  const app = new App({ logger: false });
  app.post(
    '/shops/:shop/orders',
    validate({
      params: z.object({ shop: z.coerce.number().int() }),
      query: z.object({ dry: z.enum(['yes', 'no']).default('no') }),
      body: Order,
    }),
    (ctx) => ({
      shop: ctx.params.shop,
      shopType: typeof ctx.params.shop,
      dry: ctx.query.dry,
      total: ctx.request.body.items.reduce((s, i) => s + i.price, 0),
      querystring: ctx.querystring,
    }),
  );
  return app;
}

async function send(app: App, url: string, body?: unknown, headers: Record<string, string> = {}) {
  const { responses } = await app.inject({
    method: 'POST',
    url,
    headers,
    ...(body === undefined ? {} : { body: body as object }),
  });
  return responses[0]!;
}

describe('validate()', () => {
  it('should hand the handler the parsed, coerced values', async () => {
    const res = await send(orders(), '/shops/7/orders?dry=yes&junk=1', {
      items: [
        { name: 'a', price: 2 },
        { name: 'b', price: 3 },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ shop: 7, shopType: 'number', dry: 'yes', total: 5, querystring: 'dry=yes' });
  });

  it('should answer 400 problem+json listing every issue of every target at once', async () => {
    const res = await send(orders(), '/shops/x/orders?dry=maybe', { items: [{ name: '', price: -1 }] });
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    const p = res.json<{ code: string; errors: { in: string; pointer: string; code: string; message: string }[] }>();
    expect(p.code).toBe('ERR_VALIDATION');
    expect(p.errors.map((e) => [e.in, e.pointer, e.code])).toEqual([
      ['params', '/shop', 'invalid_type'],
      ['query', '/dry', 'invalid_value'],
      ['body', '/items/0/name', 'too_small'],
      ['body', '/items/0/price', 'too_small'],
    ]);
    for (const e of p.errors) expect(e.message).not.toBe('');
  });

  it('should point at the whole target with an empty pointer', async () => {
    const app = new App({ logger: false });
    app.post('/', validate({ body: z.object({ a: z.string() }) }), () => 'ok');
    const res = await send(app, '/', [1, 2]);
    expect(res.json()).toMatchObject({ errors: [{ in: 'body', pointer: '', code: 'invalid_type' }] });
  });

  it('should escape ~ and / in pointers (RFC 6901)', async () => {
    const app = new App({ logger: false });
    app.post('/', validate({ body: z.object({ 'a/b': z.object({ 'c~d': z.number() }) }) }), () => 'ok');
    const res = await send(app, '/', { 'a/b': { 'c~d': 'x' } });
    expect(res.json()).toMatchObject({ errors: [{ pointer: '/a~1b/c~0d' }] });
  });

  it('should read the body itself when no body() ran, with its 415 and 400s first', async () => {
    const app = new App({ logger: false });
    app.post('/', validate({ body: Item }), (ctx) => ctx.request.body.name);
    const bad = await send(app, '/', '{"name":', { 'content-type': 'application/json' });
    const xml = await send(app, '/', '<a/>', { 'content-type': 'application/xml' });
    const missing = await send(app, '/');
    expect(bad.json()).toMatchObject({ code: 'ERR_BODY_INVALID_JSON' });
    expect(xml.status).toBe(415);
    expect(missing.json()).toMatchObject({ code: 'ERR_VALIDATION', errors: [{ in: 'body', pointer: '' }] });
  });

  it('should overlay validated headers and keep the others', async () => {
    const app = new App({ logger: false });
    app.get('/', validate({ headers: z.object({ 'x-count': z.coerce.number().max(10) }) }), (ctx) => ({
      count: ctx.headers['x-count'],
      host: ctx.headers.host,
    }));
    const { responses } = await app.inject({ url: '/', headers: { 'x-count': '3' } });
    expect(responses[0]!.json()).toEqual({ count: 3, host: 'localhost' });
    const over = await app.inject({ url: '/', headers: { 'x-count': '11' } });
    expect(over.responses[0]!.json()).toMatchObject({
      errors: [{ in: 'headers', pointer: '/x-count', code: 'too_big' }],
    });
  });

  it('should take any Standard Schema, and await an async one', async () => {
    const even: StandardSchemaV1<unknown, number> = {
      '~standard': {
        version: 1,
        vendor: 'test',
        validate: async (v) => {
          const n = Number((v as { n?: string }).n);
          return n % 2 === 0 ? { value: n } : { issues: [{ message: 'odd', path: [{ key: 'n' }] }] };
        },
      },
    };
    const app = new App({ logger: false });
    app.get('/', validate({ query: even }), (ctx) => ({ n: ctx.query }));
    expect((await app.inject({ url: '/?n=4' })).responses[0]!.json()).toEqual({ n: 4 });
    expect((await app.inject({ url: '/?n=3' })).responses[0]!.json()).toMatchObject({
      errors: [{ in: 'query', pointer: '/n', message: 'odd', code: 'invalid' }],
    });
  });

  it('should let a route-level formatter option win', async () => {
    const app = new App({ logger: false });
    const formatter = () => new HttpError(422, 'Nope', { code: 'ERR_VALIDATION' });
    app.post('/', validate({ body: Item }, { formatter }), () => 'ok');
    const res = await send(app, '/', {});
    expect(res.status).toBe(422);
  });

  it('should validate a body another parser already put on ctx.request.body, reading nothing', async () => {
    const app = new App({ logger: false });
    app.use(async (ctx, next) => {
      const text = (await readBody(ctx, { limit: 1024 })).toString('utf8');
      ctx.request.body = Object.fromEntries(new URLSearchParams(text).entries());
      await next();
    });
    app.post('/', validate({ body: z.object({ name: z.string(), price: z.coerce.number() }) }), (ctx) => ({
      total: ctx.request.body.price * 2,
    }));
    const ok = await send(app, '/', 'name=a&price=2', { 'content-type': 'text/plain' });
    expect(ok.json()).toEqual({ total: 4 });
    const bad = await send(app, '/', 'price=x', { 'content-type': 'text/plain' });
    expect(bad.json()).toMatchObject({ code: 'ERR_VALIDATION', errors: [{ pointer: '/name' }, { pointer: '/price' }] });
  });
});

describe('validationFormatter()', () => {
  function tree(): App {
    const app = new App({ logger: false });
    app.use(
      validationFormatter(
        (issues) =>
          new HttpError(422, 'Unprocessable', {
            code: 'ERR_VALIDATION',
            details: issues.map((i) => `${i.in}${i.pointer}`),
          }),
      ),
    );
    const api = new Router();
    const v2 = new Router();
    v2.use(validationFormatter((issues) => new HttpError(400, `v2: ${issues.length}`, { code: 'ERR_VALIDATION' })));
    const deep = new Router();
    deep.post('/x', validate({ body: Item }), () => 'ok');
    v2.use('/deep', deep);
    v2.post('/y', validate({ body: Item }), () => 'ok');
    api.post('/z', validate({ body: Item }), () => 'ok');
    api.use('/v2', v2);
    app.use(api.routes());
    app.post('/top', validate({ body: Item }), () => 'ok');
    return app;
  }

  it("should apply the app's formatter to routers mounted below it", async () => {
    const app = tree();
    for (const url of ['/top', '/z']) {
      const res = await send(app, url, { name: 'a' });
      expect(res.status).toBe(422);
      expect(res.json()).toMatchObject({ errors: ['body/price'] });
    }
  });

  it("should let a router's formatter override the app's for it and the routers mounted in it", async () => {
    const app = tree();
    for (const url of ['/v2/y', '/v2/deep/x']) {
      const res = await send(app, url, {});
      expect(res.status).toBe(400);
      expect(res.json()).toMatchObject({ detail: 'v2: 2' });
    }
  });
});
