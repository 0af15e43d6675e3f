/**
 * `ctx.cookies`: the `cookies` package as Koa uses it, keyed with `app.keys`. Signed cookies must
 * survive key rotation: a new key is prepended, and a cookie signed with the old key still
 * verifies (and is re-signed with the new one).
 */
import { describe, expect, it } from 'vitest';
import { App, type AppOptions, type Middleware } from '../../src/http/app.js';
import type { InjectRequest } from '../../src/engine/inject.js';
import { inject } from '../helpers/transport.js';

async function send(opts: AppOptions, mw: Middleware, req: InjectRequest = {}) {
  const app = new App({ logger: false, ...opts });
  app.use(mw);
  const { responses } = await inject(app, { method: 'GET', url: '/', ...req });
  return responses[0]!;
}

function setCookies(res: { headers: Record<string, string | string[]> }): string[] {
  const v = res.headers['set-cookie'];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/** `name=value` pairs of Set-Cookie lines, as a Cookie header would send them back. */
function cookieHeader(lines: string[]): string {
  return lines.map((l) => l.split(';', 1)[0]).join('; ');
}

const setSigned: Middleware = (ctx) => {
  ctx.cookies.set('sid', '42', { signed: true });
  ctx.body = '';
};

const readSigned: Middleware = (ctx) => {
  ctx.body = { sid: ctx.cookies.get('sid', { signed: true }) ?? null };
};

describe('ctx.cookies', () => {
  it('should read request cookies and write Set-Cookie lines', async () => {
    const res = await send(
      {},
      (ctx) => {
        ctx.cookies.set('theme', 'dark', { httpOnly: false });
        ctx.cookies.set('lang', 'en');
        ctx.body = { a: ctx.cookies.get('a') ?? null, missing: ctx.cookies.get('missing') ?? null };
      },
      { headers: { cookie: 'a=1; b=2' } },
    );
    expect(res.json()).toEqual({ a: '1', missing: null });
    expect(setCookies(res)).toEqual(['theme=dark; path=/', 'lang=en; path=/; httponly']);
  });

  it('should sign with the first key and verify a signed cookie', async () => {
    const set = await send({ keys: ['k1'] }, setSigned);
    const lines = setCookies(set);
    expect(lines.map((l) => l.split('=', 1)[0])).toEqual(['sid', 'sid.sig']);
    const read = await send({ keys: ['k1'] }, readSigned, { headers: { cookie: cookieHeader(lines) } });
    expect(read.json()).toEqual({ sid: '42' });
  });

  it('should reject a tampered signed cookie', async () => {
    const lines = setCookies(await send({ keys: ['k1'] }, setSigned));
    const forged = cookieHeader(lines).replace('sid=42', 'sid=1');
    const read = await send({ keys: ['k1'] }, readSigned, { headers: { cookie: forged } });
    expect(read.json()).toEqual({ sid: null });
  });

  it('should verify a cookie signed with a rotated-out key, and re-sign it with the newest', async () => {
    const oldLines = setCookies(await send({ keys: ['old'] }, setSigned));
    const rotated = await send({ keys: ['new', 'old'] }, readSigned, { headers: { cookie: cookieHeader(oldLines) } });
    expect(rotated.json()).toEqual({ sid: '42' });
    const resigned = setCookies(rotated);
    expect(resigned).toHaveLength(1);
    expect(resigned[0]).toMatch(/^sid\.sig=/);
    // The refreshed signature verifies with the new key alone; the old one no longer does.
    const cookie = `sid=42; ${resigned[0]!.split(';', 1)[0]}`;
    expect((await send({ keys: ['new'] }, readSigned, { headers: { cookie } })).json()).toEqual({ sid: '42' });
    expect((await send({ keys: ['new'] }, readSigned, { headers: { cookie: cookieHeader(oldLines) } })).json()).toEqual(
      { sid: null },
    );
  });

  it('should refuse a signed cookie when the app has no keys', async () => {
    const res = await send({}, setSigned);
    expect(res.status).toBe(500);
  });

  it('should refuse a secure cookie over plain HTTP, and allow it behind a trusted TLS proxy', async () => {
    const secure: Middleware = (ctx) => {
      ctx.cookies.set('s', '1', { secure: true });
      ctx.body = '';
    };
    expect((await send({}, secure)).status).toBe(500);
    const proxied = await send({ proxy: true }, secure, { headers: { 'x-forwarded-proto': 'https' } });
    expect(proxied.status).toBe(200);
    expect(setCookies(proxied)[0]).toContain('secure');
  });

  it('should leave the request body to whoever reads it', async () => {
    const res = await send(
      {},
      async (ctx) => {
        ctx.cookies.get('a');
        let body = '';
        for await (const chunk of ctx.req) body += String(chunk);
        ctx.body = body;
      },
      { method: 'POST', body: 'payload', headers: { cookie: 'a=1' } },
    );
    expect(res.text()).toBe('payload');
  });
});
