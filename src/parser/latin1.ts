/**
 * latin1 decoding of a byte range: one byte, one UTF-16 code unit, no information lost.
 *
 * Why not `buf.toString('latin1', a, b)`: that public wrapper normalises its arguments and looks up
 * the encoding on every call, which shows in the parser's profile (several decodes per request).
 * `Buffer.prototype.latin1Slice` is the internal it ends in, present since Node's early days; we
 * fall back to the public API where a runtime lacks it.
 */
interface Latin1Slicer {
  latin1Slice(start: number, end: number): string;
}

const hasFastSlice = typeof (Buffer.prototype as unknown as Partial<Latin1Slicer>).latin1Slice === 'function';

/** Decodes `buf[start, end)` as latin1. */
export const latin1: (buf: Buffer, start: number, end: number) => string = hasFastSlice
  ? (buf, start, end) => (buf as unknown as Latin1Slicer).latin1Slice(start, end)
  : (buf, start, end) => buf.toString('latin1', start, end);
