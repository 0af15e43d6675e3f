/**
 * serveStatic: a GET of at most 64 KiB is read whole with one read() and sent as bytes with its
 * head (bench/README.md: 64 KiB file, ~245 → ~171 µs CPU per request); larger files, and HEAD,
 * keep streaming the open descriptor. Either way the bytes, length and range are the file's.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { App } from '../../src/index.js';
import { serveStatic } from '../../src/middleware/index.js';

const dir = mkdtempSync(path.join(tmpdir(), 'shallot-static-small-'));
const small = Buffer.alloc(64 * 1024, 'a');
const large = Buffer.alloc(64 * 1024 + 1, 'b');
writeFileSync(path.join(dir, 'small.txt'), small);
writeFileSync(path.join(dir, 'large.txt'), large);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** An app serving `dir`, recording what kind of body serveStatic left. */
function app(): { app: App; kinds: string[] } {
  const a = new App({ logger: false });
  const kinds: string[] = [];
  a.use(async (ctx, next) => {
    await next();
    kinds.push(Buffer.isBuffer(ctx.body) ? 'bytes' : ctx.body instanceof Readable ? 'stream' : typeof ctx.body);
  });
  a.use(serveStatic(dir));
  return { app: a, kinds };
}

describe('serveStatic: small files', () => {
  it('should send a file of at most 64 KiB as bytes read whole, with its length', async () => {
    const { app: a, kinds } = app();
    const { responses } = await a.inject({ url: '/small.txt' });
    expect(responses[0]!.status).toBe(200);
    expect(responses[0]!.headers['content-length']).toBe(String(small.length));
    expect(responses[0]!.body.equals(small)).toBe(true);
    expect(kinds).toEqual(['bytes']);
  });

  it('should read only the range asked for, and answer 206 with it', async () => {
    const { app: a, kinds } = app();
    const { responses } = await a.inject({ url: '/small.txt', headers: { range: 'bytes=10-19' } });
    expect(responses[0]!.status).toBe(206);
    expect(responses[0]!.headers['content-range']).toBe(`bytes 10-19/${small.length}`);
    expect(responses[0]!.text()).toBe('a'.repeat(10));
    expect(kinds).toEqual(['bytes']);
  });

  it('should stream a larger file, and answer HEAD without reading', async () => {
    const { app: a, kinds } = app();
    const { responses } = await a.inject({ url: '/large.txt' });
    expect(responses[0]!.body.equals(large)).toBe(true);
    const head = await a.inject({ method: 'HEAD', url: '/small.txt' });
    expect(head.responses[0]!.headers['content-length']).toBe(String(small.length));
    expect(kinds).toEqual(['stream', 'stream']);
  });
});
