/**
 * The {@link RequestHead} of a request Node's server parsed (node:http, or node:http2's
 * compatibility API), as the Context reads it: what Node already judged is taken as it is.
 *
 * Rules:
 * - An HTTP/2 request counts as HTTP/1.1. Its pseudo-header fields (`:path`, `:method`, …) are not
 *   fields of the head, and `:authority` becomes `Host` when the request has no Host field (RFC
 *   9113 §8.3.1: it takes the place of Host).
 * - Framing: `chunked` when Transfer-Encoding ends with it, `length` for a positive
 *   Content-Length, and — for an HTTP/2 request whose body ends with its stream rather than at a
 *   declared length — `chunked` as well (a body of unknown length); else `none`.
 */
import type { IncomingMessage } from 'node:http';
import type { Http2ServerRequest } from 'node:http2';
import { RequestHead } from '../parser/events.js';

const DIGITS = /^\d+$/;
/** Transfer-Encoding whose final coding is chunked (RFC 9112 §6.3). */
const CHUNKED_LAST = /(?:^|,)\s*chunked\s*$/i;

/**
 * The head of `req`; `h2` when Node received it over HTTP/2.
 *
 * @example headOf(req, req.httpVersionMajor >= 2).get('host') // 'example.com'
 */
export function headOf(req: IncomingMessage | Http2ServerRequest, h2: boolean): RequestHead {
  const raw = h2 ? withoutPseudoFields(req.rawHeaders) : req.rawHeaders;
  const minor = h2 ? 1 : req.httpVersionMinor;
  const head = new RequestHead(req.method ?? 'GET', req.url ?? '/', 1, minor, raw);
  const headers = req.headers;
  const cl = headers['content-length'];
  if (typeof cl === 'string' && DIGITS.test(cl)) head.contentLength = Number(cl);
  const te = headers['transfer-encoding'];
  if (!h2 && typeof te === 'string' && CHUNKED_LAST.test(te)) head.framing = 'chunked';
  else if (head.contentLength > 0) head.framing = 'length';
  else if (h2 && head.contentLength < 0 && !(req as Http2ServerRequest).stream.endAfterHeaders)
    head.framing = 'chunked';
  const connection = String(headers['connection'] ?? '').toLowerCase();
  head.keepAlive = h2 || (minor === 1 ? !connection.includes('close') : connection.includes('keep-alive'));
  head.expectContinue = String(headers['expect'] ?? '').toLowerCase() === '100-continue';
  for (let i = 0; i < raw.length; i += 2) if (raw[i]!.toLowerCase() === 'host') head.hostCount++;
  return head;
}

/** HTTP/2 raw fields without the pseudo-header fields, `:authority` kept as Host when there is none. */
function withoutPseudoFields(src: string[]): string[] {
  const raw: string[] = [];
  let authority: string | null = null;
  let host = false;
  for (let i = 0; i < src.length; i += 2) {
    const name = src[i]!;
    if (name.charCodeAt(0) === 0x3a) {
      if (name === ':authority') authority = src[i + 1]!;
      continue;
    }
    if (name === 'host') host = true;
    raw.push(name, src[i + 1]!);
  }
  if (!host && authority !== null) raw.push('host', authority);
  return raw;
}
