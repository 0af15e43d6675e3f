/**
 * `Range: bytes=…` (RFC 9110 §14.1.2, §14.2), reduced to what `serveStatic()` answers.
 *
 * Contract:
 * - A header this parser cannot read (another unit, bad syntax, more than {@link MAX_RANGES}
 *   ranges) is *ignored* — the full representation is sent with 200, as §14.2 allows ("a server
 *   MAY ignore the Range header field") — rather than answered with an error.
 * - A syntactically valid set with no satisfiable range is `'unsatisfiable'` (416, §15.5.17): every
 *   first-pos at or past the end, or a suffix of zero bytes, or any range of an empty file.
 * - Satisfiable ranges are clamped to the file, sorted and coalesced when they overlap or touch.
 *   One range left → 206 with that range. Several disjoint ranges → `'ignore'`: we send the whole
 *   file with 200 rather than `multipart/byteranges` (§14.6 lets a server do that; browsers and
 *   download managers ask for one range at a time, and a multipart body is one more parser for
 *   every client to get right).
 */

/** An inclusive byte range, as in `Content-Range: bytes start-end/size`. */
export interface ByteRange {
  start: number;
  end: number;
}

/** The decision for a `Range` header against a representation of `size` bytes. */
export type RangeResult = ByteRange | 'ignore' | 'unsatisfiable';

/** More ranges than this is not a download client but an amplification attempt: ignored. */
export const MAX_RANGES = 100;

const SPEC = /^(\d*)-(\d*)$/;

/**
 * Evaluates a `Range` field value for a representation of `size` bytes.
 *
 * @example parseRange('bytes=0-99', 1000) // { start: 0, end: 99 }
 * @example parseRange('bytes=-100', 1000) // { start: 900, end: 999 }
 * @example parseRange('bytes=5000-', 1000) // 'unsatisfiable'
 */
export function parseRange(header: string, size: number): RangeResult {
  const eq = header.indexOf('=');
  if (eq === -1 || header.slice(0, eq).trim().toLowerCase() !== 'bytes') return 'ignore';
  const specs = header.slice(eq + 1).split(',');
  if (specs.length > MAX_RANGES) return 'ignore';
  const ranges: ByteRange[] = [];
  let sawSpec = false;
  for (const raw of specs) {
    const spec = raw.trim();
    // RFC 9110 §5.6.1: empty list elements are allowed and ignored.
    if (spec === '') continue;
    const m = SPEC.exec(spec);
    if (m === null) return 'ignore';
    const first = m[1]!;
    const last = m[2]!;
    if (first === '' && last === '') return 'ignore';
    sawSpec = true;
    if (first === '') {
      // suffix-range: the last N bytes.
      const n = Number(last);
      if (n === 0 || size === 0) continue;
      ranges.push({ start: Math.max(0, size - n), end: size - 1 });
      continue;
    }
    const start = Number(first);
    const end = last === '' ? size - 1 : Number(last);
    if (last !== '' && end < start) return 'ignore';
    if (!Number.isSafeInteger(start) || start >= size) continue;
    ranges.push({ start, end: Math.min(end, size - 1) });
  }
  if (!sawSpec) return 'ignore';
  if (ranges.length === 0) return 'unsatisfiable';
  if (ranges.length === 1) return ranges[0]!;
  ranges.sort((a, b) => a.start - b.start);
  let cur = { ...ranges[0]! };
  for (let i = 1; i < ranges.length; i++) {
    const r = ranges[i]!;
    if (r.start > cur.end + 1) return 'ignore';
    if (r.end > cur.end) cur = { start: cur.start, end: r.end };
  }
  return cur;
}
