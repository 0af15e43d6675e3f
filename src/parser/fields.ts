/**
 * The header fields that decide framing and connection handling, and their strict grammars.
 * Everything here works on one finished field value; the state machine calls it once per field.
 */
import { isToken } from './char-classes.js';

/** Field kinds the parser acts on. Plain numbers, because the switch over them is on the hot path. */
export const FieldKind = {
  OTHER: 0,
  CONTENT_LENGTH: 1,
  TRANSFER_ENCODING: 2,
  CONNECTION: 3,
  HOST: 4,
  UPGRADE: 5,
  EXPECT: 6,
} as const;

/**
 * Classifies a field name. Why the length switch: almost every name is rejected by its length
 * alone, so `toLowerCase()` (an allocation when the name has capitals) runs only on candidates.
 */
export function fieldKind(name: string): number {
  switch (name.length) {
    case 4:
      return eq(name, 'host') ? FieldKind.HOST : FieldKind.OTHER;
    case 6:
      return eq(name, 'expect') ? FieldKind.EXPECT : FieldKind.OTHER;
    case 7:
      return eq(name, 'upgrade') ? FieldKind.UPGRADE : FieldKind.OTHER;
    case 10:
      return eq(name, 'connection') ? FieldKind.CONNECTION : FieldKind.OTHER;
    case 14:
      return eq(name, 'content-length') ? FieldKind.CONTENT_LENGTH : FieldKind.OTHER;
    case 17:
      return eq(name, 'transfer-encoding') ? FieldKind.TRANSFER_ENCODING : FieldKind.OTHER;
    default:
      return FieldKind.OTHER;
  }
}

/**
 * {@link fieldKind} of the name whose bytes are `buf[a, b)`: the same answer for the parser's
 * fast path, without the name string. The bytes must be tchars, for which `| 0x20` folds
 * exactly the letters (the only other candidate byte for `-`, CR, is not a tchar).
 */
export function fieldKindOfBytes(buf: Uint8Array, a: number, b: number): number {
  switch (b - a) {
    case 4:
      return eqBytes(buf, a, 'host') ? FieldKind.HOST : FieldKind.OTHER;
    case 6:
      return eqBytes(buf, a, 'expect') ? FieldKind.EXPECT : FieldKind.OTHER;
    case 7:
      return eqBytes(buf, a, 'upgrade') ? FieldKind.UPGRADE : FieldKind.OTHER;
    case 10:
      return eqBytes(buf, a, 'connection') ? FieldKind.CONNECTION : FieldKind.OTHER;
    case 14:
      return eqBytes(buf, a, 'content-length') ? FieldKind.CONTENT_LENGTH : FieldKind.OTHER;
    case 17:
      return eqBytes(buf, a, 'transfer-encoding') ? FieldKind.TRANSFER_ENCODING : FieldKind.OTHER;
    default:
      return FieldKind.OTHER;
  }
}

function eqBytes(buf: Uint8Array, a: number, lower: string): boolean {
  for (let i = 0; i < lower.length; i++) if ((buf[a + i]! | 0x20) !== lower.charCodeAt(i)) return false;
  return true;
}

/**
 * `name.toLowerCase() === lower` for a name of `lower`'s length, where `lower` is lowercase ASCII
 * letters and `-`. Why not toLowerCase: `Host` and `Connection` come capitalised in nearly every
 * request, and lowering them allocated a string per field on the hot path.
 */
function eq(name: string, lower: string): boolean {
  // Most names reaching here differ in the first letter (Accept/Expect, User-Agent/Connection).
  if ((name.charCodeAt(0) | 0x20) !== lower.charCodeAt(0)) return false;
  if (name === lower) return true;
  for (let i = 0; i < lower.length; i++) {
    const c = name.charCodeAt(i);
    const l = lower.charCodeAt(i);
    if (c === l || (c >= 0x41 && c <= 0x5a && c + 0x20 === l)) continue;
    // Non-ASCII case mappings (never in a parsed name, which is a token): defer to the full rule.
    if (c > 0x7f) return name.toLowerCase() === lower;
    return false;
  }
  return true;
}

/** Content-Length value that is not `1*DIGIT`. */
export const CL_INVALID = -1;
/** Content-Length larger than Number.MAX_SAFE_INTEGER. */
export const CL_OVERFLOW = -2;

/**
 * RFC 9112 §6.3 / RFC 9110 §8.6: Content-Length = 1*DIGIT. No sign, no list (`5, 5`), no inner
 * whitespace: every lenient reading here has been a request-smuggling vector somewhere.
 */
export function parseContentLength(value: string): number {
  const n = value.length;
  if (n === 0) return CL_INVALID;
  let v = 0;
  for (let i = 0; i < n; i++) {
    const d = value.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return CL_INVALID;
    v = v * 10 + d;
    if (v > Number.MAX_SAFE_INTEGER) return CL_OVERFLOW;
  }
  return v;
}

/** Connection option bits. */
export const CONN_CLOSE = 1;
export const CONN_KEEP_ALIVE = 2;
export const CONN_UPGRADE = 4;

/** RFC 9110 §7.6.1: Connection = #connection-option; case-insensitive tokens, other options ignored. */
export function connectionOptions(value: string): number {
  // Why: most requests send exactly one of these; skip the split, trim and lowercase allocations.
  if (value === 'keep-alive' || value === 'Keep-Alive') return CONN_KEEP_ALIVE;
  if (value === 'close') return CONN_CLOSE;
  let flags = 0;
  for (const raw of value.split(',')) {
    const t = trimOws(raw).toLowerCase();
    if (t === 'close') flags |= CONN_CLOSE;
    else if (t === 'keep-alive') flags |= CONN_KEEP_ALIVE;
    else if (t === 'upgrade') flags |= CONN_UPGRADE;
  }
  return flags;
}

/** Transfer-Encoding accumulated over every field of a message. */
export const TE_PRESENT = 1;
/** The last coding seen so far is `chunked`. */
export const TE_CHUNKED_LAST = 2;
/** Result of {@link addTransferCodings}: a coding follows `chunked` or the list is malformed. */
export const TE_ERROR = -1;

/**
 * Folds one Transfer-Encoding field into the running state. RFC 9112 §6.1: chunked MUST be the
 * final coding and MUST NOT be applied twice, so any coding after `chunked` (in this field or a
 * later one) is an error; list elements must be tokens, optionally with parameters.
 */
export function addTransferCodings(state: number, value: string): number {
  // Why: nearly every such field is exactly `chunked`; the general path below allocates per item.
  // Same result as that path: one token element, an error if chunked was already last.
  if (value === 'chunked') return (state & TE_CHUNKED_LAST) !== 0 ? TE_ERROR : state | TE_PRESENT | TE_CHUNKED_LAST;
  let s = state | TE_PRESENT;
  let elements = 0;
  for (const raw of value.split(',')) {
    const item = trimOws(raw);
    if (item.length === 0) continue; // RFC 9110 §5.6.1: empty list elements are ignored
    elements++;
    const semi = item.indexOf(';');
    const name = semi === -1 ? item : trimOws(item.slice(0, semi));
    if (name.length === 0 || !isToken(name)) return TE_ERROR;
    if ((s & TE_CHUNKED_LAST) !== 0) return TE_ERROR;
    if (semi === -1 && name.toLowerCase() === 'chunked') s |= TE_CHUNKED_LAST;
  }
  // A field with no codings at all says nothing a recipient can frame a body by.
  return elements === 0 ? TE_ERROR : s;
}

/** Trims SP and HTAB only; `String#trim` would also eat bytes such as 0xA0 that belong to the value. */
export function trimOws(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && isOws(s.charCodeAt(a))) a++;
  while (b > a && isOws(s.charCodeAt(b - 1))) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}

function isOws(c: number): boolean {
  return c === 0x20 || c === 0x09;
}
