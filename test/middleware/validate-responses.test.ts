/**
 * `validate({ files, responses })`: declared file fields are checked with the request, and outside
 * production a handler's answer is checked against the response declared for its status — a
 * mismatch is a 500 whose log line names the route, the status and the issue.
 */
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { App, Router } from '../../src/index.js';
import { validate } from '../../src/middleware/index.js';
import { FORM_TYPE, form } from './multipart-fixture.js';

const User = z.object({ id: z.number(), name: z.string() });

/** An app whose log lines land in `lines`. */
function logged(): { app: App; lines: { level: number; msg: string; err?: { message: string } }[] } {
  const lines: { level: number; msg: string; err?: { message: string } }[] = [];
  const logger = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  return { app: new App({ logger }), lines };
}

async function get(app: App, url: string) {
  const { responses } = await app.inject({ method: 'GET', url });
  return responses[0]!;
}

describe('validate({ responses }) response checks', () => {
  it('should pass a body that matches the declaration for its status', async () => {
    const app = new App({ logger: false });
    app.get('/users/:id', validate({ responses: { 200: User } }, { checkResponses: true }), () => ({
      id: 1,
      name: 'Ada',
    }));
    const res = await get(app, '/users/1');
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ id: 1, name: 'Ada' });
  });

  it('should answer 500 for a mismatch, logging the method, route, status and issue', async () => {
    const { app, lines } = logged();
    const users = new Router({ prefix: '/api' }).get(
      '/users/:id',
      validate({ responses: { 200: User } }, { checkResponses: true }),
      // A handler that bypasses the types, as untyped data from a database would.
      () => ({ id: '1', name: 'Ada' }) as unknown as z.input<typeof User>,
    );
    app.use(users.routes());
    const res = await get(app, '/api/users/1');
    expect(res.status).toBe(500);
    expect(res.json()).toMatchObject({ status: 500, code: 'ERR_RESPONSE_VALIDATION' });
    expect(res.text()).not.toContain('/id');
    const line = lines.find((l) => l.level === 50);
    expect(line?.err?.message).toMatch(/^Response to GET \/api\/users\/:id with status 200 does not match/);
    expect(line?.err?.message).toContain('/id: ');
  });

  it('should check ctx.body set by the handler, and fail a 2xx status that is not declared', async () => {
    const app = new App({ logger: false });
    app.get('/set', validate({ responses: { 200: User } }, { checkResponses: true }), (ctx) => {
      ctx.body = { id: 1 };
    });
    app.get('/created', validate({ responses: { 200: User } }, { checkResponses: true }), (ctx) => {
      ctx.status = 201;
      return { id: 1, name: 'x' };
    });
    expect((await get(app, '/set')).status).toBe(500);
    expect((await get(app, '/created')).status).toBe(500);
  });

  it('should leave errors thrown by the handler, undeclared non-2xx statuses and byte bodies alone', async () => {
    const app = new App({ logger: false });
    const check = validate({ responses: { 200: User } }, { checkResponses: true });
    app.get('/missing', check, (ctx) => ctx.throw(404, 'No user'));
    app.get('/moved', check, (ctx) => ctx.redirect('/elsewhere'));
    app.get('/bytes', check, (ctx) => {
      ctx.body = Buffer.from('raw');
    });
    expect((await get(app, '/missing')).status).toBe(404);
    expect((await get(app, '/moved')).status).toBe(302);
    expect((await get(app, '/bytes')).text()).toBe('raw');
  });

  it('should not check with checkResponses: false, nor by default in production', async () => {
    const app = new App({ logger: false });
    const wrong = () => ({ id: 'x' }) as unknown as z.input<typeof User>;
    app.get('/off', validate({ responses: { 200: User } }, { checkResponses: false }), wrong);
    app.get('/default', validate({ responses: { 200: User } }), wrong);
    expect((await get(app, '/off')).status).toBe(200);
    expect((await get(app, '/default')).status).toBe(process.env['NODE_ENV'] === 'production' ? 200 : 500);
  });
});

describe('validate({ files })', () => {
  function uploads(): App {
    const app = new App({ logger: false });
    app.post(
      '/photos',
      validate({
        body: z.object({ caption: z.string() }),
        files: { photo: {}, extra: { required: false, multiple: true } },
      }),
      (ctx) => ({ caption: ctx.request.body.caption, photo: ctx.request.files!['photo']![0]!.filename }),
    );
    return app;
  }
  const post = async (app: App, body: Buffer) =>
    (await app.inject({ method: 'POST', url: '/photos', headers: { 'content-type': FORM_TYPE }, body })).responses[0]!;

  it('should read the multipart body itself and pass a request with the required file', async () => {
    const res = await post(
      uploads(),
      form([
        { name: 'caption', value: 'cat' },
        { name: 'photo', filename: 'cat.png', data: 'png', type: 'image/png' },
      ]),
    );
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ caption: 'cat', photo: 'cat.png' });
  });

  it('should report a missing file and a repeated single file with the body issues', async () => {
    const missing = await post(uploads(), form([{ name: 'other', value: 'x' }]));
    expect(missing.status).toBe(400);
    expect(missing.json<{ errors: unknown[] }>().errors).toEqual([
      expect.objectContaining({ in: 'body', pointer: '/caption' }),
      { in: 'body', pointer: '/photo', message: 'Expected a file', code: 'missing_file' },
    ]);
    const twice = await post(
      uploads(),
      form([
        { name: 'caption', value: 'cat' },
        { name: 'photo', filename: 'a.png', data: 'a' },
        { name: 'photo', filename: 'b.png', data: 'b' },
      ]),
    );
    expect(twice.json<{ errors: unknown[] }>().errors).toEqual([
      { in: 'body', pointer: '/photo', message: 'Expected one file, got 2', code: 'too_many_files' },
    ]);
  });
});
