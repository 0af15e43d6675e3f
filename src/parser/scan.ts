/**
 * Word-at-a-time scans over the two long runs of a head: field values and request-targets.
 *
 * Why: these runs are most of a head's bytes (a browser's User-Agent, Accept and Cookie values are
 * hundreds of bytes), and a byte loop pays a bounds check, a table load and a branch per byte. Here
 * one unaligned 32-bit load tests four bytes with the bit tricks of "Bit Twiddling Hacks"
 * (`hasless`, `haszero`), which tell exactly whether *some* byte of the word is out of range. A
 * word that fails is settled byte by byte with the class's own condition (isFieldValueByte and
 * isTargetByte in char-classes.ts, written out), so the result is always the byte loop's result:
 * the first index whose byte is not in the class.
 *
 * A DataView costs an allocation per chunk, which a short chunk (one small request) does not earn
 * back: the parser scans those byte by byte itself (see WORD_SCAN_MIN).
 */

const HIGH = 0x80808080;
const ONES = 0x01010101;

/**
 * Chunks shorter than this are scanned byte by byte. Measured (bench/parser.ts): with a DataView
 * for every chunk a 110-byte GET parses ~25% slower; with none, an 863-byte browser GET ~10% slower.
 */
export const WORD_SCAN_MIN = 256;

/**
 * First index in `[pos, lim)` whose byte is not a field-value byte (RFC 9110 §5.5), or `lim`.
 * `view` covers the same bytes as `buf`.
 */
export function scanFieldValue(buf: Uint8Array, view: DataView, pos: number, lim: number): number {
  for (;;) {
    // Passes when no byte is below 0x20 nor equal to 0x7f; bytes >= 0x80 (obs-text) are allowed.
    // HTAB is allowed too but fails the test: the byte loop below settles such a word.
    while (pos + 4 <= lim) {
      const x = view.getInt32(pos, true);
      if ((((x - 0x20 * ONES) | ((x ^ (0x7f * ONES)) - ONES)) & ~x & HIGH) !== 0) break;
      pos += 4;
    }
    const stop = lim - pos > 4 ? pos + 4 : lim;
    for (; pos < stop; pos++) {
      const c = buf[pos]!;
      if (c < 0x20 ? c !== 0x09 : c === 0x7f) return pos;
    }
    if (pos === lim) return pos;
  }
}

/** First index in `[pos, lim)` whose byte is not a request-target byte (0x21–0x7E), or `lim`. */
export function scanTarget(buf: Uint8Array, view: DataView, pos: number, lim: number): number {
  for (;;) {
    // Passes when no byte is below 0x21, equal to 0x7f, or 0x80 and above (the word's own high bits).
    while (pos + 4 <= lim) {
      const x = view.getInt32(pos, true);
      if ((((x - 0x21 * ONES) & ~x) | (((x ^ (0x7f * ONES)) - ONES) & ~x) | x) & HIGH) break;
      pos += 4;
    }
    const stop = lim - pos > 4 ? pos + 4 : lim;
    for (; pos < stop; pos++) {
      const c = buf[pos]!;
      if (c < 0x21 || c > 0x7e) return pos;
    }
    if (pos === lim) return pos;
  }
}
