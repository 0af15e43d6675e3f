/**
 * serveStatic(): conditional requests (RFC 9110 §13) and byte ranges (§14), over `app.inject`.
 * `data.bin` is 1000 bytes where byte i is i % 251, so every range is checked by value.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { App } from '../../src/index.js';
import { parseRange, serveStatic } from '../../src/middleware/index.js';
import { DATA, buildFixture, removeFixture, type StaticFixture } from './static-fixture.js';

let fx: StaticFixture;
let app: App;
let etag: string;
let lastModified: string;
beforeAll(async () => {
  fx = buildFixture();
  app = new App({ logger: false });
  app.use(serveStatic(fx.root, { prefix: '/static' }));
  const first = (await app.inject({ url: '/static/data.bin' })).responses[0]!;
  etag = String(first.headers['etag']);
  lastModified = String(first.headers['last-modified']);
});
afterAll(() => removeFixture(fx));

async function get(headers: Record<string, string>, url = '/static/data.bin', method = 'GET') {
  return (await app.inject({ method, url, headers })).responses[0]!;
}

const later = (s: string, secs: number): string => new Date(Date.parse(s) + secs * 1000).toUTCString();

describe('serveStatic() conditional GET', () => {
  it('should answer 304 with no body when If-None-Match matches the ETag', async () => {
    const res = await get({ 'if-none-match': etag });
    expect(res.status).toBe(304);
    expect(res.body.length).toBe(0);
    expect(res.headers['content-length']).toBeUndefined();
  });

  it('should keep ETag, Cache-Control and Last-Modified on a 304 (RFC 9110 §15.4.5)', async () => {
    const res = await get({ 'if-none-match': etag });
    expect(res.headers['etag']).toBe(etag);
    expect(res.headers['cache-control']).toBe('public, max-age=0');
    expect(res.headers['last-modified']).toBe(lastModified);
  });

  it('should match If-None-Match weakly: W/ tags, lists and *', async () => {
    expect((await get({ 'if-none-match': `W/${etag}` })).status).toBe(304);
    expect((await get({ 'if-none-match': `"other", ${etag}` })).status).toBe(304);
    expect((await get({ 'if-none-match': '*' })).status).toBe(304);
  });

  it('should answer 200 when If-None-Match does not match', async () => {
    const res = await get({ 'if-none-match': '"something-else"' });
    expect(res.status).toBe(200);
    expect(res.body.equals(DATA)).toBe(true);
  });

  it('should answer 304 when not modified since If-Modified-Since', async () => {
    expect((await get({ 'if-modified-since': lastModified })).status).toBe(304);
    expect((await get({ 'if-modified-since': later(lastModified, 60) })).status).toBe(304);
  });

  it('should answer 200 when modified after If-Modified-Since', async () => {
    expect((await get({ 'if-modified-since': later(lastModified, -60) })).status).toBe(200);
  });

  it('should ignore an invalid If-Modified-Since date', async () => {
    expect((await get({ 'if-modified-since': 'yesterday' })).status).toBe(200);
  });

  it('should let If-None-Match win over If-Modified-Since (RFC 9110 §13.2.2)', async () => {
    // A stale tag with a date that alone would give 304: the tag decides, 200.
    const res = await get({ 'if-none-match': '"stale"', 'if-modified-since': later(lastModified, 3600) });
    expect(res.status).toBe(200);
    // A matching tag with a date that alone would give 200: still 304.
    const res2 = await get({ 'if-none-match': etag, 'if-modified-since': later(lastModified, -3600) });
    expect(res2.status).toBe(304);
  });

  it('should answer 304 to HEAD as well', async () => {
    expect((await get({ 'if-none-match': etag }, '/static/data.bin', 'HEAD')).status).toBe(304);
  });

  it('should answer 412 when If-Match does not match', async () => {
    const res = await get({ 'if-match': '"nope"' });
    expect(res.status).toBe(412);
    expect(res.json<{ code: string }>().code).toBe('ERR_PRECONDITION_FAILED');
    expect((await get({ 'if-match': etag })).status).toBe(200);
    expect((await get({ 'if-match': '*' })).status).toBe(200);
  });

  it('should compare If-Match strongly: a W/ tag never matches', async () => {
    expect((await get({ 'if-match': `W/${etag}` })).status).toBe(412);
  });

  it('should answer 412 when modified after If-Unmodified-Since', async () => {
    expect((await get({ 'if-unmodified-since': later(lastModified, -60) })).status).toBe(412);
    expect((await get({ 'if-unmodified-since': lastModified })).status).toBe(200);
  });

  it('should ignore conditional headers for validators it was told not to send', async () => {
    const plain = new App({ logger: false });
    plain.use(serveStatic(fx.root, { prefix: '/static', etag: false, lastModified: false }));
    const res = (
      await plain.inject({
        url: '/static/data.bin',
        headers: { 'if-none-match': '*', 'if-modified-since': later(lastModified, 60) },
      })
    ).responses[0]!;
    expect(res.status).toBe(200);
  });
});

describe('serveStatic() byte ranges', () => {
  it('should answer a single range with 206, Content-Range and exactly those bytes', async () => {
    const res = await get({ range: 'bytes=0-9' });
    expect(res.status).toBe(206);
    expect(res.headers['content-range']).toBe('bytes 0-9/1000');
    expect(res.headers['content-length']).toBe('10');
    expect(res.body.equals(DATA.subarray(0, 10))).toBe(true);
  });

  it('should serve an open-ended range to the end', async () => {
    const res = await get({ range: 'bytes=990-' });
    expect(res.headers['content-range']).toBe('bytes 990-999/1000');
    expect(res.body.equals(DATA.subarray(990))).toBe(true);
  });

  it('should serve a suffix range (the last N bytes)', async () => {
    const res = await get({ range: 'bytes=-5' });
    expect(res.status).toBe(206);
    expect(res.headers['content-range']).toBe('bytes 995-999/1000');
    expect(res.body.equals(DATA.subarray(995))).toBe(true);
  });

  it('should clamp a last-pos past the end', async () => {
    const res = await get({ range: 'bytes=500-5000' });
    expect(res.headers['content-range']).toBe('bytes 500-999/1000');
    expect(res.body.equals(DATA.subarray(500))).toBe(true);
  });

  it('should answer 416 with Content-Range: bytes */size for an unsatisfiable range', async () => {
    const res = await get({ range: 'bytes=1000-1010' });
    expect(res.status).toBe(416);
    expect(res.headers['content-range']).toBe('bytes */1000');
    expect(res.json<{ code: string }>().code).toBe('ERR_RANGE_NOT_SATISFIABLE');
  });

  it('should answer 416 for a zero-length suffix', async () => {
    expect((await get({ range: 'bytes=-0' })).status).toBe(416);
  });

  it('should coalesce overlapping ranges into one 206', async () => {
    const res = await get({ range: 'bytes=0-9, 5-19' });
    expect(res.status).toBe(206);
    expect(res.headers['content-range']).toBe('bytes 0-19/1000');
  });

  it('should answer disjoint multiple ranges with the whole file (200), as documented', async () => {
    const res = await get({ range: 'bytes=0-9, 100-109' });
    expect(res.status).toBe(200);
    expect(res.body.equals(DATA)).toBe(true);
  });

  it('should ignore a malformed Range or another unit and send 200', async () => {
    for (const range of ['bytes=abc', 'bytes=9-1', 'items=0-1', 'bytes=', 'bytes=1-2-3']) {
      const res = await get({ range });
      expect(res.status, range).toBe(200);
      expect(res.body.equals(DATA)).toBe(true);
    }
  });

  it('should ignore Range on HEAD (range handling is defined for GET only)', async () => {
    const res = await get({ range: 'bytes=0-9' }, '/static/data.bin', 'HEAD');
    expect(res.status).toBe(200);
    expect(res.headers['content-length']).toBe('1000');
  });

  it('should honour Range when If-Range carries the current ETag', async () => {
    const res = await get({ range: 'bytes=0-9', 'if-range': etag });
    expect(res.status).toBe(206);
  });

  it('should send the whole file when If-Range carries a stale or weak ETag', async () => {
    expect((await get({ range: 'bytes=0-9', 'if-range': '"stale"' })).status).toBe(200);
    expect((await get({ range: 'bytes=0-9', 'if-range': `W/${etag}` })).status).toBe(200);
  });

  it('should honour Range when If-Range carries the Last-Modified date, and not another date', async () => {
    expect((await get({ range: 'bytes=0-9', 'if-range': lastModified })).status).toBe(206);
    expect((await get({ range: 'bytes=0-9', 'if-range': later(lastModified, -1) })).status).toBe(200);
  });

  it('should let 304 win over Range', async () => {
    expect((await get({ range: 'bytes=0-9', 'if-none-match': etag })).status).toBe(304);
  });

  it('should answer 416 for any range of an empty file', async () => {
    const res = await get({ range: 'bytes=0-0' }, '/static/empty.txt');
    expect(res.status).toBe(416);
    expect(res.headers['content-range']).toBe('bytes */0');
  });

  it('should not answer ranges or send Accept-Ranges with ranges: false', async () => {
    const plain = new App({ logger: false });
    plain.use(serveStatic(fx.root, { prefix: '/static', ranges: false }));
    const res = (await plain.inject({ url: '/static/data.bin', headers: { range: 'bytes=0-9' } })).responses[0]!;
    expect(res.status).toBe(200);
    expect(res.headers['accept-ranges']).toBeUndefined();
  });

  it('should answer a range of a precompressed sibling in that representation', async () => {
    const whole = await get({ 'accept-encoding': 'gzip' }, '/static/app.js');
    const part = await get({ 'accept-encoding': 'gzip', range: 'bytes=0-1' }, '/static/app.js');
    expect(part.status).toBe(206);
    expect(part.headers['content-encoding']).toBe('gzip');
    expect(part.body.equals(whole.body.subarray(0, 2))).toBe(true);
  });
});

describe('parseRange()', () => {
  it('should ignore more than 100 ranges (an amplification attempt)', () => {
    const many = `bytes=${Array.from({ length: 101 }, (_, i) => `${i}-${i}`).join(',')}`;
    expect(parseRange(many, 1000)).toBe('ignore');
  });

  it('should coalesce touching ranges', () => {
    expect(parseRange('bytes=0-9,10-19', 100)).toEqual({ start: 0, end: 19 });
  });

  it('should tolerate empty list elements and whitespace', () => {
    expect(parseRange('bytes= , 0-4 ,', 100)).toEqual({ start: 0, end: 4 });
  });

  it('should treat a suffix longer than the file as the whole file', () => {
    expect(parseRange('bytes=-5000', 100)).toEqual({ start: 0, end: 99 });
  });
});
