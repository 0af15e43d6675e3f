/**
 * `app.inject()`: the real connection engine over an in-memory duplex. Raw input (pipelined,
 * malformed) and request objects in; responses, raw bytes and whether the server closed out.
 */
import { describe, expect, it } from 'vitest';
import { App } from '../../src/index.js';
import { readBody } from '../helpers/server.js';
import { spyOnSocket, type WriteSpy } from '../helpers/spy.js';

function echo(opts: ConstructorParameters<typeof App>[0] = {}): App {
  const app = new App({ logger: false, ...opts });
  app.use(async (ctx) => {
    const body = await readBody(ctx.req);
    ctx.set('x-method', ctx.method);
    ctx.body = { path: ctx.path, query: ctx.query, type: ctx.get('content-type'), body: body.toString() };
  });
  return app;
}

const get = (path: string, extra = ''): string => `GET ${path} HTTP/1.1\r\nHost: x\r\n${extra}\r\n`;

describe('app.inject()', () => {
  it('should answer several pipelined raw requests in order', async () => {
    const { responses, closed } = await echo().inject(
      get('/a') + 'POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc' + get('/c?x=1'),
    );
    expect(responses.map((r) => r.json<{ path: string }>().path)).toEqual(['/a', '/b', '/c']);
    expect(responses[1]!.json<{ body: string }>().body).toBe('abc');
    expect(responses[2]!.json<{ query: unknown }>().query).toEqual({ x: '1' });
    expect(closed).toBe(false);
  });

  it('should serialise a request object with a JSON body, Host and Content-Length', async () => {
    const { responses } = await echo().inject({
      method: 'PUT',
      url: '/items/7',
      headers: { 'x-trace': 'abc' },
      body: { name: 'shallot', tags: ['a'] },
    });
    expect(responses).toHaveLength(1);
    const res = responses[0]!;
    expect(res.status).toBe(200);
    expect(res.headers['x-method']).toBe('PUT');
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    const got = res.json<{ path: string; type: string; body: string }>();
    expect(got.path).toBe('/items/7');
    expect(got.type).toBe('application/json');
    expect(JSON.parse(got.body)).toEqual({ name: 'shallot', tags: ['a'] });
  });

  it('should default a request object to GET /', async () => {
    const { responses } = await echo().inject({});
    expect(responses[0]!.headers['x-method']).toBe('GET');
    expect(responses[0]!.json<{ path: string }>().path).toBe('/');
  });

  it('should answer malformed input with one problem+json response and report the close', async () => {
    const { responses, closed, raw } = await echo().inject(
      'GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n' + get('/never'),
    );
    expect(responses).toHaveLength(1);
    expect(responses[0]!.status).toBe(400);
    expect(responses[0]!.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(responses[0]!.headers['connection']).toBe('close');
    expect(typeof responses[0]!.json<{ code: string }>().code).toBe('string');
    expect(closed).toBe(true);
    expect(raw.toString('latin1')).not.toContain('/never');
  });

  it('should answer the good requests before a malformed one', async () => {
    const { responses, closed } = await echo().inject(get('/ok') + 'GET / HTTP/9.9\r\nHost: x\r\n\r\n');
    expect(responses.map((r) => r.status)).toEqual([200, 505]);
    expect(closed).toBe(true);
  });

  it('should answer HEAD with the Content-Length of the body it does not send', async () => {
    const app = new App({ logger: false });
    app.use((ctx) => {
      ctx.body = 'twelve bytes';
    });
    const { responses, raw } = await app.inject('HEAD / HTTP/1.1\r\nHost: x\r\n\r\n' + get('/after'));
    expect(responses).toHaveLength(2);
    expect(responses[0]!.headers['content-length']).toBe('12');
    expect(responses[0]!.body.length).toBe(0);
    expect(responses[1]!.text()).toBe('twelve bytes');
    expect(raw.toString('latin1').match(/twelve bytes/g)).toHaveLength(1);
  });

  it('should report closed when the request asks for Connection: close', async () => {
    const { responses, closed } = await echo().inject({ headers: { connection: 'close' } });
    expect(responses[0]!.headers['connection']).toBe('close');
    expect(closed).toBe(true);
  });

  it('should report not closed when the input simply ends', async () => {
    expect((await echo().inject(get('/'))).closed).toBe(false);
    expect((await echo().inject('')).closed).toBe(false);
    expect((await echo().inject('')).responses).toEqual([]);
  });

  it('should write responses that are ready together in one write', async () => {
    const app = new App({ logger: false });
    let spy: WriteSpy | null = null;
    app.use((ctx) => {
      spy ??= spyOnSocket(ctx.socket);
      ctx.body = ctx.path;
    });
    const { responses } = await app.inject(get('/1') + get('/2') + get('/3') + get('/4'));
    expect(responses.map((r) => r.text())).toEqual(['/1', '/2', '/3', '/4']);
    // InjectSocket's _writev receives the corked batch in one call.
    expect(spy!.calls).toHaveLength(1);
  });

  it('should not abort ctx.signal of a handler still working on a complete request', async () => {
    const app = new App({ logger: false });
    app.use(async (ctx) => {
      await new Promise((r) => setImmediate(r));
      await new Promise((r) => setImmediate(r));
      ctx.body = { aborted: ctx.signal.aborted };
    });
    const { responses } = await app.inject(get('/1') + get('/2'));
    expect(responses.map((r) => r.json())).toEqual([{ aborted: false }, { aborted: false }]);
  });

  it('should answer every pipelined request with maxPipelinedRequests 1', async () => {
    let input = '';
    for (let i = 0; i < 20; i++) input += get(`/${i}`);
    const { responses } = await echo({ maxPipelinedRequests: 1 }).inject(input);
    expect(responses.map((r) => r.json<{ path: string }>().path)).toEqual(
      Array.from({ length: 20 }, (_, i) => `/${i}`),
    );
  });

  it('should end a request whose body never arrives completely, failing its body read', async () => {
    const app = new App({ logger: false });
    const seen: string[] = [];
    app.use(async (ctx) => {
      try {
        await readBody(ctx.req);
        ctx.body = 'complete';
      } catch {
        seen.push('read failed');
        ctx.status = 400;
        ctx.body = 'incomplete';
      }
    });
    const { responses } = await app.inject('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc');
    expect(seen).toEqual(['read failed']);
    expect(responses.every((r) => r.text() !== 'complete')).toBe(true);
  });

  it('should read a chunked response body back', async () => {
    const app = new App({ logger: false });
    app.use((ctx) => {
      ctx.body = (async function* () {
        yield 'a';
        yield 'b';
      })();
    });
    const { responses } = await app.inject(get('/'));
    expect(responses[0]!.headers['transfer-encoding']).toBe('chunked');
    expect(responses[0]!.text()).toBe('ab');
  });

  it('should include interim 100 Continue responses when the handler reads the body', async () => {
    const app = new App({ logger: false });
    app.use(async (ctx) => {
      ctx.body = (await readBody(ctx.req)).toString();
    });
    const { responses } = await app.inject(
      'POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nhi',
    );
    expect(responses.map((r) => r.status)).toEqual([100, 200]);
    expect(responses[1]!.text()).toBe('hi');
  });
});
