/**
 * examples/chat.ts over real sockets: a signed cookie from POST /login lets a WebSocket into a
 * room, where every message is broadcast to the room and to no other; without it the upgrade is
 * answered 401 as HTTP.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { createApp } from '../../examples/chat.js';
import { closeAll, serve } from '../helpers/server.js';

afterEach(closeAll);

interface ChatMessage {
  from: string;
  text: string;
}

/** A member of a room: its socket and the messages it received, awaited one at a time. */
class Member {
  readonly queue: ChatMessage[] = [];
  readonly #waiters: ((m: ChatMessage) => void)[] = [];
  constructor(readonly ws: WebSocket) {
    ws.on('message', (d: Buffer) => {
      const m = JSON.parse(d.toString()) as ChatMessage;
      const w = this.#waiters.shift();
      if (w === undefined) this.queue.push(m);
      else w(m);
    });
  }

  next(): Promise<ChatMessage> {
    const m = this.queue.shift();
    return m === undefined ? new Promise((resolve) => this.#waiters.push(resolve)) : Promise.resolve(m);
  }
}

async function login(url: string, name: string): Promise<string> {
  const res = await fetch(`${url}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name }),
  });
  expect(res.status).toBe(204);
  return res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
}

function join(port: number, room: string, cookie?: string): Promise<Member> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/rooms/${room}`, cookie === undefined ? {} : { headers: { cookie } });
  const member = new Member(ws);
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(member));
    ws.once('unexpected-response', (_req, res) => {
      reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode }));
      res.resume();
    });
    ws.once('error', reject);
  });
}

describe('examples/chat.ts', () => {
  it('should refuse a WebSocket without the login cookie with 401', async () => {
    const { port } = await serve(createApp());
    const err = await join(port, 'lobby').catch((e: { status: number }) => e);
    expect((err as { status: number }).status).toBe(401);
    const forged = await join(port, 'lobby', 'user=ada').catch((e: { status: number }) => e);
    expect((forged as { status: number }).status).toBe(401);
  });

  it('should broadcast to the members of a room and to no other room', async () => {
    const { port, url } = await serve(createApp());
    const ada = await join(port, 'lobby', await login(url, 'ada'));
    expect(await ada.next()).toMatchObject({ from: 'server', text: 'ada joined' });
    const bob = await join(port, 'lobby', await login(url, 'bob'));
    expect(await ada.next()).toMatchObject({ text: 'bob joined' });
    expect(await bob.next()).toMatchObject({ text: 'bob joined' });
    const eve = await join(port, 'other', await login(url, 'eve'));
    expect(await eve.next()).toMatchObject({ text: 'eve joined' });

    bob.ws.send('hello ada');
    expect(await ada.next()).toMatchObject({ from: 'bob', text: 'hello ada' });
    expect(await bob.next()).toMatchObject({ from: 'bob', text: 'hello ada' });
    eve.ws.send('anyone?');
    expect(await eve.next()).toMatchObject({ from: 'eve', text: 'anyone?' });
    // Eve's message reached her room only: the next thing Ada hears is Bob leaving.
    bob.ws.close();
    expect(await ada.next()).toMatchObject({ from: 'server', text: 'bob left' });
    expect(ada.queue).toEqual([]);
    ada.ws.terminate();
    eve.ws.terminate();
  });
});
