/**
 * The demo wiring in examples/hello.ts for issue 7: examples/static/ at /static/ (with compression)
 * and the SSE clock at /events, while GET / still answers the seed's JSON.
 */
import net from 'node:net';
import { gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { app } from '../../examples/hello.js';
import { closeAll, serve } from '../helpers/server.js';

afterEach(() => closeAll());

/** Opens /events on a real socket (an endless stream never ends an inject) and returns what came once the first event is complete. */
async function firstEvent(extra = ''): Promise<string> {
  const { port } = await serve(app);
  const s = net.connect(port, '127.0.0.1');
  s.on('error', () => {});
  s.write(`GET /events HTTP/1.1\r\nHost: a\r\n${extra}\r\n`);
  let got = '';
  await new Promise<void>((resolve) => {
    s.on('data', (c: Buffer) => {
      got += c.toString('latin1');
      if (/\r\n\r\n[\s\S]*\n\n/.test(got)) resolve();
    });
  });
  s.destroy();
  return got;
}

async function get(url: string, headers: Record<string, string> = {}) {
  return (await app.inject({ url, headers })).responses[0]!;
}

describe('examples/hello.ts static files', () => {
  it('should still answer GET / with the seed message', async () => {
    expect((await get('/')).text()).toBe('{"message":"Hello, world!"}');
  });

  it('should serve the demo page, stylesheet and script under /static/', async () => {
    const page = await get('/static/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.text()).toContain('<script src="app.js"></script>');
    expect((await get('/static/style.css')).headers['content-type']).toBe('text/css; charset=utf-8');
    expect((await get('/static/app.js')).headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect((await get('/static/sse.html')).text()).toContain("new EventSource('/events'");
  });

  it('should redirect /static to /static/', async () => {
    const res = await get('/static');
    expect(res.status).toBe(301);
    expect(res.headers['location']).toBe('/static/');
  });

  it('should compress the demo files for a client that accepts gzip', async () => {
    const res = await get('/static/sse.html', { 'accept-encoding': 'gzip' });
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(res.body).toString()).toContain('EventSource');
  });
});

describe('examples/hello.ts SSE clock', () => {
  it('should answer /events with an event stream whose first tick comes at once', async () => {
    const got = await firstEvent();
    expect(got).toMatch(/^HTTP\/1\.1 200 /);
    expect(got).toMatch(/content-type: text\/event-stream; charset=utf-8/i);
    expect(got).toMatch(/id: 1\nevent: tick\ndata: \{"time":"\d{4}-\d\d-\d\dT[\d:.]+Z"\}\n\n/);
  });

  it('should continue the ids from Last-Event-ID', async () => {
    expect(await firstEvent('Last-Event-ID: 41\r\n')).toMatch(/id: 42\n/);
  });
});
