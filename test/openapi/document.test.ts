/**
 * `openapi(app)`: the document of examples/rest.ts is valid OpenAPI 3.1 (checked by
 * @seriousme/openapi-schema-validator), and each rule of src/openapi/document.ts and
 * json-schema.ts holds on a small app made for it.
 */
import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createApp, OPENAPI } from '../../examples/rest.js';
import { App, Router, type StandardSchemaV1 } from '../../src/index.js';
import { validate } from '../../src/middleware/index.js';
import { openapi, type OpenApiDocument } from '../../src/openapi/index.js';

const INFO = { info: { title: 'Test', version: '0.0.0' } };

async function validity(doc: unknown): Promise<{ valid: boolean; errors?: unknown }> {
  const result = await new Validator().validate(doc as Parameters<Validator['validate']>[0]);
  return { valid: result.valid, ...(result.valid ? {} : { errors: result.errors }) };
}

/** The operation at `path` and `method` of `doc`, failing when absent. */
function op(doc: OpenApiDocument, path: string, method: string): Record<string, any> {
  const found = doc.paths[path]?.[method];
  if (found === undefined) throw new Error(`no ${method} ${path} in ${Object.keys(doc.paths).join(', ')}`);
  return found as Record<string, any>;
}

describe('openapi() on examples/rest.ts', () => {
  it('should build a document the OpenAPI 3.1 validator accepts', async () => {
    const doc = openapi(createApp(), OPENAPI);
    expect(doc.openapi).toBe('3.1.0');
    expect(await validity(doc)).toEqual({ valid: true });
  });

  it('should serve the same document at /openapi.json, without its own routes', async () => {
    const { responses } = await createApp().inject({ method: 'GET', url: '/openapi.json' });
    const served = responses[0]!.json<OpenApiDocument>();
    expect(Object.keys(served.paths).sort()).toEqual([
      '/',
      '/api/todos',
      '/api/todos/{id}',
      '/api/todos/{id}/attachments',
    ]);
    expect(await validity(served)).toEqual({ valid: true });
  });

  it('should be caught by the validator when broken (the check can fail)', async () => {
    const doc = openapi(createApp(), OPENAPI) as unknown as { paths: Record<string, any> };
    doc.paths['/api/todos']!.get.responses = 'none';
    expect((await validity(doc)).valid).toBe(false);
  });
});

describe('openapi() paths and params', () => {
  it('should write :param, {param}, regex and wildcard params in {param} syntax, a regex as pattern', () => {
    const app = new App();
    app.get('/a/:id(\\d+)', () => 1);
    app.get('/b/{slug}', () => 1);
    app.get('/files/*rest', () => 1);
    const doc = openapi(app, INFO);
    expect(op(doc, '/a/{id}', 'get')['parameters']).toEqual([
      { name: 'id', in: 'path', required: true, schema: { type: 'string', pattern: '^(?:\\d+)$' } },
    ]);
    expect(op(doc, '/b/{slug}', 'get')['parameters'][0]).toMatchObject({ name: 'slug', in: 'path', required: true });
    const rest = op(doc, '/files/{rest}', 'get')['parameters'][0];
    expect(rest).toMatchObject({ name: 'rest', in: 'path', required: true, schema: { type: 'string' } });
    expect(rest.description).toMatch(/slashes/);
  });

  it('should document an optional param as two paths, the shorter one suffixed Without<Param>', () => {
    const app = new App();
    app.get('docs', '/docs/:lang?', () => 1);
    const doc = openapi(app, INFO);
    expect(op(doc, '/docs', 'get')['operationId']).toBe('docsWithoutLang');
    expect(op(doc, '/docs', 'get')['parameters']).toBeUndefined();
    expect(op(doc, '/docs/{lang}', 'get')['operationId']).toBe('docs');
  });

  it('should include mounted routers prefixes and mount paths', () => {
    const inner = new Router().get('/:postId', () => 1);
    const api = new Router({ prefix: '/api' }).use('/users/:userId/posts', inner);
    const app = new App();
    app.use(api.routes());
    const doc = openapi(app, INFO);
    expect(Object.keys(doc.paths)).toEqual(['/api/users/{userId}/posts/{postId}']);
    expect(op(doc, '/api/users/{userId}/posts/{postId}', 'get')['operationId']).toBe(
      'getApiUsersByUserIdPostsByPostId',
    );
  });

  it('should take parameters from params, query and headers schemas, required from the schema', () => {
    const app = new App();
    app.get(
      '/items/:id',
      validate({
        params: z.object({ id: z.coerce.number().int() }),
        query: z.object({ q: z.string(), page: z.coerce.number().optional() }),
        headers: z.object({ 'x-api-key': z.string().meta({ description: 'The key' }) }),
      }),
      () => 1,
    );
    const params = op(openapi(app, INFO), '/items/{id}', 'get')['parameters'];
    expect(params).toEqual([
      { name: 'id', in: 'path', required: true, schema: expect.objectContaining({ type: 'integer' }) },
      { name: 'q', in: 'query', required: true, schema: { type: 'string' } },
      { name: 'page', in: 'query', required: false, schema: { type: 'number' } },
      {
        name: 'x-api-key',
        in: 'header',
        required: true,
        schema: { type: 'string', description: 'The key' },
        description: 'The key',
      },
    ]);
  });
});

describe('openapi() methods', () => {
  it('should leave HEAD and OPTIONS implicit, skip WebSocket routes, and spread all() over the methods left', () => {
    const app = new App();
    app.get('/x', () => 1);
    app.all('/x', () => 1);
    app.ws('/live', () => undefined);
    const doc = openapi(app, INFO);
    expect(Object.keys(doc.paths)).toEqual(['/x']);
    expect(Object.keys(doc.paths['/x']!)).toEqual(['get', 'post', 'put', 'patch', 'delete']);
    expect(op(doc, '/x', 'get')['operationId']).toBe('getX');
    expect(op(doc, '/x', 'post')['operationId']).toBe('anyXPost');
  });

  it('should take operationId from the meta, else the name, and never repeat one', () => {
    const app = new App();
    app.get({ name: 'one', operationId: 'fetchOne' }, '/one', () => 1);
    app.get('two', '/two', () => 1);
    app.get({ operationId: 'two' }, '/three', () => 1);
    const doc = openapi(app, INFO);
    expect(['/one', '/two', '/three'].map((p) => op(doc, p, 'get')['operationId'])).toEqual([
      'fetchOne',
      'two',
      'two2',
    ]);
  });

  it('should carry summary, description, tags, deprecated and security from the route metadata', () => {
    const app = new App();
    app.delete(
      {
        summary: 'Drop',
        description: 'Gone *for good*',
        tags: ['admin'],
        deprecated: true,
        security: [{ bearer: [] }],
      },
      '/all',
      () => 1,
    );
    const doc = openapi(app, {
      ...INFO,
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      tags: [{ name: 'users' }],
    });
    expect(op(doc, '/all', 'delete')).toMatchObject({
      summary: 'Drop',
      description: 'Gone *for good*',
      tags: ['admin'],
      deprecated: true,
      security: [{ bearer: [] }],
    });
    expect(doc.tags).toEqual([{ name: 'users' }, { name: 'admin' }]);
    expect(doc.components.securitySchemes).toEqual({ bearer: { type: 'http', scheme: 'bearer' } });
  });
});

describe('openapi() bodies and responses', () => {
  it('should document a body schema as JSON, and the framework answers 400, 413, 415 and default', () => {
    const app = new App();
    app.post('/users', validate({ body: z.object({ name: z.string() }) }), () => 1);
    const o = op(openapi(app, INFO), '/users', 'post');
    expect(o['requestBody']).toEqual({
      required: true,
      content: {
        'application/json': {
          schema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] },
        },
      },
    });
    expect(o['responses']).toEqual({
      400: { $ref: '#/components/responses/ValidationFailed' },
      413: { $ref: '#/components/responses/PayloadTooLarge' },
      415: { $ref: '#/components/responses/UnsupportedMediaType' },
      default: { $ref: '#/components/responses/Problem' },
    });
  });

  it('should document declared files as multipart/form-data with binary file fields', () => {
    const app = new App();
    app.post(
      '/photos',
      validate({
        body: z.object({ caption: z.string() }),
        files: { photo: { accept: ['image/*'] }, extra: { multiple: true, required: false } },
      }),
      () => 1,
    );
    const body = op(openapi(app, INFO), '/photos', 'post')['requestBody'];
    expect(body.content['multipart/form-data']).toEqual({
      schema: {
        type: 'object',
        properties: {
          caption: { type: 'string' },
          photo: { type: 'string', format: 'binary' },
          extra: { type: 'array', items: { type: 'string', format: 'binary' } },
        },
        required: ['caption', 'photo'],
      },
      encoding: { photo: { contentType: 'image/*' } },
    });
  });

  it('should document declared responses, a user 404 over the framework one, and a response without a body', () => {
    const User = z.object({ id: z.number() });
    const app = new App();
    app.get(
      '/users/:id',
      validate({
        responses: {
          200: User,
          404: { description: 'No such user', schema: z.object({ code: z.string() }) },
          304: { description: 'Not modified' },
        },
      }),
      () => ({ id: 1 }),
    );
    const responses = op(openapi(app, INFO), '/users/{id}', 'get')['responses'];
    expect(responses[200]).toEqual({
      description: 'OK',
      content: { 'application/json': { schema: expect.objectContaining({ type: 'object' }) } },
    });
    expect(responses[404]).toEqual({
      description: 'No such user',
      content: { 'application/problem+json': { schema: expect.objectContaining({ type: 'object' }) } },
    });
    expect(responses[304]).toEqual({ description: 'Not modified' });
  });
});

describe('openapi() components', () => {
  it('should make a schema with an id a component, nested or at the root, and $ref it', () => {
    const Tag = z.object({ name: z.string() }).meta({ id: 'TagX' });
    const Post = z.object({ title: z.string(), tags: z.array(Tag) }).meta({ id: 'PostX' });
    const app = new App();
    app.get('/posts', validate({ responses: { 200: z.array(Post) } }), () => []);
    const doc = openapi(app, INFO);
    expect(op(doc, '/posts', 'get')['responses'][200].content['application/json'].schema).toEqual({
      type: 'array',
      items: { $ref: '#/components/schemas/PostX' },
    });
    expect(doc.components.schemas['PostX']).toMatchObject({
      properties: { tags: { type: 'array', items: { $ref: '#/components/schemas/TagX' } } },
    });
    expect(doc.components.schemas['TagX']).toMatchObject({ type: 'object' });
  });

  it('should make a schema object without an id used by two operations a component named after its first use', () => {
    const Item = z.object({ sku: z.string() });
    const app = new App();
    app.get('getItem', '/items/:sku', validate({ responses: { 200: Item } }), () => ({ sku: 'a' }));
    app.put('putItem', '/items/:sku', validate({ body: Item, responses: { 200: Item } }), () => ({ sku: 'a' }));
    app.get('other', '/other', validate({ responses: { 200: z.object({ sku: z.string() }) } }), () => ({ sku: 'a' }));
    const doc = openapi(app, INFO);
    const ref = { $ref: '#/components/schemas/GetItemResponse200' };
    expect(op(doc, '/items/{sku}', 'get')['responses'][200].content['application/json'].schema).toEqual(ref);
    expect(op(doc, '/items/{sku}', 'put')['requestBody'].content['application/json'].schema).toEqual(ref);
    // An equal but distinct object used once stays inline.
    expect(op(doc, '/other', 'get')['responses'][200].content['application/json'].schema).toMatchObject({
      type: 'object',
    });
  });

  it('should throw naming the route when a schema has no JSON Schema form', () => {
    const app = new App();
    app.get('/when', validate({ responses: { 200: z.date() } }), () => new Date());
    expect(() => openapi(app, INFO)).toThrow(/GET \/when response 200/);
  });

  it('should document a Standard Schema without JSON Schema as any value', () => {
    const opaque: StandardSchemaV1 = { '~standard': { version: 1, vendor: 'x', validate: (v) => ({ value: v }) } };
    const app = new App();
    app.post('/any', validate({ body: opaque }), () => 1);
    expect(op(openapi(app, INFO), '/any', 'post')['requestBody'].content['application/json'].schema).toEqual({});
  });
});
