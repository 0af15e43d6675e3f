/**
 * Node-compatible `req.headers`: lowercase names; repeated fields joined with `", "`, except
 * `set-cookie` (an array) and the fields Node keeps only once (its `matchKnownFields` list), so
 * that middleware written against `node:http` sees the same object.
 */

import { getField } from '../parser/events.js';
import { NullObject } from '../engine/null-object.js';

/** Node's IncomingHttpHeaders shape. */
export type IncomingHeaders = Record<string, string | string[] | undefined>;

const SINGLE = new Set([
  'age',
  'authorization',
  'content-length',
  'content-type',
  'etag',
  'expires',
  'from',
  'host',
  'if-modified-since',
  'if-unmodified-since',
  'last-modified',
  'location',
  'max-forwards',
  'proxy-authorization',
  'referer',
  'retry-after',
  'server',
  'user-agent',
]);

/** Builds the headers object from a flat raw list. */
export function headersObject(raw: readonly string[]): IncomingHeaders {
  const out = new NullObject() as IncomingHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    const value = raw[i + 1]!;
    const prev = out[name];
    if (prev === undefined) {
      out[name] = name === 'set-cookie' ? [value] : value;
    } else if (name === 'set-cookie') {
      (prev as string[]).push(value);
    } else if (!SINGLE.has(name)) {
      out[name] = `${prev as string}, ${value}`;
    }
  }
  return out;
}

/**
 * `headersObject(raw)[lower]` as a string (an array joined with `", "`), or `''`, without building
 * the object: most requests only ever ask for a field or two (Content-Type for a body parser,
 * a request id), and the object costs a lowercase and a property store per field.
 */
export function headerValue(raw: readonly string[], lower: string): string {
  return getField(raw, lower, SINGLE.has(lower)) ?? '';
}
