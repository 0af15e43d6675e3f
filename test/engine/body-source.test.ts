/**
 * BodySource coalesces small chunks: a body sent as thousands of tiny chunks must not cost a
 * Buffer object per chunk (about 100 heap bytes per body byte), whichever way it is read.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { BodySource } from '../../src/engine/body-source.js';
import { App, type Context } from '../../src/index.js';
import { rawRequest } from '../helpers/raw-client.js';
import { closeAll, serve } from '../helpers/server.js';

afterEach(closeAll);

const byte = (c: string): Buffer => Buffer.from(c, 'latin1');

describe('BodySource', () => {
  it('should store ten thousand 1-byte chunks as a handful of buffers, bytes intact', () => {
    const src = new BodySource(null, 64 * 1024);
    let expected = '';
    for (let i = 0; i < 10_000; i++) {
      const c = String.fromCharCode(97 + (i % 26));
      expected += c;
      src.push(byte(c));
    }
    expect(src.chunks.length).toBeLessThanOrEqual(2);
    expect(src.bytes).toBe(10_000);
    src.end(null);
    expect((src.collect(1e6) as Buffer).toString('latin1')).toBe(expected);
  });

  it('should keep a body that came as one chunk as that chunk, without a copy', () => {
    const src = new BodySource(null, 64 * 1024);
    const one = byte('{"a":1}');
    src.push(one);
    src.end(null);
    expect(src.collect(100)).toBe(one);
  });

  it('should count coalesced bytes against the limit as they arrive', () => {
    const src = new BodySource(null, 64 * 1024);
    src.push(byte('a'));
    expect(src.collect(10)).toBeInstanceOf(Promise);
    for (let i = 0; i < 10; i++) src.push(byte('b'));
    expect(src.discarding).toBe(true);
  });

  it('should keep big chunks as they are, in order with the small ones around them', () => {
    const src = new BodySource(null, 64 * 1024);
    src.push(byte('x'));
    src.push(byte('y'));
    const big = Buffer.alloc(4096, 0x7a);
    src.push(big);
    src.push(byte('w'));
    src.end(null);
    const out = src.collect(1e6) as Buffer;
    expect(out.length).toBe(4099);
    expect(out.toString('latin1', 0, 2)).toBe('xy');
    expect(out.toString('latin1', 4098)).toBe('w');
  });
});

describe('a body of many 1-byte chunks over the wire', () => {
  const chunked = (n: number): string =>
    `POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${'1\r\na\r\n'.repeat(n)}0\r\n\r\n`;

  it('should reach a flowing stream reader in a few pieces, not one per chunk', async () => {
    let pieces = 0;
    let size = 0;
    const app = new App({ logger: false });
    app.use(async (ctx: Context) => {
      await new Promise<void>((resolve) => {
        ctx.req.on('data', (c: Buffer) => {
          pieces++;
          size += c.length;
        });
        ctx.req.on('end', resolve);
      });
      ctx.body = 'ok';
    });
    const { port } = await serve(app);
    await rawRequest(port, chunked(10_000), { responses: 1 });
    expect(size).toBe(10_000);
    expect(pieces).toBeLessThan(100);
  });
});

describe('a stream reader with a small bodyHighWaterMark', () => {
  it.each([
    [1, 1, 2],
    [1, 1, 50],
    [1024, 600, 3],
    [64, 100, 20],
  ])('should get every byte with bodyHighWaterMark %i and %i-byte chunks (%i of them)', async (hwm, size, count) => {
    const app = new App({ logger: false, bodyHighWaterMark: hwm });
    app.use(async (ctx: Context) => {
      let n = 0;
      for await (const c of ctx.req) n += (c as Buffer).length;
      ctx.body = `read ${n}`;
    });
    const chunk = `${size.toString(16)}\r\n${'b'.repeat(size)}\r\n`;
    const { responses } = await app.inject(
      `POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${chunk.repeat(count)}0\r\n\r\n`,
    );
    expect(responses.map((r) => r.text())).toEqual([`read ${size * count}`]);
  });
});
