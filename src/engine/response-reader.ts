/**
 * Reads HTTP/1.1 responses back out of raw bytes, for `app.inject()`. Deliberately simple and
 * forgiving: it reads what our own server wrote, framing by Content-Length, chunked, or EOF.
 */

/** One response read from the wire. */
export interface InjectedResponse {
  status: number;
  statusMessage: string;
  /** Lowercased names; repeated fields as arrays. */
  headers: Record<string, string | string[]>;
  /** `[name, value, …]` as written. */
  rawHeaders: string[];
  body: Buffer;
  /** The body decoded as UTF-8. */
  text(): string;
  /** The body parsed as JSON. */
  json<T = unknown>(): T;
}

/** Splits `raw` into responses; `methods` are the request methods in order (HEAD has no body). */
export function readResponses(raw: Buffer, methods: readonly string[]): InjectedResponse[] {
  const out: InjectedResponse[] = [];
  let pos = 0;
  let req = 0;
  while (pos < raw.length) {
    const headEnd = raw.indexOf('\r\n\r\n', pos, 'latin1');
    if (headEnd === -1) break;
    const lines = raw.toString('latin1', pos, headEnd).split('\r\n');
    const m = /^HTTP\/1\.[01] (\d{3}) ?(.*)$/.exec(lines[0]!);
    if (m === null) break;
    const status = Number(m[1]);
    const rawHeaders: string[] = [];
    const headers: Record<string, string | string[]> = {};
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      const name = line.slice(0, colon);
      const value = line.slice(colon + 1).trim();
      rawHeaders.push(name, value);
      const key = name.toLowerCase();
      const prev = headers[key];
      headers[key] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
    }
    pos = headEnd + 4;
    let body: Buffer = Buffer.alloc(0);
    const interim = status < 200;
    const noBody = interim || status === 204 || status === 304 || methods[req] === 'HEAD';
    if (!noBody) {
      const te = headers['transfer-encoding'];
      const cl = headers['content-length'];
      if (te !== undefined && String(te).toLowerCase().includes('chunked')) {
        const parts: Buffer[] = [];
        for (;;) {
          const lineEnd = raw.indexOf('\r\n', pos, 'latin1');
          if (lineEnd === -1) {
            pos = raw.length;
            break;
          }
          const size = parseInt(raw.toString('latin1', pos, lineEnd), 16);
          pos = lineEnd + 2;
          if (!(size > 0)) {
            const trailerEnd = raw.indexOf('\r\n', pos, 'latin1');
            pos = trailerEnd === -1 ? raw.length : trailerEnd + 2;
            break;
          }
          parts.push(raw.subarray(pos, pos + size));
          pos += size + 2;
        }
        body = Buffer.concat(parts);
      } else if (cl !== undefined) {
        const n = Number(Array.isArray(cl) ? cl[0] : cl);
        body = raw.subarray(pos, pos + n);
        pos += n;
      } else {
        body = raw.subarray(pos);
        pos = raw.length;
      }
    }
    if (!interim) req++;
    const b = body;
    out.push({
      status,
      statusMessage: m[2]!,
      headers,
      rawHeaders,
      body: b,
      text: () => b.toString('utf8'),
      json: <T>() => JSON.parse(b.toString('utf8')) as T,
    });
  }
  return out;
}
