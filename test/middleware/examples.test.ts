/**
 * examples/validation.ts, examples/middleware.ts and examples/upload.ts answer as their headers say
 * (through `app.inject`), and each starts as a program and serves a request.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createApp as createBooks, type Book } from '../../examples/validation.js';
import { createApp as createStack } from '../../examples/middleware.js';
import { createApp as createUploads } from '../../examples/upload.js';
import { FORM_TYPE, form } from './multipart-fixture.js';
import type { App } from '../../src/index.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The environment of an example run as a program: port 0, and logging on (it is silent under the test runner). */
function programEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_PRETTY: '0',
    NODE_ENV: 'development',
  };
  for (const k of Object.keys(env)) if (k.startsWith('VITEST')) delete env[k];
  return env;
}

async function send<S extends object>(
  app: App<S>,
  method: string,
  url: string,
  body?: object,
  headers: Record<string, string> = {},
) {
  const { responses } = await app.inject({ method, url, headers, ...(body === undefined ? {} : { body }) });
  return responses[0]!;
}

describe('examples/validation.ts', () => {
  it('should create, list, read, update, patch and delete a book', async () => {
    const app = createBooks();
    const created = await send(app, 'POST', '/books', { title: ' Dune ', author: 'Herbert', year: 1965, tags: ['sf'] });
    expect(created.status).toBe(201);
    expect(created.headers['location']).toBe('/books/1');
    expect(created.json<Book>()).toEqual({ id: 1, title: 'Dune', author: 'Herbert', year: 1965, tags: ['sf'] });
    await send(app, 'POST', '/books', { title: 'Emma', author: 'Austen', year: 1815 });
    expect((await send(app, 'GET', '/books?tag=sf')).json()).toMatchObject({ total: 1, items: [{ id: 1 }] });
    expect((await send(app, 'GET', '/books?limit=1&offset=1')).json()).toMatchObject({ total: 2, items: [{ id: 2 }] });
    expect((await send(app, 'GET', '/books/2')).json<Book>().title).toBe('Emma');
    expect(
      (await send(app, 'PUT', '/books/2', { title: 'Persuasion', author: 'Austen', year: 1817 })).json<Book>().year,
    ).toBe(1817);
    expect((await send(app, 'PATCH', '/books/2', { year: 1818 })).json<Book>()).toMatchObject({
      title: 'Persuasion',
      year: 1818,
    });
    expect((await send(app, 'DELETE', '/books/2')).status).toBe(204);
    expect((await send(app, 'GET', '/books/2')).json()).toMatchObject({ status: 404, code: 'ERR_BOOK_NOT_FOUND' });
  });

  it('should answer one 400 listing each invalid field', async () => {
    const app = createBooks();
    const res = await send(app, 'POST', '/books', { title: '', year: 'soon', tags: ['ok', ''] });
    expect(res.status).toBe(400);
    const pointers = res.json<{ errors: { in: string; pointer: string }[] }>().errors.map((e) => `${e.in}${e.pointer}`);
    expect(pointers).toEqual(['body/title', 'body/author', 'body/year', 'body/tags/1']);
    expect((await send(app, 'GET', '/books/zero')).json()).toMatchObject({
      errors: [{ in: 'params', pointer: '/id' }],
    });
    expect((await send(app, 'GET', '/books?limit=1000')).json()).toMatchObject({
      errors: [{ in: 'query', pointer: '/limit', code: 'too_big' }],
    });
  });
});

describe('examples/middleware.ts', () => {
  it('should time every response, errors included', async () => {
    const app = createStack();
    expect((await send(app, 'GET', '/')).headers['server-timing']).toMatch(/^app;dur=\d+\.\d$/);
    expect((await send(app, 'GET', '/admin/me')).headers['server-timing']).toMatch(/^app;dur=/);
  });

  it('should ask for a bearer token, and know the user who sends one', async () => {
    const app = createStack();
    const anon = await send(app, 'GET', '/admin/me');
    expect(anon.status).toBe(401);
    expect(anon.headers['www-authenticate']).toBe('Bearer');
    const ada = await send(app, 'GET', '/admin/me', undefined, { authorization: 'Bearer t0ken-ada' });
    expect(ada.json()).toEqual({ user: 'ada', role: 'admin' });
    expect(ada.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('should let admins write notes and refuse readers', async () => {
    const app = createStack();
    const wrote = await send(app, 'POST', '/admin/notes', { text: 'hi' }, { authorization: 'Bearer t0ken-ada' });
    expect(wrote.status).toBe(201);
    const refused = await send(app, 'POST', '/admin/notes', { text: 'hi' }, { authorization: 'Bearer t0ken-bob' });
    expect(refused.status).toBe(403);
    expect((await send(app, 'GET', '/admin/notes', undefined, { authorization: 'Bearer t0ken-bob' })).json()).toEqual([
      { by: 'ada', text: 'hi' },
    ]);
  });

  it('should answer a browser with the custom 404 page', async () => {
    const res = await send(createStack(), 'GET', '/nope', undefined, { accept: 'text/html' });
    expect(res.status).toBe(404);
    expect(res.text()).toContain('Nothing at this address');
  });
});

describe('examples/upload.ts', () => {
  const upload = async (url: string, payload: Buffer) =>
    (await createUploads().inject({ method: 'POST', url, headers: { 'content-type': FORM_TYPE }, body: payload }))
      .responses[0]!;

  it('should take an image avatar with its alt text, and refuse another type with 415', async () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
    const ok = await upload(
      '/avatar',
      form([
        { name: 'alt', value: ' Me ' },
        { name: 'avatar', filename: 'me.png', data: png, type: 'image/png' },
      ]),
    );
    expect(ok.status).toBe(201);
    expect(ok.json()).toEqual({ alt: 'Me', filename: 'me.png', type: 'image/png', size: 7, head: '89504e47' });
    const refused = await upload(
      '/avatar',
      form([{ name: 'avatar', filename: 'a.txt', data: 'x', type: 'text/plain' }]),
    );
    expect(refused.json()).toMatchObject({ status: 415, code: 'ERR_MULTIPART_FILE_TYPE' });
  });

  it('should stream each file through a SHA-256', async () => {
    const res = await upload('/checksums', form([{ name: 'a', filename: 'a.txt', data: 'abc' }]));
    expect(res.json()).toEqual([
      {
        field: 'a',
        filename: 'a.txt',
        size: 3,
        sha256: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
      },
    ]);
  });
});

describe.each([
  ['examples/validation.ts', '/books', (b: unknown) => expect(b).toEqual({ total: 0, items: [] })],
  [
    'examples/upload.ts',
    '/',
    (b: unknown) => expect(b).toEqual({ avatar: 'POST /avatar', checksums: 'POST /checksums' }),
  ],
  ['examples/middleware.ts', '/', (b: unknown) => expect(b).toEqual({ hello: 'world' })],
  ['examples/chat.ts', '/', (b: unknown) => expect(b).toEqual({ page: '/static/chat.html', rooms: [] })],
])('%s as a program', (file, path, check) => {
  it('should start, serve a request, and stop on SIGTERM', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', file], {
      cwd: ROOT,
      env: programEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      // The app logs its URL once listening (JSON lines), so the port is read, not guessed.
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (c: Buffer) => {
          out += c.toString();
          const m = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
          if (m !== null) resolve(m[1]!);
        });
        void exited.then(() => reject(new Error(`exited before listening: ${out}`)));
      });
      const res = await fetch(url + path);
      expect(res.status).toBe(200);
      check(await res.json());
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });
});
