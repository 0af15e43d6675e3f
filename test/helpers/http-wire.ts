/**
 * A small, independent HTTP/1.1 response reader for wire tests. It deliberately shares no code with
 * the server (`src/engine/response-reader.ts` reads what our own server wrote; a test that used it
 * would trust the thing under test). It is strict about completeness: a response whose body is cut
 * short is reported as `partial`, never returned as a short response.
 */

/** One complete response read off the wire. */
export interface WireResponse {
  status: number;
  reason: string;
  /** Lowercased names; repeated fields joined with `, `. */
  headers: Record<string, string>;
  /** The head exactly as written, without the final CRLFCRLF. */
  head: string;
  body: Buffer;
  /** Whether the body was chunked on the wire. */
  chunked: boolean;
  text(): string;
  json<T = Record<string, unknown>>(): T;
}

/** What {@link parseResponses} found. */
export interface ParsedWire {
  responses: WireResponse[];
  /** Bytes after the last complete response (the start of an incomplete one, or garbage). */
  rest: Buffer;
}

/**
 * Splits `buf` into complete responses. `methods` lists the request methods in order (a response to
 * HEAD has no body); interim 1xx responses do not consume a method. With `eof`, a response with
 * neither Content-Length nor chunked framing reads to the end of `buf`.
 */
export function parseResponses(buf: Buffer, methods: readonly string[] = [], eof = false): ParsedWire {
  const responses: WireResponse[] = [];
  let pos = 0;
  let req = 0;
  for (;;) {
    const r = readOne(buf, pos, methods[req], eof);
    if (r === null) break;
    responses.push(r.res);
    pos = r.end;
    if (r.res.status >= 200) req++;
  }
  return { responses, rest: buf.subarray(pos) };
}

function readOne(
  buf: Buffer,
  start: number,
  method: string | undefined,
  eof: boolean,
): { res: WireResponse; end: number } | null {
  const headEnd = buf.indexOf('\r\n\r\n', start, 'latin1');
  if (headEnd === -1) return null;
  const head = buf.toString('latin1', start, headEnd);
  const lines = head.split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3}) (.*)$/.exec(lines[0]!);
  if (m === null) throw new Error(`not a status line: ${JSON.stringify(lines[0])}`);
  const status = Number(m[1]);
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw new Error(`bad header line: ${JSON.stringify(line)}`);
    const name = line.slice(0, colon).toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  let pos = headEnd + 4;
  let body: Buffer = Buffer.alloc(0);
  const chunked = (headers['transfer-encoding'] ?? '').toLowerCase().includes('chunked');
  const bodiless = status < 200 || status === 204 || status === 304 || method === 'HEAD';
  if (!bodiless) {
    if (chunked) {
      const parts: Buffer[] = [];
      for (;;) {
        const lineEnd = buf.indexOf('\r\n', pos, 'latin1');
        if (lineEnd === -1) return null;
        const size = parseInt(buf.toString('latin1', pos, lineEnd).split(';')[0]!, 16);
        if (Number.isNaN(size)) throw new Error(`bad chunk size at ${pos}`);
        pos = lineEnd + 2;
        if (size === 0) {
          // No trailers from our server: the last chunk is followed by one CRLF.
          if (buf.length < pos + 2) return null;
          if (buf.toString('latin1', pos, pos + 2) !== '\r\n') throw new Error('trailers are not expected');
          pos += 2;
          break;
        }
        if (buf.length < pos + size + 2) return null;
        parts.push(buf.subarray(pos, pos + size));
        pos += size + 2;
      }
      body = Buffer.concat(parts);
    } else if (headers['content-length'] !== undefined) {
      const n = Number(headers['content-length']);
      if (buf.length < pos + n) return null;
      body = buf.subarray(pos, pos + n);
      pos += n;
    } else if (eof) {
      body = buf.subarray(pos);
      pos = buf.length;
    } else {
      return null;
    }
  }
  const b = body;
  const res: WireResponse = {
    status,
    reason: m[2]!,
    headers,
    head,
    body: b,
    chunked,
    text: () => b.toString('utf8'),
    json: <T>() => JSON.parse(b.toString('utf8')) as T,
  };
  return { res, end: pos };
}

/**
 * For a buffer starting with an incomplete response: the total byte count it needs when that is
 * known already (a complete head with Content-Length), else 0. Lets a reader skip re-parsing
 * while a large body is still arriving.
 */
export function bytesNeeded(buf: Buffer): number {
  const headEnd = buf.indexOf('\r\n\r\n', 0, 'latin1');
  if (headEnd === -1) return 0;
  const m = /\r\ncontent-length: *(\d+)/i.exec(buf.toString('latin1', 0, headEnd));
  return m === null ? 0 : headEnd + 4 + Number(m[1]);
}
