/**
 * Server-Sent Events (WHATWG HTML §9.2): `sse(ctx)` turns the response into an event stream and
 * returns a writer for it.
 *
 * Contract:
 * - The body is a Node Readable fed by `send()`/`comment()`; each call is pushed as ONE chunk, so a
 *   downstream encoder that flushes per chunk (`compress()` does for `text/event-stream`) delivers
 *   every event at once instead of buffering it.
 * - The stream closes exactly once — by `close()`, by the client leaving (`ctx.signal`, which the
 *   engine fires when the connection closes; a peer that vanishes silently is noticed at the next
 *   write, which the heartbeat guarantees), by the server shutting down (`ctx.signal` again, with
 *   code `ERR_SERVER_CLOSING`: the stream ends cleanly), or by the body being destroyed or
 *   replaced. Closing clears the heartbeat timer and runs the `onClose` listeners.
 * - Field values that would break the framing (CR or LF in `event`/`id`, NUL in `id`) are a
 *   TypeError: they come from code, not from the client.
 */
import { Readable } from 'node:stream';
import type { Context } from '../http/context.js';

/** Options of {@link sse}. */
export interface SseOptions {
  /** Milliseconds between heartbeat comments (keeps proxies from timing out idle streams); 0 disables. Default 15000. */
  heartbeat?: number;
  /** A `retry:` (reconnection delay, ms) sent first. */
  retry?: number;
}

/** One event. `data` that is not a string is JSON-encoded; multi-line data becomes several `data:` lines. */
export interface SseEvent {
  event?: string;
  id?: string | number;
  data?: unknown;
  /** Reconnection delay the client should use, in ms. */
  retry?: number;
}

/** The writer {@link sse} returns. */
export interface SseStream {
  /** The `Last-Event-ID` the client sent when reconnecting (`''` on a first connection). */
  readonly lastEventId: string;
  /** True once the stream closed (client gone, `close()`, or body replaced). */
  readonly closed: boolean;
  /** Sends one event. Returns false when closed, or when the client is not keeping up (buffer above the high-water mark). */
  send(event: SseEvent): boolean;
  /** Sends a comment line (`: text`), ignored by clients; the heartbeat uses it. */
  comment(text?: string): boolean;
  /** Ends the stream (the response completes normally). */
  close(): void;
  /** Runs `fn` once when the stream closes, for any reason. */
  onClose(fn: () => void): void;
}

const FORBIDDEN_FIELD = /[\r\n]/;

/**
 * Starts an event stream as the response: status 200, `content-type: text/event-stream`,
 * `cache-control: no-cache`, and a body that stays open until closed.
 *
 * @example
 * app.get('/events', (ctx) => {
 *   const stream = sse(ctx, { heartbeat: 15_000 })
 *   const timer = setInterval(() => stream.send({ event: 'tick', data: { now: Date.now() } }), 1000)
 *   stream.onClose(() => clearInterval(timer))
 * })
 */
export function sse(ctx: Context, options: SseOptions = {}): SseStream {
  const listeners: (() => void)[] = [];
  let closed = false;
  let timer: NodeJS.Timeout | null = null;
  const body = new Readable({
    read() {},
    destroy(err, cb) {
      finish();
      cb(err);
    },
  });

  const finish = (): void => {
    if (closed) return;
    closed = true;
    if (timer !== null) clearInterval(timer);
    ctx.signal.removeEventListener('abort', onAbort);
    for (const fn of listeners.splice(0)) fn();
  };
  const onAbort = (): void => {
    finish();
    // Server shutdown: end the stream cleanly (the client sees a complete response and reconnects
    // elsewhere); the client gone: nothing can be written, so let go of the stream.
    if ((ctx.signal.reason as { code?: unknown } | undefined)?.code === 'ERR_SERVER_CLOSING') body.push(null);
    else body.destroy();
  };
  const push = (text: string): boolean => {
    if (closed) return false;
    if (text === '') return true;
    return body.push(text, 'utf8');
  };

  ctx.status = 200;
  ctx.set('content-type', 'text/event-stream; charset=utf-8');
  ctx.set('cache-control', 'no-cache');
  // nginx buffers proxied responses unless told otherwise; an event stream must not be.
  ctx.set('x-accel-buffering', 'no');
  ctx.body = body;
  ctx.remove('content-length');
  if (ctx.signal.aborted) onAbort();
  else ctx.signal.addEventListener('abort', onAbort);
  if (options.retry !== undefined) push(`retry: ${retryValue(options.retry)}\n\n`);
  const every = options.heartbeat ?? 15_000;
  if (every > 0 && !closed) {
    timer = setInterval(() => push(': heartbeat\n\n'), every);
    // A heartbeat alone must not keep the process alive (a test runner, a graceful shutdown).
    timer.unref();
  }

  return {
    lastEventId: ctx.get('last-event-id'),
    get closed() {
      return closed;
    },
    send: (ev) => push(formatEvent(ev)),
    comment: (text = '') =>
      push(
        `${text
          .split(/\r\n|\r|\n/)
          .map((l) => `: ${l}`)
          .join('\n')}\n\n`,
      ),
    close: () => {
      if (closed) return;
      finish();
      body.push(null);
    },
    onClose: (fn) => {
      if (closed) fn();
      else listeners.push(fn);
    },
  };
}

/**
 * Serialises one event in the `text/event-stream` format.
 *
 * @throws {TypeError} on CR/LF in `event` or `id`, NUL in `id`, or a `retry` that is not a non-negative integer
 * @example formatEvent({ event: 'tick', id: 7, data: 'a\nb' }) // 'id: 7\nevent: tick\ndata: a\ndata: b\n\n'
 */
export function formatEvent(ev: SseEvent): string {
  let out = '';
  if (ev.retry !== undefined) out += `retry: ${retryValue(ev.retry)}\n`;
  if (ev.id !== undefined) {
    const id = String(ev.id);
    // The spec ignores an id containing NUL; one with a line break would end the field early.
    if (FORBIDDEN_FIELD.test(id) || id.includes('\0')) throw new TypeError('SSE id must not contain CR, LF or NUL');
    out += `id: ${id}\n`;
  }
  if (ev.event !== undefined) {
    if (FORBIDDEN_FIELD.test(ev.event)) throw new TypeError('SSE event name must not contain CR or LF');
    out += `event: ${ev.event}\n`;
  }
  if (ev.data !== undefined) {
    const text = typeof ev.data === 'string' ? ev.data : JSON.stringify(ev.data);
    for (const line of text.split(/\r\n|\r|\n/)) out += `data: ${line}\n`;
  }
  return out === '' ? '' : `${out}\n`;
}

function retryValue(ms: number): number {
  if (!Number.isInteger(ms) || ms < 0) throw new TypeError(`SSE retry must be a non-negative integer, got ${ms}`);
  return ms;
}
