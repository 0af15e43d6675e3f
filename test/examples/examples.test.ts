/**
 * Every example answers as its header says, so the docs never rot: each example's exported `app`
 * through `app.inject`, and `examples/hello.ts` started for real as `npm start` would.
 */
import { spawn } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { app as hello } from '../../examples/hello.js';
import { createApp, type Todo } from '../../examples/rest.js';
import type { App } from '../../src/index.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

async function send(app: App, method: string, url: string, body?: string | object, headers?: Record<string, string>) {
  const { responses } = await app.inject({ method, url, headers, ...(body === undefined ? {} : { body }) });
  return responses[0]!;
}

describe('examples/hello.ts', () => {
  it('should answer GET / with {"message":"Hello, world!"} as application/json', async () => {
    const res = await send(hello, 'GET', '/');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.text()).toBe('{"message":"Hello, world!"}');
  });

  it('should answer GET /user/42 with its id', async () => {
    expect((await send(hello, 'GET', '/user/42')).json()).toEqual({ id: '42' });
  });

  it('should start as a program, serve GET /, and stop on SIGTERM', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', 'examples/hello.ts'], {
      cwd: ROOT,
      env: { ...process.env, PORT: String(port), HOST: '127.0.0.1' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      await waitForListener(port, exited, () => stderr);
      const res = await fetch(`http://127.0.0.1:${port}/`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ message: 'Hello, world!' });
    } finally {
      child.kill('SIGTERM');
    }
    // `signals: true`: SIGTERM closes the server gracefully and the process exits on its own.
    expect(await exited).toBe(0);
  });
});

describe('examples/rest.ts', () => {
  it('should create, read, list, update and delete a todo', async () => {
    const app = createApp();
    const created = await send(app, 'POST', '/api/todos', { title: ' Write docs ' });
    expect(created.status).toBe(201);
    const todo = created.json<Todo>();
    expect(todo).toEqual({ id: 1, title: 'Write docs', done: false });
    expect(created.headers['location']).toBe('/api/todos/1');

    expect((await send(app, 'GET', '/api/todos/1')).json()).toEqual(todo);
    expect((await send(app, 'GET', '/api/todos')).json()).toEqual([todo]);

    const patched = await send(app, 'PATCH', '/api/todos/1', { done: true });
    expect(patched.json()).toEqual({ ...todo, done: true });

    expect((await send(app, 'DELETE', '/api/todos/1')).status).toBe(204);
    expect((await send(app, 'GET', '/api/todos/1')).status).toBe(404);
    expect((await send(app, 'GET', '/api/todos')).json()).toEqual([]);
  });

  it('should answer bad input with problem+json errors', async () => {
    const app = createApp();
    const json = { 'content-type': 'application/json' };
    const badJson = await send(app, 'POST', '/api/todos', '{"title":', json);
    expect(badJson.status).toBe(400);
    expect(badJson.json()).toMatchObject({ status: 400, code: 'ERR_BODY_INVALID_JSON' });
    expect((await send(app, 'POST', '/api/todos', { title: '' })).status).toBe(400);
    expect((await send(app, 'POST', '/api/todos', { title: 'x', done: 'yes' })).status).toBe(400);
    expect(
      (await send(app, 'POST', '/api/todos', 'title=x', { 'content-type': 'application/x-www-form-urlencoded' }))
        .status,
    ).toBe(415);
    expect((await send(app, 'POST', '/api/todos', JSON.stringify({ title: 'x'.repeat(20_000) }), json)).status).toBe(
      413,
    );
    expect((await send(app, 'GET', '/api/todos/99')).status).toBe(404);
    expect((await send(app, 'GET', '/api/todos/abc')).status).toBe(404);
    const notAllowed = await send(app, 'PUT', '/api/todos/1');
    expect(notAllowed.status).toBe(405);
    expect(notAllowed.headers['allow']).toBe('DELETE, GET, HEAD, OPTIONS, PATCH');
  });
});

/** A port that was free a moment ago: bind to 0, read it, close. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once `port` accepts a connection; rejects if the process exits first or after ~10 s. */
async function waitForListener(port: number, exited: Promise<number | null>, stderr: () => string): Promise<void> {
  let gone = false;
  void exited.then(() => (gone = true));
  for (let attempt = 0; attempt < 200; attempt++) {
    if (gone) throw new Error(`examples/hello.ts exited before listening:\n${stderr()}`);
    if (await canConnect(port)) return;
    // Poll: each failed connect is refused at once, so pace the retries a little.
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`examples/hello.ts did not listen on ${port}:\n${stderr()}`);
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
