/**
 * The methods a server accepts by default: RFC 9110's, WebDAV's and the other HTTP methods llhttp
 * knows, minus RTSP's. A well-formed token outside this set is answered 501 (RFC 9110 §9.1); a
 * server can add its own through the parser's `methods` option.
 */
export const KNOWN_METHODS: readonly string[] = [
  'GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH',
  // WebDAV (RFC 4918, 3253, 3648, 3744, 4791, 5323, 5842)
  'COPY', 'LOCK', 'MKCOL', 'MOVE', 'PROPFIND', 'PROPPATCH', 'SEARCH', 'UNLOCK', 'BIND', 'REBIND',
  'UNBIND', 'ACL', 'REPORT', 'MKACTIVITY', 'CHECKOUT', 'MERGE', 'MKCALENDAR',
  // UPnP, caches, links, icecast, and the QUERY method draft
  'M-SEARCH', 'NOTIFY', 'SUBSCRIBE', 'UNSUBSCRIBE', 'PURGE', 'LINK', 'UNLINK', 'SOURCE', 'QUERY',
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
      if (c0 === 0x50 && buf[start + 1] === 0x41 && buf[start + 2] === 0x54 && buf[start + 3] === 0x43 && buf[start + 4] === 0x48) return 'PATCH';
      return null;
    case 6:
      if (c0 === 0x44 && buf[start + 1] === 0x45 && buf[start + 2] === 0x4c && buf[start + 3] === 0x45 && buf[start + 4] === 0x54 && buf[start + 5] === 0x45) return 'DELETE';
      return null;
    default:
      return null;
  }
}
