/**
 * `query()`: nesting, limits and prototype safety of `ctx.query`, through `app.inject`.
 */
import { describe, expect, it } from 'vitest';
import { App } from '../../src/index.js';
import { createQueryParser, query, type QueryOptions } from '../../src/middleware/index.js';

async function parsed(url: string, options?: QueryOptions): Promise<unknown> {
  const app = new App();
  if (options !== undefined) app.use(query(options));
  app.use((ctx) => {
    ctx.body = { q: ctx.query, url: ctx.url };
  });
  const { responses } = await app.inject({ url });
  return responses[0]!.json<{ q: unknown }>().q;
}

describe('query()', () => {
  it('should make repeated keys arrays and keep brackets literal by default', async () => {
    expect(await parsed('/?a=1&a=2&b[c]=3&d=x%20y+z', {})).toEqual({ a: ['1', '2'], 'b[c]': '3', d: 'x y z' });
  });

  it('should nest a[b][c]=v when nested is on', async () => {
    expect(await parsed('/?a[b][c]=1&a[d]=2&e=3', { nested: true })).toEqual({ a: { b: { c: '1' }, d: '2' }, e: '3' });
  });

  it('should build arrays from a[]= and small a[n]= indexes, in index order without holes', async () => {
    expect(await parsed('/?a[]=x&a[]=y&b[2]=c&b[0]=a&c[100]=z', { nested: true })).toEqual({
      a: ['x', 'y'],
      b: ['a', 'c'],
      c: { 100: 'z' },
    });
  });

  it('should keep the rest of a key deeper than depth as one literal key', async () => {
    expect(await parsed('/?a[b][c][d]=1', { nested: true, depth: 2 })).toEqual({ a: { b: { c: { '[d]': '1' } } } });
  });

  it('should stop at depth 5 by default', async () => {
    const q = await parsed('/?a[b][c][d][e][f][g][h]=x', { nested: true });
    expect(JSON.stringify(q)).toBe('{"a":{"b":{"c":{"d":{"e":{"f":{"[g][h]":"x"}}}}}}}');
  });

  it('should ignore parameters past parameterLimit, as qs does', async () => {
    expect(await parsed('/?a=1&b=2&c=3&d=4', { parameterLimit: 2 })).toEqual({ a: '1', b: '2' });
  });

  it('should read 1000 parameters by default and ignore the 1001st', async () => {
    const qs = Array.from({ length: 1001 }, (_, i) => `k${i}=${i}`).join('&');
    const q = createQueryParser()(qs);
    expect(Object.keys(q)).toHaveLength(1000);
    expect(q['k1000']).toBeUndefined();
  });

  it('should never let __proto__, constructor or prototype become keys, flat or nested', async () => {
    const q = (await parsed(
      '/?__proto__[x]=1&a[__proto__][y]=2&constructor[prototype][z]=3&b[prototype]=4&__proto__=5&ok=1',
      { nested: true },
    )) as Record<string, unknown>;
    expect(q).toEqual({ ok: '1' });
    expect(({} as Record<string, unknown>)['x']).toBeUndefined();
    expect(({} as Record<string, unknown>)['z']).toBeUndefined();
    const raw = createQueryParser({ nested: true })('a[b]=1');
    expect(Object.getPrototypeOf(raw)).toBeNull();
    expect(Object.getPrototypeOf(raw['a'])).toBeNull();
  });

  it('should keep the first form when a key is used both as a value and as an object', async () => {
    expect(await parsed('/?a=1&a[b]=2', { nested: true })).toEqual({ a: '1' });
  });

  it('should leave the URL as sent and parse lazily', async () => {
    const app = new App();
    app.use(query({ nested: true }));
    app.use((ctx) => {
      const before = ctx.url;
      const q = ctx.query;
      ctx.body = { before, after: ctx.url, same: ctx.query === q };
    });
    const { responses } = await app.inject({ url: '/p?a[b]=1' });
    expect(responses[0]!.json()).toEqual({ before: '/p?a[b]=1', after: '/p?a[b]=1', same: true });
  });

  it('should re-parse with its rules when the URL is rewritten', async () => {
    const app = new App();
    app.use(query({ nested: true }));
    app.use((ctx) => {
      ctx.querystring = 'x[y]=z';
      ctx.body = ctx.query;
    });
    const { responses } = await app.inject({ url: '/?a=1' });
    expect(responses[0]!.json()).toEqual({ x: { y: 'z' } });
  });

  it('should keep a malformed escape as written', async () => {
    expect(await parsed('/?a=%E0%A4%A&b=%zz', { nested: true })).toEqual({ a: '%E0%A4%A', b: '%zz' });
  });
});
