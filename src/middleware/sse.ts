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
  return EventStream.open(ctx, options);
}

const kFinish = Symbol('shallot.sse.finish');

/** The body: a Readable pushed to by its {@link EventStream}, which learns of its destruction. */
class EventBody extends Readable {
  readonly #owner: EventStream;

  constructor(owner: EventStream) {
    super();
    this.#owner = owner;
  }

  override _read(): void {}

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.#owner[kFinish]();
    cb(err);
  }
}

/**
 * {@link SseStream}, as one object with prototype methods: an open stream is held for as long as
 * the client listens, so its state is fields rather than closures (bench/README.md, "SSE"). It is
 * its own `abort` listener on `ctx.signal` (`handleEvent`).
 */
class EventStream implements SseStream {
  readonly lastEventId: string;
  readonly #body: EventBody;
  readonly #signal: AbortSignal;
  #closed = false;
  #timer: NodeJS.Timeout | null = null;
  /** One listener as itself, more as an array: a stream usually has one. */
  #listeners: (() => void) | (() => void)[] | null = null;

  private constructor(ctx: Context) {
    this.lastEventId = ctx.get('last-event-id');
    this.#signal = ctx.signal;
    this.#body = new EventBody(this);
  }

  static open(ctx: Context, options: SseOptions): EventStream {
    const stream = new EventStream(ctx);
    ctx.status = 200;
    ctx.set('content-type', 'text/event-stream; charset=utf-8');
    ctx.set('cache-control', 'no-cache');
    // nginx buffers proxied responses unless told otherwise; an event stream must not be.
    ctx.set('x-accel-buffering', 'no');
    ctx.body = stream.#body;
    ctx.remove('content-length');
    const signal = stream.#signal;
    if (signal.aborted) stream.#abort(signal.reason);
    else signal.addEventListener('abort', stream);
    if (options.retry !== undefined) stream.#push(`retry: ${retryValue(options.retry)}\n\n`);
    const every = options.heartbeat ?? 15_000;
    if (every > 0 && !stream.#closed) {
      stream.#timer = setInterval(() => stream.#push(': heartbeat\n\n'), every);
      // A heartbeat alone must not keep the process alive (a test runner, a graceful shutdown).
      stream.#timer.unref();
    }
    return stream;
  }

  get closed(): boolean {
    return this.#closed;
  }

  send(ev: SseEvent): boolean {
    return this.#push(formatEvent(ev));
  }

  comment(text = ''): boolean {
    return this.#push(
      `${text
        .split(/\r\n|\r|\n/)
        .map((l) => `: ${l}`)
        .join('\n')}\n\n`,
    );
  }

  close(): void {
    if (this.#closed) return;
    this[kFinish]();
    this.#body.push(null);
  }

  onClose(fn: () => void): void {
    if (this.#closed) fn();
    else {
      const l = this.#listeners;
      this.#listeners = l === null ? fn : typeof l === 'function' ? [l, fn] : (l.push(fn), l);
    }
  }

  #push(text: string): boolean {
    if (this.#closed) return false;
    if (text === '') return true;
    return this.#body.push(text, 'utf8');
  }

  /** `ctx.signal` fired. */
  handleEvent(): void {
    this.#abort(this.#signal.reason);
  }

  #abort(reason: unknown): void {
    this[kFinish]();
    // Server shutdown: end the stream cleanly (the client sees a complete response and reconnects
    // elsewhere); the client gone: nothing can be written, so let go of the stream.
    if ((reason as { code?: unknown } | undefined)?.code === 'ERR_SERVER_CLOSING') this.#body.push(null);
    else this.#body.destroy();
  }

  /** Closes once: the timer cleared, the signal let go, the listeners run. */
  [kFinish](): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#signal.removeEventListener('abort', this);
    const l = this.#listeners;
    this.#listeners = null;
    if (typeof l === 'function') l();
    else if (l !== null) for (const fn of l) fn();
  }
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
