/**
 * `body(options)`: reads and parses the request body onto `ctx.request.body` — JSON,
 * `application/x-www-form-urlencoded`, text, raw bytes and `multipart/form-data`, each with its own limits.
 *
 * Rules (tested in test/middleware/body.test.ts):
 * - Which parser runs is decided by Content-Type (type-is patterns, e.g. `application/*+json`).
 *   JSON and urlencoded are on by default, text, raw and multipart are opt-in.
 * - A `body()` that does not enable multipart leaves a `multipart/form-data` request alone: it
 *   neither reads nor refuses it, and does not count as its parser, so a later
 *   `body({ multipart })` (a route's) or `ctx.request.parts()` reads it. Multipart is read by the
 *   first `body()` that enables it, with that one's options: enable it on the routes that take
 *   uploads (src/middleware/body/multipart.ts has its rules).
 * - A request with a body (or a Content-Type) that no enabled parser accepts is refused with 415
 *   `ERR_UNSUPPORTED_MEDIA_TYPE` — consistently, where Koa's and Hono's parsers skip it silently —
 *   unless `enforce: false`. So is a body with no Content-Type at all.
 * - GET and HEAD bodies are never read (as Fastify): `ctx.request.body` stays `undefined`.
 * - Limits, 413s and Content-Encoding: see `src/http/read-body.ts`. Everything that can be refused before
 *   reading (type, charset, coding, declared length) is, so no `100 Continue` is sent for it.
 * - JSON: an empty body is 400 `ERR_BODY_EMPTY_JSON` (Fastify's rule: "Body cannot be empty when
 *   content-type is set to 'application/json'"); malformed JSON is 400 `ERR_BODY_INVALID_JSON`
 *   with its line and column; `__proto__` and `constructor.prototype` keys are 400
 *   `ERR_BODY_FORBIDDEN_KEY`. JSON and urlencoded bodies are UTF-8 (another charset is 415).
 * - urlencoded bodies are parsed with `query()`'s rules (and its options: `nested`, `depth`,
 *   `parameterLimit`), into a prototype-less object.
 * - A request's body is parsed once, however many `body()` middlewares it meets.
 * - A body another parser already put on `ctx.request.body` (any value but `undefined` — the
 *   check `@koa/bodyparser` makes before reading) is the body: it is kept, with whatever that
 *   parser left on `ctx.request.rawBody` (`@koa/bodyparser`'s is a string), and nothing is read —
 *   its bytes are spent. `@koa/bodyparser` leaves `{}` for a type it does not parse, so a type only
 *   `body()` parses needs `body()` first (that parser then finds a body and skips in turn).
 */
import { TextDecoder } from 'node:util';
import typeis from 'type-is';
import type { Middleware } from '../../http/app.js';
import type { Context } from '../../http/context.js';
import type { Request } from '../../http/request.js';
import { checkDeclaredLength, decoderFor, readLimited } from '../../http/read-body.js';
import { MIDDLEWARE_DEFAULTS } from '../defaults.js';
import { errorFor } from '../../http/errors.js';
import { parseJson } from './json.js';
import { createQueryParser, type QueryOptions } from '../query.js';
import { Buffer } from 'node:buffer';
import { readMultipart, resolveMultipart, type MultipartConfig, type MultipartOptions } from './multipart.js';

/** Options of one parser. */
export interface BodyParserOptions {
  /** Largest body in bytes, after decoding any Content-Encoding. */
  limit?: number;
  /** Content-Types this parser takes (type-is patterns), replacing its defaults. */
  types?: string[];
}

/** Options of {@link body}. `true` enables a parser with its defaults, `false` disables it. */
export interface BodyOptions {
  /** Default on; limit 1 MiB; types `application/json`, `application/*+json`. */
  json?: boolean | BodyParserOptions;
  /** Default on; limit 56 KiB; type `application/x-www-form-urlencoded`; `query()`'s parsing options. */
  urlencoded?: boolean | (BodyParserOptions & QueryOptions);
  /** Default off; limit 1 MiB; type `text/plain`; any charset `TextDecoder` knows. */
  text?: boolean | BodyParserOptions;
  /** Default off; limit 1 MiB; type `application/octet-stream`; the body as a Buffer. */
  raw?: boolean | BodyParserOptions;
  /**
   * Default off; `multipart/form-data` fields onto `ctx.request.body`, files onto `ctx.request.files`
   * (on disk in a temp dir, or in memory); limits: `MULTIPART_DEFAULTS`. See docs/uploads.md.
   */
  multipart?: boolean | MultipartOptions;
  /** Keep the (decoded) bytes on `ctx.request.rawBody`, e.g. to check a webhook signature. Default false. */
  rawBody?: boolean;
  /** Answer 415 for a body no enabled parser accepts (default true); `false` leaves it unread. */
  enforce?: boolean;
}

interface Parser {
  readonly kind: string;
  readonly limit: number;
  readonly types: string[];
  readonly parse: (bytes: Buffer, ctx: Context<object, object, object>) => unknown;
  readonly utf8Only: boolean;
}

/** The resolved configuration of one `body()` call. */
export interface BodyConfig {
  readonly parsers: readonly Parser[];
  readonly rawBody: boolean;
  readonly enforce: boolean;
  /** The multipart reader's options, or null when multipart is off. */
  readonly multipart: MultipartConfig | null;
  /**
   * Content-Type value -> choice. Matching a value with type-is and reading its charset costs
   * about a microsecond, and a service sees the same few values again and again.
   */
  readonly memo: Map<string, Choice>;
}

const EMPTY = Buffer.alloc(0);
const MULTIPART = /^\s*multipart\/form-data\s*(?:;|$)/i;
const UTF8 = new TextDecoder('utf-8');
/** Distinct Content-Type values remembered per `body()`: clients choose them, so the memo is bounded. */
const CHOICE_MEMO_SIZE = 32;

/** What one Content-Type value means for one configuration: its parser and charset, or a refusal. */
interface Choice {
  readonly parser: Parser | undefined;
  readonly charset: string;
}

/**
 * Parses request bodies; see the module rules.
 *
 * @throws {HttpError} 413, 415, 400 — see `docs/errors.md` (`ERR_BODY_*`, `ERR_UNSUPPORTED_*`)
 * @example
 * app.use(body())                                  // JSON and forms, Fastify's 1 MiB JSON limit
 * router.post('/upload', body({ raw: { limit: 10 * 1024 * 1024 }, json: false }), handler)
 */
export function body(options: BodyOptions = {}): Middleware {
  const config = resolveBodyOptions(options);
  return function body(ctx, next) {
    const reading = parseBody(ctx, config);
    return reading === undefined ? next() : reading.then(next);
  };
}

/** Resolves {@link BodyOptions} against the defaults, once per `body()` call. */
export function resolveBodyOptions(options: BodyOptions): BodyConfig {
  const parsers: Parser[] = [];
  const json = pick(options.json, true);
  if (json !== null) {
    parsers.push({
      kind: 'json',
      limit: json.limit ?? MIDDLEWARE_DEFAULTS.jsonLimit,
      types: json.types ?? ['application/json', 'application/*+json'],
      utf8Only: true,
      parse: (bytes) => {
        if (bytes.length === 0)
          throw errorFor('ERR_BODY_EMPTY_JSON', "Body cannot be empty when content-type is set to 'application/json'");
        return parseJson(utf8(bytes));
      },
    });
  }
  const form = pick(options.urlencoded, true);
  if (form !== null) {
    const parseForm = createQueryParser(form);
    parsers.push({
      kind: 'urlencoded',
      limit: form.limit ?? MIDDLEWARE_DEFAULTS.urlencodedLimit,
      types: form.types ?? ['application/x-www-form-urlencoded'],
      utf8Only: true,
      parse: (bytes) => parseForm(utf8(bytes)),
    });
  }
  const text = pick(options.text, false);
  if (text !== null) {
    parsers.push({
      kind: 'text',
      limit: text.limit ?? MIDDLEWARE_DEFAULTS.textLimit,
      types: text.types ?? ['text/plain'],
      utf8Only: false,
      parse: (bytes, ctx) => textDecoder(ctx.request.charset).decode(bytes),
    });
  }
  const raw = pick(options.raw, false);
  if (raw !== null) {
    parsers.push({
      kind: 'raw',
      limit: raw.limit ?? MIDDLEWARE_DEFAULTS.rawLimit,
      types: raw.types ?? ['application/octet-stream'],
      utf8Only: false,
      parse: (bytes) => bytes,
    });
  }
  const multipart = pick(options.multipart, false);
  return {
    parsers,
    rawBody: options.rawBody ?? false,
    enforce: options.enforce ?? true,
    multipart: multipart === null ? null : resolveMultipart(multipart),
    memo: new Map(),
  };
}

/**
 * Reads and parses `ctx`'s body with `config` onto `ctx.request.body` (and `rawBody`), once per
 * request: a second call for the same request does nothing, and so does a call that finds a body
 * another parser put there. Synchronous (returns `undefined`)
 * when the body was already here — the common small body, which comes with its head — else a
 * promise; errors are thrown, or are the promise's rejection.
 *
 * Not `async`, for that common case: every async frame on this path (this one, the read, the
 * middleware around it) was a promise and a resumption per request.
 */
export function parseBody(ctx: Context<object, object, object>, config: BodyConfig): Promise<void> | undefined {
  const req = ctx.request;
  if (req.bodyParsed) return;
  const contentType = ctx.get('content-type');
  const multipart = contentType !== '' && MULTIPART.test(contentType);
  if (multipart && config.multipart === null) return;
  req.bodyParsed = true;
  if (req.body !== undefined) return;
  const method = ctx.method;
  if (method === 'GET' || method === 'HEAD') return;
  if (multipart) return readMultipart(ctx, config.multipart!);
  const hasBytes = req.hasBody;
  if (contentType === '' && !hasBytes) return;
  const { parser, charset } = contentType === '' ? NO_CHOICE : choose(config, contentType, req);
  if (parser === undefined) {
    if (!config.enforce) return;
    throw errorFor(
      'ERR_UNSUPPORTED_MEDIA_TYPE',
      contentType === ''
        ? 'A request body needs a Content-Type'
        : `Unsupported Content-Type: ${req.type.slice(0, 100)}`,
    );
  }
  if (parser.utf8Only) {
    if (charset !== '' && charset !== 'utf-8' && charset !== 'utf8')
      throw errorFor('ERR_UNSUPPORTED_CHARSET', `Unsupported charset for ${parser.kind}: ${charset.slice(0, 40)}`);
  } else if (parser.kind === 'text') {
    textDecoder(charset);
  }
  const decoder = decoderFor(ctx);
  checkDeclaredLength(ctx, parser.limit);
  const bytes = hasBytes ? readLimited(ctx, parser.limit, decoder) : EMPTY;
  if (bytes instanceof Promise) return bytes.then((b) => store(ctx, config, parser, b));
  store(ctx, config, parser, bytes);
  return undefined;
}

function store(ctx: Context<object, object, object>, config: BodyConfig, parser: Parser, bytes: Buffer): void {
  const req = ctx.request;
  if (config.rawBody) req.rawBody = bytes;
  req.body = parser.parse(bytes, ctx);
}

/**
 * UTF-8 text of a body, as `TextDecoder` gives it (a leading BOM dropped, bad sequences as
 * U+FFFD) but through `Buffer#toString`, which is several times cheaper per call.
 */
function utf8(bytes: Buffer): string {
  return bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf
    ? bytes.toString('utf8', 3)
    : bytes.toString('utf8');
}

const NO_CHOICE: Choice = { parser: undefined, charset: '' };

/** The parser and charset for `contentType`, memoised per configuration (see {@link BodyConfig.memo}). */
function choose(config: BodyConfig, contentType: string, req: Request): Choice {
  let c = config.memo.get(contentType);
  if (c === undefined) {
    c = { parser: config.parsers.find((p) => typeis.is(contentType, p.types) !== false), charset: req.charset };
    if (config.memo.size >= CHOICE_MEMO_SIZE) config.memo.clear();
    config.memo.set(contentType, c);
  }
  return c;
}

function pick<T extends object>(v: boolean | T | undefined, dflt: boolean): T | Record<string, never> | null {
  if (v === undefined) return dflt ? {} : null;
  if (v === false) return null;
  return v === true ? {} : v;
}

/** A decoder for `charset` (UTF-8 when none is given). @throws {HttpError} 415 for an unknown one */
function textDecoder(charset: string): TextDecoder {
  if (charset === '' || charset === 'utf-8' || charset === 'utf8') return UTF8;
  try {
    return new TextDecoder(charset);
  } catch {
    throw errorFor('ERR_UNSUPPORTED_CHARSET', `Unsupported charset: ${charset.slice(0, 40)}`);
  }
}
