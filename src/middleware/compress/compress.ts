/**
 * `compress(options)`: encodes response bodies with br, gzip or deflate (and zstd where the running
 * Node has `zlib.createZstdCompress`), chosen by `Accept-Encoding` (`accept-encoding.ts`).
 *
 * Contract — a response is left alone when:
 * - it has no body, is to a HEAD request, or its status is 1xx/204/206/304 (a 206's Content-Range
 *   counts bytes of the unencoded representation);
 * - it already has a Content-Encoding (a precompressed file, a proxied response);
 * - it says `Cache-Control: no-transform` (RFC 9110 §7.7);
 * - its type is not compressible ({@link isCompressible}, or your `filter`);
 * - its length is known and below `threshold`;
 * - `ctx.respond === false`, or the body is a fetch `Response` (it frames itself).
 * Whenever the type and size qualify, `Vary: Accept-Encoding` is set — whatever this client sent —
 * because the response would differ for another one.
 *
 * An encoded response loses Content-Length (it is chunked, or recomputed for a buffered body) and
 * Accept-Ranges (ranges address the unencoded bytes), and a strong ETag becomes weak: the encoded
 * bytes are a different representation (RFC 9110 §8.8.1). Bodies with a known length are encoded
 * in one call on the zlib thread pool; streams are piped through an encoder with backpressure, and
 * `text/event-stream` bodies are flushed after every chunk so each SSE event leaves at once.
 */
import { Readable, pipeline, type Transform } from 'node:stream';
import zlib from 'node:zlib';
import { promisify } from 'node:util';
import type { Middleware } from '../../http/app.js';
import type { Context } from '../../http/context.js';
import type { Next } from '../../http/compose.js';
import { negotiateEncoding } from './accept-encoding.js';
import { Buffer } from 'node:buffer';
import { ignore } from '../../engine/ignore.js';
import { isWebStream } from '../../engine/body-stream.js';
import { bodyStream, isFetchResponse, isStreamLike } from '../../http/body-kind.js';

/** A content coding this middleware can produce. */
export type CompressEncoding = 'zstd' | 'br' | 'gzip' | 'deflate';

/** Options of {@link compress}. */
export interface CompressOptions {
  /** Bodies of known length below this many bytes are sent as they are (default 1024). */
  threshold?: number;
  /** Codings offered, in the server's order of preference (default `['br', 'zstd', 'gzip', 'deflate']`, zstd only where available). */
  encodings?: readonly CompressEncoding[];
  /** Which media types (without parameters) to compress (default {@link isCompressible}). */
  filter?: (type: string) => boolean;
  /** Options for the brotli encoder (default quality 4: dynamic content favours speed). */
  brotli?: zlib.BrotliOptions;
  /** Options for gzip. */
  gzip?: zlib.ZlibOptions;
  /** Options for deflate. */
  deflate?: zlib.ZlibOptions;
  /** Options for zstd (passed to `zlib.createZstdCompress`). */
  zstd?: Record<string, unknown>;
}

interface ZstdZlib {
  createZstdCompress?: (opts?: object) => Transform;
  zstdCompress?: (buf: Buffer, opts: object, cb: (err: Error | null, out: Buffer) => void) => void;
  constants: { ZSTD_e_flush?: number };
}

/** Whether this Node can produce zstd (Node 20 cannot; Node 23.8+ can). */
export const ZSTD_AVAILABLE = typeof (zlib as unknown as ZstdZlib).createZstdCompress === 'function';

const DEFAULT_ENCODINGS: readonly CompressEncoding[] = ZSTD_AVAILABLE
  ? ['br', 'zstd', 'gzip', 'deflate']
  : ['br', 'gzip', 'deflate'];

/**
 * The default compressibility rule, on a media type without parameters:
 * `text/*`; JSON, XML and YAML (`application/json`, `…+json`, `…+xml`, `…+yaml`, so also
 * `image/svg+xml` and `application/problem+json`); JavaScript/ECMAScript; `application/wasm`;
 * form and GraphQL bodies; uncompressed fonts (`font/ttf`, `font/otf`, `application/vnd.ms-fontobject`)
 * and icons (`image/x-icon`, `image/vnd.microsoft.icon`, `image/bmp`). Everything else — images,
 * audio, video, archives, woff/woff2, PDF, `application/octet-stream` — is not.
 *
 * @example isCompressible('application/geo+json') // true
 */
export function isCompressible(type: string): boolean {
  const t = type.toLowerCase();
  if (t.startsWith('text/')) return true;
  if (/\+(?:json|xml|yaml)$/.test(t)) return true;
  return COMPRESSIBLE.has(t);
}

const COMPRESSIBLE = new Set([
  'application/json',
  'application/ld+json',
  'application/x-ndjson',
  'application/javascript',
  'application/x-javascript',
  'application/ecmascript',
  'application/xml',
  'application/wasm',
  'application/yaml',
  'application/x-yaml',
  'application/x-www-form-urlencoded',
  'application/graphql',
  'application/vnd.ms-fontobject',
  'application/rtf',
  'font/ttf',
  'font/otf',
  'image/x-icon',
  'image/vnd.microsoft.icon',
  'image/bmp',
]);

/**
 * Compresses response bodies; see the module contract.
 *
 * @example app.use(compress({ threshold: 2048 }))
 */
export function compress(options: CompressOptions = {}): Middleware {
  const threshold = options.threshold ?? 1024;
  const encodings = (options.encodings ?? DEFAULT_ENCODINGS).filter((e) => e !== 'zstd' || ZSTD_AVAILABLE);
  const filter = options.filter ?? isCompressible;

  return async function compressMiddleware(ctx: Context, next: Next): Promise<void> {
    await next();
    const res = ctx.response;
    let body: unknown = res.body;
    const status = res.status;
    if (body === undefined || body === null || !ctx.respond || isFetchResponse(body)) return;
    if (status < 200 || status === 204 || status === 206 || status === 304) return;
    if (res.has('content-encoding')) return;
    if (/(?:^|,)\s*no-transform\s*(?:,|$)/i.test(String(res.get('cache-control') ?? ''))) return;
    if (!filter(res.type)) return;

    let length: number | undefined;
    const declared = res.get('content-length');
    if (typeof body === 'string') length = Buffer.byteLength(body);
    else if (body instanceof Uint8Array) length = body.byteLength;
    else if (body instanceof Blob) length = body.size;
    else if (declared !== undefined) length = Number(declared);
    else if (!isStreamLike(body)) {
      const json = JSON.stringify(body);
      if (json === undefined) return;
      body = json;
      length = Buffer.byteLength(json);
    }
    if (length !== undefined && length < threshold) return;

    ctx.vary('Accept-Encoding');
    if (ctx.method === 'HEAD') return;
    const header = ctx.request.headers['accept-encoding'];
    const enc = negotiateEncoding(Array.isArray(header) ? header.join(',') : header, encodings) as
      CompressEncoding | 'identity' | null;
    if (enc === null || enc === 'identity') return;

    res.set('content-encoding', enc);
    res.remove('content-length');
    res.remove('accept-ranges');
    const etag = res.get('etag');
    if (typeof etag === 'string' && etag.startsWith('"')) res.set('etag', `W/${etag}`);

    if (typeof body === 'string' || body instanceof Uint8Array) {
      const input = typeof body === 'string' ? Buffer.from(body) : body;
      res.body = await encodeBuffer(enc, input, options);
      return;
    }
    const stream = bodyStream(body)!;
    const source = isWebStream(stream)
      ? Readable.fromWeb(stream as never)
      : (stream as Readable | AsyncIterable<unknown>);
    const encoder = createEncoder(enc, options, res.type === 'text/event-stream', length);
    // Errors reach the connection through the encoder (pipeline destroys it with the source's
    // error), which reports them once; a destroyed encoder (client gone) destroys the source.
    pipeline(source, encoder, ignore);
    res.body = encoder;
  };
}

function createEncoder(
  enc: CompressEncoding,
  o: CompressOptions,
  flushEach: boolean,
  size: number | undefined,
): Transform {
  const c = zlib.constants;
  switch (enc) {
    case 'br': {
      const params: Record<number, number | boolean> = { [c.BROTLI_PARAM_QUALITY]: 4, ...o.brotli?.params };
      if (size !== undefined) params[c.BROTLI_PARAM_SIZE_HINT] = size;
      return zlib.createBrotliCompress({
        ...o.brotli,
        params,
        ...(flushEach ? { flush: c.BROTLI_OPERATION_FLUSH } : {}),
      });
    }
    case 'gzip':
      return zlib.createGzip({ ...o.gzip, ...(flushEach ? { flush: c.Z_SYNC_FLUSH } : {}) });
    case 'deflate':
      return zlib.createDeflate({ ...o.deflate, ...(flushEach ? { flush: c.Z_SYNC_FLUSH } : {}) });
    case 'zstd': {
      const z = zlib as unknown as ZstdZlib;
      return z.createZstdCompress!({ ...o.zstd, ...(flushEach ? { flush: z.constants.ZSTD_e_flush } : {}) });
    }
  }
}

const brotli = promisify(zlib.brotliCompress);
const gzip = promisify(zlib.gzip);
const deflate = promisify(zlib.deflate);

function encodeBuffer(enc: CompressEncoding, input: Uint8Array, o: CompressOptions): Promise<Buffer> {
  const c = zlib.constants;
  switch (enc) {
    case 'br':
      return brotli(input, {
        ...o.brotli,
        params: { [c.BROTLI_PARAM_QUALITY]: 4, [c.BROTLI_PARAM_SIZE_HINT]: input.byteLength, ...o.brotli?.params },
      });
    case 'gzip':
      return gzip(input, o.gzip ?? {});
    case 'deflate':
      return deflate(input, o.deflate ?? {});
    case 'zstd': {
      const z = zlib as unknown as ZstdZlib;
      return promisify(z.zstdCompress!)(Buffer.from(input), o.zstd ?? {});
    }
  }
}
