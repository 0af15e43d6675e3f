/**
 * Multipart bodies for the upload tests, written out byte for byte (RFC 7578), so a test controls
 * exactly what the server parses; and the count of this process's open file descriptors.
 */
import { readdirSync } from 'node:fs';

/** The boundary of {@link form}'s bodies. */
export const BOUNDARY = 'shallot-test-boundary-7MA4YWxk';
/** The Content-Type of {@link form}'s bodies. */
export const FORM_TYPE = `multipart/form-data; boundary=${BOUNDARY}`;

/** One part: a field (`value`) or a file (`filename`, `data`, optional `type`). */
export type FormPart =
  { name: string; value: string } | { name: string; filename: string; data: string | Buffer; type?: string };

/** The head of one part, with the boundary line before it. */
export function partHead(p: FormPart, boundary = BOUNDARY): string {
  if ('value' in p) return `--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"\r\n\r\n`;
  return (
    `--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"; filename="${p.filename}"\r\n` +
    `Content-Type: ${p.type ?? 'application/octet-stream'}\r\n\r\n`
  );
}

/** A whole multipart body of `parts`. */
export function form(parts: FormPart[], boundary = BOUNDARY): Buffer {
  const out: Buffer[] = [];
  for (const p of parts) {
    out.push(Buffer.from(partHead(p, boundary)));
    out.push(Buffer.from('value' in p ? p.value : p.data));
    out.push(Buffer.from('\r\n'));
  }
  out.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(out);
}

/** How many file descriptors this process has open. */
export function openFds(): number {
  return readdirSync('/proc/self/fd').length;
}
