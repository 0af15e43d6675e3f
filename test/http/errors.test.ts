/**
 * The error path (STYLE rules 5–7): one `HttpError`, `ctx.throw`/`ctx.assert`, duck-typed
 * `isHttpError`, and one way out — emitted once on the app, logged by severity, answered as
 * RFC 9457 problem+json that carries a message only when the error is exposed.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { App, type AppOptions, type Middleware } from '../../src/http/app.js';
import type { Context } from '../../src/http/context.js';
import { ERRORS, errorFor } from '../../src/http/errors.js';
import { HttpError, createHttpError, isHttpError, toHttpError } from '../../src/http/http-error.js';
import type { InjectRequest } from '../../src/engine/inject.js';
import { OVER_CALLBACK, inject } from '../helpers/transport.js';

function appWith(mws: Middleware[], opts: AppOptions = {}): { app: App; errors: [unknown, Context][] } {
  const app = new App({ logger: false, ...opts });
  const errors: [unknown, Context][] = [];
  app.on('error', (err: unknown, ctx: Context) => errors.push([err, ctx]));
  for (const mw of mws) app.use(mw);
  return { app, errors };
}

async function send(mws: Middleware | Middleware[], req: InjectRequest = {}) {
  const { app, errors } = appWith(Array.isArray(mws) ? mws : [mws]);
  const { responses } = await inject(app, { method: 'GET', url: '/', ...req });
  return { res: responses[0]!, errors };
}

describe('HttpError', () => {
  it('should expose 4xx messages and hide 5xx ones unless told', () => {
    expect(new HttpError(400, 'bad').expose).toBe(true);
    expect(new HttpError(503, 'down').expose).toBe(false);
    expect(new HttpError(500, 'shown', { expose: true }).expose).toBe(true);
    expect(new HttpError(404, 'hidden', { expose: false }).expose).toBe(false);
  });

  it('should default the message to the status text and the code to ERR_NOT_FOUND or ERR_HTTP', () => {
    const e = new HttpError(404);
    expect([e.message, e.code, e.status, e.statusCode, e.name]).toEqual([
      'Not Found',
      'ERR_NOT_FOUND',
      404,
      404,
      'HttpError',
    ]);
    expect(new HttpError(409).code).toBe('ERR_HTTP');
  });

  it('should turn a status that is not 4xx/5xx into 500', () => {
    expect(new HttpError(302).status).toBe(500);
    expect(new HttpError(42.5).status).toBe(500);
  });

  it('should carry code, headers, cause and details, and copy extra props', () => {
    const cause = new Error('db down');
    const e = new HttpError(422, 'Invalid', {
      code: 'ERR_VALIDATION',
      headers: { 'retry-after': '5' },
      cause,
      details: [{ path: 'name' }],
      user: 'ada',
    });
    expect(e.code).toBe('ERR_VALIDATION');
    expect(e.headers).toEqual({ 'retry-after': '5' });
    expect(e.cause).toBe(cause);
    expect(e.details).toEqual([{ path: 'name' }]);
    expect((e as unknown as { user: string }).user).toBe('ada');
  });

  it('should offer static factories for the common statuses', () => {
    expect(
      [
        HttpError.badRequest(),
        HttpError.unauthorized(),
        HttpError.forbidden(),
        HttpError.notFound(),
        HttpError.conflict(),
        HttpError.internal(),
      ].map((e) => e.status),
    ).toEqual([400, 401, 403, 404, 409, 500]);
  });
});

describe('isHttpError()', () => {
  it('should recognise an HttpError and an http-errors-shaped object', () => {
    expect(isHttpError(new HttpError(400))).toBe(true);
    expect(isHttpError(Object.assign(new Error('x'), { status: 418, statusCode: 418, expose: true }))).toBe(true);
    expect(isHttpError({ statusCode: 503, expose: false, message: 'm' })).toBe(true);
  });

  it('should recognise an HttpError-shaped error from another realm', () => {
    const foreign = vm.runInNewContext(
      'Object.assign(new Error("from a vm"), { status: 409, expose: true })',
    ) as unknown;
    expect(foreign instanceof Error).toBe(false);
    expect(isHttpError(foreign)).toBe(true);
  });

  it('should not count a plain error, a 2xx/3xx status, or a missing expose', () => {
    expect(isHttpError(new Error('x'))).toBe(false);
    expect(isHttpError({ status: 302, expose: true })).toBe(false);
    expect(isHttpError(Object.assign(new Error('x'), { status: 400 }))).toBe(false);
    expect(isHttpError(null)).toBe(false);
    expect(isHttpError('500')).toBe(false);
  });
});

describe('toHttpError()', () => {
  it('should keep an HttpError as it is', () => {
    const e = new HttpError(400);
    expect(toHttpError(e)).toBe(e);
  });

  it('should make any other value an unexposed 500 with the original as cause', () => {
    const secret = new Error('secret');
    const e = toHttpError(secret);
    expect([e.status, e.expose, e.code, e.message, e.cause]).toEqual([
      500,
      false,
      'ERR_INTERNAL',
      'Internal Server Error',
      secret,
    ]);
    expect(toHttpError('a string').status).toBe(500);
  });

  it("should keep an error's own 4xx/5xx status, as Koa, without exposing its message", () => {
    const e = toHttpError(Object.assign(new Error('private detail'), { status: 403 }));
    expect([e.status, e.expose, e.message]).toEqual([403, false, 'Forbidden']);
  });
});

describe('createHttpError() / ctx.throw() arguments', () => {
  it("should accept Koa's argument forms", () => {
    const cause = new Error('invalid');
    expect(createHttpError(403).status).toBe(403);
    expect(createHttpError(400, 'name required').message).toBe('name required');
    expect(createHttpError('exploded').status).toBe(500);
    expect(createHttpError('gone', 410).status).toBe(410);
    const wrapped = createHttpError(400, cause);
    expect([wrapped.status, wrapped.message, wrapped.cause, wrapped.expose]).toEqual([400, 'invalid', cause, true]);
    const bare = createHttpError(cause);
    expect([bare.status, bare.expose]).toEqual([500, false]);
    expect(createHttpError(401, { code: 'ERR_TOKEN' }).code).toBe('ERR_TOKEN');
  });

  it('should reject an argument of an unsupported type', () => {
    expect(() => createHttpError(400, true)).toThrow(TypeError);
  });
});

describe('the error response', () => {
  it('should answer a thrown HttpError as problem+json with type, title, status, detail and code', async () => {
    const { res } = await send((ctx) => ctx.throw(422, 'Name is required', { code: 'ERR_NAME' }));
    expect(res.status).toBe(422);
    expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(res.json()).toEqual({
      type: 'about:blank',
      title: 'Unprocessable Content',
      status: 422,
      detail: 'Name is required',
      code: 'ERR_NAME',
    });
  });

  it('should leave detail out of a 5xx, and put it in when the error says expose', async () => {
    const hidden = await send((ctx) => ctx.throw(503, 'pool exhausted at db-3'));
    expect(hidden.res.json()).toEqual({
      type: 'about:blank',
      title: 'Service Unavailable',
      status: 503,
      code: 'ERR_HTTP',
    });
    const shown = await send((ctx) => ctx.throw(503, 'Try again soon', { expose: true }));
    expect(shown.res.json()).toMatchObject({ detail: 'Try again soon' });
  });

  it('should answer a plain Error with 500 and the stock title, never its message', async () => {
    const { res, errors } = await send(() => {
      throw new Error('secret: password=hunter2');
    });
    expect(res.status).toBe(500);
    expect(res.json()).toEqual({
      type: 'about:blank',
      title: 'Internal Server Error',
      status: 500,
      code: 'ERR_INTERNAL',
    });
    expect(res.text()).not.toContain('secret');
    expect((errors[0]![0] as Error).message).toBe('secret: password=hunter2');
  });

  it('should answer a thrown non-Error value with 500', async () => {
    const { res, errors } = await send(() => {
      throw 'just a string';
    });
    expect(res.status).toBe(500);
    expect(res.text()).not.toContain('just a string');
    expect(errors).toHaveLength(1);
  });

  it("should honour a plain error's own status, without its message", async () => {
    const { res } = await send(() => {
      throw Object.assign(new Error('internal reason'), { status: 401 });
    });
    expect(res.status).toBe(401);
    expect(res.text()).not.toContain('internal reason');
  });

  it('should answer an http-errors-shaped error from another realm by its own status and message', async () => {
    const { res } = await send(() => {
      throw vm.runInNewContext('Object.assign(new Error("Teapot here"), { status: 418, expose: true })');
    });
    expect(res.status).toBe(418);
    expect(res.json()).toMatchObject({ title: "I'm a Teapot", detail: 'Teapot here', code: 'ERR_HTTP' });
  });

  it('should add exposed details to the problem', async () => {
    const { res } = await send((ctx) =>
      ctx.throw(400, 'Invalid body', { code: 'ERR_VALIDATION', details: [{ path: ['name'], message: 'Required' }] }),
    );
    expect(res.json()).toMatchObject({ code: 'ERR_VALIDATION', errors: [{ path: ['name'], message: 'Required' }] });
  });

  it("should reset the headers set before the error and apply the error's own", async () => {
    const { res } = await send((ctx) => {
      ctx.set('x-before', '1');
      ctx.set('content-type', 'text/html');
      ctx.throw(401, 'Log in', {
        headers: { 'WWW-Authenticate': 'Bearer realm="api"', 'Content-Type': 'text/plain', 'Content-Length': '1' },
      });
    });
    expect(res.status).toBe(401);
    expect(res.headers['x-before']).toBeUndefined();
    expect(res.headers['www-authenticate']).toBe('Bearer realm="api"');
    expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(res.headers['content-length']).toBe(String(res.body.length));
  });

  it('should send only the head of an error to a HEAD request', async () => {
    const { res } = await send((ctx) => ctx.throw(403), { method: 'HEAD' });
    expect(res.status).toBe(403);
    expect(res.body.length).toBe(0);
    expect(Number(res.headers['content-length'])).toBeGreaterThan(0);
  });

  it('should destroy a stream body that an error replaced', async () => {
    const stream = new Readable({ read() {} });
    const { res } = await send((ctx) => {
      ctx.body = stream;
      throw new Error('after the body');
    });
    expect(res.status).toBe(500);
    expect(stream.destroyed).toBe(true);
  });
});

describe("app.on('error')", () => {
  it('should receive the error and the context exactly once', async () => {
    const boom = new Error('boom');
    const { res, errors } = await send(
      () => {
        throw boom;
      },
      { url: '/where' },
    );
    expect(res.status).toBe(500);
    expect(errors).toHaveLength(1);
    expect(errors[0]![0]).toBe(boom);
    expect(errors[0]![1].path).toBe('/where');
  });

  it('should take the same path for a promise rejected deep in the onion', async () => {
    const deep = new HttpError(409, 'Version conflict', { code: 'ERR_VERSION' });
    const order: string[] = [];
    const { res, errors } = await send([
      async (_ctx, next) => {
        order.push('a in');
        await next();
        order.push('a out');
      },
      async (_ctx, next) => {
        await next();
      },
      async () => {
        await new Promise((r) => setTimeout(r, 1));
        await Promise.reject(deep);
      },
    ]);
    expect(order).toEqual(['a in']);
    expect(res.status).toBe(409);
    expect(res.json()).toMatchObject({ detail: 'Version conflict', code: 'ERR_VERSION' });
    expect(errors.map((e) => e[0])).toEqual([deep]);
  });

  it('should let an upstream middleware catch the error and answer instead', async () => {
    const { res, errors } = await send([
      async (ctx, next) => {
        try {
          await next();
        } catch (err) {
          ctx.status = isHttpError(err) ? err.status : 500;
          ctx.body = { handled: true };
        }
      },
      (ctx) => ctx.throw(400),
    ]);
    expect(res.status).toBe(400);
    expect(res.json()).toEqual({ handled: true });
    expect(errors).toHaveLength(0);
  });

  it('should not be emitted for a 404 that nothing answered', async () => {
    const { res, errors } = await send(() => {});
    expect(res.status).toBe(404);
    expect(errors).toHaveLength(0);
  });

  it('should report a body that cannot be serialised down the same path, once', async () => {
    const { res, errors } = await send((ctx) => {
      const cyclic: Record<string, unknown> = {};
      cyclic['self'] = cyclic;
      ctx.body = cyclic;
    });
    expect(res.status).toBe(500);
    expect(res.json()).toMatchObject({ code: 'ERR_INTERNAL' });
    expect(errors).toHaveLength(1);
    expect(errors[0]![0]).toBeInstanceOf(TypeError);
  });

  it('should report a stream that fails after the head was sent and cut the connection', async () => {
    const { app, errors } = appWith([
      (ctx) => {
        ctx.body = new Readable({
          read() {
            this.push('partial');
            this.destroy(new Error('disk gone'));
          },
        });
      },
    ]);
    const { raw, closed } = await inject(app, { url: '/' });
    expect(raw.toString('latin1')).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(raw.toString('latin1')).not.toContain('0\r\n\r\n');
    expect(closed).toBe(true);
    expect(errors).toHaveLength(1);
    expect((errors[0]![0] as Error).message).toBe('disk gone');
  });
});

describe('error logging', () => {
  function captured(): { app: App; lines: () => { level: number; msg: string }[] } {
    const out: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        out.push(chunk.toString());
        cb();
      },
    });
    const app = new App({ logger: pino({ level: 'info' }, sink) });
    return {
      app,
      lines: () =>
        out
          .join('')
          .trim()
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as { level: number; msg: string }),
    };
  }

  it('should log a 5xx at error level and a 4xx at info level', async () => {
    const { app, lines } = captured();
    app.use((ctx) => {
      if (ctx.path === '/client') ctx.throw(400);
      throw new Error('server');
    });
    await inject(app, { url: '/client' });
    await inject(app, { url: '/server' });
    expect(lines().map((l) => [l.level, l.msg])).toEqual([
      [30, 'request rejected'],
      [50, 'request failed'],
    ]);
  });
});

describe('ERRORS / errorFor()', () => {
  it('should build the registered status and message for a code', () => {
    for (const code of Object.keys(ERRORS) as (keyof typeof ERRORS)[]) {
      const e = errorFor(code);
      expect([e.code, e.status, e.message]).toEqual([code, ERRORS[code].status, ERRORS[code].message]);
    }
  });

  it('should register only codes that some module of src/ raises', () => {
    const src = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src');
    const files = (readdirSync(src, { recursive: true }) as string[]).filter(
      (f) => f.endsWith('.ts') && path.basename(f) !== 'errors.ts',
    );
    const text = files.map((f) => readFileSync(path.join(src, f), 'utf8')).join('\n');
    const unused = Object.keys(ERRORS).filter((code) => !text.includes(`'${code}'`));
    expect(unused).toEqual([]);
  });

  it('should answer a CONNECT with no upgrade listener with ERR_CONNECT_UNSUPPORTED', async () => {
    const { app } = appWith([() => {}]);
    const { responses, closed } = await inject(
      app,
      'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n',
    );
    if (OVER_CALLBACK) {
      // node:http gives a CONNECT to its own 'connect' listeners, never to the request handler, and
      // closes the connection unanswered when there is none: the answer is Node's, not the app's.
      expect([responses, closed]).toEqual([[], true]);
      return;
    }
    expect(responses[0]!.status).toBe(501);
    expect(responses[0]!.json()).toMatchObject({ code: 'ERR_CONNECT_UNSUPPORTED' });
  });
});
