/**
 * Idle connections give their parser back to the engine's pool (src/engine/parser-pool.ts) and take
 * one again when bytes come. Nothing about a request may change because of it: the pool's own
 * rules, then the wire — keep-alive requests after an idle gap, and parse-error offsets that still
 * count every byte the connection received.
 */
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ParseError } from '../../src/parser/errors.js';
import { RequestParser } from '../../src/parser/parser.js';
import { ParserPool } from '../../src/engine/parser-pool.js';
import { App } from '../../src/index.js';
import { RawClient, get } from '../helpers/raw-client.js';
import { closeAll, serve } from '../helpers/server.js';

afterEach(closeAll);

describe('ParserPool', () => {
  it('should hand a released parser out again, reset, with the offset asked for', () => {
    const pool = new ParserPool({}, 2);
    const p = pool.acquire(0);
    p.push(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\nGET /half'));
    p.next();
    pool.release(p);
    expect(pool.size).toBe(1);
    const again = pool.acquire(500);
    expect(again).toBe(p);
    again.push(Buffer.from('\x01'));
    expect(() => again.next()).toThrow(expect.objectContaining({ code: 'HPE_INVALID_METHOD', offset: 500 }));
  });

  it('should keep no more than its maximum', () => {
    const pool = new ParserPool({}, 2);
    for (let i = 0; i < 5; i++) pool.release(new RequestParser());
    expect(pool.size).toBe(2);
  });

  it('should make parsers with its options', () => {
    const pool = new ParserPool({ maxRequestLineBytes: 16 }, 2);
    const p = pool.acquire(0);
    p.push(Buffer.from(`GET /${'a'.repeat(40)} HTTP/1.1\r\n`));
    expect(() => p.next()).toThrow(ParseError);
  });
});

describe('Connection and the parser pool', () => {
  function app(lines: { msg: string; err?: { code?: string; offset?: number } }[]): App {
    const log = pino({ level: 'debug' }, { write: (s: string) => void lines.push(JSON.parse(s)) });
    const a = new App({ logger: log });
    a.use((ctx) => {
      ctx.body = `hello ${ctx.path}`;
    });
    return a;
  }

  it('should serve a keep-alive connection again after it idled, request split across packets', async () => {
    const { port } = await serve(app([]));
    const c = await RawClient.connect(port);
    for (let i = 0; i < 3; i++) {
      await c.send(get(`/r${i}`));
      await c.waitForResponses(2 * i + 1);
      // The next request arrives in pieces: the parser taken from the pool must carry them over.
      const req = get(`/s${i}`);
      await c.send(req.slice(0, 7));
      await c.send(req.slice(7));
      await c.waitForResponses(2 * i + 2);
    }
    expect(c.responses().map((r) => r.text())).toEqual(
      ['/r0', '/s0', '/r1', '/s1', '/r2', '/s2'].map((p) => `hello ${p}`),
    );
    c.destroy();
  });

  it('should report a parse error at its offset in the whole stream of the connection, idle gaps included', async () => {
    const lines: { msg: string; err?: { code?: string; offset?: number } }[] = [];
    const { port } = await serve(app(lines));
    const first = get('/a');
    const bad = 'GET /b HTTP/1.1\r\nHost: x\r\nBad Name: 1\r\n\r\n';
    const c = await RawClient.connect(port);
    await c.send(first);
    await c.waitForResponses(1);
    await c.send(bad);
    await c.waitForResponses(2);
    // What one parser reading the connection's whole byte stream reports.
    const one = new RequestParser();
    one.push(Buffer.from(first + bad, 'latin1'));
    let expected: ParseError | null = null;
    try {
      for (let ev = one.next(); ev.kind !== 'need-data'; ev = one.next());
    } catch (err) {
      expected = err as ParseError;
    }
    expect(expected).not.toBeNull();
    const logged = lines.find((l) => l.msg === 'request rejected by the parser');
    expect(logged?.err).toMatchObject({ code: expected!.code, offset: expected!.offset });
    expect(expected!.offset).toBeGreaterThan(first.length);
    c.destroy();
  });
});
