/**
 * Response framing: the one function that decides how a response is delimited on the wire and
 * writes its head (RFC 9112 §6, RFC 9110 §6.4.1, §7.6.1). Nothing else in shallot writes a status
 * line or a framing field; the outbox writes exactly the bytes this function promised.
 *
 * Rules, as {@link frameHead} applies them:
 * 1. The engine owns framing and the connection. Whatever the application set for
 *    `content-length`, `transfer-encoding`, `connection`, `keep-alive`, `upgrade`, `te`, `trailer`,
 *    `proxy-connection`, `proxy-authorization` — `proxy-authenticate` outside a 407, `upgrade`
 *    outside a 426, and every field its `Connection` field names — is never written. A 426 must
 *    name the protocols it requires in `Upgrade` (RFC 9110 §15.5.22), and a sender of `Upgrade`
 *    lists `upgrade` in `Connection` (§7.8): the engine adds that option. The application asks for a close with
 *    `Connection: close` (honoured) and promises a length for a stream with `Content-Length`
 *    (the reply's `length`, which the writer holds the stream to).
 * 2. A final response has a status from 200 to 999: 1xx is interim only (RFC 9110 §15.2).
 * 3. No content for HEAD, 204 and 304. HEAD gets the Content-Length a GET would have had, when it
 *    is known; 205 gets `Content-Length: 0` (RFC 9110 §15.3.6); 204 and 304 get none.
 * 4. A known length is Content-Length. An unknown one is chunked to HTTP/1.1 and delimited by
 *    closing the connection to HTTP/1.0, which has no chunked coding (RFC 9112 §6.1, §6.3).
 * 5. `Connection: close` when the connection ends after this response; `Connection: keep-alive`
 *    to an HTTP/1.0 client whose connection stays open.
 * 6. Every field name is a lowercase token, and no value (nor the reason phrase) holds a control
 *    character other than HTAB or a code point above U+00FF, which latin1 would write as another
 *    byte — CR and LF included. `ctx.set()` checks values as they are set; this checks again as
 *    they are written, because `ctx.response.headers` is a plain object anyone may write to. A
 *    violation throws, and the one error path answers 500 instead.
 */
import { httpDate } from './date.js';
import { NullObject } from './null-object.js';
import type { BodyStream } from './body-stream.js';

/**
 * Outgoing header values as stored: as set (a string or a number, as Node's `setHeader` keeps
 * them), or an array for repeated fields such as Set-Cookie.
 */
export type OutgoingHeaders = Record<string, string | number | string[]>;

/**
 * A response as the http room hands it to the engine: status, reason and the application's
 * fields, and its content — known now (`payload`), streamed (`stream`), or none.
 */
export class Reply {
  constructor(
    readonly status: number,
    readonly reason: string,
    readonly headers: OutgoingHeaders,
    /** The content when it is known now, or null. */
    readonly payload: string | Uint8Array | null,
    /** The payload's byte length, the length promised for the stream, or -1 when unknown. */
    readonly length: number,
    /** The content as a stream, or null. */
    readonly stream: BodyStream | null,
  ) {}
}

/** How a response's content is delimited. */
export const FRAME = {
  /** No content follows the head. */
  NONE: 0,
  /** Exactly `length` bytes follow. */
  LENGTH: 1,
  /** Chunked transfer coding. */
  CHUNKED: 2,
  /** The content ends when the connection closes (HTTP/1.0, unknown length). */
  CLOSE: 3,
} as const;

/** One of {@link FRAME}. */
export type FrameMode = (typeof FRAME)[keyof typeof FRAME];

/** What a framed head promised; filled in by {@link frameHead} (one per outbox, reused). */
export class Framing {
  mode: FrameMode = FRAME.NONE;
  /** Bytes of content promised (`LENGTH`), or -1. */
  length = -1;
  /** The connection closes after this response. */
  close = false;
}

/** The request facts framing depends on. */
export interface RequestFacts {
  /** The request was HTTP/1.0. */
  readonly http10: boolean;
  /** The request method was HEAD. */
  readonly isHead: boolean;
}

/** What a field name is to the framing: one of these, or `undefined` when not seen yet. */
const NAME = { OWNED: 1, PROXY_AUTH: 2, VALID: 3, UPGRADE: 4 } as const;

/**
 * Field names by kind (rule 1), and the names already found valid: a name is checked once, then
 * looked up, since the head of every response meets the same few names. Bounded, so names made up
 * per request cannot grow it: past the bound they are checked each time.
 */
const NAMES = new NullObject() as Record<string, (typeof NAME)[keyof typeof NAME] | undefined>;
for (const name of [
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'te',
  'trailer',
  'proxy-connection',
  'proxy-authorization',
]) {
  NAMES[name] = NAME.OWNED;
}
NAMES['proxy-authenticate'] = NAME.PROXY_AUTH;
NAMES['upgrade'] = NAME.UPGRADE;
const MAX_VALID_NAMES = 512;
let validNames = 0;

/** A lowercase token (RFC 9110 §5.1): names are stored lowercased, so anything else was written around `set()`. */
const FIELD_NAME = /^[!#$%&'*+\-.^_`|~0-9a-z]+$/;

/**
 * Whether a field is one the engine owns or a hop-by-hop field (rule 1), for code that copies
 * fields from elsewhere (a proxied fetch `Response`).
 *
 * @example isHopByHop('transfer-encoding') // true
 */
export function isHopByHop(lowercaseName: string): boolean {
  const kind = NAMES[lowercaseName];
  return kind === NAME.OWNED || kind === NAME.PROXY_AUTH || kind === NAME.UPGRADE;
}

/**
 * Writes the head of `r` for a request with `req`'s facts, and records in `out` how the content
 * that follows must be delimited. `close`: the connection ends after this response for reasons
 * of its own (the request, a limit, shutdown); the response may add its own (rules 1 and 4).
 *
 * @throws {TypeError} for a 1xx final status or a field that breaks rule 6; nothing is recorded then
 */
export function frameHead(req: RequestFacts, r: Reply, close: boolean, keepAliveField: string, out: Framing): string {
  const status = r.status;
  if (!(status >= 200 && status <= 999))
    throw new TypeError(`Invalid final status ${status}: 1xx responses are interim only`);
  if (badValue(r.reason)) throw new TypeError(`Invalid character in status message: ${JSON.stringify(r.reason)}`);
  const headers = r.headers;
  // The fields a Connection field names are hop-by-hop too (RFC 9110 §7.6.1).
  const conn = headers['connection'];
  let named: string[] | null = null;
  if (conn !== undefined) {
    named = String(conn)
      .toLowerCase()
      .split(',')
      .map((t) => t.trim());
    if (named.includes('close')) close = true;
  }
  let s = `HTTP/1.1 ${status} ${r.reason}\r\n`;
  let hasDate = false;
  let upgrade = false;
  for (const name in headers) {
    const kind = NAMES[name];
    if (kind === undefined) {
      if (!FIELD_NAME.test(name)) throw new TypeError(`Invalid header name: ${JSON.stringify(name)}`);
      if (validNames < MAX_VALID_NAMES) {
        NAMES[name] = NAME.VALID;
        validNames++;
      }
    } else if (
      kind === NAME.OWNED ||
      (kind === NAME.PROXY_AUTH && status !== 407) ||
      (kind === NAME.UPGRADE && status !== 426)
    ) {
      continue;
    }
    if (named !== null && named.includes(name)) continue;
    if (kind === NAME.UPGRADE) upgrade = true;
    if (name === 'date') hasDate = true;
    const v = headers[name] as unknown;
    if (typeof v === 'string') s += field(name, v);
    else if (Array.isArray(v)) for (let i = 0; i < v.length; i++) s += field(name, String(v[i]));
    else s += field(name, String(v));
  }
  let mode: FrameMode;
  let length = r.length;
  if (status === 204 || status === 304) {
    mode = FRAME.NONE;
    length = -1;
  } else if (status === 205) {
    mode = FRAME.NONE;
    length = 0;
  } else if (req.isHead) {
    mode = FRAME.NONE;
  } else if (length >= 0) {
    mode = FRAME.LENGTH;
  } else if (req.http10) {
    mode = FRAME.CLOSE;
    close = true;
  } else {
    mode = FRAME.CHUNKED;
  }
  if (length >= 0) s += `content-length: ${length}\r\n`;
  else if (mode === FRAME.CHUNKED) s += 'transfer-encoding: chunked\r\n';
  if (!hasDate) s += `date: ${httpDate()}\r\n`;
  if (close) s += upgrade ? 'connection: upgrade, close\r\n' : 'connection: close\r\n';
  else {
    if (req.http10) s += upgrade ? 'connection: upgrade, keep-alive\r\n' : 'connection: keep-alive\r\n';
    else if (upgrade) s += 'connection: upgrade\r\n';
    s += keepAliveField;
  }
  out.mode = mode;
  out.length = mode === FRAME.LENGTH ? length : -1;
  out.close = close;
  return `${s}\r\n`;
}

/**
 * RFC 9110 §5.5 field-value bytes: no CTL but HTAB, nothing above U+00FF. A loop rather than a
 * regular expression: values are short, and a regex call cost ~40 ns per field (measured on the
 * head of a plain response: 530 ns with regexes, 320 ns with this).
 */
function badValue(v: string): boolean {
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 0x20 ? c !== 9 : c === 0x7f || c > 0xff) return true;
  }
  return false;
}

function field(name: string, value: string): string {
  if (badValue(value)) throw new TypeError(`Invalid character in header value of ${name}: ${JSON.stringify(value)}`);
  return `${name}: ${value}\r\n`;
}
