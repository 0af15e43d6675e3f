/**
 * What a response body can be, and how each kind is recognised: the classification behind
 * `ctx.body`'s rules (in `response.ts`) and of what `respond.ts` hands the engine.
 */
import { Readable } from 'node:stream';
import type { BodyStream } from '../engine/body-stream.js';
import { ignore } from '../engine/ignore.js';

/** The WHATWG fetch `Response` (not shallot's `Response`, which is `ctx.response`). */
type FetchResponse = InstanceType<typeof globalThis.Response>;

/**
 * Body values the response knows how to send: text, bytes, a Node Readable, a web ReadableStream,
 * an async iterable, a `Blob`, a fetch `Response`, anything else as JSON; `null` for no content.
 */
export type ResponseBody =
  | string
  | Buffer
  | Uint8Array
  | Readable
  | ReadableStream
  | AsyncIterable<unknown>
  | Blob
  | FetchResponse
  | object
  | null
  | undefined;

export type { BodyStream };

/**
 * A readable stream of another implementation — `readable-stream@2`, which Koa middleware such as
 * koa-json's streaming mode still makes — recognised as Koa's `is-stream` does, by `pipe()`.
 */
export interface LegacyStream {
  pipe(destination: NodeJS.WritableStream, options?: { end?: boolean }): unknown;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
}

/**
 * Node Readable, web ReadableStream, async iterable, or another implementation's stream (see
 * {@link LegacyStream}); strings and buffers are not streams here.
 *
 * @example isStreamLike(fs.createReadStream(file)) // true
 */
export function isStreamLike(v: unknown): v is BodyStream | LegacyStream {
  if (typeof v !== 'object' || v === null) return false;
  if (v instanceof Readable) return true;
  if (typeof (v as ReadableStream).getReader === 'function') return true;
  if (typeof (v as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function') return true;
  return isLegacy(v);
}

function isLegacy(v: object): v is LegacyStream {
  return typeof (v as LegacyStream).pipe === 'function' && typeof (v as LegacyStream).on === 'function';
}

/**
 * The stream to send for a body that is sent as a stream — a stream itself, a `Blob`, or a fetch
 * `Response` — or null for a body that is serialised at once (string, bytes, JSON).
 *
 * @example const s = bodyStream(ctx.body); if (s !== null) for await (const chunk of s) write(chunk)
 */
export function bodyStream(body: unknown): BodyStream | null {
  if (isStreamLike(body)) {
    // Another implementation's stream is read through a Node Readable (Readable#wrap listens to
    // its data, end and error, and pauses it for backpressure).
    if (!(body instanceof Readable) && isLegacy(body) && !isNodeOrWebStream(body)) {
      return new Readable({ objectMode: false }).wrap(body as unknown as NodeJS.ReadableStream);
    }
    return body as BodyStream;
  }
  if (body instanceof Blob) return body.stream();
  if (isFetchResponse(body)) return body.body ?? Readable.from([]);
  return null;
}

/**
 * Whether `v` is a fetch `Response`. Told by its tag first: reading `globalThis.Response` loads
 * Node's fetch (undici, and with it node:http, node:tls and node:http2), which a plain body must
 * not pay for on an app's first response.
 *
 * @example isFetchResponse(await fetch(url)) // true
 */
export function isFetchResponse(v: unknown): v is FetchResponse {
  return (
    typeof v === 'object' &&
    v !== null &&
    Object.prototype.toString.call(v) === '[object Response]' &&
    v instanceof globalThis.Response
  );
}

/**
 * Koa's rule: a string starting with `<` (after optional whitespace) is HTML.
 *
 * @example looksLikeHtml('  <p>hi</p>') // true
 */
export function looksLikeHtml(s: string): boolean {
  const c = s.charCodeAt(0);
  return c === 0x3c || (c <= 0x20 && /^\s*</.test(s));
}

/**
 * Called when a stream becomes the body: from then on an 'error' it emits (while the handler still
 * runs, or while its response waits behind a pipelined one) must not crash the process; the
 * connection reads `errored` when it renders the response and answers 500 instead.
 *
 * @example guardStream(ctx.body)
 */
export function guardStream(s: BodyStream | LegacyStream): void {
  if (s instanceof Readable || isLegacy(s)) (s as Readable).once('error', ignore);
}

/**
 * A stream body that was replaced: destroyed unless the new body is a stream too (it may be piped
 * into it, as Koa allows); a late error from it must not crash the process.
 *
 * @example releaseStream(oldBody, isStreamLike(newBody))
 */
export function releaseStream(s: BodyStream | LegacyStream, keep: boolean): void {
  if (s instanceof Readable || isLegacy(s)) {
    (s as Readable).once('error', ignore);
    if (!keep && typeof (s as Readable).destroy === 'function') (s as Readable).destroy();
  } else if (!keep && typeof (s as ReadableStream).cancel === 'function' && !(s as ReadableStream).locked) {
    (s as ReadableStream).cancel().catch(ignore);
  }
}

/** A web ReadableStream or an async iterable, which the engine reads as they are. */
function isNodeOrWebStream(v: object): boolean {
  return (
    typeof (v as ReadableStream).getReader === 'function' ||
    typeof (v as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function'
  );
}
