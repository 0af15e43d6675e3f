/**
 * A body that is a stream of the `stream` module's older family — a `readable-stream@2` Readable,
 * as `koa-json`'s streaming mode (through `streaming-json-stringify`) and many Koa-era libraries
 * make — is piped as a stream, as Koa does, not serialised as JSON: it is not a Node `Readable`
 * (`instanceof` is false) and has no async iterator, but it has `pipe`, `read` and `on`.
 *
 * Needs the classification in src/http/body-kind.ts to recognise such a stream, and `compress()`
 * to use it; until then these tests fail (the stream object itself is serialised as JSON).
 */
import { Readable as NodeReadable } from 'node:stream';
import json from 'koa-json';
import { Readable as LegacyReadable } from 'readable-stream';
import supertest from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { gunzipSync } from 'node:zlib';
import { App } from '../../src/index.js';
import { compress } from '../../src/middleware/index.js';
import { closeAll, serve } from '../helpers/server.js';

afterEach(closeAll);

/** An object-mode readable-stream@2 Readable of `items`, pushed one per read. */
function legacyObjects(items: object[]): LegacyReadable {
  const queue = [...items];
  return new LegacyReadable({
    objectMode: true,
    read() {
      this.push(queue.length > 0 ? queue.shift()! : null);
    },
  });
}

/** A readable-stream@2 Readable of text `chunks`. */
function legacyText(chunks: string[]): LegacyReadable {
  const queue = [...chunks];
  return new LegacyReadable({
    read() {
      this.push(queue.length > 0 ? queue.shift()! : null);
    },
  });
}

describe('a readable-stream@2 body', () => {
  it('should not be a Node Readable, which is why it needs recognising', () => {
    const s = legacyText(['x']);
    expect(s instanceof NodeReadable).toBe(false);
    expect(typeof (s as unknown as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator]).toBe('undefined');
  });

  it('should be piped to the client, chunk by chunk', async () => {
    const app = new App({ logger: false });
    app.use((ctx) => {
      ctx.type = 'text/plain';
      ctx.body = legacyText(['hello, ', 'legacy ', 'stream']);
    });
    const { responses } = await app.inject({ method: 'GET', url: '/' });
    expect(responses[0]!.status).toBe(200);
    expect(responses[0]!.headers['content-type']).toMatch(/^text\/plain/);
    expect(responses[0]!.text()).toBe('hello, legacy stream');
  });
});

describe('koa-json in streaming mode', () => {
  function app(): App {
    const a = new App({ logger: false });
    a.use(json({ pretty: false }));
    a.get('/todos', (ctx) => {
      ctx.body = legacyObjects([{ id: 1 }, { id: 2 }, { id: 3 }]);
    });
    return a;
  }

  it('should stream an object-mode legacy stream as one JSON array', async () => {
    const { responses } = await app().inject({ method: 'GET', url: '/todos' });
    const res = responses[0]!;
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.json()).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }]);
  });

  it('should stream it to a real client, chunked', async () => {
    const { url } = await serve(app());
    const res = await supertest(url).get('/todos');
    expect(res.status).toBe(200);
    expect(res.headers['transfer-encoding']).toBe('chunked');
    expect(res.body).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }]);
  });

  it('should compress it as any stream body', async () => {
    const a = new App({ logger: false });
    a.use(compress({ threshold: 0 }));
    a.use(json({ pretty: false }));
    a.use((ctx) => {
      ctx.body = legacyObjects([{ id: 1 }, { id: 2 }]);
    });
    const { responses } = await a.inject({ method: 'GET', url: '/', headers: { 'accept-encoding': 'gzip' } });
    const res = responses[0]!;
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(JSON.parse(gunzipSync(res.body).toString('utf8'))).toEqual([{ id: 1 }, { id: 2 }]);
  });
});
