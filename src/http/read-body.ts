/**
 * Reading a request body with a byte limit: `readBody(ctx, { limit })`, the public helper any body
 * parser uses (shallot's own `body()` included), and the steps it is made of.
 *
 * Contract:
 * - Nothing is read, and no `100 Continue` is sent, when the request is refused up front: a
 *   Content-Encoding we cannot decode (415) or a declared Content-Length over the limit (413).
 * - The limit is checked on every chunk as it arrives, never after buffering: the chunk that
 *   crosses it ends the read (the stream is destroyed, so the rest is left to the engine, which
 *   discards it) and answers 413.
 * - A compressed body (gzip, deflate, br) is limited on its *decoded* size — the decoder's output
 *   is pulled one chunk at a time, so a zip bomb costs at most `limit` plus one chunk of memory —
 *   and on its encoded size too, so a stream of empty gzip members cannot run forever.
 * - A 413 before the body was read to its end sets `Connection: close`: the rest of a body we
 *   refused is not worth receiving.
 */
import { pipeline, type Readable, type Transform } from 'node:stream';
import type { Context } from './context.js';
import { zlibOf } from './deferred-modules.js';
import { errorFor } from './errors.js';
import { SHIM, kBody, kShims } from './internal.js';
import { Buffer } from 'node:buffer';

/** The codings `body()` decodes. */
const DECODERS: Record<string, (() => Transform) | null> = {
  identity: null,
  gzip: () => zlibOf().createGunzip(),
  'x-gzip': () => zlibOf().createGunzip(),
  deflate: () => zlibOf().createInflate(),
  br: () => zlibOf().createBrotliDecompress(),
};

/** Value of `Accept-Encoding` sent with a 415 for an unknown coding (RFC 9110 §15.5.16). */
const ACCEPTED = 'gzip, deflate, br, identity';

/**
 * The decoder factory for the request's Content-Encoding (`null` for identity).
 *
 * @throws {HttpError} 415 `ERR_UNSUPPORTED_CONTENT_ENCODING`, before anything is read
 */
export function decoderFor(ctx: Context<object, object, object>): (() => Transform) | null {
  const raw = ctx.get('content-encoding').trim().toLowerCase();
  if (raw === '') return null;
  const make = Object.prototype.hasOwnProperty.call(DECODERS, raw) ? DECODERS[raw] : undefined;
  if (make === undefined) {
    throw errorFor('ERR_UNSUPPORTED_CONTENT_ENCODING', `Unsupported Content-Encoding: ${raw.slice(0, 64)}`, {
      headers: { 'accept-encoding': ACCEPTED },
    });
  }
  return make;
}

/**
 * Refuses a body whose declared Content-Length is over `limit`, before reading a byte.
 *
 * @throws {HttpError} 413 `ERR_BODY_TOO_LARGE`
 */
export function checkDeclaredLength(ctx: Context<object, object, object>, limit: number): void {
  const declared = ctx.request.length;
  if (declared !== undefined && declared > limit) {
    ctx.set('connection', 'close');
    throw tooLarge(limit, `Content-Length: ${declared}`);
  }
}

/**
 * Reads the whole body (decoded) into one Buffer, stopping as soon as it passes `limit`: the
 * Buffer itself when the body is already here (no promise: a small body comes with its head),
 * else a promise of it.
 *
 * @throws {HttpError} 413 `ERR_BODY_TOO_LARGE`, 400 `ERR_BODY_INVALID_ENCODING`, 400 `ERR_BODY_ABORTED`
 *   (thrown, or as the promise's rejection)
 */
export function readLimited(
  ctx: Context<object, object, object>,
  limit: number,
  decoder: (() => Transform) | null,
): Buffer | Promise<Buffer> {
  // The common case, no coding and nobody took `ctx.req`: the bytes without a stream.
  if (decoder === null && (ctx[kShims] & SHIM.REQ) === 0) return collectLimited(ctx, limit);
  return readStream(ctx, limit, decoder);
}

/** `readLimited` through `ctx.req`: decoding, or a body someone already started to stream. */
async function readStream(
  ctx: Context<object, object, object>,
  limit: number,
  decoder: (() => Transform) | null,
): Promise<Buffer> {
  const src = ctx.req;
  let encoded = 0;
  let source: Readable = src;
  let decoding: Transform | null = null;
  if (decoder !== null) {
    decoding = decoder();
    // pipeline() destroys both streams when either fails or when the reader below stops early.
    source = pipeline(src, decoding, () => {});
    src.on('data', (c: Buffer) => {
      encoded += c.length;
      if (encoded > limit) decoding!.destroy(tooLarge(limit, 'before decoding'));
    });
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limit) throw tooLarge(limit, decoder === null ? 'received' : 'decoded');
      chunks.push(chunk);
    }
  } catch (err) {
    if (!src.complete) ctx.set('connection', 'close');
    src.destroy();
    if (isHttpError413(err)) throw err;
    if (decoding !== null && !src.aborted) {
      throw errorFor(
        'ERR_BODY_INVALID_ENCODING',
        `The ${ctx.get('content-encoding')} body does not decode: ${(err as Error).message}`,
        { cause: err },
      );
    }
    throw errorFor('ERR_BODY_ABORTED', 'The request body ended before it was complete', { cause: err });
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
}

/** `readLimited` for an unencoded body nobody streams: the core collects it (see `BodySource.collect`). */
function collectLimited(ctx: Context<object, object, object>, limit: number): Buffer | Promise<Buffer> {
  let got: Buffer | null | Promise<Buffer | null>;
  try {
    got = ctx[kBody].collect(limit);
  } catch (err) {
    throw cutShort(ctx, err);
  }
  if (got instanceof Promise) {
    return got.then(
      (bytes) => withinLimit(ctx, limit, bytes),
      (err: unknown) => {
        throw cutShort(ctx, err);
      },
    );
  }
  return withinLimit(ctx, limit, got);
}

function withinLimit(ctx: Context<object, object, object>, limit: number, bytes: Buffer | null): Buffer {
  if (bytes !== null) return bytes;
  if (!ctx[kBody].ended) ctx.set('connection', 'close');
  throw tooLarge(limit, 'received');
}

function cutShort(ctx: Context<object, object, object>, err: unknown): Error {
  ctx.set('connection', 'close');
  return errorFor('ERR_BODY_ABORTED', 'The request body ended before it was complete', { cause: err });
}

function tooLarge(limit: number, why: string): Error {
  return errorFor('ERR_BODY_TOO_LARGE', `Request body over the limit of ${limit} bytes (${why})`);
}

function isHttpError413(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'ERR_BODY_TOO_LARGE';
}

/** Options of {@link readBody}. */
export interface ReadBodyOptions {
  /** Most bytes accepted, counted as they arrive (and, for a compressed body, after decoding too). */
  limit: number;
  /** Decode a gzip, deflate or br Content-Encoding (default true); another coding is refused with 415. */
  decode?: boolean;
}

/**
 * Reads the request body whole, with a limit: the public way for a middleware to do what `body()`
 * does. A Buffer when the body already arrived with its head (no promise, no stream: the common
 * small body), else a promise of it — `await` takes either. Refusals, each an HttpError with its
 * registered code: 413 `ERR_BODY_TOO_LARGE` (a declared Content-Length over the limit before a byte
 * is read, else as soon as the bytes pass it; the connection closes after the answer), 415
 * `ERR_UNSUPPORTED_CONTENT_ENCODING`, 400 `ERR_BODY_INVALID_ENCODING`, 400 `ERR_BODY_ABORTED`.
 * Read the body once, by one reader: this, `ctx.req`, or `body()`.
 *
 * @example app.use(async (ctx) => { const bytes = await readBody(ctx, { limit: 64 * 1024 }); ctx.body = { size: bytes.length } })
 */
export function readBody(ctx: Context<object, object, object>, options: ReadBodyOptions): Buffer | Promise<Buffer> {
  const decoder = options.decode === false ? null : decoderFor(ctx);
  checkDeclaredLength(ctx, options.limit);
  return readLimited(ctx, options.limit, decoder);
}
