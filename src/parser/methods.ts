/**
 * The methods a server accepts by default: RFC 9110's, WebDAV's and the other HTTP methods llhttp
 * knows, minus RTSP's. A well-formed token outside this set is answered 501 (RFC 9110 §9.1); a
 * server can add its own through the parser's `methods` option.
 */
import { isToken } from './char-classes.js';

export const KNOWN_METHODS: readonly string[] = [
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'DELETE',
  'CONNECT',
  'OPTIONS',
  'TRACE',
  'PATCH',
  // WebDAV (RFC 4918, 3253, 3648, 3744, 4791, 5323, 5842)
  'COPY',
  'LOCK',
  'MKCOL',
  'MOVE',
  'PROPFIND',
  'PROPPATCH',
  'SEARCH',
  'UNLOCK',
  'BIND',
  'REBIND',
  'UNBIND',
  'ACL',
  'REPORT',
  'MKACTIVITY',
  'CHECKOUT',
  'MERGE',
  'MKCALENDAR',
  // UPnP, caches, links, icecast, and the QUERY method draft
  'M-SEARCH',
  'NOTIFY',
  'SUBSCRIBE',
  'UNSUBSCRIBE',
  'PURGE',
  'LINK',
  'UNLINK',
  'SOURCE',
  'QUERY',
];

/** Longest method we scan before giving up; no registered method comes close. */
export const MAX_METHOD_LENGTH = 32;

/**
 * Returns the interned method string for the bytes `buf[start, end)` when it is one of the common
 * methods, or null. Why: most requests are GET/POST/…, and returning a constant string avoids a
 * string allocation per request and makes later `method === 'GET'` comparisons pointer-equal.
 */
export function commonMethod(buf: Uint8Array, start: number, end: number): string | null {
  const c0 = buf[start];
  switch (end - start) {
    case 3:
      if (c0 === 0x47 && buf[start + 1] === 0x45 && buf[start + 2] === 0x54) return 'GET';
      if (c0 === 0x50 && buf[start + 1] === 0x55 && buf[start + 2] === 0x54) return 'PUT';
      return null;
    case 4:
      if (c0 === 0x50 && buf[start + 1] === 0x4f && buf[start + 2] === 0x53 && buf[start + 3] === 0x54) return 'POST';
      if (c0 === 0x48 && buf[start + 1] === 0x45 && buf[start + 2] === 0x41 && buf[start + 3] === 0x44) return 'HEAD';
      return null;
    case 5:
      if (
        c0 === 0x50 &&
        buf[start + 1] === 0x41 &&
        buf[start + 2] === 0x54 &&
        buf[start + 3] === 0x43 &&
        buf[start + 4] === 0x48
      )
        return 'PATCH';
      return null;
    case 6:
      if (
        c0 === 0x44 &&
        buf[start + 1] === 0x45 &&
        buf[start + 2] === 0x4c &&
        buf[start + 3] === 0x45 &&
        buf[start + 4] === 0x54 &&
        buf[start + 5] === 0x45
      )
        return 'DELETE';
      return null;
    default:
      return null;
  }
}

const DEFAULT_METHODS: ReadonlySet<string> = new Set(KNOWN_METHODS);
const extraMethodSets = new WeakMap<Iterable<string>, ReadonlySet<string>>();

/**
 * The set of accepted methods, shared by every parser built from the same `methods` option (one
 * per connection): a Set of ~35 strings per parser was most of an idle connection's JS heap.
 */
export function methodSet(extra: Iterable<string> | undefined): ReadonlySet<string> {
  if (extra === undefined) return DEFAULT_METHODS;
  const cached = extraMethodSets.get(extra);
  if (cached !== undefined) return cached;
  const set = new Set(KNOWN_METHODS);
  for (const m of extra) {
    if (m.length === 0 || !isToken(m)) {
      throw new TypeError(`Invalid method ${JSON.stringify(m)}: a method must be a token (RFC 9110 §9.1)`);
    }
    // The method scan stops after MAX_METHOD_LENGTH bytes, SP included: a longer method could never parse.
    if (m.length >= MAX_METHOD_LENGTH) {
      throw new TypeError(
        `Invalid method ${JSON.stringify(m)}: a method must be shorter than ${MAX_METHOD_LENGTH} characters`,
      );
    }
    set.add(m);
  }
  extraMethodSets.set(extra, set);
  return set;
}
